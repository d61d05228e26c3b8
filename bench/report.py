"""Markdown tables for BENCHMARKS.md from the JSON results in bench/results/.

    .venv/bin/python bench/report.py bench/results/load-1proc.json [more.json ...]

Each figure is the median over the repeats, with the spread [min-max] of the repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any


def spread(values: list[float | None], digits: int = 0) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "-"
    median = statistics.median(present)
    if len(present) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} [{min(present):.{digits}f}-{max(present):.{digits}f}]"


def stat(run: dict[str, Any], key: str, which: str) -> float | None:
    return run["summary"].get(key, {}).get(which)


def load_table(result: dict[str, Any]) -> str:
    settings = result["settings"]
    lines = [
        f"`{result['command']}` - {settings['servers']} daphne process(es), "
        f"{'PostgreSQL' if settings.get('postgres') else 'SQLite'}, "
        f"{'Redis' if settings.get('redis') else 'in-memory'} channel layer, "
        f"{'hands-free (the server listens all the time)' if settings.get('hands_free') else 'push-to-talk'}, "
        f"patches: {settings.get('patches') or 'none (the app as it is)'}; {result['machine']}",
        "",
        "| sessions | sessions completed | turns measured | error frames | overhead p50 (client) | overhead p95 "
        "(client) | overhead p50 (server) | overhead p95 (server) | audio_end -> consumer p50 / p95 | loop lag p99 "
        "| daphne CPU % | daphne CPU ms / turn | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in result["levels"]:
        runs = level["runs"]
        n = level["sessions"]
        completed = "/".join(str(r["completed_sessions"]) for r in runs) + f" of {n}"
        turns = "/".join(str(r["turns_measured"]) for r in runs) + f" of {runs[0]['turns_expected']}"
        errors = "/".join(str(r["error_count"]) for r in runs)
        lag = spread([max((x.get("p99_ms", 0) for x in r["server_loop_lag_ms"]), default=None) for r in runs])
        cpu = spread([sum(r["server_cpu_percent"]) for r in runs])
        rss = spread([max(r["server_peak_rss_mb"]) for r in runs])
        per_turn = spread([r.get("server_cpu_ms_per_turn") for r in runs], 1)
        ingress = (
            f"{spread([stat(r, 'socket.ingress_ms', 'p50') for r in runs])} / "
            f"{spread([stat(r, 'socket.ingress_ms', 'p95') for r in runs])}"
        )
        lines.append(
            f"| {n} | {completed} | {turns} | {errors} "
            f"| {spread([stat(r, 'overhead.client_ms', 'p50') for r in runs])} "
            f"| {spread([stat(r, 'overhead.client_ms', 'p95') for r in runs])} "
            f"| {spread([stat(r, 'overhead.server_ms', 'p50') for r in runs])} "
            f"| {spread([stat(r, 'overhead.server_ms', 'p95') for r in runs])} "
            f"| {ingress} | {lag} | {cpu} | {per_turn} | {rss} |"
        )
    return "\n".join(lines)


STAGES = [
    ("server.transcript_ms", "transcript ready"),
    ("server.llm_first_token_ms", "first LLM token"),
    ("server.first_clause_ms", "first clause to TTS"),
    ("server.tts_first_byte_ms", "first TTS byte"),
    ("server.first_audio_sent_ms", "first audio chunk sent (server)"),
    ("client.first_audio_ms", "first audio chunk received (client)"),
    ("fakes.floor_ms", "provider floor (fakes' records)"),
    ("server.provider_floor_ms (app estimate)", "provider floor (app's own estimate)"),
    ("fakes.gap_answer_to_stt_ms", "app: audio_end sent -> STT request at provider"),
    ("fakes.gap_stt_to_llm_ms", "app: STT response -> LLM request at provider"),
    ("fakes.gap_clause_to_tts_ms", "app: first clause token -> TTS request at provider"),
    ("fakes.gap_tts_to_client_ms", "app: TTS first byte -> client"),
    ("overhead.client_ms", "**overhead: client first audio - floor**"),
    ("overhead.server_ms", "overhead: server first audio sent - floor"),
]


def stage_table(result: dict[str, Any], sessions: list[int]) -> str:
    header = "| ms from end of answer | " + " | ".join(f"{n} sess. p50 | {n} sess. p95" for n in sessions) + " |"
    lines = [header, "|---|" + "---:|---:|" * len(sessions)]
    levels = {level["sessions"]: level["runs"] for level in result["levels"]}
    for key, label in STAGES:
        cells = []
        for n in sessions:
            runs = levels.get(n, [])
            cells += [spread([stat(r, key, "p50") for r in runs]), spread([stat(r, key, "p95") for r in runs])]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+")
    parser.add_argument("--stages", default="", help="also a per-stage table at these levels, e.g. 1,100")
    args = parser.parse_args()
    for path in args.results:
        result = json.loads(Path(path).read_text())
        if result.get("benchmark") == "load" and result.get("levels"):
            print(load_table(result))
            if args.stages:
                print()
                print(stage_table(result, [int(x) for x in args.stages.split(",")]))
            print()


if __name__ == "__main__":
    main()
