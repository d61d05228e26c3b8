"""What is kept of an interviewer's turn: remembered for the conversation, written with its timings."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime

from interviews.pipeline.events import CancelReason
from interviews.pipeline.history import INTERVIEWER, History, TurnNumbers
from interviews.pipeline.interruption import Interruption, Kept
from interviews.pipeline.reply import Speech
from interviews.pipeline.writer import TurnWriter

logger = logging.getLogger(__name__)


def settle_reply(
    speech: Speech,
    *,
    cancelled: bool,
    interruption: Interruption,
    numbers: TurnNumbers,
    history: History,
    writer: TurnWriter,
    interview_id: int,
) -> None:
    """A reply has ended (or was cancelled): store what of it was said, or give its turn number back
    when it was withdrawn unsaid."""
    kept = interruption.settle(speech, cancelled=cancelled)
    if kept is not None:
        interruption.last = speech
        _store(speech, kept, history=history, writer=writer, interview_id=interview_id)
    elif cancelled and speech.cancel_reason == CancelReason.WITHDRAWN:
        numbers.give_back(speech.index)  # never said: the next reply takes its number
    elif not speech.failed and not cancelled:
        logger.warning("interviewer said nothing", extra={"interview_id": interview_id})


def _store(speech: Speech, kept: Kept, *, history: History, writer: TurnWriter, interview_id: int) -> None:
    """`kept` of `speech` (all of it, or what was heard before an interruption) joins the history and
    is written with its audio and timings; the timings are logged (one INFO line per turn)."""
    timings = speech.marks.stamp(speech.timings)
    history.remember(
        turn=speech.index,
        speaker=INTERVIEWER,
        text=kept.text,
        plan_question=speech.plan_question,
        follow_up=speech.follow_up,
        started_at=speech.started_at,
    )
    writer.record(
        index=speech.index,
        speaker=INTERVIEWER,
        text=kept.text,
        started_at=speech.started_at,
        ended_at=datetime.now(UTC),
        audio=b"".join(speech.audio),
        mime="audio/mpeg",
        interrupted=kept.interrupted,
        is_greeting=speech.greeting,
        timings=timings,
        error=kept.note,
        plan_question=speech.plan_question,
        follow_up=speech.follow_up,
    )
    if (playback_ms := speech.marks.playback_started_ms) is not None:
        writer.playback_started(index=speech.index, latency_ms=playback_ms)
    fields = {"interview_id": interview_id, "turn": speech.index, **asdict(timings)}
    logger.info("turn timings %s", " ".join(f"{k}={v}" for k, v in fields.items()), extra=fields)
