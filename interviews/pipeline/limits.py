"""Recording limits: how long one answer may be, and what one interview may record in all.

Counted on audio, not on arrival time. The interview's totals start from what earlier sessions
stored (SessionSnapshot.totals), so a reconnect does not reset them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from interviews.events import RecordingTotals
from interviews.languages import gettext_noop
from interviews.protocol import ErrorCode, ErrorFrame

PER_ANSWER_WORDS = gettext_noop("That answer reached the length limit; it was cut there.")
INTERVIEW_WORDS = gettext_noop("This interview has reached its recording limit; it ends after this answer.")
LIMIT_REACHED_WORDS = gettext_noop("This interview has reached its recording limit.")


@dataclass(frozen=True)
class Limits:
    answer_seconds: float = 300.0
    answer_bytes: int = 12_000_000
    answers: int = 300
    interview_seconds: float = 4 * 3600.0  # also capped by the template's time limit
    interview_bytes: int = 512_000_000


@dataclass
class Budget:
    """What the interview may still record."""

    answers: int
    seconds: float
    size_bytes: int
    reached: bool = False  # an interview limit was reached: the interview closes after this answer
    announced: bool = False
    # This session's answers, (seconds, bytes) by turn, so a replaced answer counts only its growth.
    counted: dict[int, tuple[float, int]] = field(default_factory=dict)

    @classmethod
    def start(cls, limits: Limits, *, totals: RecordingTotals, time_limit_s: float) -> Budget:
        return cls(
            answers=limits.answers - totals.answers,
            seconds=min(limits.interview_seconds, time_limit_s) - totals.audio_seconds,
            size_bytes=limits.interview_bytes - totals.audio_bytes,
        )

    @property
    def exhausted(self) -> bool:
        return self.answers <= 0 or self.seconds <= 0 or self.size_bytes <= 0

    def answer_limits(self, limits: Limits) -> tuple[float, int, ErrorCode]:
        """The longest the answer being recorded may be (seconds, bytes), and which limit binds."""
        seconds = min(limits.answer_seconds, self.seconds)
        size = min(limits.answer_bytes, self.size_bytes)
        per_answer = seconds == limits.answer_seconds and size == limits.answer_bytes
        return seconds, size, ErrorCode.ANSWER_TOO_LONG if per_answer else ErrorCode.INTERVIEW_LIMIT

    def count(self, index: int, *, seconds: float | None, size_bytes: int, replaces: bool) -> None:
        """An answer is stored: it uses up what it holds (a replaced one, what it grew by)."""
        previous_s, previous_bytes = self.counted.pop(index, (0.0, 0))
        self.answers -= 0 if replaces else 1
        self.seconds -= (seconds or 0.0) - previous_s
        self.size_bytes -= size_bytes - previous_bytes
        self.counted[index] = (seconds or 0.0, size_bytes)
        self.reached = self.reached or self.exhausted

    def refusal(self) -> ErrorFrame | None:
        """The error for a new answer the interview may no longer record."""
        if not self.exhausted:
            return None
        return ErrorFrame(ErrorCode.INTERVIEW_LIMIT, LIMIT_REACHED_WORDS)

    def limit_error(self, code: ErrorCode) -> ErrorFrame:
        """The error for an answer cut at `code`'s limit (an interview limit: it is the last answer)."""
        if code == ErrorCode.INTERVIEW_LIMIT:
            self.reached = self.announced = True
            return ErrorFrame(code, INTERVIEW_WORDS)
        return ErrorFrame(code, PER_ANSWER_WORDS)
