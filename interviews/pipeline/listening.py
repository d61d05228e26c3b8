"""Where every hands-free session's microphone is decoded and its voice detected: the listening pool.

`hear(listener, chunk)` feeds a listener a chunk off the event loop. Each session's listener is
dealt to one of the pool's threads for good, so its chunks are fed in order. A thread takes every
chunk waiting for it when it is free and feeds them together: one ONNX run scores the VAD windows of
all those sessions (interviews/vad.py), and a thread that always finds work does not sleep and wake
for each 50 ms chunk. With a handful of sessions a batch is one chunk; at fifty, the chunks that came
in during one batch make the next. A batch's results go back to each event loop in one call: one
wake-up of the loop per batch, not a thread-safe future and a wake-up per chunk (~6 % of the
server's GIL at 50 sessions, BENCHMARKS.md #22).

Where the hearing happens (decoding, windows, VAD: interviews/microphone.py) is set by `configure`:
- in listening worker processes (interviews/listening_worker.py), one per thread, the default of a
  server: none of it then takes the server's GIL, which 50 sessions' listening filled by a third
  (BENCHMARKS.md, #22), and a decoder crashing on a hostile stream takes down a worker, not the
  server. The thread sends the batch's chunks, and runs the listeners' decisions on what comes back;
- in the server process, one thread per core (`processes=0`, and before `configure`).

A worker that dies or stops answering is started again. Its streams are resumed from their
recording's first chunk (the header; the Opus decoder starts afresh, which a listener does not
notice); a batch it died on is tried once more, then stream by stream, so only a stream that kills
a worker by itself is refused (as audio that cannot be decoded).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import weakref
from multiprocessing.connection import Connection
from pathlib import Path

from interviews.audio import AudioDecodeError
from interviews.audio.matroska import EBML_MAGIC
from interviews.microphone import Heard
from interviews.turn_taking import Fed, Listener, feed_together

logger = logging.getLogger(__name__)

MAX_BATCH = 64  # chunks fed together at most (a batch of 64 windows is ~5 ms of one core)
WORKER_TIMEOUT_S = 10.0  # a batch takes milliseconds; a worker silent this long is hung
ROOT = Path(__file__).resolve().parents[2]
WORKER_COMMAND = [sys.executable, "-m", "interviews.listening_worker"]  # and the socket's descriptor

_Work = tuple[Listener, bytes, "asyncio.Future[Fed]"]


class WorkerProcess:
    """One listening worker process, and the streams it holds. One pool thread feeds it; the
    server's warm-up may ask it at the same time (the first candidates do not wait for it), so a
    question and its answer hold the lock: answers over the pipe come in the order asked."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._first: dict[int, bytes] = {}  # each stream's recording's first chunk (its header)
        self._held: set[int] = set()  # the streams the running process knows
        self._gone: list[int] = []  # streams whose listener is gone (from any thread): closed at the next batch
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self.stop()  # one that died while idle
        ours, theirs = socket.socketpair()
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        with theirs:
            self._process = subprocess.Popen(
                [*WORKER_COMMAND, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
            )
        self._connection = Connection(ours.detach())
        self._held = set()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def answers(self) -> bool:
        """Blocking (a new worker takes ~1 s to import its libraries): start it, and whether it answers."""
        with self._lock:
            try:
                return self._ask([]) == []
            except (OSError, EOFError, TimeoutError):
                self.stop()
                return False

    def forget(self, stream: int) -> None:
        self._gone.append(stream)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def hear(self, streams: list[tuple[int, bytes]]) -> list[Heard | Exception]:
        """Blocking: each stream's chunk heard in the worker (started, or started again, if need be)."""
        with self._lock:
            return self._hear(streams)

    def _hear(self, streams: list[tuple[int, bytes]]) -> list[Heard | Exception]:
        for stream, chunk in streams:
            if stream not in self._first or chunk.startswith(EBML_MAGIC):
                self._first[stream] = chunk
        for _ in range(2):
            try:
                return self._ask(streams)
            except (OSError, EOFError, TimeoutError):
                logger.exception("a listening worker failed (pid %s); starting another", self.pid)
                self.stop()
        results: list[Heard | Exception] = []
        for one in streams:  # one of them kills the worker: find it, hear the others
            try:
                results.extend(self._ask([one]))
            except (OSError, EOFError, TimeoutError):
                logger.warning("a microphone stream crashed the listening worker; it is refused")
                self.stop()
                results.append(AudioDecodeError("the stream crashed the decoder"))
        return results

    def _ask(self, streams: list[tuple[int, bytes]]) -> list[Heard | Exception]:
        self.start()
        connection = self._connection
        assert connection is not None
        gone, self._gone = self._gone, []
        for stream in gone:
            self._first.pop(stream, None)
        if gone_here := [stream for stream in gone if stream in self._held]:
            connection.send(("close", gone_here))
            self._held.difference_update(gone_here)
        # Streams that began in a worker that has died since: their header first.
        resumed = [(s, self._first[s]) for s, chunk in streams if s not in self._held and chunk is not self._first[s]]
        if resumed:
            connection.send(("open", resumed))
        connection.send(("feed", streams))
        if not connection.poll(WORKER_TIMEOUT_S):
            raise TimeoutError("the listening worker did not answer")
        results: list[Heard | Exception] = connection.recv()
        self._held.update(stream for stream, _ in streams)
        return results


def _settle(results: list[tuple[asyncio.Future[Fed], Fed | BaseException]]) -> None:
    """On the event loop: a batch's results for that loop's sessions (one whose wait was cancelled
    meanwhile is skipped)."""
    for future, result in results:
        if future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)


