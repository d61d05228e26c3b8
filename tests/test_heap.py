"""Freed heap pages go back to the system when a session ends (interviews/heap.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from interviews import heap

# A fragmented heap, as a long-running server gets one: 60 MB of 4 KB blocks through malloc, all but
# every 64th freed (the survivors keep the pages between them from the heap's top). RSS before and
# after the call, in a process of its own so that nothing else allocates meanwhile.
FRAGMENT_AND_RELEASE = textwrap.dedent(
    """
    import ctypes, sys
    from interviews.heap import release_free_memory

    def rss_kb():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(4000) for _ in range(15000)]
    for block in blocks:
        ctypes.memset(block, 1, 4000)
    for index, block in enumerate(blocks):
        if index % 64:
            libc.free(block)
    before = rss_kb()
    released = release_free_memory()
    print(before, rss_kb(), released)
    """
)


def test_freed_pages_go_back_to_the_system():
    out = subprocess.run(
        [sys.executable, "-c", FRAGMENT_AND_RELEASE], capture_output=True, text=True, check=True, timeout=60
    )
    before_kb, after_kb, released = out.stdout.split()
    assert released == "True"
    # ~59 MB were free but held; at least 40 MB of it must be back with the system.
    assert int(before_kb) - int(after_kb) > 40_000, out.stdout


def test_one_call_at_a_time_and_sessions_do_not_wait_for_it():
    with heap._busy:
        assert heap.release_free_memory() is False  # another call is doing it
        heap.release_free_memory_soon()  # returns at once, though the call cannot run yet
    assert heap._worker.submit(heap.release_free_memory).result(timeout=10) is True


FREEZE = textwrap.dedent(
    """
    import gc, weakref
    from interviews.heap import freeze_start_up

    class Node:
        pass

    def cycle():
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    start_up = [Node() for _ in range(1000)]
    before = len(gc.get_objects())
    freeze_start_up()
    # Start-up's objects are out of the collector's sight; what comes later is collected as before.
    later = cycle()
    gc.collect()
    print(gc.get_freeze_count() >= 1000, len(gc.get_objects()) < before - 1000, later() is None)
    """
)


def test_start_up_is_frozen_and_later_garbage_is_still_collected():
    out = subprocess.run([sys.executable, "-c", FREEZE], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["True", "True", "True"], out.stdout


def test_sessions_ending_together_share_one_call(monkeypatch):
    calls: list[int] = []

    def counted() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(heap, "release_free_memory", counted)
    gate = threading.Event()
    heap._worker.submit(gate.wait, 10)  # the worker is busy: the calls below wait in its queue
    for _ in range(5):
        heap.release_free_memory_soon()
    gate.set()
    heap._worker.submit(lambda: None).result(timeout=10)  # all queued work has run
    assert calls == [1]
    heap.release_free_memory_soon()  # once that call has started, the next session queues another
    heap._worker.submit(lambda: None).result(timeout=10)
    assert calls == [1, 1]
