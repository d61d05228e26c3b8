"""The hands-free backlog: chunks that arrive while the listener is busy are fed together, in order."""

from __future__ import annotations

import asyncio

import pytest

from interviews.pipeline.backlog import Backlog
from interviews.protocol import EBML_MAGIC


def gated() -> tuple[Backlog, list[bytes], asyncio.Event]:
    """A backlog whose feeds are recorded, each then held until the event is set."""
    fed: list[bytes] = []
    gate = asyncio.Event()

    async def feed(data: bytes) -> None:
        fed.append(data)
        await gate.wait()

    return Backlog(feed, lock=asyncio.Lock()), fed, gate


async def test_chunks_that_arrive_during_a_feed_are_fed_together_in_order_and_a_new_recording_apart():
    backlog, fed, gate = gated()
    backlog.put(b"a")
    await asyncio.sleep(0)
    for chunk in (b"b", b"c", EBML_MAGIC + b"new", b"d"):
        backlog.put(chunk)  # the listener is busy with "a": these wait, and the socket reads on
    assert fed == [b"a"]
    gate.set()
    await backlog.drained()
    assert fed == [b"a", b"bc", EBML_MAGIC + b"newd"]  # the restarted recording starts a batch
    assert backlog.batches == 3
    backlog.put(b"e")  # the listener is free again: fed at once
    await backlog.drained()
    assert fed[-1] == b"e"


async def test_a_feed_that_fails_raises_at_the_next_chunk_or_wait_and_cancel_drops_the_rest():
    async def feed(data: bytes) -> None:
        if data == b"bad":
            raise ValueError("broken")

    backlog = Backlog(feed, lock=asyncio.Lock())
    backlog.put(b"bad")
    with pytest.raises(ValueError, match="broken"):
        await backlog.drained()
    backlog.put(b"good")  # the failure was reported once; the stream goes on
    await backlog.drained()

    backlog.put(b"bad")
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="broken"):
        backlog.put(b"next")

    backlog, fed, stuck = gated()
    backlog.put(b"x")
    await asyncio.sleep(0)
    backlog.put(b"y")
    backlog.cancel()
    await backlog.drained()
    assert fed == [b"x"]  # "y" was dropped
    stuck.set()
    backlog.put(b"z")
    await backlog.drained()
    assert fed == [b"x", b"z"]
