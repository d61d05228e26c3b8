"""End of turn on real speech, in fake time, with the real end-of-turn model: one test per kind of answer.

The model (Smart Turn v3.2) scores a pause in a worker thread; in fake time its score arrives at the
moment the pause reaches TurnConfig.assess_after_s, so the times below are the decision's own.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from django.conf import settings
from threadpoolctl import threadpool_info

from interviews.audio import RECOGNITION_RATE, decode_to_pcm
from interviews.end_of_turn import TurnConfig
from interviews.events import HistoryItem
from interviews.providers.base import Voice
from interviews.providers.local_tts import LocalTextToSpeech
from interviews.testing.harness import Harness, silence, speak
from interviews.turn_model import TurnModel, load_turn_model
from interviews.turn_taking import EndpointConfig
from interviews.vad import VAD, WINDOW, VadStream

CONFIG = TurnConfig()
# Where each sentence's voice ends is judged by the listener's own voice activity detection on the
# sentence as rendered: Piper's voice is sampled, and its last word fades by a different amount each
# time, so the end of its loud samples moved against the end of its voice by up to 0.04 s, which left
# "heard quickly" 0.02 s from its bound (flaky, sessions 9-10). From the voice's end the listener's
# pause begins about this much later: the Opus coding and the 50 ms slices the stream comes in.
VAD_LAG_S = 0.1
LEAD_S = 1.0  # the page streams from the moment it joins: quiet, then the candidate speaks


@pytest.fixture(scope="module")
def turn_model() -> TurnModel:
    model = load_turn_model(settings.MODELS_DIR)
    assert model is not None, "the end-of-turn model is fetched by setup: run `make setup-dev`"
    return model


@pytest.fixture(scope="module")
def said() -> dict[str, tuple[np.ndarray, float]]:
    """Sentences in the local Piper voice: (16 kHz audio, where the voice ends in it)."""

    async def render(text: str) -> tuple[np.ndarray, float]:
        tts = LocalTextToSpeech()
        pcm = decode_to_pcm(b"".join([chunk async for chunk in tts.stream(text, voice=Voice(language="en"))]))
        return pcm, voice_end(pcm)

    texts = {
        "finished": "I built the payments service in Go and ran it for three years.",
        "trailing": "We tried caching and",
        "rest": "it cut the latency in half.",
        # No comma: Piper's voice is sampled, and a comma's pause is sometimes long enough to be one.
        "short": "Four engineers.",
        "preamble": "I led a team of four.",
    }
    return {key: asyncio.run(render(text)) for key, text in texts.items()}


def voice_end(pcm: np.ndarray) -> float:
    """Where the voice in `pcm` ends for the listener: the end of its last voiced VAD window, heard
    after the page's lead of silence (as in `microphone`)."""
    track = np.concatenate([silence(LEAD_S), pcm])
    stream, last = VadStream(), 0
    for index in range(len(track) // WINDOW):
        window = track[index * WINDOW : (index + 1) * WINDOW]
        if VAD.probabilities([stream], [window])[0] >= EndpointConfig().speech_threshold:
            last = index + 1
    assert last, "no voice in the rendered sentence"
    return last * WINDOW / RECOGNITION_RATE - LEAD_S


def microphone(*parts: np.ndarray, until_s: float) -> np.ndarray:
    track = np.concatenate([silence(LEAD_S), *parts])
    return np.concatenate([track, silence(max(0.0, until_s - len(track) / RECOGNITION_RATE))])


def asked(question: str) -> Harness:
    """A session where the interviewer's last words were `question`."""
    return Harness(hands_free=True, greeting_spoken=True, history=[HistoryItem(0, "interviewer", question)])


def test_the_loaded_model_leaves_numpy_one_blas_thread(turn_model):
    # More would spin after the feature extractor's matrix product, through the whole ONNX run:
    # nearly twice the CPU per score, taken from the other sessions' audio.
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas, "numpy's BLAS is not visible to threadpoolctl"
    assert [pool["num_threads"] for pool in blas] == [1] * len(blas)


# In a fresh interpreter: a thread sits in the dynamic loader's list walk (dl_iterate_phdr), holding
# the loader's lock, as a thread whose callback waits for the GIL does; meanwhile BLAS is limited to
# one thread, as the server's warm-up thread does when it loads the model. threadpoolctl 3.6 walked
# that list itself with a Python callback, and waited here: in a server, where the other thread was
# a session's holding the GIL while it loaded a library, neither went on (a fresh server that took
# no connection, bench/load.py --servers 2).
LOADER_LOCK_HELD = textwrap.dedent(
    """
    import ctypes, threading
    import numpy
    from threadpoolctl import threadpool_limits

    CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
    inside, release = threading.Event(), threading.Event()

    def walking(info, size, data):
        inside.set()
        release.wait()
        return 1

    callback = CALLBACK(walking)
    threading.Thread(target=ctypes.CDLL("libc.so.6").dl_iterate_phdr, args=(callback, None), daemon=True).start()
    assert inside.wait(10)
    with threadpool_limits(limits=1, user_api="blas"):
        print("limited")
    release.set()
    """
)


def test_blas_is_limited_while_another_thread_holds_the_loaders_lock():
    done = subprocess.run([sys.executable, "-c", LOADER_LOCK_HELD], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["limited"], done.stderr


async def test_a_finished_answer_is_answered_after_a_short_pause(said, turn_model):
    pcm, voice_end = said["finished"]
    harness = asked("Could you walk me through a backend system you built?")
    harness.turn_model = turn_model
    run = await harness.run([speak(microphone(pcm, until_s=8.0), at=0)], until_s=9)
    ended = run.first("speech_ended").at_s - (LEAD_S + voice_end)
    assert ended == pytest.approx(VAD_LAG_S + CONFIG.assess_after_s, abs=0.1)
    # Nothing holds the reply back: its words show as soon as the model has written them.
    assert run.first("ai_transcript_chunk").at_s - run.first("speech_ended").at_s == pytest.approx(0.7, abs=0.1)

    without = asked("Could you walk me through a backend system you built?")  # no model: silence alone
    run = await without.run([speak(microphone(pcm, until_s=8.0), at=0)], until_s=9)
    assert run.first("speech_ended").at_s - (LEAD_S + voice_end) == pytest.approx(VAD_LAG_S + CONFIG.silence_s, abs=0.1)


async def test_a_trailing_off_pause_is_waited_out_and_the_answer_stays_one(said, turn_model):
    head, head_end = said["trailing"]
    rest, rest_end = said["rest"]
    pause_s = 1.8
    harness = asked("Tell me how you made the service faster.")
    harness.turn_model = turn_model
    track = microphone(head[: int(head_end * RECOGNITION_RATE)], silence(pause_s), rest, until_s=10.0)
    run = await harness.run([speak(track, at=0)], until_s=12)
    assert len(run.of("speech_ended")) == 1  # not taken as ended in the pause
    assert not [h for h in run.of("ai_audio_end") if h.frame.reason == "withdrawn"]
    voice_end = LEAD_S + head_end + pause_s + rest_end
    assert run.first("speech_ended").at_s > voice_end


async def test_a_short_answer_to_a_closed_question_is_heard_quickly(said, turn_model):
    pcm, voice_end = said["short"]
    harness = asked("Thanks. How many engineers were on your team?")
    harness.turn_model = turn_model
    harness.stt.delay_s = harness.llm.first_token_delay_s = 0.05  # ready well before it may be heard
    run = await harness.run([speak(microphone(pcm, until_s=5.0), at=0)], until_s=7)
    end = LEAD_S + voice_end
    assert run.first("speech_ended").at_s - end == pytest.approx(VAD_LAG_S + CONFIG.assess_after_s, abs=0.1)
    # Prepared at once, heard once the short answer's 0.8 s have passed (it might still go on).
    heard = run.first("ai_transcript_chunk").at_s - end
    assert heard == pytest.approx(VAD_LAG_S + CONFIG.short_heard_after_s, abs=0.1)


async def test_a_short_answer_to_an_open_question_gets_the_full_patience(said, turn_model):
    pcm, voice_end = said["preamble"]
    harness = asked("Tell me about the team you led.")
    harness.turn_model = turn_model
    run = await harness.run([speak(microphone(pcm, until_s=7.0), at=0)], until_s=8)
    end = LEAD_S + voice_end
    patient = CONFIG.patient_silence_s
    decided = run.first("speech_ended").at_s - end
    assert decided == pytest.approx(VAD_LAG_S + patient - CONFIG.prepare_ahead_s, abs=0.1)
    assert run.first("ai_transcript_chunk").at_s - end == pytest.approx(VAD_LAG_S + patient, abs=0.1)


class CountingModel:
    """The real model, counting the pauses it is asked to score."""

    def __init__(self, model: TurnModel) -> None:
        self.model, self.calls, self.threads = model, 0, set()

    def probability(self, pcm: np.ndarray) -> float:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        return self.model.probability(pcm)


async def test_the_model_scores_only_pauses_whose_end_its_score_can_change(said, turn_model):
    # A short answer to an open question gets the full patience whatever the sound says: no ~80 ms
    # score is spent on it. A long answer's pause is scored (finished: answered sooner).
    short_pcm, _ = said["preamble"]
    counted = CountingModel(turn_model)
    harness = asked("Tell me about the team you led.")
    harness.turn_model = counted
    await harness.run([speak(microphone(short_pcm, until_s=7.0), at=0)], until_s=8)
    assert counted.calls == 0
    long_pcm, _ = said["finished"]
    harness = asked("Tell me about a system you built.")
    harness.turn_model = counted
    await harness.run([speak(microphone(long_pcm, until_s=7.0), at=0)], until_s=8)
    assert counted.calls >= 1
    # On a thread of its own: ~80 ms a score must not hold up the audio on the shared pool.
    assert {name.split("_")[0] for name in counted.threads} == {"end-of-turn"}


async def test_the_interviews_language_reaches_the_word_rules():
    from interviews.end_of_turn import Question
    from interviews.pipeline.hands_free import HandsFreeIntake
    from interviews.testing.harness import make_snapshot

    harness = Harness(hands_free=True, greeting_spoken=True)
    harness.snapshot = make_snapshot(
        hands_free=True,
        greeting_spoken=True,
        language="ko",
        history=[HistoryItem(0, "interviewer", "감사합니다. 온콜을 해 보신 적이 있나요?")],
    )
    run = await harness.run([speak(silence(1.0), at=0)], until_s=2)
    intake = run.session.intake
    assert isinstance(intake, HandsFreeIntake) and intake.listener is not None
    assert intake.listener.language == "ko"
    assert intake.listener.question == Question.CLOSED  # judged by the Korean rules
