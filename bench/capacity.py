"""What listening costs one process: CPU-ms per session-second, and the event loop's lag, at N sessions.

In this process, without a socket: N candidates' microphones are streamed at real-time pace into the
app's own listening code, the way the pipeline calls it, while a probe measures the event loop's lag
(how late a 10 ms sleep wakes up). The recording is the English speech fixture
(`tests/fixtures/answer_en.webm`, 6.5 s, Piper) followed by 3.5 s of silence, repeated: a candidate
who answers about two thirds of the time, as in an interview.

- hands-free: one continuous WebM/Opus recording in the page's 50 ms timeslices; every slice goes
  through `Listener.feed` (incremental decode to 16 kHz + Silero VAD + the endpointer) on the
  listening pool, as `HandsFreeIntake.feed` runs it, and each pause the listener asks about is
  scored by the end-of-turn model on its own thread, as the app does (`--no-turn-model`: without).
  Listeners are created as sessions start, on the loop.
- push-to-talk: the answer's WebM/Opus in 250 ms timeslices; every slice goes to `AudioMeter.push`
  (on the loop, decoded behind the arrivals by the meter's thread), as `PushToTalkIntake.feed` does;
  `finish` at the end of each answer. Only the answers are streamed (the button is held only then),
  and CPU is per second of recorded answer.

CPU is the whole process's (all threads: `time.process_time`), minus the idle loop's own; "% of a
core per session" = CPU-ms per session-second / 10. The same CPU by thread (from /proc, the idle
loop included): MainThread is the event loop, `listening` the listening pool, `end-of-turn` the
model's scores.

    .venv/bin/python bench/capacity.py --levels 1,10,25,50,100 --seconds 20 --repeats 3
    .venv/bin/python bench/capacity.py --modes hands-free --levels 50 --seconds 20 --repeats 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")

from interviews.audio import RECOGNITION_RATE, AudioMeter, decode_to_pcm  # noqa: E402 (after sys.path)
from interviews.pipeline.listening import LISTENING  # noqa: E402 (after sys.path)
from interviews.pipeline.pauses import SCORING  # noqa: E402 (after sys.path)
from interviews.testing.webm import webm_chunks  # noqa: E402 (after sys.path)
from interviews.turn_taking import STREAM_TIMESLICE_S, Listener  # noqa: E402 (after sys.path)

FIXTURE = ROOT / "tests" / "fixtures" / "answer_en.webm"
PUSH_TO_TALK_TIMESLICE_S = 0.25
SILENCE_S = 3.5
LAG_INTERVAL_S = 0.01


def machine_load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def speech_and_silence(seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """(the continuous hands-free recording of `seconds`, one answer's speech)."""
    speech = decode_to_pcm(FIXTURE.read_bytes())
    block = np.concatenate([speech, np.zeros(int(SILENCE_S * RECOGNITION_RATE), dtype=np.float32)])
    repeats = int(np.ceil(seconds * RECOGNITION_RATE / len(block)))
    return np.tile(block, repeats)[: int(seconds * RECOGNITION_RATE)], speech


def thread_cpu_ms() -> dict[str, float]:
    """CPU used so far by this process's threads, by kind (the thread's name without its number)."""
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        name = names.get(int(task.name), "native (not a Python thread)")
        kind = re.sub(r"([-_]\d+)+$", "", name)
        used[kind] = used.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) * tick_ms
    return used


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class LagProbe:
    """How late the event loop wakes a 10 ms sleep, sampled all the time (and the peak RSS)."""

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self.peak_rss_mb = rss_mb()

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(LAG_INTERVAL_S)
            self.lags_ms.append((time.perf_counter() - before - LAG_INTERVAL_S) * 1000)
            if len(self.lags_ms) % 50 == 0:
                self.peak_rss_mb = max(self.peak_rss_mb, rss_mb())

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> dict[str, float]:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        ordered = sorted(self.lags_ms) or [0.0]
        return {
            "p50_ms": round(float(np.percentile(ordered, 50)), 2),
            "p99_ms": round(float(np.percentile(ordered, 99)), 2),
            "max_ms": round(ordered[-1], 2),
        }


