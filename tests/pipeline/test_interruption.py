"""Interruption in fake time: what stops, what the page is told, what is stored of a cut turn."""

from __future__ import annotations

import pytest

from interviews.testing.harness import Harness, audio_end, interrupt, playback, recording, tone


async def test_interrupting_a_reply_stops_its_streams_and_stores_what_was_heard():
    harness = Harness()
    harness.llm.replies = ["Hello and welcome. " + "This is a long introduction that goes on and on. " * 6]
    harness.llm.per_token_delay_s = 0.1
    harness.tts.per_chunk_delay_s = 0.5  # the voice is still streaming its second clause at 2.6 s
    run = await harness.run([playback(0, "started", at=0.6), interrupt(at=2.6)], until_s=6)
    stop = run.of("ai_audio_end")
    assert [(h.frame.turn, h.frame.reason) for h in stop] == [(0, "interrupted")]
    assert stop[0].at_s == pytest.approx(2.6)
    assert harness.llm.calls[0].closed_early and any(call.closed_early for call in harness.tts.calls)
    turn = run.store.ordered()[0].record
    assert turn.interrupted
    # Two seconds of playback: the first clause (0.9 s of audio) and what had come of the next.
    assert turn.text.startswith("Hello and welcome. This")
    assert len(turn.text) < len(run.text(0))
    assert not [h for h in run.frames if h.at_s > 2.6 and h.kind in ("ai_audio_chunk", "ai_transcript_chunk")]


async def test_interrupting_a_reply_still_playing_after_it_was_sent_cuts_the_stored_turn():
    harness = Harness()
    harness.llm.replies = ["Hello there. " + "We will talk about your work for a little while today. " * 3]
    run = await harness.run([playback(0, "started", at=0.6), interrupt(at=3.0)], until_s=6)
    ends = run.of("ai_audio_end")
    assert [h.frame.reason for h in ends] == ["complete", "interrupted"]
    assert ends[0].at_s < 3.0  # all of it had been sent
    turn = run.store.ordered()[0].record
    assert turn.interrupted and turn.text.startswith("Hello there.") and turn.text != run.text(0)


async def test_an_interrupt_when_nothing_plays_changes_nothing():
    run = await Harness().run([playback(0, "ended", at=3.0), interrupt(at=4.0)], until_s=5)
    assert [h.frame.reason for h in run.of("ai_audio_end")] == ["complete"]
    assert not run.store.ordered()[0].record.interrupted


async def test_at_the_time_limit_the_closing_line_is_spoken_uninterrupted_and_the_interview_ends():
    harness = Harness(greeting_spoken=True, deadline_in_s=3.0)
    harness.llm.replies = ["Thanks for your time today, we will be in touch soon with next steps. Goodbye!"]
    run = await harness.run([interrupt(at=3.7)], until_s=10)
    assert [h.frame.reason for h in run.of("ai_audio_end")] == ["complete"]  # not cut at 3.7 s
    assert harness.llm.calls[0].context is not None and harness.llm.calls[0].context.closing
    assert run.kinds()[-1] == "interview_ended" and run.frames[-1].frame.reason == "time_limit"
    # The deadline is a wall-clock time (the snapshot's), a few real milliseconds from "3 s".
    assert run.first("ai_transcript_chunk").at_s == pytest.approx(3.4, abs=0.02)
    assert not run.store.ordered()[0].record.interrupted


async def test_the_deadline_waits_for_an_answer_being_answered_then_closes():
    harness = Harness(greeting_spoken=True, deadline_in_s=1.5)
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=10)
    reasons = [h.frame.reason for h in run.of("ai_audio_end")]
    assert reasons == ["complete", "complete"]  # the reply to the answer, then the closing
    assert [t.record.speaker for t in run.store.ordered()] == ["candidate", "interviewer", "interviewer"]
    assert harness.llm.calls[-1].context.closing
    assert harness.store.finished == "time_limit"
