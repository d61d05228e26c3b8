"""What the pipeline is given from outside: the store, the client, time, and who watches.

The pipeline never imports Django or the socket: the consumer hands it these, tests hand it the
in-memory versions in interviews.testing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Executor
from typing import Any, Protocol, TypeVar

import numpy as np

from interviews.events import TurnRecord
from interviews.pipeline.events import SessionEvent
from interviews.protocol import ServerFrame

T = TypeVar("T")

Send = Callable[[ServerFrame], Awaitable[None]]


class Store(Protocol):
    """The interview's storage, bound to one interview (and to the session's epoch: once a newer
    session holds the interview, every write raises events.SessionSuperseded)."""

    async def claim_greeting(self) -> bool: ...
    async def finish(self, *, reason: str) -> None: ...
    async def record_turn(self, record: TurnRecord) -> None: ...
    async def update_transcript(self, *, index: int, text: str, transcript_ms: float | None, error: str) -> None: ...
    async def touch(self) -> None: ...
    async def mark_interrupted(self, *, index: int, text: str) -> None: ...
    async def playback_started(self, *, index: int, latency_ms: float) -> None: ...


# Told what happens in the interview (live monitoring); it must never hold the interview up.
Observer = Callable[[SessionEvent], Coroutine[Any, Any, None]]


class Runtime(Protocol):
    """Time and blocking work. Injected so that the in-process harness runs sessions in fake time,
    and knows when work handed to a thread is still running."""

    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...
    def call_later(self, seconds: float, callback: Callable[[], None]) -> asyncio.TimerHandle | Any: ...
    async def to_thread(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T: ...
    async def in_executor(self, executor: Executor, function: Callable[..., T], /, *args: Any) -> T: ...
    async def off_loop(self, work: Awaitable[T]) -> T: ...


class TurnScorer(Protocol):
    """The end-of-turn model (turn_model.TurnModel): blocking, called in a worker thread."""

    def probability(self, pcm: np.ndarray) -> float: ...


class RealRuntime:
    """The clock of a real process: perf_counter for timings, the event loop for waiting."""

    def now(self) -> float:
        return time.perf_counter()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(seconds, callback)

    async def to_thread(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(function, *args, **kwargs)

    async def in_executor(self, executor: Executor, function: Callable[..., T], /, *args: Any) -> T:
        """Blocking work on a pool of its own, so it cannot hold up the shared one (to_thread's)."""
        return await asyncio.get_running_loop().run_in_executor(executor, function, *args)

    async def off_loop(self, work: Awaitable[T]) -> T:
        """Work already handed to threads or processes of its own (the listening pool's `hear`)."""
        return await work
