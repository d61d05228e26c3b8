"""Retry with exponential backoff: the one loop behind every "try again shortly" in the project."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def backoff_delay_s(attempt: int, *, base_s: float) -> float:
    """The wait after failed attempt number `attempt` (0-based): base, 2 x base, 4 x base, ..."""
    return base_s * 2.0**attempt


async def retry_with_backoff(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int,
    base_s: float,
    retry_if: Callable[[Exception], bool] = lambda exc: True,
    backoff_if: Callable[[Exception], bool] = lambda exc: True,
    on_retry: Callable[[Exception, int], None] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """`call()` until it succeeds, at most `attempts` times; the last failure (or the first one that
    `retry_if` refuses) is raised. `on_retry(exc, attempt)` is told before each retry. A failure that
    `backoff_if` refuses is retried at once: a reply that only needs correcting gains nothing from a
    wait, a struggling server does."""
    for attempt in range(attempts):
        try:
            return await call()
        except Exception as exc:
            if attempt == attempts - 1 or not retry_if(exc):
                raise
            if on_retry is not None:
                on_retry(exc, attempt)
            if backoff_if(exc):
                await sleep(backoff_delay_s(attempt, base_s=base_s))
    raise ValueError("attempts must be at least 1")
