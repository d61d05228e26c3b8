"""A hands-free microphone's chunks, taken by the listener as fast as it can: chunks that arrive while
it is busy are fed to it together.

The socket then reads on instead of waiting for each 50 ms chunk's round trip through the listening
pool, and a backlog (a loaded process) costs one hand-off for all of it, not one per chunk: an
`audio_end` no longer queues behind seconds of chunks (bench/load.py --hands-free, BENCHMARKS.md #22).
The socket's reads then come in bursts after a stall; the consumer's rate limit allows for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from interviews.audio.matroska import EBML_MAGIC


class Backlog:
    def __init__(self, feed: Callable[[bytes], Awaitable[None]], *, lock: asyncio.Lock) -> None:
        self._feed = feed
        self._lock = lock  # held for each feed
        self._chunks: list[bytes] = []
        self._draining: asyncio.Task[None] | None = None
        self.batches = 0  # feeds made (for tests and benchmarks)

    def put(self, chunk: bytes) -> None:
        """Queue a chunk; it is fed at once if the listener is free. A feed that failed raises here."""
        self._raise_failure()
        self._chunks.append(chunk)
        if self._draining is None or self._draining.done():  # none, or cancelled
            self._draining = asyncio.ensure_future(self._drain())

    async def drained(self) -> None:
        """Wait until every chunk put so far has been fed (not from within a feed: that is being fed);
        a feed that failed raises here."""
        if self._draining is not None and self._draining is not asyncio.current_task():
            await asyncio.wait([self._draining])
        self._raise_failure()

    def cancel(self) -> None:
        self._chunks.clear()
        if self._draining is not None:
            self._draining.cancel()

    async def _drain(self) -> None:
        while self._chunks:
            self.batches += 1
            async with self._lock:
                await self._feed(self._take())
        self._draining = None  # a failed feed leaves the task here, for put() or drained() to raise

    def _take(self) -> bytes:
        # A chunk that starts a new recording (its EBML header: the browser restarted its recorder)
        # begins a batch of its own, since the listener starts a new decoder at such a chunk.
        end = next((i for i, chunk in enumerate(self._chunks[1:], 1) if chunk.startswith(EBML_MAGIC)), None)
        taken, self._chunks = (self._chunks, []) if end is None else (self._chunks[:end], self._chunks[end:])
        return b"".join(taken)

    def _raise_failure(self) -> None:
        task = self._draining
        if task is not None and task.done() and not task.cancelled() and task.exception() is not None:
            self._draining, self._chunks = None, []
            raise task.exception()  # type: ignore[misc]
