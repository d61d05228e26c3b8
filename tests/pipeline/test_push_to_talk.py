"""Push-to-talk intake in fake time: answers stored before transcription, the seed's gap, bad audio, limits."""

from __future__ import annotations

import pytest

from interviews.audio import wav_seconds
from interviews.pipeline.config import SessionConfig
from interviews.pipeline.limits import Limits
from interviews.protocol import AudioChunk
from interviews.testing.harness import At, Harness, audio_end, recording, tone
from interviews.testing.webm import make_test_webm


async def test_an_answer_is_stored_when_it_ends_before_it_is_transcribed():
    harness = Harness(greeting_spoken=True)
    harness.stt.delay_s = 5.0
    answer = make_test_webm(tone(1.0))
    run = await harness.run([At(1.0, AudioChunk(answer)), audio_end(1.1)], until_s=3.0)
    stored = run.store.ordered()
    assert [(t.record.speaker, t.text) for t in stored] == [("candidate", "")]  # words not back yet
    assert stored[0].record.audio == answer
    assert stored[0].record.audio_seconds == pytest.approx(1.0, abs=0.03)


async def test_a_client_that_never_sends_audio_end_has_its_answer_end_after_the_gap():
    harness = Harness(greeting_spoken=True)
    run = await harness.run([recording(tone(1.0), at=1.0)], until_s=5)
    transcript = run.first("user_transcript")
    # The answer ended 1 s (the gap) after its last chunk, then transcription took 0.3 s.
    assert transcript.at_s == pytest.approx(2.3)
    assert transcript.frame.final


async def test_bytes_that_are_not_audio_are_refused_and_the_next_answer_still_works():
    harness = Harness(greeting_spoken=True)
    run = await harness.run(
        [
            At(1.0, AudioChunk(b"not an audio file at all")),
            At(1.1, AudioChunk(b"more of the same")),
            audio_end(1.2),
            recording(tone(1.0), at=2.0),
            audio_end(2.1),
        ],
        until_s=6,
    )
    assert run.errors() == ["bad_audio"]
    assert [t.record.speaker for t in run.store.ordered()] == ["candidate", "interviewer"]
    assert harness.stt.calls[0].audio[:4] == b"\x1aE\xdf\xa3"  # only the real recording was sent


async def test_a_header_split_off_as_its_own_first_byte_is_joined_to_the_rest():
    harness = Harness(greeting_spoken=True)
    answer = make_test_webm(tone(1.0))
    run = await harness.run(
        [At(1.0, AudioChunk(answer[:1])), At(1.05, AudioChunk(answer[1:])), audio_end(1.1)], until_s=5
    )
    assert run.errors() == []
    assert harness.stt.calls[0].audio == answer


async def test_audio_end_without_audio_says_no_speech():
    run = await Harness(greeting_spoken=True).run([audio_end(1.0)], until_s=2)
    assert run.errors() == ["no_speech"]


async def test_an_answer_over_its_length_limit_is_cut_there_and_the_kept_part_transcribed():
    config = SessionConfig(limits=Limits(answer_seconds=2.0))
    harness = Harness(greeting_spoken=True, config=config)
    run = await harness.run([recording(tone(5.0), at=1.0), audio_end(1.1)], until_s=6)
    assert run.errors() == ["answer_too_long"]
    kept = harness.stt.calls[-1].audio
    assert kept[:4] == b"RIFF" and wav_seconds(len(kept)) == pytest.approx(2.0, abs=0.01)
    stored = run.store.ordered()[0].record
    assert stored.audio == kept and stored.audio_seconds == pytest.approx(2.0, abs=0.01)
    assert run.of("user_transcript")[-1].frame.final  # and it is answered
