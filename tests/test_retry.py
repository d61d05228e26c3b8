"""retry_with_backoff: how many tries, which failures wait, which are retried at once, which are not retried."""

from __future__ import annotations

import pytest

from interviews.retry import backoff_delay_s, retry_with_backoff


class Flaky:
    """Fails with the given exceptions, one per call, then returns "done"."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


class Clock:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_the_waits_double_from_the_base():
    assert [backoff_delay_s(attempt, base_s=0.2) for attempt in range(3)] == pytest.approx([0.2, 0.4, 0.8])


async def test_a_call_that_recovers_is_retried_after_growing_waits():
    call, clock = Flaky(OSError(), OSError()), Clock()
    assert await retry_with_backoff(call, attempts=3, base_s=0.1, sleep=clock.sleep) == "done"
    assert call.calls == 3
    assert clock.waits == pytest.approx([0.1, 0.2])


async def test_the_last_failure_is_raised_when_the_attempts_run_out():
    call, clock = Flaky(OSError("first"), OSError("second"), OSError("third")), Clock()
    with pytest.raises(OSError, match="second"):
        await retry_with_backoff(call, attempts=2, base_s=0.1, sleep=clock.sleep)
    assert clock.waits == pytest.approx([0.1])


async def test_a_failure_retry_if_refuses_is_raised_at_once():
    call, clock = Flaky(KeyError("fatal"), OSError()), Clock()
    with pytest.raises(KeyError):
        await retry_with_backoff(
            call, attempts=3, base_s=0.1, retry_if=lambda exc: isinstance(exc, OSError), sleep=clock.sleep
        )
    assert (call.calls, clock.waits) == (1, [])


async def test_a_failure_backoff_if_refuses_is_retried_without_a_wait():
    call, clock = Flaky(ValueError("bad reply"), OSError("server"), ValueError("bad reply")), Clock()
    told: list[tuple[str, int]] = []
    result = await retry_with_backoff(
        call,
        attempts=4,
        base_s=0.1,
        backoff_if=lambda exc: not isinstance(exc, ValueError),
        on_retry=lambda exc, attempt: told.append((str(exc), attempt)),
        sleep=clock.sleep,
    )
    assert result == "done"
    assert told == [("bad reply", 0), ("server", 1), ("bad reply", 2)]
    assert clock.waits == pytest.approx([0.2])  # only after the server's fault, at attempt 1's delay
