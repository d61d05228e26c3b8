"""Latency under load: 1, 10, 50, 100, 200 concurrent simulated candidates against real daphne processes.

Each session connects, waits for the greeting's ai_audio_end, then gives K answers, each a real WebM/Opus
recording streamed in 250 ms chunks at real-time pace and ended by audio_end, waiting for the reply's
ai_audio_end before the next. Providers are the HTTP fakes with the `realistic` profile. Every level
runs `--repeats` times, each on a fresh daphne process; the table reports the median over repeats and
the spread (min-max). With `--servers 2 --postgres --redis` the load is split over two daphne
processes sharing a dedicated PostgreSQL database and Redis. With `--profile-level N` a py-spy profile
of (the first) daphne is recorded during one extra run at N sessions. When sessions fail, each
server's log and its threads' stacks (py-spy) are kept in a directory the output names.

    .venv/bin/python bench/load.py --levels 1,10,50,100,200 --repeats 3 --out bench/results/load-1proc.json
    .venv/bin/python bench/load.py --servers 2 --postgres --redis --levels 100,200 --repeats 3
    .venv/bin/python bench/load.py --levels 100 --repeats 0 --profile-level 100
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    DEFAULT_POSTGRES,
    Database,
    Fakes,
    HandsFreeStream,
    Server,
    analyse,
    fmt,
    hands_free_stream,
    machine,
    median_spread,
    rss_kb,
    run_sessions,
    speech_fixture,
    summarise,
    unique_transcripts,
    webm_answer,
)

TABLE_KEYS = [
    ("overhead.client_ms", "overhead (client first audio - floor)"),
    ("overhead.server_ms", "overhead (server first audio sent - floor)"),
    ("client.first_audio_ms", "first audio at client"),
    ("fakes.floor_ms", "provider floor (fakes)"),
    ("server.transcript_ms", "transcript ready"),
    ("server.llm_first_token_ms", "first LLM token"),
    ("server.first_clause_ms", "first clause to TTS"),
    ("server.tts_first_byte_ms", "first TTS byte"),
    ("server.first_audio_sent_ms", "first audio sent (server)"),
    ("fakes.gap_answer_to_stt_ms", "gap audio_end -> STT request"),
    ("fakes.gap_stt_to_llm_ms", "gap STT done -> LLM request"),
    ("fakes.gap_clause_to_tts_ms", "gap clause -> TTS request"),
    ("fakes.gap_tts_to_client_ms", "gap TTS byte -> client"),
    ("socket.ingress_ms", "socket: audio_end sent -> consumer"),
    ("socket.asgi_first_audio_ms", "consumer: audio_end -> first audio out"),
    ("socket.egress_ms", "socket: first audio out -> client"),
]


def family(pid: int) -> list[int]:
    """A server and its child processes (the listening workers)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            children += [int(child) for child in (task / "children").read_text().split()]
    return [pid, *children]


