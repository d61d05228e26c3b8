"""Hands-free intake in fake time, on real speech: answers, barge-in, backchannels, reopening, patience.

The fixture voice speaks from 0.1 s to 3.45 s, pauses a quarter of a second, and speaks again
until 6.3 s (Silero VAD on 32 ms windows).
"""

from __future__ import annotations

import numpy as np
import pytest

from interviews.audio import RECOGNITION_RATE, decode_to_pcm
from interviews.protocol import AudioChunk
from interviews.testing.harness import At, Harness, playback, silence, speak

S = RECOGNITION_RATE


def microphone(*parts: tuple[float, np.ndarray], until_s: float) -> np.ndarray:
    """The page's continuous recording from the moment it joined (t = 0): silence, with each
    (start time, audio) part placed at its time, as a microphone in a quiet room gives it."""
    track = silence(until_s)
    for start_s, pcm in parts:
        track[int(start_s * S) : int(start_s * S) + len(pcm)] = pcm
    return track


# The page played the greeting from 0.6 s to 1.5 s.
GREETING_HEARD = (playback(0, "started", at=0.6), playback(0, "ended", at=1.5))
# Bytes no WebM stream has at an element's start (an element id of nine bytes): the decoder gives up.
DAMAGE = b"\x00\x00\x00\x00"


def broken_at(recording: list[At], at_s: float) -> list[At]:
    """The recording with damage arriving at `at_s`; the page goes on sending the rest of it, which
    (without the header) can no longer be decoded on its own."""
    return sorted([*recording, At(at_s, AudioChunk(DAMAGE))], key=lambda step: step.seconds)


LONG_REPLY = "Welcome, and thank you for joining today. " + "I will ask you about the systems you have built. " * 4


def seconds(pcm: np.ndarray) -> float:
    return len(pcm) / S


async def test_a_spoken_answer_ends_after_its_pause_and_is_answered(speech):
    harness = Harness(hands_free=True)
    run = await harness.run(
        [*GREETING_HEARD, speak(microphone((2.0, speech), until_s=10.0), at=0)],
        until_s=12,
    )
    started, ended = run.first("speech_started"), run.first("speech_ended")
    assert started.frame.overlapping is False and 2.0 < started.at_s < 2.4
    # The voice ends at 2.0 + 6.3 s; a complete-sounding answer of that length ends after 1.2 s of silence.
    assert ended.at_s == pytest.approx(2.0 + 6.3 + 1.2, abs=0.2)
    answer = run.store.ordered()[1].record
    assert answer.audio_mime == "audio/wav"
    assert seconds(decode_to_pcm(answer.audio)) == pytest.approx(6.6, abs=0.4)
    assert answer.text == "I built a payments service in Go."
    assert [h.frame.reason for h in run.of("ai_audio_end")] == ["complete", "complete"]


async def test_speech_over_the_interviewer_holds_it_at_once_and_a_barge_in_then_stops_it(speech):
    harness = Harness(hands_free=True)
    harness.llm.replies = [LONG_REPLY]
    run = await harness.run(
        [playback(0, "started", at=0.6), speak(microphone((2.0, speech[: 3 * S]), until_s=6.5), at=0)],
        until_s=9,
    )
    held = run.first("speech_started")
    assert held.frame.overlapping and held.frame.hold
    assert held.at_s < 2.0 + 0.1 + 0.15  # within a chunk or two of the first word (2.1 s)
    # All of the greeting had been sent (the voice is fast); the page was still playing it.
    cut = next(h for h in run.of("ai_audio_end") if h.frame.reason == "interrupted")
    assert cut.frame.turn == 0 and cut.at_s == pytest.approx(2.1 + 0.6, abs=0.2)
    greeting, answer = run.store.ordered()[:2]
    assert greeting.record.interrupted and len(greeting.text) < len(LONG_REPLY.strip())
    assert answer.record.speaker == "candidate" and answer.text  # the barge-in became the answer


async def test_a_short_sound_over_the_interviewer_is_a_backchannel_and_the_interviewer_goes_on(speech):
    harness = Harness(hands_free=True)
    harness.llm.replies = [LONG_REPLY]
    run = await harness.run(
        [playback(0, "started", at=0.6), speak(microphone((2.0, speech[: int(0.35 * S)]), until_s=3.5), at=0)],
        until_s=20,
    )
    assert run.first("speech_started").frame.hold
    released = run.first("speech_ended")
    assert released.frame.ignored and released.frame.reason == "backchannel"
    assert [h.frame.reason for h in run.of("ai_audio_end")] == ["complete"]
    assert not run.store.ordered()[0].record.interrupted
    assert [t.record.speaker for t in run.store.ordered()] == ["interviewer"]  # no answer stored


