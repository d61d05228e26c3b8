"""Give the C heap's free pages back to the system when a session ends, so RSS follows what is in use.

CPython (for blocks over 512 bytes), PyAV, ONNX Runtime and the SDKs allocate through glibc's malloc.
An interview frees nearly all it allocated, but scattered over the heap, and glibc keeps those pages:
over 700 turns malloc's bytes in use stayed flat (+0.15 MB) while its free bytes grew 11.0 -> 14.8 MB,
and RSS with them (BENCHMARKS.md, #22). `malloc_trim(0)` hands whole free pages back (madvise) and
shrinks the heap's top; it took ~1 ms there. Without glibc (musl, macOS) there is nothing to call.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable

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
