"""What the interviewer does first when a connection opens: greet, or pick up where it stopped."""

from __future__ import annotations

from enum import StrEnum

from interviews.events import SessionSnapshot
from interviews.pipeline.history import CANDIDATE, INTERVIEWER, History


class Opening(StrEnum):
    GREET = "greet"  # a new interview
    ASK_AGAIN = "ask_again"  # a question was lost before its first sound: ask it again
    GREET_AGAIN = "greet_again"  # ... and it was the greeting: the candidate never heard the interviewer
    REPLY = "reply"  # the last answer was understood and never answered
    TRANSCRIBE_STORED = "transcribe_stored"  # the last answer was stored, never transcribed: do it now
    REPEAT_REQUEST = "repeat_request"  # the last answer was cut off mid-way: ask the candidate to repeat it
    WAIT = "wait"  # the interviewer spoke last and was heard: the candidate's turn


def opening(snapshot: SessionSnapshot, history: History) -> Opening:
    last = history.last
    if not snapshot.greeting_spoken:
        return Opening.GREET
    if last is not None and last.speaker == INTERVIEWER and not last.text.strip():
        # Stored so by the session that closed before any of it was heard.
        return Opening.ASK_AGAIN if history.interviewer_heard else Opening.GREET_AGAIN
    if last is None or last.speaker != CANDIDATE:
        return Opening.WAIT
    if last.text.strip():
        return Opening.REPLY
    pending = snapshot.pending_answer
    if pending is not None and pending.index == last.turn:
        return Opening.TRANSCRIBE_STORED
    return Opening.REPEAT_REQUEST
