"""The reply streamer, in fake time: subtitles, clauses to the voice, ordered audio, failures, timings."""

from __future__ import annotations

import pytest

from interviews.testing.harness import Harness, audio_end, recording, tone

# The scripted providers' defaults: transcription 0.3 s; first token 0.4 s, then 25 ms a token;
# first voice byte 0.15 s after its request, then 40 ms a chunk.


async def test_the_greeting_streams_words_then_ordered_audio_at_the_providers_pace():
    run = await Harness().run([], until_s=5)
    assert run.kinds()[0] == "session_state"
    assert run.first("ai_transcript_chunk").at_s == pytest.approx(0.4)
    # "Hello!" is a whole clause: the voice is asked at once, its first byte 0.15 s later.
    assert run.first("ai_audio_chunk").at_s == pytest.approx(0.55)
    assert [h.frame.seq for h in run.audio(0)] == list(range(len(run.audio(0))))
    assert run.kinds()[-1] == "ai_audio_end" and run.frames[-1].frame.reason == "complete"
    assert run.text(0) == "Hello! Could you start by telling me about yourself?"
    stored = run.store.ordered()
    assert [(t.record.index, t.record.is_greeting, t.text) for t in stored] == [(0, True, run.text(0))]


async def test_the_first_clause_is_spoken_while_the_model_is_still_writing():
    harness = Harness(greeting_spoken=True)
    harness.llm.replies = ["Great, thanks for that. Now tell me how you would scale the service to ten times its load."]
    harness.llm.per_token_delay_s = 0.1
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=12)
    first_voice = harness.tts.calls[0]
    assert first_voice.text == "Great, thanks for that."
    model = harness.llm.calls[0]
    assert model.finished_at is not None and first_voice.started_at < model.finished_at - 1.0
    assert run.first("ai_audio_chunk").at_s < model.finished_at


async def test_no_more_than_two_sentences_are_synthesised_ahead_of_the_one_being_sent():
    harness = Harness(greeting_spoken=True)
    harness.llm.replies = ["One. Two. Three. Four. Five. Six."]
    harness.tts.per_chunk_delay_s = 0.5  # each sentence takes a while to send
    await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=30)
    starts = sorted(call.started_at for call in harness.tts.calls)
    finishes = sorted(call.finished_at for call in harness.tts.calls if call.finished_at is not None)
    assert len(starts) == 6
    # The third request waits for the first to finish, the fourth for the second, and so on.
    for later, earlier_done in zip(starts[2:], finishes, strict=False):
        assert later >= earlier_done


async def test_the_end_marker_ends_the_interview_and_is_never_shown_or_spoken():
    harness = Harness(greeting_spoken=True)
    harness.llm.replies = ["Thank you, that is all from me. Goodbye! <<END>>"]
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=10)
    assert "<<" not in run.text(2) and "END" not in run.text(2)
    assert all("END" not in call.text for call in harness.tts.calls)
    assert run.kinds()[-1] == "interview_ended" and run.frames[-1].frame.reason == "plan_complete"
    assert harness.store.finished == "plan_complete"


async def test_a_model_failing_mid_reply_is_told_in_words_and_voice_and_nothing_stored_is_lost():
    harness = Harness(greeting_spoken=True)
    harness.llm.fail_next(after=3)
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=10)
    assert run.errors() == ["llm_failed"]
    turns = run.store.ordered()
    assert [t.record.speaker for t in turns] == ["candidate", "interviewer", "interviewer"]
    assert turns[0].text == "I built a payments service in Go."
    assert turns[1].text == "Thanks. You said:"  # the three tokens it wrote before it failed
    assert "technical problem" in turns[2].text  # the apology, in fixed words


async def test_the_voice_is_retried_once_before_any_byte_and_the_words_are_shown_when_it_fails_twice():
    harness = Harness()
    harness.tts.fail_next(count=1)
    once = await harness.run([], until_s=5)
    assert once.errors() == [] and once.audio(0)  # the retry spoke it

    harness = Harness()
    harness.tts.fail_next(count=20)
    failed = await harness.run([], until_s=5)
    assert "tts_failed" in failed.errors()
    assert failed.text(0) == "Hello! Could you start by telling me about yourself?"
    assert failed.store.ordered()[0].text == failed.text(0)


async def test_each_turn_stores_its_stage_timings_and_the_provider_floor():
    harness = Harness(greeting_spoken=True)
    await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=10)
    timings = harness.store.ordered()[1].record.timings
    assert timings.transcript_ms == pytest.approx(300, abs=1)
    assert timings.llm_first_token_ms == pytest.approx(700, abs=1)
    assert timings.first_clause_ms == pytest.approx(700, abs=1)  # "Thanks." is the first token
    assert timings.first_audio_sent_ms == pytest.approx(850, abs=1)
    # transcription 300 + model to the first clause 400 + voice to its first byte 150: no overhead
    # in fake time, so the floor is exactly the time to the first sound.
    assert timings.provider_floor_ms == pytest.approx(850, abs=1)