async def _paced(chunks: list[bytes], chunk_s: float, start_delay_s: float, each: Callable[[bytes], Any]) -> None:
    """Hand `chunks` to `each` one timeslice at a time, each when it has been recorded."""
    await asyncio.sleep(start_delay_s)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for index, chunk in enumerate(chunks):
        await asyncio.sleep(max(0.0, started + (index + 1) * chunk_s - loop.time()))
        if chunk:
            await each(chunk)


async def hands_free_session(
    chunks: list[bytes], start_delay_s: float, counts: dict[str, int], turn_model: Any = None
) -> None:
    listener: Listener | None = None
    scoring: set[asyncio.Task[None]] = set()

    async def score(pcm: np.ndarray, pause: int) -> None:
        assert listener is not None
        probability = await asyncio.get_running_loop().run_in_executor(SCORING, turn_model.probability, pcm)
        if listener.pause == pause and listener.in_utterance:
            listener.finished = probability

    async def feed(chunk: bytes) -> None:
        nonlocal listener
        if listener is None:
            listener = await make_listener()
            listener.scores_pauses = turn_model is not None
        events, _added = await LISTENING.hear(listener, chunk)
        for event in events:
            counts[event.kind] = counts.get(event.kind, 0) + 1
            if event.kind == "pause" and event.pcm is not None:  # as HandsFreeIntake._score
                task = asyncio.ensure_future(score(event.pcm, event.pause))
                scoring.add(task)
                task.add_done_callback(scoring.discard)

    try:
        await _paced(chunks, STREAM_TIMESLICE_S, start_delay_s, feed)
        await asyncio.gather(*scoring, return_exceptions=True)
    finally:
        if listener is not None:
            await asyncio.to_thread(listener.close)


async def make_listener() -> Listener:
    """On the loop, as HandsFreeIntake.feed does (a listener holds no model of its own)."""
    return Listener(language="en")


def listener_start_cpu_ms(count: int = 20) -> float:
    """CPU to make one listener (its VAD state only; the ONNX session is shared), median of `count`."""
    costs = []
    for _ in range(count):
        before = time.process_time()
        Listener(language="en").close()
        costs.append((time.process_time() - before) * 1000)
    return round(statistics.median(costs), 2)


async def push_to_talk_session(answers: list[list[bytes]], start_delay_s: float, counts: dict[str, int]) -> None:
    await asyncio.sleep(start_delay_s)
    for chunks in answers:
        meter = AudioMeter()

        async def push(chunk: bytes, meter: AudioMeter = meter) -> None:
            meter.push(chunk)

        await _paced(chunks, PUSH_TO_TALK_TIMESLICE_S, 0.0, push)
        seconds = await asyncio.to_thread(meter.finish)
        counts["answers"] = counts.get("answers", 0) + 1
        counts["decoded_ms"] = counts.get("decoded_ms", 0) + round(1000 * (seconds or 0))


async def idle_cpu_per_s(seconds: float = 2.0) -> float:
    """CPU the loop and the lag probe take doing nothing, per second."""
    probe = LagProbe()
    probe.start()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    await probe.stop()
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