async def test_going_on_after_the_answer_was_taken_as_finished_withdraws_the_unheard_reply(speech):
    harness = Harness(hands_free=True, greeting_spoken=True)
    harness.llm.first_token_delay_s = 3.0  # still preparing the reply when the candidate goes on
    harness.stt.transcripts = ["First part.", "First part. And the rest of it."]
    first, rest = speech[: int(3.5 * S)], speech[int(3.6 * S) :]
    track = microphone((1.0, first), (1.0 + 3.5 + 2.4, rest), until_s=11.5)
    run = await harness.run([speak(track, at=0)], until_s=17)
    withdrawn = [h for h in run.of("ai_audio_end") if h.frame.reason == "withdrawn"]
    assert [h.frame.turn for h in withdrawn] == [1]
    resumed = [h for h in run.of("speech_started") if h.frame.continues_turn is not None]
    assert [h.frame.continues_turn for h in resumed] == [0]
    assert not [h for h in run.frames if h.kind == "ai_audio_chunk" and h.at_s <= withdrawn[0].at_s]
    assert harness.llm.calls[0].closed_early  # the withdrawn reply's stream was closed
    turns = run.store.ordered()
    assert [(t.record.index, t.record.speaker) for t in turns] == [(0, "candidate"), (1, "interviewer")]
    assert turns[0].text == "First part. And the rest of it."
    # One answer: both parts and the pause between them, in one recording.
    assert seconds(decode_to_pcm(turns[0].record.audio)) == pytest.approx(3.5 + 2.4 + 2.9, abs=0.6)


async def test_a_short_answer_gets_patience_and_its_reply_is_prepared_early_but_held_back(speech):
    harness = Harness(hands_free=True, greeting_spoken=True)
    short = speech[: int(1.5 * S)]  # 1.4 s of voice: likely a preamble, so 3 s of patience
    run = await harness.run([speak(microphone((1.0, short), until_s=6.0), at=0)], until_s=8)
    voice_end = 1.0 + 1.45
    ended = run.first("speech_ended")
    assert ended.at_s == pytest.approx(voice_end + 2.2, abs=0.15)  # decided 0.8 s before the 3 s
    # Transcription and the model ran meanwhile, but nothing of the reply shows before the 3 s.
    assert harness.llm.calls[0].started_at < voice_end + 3.0
    assert run.first("ai_transcript_chunk").at_s == pytest.approx(voice_end + 3.0, abs=0.15)


async def test_a_stream_that_breaks_is_reported_once_and_the_pages_new_recording_is_heard(speech):
    harness = Harness(hands_free=True)
    run = await harness.run(
        [
            *GREETING_HEARD,
            *broken_at(speak(silence(4.0), at=0), 2.025),  # ~40 more chunks of the broken stream
            *speak(microphone((1.0, speech), until_s=10.0), at=4.0),  # the page's new recording
        ],
        until_s=16,
    )
    assert run.errors() == ["bad_audio"]  # once, not once per chunk
    assert run.first("speech_started").at_s == pytest.approx(4.0 + 1.0 + 0.1, abs=0.3)
    assert run.store.ordered()[1].text == "I built a payments service in Go."
    assert [h.frame.reason for h in run.of("ai_audio_end")] == ["complete", "complete"]


async def test_what_was_said_before_the_stream_broke_is_kept_as_the_answer(speech):
    harness = Harness(hands_free=True)
    run = await harness.run(
        [*GREETING_HEARD, *broken_at(speak(microphone((2.0, speech[: 3 * S]), until_s=6.0), at=0), 4.025)],
        until_s=10,
    )
    assert run.errors() == ["bad_audio"]
    assert run.first("speech_ended").at_s == pytest.approx(4.025, abs=0.1)
    answer = run.store.ordered()[1].record
    assert answer.speaker == "candidate" and answer.text
    assert seconds(decode_to_pcm(answer.audio)) == pytest.approx(2.0, abs=0.3)  # the voice from 2.1 s to 4.0 s
    assert len(run.of("ai_audio_end")) == 2  # and it is answered
