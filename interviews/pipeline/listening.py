"""Where every hands-free session's microphone is decoded and its voice detected: the listening pool.

An executor for `Listener.feed` calls only. It has one thread per core, and each session's listener
is dealt to one of them for good, so its chunks are fed in order. A thread takes every chunk waiting
for it when it is free and feeds them together (`turn_taking.feed_together`): one ONNX run scores
the VAD windows of all those sessions (interviews/vad.py), and a thread that always finds work does
not sleep and wake for each 50 ms chunk. With a handful of sessions a batch is one chunk; at fifty,
the chunks that came in during one batch make the next. On the shared six-thread pool it replaces,
every chunk woke a sleeping thread and ran Silero in an ONNX session of the listener's own.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from interviews.turn_taking import Listener, feed_together

logger = logging.getLogger(__name__)

MAX_BATCH = 64  # chunks fed together at most (a batch of 64 windows is ~5 ms of one core)

_Work = tuple[Listener, bytes, "Future[Any]"]


class ListeningPool(Executor):
    def __init__(self, threads: int) -> None:
        # A listener is always fed by the same thread (its chunks stay in order): each thread has
        # its queue, and listeners are dealt to them in turn.
        self._queues: list[queue.SimpleQueue[_Work]] = [queue.SimpleQueue() for _ in range(threads)]
        self._shard: weakref.WeakKeyDictionary[Listener, int] = weakref.WeakKeyDictionary()
        self._turn = itertools.count()
        self._started = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        listener = getattr(fn, "__self__", None)
        if getattr(fn, "__func__", None) is not Listener.feed or not isinstance(listener, Listener) or kwargs:
            raise TypeError("the listening pool runs Listener.feed(chunk) calls only")
        (chunk,) = args
        future: Future[Any] = Future()
        with self._lock:
            if not self._started:
                for number, work in enumerate(self._queues):
                    threading.Thread(target=self._work, args=(work,), name=f"listening-{number}", daemon=True).start()
                self._started = True
            shard = self._shard.get(listener)
            if shard is None:
                shard = self._shard[listener] = next(self._turn) % len(self._queues)
        self._queues[shard].put((listener, chunk, future))
        return future

    def _work(self, work_queue: queue.SimpleQueue[_Work]) -> None:
        carried: _Work | None = None
        while True:
            batch = [carried or work_queue.get()]
            carried = None
            listeners = {id(batch[0][0])}
            while len(batch) < MAX_BATCH:
                try:
                    work = work_queue.get_nowait()
                except queue.Empty:
                    break
                if id(work[0]) in listeners:
                    carried = work  # a listener's next chunk goes after this one's events: next batch
                    break
                batch.append(work)
                listeners.add(id(work[0]))
            self._run([work for work in batch if work[2].set_running_or_notify_cancel()])

    @staticmethod
    def _run(batch: list[_Work]) -> None:
        if not batch:
            return
        try:
            results = feed_together([listener for listener, _, _ in batch], [chunk for _, chunk, _ in batch])
        except BaseException as exc:  # a defect: every caller hears of it, the thread goes on
            logger.exception("feeding %d listeners failed", len(batch))
            for _, _, future in batch:
                future.set_exception(exc)
            return
        for (_, _, future), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


LISTENING = ListeningPool(threads=os.cpu_count() or 2)
