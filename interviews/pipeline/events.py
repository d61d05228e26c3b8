"""Typed events inside the pipeline: what an intake hands over, why a reply stops, what observers hear."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from interviews.audio import AudioMeter
from interviews.providers.base import TranscriptionStream


@dataclass
class RecordedAnswer:
    """A candidate's answer: its audio as stored, and how it is being transcribed.

    Push-to-talk answers are the browser's recording (`meter` measures it as it arrives); hands-free
    ones are cut from the stream as WAV. With a streaming engine, `stream` has heard it already.
    """

    started_at: datetime
    audio: bytearray
    mime: str = "audio/webm"
    stream: TranscriptionStream | None = None
    feeder: asyncio.Task[None] | None = None  # feeds `stream` the chunks as they arrive
    chunks: asyncio.Queue[bytes | None] | None = None
    meter: AudioMeter | None = None
    seconds: float | None = None  # decoded length, when known
    # The turn this answer continues (hands-free: the candidate went on after a pause): its stored
    # audio and words are replaced by the whole answer's.
    continues: int | None = None
    error: str = ""  # stored with it: why it is incomplete (cut off by a closing connection)


class CancelReason(StrEnum):
    """Why an interviewer reply is stopped before its end (interruption.py decides what is kept)."""

    BARGE_IN = "barge_in"  # the candidate talked over it
    INTERRUPT = "interrupt"  # the page's Interrupt button (Esc)
    WITHDRAWN = "withdrawn"  # the candidate went on with the answer before the reply made a sound
    SHUTDOWN = "shutdown"  # the session is closing (socket closed, taken over, time up)


@dataclass(frozen=True, slots=True)
class TurnHeard:
    """A turn's words as they now stand (a candidate's transcript, an interviewer's heard text)."""

    interview_id: int
    turn: int
    speaker: str
    content: str


@dataclass(frozen=True, slots=True)
class InterviewFinished:
    interview_id: int
    reason: str


SessionEvent = TurnHeard | InterviewFinished
