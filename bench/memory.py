"""Memory of one daphne process: at idle, per live session, and across 1,000 sequential turns.

RSS is /proc/<pid>/status VmRSS of the daphne process. Three measurements per repeat, each repeat on a
fresh daphne process (SQLite, or PostgreSQL with --postgres; fakes with the `instant` profile so the turns are quick):

1. idle: right after start-up, and after one warm-up interview (imports, SDK clients, caches);
2. live sessions: open sessions in steps of --step (each connected and greeted, then silent) up to
   --max-sessions, RSS after each step; growth per 10 sessions is the slope of a least-squares fit;
   then RSS once they have all closed;
3. turns: --turns answers given one after another (sessions of --turns-per-session answers each,
   one session at a time), RSS every 100 turns; no growth over the second half = no leak.

With --tracemalloc, daphne runs with PYTHONTRACEMALLOC (10 frames) and takes a snapshot (after a full
collection) at --snapshot-at turns and after the last; the largest growths between the two, by
traceback, are printed and saved: what stays allocated turn after turn, and where it was allocated.

    .venv/bin/python bench/memory.py --repeats 3 --out bench/results/memory.json
    .venv/bin/python bench/memory.py --repeats 1 --parts turns --tracemalloc --out bench/results/memory-tracemalloc.json
    .venv/bin/python bench/memory.py --repeats 3 --parts turns --postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    DEFAULT_POSTGRES,
    ORIGIN,
    Database,
    Fakes,
    Server,
    answer_frames,
    candidate,
    machine,
    median_spread,
    webm_answer,
)


async def hold_sessions(
    url: str, interviews: list[dict[str, Any]], release: asyncio.Event
) -> tuple[int, list[asyncio.Task[None]]]:
    """Connect every interview, wait for its greeting, then keep it open until `release`."""
    import websockets

    greeted = 0
    opened = asyncio.Event()

    async def one(interview: dict[str, Any]) -> None:
        nonlocal greeted
        async with websockets.connect(url + interview["token"] + "/", origin=ORIGIN, ping_interval=None) as ws:  # type: ignore[arg-type]
            async for raw in ws:
                if json.loads(raw).get("type") == "ai_audio_end":
                    break
            greeted += 1
            if greeted == len(interviews):
                opened.set()
            await release.wait()

    tasks = [asyncio.create_task(one(i)) for i in interviews]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(opened.wait(), 60)
    await asyncio.sleep(1.0)  # let writes and greetings settle
    return greeted, tasks


async def live_sessions(server: Server, db: Database, *, step: int, maximum: int) -> dict[str, Any]:
    release = asyncio.Event()
    holders: list[asyncio.Task[None]] = []
    points = [(0, server.rss_kb())]
    everyone = db.create_interviews(maximum)
    try:
        for start in range(0, maximum - step + 1, step):
            greeted, tasks = await hold_sessions(server.ws_base, everyone[start : start + step], release)
            holders.extend(tasks)
            if greeted < step:
                print(f"only {greeted}/{step} sessions greeted", file=sys.stderr)
            points.append((points[-1][0] + greeted, server.rss_kb()))
    finally:
        release.set()
        await asyncio.wait(holders, timeout=30)
    await asyncio.sleep(3.0)
    slope_kb = float(np.polyfit([p[0] for p in points], [p[1] for p in points], 1)[0]) if len(points) > 1 else 0.0
    return {
        "points": [{"sessions": n, "rss_mb": round(kb / 1024, 1)} for n, kb in points],
        "per_10_sessions_mb": round(slope_kb * 10 / 1024, 2),
        "after_close_mb": round(server.rss_kb() / 1024, 1),
    }


def snapshot(server: Server, db: Database) -> Path:
    """Ask daphne for a tracemalloc snapshot (bench/asgi_probe.py) and wait until it is written."""
    before = set(db.data_dir.glob(f"tracemalloc-{server.pid}-*.pickle"))
    os.kill(server.pid, signal.SIGUSR2)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        new = set(db.data_dir.glob(f"tracemalloc-{server.pid}-*.pickle")) - before
        if new:
            return new.pop()
        time.sleep(0.2)
    raise TimeoutError("no tracemalloc snapshot")


def growth(first: Path, last: Path, *, top: int = 15) -> list[dict[str, Any]]:
    """The largest growths between two snapshots, by traceback (tracemalloc's own frames left out)."""
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*"),
    ]
    old = tracemalloc.Snapshot.load(str(first)).filter_traces(ignore)
    new = tracemalloc.Snapshot.load(str(last)).filter_traces(ignore)
    rows = []
    for stat in new.compare_to(old, "traceback")[:top]:
        frames = [f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}" for frame in stat.traceback]
        rows.append({"size_diff_kb": round(stat.size_diff / 1024, 1), "count_diff": stat.count_diff, "where": frames})
    return rows


