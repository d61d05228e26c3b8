"""The session in fake time: resuming where the last connection stopped, closing, limits, the writer."""

from __future__ import annotations

from interviews.events import HistoryItem, PendingAnswer, RecordingTotals
from interviews.pipeline.config import SessionConfig
from interviews.pipeline.interruption import NOT_HEARD
from interviews.pipeline.limits import Limits
from interviews.protocol import AudioChunk, AudioEnd, EndInterview
from interviews.testing.harness import At, Harness, audio_end, make_snapshot, recording, speak, tone
from interviews.testing.webm import make_test_webm

GREETING = HistoryItem(turn=0, speaker="interviewer", text="Hello! Tell me about yourself.")


def resumed(history: list[HistoryItem], **snapshot: object) -> Harness:
    harness = Harness(greeting_spoken=True)
    harness.snapshot = make_snapshot(history=history, greeting_spoken=True, **snapshot)  # type: ignore[arg-type]
    return harness


async def test_resuming_after_an_answer_with_words_replies_to_it():
    harness = resumed([GREETING, HistoryItem(1, "candidate", "I built the billing system.")])
    run = await harness.run([], until_s=5)
    assert "You said: I built the billing system" in run.text(2)
    assert [t.record.index for t in run.store.ordered()] == [2]


async def test_resuming_after_an_answer_stored_but_never_transcribed_transcribes_the_stored_audio():
    audio = make_test_webm(tone(1.0))
    pending = PendingAnswer(index=1, audio=audio, mime="audio/webm")
    harness = resumed([GREETING, HistoryItem(1, "candidate", "")], pending_answer=pending)
    run = await harness.run([], until_s=5)
    assert [c.audio for c in harness.stt.calls] == [audio]  # the very audio that was stored
    assert run.first("user_transcript").frame.turn == 1
    assert "You said: I built a payments service in Go" in run.text(2)


async def test_resuming_after_an_answer_cut_off_mid_way_asks_for_it_again():
    harness = resumed([GREETING, HistoryItem(1, "candidate", "")])  # stored with an error: no pending answer
    run = await harness.run([], until_s=5)
    assert "disconnected" in run.text(2)
    assert harness.llm.calls == []


async def test_a_question_lost_before_its_first_sound_is_asked_again_and_a_lost_greeting_greets():
    answer = HistoryItem(1, "candidate", "I built the billing system.")
    lost = HistoryItem(2, "interviewer", "")
    run = await resumed([GREETING, answer, lost]).run([], until_s=5)
    assert "You said: I built the billing system" in run.text(3)

    harness = resumed([HistoryItem(0, "interviewer", "")])
    run = await harness.run([], until_s=5)
    assert run.text(1) and run.store.ordered()[0].record.is_greeting
    assert any("joined the call" in m.content for m in harness.llm.calls[0].messages)


async def test_a_reply_cut_by_the_session_closing_before_its_first_sound_is_kept_as_not_heard():
    harness = Harness(greeting_spoken=True)
    harness.tts.first_byte_delay_s = 5.0
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=2.5, close=True)
    turns = run.store.ordered()
    assert [(t.record.speaker, t.record.interrupted, t.text) for t in turns] == [
        ("candidate", False, "I built a payments service in Go."),
        ("interviewer", True, ""),
    ]
    assert turns[1].record.error == NOT_HEARD
    assert harness.llm.calls[0].closed_early or harness.llm.calls[0].finished_at is not None


async def test_closing_mid_answer_keeps_what_was_said_with_the_reason():
    harness = Harness(greeting_spoken=True)
    half = make_test_webm(tone(2.0))
    run = await harness.run([At(1.0, AudioChunk(half))], until_s=1.5, close=True)
    (turn,) = run.store.ordered()
    assert turn.record.audio == half and turn.text == "" and "before the answer ended" in turn.record.error


async def test_ending_the_interview_stores_the_answer_in_progress_and_says_why():
    harness = Harness(greeting_spoken=True)
    run = await harness.run([recording(tone(1.0), at=1.0), At(1.2, EndInterview())], until_s=3)
    assert run.kinds()[-1] == "interview_ended" and run.frames[-1].frame.reason == "candidate_ended"
    assert harness.store.finished == "candidate_ended"
    assert "interview ended during the answer" in run.store.ordered()[0].record.error


async def test_the_interview_closes_politely_at_its_answer_limit_counting_earlier_sessions():
    config = SessionConfig(limits=Limits(answers=3))
    harness = Harness(greeting_spoken=True, config=config)
    harness.snapshot = make_snapshot(greeting_spoken=True, totals=RecordingTotals(answers=2))
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=8)
    assert run.errors() == ["interview_limit"]
    assert "end of what this interview can record" in run.text(1)
    assert harness.store.finished == "limit_reached"
    assert harness.llm.calls == []  # the closing is in fixed words


