"""The local engines (no keys): end of answer -> first audio, and each stage's real-time factor.

1. Engines alone, in this process: the candidate's answers are real speech (Piper through the app's
   LocalTextToSpeech, decoded and re-encoded as browser-like WebM/Opus with interviews.audio); the
   real-time factor (processing time / audio duration) of speech recognition and of synthesis, with
   1 and 4 requests at once (the engines share one bounded worker pool, so 4 at once shows queueing).
2. Through a real daphne process with no provider keys (so every stage is local): 1 and 4 concurrent
   sessions, K answers each, the server's stored stage timings and the client's first audio.

    .venv/bin/python bench/local_engines.py --repeats 3 --out bench/results/local.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    Database,
    Server,
    answer_frames,
    candidate,
    fmt,
    machine,
    median_spread,
    summarise,
)

ANSWERS = [
    "I built a payments service in Go that handled about two thousand requests per second.",
    "We stored the ledger in PostgreSQL and used an outbox table to publish events reliably.",
    "During one incident the queue backed up, so we added back pressure and better alerts.",
]
REPLY = "Thanks for that answer. Could you tell me more about how you tested the payment flows?"


async def synthesise(tts: Any, text: str) -> tuple[bytes, float, float]:
    """MP3 bytes, seconds to the first byte, seconds in total."""
    from interviews.providers.base import Voice

    started = time.perf_counter()
    first = None
    parts = []
    async for chunk in tts.stream(text, voice=Voice(language="en")):
        first = first if first is not None else time.perf_counter() - started
        parts.append(chunk)
    return b"".join(parts), first or 0.0, time.perf_counter() - started


async def engines(concurrency: list[int]) -> tuple[list[dict[str, Any]], list[tuple[bytes, float]]]:
    from interviews.audio import RECOGNITION_RATE, decode_to_pcm
    from interviews.providers.local_stt import LocalSpeechToText
    from interviews.providers.local_tts import LocalTextToSpeech
    from interviews.testing.webm import make_test_webm

    tts = LocalTextToSpeech()
    stt = LocalSpeechToText(cache_dir=Path(tempfile.gettempdir()) / "bench-models")
    await tts.warm()
    recordings = []
    for text in ANSWERS:
        mp3, _, _ = await synthesise(tts, text)
        pcm = decode_to_pcm(mp3)
        recordings.append((make_test_webm(pcm), len(pcm) / RECOGNITION_RATE))
    await stt.transcribe(recordings[0][0], language="en")  # load the model
    reply_s = len(decode_to_pcm((await synthesise(tts, REPLY))[0])) / RECOGNITION_RATE
    rows = []
    for n in concurrency:
        picks = [recordings[i % len(recordings)] for i in range(n)]

        async def timed_stt(webm: bytes) -> tuple[float, str]:
            started = time.perf_counter()
            text = await stt.transcribe(webm, language="en")
            return time.perf_counter() - started, text

        stt_runs = await asyncio.gather(*(timed_stt(webm) for webm, _ in picks))
        tts_runs = await asyncio.gather(*(synthesise(tts, REPLY) for _ in range(n)))
        rows.append(
            {
                "concurrency": n,
                "stt_rtf": statistics.median(t / s for (t, _), (_, s) in zip(stt_runs, picks, strict=True)),
                "stt_text": stt_runs[0][1],
                "tts_first_byte_ms": statistics.median(first * 1000 for _, first, _ in tts_runs),
                "tts_rtf": statistics.median(total / reply_s for _, _, total in tts_runs),
            }
        )
    return rows, recordings


def wait_for_warm(server: Server, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = server.log_path.read_text(errors="replace")
        if "providers warm" in text or "warming the providers failed" in text:
            return
        time.sleep(0.5)


def through_daphne(
    recordings: list[tuple[bytes, float]], sessions: int, answers: int, db: Database, index: int
) -> dict[str, Any]:
    env = db.env()  # no keys: every stage is local
    with Server(env, log_path=db.data_dir / f"daphne-local-{index}.log", ready_timeout_s=120) as server:
        wait_for_warm(server)
        interviews = db.create_interviews(sessions)

        async def everyone() -> list[Any]:
            jobs = []
            for n, interview in enumerate(interviews):
                picks = [recordings[(n + k) % len(recordings)] for k in range(answers)]
                jobs.append(
                    candidate(
                        session=n,
                        url=server.ws_base,
                        interview=interview,
                        answers=[answer_frames(webm, seconds) for webm, seconds in picks],
                        tags=list(range(answers)),
                        start_delay_s=0.3 * n,
                        turn_timeout_s=120,
                    )
                )
            return await asyncio.gather(*jobs)

        outcomes = asyncio.run(everyone())
        stored = db.turns([i["id"] for i in interviews])
    samples = [s for o in outcomes for s in o.samples]
    by_key = {(t["interview_id"], t["index"]): t for t in stored}
    for sample in samples:
        if sample.turn is not None:
            row = by_key.get((sample.interview_id, sample.turn), {})
            sample.server = {k: v for k, v in row.items() if k.endswith("_ms")}
    return {
        "sessions": sessions,
        "summary": summarise(samples),
        "errors": [e for o in outcomes for e in o.errors] + [e for s in samples for e in s.errors],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--answers", type=int, default=3)
    parser.add_argument("--levels", default="1,4")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    engine_rows, recordings = asyncio.run(engines(levels))
    print("engines in-process (median of the concurrent requests):")
    for row in engine_rows:
        print(
            f"  {row['concurrency']} at once: STT RTF {row['stt_rtf']:.2f}, TTS first byte "
            f"{row['tts_first_byte_ms']:.0f} ms, TTS RTF {row['tts_rtf']:.2f}; heard: {row['stt_text']!r}"
        )
    print(f"answers: {[round(s, 2) for _, s in recordings]} s of speech")
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in levels}
    with Database() as db:
        for repeat in range(args.repeats):
            for n in levels:
                print(f"[local: {n} sessions, run {repeat + 1}/{args.repeats}]", file=sys.stderr, flush=True)
                runs[n].append(through_daphne(recordings, n, args.answers, db, repeat * 10 + n))
    keys = [
        ("client.first_audio_ms", "end of answer -> first audio (client)"),
        ("server.transcript_ms", "transcript ready"),
        ("server.llm_first_token_ms", "first LLM token"),
        ("server.first_clause_ms", "first clause to TTS"),
        ("server.tts_first_byte_ms", "first TTS byte"),
        ("server.first_audio_sent_ms", "first audio sent (server)"),
    ]
    table = {}
    for n in levels:
        print(f"\n== local engines, {n} session(s) x {len(runs[n])} runs, errors {[len(r['errors']) for r in runs[n]]}")
        for key, label in keys:
            p50 = median_spread([r["summary"].get(key, {}).get("p50") for r in runs[n]])
            p95 = median_spread([r["summary"].get(key, {}).get("p95") for r in runs[n]])
            table[f"{n}:{key}"] = {"p50": p50, "p95": p95}
            print(
                f"  {label:<40} p50 {fmt(p50['median'])} [{fmt(p50['min'])}-{fmt(p50['max'])}]"
                f"   p95 {fmt(p95['median'])} [{fmt(p95['min'])}-{fmt(p95['max'])}]"
            )
        for r in runs[n]:
            if r["errors"]:
                print(f"  errors: {r['errors'][:3]}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        result = {
            "benchmark": "local_engines",
            "machine": machine(),
            "command": " ".join(sys.argv),
            "engines": engine_rows,
            "answer_seconds": [s for _, s in recordings],
            "table": table,
            "runs": runs,
        }
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
