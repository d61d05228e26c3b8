"""Endpointing benchmark: how long after the end of speech the answer is taken as finished, and how
often a candidate who is only pausing is cut off, on a scripted set of spoken answers.

The answers are spoken by the local Piper voice, with pauses inserted: complete answers, thinking
pauses inside an answer, "um" pauses, unfinished sentences and one-word answers. They are fed in
250 ms chunks at real-time pace through the same listener (Silero VAD + endpointer) and the same
local streaming recognition (whose partial transcripts make the endpointer patient) as a live
hands-free interview.

    .venv/bin/python bench/endpointing.py [--repeats 2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")

from interviews.audio import RECOGNITION_RATE, decode_to_pcm, make_test_webm  # noqa: E402
from interviews.providers.base import Voice  # noqa: E402
from interviews.providers.local_stt import LocalSpeechToText  # noqa: E402
from interviews.providers.local_tts import LocalTextToSpeech  # noqa: E402
from interviews.turn_taking import Listener  # noqa: E402

CHUNK_S = 0.25

# (name, [spoken text or pause in seconds, ...]); every answer ends with 3.5 s of silence.
SCRIPT: list[tuple[str, list[str | float]]] = [
    ("complete answer", ["I built the payments service in Go and ran it for three years."]),
    ("two sentences", ["We used PostgreSQL.", 0.4, "Later we added Redis for the hot paths."]),
    ("thinking pause 0.7 s", ["The hardest part was the migration.", 0.7, "We had to keep both systems in sync."]),
    ("thinking pause 1.0 s", ["It took about six months.", 1.0, "Most of it was testing."]),
    ("um pause 2 s", ["So, um", 2.0, "I think the main lesson was to measure first."]),
    ("unfinished sentence 2 s", ["And then we", 2.0, "moved the queue to a managed service."]),
    ("trailing and 1.8 s", ["We tried caching and", 1.8, "it cut the latency in half."]),
    ("one word", ["Yes."]),
    ("hmm then answer", ["Hmm.", 1.6, "I would start with the data model."]),
]
END_SILENCE_S = 3.5


@dataclass
class Outcome:
    name: str
    speech_end_s: float  # where the last word ends in the recording
    pauses: list[tuple[float, float]]  # (start, end) of pauses inside the answer
    ends: list[float]  # when the listener decided an answer ended


def voiced_end(pcm: np.ndarray, threshold: float = 0.01) -> float:
    """Where speech in a rendered sentence really ends (the voice leaves trailing silence)."""
    loud = np.flatnonzero(np.abs(pcm) > threshold)
    return (loud[-1] + 1) / RECOGNITION_RATE if len(loud) else 0.0


async def render(tts: LocalTextToSpeech, parts: list[str | float]) -> tuple[np.ndarray, float, list]:
    pieces: list[np.ndarray] = [np.zeros(int(0.5 * RECOGNITION_RATE), dtype=np.float32)]
    position = 0.5
    pauses: list[tuple[float, float]] = []
    last_voice_end = 0.0
    for part in parts:
        if isinstance(part, float):
            pause_start = last_voice_end
            pieces.append(np.zeros(int(part * RECOGNITION_RATE), dtype=np.float32))
            position += part
            pauses.append((pause_start, position))
            continue
        mp3 = b"".join([chunk async for chunk in tts.stream(part, voice=Voice(language="en"))])
        pcm = decode_to_pcm(mp3)
        if pauses and pauses[-1][1] == position:
            # The real silence runs from the last voice to the next one, not just the inserted gap.
            loud = np.flatnonzero(np.abs(pcm) > 0.01)
            pauses[-1] = (pauses[-1][0], position + (loud[0] / RECOGNITION_RATE if len(loud) else 0.0))
        last_voice_end = position + voiced_end(pcm)
        pieces.append(pcm)
        position += len(pcm) / RECOGNITION_RATE
    pieces.append(np.zeros(int(END_SILENCE_S * RECOGNITION_RATE), dtype=np.float32))
    return np.concatenate(pieces), last_voice_end, pauses


async def run_one(name: str, pcm: np.ndarray, speech_end: float, pauses: list, stt: LocalSpeechToText) -> Outcome:
    listener = Listener(language="en")
    webm = make_test_webm(pcm)
    duration = len(pcm) / RECOGNITION_RATE
    step = max(1, int(len(webm) * CHUNK_S / duration))
    stream = None
    ends: list[float] = []
    started = time.perf_counter()
    for index, start in enumerate(range(0, len(webm), step)):
        if stream is not None:
            listener.partial_covers_s = stream.covered_s  # as the conversation does
        events, added = await asyncio.to_thread(listener.feed, webm[start : start + step])
        for event in events:
            if event.kind == "start":
                stream = stt.open_stream(language="en")
        if stream is not None and len(added):
            partial = await stream.feed_pcm(added)
            if partial:
                listener.partial = partial
        for event in events:
            if event.kind == "end":
                ends.append(listener.samples_seen / RECOGNITION_RATE)
                print(f"  end at {ends[-1]:.2f}: partial {listener.partial!r}", file=sys.stderr)
                if stream is not None:
                    await stream.aclose()
                stream = None
        # Real-time pace, as a browser sends it: partial transcripts arrive when they would live.
        await asyncio.sleep(max(0.0, (index + 1) * CHUNK_S - (time.perf_counter() - started)))
    if stream is not None:
        await stream.aclose()
    listener.close()
    return Outcome(name=name, speech_end_s=speech_end, pauses=pauses, ends=ends)


async def main(repeats: int) -> dict:
    tts = LocalTextToSpeech()
    stt = LocalSpeechToText(cache_dir=ROOT / "var" / "models")
    await stt.warm()
    outcomes: list[Outcome] = []
    for repeat in range(repeats):
        for name, parts in SCRIPT:
            pcm, speech_end, pauses = await render(tts, parts)  # Piper varies a little each time
            outcome = await run_one(name, pcm, speech_end, pauses, stt)
            outcomes.append(outcome)
            print(f"[{repeat + 1}/{repeats}] {name}: ends at {[round(e, 2) for e in outcome.ends]}", file=sys.stderr)
    delays = []
    false_cuts = 0
    missed = 0
    pauses_total = sum(len(o.pauses) for o in outcomes)
    for outcome in outcomes:
        final = [e for e in outcome.ends if e > outcome.speech_end_s]
        early = [e for e in outcome.ends if e <= outcome.speech_end_s]
        false_cuts += len(early)
        if final:
            delays.append(final[0] - outcome.speech_end_s)
        else:
            missed += 1
    per_scenario = {}
    for name, _ in SCRIPT:
        mine = [o for o in outcomes if o.name == name]
        scenario_delays = [
            next(e for e in o.ends if e > o.speech_end_s) - o.speech_end_s
            for o in mine
            if any(e > o.speech_end_s for e in o.ends)
        ]
        gaps = [end - start for o in mine for start, end in o.pauses]
        per_scenario[name] = {
            "silence_inside_s": round(statistics.mean(gaps), 2) if gaps else None,
            "delay_s_median": round(statistics.median(scenario_delays), 2) if scenario_delays else None,
            "false_cuts": sum(1 for o in mine for e in o.ends if e <= o.speech_end_s),
            "runs": len(mine),
        }
    return {
        "answers": len(outcomes),
        "pauses_inside_answers": pauses_total,
        "false_cuts": false_cuts,
        "false_cut_rate_per_pause": round(false_cuts / pauses_total, 3) if pauses_total else 0.0,
        "answers_never_ended": missed,
        "delay_s": {
            "p50": round(statistics.median(delays), 2),
            "p90": round(float(np.percentile(delays, 90)), 2),
            "min": round(min(delays), 2),
            "max": round(max(delays), 2),
        },
        "per_scenario": per_scenario,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    result = asyncio.run(main(args.repeats))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"answers: {result['answers']}, pauses inside answers: {result['pauses_inside_answers']}")
        print(f"false cuts: {result['false_cuts']} ({result['false_cut_rate_per_pause']:.1%} of pauses)")
        delay = result["delay_s"]
        print(
            f"endpointing delay (end of speech -> answer ended): p50 {delay['p50']} s, p90 {delay['p90']} s, "
            f"range {delay['min']}-{delay['max']} s"
        )
        print(f"{'scenario':28} {'real silence inside s':>21} {'median delay s':>14} {'false cuts':>10}")
        for name, row in result["per_scenario"].items():
            print(
                f"{name:28} {row['silence_inside_s']!s:>21} {row['delay_s_median']!s:>14} "
                f"{row['false_cuts']:>7}/{row['runs']}"
            )