async def sequential_turns(
    server: Server, db: Database, *, turns: int, per_session: int, snapshot_at: int | None = None
) -> dict[str, Any]:
    recording = webm_answer(0.5)
    answer = answer_frames(recording, 0.5)
    points = [(0, server.rss_kb())]
    done = 0
    errors = 0
    interviews = iter(db.create_interviews(-(-turns // per_session)))
    snapshots: list[Path] = []
    while done < turns:
        count = min(per_session, turns - done)
        interview = next(interviews)
        outcome = await candidate(
            session=0,
            url=server.ws_base,
            interview=interview,
            answers=[answer] * count,
            tags=list(range(count)),
            think_s=0.0,
            chunk_s=0.0,  # as fast as the server answers: the turn count matters here, not the pace
        )
        errors += len(outcome.errors) + sum(len(s.errors) for s in outcome.samples)
        before = done
        done += count
        if done // 100 > before // 100:
            points.append((done, server.rss_kb()))
        if snapshot_at is not None and before < snapshot_at <= done:
            await asyncio.sleep(1.0)  # the last session's writes and evaluation settle
            snapshots.append(snapshot(server, db))
    if snapshot_at is not None:
        await asyncio.sleep(1.0)
        snapshots.append(snapshot(server, db))
    half = [p for p in points if p[0] >= turns / 2]
    slope_kb = float(np.polyfit([p[0] for p in half], [p[1] for p in half], 1)[0]) if len(half) > 1 else 0.0
    return {
        "points": [{"turns": n, "rss_mb": round(kb / 1024, 1)} for n, kb in points],
        "growth_second_half_kb_per_100_turns": round(slope_kb * 100, 1),
        "errors": errors,
        "tracemalloc_growth": growth(snapshots[0], snapshots[-1]) if len(snapshots) == 2 else [],
        "tracemalloc_between_turns": [snapshot_at, done] if len(snapshots) == 2 else [],
    }


def one_repeat(fakes: Fakes, db: Database, args: argparse.Namespace, index: int) -> dict[str, Any]:
    env = {**db.env(), **fakes.env()}
    if args.tracemalloc:
        env["PYTHONTRACEMALLOC"] = "10"
    with Server(env, log_path=db.data_dir / f"daphne-mem-{index}.log") as server:
        time.sleep(2.0)  # start-up finished (provider warm-up thread)
        idle_start = server.rss_kb()
        warm = asyncio.run(sequential_turns(server, db, turns=3, per_session=3))
        idle_warm = server.rss_kb()
        live = {"points": [{"sessions": 0, "rss_mb": 0.0}], "per_10_sessions_mb": None, "after_close_mb": None}
        if "live" in args.parts:
            live = asyncio.run(live_sessions(server, db, step=args.step, maximum=args.max_sessions))
        snapshot_at = args.snapshot_at if args.tracemalloc else None
        turns = asyncio.run(
            sequential_turns(server, db, turns=args.turns, per_session=args.turns_per_session, snapshot_at=snapshot_at)
        )
        return {
            "idle_start_mb": round(idle_start / 1024, 1),
            "idle_warm_mb": round(idle_warm / 1024, 1),
            "warmup_errors": warm["errors"],
            "live": live,
            "turns": turns,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--step", type=int, default=10)
    parser.add_argument("--max-sessions", type=int, default=100)
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--turns-per-session", type=int, default=10)
    parser.add_argument("--parts", default="live,turns", help="which measurements after the idle ones")
    parser.add_argument("--tracemalloc", action="store_true", help="snapshots in daphne; see above")
    parser.add_argument("--snapshot-at", type=int, default=200, help="turns before the first snapshot")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, default=None, help="PostgreSQL server URL")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    repeats = []
    with Fakes("instant", max_seconds=1800) as fakes, Database(postgres_url=args.postgres) as db:
        for index in range(args.repeats):
            print(f"[memory repeat {index + 1}/{args.repeats}]", file=sys.stderr, flush=True)
            repeats.append(one_repeat(fakes, db, args, index))
    summary = {
        "idle_start_mb": median_spread([r["idle_start_mb"] for r in repeats]),
        "idle_warm_mb": median_spread([r["idle_warm_mb"] for r in repeats]),
        "per_10_live_sessions_mb": median_spread([r["live"]["per_10_sessions_mb"] for r in repeats]),
        f"rss_at_{args.max_sessions}_sessions_mb": median_spread([r["live"]["points"][-1]["rss_mb"] for r in repeats]),
        "after_sessions_closed_mb": median_spread([r["live"]["after_close_mb"] for r in repeats]),
        "turns_start_mb": median_spread([r["turns"]["points"][0]["rss_mb"] for r in repeats]),
        "turns_end_mb": median_spread([r["turns"]["points"][-1]["rss_mb"] for r in repeats]),
        "growth_second_half_kb_per_100_turns": median_spread(
            [r["turns"]["growth_second_half_kb_per_100_turns"] for r in repeats]
        ),
    }
    result = {"benchmark": "memory", "machine": machine(), "command": " ".join(sys.argv), "summary": summary}
    result["repeats"] = repeats
    for name, value in summary.items():
        print(f"{name:<40} median {value['median']}  [{value['min']} - {value['max']}]")
    for r in repeats:
        for row in r["turns"]["tracemalloc_growth"]:
            print(
                f"grew {row['size_diff_kb']:>8} KB {row['count_diff']:>+7} blocks  "
                + " <- ".join(row["where"][::-1][:6])
            )
        print("live:", " ".join(f"{p['sessions']}:{p['rss_mb']}" for p in r["live"]["points"]))
        print(
            "turns:",
            " ".join(f"{p['turns']}:{p['rss_mb']}" for p in r["turns"]["points"]),
            "errors",
            r["turns"]["errors"],
        )
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
