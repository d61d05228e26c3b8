"""Hands-free turn-taking on scripted audio: endpointing, patience, backchannels, barge-in and echo."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import numpy as np
import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from interviews.audio import RECOGNITION_RATE, decode_to_pcm, pcm_to_wav
from interviews.models import Turn
from interviews.providers.base import Voice
from interviews.providers.local_tts import LocalTextToSpeech
from interviews.testing.live import speak_in_real_time
from interviews.testing.webm import make_test_webm, webm_chunks
from interviews.turn_taking import (
    STREAM_TIMESLICE_S,
    EndpointConfig,
    Listener,
    is_echo,
)
from tests.factories import make_interview, make_template
from tests.wsclient import communicator, receive_until, text_of

LONG = "I built a payments service in Go, and it handled many requests every day."
SHORT = "Yeah."
BRIEF = "I led a team of four."  # a short answer that often goes on after a pause
BRIEF_MORE = "Two of them were new graduates."


# Silence after an answer streamed faster than real time: more than the full patience, so that the
# answer ends whatever the end-of-turn model makes of Piper's voice (it is sampled: the same sentence
# sounds finished in one run and not in the next).
ANSWER_ENDS_S = EndpointConfig().patient_silence_s + 0.5


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RECOGNITION_RATE), dtype=np.float32)


@pytest.fixture(scope="module")
def voice() -> dict[str, np.ndarray]:
    """Real speech from the local Piper voice, decoded to 16 kHz."""

    async def speak(text: str) -> tuple[np.ndarray, bytes]:
        tts = LocalTextToSpeech()
        mp3 = b"".join([chunk async for chunk in tts.stream(text, voice=Voice(language="en"))])
        return decode_to_pcm(mp3), mp3

    long_pcm, long_mp3 = asyncio.run(speak(LONG))
    short_pcm, _ = asyncio.run(speak(SHORT))
    other_pcm, _ = asyncio.run(speak("Sorry, can I ask what the team size would be for this role?"))
    brief_pcm, _ = asyncio.run(speak(BRIEF))
    more_pcm, _ = asyncio.run(speak(BRIEF_MORE))
    return {
        "long": long_pcm,
        "long_mp3": long_mp3,
        "short": short_pcm,
        "other": other_pcm,
        "brief": brief_pcm,
        "brief_more": more_pcm,
    }


def listen(pcm: np.ndarray, *, partial: str = "", chunk_s: float = 0.25) -> list[tuple[float, Any]]:
    """Feed a recording in browser-sized chunks; (time in the recording, event) for each event."""
    listener = Listener(language="en")
    webm = make_test_webm(pcm)
    duration_s = len(pcm) / RECOGNITION_RATE
    step = max(1, int(len(webm) * chunk_s / duration_s))
    events = []
    for start in range(0, len(webm), step):
        listener.partial = partial or listener.partial
        new, _ = listener.feed(webm[start : start + step])
        events += [(listener.samples_seen / RECOGNITION_RATE, event) for event in new]
    listener.close()
    return events


def kinds(events: list[tuple[float, Any]]) -> list[str]:
    """The kinds of events that shape turns ("pause" only asks the recogniser and the model)."""
    return [event.kind for _, event in events if event.kind != "pause"]


def test_an_answer_ends_after_a_pause_of_about_1_2_s(voice):
    speech_end = 0.5 + len(voice["long"]) / RECOGNITION_RATE
    events = listen(np.concatenate([silence(0.5), voice["long"], silence(3.0)]))
    assert kinds(events) == ["start", "barge_in", "end"]
    ended_at, end = events[-1]
    assert 1.0 <= ended_at - speech_end <= 1.9  # 1.2 s of silence, give or take the voice's own tail
    assert end.speak_after_s == 0  # the reply may be heard as soon as it is ready
    assert abs(len(end.pcm) / RECOGNITION_RATE - len(voice["long"]) / RECOGNITION_RATE) < 0.8


def test_a_thinking_pause_does_not_cut_the_candidate_off(voice):
    # A pause inside an answer (0.8 s here, plus the voice's own trailing silence) is not its end.
    pcm = np.concatenate([voice["long"], silence(0.8), voice["long"], silence(2.5)])
    events = listen(pcm)
    assert kinds(events) == ["start", "barge_in", "end"]
    assert len(events[-1][1].pcm) > 2 * len(voice["long"])


def test_a_trailing_off_answer_gets_more_patience(voice):
    speech_end = len(voice["long"]) / RECOGNITION_RATE
    events = listen(np.concatenate([voice["long"], silence(2.0)]), partial="and so, um")
    assert "end" not in kinds(events)  # 2 s of silence is not enough after "um"
    events = listen(np.concatenate([voice["long"], silence(4.0)]), partial="and so, um")
    ended_at, end = events[-1]
    # The reply is prepared before the 3 s patience runs out, and heard only once it has
    # (the voice itself ends a little before its audio).
    assert 1.9 <= ended_at - speech_end <= 2.7
    assert abs(end.speak_after_s - EndpointConfig().prepare_ahead_s) < 0.05
    assert ended_at + end.speak_after_s - speech_end >= 2.7


def test_a_short_utterance_waits_longer_and_is_no_barge_in(voice):
    events = listen(np.concatenate([voice["short"], silence(1.8)]))
    assert kinds(events) == ["start"]  # "Yeah." then 1.8 s: still waiting
    events = listen(np.concatenate([voice["short"], silence(3.0)]))
    assert kinds(events) == ["start", "end"]  # never long enough to interrupt anyone
    assert events[-1][1].speak_after_s > 0.5  # prepared, not yet heard


def test_a_backchannel_over_the_interviewer_lets_it_go_on_after_a_short_pause(voice):
    # Over the interviewer the page holds its playback at once, so a backchannel must end quickly.
    listener = Listener(language="en")
    listener.interviewer_speaking = True
    pcm = np.concatenate([silence(0.3), voice["short"], silence(1.5)])
    voice_end_s = 0.3 + len(voice["short"]) / RECOGNITION_RATE
    decided: dict[str, float] = {}
    for start in range(0, len(pcm), 512):  # window by window, to see when each event comes
        for event in listener.push_pcm(pcm[start : start + 512])[0]:
            assert event.overlapping
            decided[event.kind] = listener.samples_seen / RECOGNITION_RATE
    assert list(decided) == ["start", "end"]  # no "pause": not an answer, nothing to transcribe
    # About 0.4 s of silence after the voice (not the 2.2 s an answer this short gets).
    assert decided["end"] - voice_end_s < 0.8
    # The same utterance not over the interviewer is an answer and gets the patience.
    listener = Listener(language="en")
    events, _ = listener.push_pcm(pcm)
    assert [e.kind for e in events] == ["start", "pause"]


def test_a_reopened_answer_counts_the_voice_before_its_pause(voice):
    short_s = EndpointConfig().short_utterance_s
    assert len(voice["brief_more"]) / RECOGNITION_RATE < short_s  # short on its own: 3 s of patience
    pcm = np.concatenate([voice["brief_more"], silence(1.8)])
    assert "end" not in kinds(listen(pcm))
    # Going on with an answer that had 2 s of voice before the pause, it is no longer short.
    listener = Listener(language="en")
    half = RECOGNITION_RATE // 2
    assert [e.kind for e in listener.push_pcm(pcm[:half])[0]] == ["start"]
    listener.continue_utterance(2.0)
    events, _ = listener.push_pcm(pcm[half:])
    assert events[-1].kind == "end" and events[-1].speak_after_s == 0


def test_the_end_of_turn_model_hears_a_reopened_answer_from_before_its_pause(voice):
    # "Sorry," alone sounds like a whole turn; after the answer it goes on, it does not. (With 3 s
    # of voice before, the answer is not short: a short one to an open question is not scored.)
    listener = Listener(language="en")
    listener.scores_pauses = True
    earlier = np.concatenate([voice["long"], silence(1.0)])
    assert [e.kind for e in listener.push_pcm(voice["other"][: RECOGNITION_RATE // 2])[0]] == ["start"]
    listener.continue_utterance(3.0, earlier)
    events, _ = listener.push_pcm(np.concatenate([voice["other"][RECOGNITION_RATE // 2 :], silence(0.3)]))
    pause = next(e for e in events if e.kind == "pause")
    assert pause.pcm is not None and len(pause.pcm) > len(earlier)  # the earlier part, then what followed
    assert np.array_equal(pause.pcm[: len(earlier)], earlier)


def test_a_pause_the_score_could_end_waits_for_it_and_the_score_alone_ends_it(voice):
    # A list ("first..., second...") whose words catch up late in a long pause: silence alone must
    # not end it (1.2 s) before the end-of-turn model has scored the pause.
    listener = Listener(language="en")
    listener.scores_pauses = True
    half = RECOGNITION_RATE // 2
    assert [e.kind for e in listener.push_pcm(voice["long"][:half])[0]] == ["start"]
    listener.partial, listener.partial_covers_s = "First, we measured the latency,", 0.0  # lagging
    events, _ = listener.push_pcm(np.concatenate([voice["long"][half:], silence(0.9)]))
    assert [e.kind for e in events if e.kind != "pause"] == ["barge_in"]
    # Words that lag may yet end a sentence: the pause is scored as soon as it begins...
    scored = [e for e in events if e.kind == "pause" and e.pcm is not None]
    assert scored, [e.kind for e in events]
    # ...and the model hears the pause as it began, not the silence since (which sounds finished).
    trailing = len(scored[-1].pcm) - 1 - np.flatnonzero(np.abs(scored[-1].pcm) > 1e-3)[-1]
    assert trailing < 0.5 * RECOGNITION_RATE
    listener.partial, listener.partial_covers_s = LONG, 100.0  # they catch up, and end a sentence
    assert listener.push_pcm(silence(0.6))[0] == []  # waited for: no end at 1.2 s
    assert listener.scored(scored[-1].pause, 0.2) is None  # "unfinished": the patience (2.2 s) goes on
    assert [e.kind for e in listener.push_pcm(silence(0.8))[0]] == ["end"]
    # A "finished" score ends the answer when it arrives, with no audio chunk after it.
    listener = Listener(language="en")
    listener.scores_pauses = True
    events, _ = listener.push_pcm(np.concatenate([voice["long"], silence(0.6)]))
    pause = next(e for e in events if e.kind == "pause" and e.pcm is not None)
    assert "end" not in [e.kind for e in events]
    assert listener.scored(pause.pause + 1, 0.9) is None  # a score for another pause is moot
    end = listener.scored(pause.pause, 0.9)
    assert end is not None and end.kind == "end" and end.speak_after_s == 0
    assert not listener.in_utterance


def test_words_that_catch_up_in_a_pause_end_it_with_no_further_chunk_and_words_that_trail_are_not_scored(voice):
    half = RECOGNITION_RATE // 2
    listener = Listener(language="en")
    listener.scores_pauses = True
    assert [e.kind for e in listener.push_pcm(voice["long"][:half])[0]] == ["start"]
    listener.partial, listener.partial_covers_s = "I built a payments", 0.0  # lagging
    events, _ = listener.push_pcm(np.concatenate([voice["long"][half:], silence(0.3)]))
    pause = [e for e in events if e.kind == "pause" and e.pcm is not None][-1]
    assert listener.scored(pause.pause, 0.9) is None  # the sound says finished, the words lag: wait
    assert listener.reassess() is None  # nothing new
    listener.partial, listener.partial_covers_s = LONG, 100.0  # the recogniser's pass is in
    end = listener.reassess()
    assert end is not None and end.kind == "end" and not listener.in_utterance
    # Words that reach the pause and trail off ("and then we") make a score moot: none is asked.
    listener = Listener(language="en")
    listener.scores_pauses = True
    assert [e.kind for e in listener.push_pcm(voice["long"][:half])[0]] == ["start"]
    listener.partial, listener.partial_covers_s = "and then we", 100.0
    events, _ = listener.push_pcm(np.concatenate([voice["long"][half:], silence(0.6)]))
    assert [e for e in events if e.kind == "pause"] and all(e.pcm is None for e in events if e.kind == "pause")
    listener.close()


def test_events_carry_where_the_utterance_is_in_the_stream(voice):
    listener = Listener(language="en")
    pcm = np.concatenate([silence(1.0), voice["long"], silence(2.0)])
    events, _ = listener.push_pcm(pcm)
    start, end = events[0], events[-1]
    assert (start.kind, end.kind) == ("start", "end")
    assert 0.5 <= start.at_s <= 1.1  # the pre-roll before the detected voice is part of it
    assert abs(end.at_s - start.at_s - len(end.pcm) / RECOGNITION_RATE) < 0.05


def test_silence_and_steady_noise_are_not_speech():
    noise = (np.random.default_rng(0).normal(0, 0.01, RECOGNITION_RATE * 3)).astype(np.float32)
    assert listen(np.concatenate([silence(1.0), noise])) == []


def test_voice_at_the_start_of_a_stream_is_heard_within_a_timeslice(voice):
    # The candidate may speak as soon as the microphone opens: no demuxer start-up probe holds the
    # first second of a 50 ms stream back.
    lead_s = 0.2
    pcm = np.concatenate([silence(lead_s), voice["long"]])
    onset_s = lead_s + np.flatnonzero(np.abs(voice["long"]) > 0.02)[0] / RECOGNITION_RATE
    listener = Listener(language="en")
    heard_at_s = None
    for index, chunk in enumerate(webm_chunks(pcm, chunk_s=STREAM_TIMESLICE_S)):
        events, _ = listener.feed(chunk)
        if any(event.kind == "start" for event in events):
            heard_at_s = (index + 1) * STREAM_TIMESLICE_S
            break
    listener.close()
    assert heard_at_s is not None
    # min_speech_s of voice, plus the encoder's lookahead and one timeslice.
    assert heard_at_s - onset_s < EndpointConfig().min_speech_s + 0.15


def test_the_listener_takes_pcm_in_any_float_layout(voice):
    pcm = np.concatenate([silence(0.5), voice["long"], silence(2.0)])
    as_given = pcm.astype(np.float64)
    as_given.flags.writeable = False
    events = [(event.kind, event.at_s) for event in Listener(language="en").push_pcm(as_given)[0]]
    expected = [(event.kind, event.at_s) for event in Listener(language="en").push_pcm(pcm)[0]]
    assert events == expected
    assert events[0][0] == "start" and events[-1][0] == "end"


def test_benchmarks_and_tests_stream_at_the_pages_timeslice():
    client_js = (settings.BASE_DIR / "static" / "interviews" / "client.js").read_text()
    page_ms = int(re.search(r"const HANDS_FREE_TIMESLICE_MS = (\d+);", client_js).group(1))
    assert page_ms == round(STREAM_TIMESLICE_S * 1000)


def test_echo_of_the_interviewer_is_recognised_and_other_speech_is_not(voice):
    reference = np.concatenate([silence(0.7), voice["long"]])
    assert is_echo(voice["long"][RECOGNITION_RATE : 3 * RECOGNITION_RATE] * 0.3, reference)
    assert not is_echo(voice["other"][: 2 * RECOGNITION_RATE], reference)
    assert not is_echo(voice["short"], reference)
    # Through a reverberant room, with noise and the microphone's Opus codec, it is still echo.
    rng = np.random.default_rng(1)
    room = rng.normal(0, 1, 1600) * np.exp(-np.arange(1600) / 300)
    room[0] = 3
    leaked = np.convolve(voice["long"], room)[: len(voice["long"])]
    leaked = (0.3 * leaked / np.abs(leaked).max() + rng.normal(0, 0.005, len(leaked))).astype(np.float32)
    heard = decode_to_pcm(make_test_webm(leaked))
    assert is_echo(heard[RECOGNITION_RATE : 3 * RECOGNITION_RATE], reference)


def test_an_utterance_is_stored_as_wav_that_decodes_back(voice):
    wav = pcm_to_wav(voice["short"])
    assert wav[:4] == b"RIFF"
    assert abs(len(decode_to_pcm(wav)) - len(voice["short"])) < 200


# --- through the socket, with fake cloud providers --------------------------------------------------

socket_test = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("cloud_providers")]


@database_sync_to_async
def hands_free_interview() -> Any:
    return make_interview(template=make_template(hands_free=True))


async def stream(comm: Any, pcm: np.ndarray, *, chunk_s: float = 0.25, real_time: bool = False) -> None:
    """A fresh MediaRecorder stream: header first, then browser-sized chunks (at the pace they are
    spoken with `real_time`, as the streaming recogniser needs to keep up with the voice)."""
    if real_time:
        await speak_in_real_time(lambda chunk: comm.send_to(bytes_data=chunk), pcm, chunk_s=chunk_s)
        return
    webm = make_test_webm(pcm)
    step = max(1, int(len(webm) * chunk_s / (len(pcm) / RECOGNITION_RATE)))
    for start in range(0, len(webm), step):
        await comm.send_to(bytes_data=webm[start : start + step])


async def started(fake_openai: Any, token: str) -> Any:
    comm = communicator(token)
    assert (await comm.connect())[0]
    state = await comm.receive_json_from(timeout=5)
    assert state["mode"] == "hands_free"
    greeting = await receive_until(comm, "ai_audio_end")
    # As a browser does: the greeting has finished playing, so the next speech is an answer.
    await comm.send_json_to({"type": "playback", "turn": greeting[-1]["turn"], "event": "ended"})
    return comm


@socket_test[0]
@socket_test[1]
async def test_a_hands_free_answer_needs_no_button(voice, fake_openai):
    fake_openai.transcripts = ["I built a payments service in Go."]
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    await stream(comm, np.concatenate([silence(0.5), voice["long"], silence(ANSWER_ENDS_S)]))
    frames = await receive_until(comm, "ai_audio_end")
    kinds_seen = [f["type"] for f in frames]
    assert kinds_seen.index("speech_started") < kinds_seen.index("speech_ended") < kinds_seen.index("user_transcript")
    assert next(f for f in frames if f["type"] == "speech_ended")["ignored"] is False
    assert "payments service" in text_of(frames)
    upload = fake_openai.requests_to("transcription")[0]
    assert upload.file_bytes[:4] == b"RIFF"
    await comm.disconnect()


@socket_test[0]
@socket_test[1]
async def test_a_50_ms_stream_whose_header_starts_with_a_lone_byte_is_heard(voice, fake_openai):
    """Chromium's MediaRecorder at a 50 ms timeslice sends the header's first byte alone."""
    fake_openai.transcripts = ["I built a payments service in Go."]
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    chunks = [c for c in webm_chunks(np.concatenate([silence(0.5), voice["long"], silence(2.0)]), chunk_s=0.05) if c]
    for chunk in [chunks[0][:1], chunks[0][1:], *chunks[1:]]:
        await comm.send_to(bytes_data=chunk)
        await asyncio.sleep(0.05)  # at the recorder's pace (the server limits frames per second)
    frames = await receive_until(comm, "ai_audio_end")
    assert not [f for f in frames if f["type"] == "error"]
    assert next(f for f in frames if f["type"] == "speech_ended")["ignored"] is False
    assert "payments service" in text_of(frames)
    await comm.disconnect()


@socket_test[0]
@socket_test[1]
async def test_a_backchannel_does_not_interrupt_the_interviewer(voice, fake_openai, fake_elevenlabs):
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.per_token_delay_s = 0.15
    fake_openai.chat_replies = ["That is interesting. " * 8 + "What was the hardest part?"]
    await stream(comm, np.concatenate([voice["long"], silence(ANSWER_ENDS_S)]))
    await receive_until(comm, "ai_audio_chunk")
    for _ in range(3):
        await stream(comm, np.concatenate([voice["short"], silence(1.0)]))
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    starts = [f for f in frames if f["type"] == "speech_started"]
    ended = [f for f in frames if f["type"] == "speech_ended"]
    assert ended == [{"type": "speech_ended", "ignored": True, "reason": "backchannel"}] * 3
    # The page holds the interviewer for the first two; after two false alarms in one turn it
    # only lowers the volume, so a noisy room cannot make the interviewer stutter.
    assert [(f["overlapping"], f["hold"]) for f in starts] == [(True, True), (True, True), (True, False)]
    assert frames[-1]["reason"] == "complete"
    await comm.disconnect()
    turns = await database_sync_to_async(lambda: list(Turn.objects.filter(interview=interview).order_by("index")))()
    assert [t.speaker for t in turns] == ["interviewer", "candidate", "interviewer"]
    assert not turns[-1].interrupted


@socket_test[0]
@socket_test[1]
async def test_talking_over_the_interviewer_stops_it_and_becomes_the_answer(voice, fake_openai, fake_elevenlabs):
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.per_token_delay_s = 0.15
    fake_openai.chat_replies = ["Thanks for that. " + "Let me tell you about our team in some detail. " * 6]
    fake_openai.transcripts = ["I built a payments service in Go.", "Sorry, what is the team size?"]
    await stream(comm, np.concatenate([voice["long"], silence(ANSWER_ENDS_S)]))
    await receive_until(comm, "ai_audio_chunk")
    await stream(comm, np.concatenate([voice["other"], silence(ANSWER_ENDS_S)]))
    frames = await receive_until(comm, "ai_audio_end")
    assert frames[-1]["reason"] == "interrupted"
    assert next(f for f in frames if f["type"] == "speech_started")["hold"] is True
    chat = fake_openai.wait_for(lambda r: r.endpoint == "chat" and r.client_disconnected, timeout_s=5)
    assert chat.tokens_sent < 40  # generation was cancelled at the provider
    frames = await receive_until(comm, "ai_audio_end")
    assert next(f for f in frames if f["type"] == "user_transcript" and f["final"])["text"].startswith("Sorry")
    assert "team size" in text_of(frames)
    await comm.disconnect()
    turns = await database_sync_to_async(lambda: list(Turn.objects.filter(interview=interview).order_by("index")))()
    cut = turns[2]
    assert cut.speaker == "interviewer"
    assert cut.interrupted
    assert len(cut.text) < len(fake_openai.requests_to("chat")[1].response_text or "x" * 1000)


async def speaking_in_the_long_voice(voice: dict, fake_openai: Any, fake_elevenlabs: Any) -> Any:
    """A hands-free interview whose interviewer is replying, in the voice of `voice["long"]`, so
    that audio can leak back into the microphone as echo."""
    fake_elevenlabs.speech_mp3 = voice["long_mp3"]
    fake_elevenlabs.per_chunk_delay_s = 0.05
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.per_token_delay_s = 0.1
    fake_openai.chat_replies = ["Thanks. " * 10 + "Tell me more."]
    await stream(comm, np.concatenate([voice["other"], silence(ANSWER_ENDS_S)]))
    await receive_until(comm, "ai_audio_chunk")
    return comm


@socket_test[0]
@socket_test[1]
async def test_the_interviewers_own_voice_in_the_microphone_does_not_interrupt(voice, fake_openai, fake_elevenlabs):
    comm = await speaking_in_the_long_voice(voice, fake_openai, fake_elevenlabs)
    # The speakers leak the interviewer's speech back into the microphone, quieter.
    await stream(comm, np.concatenate([voice["long"] * 0.4, silence(0.3)]))
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    assert {"type": "speech_ended", "ignored": True, "reason": "echo"} in frames
    assert frames[-1]["reason"] == "complete"
    await comm.disconnect()


@socket_test[0]
@socket_test[1]
async def test_a_short_burst_of_echo_stops_holding_the_interviewer(voice, fake_openai, fake_elevenlabs):
    # Held, the interviewer's leaking voice stops with it and never reaches barge-in length: the
    # short burst is still recognised as echo, and from then on the page only lowers the volume.
    comm = await speaking_in_the_long_voice(voice, fake_openai, fake_elevenlabs)
    burst = voice["long"][RECOGNITION_RATE : RECOGNITION_RATE + RECOGNITION_RATE // 2] * 0.4
    await stream(comm, np.concatenate([silence(0.3), burst, silence(0.8)]))
    frames = await receive_until(comm, "speech_ended", timeout_s=20)
    assert next(f for f in frames if f["type"] == "speech_started")["hold"] is True
    assert frames[-1] == {"type": "speech_ended", "ignored": True, "reason": "echo"}
    await stream(comm, np.concatenate([voice["short"], silence(1.0)]))
    frames = await receive_until(comm, "speech_ended", timeout_s=20)
    assert next(f for f in frames if f["type"] == "speech_started") == {
        "type": "speech_started",
        "overlapping": True,
        "hold": False,
    }
    await comm.disconnect()


@socket_test[0]
@socket_test[1]
async def test_going_on_after_a_long_pause_withdraws_the_reply_and_keeps_one_answer(voice, fake_openai):
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.transcripts = ["I built a payments service in Go.", "I built it in Go. Sorry, what is the team size?"]
    fake_openai.first_token_delay_s = 3.0  # the reply is still being prepared when the candidate goes on
    fake_openai.chat_replies = ["Thanks, that is a good question.", "A team of six."]
    # One continuous recording: the answer, a 2.4 s pause (longer than the 1.2 s that ends an answer
    # of this length), then the candidate goes on.
    pause_s = 2.4
    await stream(comm, np.concatenate([voice["long"], silence(pause_s), voice["other"], silence(3.5)]), real_time=True)
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    assert frames[-1] == {"type": "ai_audio_end", "turn": 2, "reason": "withdrawn"}
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    kinds_seen = [f["type"] for f in frames]
    assert {"type": "speech_started", "overlapping": False, "continues_turn": 1} in frames
    assert kinds_seen.count("speech_ended") == 1
    final = [f for f in frames if f["type"] == "user_transcript" and f["final"]]
    assert [(f["turn"], f["text"]) for f in final] == [(1, "I built it in Go. Sorry, what is the team size?")]
    assert frames[-1] == {"type": "ai_audio_end", "turn": 2, "reason": "complete"}
    assert text_of(frames) == "A team of six."
    chats = fake_openai.requests_to("chat")
    # Greeting, the withdrawn reply (its stream closed by the server), the reply to the whole answer.
    assert len(chats) == 3 and chats[1].client_disconnected and not chats[2].client_disconnected
    # The whole answer, pause included, went to the transcriber and into one stored turn.
    expected_s = (len(voice["long"]) + len(voice["other"])) / RECOGNITION_RATE + pause_s
    upload = fake_openai.requests_to("transcription")[-1]
    assert abs(len(decode_to_pcm(upload.file_bytes)) / RECOGNITION_RATE - expected_s) < 0.8
    await comm.disconnect()
    turns = await database_sync_to_async(lambda: list(Turn.objects.filter(interview=interview).order_by("index")))()
    assert [(t.index, t.speaker) for t in turns] == [(0, "interviewer"), (1, "candidate"), (2, "interviewer")]
    answer = turns[1]
    assert answer.text == "I built it in Go. Sorry, what is the team size?"
    with answer.audio.open("rb") as stored:
        assert abs(len(decode_to_pcm(stored.read())) / RECOGNITION_RATE - expected_s) < 0.8
    assert turns[2].text == "A team of six." and not turns[2].interrupted


async def timed_frames(comm: Any, until: str, *, timeout_s: float = 20) -> list[tuple[float, dict[str, Any]]]:
    """Frames up to the first of kind `until`, each with the clock value it arrived at."""
    frames: list[tuple[float, dict[str, Any]]] = []
    while not frames or frames[-1][1]["type"] != until:
        frame = await comm.receive_json_from(timeout=timeout_s)
        frames.append((time.perf_counter(), frame))
    return frames


@socket_test[0]
@socket_test[1]
async def test_the_reply_to_a_short_answer_is_prepared_early_and_heard_after_the_patience(voice, fake_openai):
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.transcripts = [BRIEF]
    fake_openai.chat_replies = ["How did you bring them up to speed?"]
    receiving = asyncio.create_task(timed_frames(comm, "ai_audio_end"))  # timed as they come
    await stream(comm, np.concatenate([voice["brief"], silence(4.5)]), real_time=True)
    frames = await receiving
    arrived = {frame["type"]: at for at, frame in reversed(frames)}  # the first of each kind
    config = EndpointConfig()
    # Taken as ended (and the reply prepared) 0.8 s before the 3 s patience ran out; nothing of the
    # reply is shown or heard before then.
    assert arrived["ai_transcript_chunk"] - arrived["speech_ended"] >= config.prepare_ahead_s - 0.15
    assert arrived["ai_audio_chunk"] >= arrived["ai_transcript_chunk"]
    assert "How did you bring them up to speed?" in text_of([f for _, f in frames])
    await comm.disconnect()


@socket_test[0]
@socket_test[1]
async def test_going_on_after_a_short_answers_pause_withdraws_a_reply_that_was_ready(voice, fake_openai):
    # The reply is ready at once (as with the local engines), but the 3 s patience after a short
    # answer has not run out when the candidate goes on: it was never shown or heard.
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    whole = "I led a team of four. Sorry, can I ask what the team size would be for this role?"
    fake_openai.transcripts = [BRIEF, whole]
    fake_openai.chat_replies = ["How did you bring them up to speed?", "A team of six."]
    pause_s = 2.5  # past the 2.2 s at which the reply is prepared, within the 3 s patience
    pcm = np.concatenate([voice["brief"], silence(pause_s), voice["other"], silence(3.5)])
    await stream(comm, pcm, real_time=True)
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    assert frames[-1] == {"type": "ai_audio_end", "turn": 2, "reason": "withdrawn"}
    assert not [f for f in frames if f["type"] in ("ai_transcript_chunk", "ai_audio_chunk")]
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    assert text_of(frames) == "A team of six."
    assert len(fake_openai.requests_to("chat")) == 3  # greeting, the withdrawn reply, the reply
    await comm.disconnect()
    turns = await database_sync_to_async(lambda: list(Turn.objects.filter(interview=interview).order_by("index")))()
    assert [(t.speaker, t.text) for t in turns] == [
        ("interviewer", turns[0].text),
        ("candidate", whole),
        ("interviewer", "A team of six."),
    ]


@socket_test[0]
@socket_test[1]
async def test_a_short_answer_reopened_by_a_short_sentence_ends_after_the_usual_pause(voice, fake_openai):
    # "I led a team of four." ... "Two of them were new graduates.": each part is short, the answer
    # is not, so it ends after 1.2 s of silence. Only 1.8 s follow it here: with the 3 s of
    # patience a short answer gets, the answer would never end.
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    whole = f"{BRIEF} {BRIEF_MORE}"
    fake_openai.transcripts = [BRIEF, whole]
    fake_openai.chat_replies = ["How did you bring them up to speed?", "How did you help the graduates?"]
    # At the pace it is spoken: the candidate goes on 0.3 s after the answer was taken as ended, well
    # within the 0.8 s before its reply may be heard, however busy the machine.
    pcm = np.concatenate([voice["brief"], silence(2.5), voice["brief_more"], silence(1.8)])
    await stream(comm, pcm, real_time=True)
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    assert frames[-1] == {"type": "ai_audio_end", "turn": 2, "reason": "withdrawn"}
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    assert {"type": "speech_started", "overlapping": False, "continues_turn": 1} in frames
    assert [(f["turn"], f["text"]) for f in frames if f["type"] == "user_transcript" and f["final"]] == [(1, whole)]
    assert text_of(frames) == "How did you help the graduates?"
    await comm.disconnect()


@socket_test[0]
@socket_test[1]
async def test_a_reopened_answer_is_recognised_whole_by_the_streaming_local_engine(
    voice, fake_openai, fake_elevenlabs, settings
):
    # The local engine transcribes while the candidate speaks: when the answer reopens, its stream
    # is fed the words before the pause again, so one transcript covers the whole answer.
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["openai"], "tts": ["elevenlabs"]}
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.first_token_delay_s = 3.0
    fake_openai.chat_replies = ["Thanks.", "A team of six."]
    await stream(comm, np.concatenate([voice["long"], silence(2.4), voice["other"], silence(3.5)]), real_time=True)
    frames = await receive_until(comm, "ai_audio_end", timeout_s=30)
    assert frames[-1]["reason"] == "withdrawn"
    frames = await receive_until(comm, "ai_audio_end", timeout_s=30)
    assert frames[0] == {"type": "speech_started", "overlapping": False, "continues_turn": 1}
    final = next(f for f in frames if f["type"] == "user_transcript" and f["final"])
    words = final["text"].lower()
    assert final["turn"] == 1
    assert "payment" in words and "team size" in words, words
    assert text_of(frames) == "A team of six."
    await comm.disconnect()
    turns = await database_sync_to_async(lambda: list(Turn.objects.filter(interview=interview).order_by("index")))()
    assert [(t.index, t.speaker) for t in turns] == [(0, "interviewer"), (1, "candidate"), (2, "interviewer")]
    assert turns[1].text == final["text"]