def cpu_seconds(pid: int) -> float:
    """A server's CPU, its listening workers' included (utime + stime, in clock ticks of 10 ms)."""
    total = 0.0
    for member in family(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / 100.0
    return total


def family_rss_kb(pid: int) -> int:
    return sum(rss_kb(member) for member in family(pid))


class Monitor:
    """Samples the servers' RSS and CPU every 0.5 s while a run lasts."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_rss_kb = dict.fromkeys(pids, 0)
        self.cpu_start = {pid: cpu_seconds(pid) for pid in pids}
        self.cpu_end = dict(self.cpu_start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.perf_counter()
        self.elapsed_s = 0.0

    def __enter__(self) -> Monitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.elapsed_s = time.perf_counter() - self.started
        for pid in self.pids:
            with contextlib.suppress(OSError):
                self.cpu_end[pid] = cpu_seconds(pid)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pid in self.pids:
                with contextlib.suppress(OSError, RuntimeError):
                    self.peak_rss_kb[pid] = max(self.peak_rss_kb[pid], family_rss_kb(pid))

    def cpu_seconds_used(self) -> list[float]:
        return [self.cpu_end[p] - self.cpu_start[p] for p in self.pids]

    def cpu_percent(self) -> list[float]:
        return [round(100 * (self.cpu_end[p] - self.cpu_start[p]) / max(self.elapsed_s, 1e-9), 1) for p in self.pids]


def one_run(
    *,
    fakes: Fakes,
    db: Database,
    env: dict[str, str],
    servers: int,
    sessions: int,
    answers: int,
    answer_s: float,
    recording: bytes,
    deadline_s: float,
    profile_to: Path | None = None,
    end_interview: bool = False,
    ramp_s: float | None = None,
    microphone: HandsFreeStream | None = None,
) -> dict[str, Any]:
    interviews = db.create_interviews(sessions, hands_free=microphone is not None)
    with contextlib.ExitStack() as stack:
        procs = [stack.enter_context(Server(env, log_path=db.data_dir / f"daphne-{n}.log")) for n in range(servers)]
        fakes.reset()
        if microphone is not None:
            assert fakes.openai is not None
            fakes.openai.remote.configure(transcripts=unique_transcripts(sessions * answers + 10))
        spy = None
        if profile_to is not None:
            py_spy = str(Path(sys.executable).parent / "py-spy")
            options = ["--rate", "250", "--nonblocking", "--gil", "--format", "raw", "--duration", str(int(deadline_s))]
            spy = subprocess.Popen(
                [py_spy, "record", "--pid", str(procs[0].pid), "--output", str(profile_to), *options],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
        client_cpu = resource.getrusage(resource.RUSAGE_SELF)
        assert fakes.openai is not None and fakes.elevenlabs is not None
        fake_pids = [fakes.openai.proc.pid, fakes.elevenlabs.proc.pid]
        with Monitor([p.pid for p in procs] + fake_pids) as monitor:
            outcomes = asyncio.run(
                run_sessions(
                    urls=[p.ws_base for p in procs],
                    interviews=interviews,
                    answer_s=answer_s,
                    answers_per_session=answers,
                    ramp_s=min(2.0, 0.02 * sessions) if ramp_s is None else ramp_s,
                    deadline_s=deadline_s,
                    base_recording=recording,
                    end_interview=end_interview,
                    microphone=microphone,
                )
            )
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        if spy is not None:
            spy.send_signal(2)  # SIGINT: py-spy writes what it has
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=30)
        rss_after_kb = [family_rss_kb(p.pid) for p in procs]
        loop_lag = [p.loop_lag() for p in procs]
        ws_events = {k: v for p in procs for k, v in p.ws_events().items()}
        logs = [e for p in procs for e in p.log_errors()]
        if any(o.errors for o in outcomes):
            keep_failed_run(procs)
    openai_records, tts_records = fakes.records()
    stored = db.turns([i["id"] for i in interviews])
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
    session_errors = [e for o in outcomes for e in o.errors]
    turn_errors = [e for s in samples for e in s.errors]
    completed = sum(1 for o in outcomes if o.connected and not o.errors and len(o.samples) == answers)
    client_cpu_s = (client_after.ru_utime - client_cpu.ru_utime) + (client_after.ru_stime - client_cpu.ru_stime)
    return {
        "sessions": sessions,
        "completed_sessions": completed,
        "turns_measured": sum(1 for s in samples if s.client_first_audio_ms is not None),
        "turns_expected": sessions * answers,
        "elapsed_s": round(monitor.elapsed_s, 1),
        "server_cpu_percent": monitor.cpu_percent()[:servers],
        # All of daphne's CPU (connects, greetings, listening included) per answer turn measured.
        "server_cpu_ms_per_turn": round(
            1000
            * sum(monitor.cpu_seconds_used()[:servers])
            / max(1, sum(1 for s in samples if s.client_first_audio_ms)),
            1,
        ),
        "fakes_cpu_percent": monitor.cpu_percent()[servers:],
        "server_loop_lag_ms": loop_lag,
        "client_cpu_percent": round(100 * client_cpu_s / max(monitor.elapsed_s, 1e-9), 1),
        "server_peak_rss_mb": [round(v / 1024, 1) for v in list(monitor.peak_rss_kb.values())[:servers]],
        "server_rss_after_mb": [round(v / 1024, 1) for v in rss_after_kb],
        "greeting_ms_median": _median([o.greeting_ms for o in outcomes]),
        "errors": (session_errors + turn_errors)[:20],
        "error_count": len(session_errors) + len(turn_errors),
        "server_log_tail": logs if session_errors else [],
        "summary": summarise(samples),
    }


def keep_failed_run(procs: list[Server]) -> Path:
    """A run whose sessions failed: each server's whole log and, while it still runs, its threads'
    stacks (py-spy dump, native frames too), in a directory that outlives the run. A server that
    hangs writes no error to its log; its stacks say where it waits."""
    kept = Path(tempfile.mkdtemp(prefix="bench-failed-run-"))
    py_spy = str(Path(sys.executable).parent / "py-spy")
    for number, proc in enumerate(procs):
        shutil.copy(proc.log_path, kept / f"server-{number}.log")
        stacks = []
        # Native frames need the process suspended; one that cannot be (e.g. stopped) is read as it runs.
        for options in (["--native"], ["--nonblocking"]):
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                dump = subprocess.run(
                    [py_spy, "dump", *options, "--pid", str(proc.pid)], capture_output=True, text=True, timeout=60
                )
                stacks.append(dump.stdout + dump.stderr)
                if dump.returncode == 0:
                    break
        (kept / f"server-{number}-stacks.txt").write_text("\n".join(stacks))
    print(f"  sessions failed: the servers' logs and stacks are kept in {kept}", flush=True)
    return kept


def _median(values: list[float | None]) -> float | None:
    return median_spread(values)["median"]


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median over repeats of each run's p50 and p95, with the spread."""
    out: dict[str, Any] = {}
    keys = {k for run in runs for k in run["summary"]}
    for key in sorted(keys):
        out[key] = {
            stat: median_spread([run["summary"].get(key, {}).get(stat) for run in runs]) for stat in ("p50", "p95")
        }
    return out


def print_level(level: dict[str, Any]) -> None:
    agg = level["aggregate"]
    runs = level["runs"]
    print(
        f"\n== {level['sessions']} sessions x {len(runs)} runs: completed "
        f"{[r['completed_sessions'] for r in runs]}, turns {[r['turns_measured'] for r in runs]}"
        f"/{runs[0]['turns_expected'] if runs else '-'}, errors {[r['error_count'] for r in runs]}, "
        f"server CPU% {[r['server_cpu_percent'] for r in runs]}, "
        f"server CPU ms per turn {[r.get('server_cpu_ms_per_turn') for r in runs]}, "
        f"client CPU% {[r['client_cpu_percent'] for r in runs]}, fakes CPU% {[r['fakes_cpu_percent'] for r in runs]}, "
        f"peak RSS MB {[r['server_peak_rss_mb'] for r in runs]}"
    )
    for run in runs:
        lags = ", ".join(
            f"p50 {x.get('p50_ms', 0):.1f} p99 {x.get('p99_ms', 0):.1f} max {x.get('max_ms', 0):.0f}"
            for x in run["server_loop_lag_ms"]
        )
        print(f"  event-loop lag (ms): {lags}")
    print(f"{'figure (ms)':<44} {'p50 median [min-max]':>24} {'p95 median [min-max]':>24}")
    for key, label in TABLE_KEYS:
        if key not in agg:
            continue
        p50, p95 = agg[key]["p50"], agg[key]["p95"]
        print(
            f"{label:<44} {fmt(p50['median'], 1):>9} [{fmt(p50['min'], 1)}-{fmt(p50['max'], 1)}]".ljust(70)
            + f" {fmt(p95['median'], 1):>9} [{fmt(p95['min'], 1)}-{fmt(p95['max'], 1)}]"
        )
    for run in runs:
        if run["errors"]:
            print(f"  errors ({run['sessions']} sessions): {run['errors'][:4]}")
        for tail in run["server_log_tail"]:
            print("  log: " + tail.replace("\n", "\n  log: "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,10,50,100,200", help="concurrent sessions, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--answers", type=int, default=3, help="answers per session (K)")
    parser.add_argument("--answer-seconds", type=float, default=3.0)
    parser.add_argument("--servers", type=int, default=1, help="daphne processes; sessions are split evenly")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, default=None)
    parser.add_argument("--redis", nargs="?", const="redis://127.0.0.1:6379/13", default=None)
    parser.add_argument("--deadline-seconds", type=float, default=120.0, help="per run")
    parser.add_argument(
        "--ramp-seconds",
        type=float,
        default=None,
        help="start the sessions evenly over this long; default min(2, 0.02 x sessions), which keeps the "
        "sessions' turns nearly in step (bursts); about one turn cycle (5 s) spreads them evenly",
    )
    parser.add_argument(
        "--hands-free",
        action="store_true",
        help="hands-free templates: every candidate streams its microphone all the time in 50 ms binary frames "
        "(speech from tests/fixtures/answer_en.webm) and the server listens (decode + VAD); answers end with audio_end",
    )
    parser.add_argument("--profile-level", type=int, default=0, help="also record a py-spy profile at this level")
    parser.add_argument("--profile-out", default="bench/results/profile.raw.txt")
    parser.add_argument(
        "--end-interview",
        action="store_true",
        help="end each interview with end_interview (starts its evaluation); default: close the socket, since a "
        "real 20-minute interview ends ~60 times less often than these short sessions",
    )
    parser.add_argument(
        "--patches", default="", help="measure proposed fixes: BENCH_PATCHES for bench/asgi_probe.py, e.g. dispatch"
    )
    parser.add_argument("--out", default="", help="write results (without per-turn samples) to this JSON file")
    args = parser.parse_args()
    if args.servers > 1 and not (args.postgres and args.redis):
        parser.error("several daphne processes need a shared database and channel layer: add --postgres --redis")

    levels = [int(x) for x in args.levels.split(",") if x]
    recording = webm_answer(args.answer_seconds)
    microphone = hands_free_stream(speech_fixture(args.answer_seconds), args.answers) if args.hands_free else None
    result: dict[str, Any] = {
        "benchmark": "load",
        "machine": machine(),
        "command": " ".join(sys.argv),
        "settings": {k: v for k, v in vars(args).items() if k not in ("out",)},
        "levels": [],
    }
    total_runs = len(levels) * args.repeats + (1 if args.profile_level else 0)
    fake_lifetime = total_runs * (args.deadline_seconds + 30) + 300
    with Fakes("realistic", max_seconds=fake_lifetime) as fakes, Database(postgres_url=args.postgres) as db:
        env = {**db.env(), **fakes.env()}
        if args.redis:
            env["REDIS_URL"] = args.redis
        if args.patches:
            env["BENCH_PATCHES"] = args.patches
        for sessions in levels if args.repeats else []:
            runs = []
            for repeat in range(args.repeats):
                print(f"[{sessions} sessions, run {repeat + 1}/{args.repeats}]", file=sys.stderr, flush=True)
                runs.append(
                    one_run(
                        fakes=fakes,
                        db=db,
                        env=env,
                        servers=args.servers,
                        sessions=sessions,
                        answers=args.answers,
                        answer_s=args.answer_seconds,
                        recording=recording,
                        deadline_s=args.deadline_seconds,
                        end_interview=args.end_interview,
                        ramp_s=args.ramp_seconds,
                        microphone=microphone,
                    )
                )
            level = {"sessions": sessions, "runs": runs, "aggregate": aggregate(runs)}
            result["levels"].append(level)
            print_level(level)
        if args.profile_level:
            profile_to = Path(args.profile_out)
            profile_to.parent.mkdir(parents=True, exist_ok=True)
            print(f"[profiling at {args.profile_level} sessions -> {profile_to}]", file=sys.stderr, flush=True)
            run = one_run(
                fakes=fakes,
                db=db,
                env=env,
                servers=args.servers,
                sessions=args.profile_level,
                answers=args.answers,
                answer_s=args.answer_seconds,
                recording=recording,
                deadline_s=args.deadline_seconds,
                profile_to=profile_to,
                end_interview=args.end_interview,
                ramp_s=args.ramp_seconds,
                microphone=microphone,
            )
            result["profile_run"] = run
            print_level({"sessions": args.profile_level, "runs": [run], "aggregate": aggregate([run])})
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
