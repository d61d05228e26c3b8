"""A session's settings: timings, provider pacing, writes, turn-taking and recording limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interviews.pipeline.limits import Limits


@dataclass(frozen=True)
class SessionConfig:
    history_messages: int = 10
    answer_gap_s: float = 1.0  # seed clients send no audio_end: an answer ends after this long without a chunk
    tts_prefetch: int = 2  # sentences synthesised ahead of the one playing
    closing_wait_s: float = 15.0  # at the deadline, how long an interviewer turn in flight may finish
    write_attempts: int = 6
    write_backoff_s: float = 0.25
    write_settle_s: float = 0.02  # a write waits this long, so the provider request made with it goes first
    heartbeat_s: float = 30.0  # how often a live session marks the interview as seen
    endpoint_silence_s: float = 1.2  # hands-free: pause that ends a complete-sounding answer
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_settings(cls, values: dict[str, Any]) -> SessionConfig:
        return cls(
            history_messages=values["HISTORY_MESSAGES"],
            answer_gap_s=values["ANSWER_GAP_S"],
            endpoint_silence_s=values.get("ENDPOINT_SILENCE_S", 1.2),
            limits=Limits(
                answer_seconds=values["MAX_ANSWER_SECONDS"],
                answer_bytes=values["MAX_ANSWER_BYTES"],
                answers=values.get("MAX_ANSWERS", Limits.answers),
                interview_seconds=values.get("MAX_INTERVIEW_AUDIO_SECONDS", Limits.interview_seconds),
                interview_bytes=values.get("MAX_INTERVIEW_AUDIO_BYTES", Limits.interview_bytes),
            ),
        )
