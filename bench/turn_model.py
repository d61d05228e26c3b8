"""CPU cost of the end-of-turn model per decision, alone and with many sessions deciding at once.

Each decision scores the last 8 s of an utterance (turn_model.TurnModel.probability). With 1 session
the decisions run one after another; with N, N threads decide at the same moment (the worst case:
every candidate pauses together). Reports the CPU time per decision (process CPU / decisions) and the
wall time until a decision is known, median of `--repeats` runs. Pauses per minute of listening come
from the endpointing benchmark's scripted answers, to turn that into a share of a core per session.

    .venv/bin/python bench/turn_model.py [--sessions 1 25] [--decisions 40] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviews.turn_model import TurnModel  # noqa: E402 (after the project is put on sys.path)


def one_run(model: TurnModel, audio: np.ndarray, *, sessions: int, decisions: int) -> tuple[float, float]:
    """(CPU ms per decision, median wall ms per decision) for `sessions` threads deciding at once."""
    walls: list[float] = []
    lock = threading.Lock()

    def session() -> None:
        for _ in range(decisions):
            started = time.perf_counter()
            model.probability(audio)
            with lock:
                walls.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=session) for _ in range(sessions)]
    cpu = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu_ms = (time.process_time() - cpu) * 1000 / (sessions * decisions)
    return cpu_ms, statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 25])
    parser.add_argument("--decisions", type=int, default=40, help="per session and run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pauses-per-minute", type=float, default=12.0)
    args = parser.parse_args()
    model = TurnModel(ROOT / "models" / "smart-turn-v3.2-cpu.onnx")
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal(8 * 16000)).astype(np.float32)
    model.probability(audio)  # warm
    for sessions in args.sessions:
        runs = [one_run(model, audio, sessions=sessions, decisions=args.decisions) for _ in range(args.repeats)]
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        share = cpu * args.pauses_per_minute / 60_000
        print(
            f"{sessions:3d} session(s): CPU per decision {cpu:.1f} ms [{min(r[0] for r in runs):.1f}-"
            f"{max(r[0] for r in runs):.1f}], wall per decision {wall:.0f} ms; at {args.pauses_per_minute:g} "
            f"pauses a minute: {share:.2%} of one core per listening session"
        )


if __name__ == "__main__":
    main()
