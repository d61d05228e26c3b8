"""Intake: how the candidate's audio becomes answers. Push-to-talk and hands-free behind one interface.

Push-to-talk (push_to_talk.py): each answer is its own recording, ended by `audio_end` (or, for the
seed's clients, a pause in the chunks). Hands-free (hands_free.py): one continuous recording, cut
into answers by voice activity, with barge-in and reopening. Both hand each finished answer to
answering.Answers, and both enforce the recording limits on audio, not arrival time.
"""

from __future__ import annotations

from typing import Protocol

from interviews.protocol import is_split_header


class Intake(Protocol):
    async def feed(self, data: bytes) -> None:
        """The next bytes of the candidate's audio."""
        ...

    async def end(self) -> None:
        """The client says the answer is over (`audio_end`)."""
        ...

    async def take_unfinished(self, reason: str) -> None:
        """The session ends mid-answer: store what was said so far (noting `reason`)."""
        ...

    def answer_heard(self) -> None:
        """The reply to the last answer made its first sound."""
        ...

    async def close(self) -> None:
        """Release decoders and streams."""
        ...


class HeaderJoiner:
    """At a 50 ms timeslice Chromium's MediaRecorder hands over a WebM header's first byte as a
    chunk of its own: such a frame is held and joined to the next, so it is sniffed (and fed) whole."""

    def __init__(self) -> None:
        self._head = b""

    def join(self, data: bytes) -> bytes | None:
        """The bytes to feed now, or None while a split header is held."""
        if self._head:
            data, self._head = self._head + data, b""
        if is_split_header(data):
            self._head = data
            return None
        return data

    def reset(self) -> None:
        """The answer ended: a dangling byte must not leak into the next one."""
        self._head = b""
