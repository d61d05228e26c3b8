"""Typed values that cross between the pipeline and the database layer (never Django objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from interviews.providers.base import InterviewContext


@dataclass(frozen=True, slots=True)
class HistoryItem:
    turn: int
    speaker: str  # "candidate" | "interviewer"
    text: str
    # Interviewer turns: the planned question it asked (1-based), whether it was a follow-up, and
    # when it began: where the plan stands (see pipeline/progress.py).
    plan_question: int | None = None
    follow_up: bool = False
    started_at: datetime | None = None

    def as_wire(self) -> dict[str, object]:
        # role/content as the seed's history used; speaker and turn for the new page.
        role = "assistant" if self.speaker == "interviewer" else "user"
        return {"turn": self.turn, "role": role, "speaker": self.speaker, "content": self.text}


class SessionSuperseded(Exception):
    """A newer connection to the interview has taken over: this session may no longer write."""


@dataclass(frozen=True, slots=True)
class SessionClaim:
    """A connection's place in the interview's line of sessions (services.interview_claim_session)."""

    epoch: int
    # The session that holds the interview now and must hand over first ("" if none is live).
    live_channel: str


@dataclass(frozen=True, slots=True)
class PendingAnswer:
    """The last answer, stored with its audio but never transcribed (the session ended first)."""

    index: int
    audio: bytes
    mime: str


@dataclass(frozen=True, slots=True)
class RecordingTotals:
    """What the interview's candidate turns hold so far, for the per-interview limits."""

    answers: int = 0
    audio_seconds: float = 0.0
    audio_bytes: int = 0


@dataclass(slots=True)
class SessionSnapshot:
    """An interview as the pipeline needs it when a connection opens."""

    interview_id: int
    status: str
    context: InterviewContext
    voice_id: str
    hands_free: bool
    deadline_at: datetime | None
    greeting_spoken: bool
    history: list[HistoryItem] = field(default_factory=list)
    totals: RecordingTotals = field(default_factory=RecordingTotals)
    pending_answer: PendingAnswer | None = None

    @property
    def next_turn_index(self) -> int:
        return self.history[-1].turn + 1 if self.history else 0


@dataclass(slots=True)
class TurnTimings:
    """Milliseconds from the end of the candidate's answer (see docs/DESIGN.md)."""

    transcript_ms: float | None = None
    llm_first_token_ms: float | None = None
    first_clause_ms: float | None = None
    tts_first_byte_ms: float | None = None
    first_audio_sent_ms: float | None = None
    provider_floor_ms: float | None = None
    stt_ms: float | None = None  # the transcription call alone (part of the floor; not stored)


@dataclass(slots=True)
class TurnRecord:
    interview_id: int
    index: int
    speaker: str
    text: str
    started_at: datetime
    ended_at: datetime
    audio: bytes = b""
    audio_mime: str = ""
    interrupted: bool = False
    is_greeting: bool = False
    error: str = ""
    timings: TurnTimings = field(default_factory=TurnTimings)
    audio_seconds: float | None = None  # decoded length of `audio`, when known
    plan_question: int | None = None  # interviewer turns: the planned question it asked
    follow_up: bool = False  # interviewer turns: a follow-up on the current planned question
    # The candidate went on with an answer already stored (hands-free: they resumed before the
    # interviewer's reply was heard): this record replaces that turn's audio and words.
    replaces: bool = False
