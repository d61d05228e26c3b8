"""Headline benchmark (`make bench`): voice-to-voice latency over the provider floor, one daphne process.

Simulated candidates talk to a real daphne process over WebSockets; OpenAI and ElevenLabs are the
project's HTTP fakes with the `realistic` profile (STT 300 ms; LLM first token 400 ms, then 25 ms a
token; TTS first byte 150 ms, then 40 ms a chunk), each in its own process. Per turn it reports the
server's stored stage timings, the client's receive time of the first audio chunk, and the
provider floor measured from the fakes' own request records (STT request duration + LLM time to the
token that completes the first clause + TTS time to first byte). Overhead = first audio - floor.

    .venv/bin/python bench/latency.py --turns 20            # the headline, < 2 minutes
    .venv/bin/python bench/latency.py --turns 40 --sessions 4 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    DEFAULT_POSTGRES,
    Database,
    Fakes,
    Server,
    analyse,
    headline_table,
    machine,
    run_sessions,
    sample_dicts,
    summarise,
    webm_answer,
)

TARGET_P50_MS, TARGET_P95_MS = 30.0, 80.0


def run(
    *,
    turns: int,
    sessions: int,
    answer_s: float,
    postgres_url: str | None,
    redis_url: str | None,
    profile: str,
    deadline_s: float,
    patches: str = "",
) -> dict[str, Any]:
    answers_per_session = math.ceil(turns / sessions)
    recording = webm_answer(answer_s)
    with Fakes(profile, max_seconds=deadline_s + 120) as fakes, Database(postgres_url=postgres_url) as db:
        env = {**db.env(), **fakes.env()}
        if redis_url:
            env["REDIS_URL"] = redis_url
        if patches:
            env["BENCH_PATCHES"] = patches
        with Server(env, log_path=db.data_dir / "daphne.log") as server:
            interviews = db.create_interviews(sessions)
            fakes.reset()
            started = time.perf_counter()
            outcomes = asyncio.run(
                run_sessions(
                    urls=[server.ws_base],
                    interviews=interviews,
                    answer_s=answer_s,
                    answers_per_session=answers_per_session,
                    ramp_s=min(2.0, 0.05 * sessions),
                    deadline_s=deadline_s,
                    base_recording=recording,
                    end_interview=False,  # the evaluation it starts is not part of a turn
                )
            )
            elapsed_s = time.perf_counter() - started
            openai_records, tts_records = fakes.records()
            stored = db.turns([i["id"] for i in interviews])
            log_tail = server.log_tail()
            ws_events = server.ws_events()
            loop_lag = server.loop_lag()
    samples = [s for o in outcomes for s in o.samples]
    analyse(
        samples,
        openai_records=openai_records,
        tts_records=tts_records,
        stored_turns=stored,
        profile=fakes.profile,
        base_size=len(recording),
        ws_events=ws_events,
        tokens={i["id"]: i["token"] for i in interviews},
    )
    errors = [e for o in outcomes for e in o.errors] + [e for s in samples for e in s.errors]
    return {
        "benchmark": "latency",
        "machine": machine(),
        "command": " ".join(sys.argv),
        "settings": {
            "turns": turns,
            "sessions": sessions,
            "answers_per_session": answers_per_session,
            "answer_seconds": answer_s,
            "profile": profile,
            "database": "postgresql" if postgres_url else "sqlite",
            "channel_layer": "redis" if redis_url else "in-memory",
            "patches": patches,
        },
        "elapsed_s": round(elapsed_s, 1),
        "server_loop_lag_ms": loop_lag,
        "summary": summarise(samples),
        "errors": errors,
        "server_log_tail": log_tail if errors else "",
        "samples": sample_dicts(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=20, help="answers in total (spread over the sessions)")
    parser.add_argument("--sessions", type=int, default=1, help="concurrent sessions")
    parser.add_argument("--answer-seconds", type=float, default=1.0, help="length of each spoken answer")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON instead of a table")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, default=None, help="PostgreSQL server URL")
    parser.add_argument("--redis", nargs="?", const="redis://127.0.0.1:6379/13", default=None, help="Redis URL")
    parser.add_argument("--profile", default="realistic")
    parser.add_argument("--patches", default="", help="proposed fixes to measure (see bench/asgi_probe.py)")
    parser.add_argument("--deadline-seconds", type=float, default=100.0, help="stop the run after this long")
    args = parser.parse_args()
    result = run(
        turns=args.turns,
        sessions=args.sessions,
        answer_s=args.answer_seconds,
        postgres_url=args.postgres,
        redis_url=args.redis,
        profile=args.profile,
        deadline_s=args.deadline_seconds,
        patches=args.patches,
    )
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
        return
    settings = result["settings"]
    print(f"machine: {result['machine']}")
    print(
        f"{settings['turns']} turns, {settings['sessions']} session(s), {settings['answer_seconds']} s answers, "
        f"profile {settings['profile']}, {settings['database']}, one daphne process; {result['elapsed_s']} s"
    )
    print(headline_table(result["summary"]))
    lag = result["server_loop_lag_ms"]
    if lag:
        print(
            f"daphne event-loop lag: p50 {lag['p50_ms']:.1f} ms, p99 {lag['p99_ms']:.1f} ms, max {lag['max_ms']:.0f} ms"
        )
    overhead = result["summary"].get("overhead.client_ms")
    if overhead:
        ok = overhead["p50"] <= TARGET_P50_MS and overhead["p95"] <= TARGET_P95_MS
        print(
            f"target overhead p50 <= {TARGET_P50_MS:.0f} ms and p95 <= {TARGET_P95_MS:.0f} ms: "
            f"{'MET' if ok else 'MISSED'} (p50 {overhead['p50']:.1f}, p95 {overhead['p95']:.1f})"
        )
    if result["errors"]:
        print(f"{len(result['errors'])} error(s), first: {result['errors'][:3]}")
        print(result["server_log_tail"])


if __name__ == "__main__":
    main()
