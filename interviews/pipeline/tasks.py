"""The session's tasks: every one it starts is kept, guarded, and cancelled when the session closes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)

# How long a closing session waits for its last notices to observers to go out.
NOTICE_GRACE_S = 2.0


class TaskGroup:
    def __init__(self, *, interview_id: int, on_bug: Callable[[], Awaitable[None]]) -> None:
        self.interview_id = interview_id
        self.on_bug = on_bug
        self._tasks: set[asyncio.Task[Any]] = set()
        self._notices: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T | None]:
        task = asyncio.create_task(self._guard(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def notify(self, work: Coroutine[Any, Any, Any]) -> None:
        """Tell observers (monitoring) something, without holding the interview up; unlike other
        tasks, a closing session lets these finish (briefly) rather than cancelling them, so the
        last events ("the interview ended") still reach the monitors."""
        task = asyncio.create_task(self._guard(work))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _guard(self, work: Coroutine[Any, Any, T]) -> T | None:
        try:
            return await work
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug must not kill the session silently: the candidate is told, the log has the cause.
            logger.exception("turn failed", extra={"interview_id": self.interview_id})
            await self.on_bug()
            return None

    async def cancel_all(self, *, keep: asyncio.Task[Any] | None = None) -> None:
        if self._notices:
            await asyncio.wait(set(self._notices), timeout=NOTICE_GRACE_S)
        # Never the task that asks (e.g. the end-of-interview callback closing the session).
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task not in (keep, current) and not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class TurnLock:
    """One interviewer turn at a time; work queued behind it is dropped once the interview ended."""

    def __init__(self, *, ended: Callable[[], bool]) -> None:
        self._lock = asyncio.Lock()
        self._ended = ended

    async def run(self, work: Coroutine[Any, Any, Any]) -> None:
        async with self._lock:
            if self._ended():
                work.close()
                return
            await work

    async def acquire(self, *, timeout_s: float) -> None:
        await asyncio.wait_for(self._lock.acquire(), timeout=timeout_s)

    async def acquire_now(self) -> None:
        await self._lock.acquire()

    def release(self) -> None:
        self._lock.release()
