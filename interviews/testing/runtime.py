"""Fake time for the pipeline: sessions run in milliseconds, and every timestamp is exact."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")


class FakeTimer:
    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeRuntime:
    """A Runtime whose clock moves only when `advance` says so.

    Sleeps and timers wake in time order; between wake-ups `settle` lets every task that can run,
    run, and waits for work handed to threads (decoding, voice activity) to come back. So a test
    says "at 1.2 s the candidate stops talking" and reads each frame's time in fake seconds.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._timers: list[tuple[float, int, FakeTimer]] = []
        self._order = itertools.count()
        self._in_thread = 0

    def now(self) -> float:
        return self._now

    def call_later(self, seconds: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer(self._now + max(0.0, seconds), callback)
        heapq.heappush(self._timers, (timer.when, next(self._order), timer))
        return timer

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        timer = self.call_later(seconds, wake)
        try:
            await future
        finally:
            timer.cancel()

    async def to_thread(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        self._in_thread += 1
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        finally:
            self._in_thread -= 1

    async def in_executor(self, executor: Executor, function: Callable[..., T], /, *args: Any) -> T:
        self._in_thread += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, function, *args)
        finally:
            self._in_thread -= 1

    async def off_loop(self, work: Awaitable[T]) -> T:
        self._in_thread += 1
        try:
            return await work
        finally:
            self._in_thread -= 1

    async def settle(self) -> None:
        """Run everything that can run now, without moving the clock."""
        loop = asyncio.get_running_loop()
        quiet = 0
        while quiet < 3:
            await asyncio.sleep(0)
            # `_ready` is asyncio's queue of callbacks due now: empty, and no thread work out, is
            # what "nothing more happens until the clock moves" means.
            if self._in_thread:
                quiet = 0
                await asyncio.sleep(0.0005)  # real time: let the thread finish
            elif loop._ready:  # type: ignore[attr-defined]
                quiet = 0
            else:
                quiet += 1

    async def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`, waking what is due in order."""
        await self.advance_to(self._now + seconds)

    async def advance_to(self, when: float) -> None:
        await self.settle()
        while self._timers and self._timers[0][0] <= when:
            due, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._now = max(self._now, due)
            timer.callback()
            await self.settle()
        self._now = max(self._now, when)
        await self.settle()

    def next_wake(self) -> float | None:
        live = [when for when, _, timer in self._timers if not timer.cancelled]
        return min(live) if live else None