async def one_level(mode: str, sessions: int, seconds: float, ramp_s: float, turn_model: Any) -> dict[str, Any]:
    recording, speech = speech_and_silence(seconds)
    idle = await idle_cpu_per_s()
    counts: dict[str, int] = {}
    if mode == "hands-free":
        chunks = webm_chunks(recording, chunk_s=STREAM_TIMESLICE_S)
        jobs = [hands_free_session(chunks, ramp_s * n / sessions, counts, turn_model) for n in range(sessions)]
        session_seconds = len(recording) / RECOGNITION_RATE
    else:
        answer = webm_chunks(speech, chunk_s=PUSH_TO_TALK_TIMESLICE_S)
        count = max(1, round(seconds / (len(speech) / RECOGNITION_RATE + SILENCE_S)))
        jobs = [push_to_talk_session([answer] * count, ramp_s * n / sessions, counts) for n in range(sessions)]
        session_seconds = count * len(speech) / RECOGNITION_RATE
    rss_before_mb = rss_mb()
    probe = LagProbe()
    probe.start()
    cpu, wall, threads_before = time.process_time(), time.perf_counter(), thread_cpu_ms()
    await asyncio.gather(*jobs)
    cpu_s, wall_s = time.process_time() - cpu, time.perf_counter() - wall
    threads = {k: v - threads_before.get(k, 0.0) for k, v in thread_cpu_ms().items()}
    lag = await probe.stop()
    work_cpu_s = max(0.0, cpu_s - idle * wall_s)
    per_session_second_ms = 1000 * work_cpu_s / (sessions * session_seconds)
    return {
        "mode": mode,
        "sessions": sessions,
        "session_seconds": round(session_seconds, 2),
        "wall_s": round(wall_s, 2),
        "behind_real_time_s": round(wall_s - session_seconds - ramp_s, 2),
        "cpu_s": round(cpu_s, 3),
        "cpu_ms_per_session_second": round(per_session_second_ms, 3),
        "core_percent_per_session": round(per_session_second_ms / 10, 3),
        "loop_lag": lag,
        # Where the CPU went, per session-second (the main thread is the event loop).
        "thread_cpu_ms_per_session_second": {
            kind: round(ms / (sessions * session_seconds), 2)
            for kind, ms in sorted(threads.items(), key=lambda item: -item[1])
            if ms > 0
        },
        "rss_growth_mb_per_session": round((probe.peak_rss_mb - rss_before_mb) / sessions, 2),
        "events": counts,
        "load_avg": machine_load(),
    }


def median_spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="hands-free,push-to-talk")
    parser.add_argument("--levels", default="1,10,25,50,100")
    parser.add_argument("--seconds", type=float, default=20.0, help="recording per session")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ramp-seconds", type=float, default=1.0, help="sessions start spread over this long")
    parser.add_argument(
        "--no-turn-model",
        action="store_true",
        help="hands-free without the end-of-turn model (the app scores each pause with it when MODELS_DIR has it)",
    )
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    from interviews.turn_model import load_turn_model

    turn_model = None if args.no_turn_model else load_turn_model(ROOT / "models")
    results: list[dict[str, Any]] = []
    print(f"load average at start: {machine_load()}; cpus {os.cpu_count()}")
    print(f"CPU to start one listener: {listener_start_cpu_ms()} ms", flush=True)
    for mode in [m for m in args.modes.split(",") if m]:
        for sessions in [int(x) for x in args.levels.split(",") if x]:
            runs = []
            for _ in range(args.repeats):
                runs.append(asyncio.run(one_level(mode, sessions, args.seconds, args.ramp_seconds, turn_model)))
            results.extend(runs)
            cpu = [r["cpu_ms_per_session_second"] for r in runs]
            lag50 = [r["loop_lag"]["p50_ms"] for r in runs]
            lag99 = [r["loop_lag"]["p99_ms"] for r in runs]
            behind = [r["behind_real_time_s"] for r in runs]
            print(
                f"{mode:<13} {sessions:>4} sessions: CPU-ms per session-second {median_spread(cpu)}"
                f" | loop lag p50 {median_spread(lag50)} ms, p99 {median_spread(lag99)} ms"
                f" | behind real time {median_spread(behind)} s | load {runs[-1]['load_avg']}"
                f" | peak RSS growth per session {runs[-1]['rss_growth_mb_per_session']} MB"
                f" | events {runs[-1]['events']}"
                f" | CPU-ms per session-second by thread {runs[-1]['thread_cpu_ms_per_session_second']}",
                flush=True,
            )
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"command": " ".join(sys.argv), "runs": results}, indent=1))


if __name__ == "__main__":
    main()
