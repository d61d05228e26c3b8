"""Memory that sessions leave behind: the heap's free pages, and the garbage collector's start-up load.

Freed heap pages go back to the system when a session ends, so RSS follows what is in use.

CPython (for blocks over 512 bytes), PyAV, ONNX Runtime and the SDKs allocate through glibc's malloc.
An interview frees nearly all it allocated, but scattered over the heap, and glibc keeps those pages:
over 700 turns malloc's bytes in use stayed flat (+0.15 MB) while its free bytes grew 11.0 -> 14.8 MB,
and RSS with them (BENCHMARKS.md, #22). `malloc_trim(0)` hands whole free pages back (madvise) and
shrinks the heap's top; it took ~1 ms there. Without glibc (musl, macOS) there is nothing to call.

A session's objects are freed by the cyclic collector (tasks, frames, tracebacks and the turns they
hold refer to each other), and only its full collections reach them, as they outlive the younger
generations. Python runs one when the objects waiting for it reach a quarter of all long-lived
ones, and with start-up's ~190,000 (modules, classes, SDK models) counted that was every 50-70
interviews, each collection taking ~120 ms of the GIL; the sessions' garbage, audio included, waited
that long. `freeze_start_up()` moves what start-up made into the permanent generation, which
collections skip: full collections then come sooner and cost what the live sessions hold.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_trim = _malloc_trim()
_busy = threading.Lock()
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heap")
_queued = threading.Lock()  # held while a call waits in _worker's queue


def release_free_memory() -> bool:
    """Blocking (about a millisecond): return the heap's free pages to the system. False where there
    is no glibc, or when another call is already doing it."""
    if _trim is None or not _busy.acquire(blocking=False):
        return False
    try:
        _trim(0)
        return True
    except Exception:  # never worth failing a session's end over
        logger.exception("malloc_trim failed")
        return False
    finally:
        _busy.release()


def release_free_memory_soon() -> None:
    """Non-blocking: `release_free_memory` on a thread of its own; nothing waits for it, so a
    session's shutdown has no extra await (where it could be cancelled) and no extra time. Sessions
    that end while a call still waits to run share it (fifty at once make one call, not fifty)."""
    if _queued.acquire(blocking=False):
        _worker.submit(_release_queued)


def _release_queued() -> None:
    _queued.release()  # from here on, a session that ends queues the next call
    release_free_memory()


def freeze_start_up() -> None:
    """Collect, then take every object alive now out of the collector's sight (gc.freeze). Only
    while no session is live: a frozen object that later becomes cyclic garbage is never freed."""
    gc.collect()
    gc.freeze()
    logger.debug("froze %d start-up objects", gc.get_freeze_count())
