"""How an interviewer reply is cancelled, and what of a cut turn is kept.

A reply stops before its end for one of four reasons (events.CancelReason): the candidate talked
over it (barge-in), pressed Interrupt, went on with the answer before the reply made a sound
(withdrawn), or the session is closing. The reason is written on the Speech before its task is
cancelled, so the reply's own clean-up (`settle`) knows what to keep:

- withdrawn before a sound: nothing; the reply was never said, and its turn number is reused;
- cut after it started sounding: what the candidate heard, marked interrupted;
- cut by the session closing before any of it was heard: an empty, interrupted turn noted "not
  heard", which the next session asks again;
- barge-in or Interrupt before a sound: an empty, interrupted turn, if anything had been written.

The closing line is not interruptible: barge-in and Interrupt leave it alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from interviews.pipeline.events import CancelReason
from interviews.pipeline.history import INTERVIEWER, History
from interviews.pipeline.playback import PlaybackEstimate
from interviews.pipeline.ports import Runtime, Send
from interviews.pipeline.reply import Speech
from interviews.pipeline.timings import ms_between
from interviews.pipeline.writer import TurnWriter
from interviews.protocol import AiAudioEnd, AudioEndReason

NOT_HEARD = "not heard: the connection closed before its first sound"


@dataclass(frozen=True)
class Kept:
    """What is stored of a reply."""

    text: str
    interrupted: bool
    note: str = ""


class Interruption:
    def __init__(
        self, *, playback: PlaybackEstimate, runtime: Runtime, send: Send, writer: TurnWriter, history: History
    ) -> None:
        self.playback = playback
        self.runtime = runtime
        self.send = send
        self.writer = writer
        self.history = history
        self.speech: Speech | None = None  # the reply in flight
        self.task: asyncio.Task[object] | None = None  # the task streaming it
        self.last: Speech | None = None  # the last reply that was stored
        self.shutting_down = False  # the session is closing: a cut now loses the reply
        self.references: dict[int, float] = {}  # the stored replies' reference clocks, for late playback reports

    def begin(self, speech: Speech) -> None:
        self.speech, self.task = speech, asyncio.current_task()
        self.playback.new_turn()

    def end(self) -> None:
        self.speech = self.task = None

    def playback_report(self, turn: int, event: str) -> None:
        """The page started or finished playing reply `turn`: where the candidate is in what was said."""
        speech, now = self.speech, self.runtime.now()
        if event == "ended":
            if speech is None or speech.index != turn:
                self.playback.finished()  # the client has played everything
        elif speech is not None and speech.index == turn:
            self.playback.started(speech, now)
        elif (reference := self.references.get(turn)) is not None:
            self.writer.playback_started(index=turn, latency_ms=ms_between(reference, now) or 0.0)

    def recent_audio(self) -> bytes:
        """The interviewer's latest audio (the last stored turn's and the one streaming), for echo checks."""
        last = b"".join(self.last.audio) if self.last is not None else b""
        current = b"".join(self.speech.audio) if self.speech is not None else b""
        return last + current

    def speaking(self) -> bool:
        return self.task is not None and not self.task.done()

    def busy(self) -> bool:
        """Speaking, about to speak, or still playing in the browser."""
        return self.speaking() or self.playback.audible(self.runtime.now())

    async def cancel(self, reason: CancelReason) -> Speech | None:
        """Stop the reply in flight (its provider streams with it); None when there was none to stop."""
        speech, task = self.speech, self.task
        if speech is None or task is None or task.done():
            return None
        if not speech.interruptible and reason in (CancelReason.BARGE_IN, CancelReason.INTERRUPT):
            return None
        speech.cancel_reason = reason
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(asyncio.wait({task}))
        return speech

    async def withdraw(self, answer_task: asyncio.Task[object], *, answer_index: int) -> None:
        """The candidate went on with answer `answer_index`: stop everything its reply was doing
        (transcription, language model, voice) and take the reply back from the page."""
        speech = self.speech
        if speech is not None:
            speech.cancel_reason = CancelReason.WITHDRAWN
        answer_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(asyncio.wait({answer_task}))
        if speech is not None and speech.index > answer_index:
            await self.send(AiAudioEnd(turn=speech.index, reason=AudioEndReason.WITHDRAWN))

    async def interrupt(self, reason: CancelReason = CancelReason.INTERRUPT) -> None:
        """Stop the interviewer now and tell the page to flush its audio."""
        now = self.runtime.now()
        if (speech := await self.cancel(reason)) is not None:
            await self.send(AiAudioEnd(turn=speech.index, reason=AudioEndReason.INTERRUPTED))
        elif (last := self.last) is not None and last.interruptible and self.playback.audible(now):
            # Everything was sent but the browser is still playing it: stop the playback there,
            # and store the turn cut to what was heard.
            heard = self.playback.heard_text(last, now)
            self.playback.finished()
            self.history.remember(
                turn=last.index,
                speaker=INTERVIEWER,
                text=heard,
                plan_question=last.plan_question,
                follow_up=last.follow_up,
                started_at=last.started_at,
            )
            self.writer.interrupted(index=last.index, text=heard)
            await self.send(AiAudioEnd(turn=last.index, reason=AudioEndReason.INTERRUPTED))
        self.playback.held_at = None  # stopped for good: the page flushes what it held

    def settle(self, speech: Speech, *, cancelled: bool) -> Kept | None:
        """What is stored of `speech`, which ended (or was cancelled); None when it was never said."""
        if not cancelled:
            return Kept(speech.said, interrupted=False) if speech.said or speech.audio else None
        reason = speech.cancel_reason or (CancelReason.SHUTDOWN if self.shutting_down else CancelReason.BARGE_IN)
        if reason == CancelReason.WITHDRAWN and not speech.audio:
            return None
        heard = self.playback.heard_text(speech, self.runtime.now())
        self.playback.finished()
        if reason == CancelReason.SHUTDOWN and not heard:
            return Kept("", interrupted=True, note=NOT_HEARD)
        if not (speech.said or speech.audio):
            return None
        return Kept(heard, interrupted=True)
