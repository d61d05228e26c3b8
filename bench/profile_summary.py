"""Summarise a py-spy raw (collapsed stacks) profile of daphne: where the CPU time goes.

    .venv/bin/python bench/profile_summary.py bench/results/profile-100.raw.txt [--top 25]

Prints the share of samples per category (the library nearest the leaf of each stack decides), the top
functions by own time, and the top functions of the app (interviews/) and their callees by inclusive
time. py-spy records active (non-idle) samples only, of every thread of the process.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# Checked from the leaf up: the first frame whose location matches decides the sample's category.
CATEGORIES = [
    ("JSON encode/decode", re.compile(r"json/(encoder|decoder|__init__)")),
    ("base64", re.compile(r"base64")),
    ("logging", re.compile(r"logging/")),
    ("voice activity (Silero VAD)", re.compile(r"silero_vad|interviews/vad\.py")),
    ("end-of-turn model (features + ONNX)", re.compile(r"faster_whisper|onnxruntime|interviews/turn_model\.py")),
    ("audio codecs (PyAV)", re.compile(r"\bav/|interviews/audio/")),
    ("listener (turn_taking, end_of_turn)", re.compile(r"interviews/(turn_taking|end_of_turn)\.py")),
    ("Django ORM / DB driver", re.compile(r"django/db/|sqlite3|psycopg")),
    ("Django files / storage", re.compile(r"django/core/files|django/utils/_os")),
    ("sync_to_async / thread hops", re.compile(r"asgiref/|concurrent/futures|threading\.py|queue\.py")),
    ("channels layer / consumer", re.compile(r"channels/|channels_redis/|redis/")),
    # Before the SDKs: the OpenAI SDK vendors httpx-aiohttp under openai/_vendor/.
    (
        "HTTP: httpx, aiohttp, httpcore, h11",
        re.compile(r"httpx2?/|httpx_aiohttp/|aiohttp/|multidict/|yarl/|httpcore2?/|h11/|anyio/|sniffio"),
    ),
    ("OpenAI SDK + pydantic", re.compile(r"openai/|pydantic")),
    ("ElevenLabs SDK", re.compile(r"elevenlabs/")),
    ("WebSocket framing (autobahn)", re.compile(r"autobahn/")),
    ("daphne / twisted reactor", re.compile(r"daphne/|twisted/")),
    ("app code (interviews/)", re.compile(r"interviews/")),
    ("asyncio event loop", re.compile(r"asyncio/")),
]
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<where>[^()]*)\)$")


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        stacks.append((stack.split(";"), int(count)))
    return stacks


def category(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, pattern in CATEGORIES:
            if pattern.search(frame):
                return name
    return "other"


def short(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    where = match["where"]
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{match['func']} ({where})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    stacks = parse(Path(args.profile))
    total = sum(count for _, count in stacks) or 1
    categories: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        categories[category(frames)] += count
        own[short(frames[-1])] += count
        for frame in {short(f) for f in frames if "interviews/" in f or "channels/" in f or "daphne/" in f}:
            inclusive[frame] += count
    print(f"{total} active samples")
    print("\nby category (library nearest the leaf):")
    for name, count in categories.most_common():
        print(f"  {100 * count / total:5.1f}%  {name}")
    print(f"\ntop {args.top} functions by own time:")
    for name, count in own.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {name}")
    print(f"\ntop {args.top} app/channels/daphne functions by inclusive time:")
    for name, count in inclusive.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