async def test_writes_are_retried_in_order_while_the_store_is_briefly_away():
    harness = Harness(config=SessionConfig(write_backoff_s=0.05))
    harness.store.failures = 3
    run = await harness.run([recording(tone(1.0), at=3.0), audio_end(3.1)], until_s=8)
    assert [t.record.index for t in run.store.ordered()] == [0, 1, 2]
    assert run.store.ordered()[1].text == "I built a payments service in Go."


async def test_a_session_whose_writes_are_refused_as_superseded_stops_writing_and_says_so():
    told: list[str] = []

    async def superseded() -> None:
        told.append("superseded")

    harness = Harness(on_superseded=superseded)
    harness.store.superseded = True  # a newer connection holds the interview
    run = await harness.run([], until_s=3)
    assert told == ["superseded"]  # once, however many writes were queued
    assert run.session.writer.superseded and run.store.turns == {}


def test_where_the_plan_stands_counts_only_marked_follow_ups_and_the_time_on_the_question():
    from datetime import UTC, datetime, timedelta

    from interviews.pipeline.progress import plan_progress
    from interviews.providers.base import PlannedQuestion

    asked = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    history = [
        HistoryItem(0, "interviewer", "Hello. Question one?", plan_question=1, started_at=asked),
        HistoryItem(1, "candidate", "Hm?"),
        HistoryItem(2, "interviewer", "Sorry, I didn't catch that. Could you say it again?"),  # a fixed sentence
        HistoryItem(3, "candidate", "I built it."),
        HistoryItem(4, "interviewer", "Tell me more about it.", follow_up=True),
        HistoryItem(5, "candidate", "It was a ledger."),
    ]
    questions = [PlannedQuestion("Question one?", follow_up_depth=2, time_limit_seconds=120), PlannedQuestion("Two?")]
    progress = plan_progress(history, questions, now=asked + timedelta(seconds=150), seconds_left=600.0)
    assert (progress.question, progress.questions, progress.follow_ups, progress.follow_up_limit) == (1, 2, 1, 2)
    assert progress.question_seconds == 150.0 and progress.question_limit_s == 120.0 and progress.question_time_up


async def test_asking_for_a_person_ends_politely_in_fixed_words_and_flags_the_interview():
    harness = Harness(greeting_spoken=True)
    harness.stt.transcripts = ["Sorry, can I speak to a real person instead of a bot?"]
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=12)
    assert "speak with a person" in run.text(1) and "Everything you said so far is kept" in run.text(1)
    assert harness.store.finished == "human_requested"
    assert run.kinds()[-1] == "interview_ended" and run.frames[-1].frame.reason == "human_requested"
    assert harness.llm.calls == []  # no model call: the request is honoured, not argued with
    assert run.store.ordered()[0].text.startswith("Sorry, can I speak to a real person")


async def test_messages_that_arrive_after_the_session_closed_are_dropped():
    # A flood closes the socket while the client's audio is still queued for the consumer: the
    # listener is closed by then, and feeding it would crash the connection (1011) instead of
    # letting it close as a flood (4008).
    harness = Harness(hands_free=True, greeting_spoken=True)
    chunks = speak(tone(1.0), at=1.0)
    run = await harness.run(chunks[:5], until_s=1.5, close=True)
    stored, sent = len(run.store.ordered()), len(run.frames)
    for late in (chunks[5].message, AudioEnd(), EndInterview()):
        await run.session.handle(late)
    assert len(run.store.ordered()) == stored and len(run.frames) == sent


async def test_a_turns_provider_requests_go_out_before_its_database_writes():
    # A write started with the request took the GIL from the loop while the SDK built and sent it
    # (~2 ms of each reply, BENCHMARKS.md #22): the writes wait until the request has gone.
    order: list[str] = []
    harness = Harness(greeting_spoken=True)
    store, stt, llm = harness.store, harness.stt, harness.llm
    record_turn, update_transcript = store.record_turn, store.update_transcript
    transcribe, stream = stt.transcribe, llm.stream

    async def record(record):
        order.append(f"store {record.speaker}")
        await record_turn(record)

    async def transcript(**values):
        order.append("store transcript")
        await update_transcript(**values)

    async def transcribing(*args, **kwargs):
        order.append("stt request")
        return await transcribe(*args, **kwargs)

    def replying(*args, **kwargs):
        order.append("llm request")
        return stream(*args, **kwargs)

    store.record_turn, store.update_transcript = record, transcript
    stt.transcribe, llm.stream = transcribing, replying
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=4)
    assert order[:4] == ["stt request", "store candidate", "llm request", "store transcript"]
    assert run.store.ordered()[0].text  # and the writes were made


async def test_closing_flushes_the_writes_without_their_settling_wait():
    harness = Harness(greeting_spoken=True, config=SessionConfig(write_settle_s=60.0))
    run = await harness.run([recording(tone(1.0), at=1.0), audio_end(1.1)], until_s=4, close=True)
    (answer, reply) = run.store.ordered()
    assert answer.text and reply.text