class ListeningPool:
    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads or os.cpu_count() or 2
        self._processes = 0
        self._queues: list[queue.SimpleQueue[_Work]] = []
        self._workers: list[WorkerProcess] = []
        # A listener is always fed by the same thread (its chunks stay in order): each thread has
        # its queue, and listeners are dealt to them in turn.
        self._shard: weakref.WeakKeyDictionary[Listener, tuple[int, int]] = weakref.WeakKeyDictionary()
        self._turn = itertools.count()
        self._streams = itertools.count()
        self._started = False
        self._lock = threading.Lock()

    def configure(self, *, processes: int) -> None:
        """Hear in `processes` worker processes (0: in this process, a thread per core). Before the
        first feed only."""
        with self._lock:
            if self._started:
                raise RuntimeError("the listening pool is already running")
            self._processes = max(0, processes)

    def warm(self) -> None:
        """Blocking: start the threads and the worker processes, and check that the workers answer.
        If one does not (its error is in the log above), listening runs in this process's threads:
        slower under load, but every session is heard."""
        self._start()
        for worker in self._workers:
            if not worker.answers():
                logger.error("the listening worker does not answer: listening runs in the server process instead")
                self._workers = []
                return

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            count = self._processes or self._threads
            self._queues = [queue.SimpleQueue() for _ in range(count)]
            self._workers = [WorkerProcess() for _ in range(self._processes)]
            for number in range(count):
                threading.Thread(target=self._work, args=(number,), name=f"listening-{number}", daemon=True).start()
            self._started = True

    def hear(self, listener: Listener, chunk: bytes) -> asyncio.Future[Fed]:
        """From an event loop: `listener.feed(chunk)` in the pool, its result (or the exception it
        raised) in the future returned. A listener's chunks are fed in the order given."""
        future: asyncio.Future[Fed] = asyncio.get_running_loop().create_future()
        self._start()
        with self._lock:
            shard = self._shard.get(listener)
            if shard is None:
                shard = self._shard[listener] = (next(self._turn) % len(self._queues), next(self._streams))
                if self._workers:
                    weakref.finalize(listener, self._workers[shard[0]].forget, shard[1])
        self._queues[shard[0]].put((listener, chunk, future))
        return future

    def _work(self, number: int) -> None:
        work_queue = self._queues[number]
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
            self._run(number, [work for work in batch if not work[2].cancelled()])

    def _run(self, number: int, batch: list[_Work]) -> None:
        if not batch:
            return
        results: list[Fed | Exception] | list[BaseException]
        try:
            if self._workers:
                results = self._hear_in_worker(self._workers[number], batch)
            else:
                results = feed_together([listener for listener, _, _ in batch], [chunk for _, chunk, _ in batch])
        except BaseException as exc:  # a defect: every caller hears of it, the thread goes on
            logger.exception("feeding %d listeners failed", len(batch))
            results = [exc] * len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Fed], Fed | BaseException]]] = {}
        for (_, _, future), result in zip(batch, results, strict=True):
            by_loop.setdefault(future.get_loop(), []).append((future, result))
        for loop, settled in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, settled)
            except RuntimeError:  # that loop has been closed: nobody waits for these
                pass

    def _hear_in_worker(self, worker: WorkerProcess, batch: list[_Work]) -> list[Fed | Exception]:
        heard = worker.hear([(self._shard[listener][1], chunk) for listener, chunk, _ in batch])
        results: list[Fed | Exception] = []
        for (listener, _, _), result in zip(batch, heard, strict=True):
            try:
                results.append(result if isinstance(result, Exception) else listener.heard(result))
            except Exception as exc:  # the listener was closed meanwhile
                results.append(exc)
        return results

    def shutdown(self) -> None:
        """Stop the worker processes (the threads are daemons; a pool is not used after this)."""
        for worker in self._workers:
            worker.stop()


LISTENING = ListeningPool()
