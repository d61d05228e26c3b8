"""The turn writer: every database write of a session, in order, off the critical path, retried.

Writes are queued and done one after another by one task, so the next audio chunk never waits
for the database, and a briefly unavailable database loses no turn (retries with backoff, ~15 s in
all). A write refused because a newer session holds the interview stops the writer for good.

A write starts `settle_s` after it is queued. The writes of a turn are queued at the moments its
provider requests are made (the answer's audio as its transcription is asked for, the transcript as
the reply is), and the database thread, started at once, took the GIL from the event loop while it
built and sent them: ~2 ms of every reply's wait (`make bench`, BENCHMARKS.md #22).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from interviews.events import SessionSuperseded, TurnRecord, TurnTimings
from interviews.pipeline.ports import Runtime, Store
from interviews.retry import retry_with_backoff

logger = logging.getLogger(__name__)

CANDIDATE, INTERVIEWER = "candidate", "interviewer"
Write = Callable[[], Awaitable[Any]]


class TurnWriter:
    def __init__(
        self,
        *,
        store: Store,
        interview_id: int,
        runtime: Runtime,
        attempts: int = 6,
        backoff_s: float = 0.25,
        settle_s: float = 0.02,
        on_superseded: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.interview_id = interview_id
        self.runtime = runtime
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.settle_s = settle_s
        self.on_superseded = on_superseded
        self.superseded = False
        self._queue: asyncio.Queue[tuple[float, Write]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._settling: asyncio.Future[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    # --- what a session writes (each queued; done in the order asked) ----------------------------

    def record(
        self,
        *,
        index: int,
        speaker: str,
        text: str,
        started_at: datetime,
        ended_at: datetime,
        audio: bytes,
        mime: str,
        error: str = "",
        interrupted: bool = False,
        is_greeting: bool = False,
        timings: TurnTimings | None = None,
        replaces: bool = False,
        audio_seconds: float | None = None,
        plan_question: int | None = None,
        follow_up: bool = False,
    ) -> None:
        record = TurnRecord(
            interview_id=self.interview_id,
            index=index,
            speaker=speaker,
            text=text,
            started_at=started_at,
            ended_at=ended_at,
            audio=audio,
            audio_mime=mime if audio else "",
            interrupted=interrupted,
            is_greeting=is_greeting,
            error=error,
            timings=timings or TurnTimings(),
            replaces=replaces,
            audio_seconds=audio_seconds,
            plan_question=plan_question,
            follow_up=follow_up,
        )
        self._put(lambda: self.store.record_turn(record))

    def transcript(self, *, index: int, text: str, transcript_ms: float | None, error: str = "") -> None:
        self._put(
            lambda: self.store.update_transcript(index=index, text=text, transcript_ms=transcript_ms, error=error)
        )

    def interrupted(self, *, index: int, text: str) -> None:
        self._put(lambda: self.store.mark_interrupted(index=index, text=text))

    def playback_started(self, *, index: int, latency_ms: float) -> None:
        self._put(lambda: self.store.playback_started(index=index, latency_ms=latency_ms))

    def touch(self) -> None:
        self._put(self.store.touch)

    def finish(self, *, reason: str) -> None:
        self._put(lambda: self.store.finish(reason=reason))

    # --- the queue -------------------------------------------------------------------------------

    def _put(self, write: Write) -> None:
        self._queue.put_nowait((self.runtime.now(), write))

    async def _run(self) -> None:
        while True:
            queued_at, write = await self._queue.get()
            try:
                if (wait_s := queued_at + self.settle_s - self.runtime.now()) > 0:
                    # The request made with it goes out first (`drain` cuts the wait short).
                    self._settling = asyncio.ensure_future(self.runtime.sleep(wait_s))
                    await asyncio.wait([self._settling])
                if not self.superseded:
                    await self._write(write)
            finally:
                self._queue.task_done()

    async def _write(self, write: Write) -> None:
        extra = {"interview_id": self.interview_id}
        try:
            await retry_with_backoff(
                write,
                attempts=self.attempts,
                base_s=self.backoff_s,
                retry_if=lambda exc: not isinstance(exc, SessionSuperseded),
                on_retry=lambda exc, attempt: logger.warning("write failed; retrying", extra=extra),
                sleep=self.runtime.sleep,
            )
        except SessionSuperseded:
            # A newer connection holds the interview (its takeover did not reach us): stop writing.
            logger.warning("session superseded; its writes stop", extra=extra)
            self.superseded = True
            if self.on_superseded is not None:
                self.on_superseded()
        except Exception:
            logger.exception("write failed for good", extra=extra)

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until every queued write is done (or has failed for good), without the settling wait."""
        self.settle_s = 0.0
        if self._settling is not None:
            self._settling.cancel()
        try:
            await asyncio.wait_for(self._queue.join(), timeout=timeout_s)
        except TimeoutError:
            logger.error("writes not flushed in time", extra={"interview_id": self.interview_id})

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
