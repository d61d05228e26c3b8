"""The session's clocks: the interview's deadline, and the heartbeat that keeps it from being swept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from interviews.pipeline.ports import Runtime


async def at_deadline(runtime: Runtime, *, seconds_left: float, then: Callable[[], Awaitable[None]]) -> None:
    """Wait out the time limit (the server's, not the page's), then close the interview."""
    await runtime.sleep(seconds_left)
    await then()


async def heartbeat(runtime: Runtime, *, every_s: float, alive: Callable[[], bool], beat: Callable[[], None]) -> None:
    """Mark the interview as seen while connected, so it is never swept up as abandoned."""
    while alive():
        await runtime.sleep(every_s)
        beat()
