"""CPU cost per call of the app's cloud providers (the official SDKs) and of the per-chunk frame work.

Runs the app's provider classes against the fakes (instant profile, other processes) one call at a time
and reports this process's CPU time per call: what one turn costs the daphne process in the SDKs, and
per audio chunk in JSON/base64. Helps read the load profile (bench/profile_summary.py).

    .venv/bin/python bench/sdk_cost.py --calls 200

With --split, each call is run again under cProfile and its CPU is split by where the time is spent
(own time of each function, grouped by module): the SDK building and sending the request, the SDK
parsing the response (SSE, models), the HTTP client, the transport and event loop, the app.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import json
import os
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Fakes, webm_answer

# The first pattern that matches a function's file decides its stage.
STAGES = [
    # The HTTP adapters first: the OpenAI SDK vendors httpx-aiohttp under openai/_vendor/.
    ("HTTP client (httpx, httpx-aiohttp)", re.compile(r"httpx2?/|httpx_aiohttp/")),
    (
        "SDK: response parsing (SSE, models)",
        re.compile(r"openai/(_streaming|_models|_response|_compat)|pydantic|elevenlabs/core/(unchecked|pydantic)"),
    ),
    ("SDK: request building and dispatch", re.compile(r"openai/|elevenlabs/")),
    (
        "transport (aiohttp, httpcore, h11, anyio, ssl, sockets)",
        re.compile(r"aiohttp/|multidict/|yarl/|propcache/|httpcore2?/|h11/|anyio/|ssl|socket|selectors"),
    ),
    ("JSON", re.compile(r"json/")),
    ("app (interviews/)", re.compile(r"interviews/")),
    ("event loop (asyncio)", re.compile(r"asyncio/")),
]


def split_by_stage(profile: cProfile.Profile) -> dict[str, float]:
    """Share of own time per stage."""
    stats = pstats.Stats(profile)
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        stage = next((name for name, pattern in STAGES if pattern.search(filename)), "other (builtins, C)")
        totals[stage] = totals.get(stage, 0.0) + own
    whole = sum(totals.values()) or 1.0
    return {stage: value / whole for stage, value in sorted(totals.items(), key=lambda kv: -kv[1])}


async def measure(fakes: Fakes, calls: int, *, split: bool = False) -> dict[str, float]:
    from interviews.protocol import AiAudioChunk
    from interviews.providers.base import InterviewContext, Message, Voice
    from interviews.providers.elevenlabs import ElevenLabsTextToSpeech
    from interviews.providers.openai import OpenAIChat, OpenAISpeechToText, make_client

    env = fakes.env()
    client = make_client(api_key="k", base_url=env["OPENAI_BASE_URL"], timeout_s=30, connect_timeout_s=5)
    stt = OpenAISpeechToText(client=client, model="gpt-transcribe")
    chat = OpenAIChat(client=client, model="gpt-5.4-mini")
    tts = ElevenLabsTextToSpeech(
        api_key="k",
        base_url=env["ELEVENLABS_BASE_URL"],
        voice_id="v",
        model_id="m",
        timeout_s=30,
        connect_timeout_s=5,
    )
    audio = webm_answer(3.0)
    messages = [Message("system", "You are an interviewer. " * 40), Message("user", "I built a payments service.")]
    context = InterviewContext(title="t", role="r", language="en")
    voice = Voice(language="en")
    results: dict[str, float] = {}

    async def per_call(name: str, call: object) -> None:
        await call()  # type: ignore[operator]  # warm: connection, imports
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            await call()  # type: ignore[operator]
        cpu_ms = (time.process_time() - cpu) * 1000 / calls
        results[f"{name} CPU ms/call"] = cpu_ms
        results[f"{name} wall ms/call"] = (time.perf_counter() - wall) * 1000 / calls
        if split:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(calls):
                await call()  # type: ignore[operator]
            profile.disable()
            for stage, share in split_by_stage(profile).items():
                results[f"  {stage} (CPU ms/call, {100 * share:.0f} %)"] = cpu_ms * share

    async def do_stt() -> None:
        await stt.transcribe(audio, language="en")

    tokens = 0

    async def do_chat() -> None:
        nonlocal tokens
        async for _ in chat.stream(messages, context=context):
            tokens += 1

    chunks = 0

    async def do_tts() -> None:
        nonlocal chunks
        async for _ in tts.stream("You said: I built a payments service in Go.", voice=voice):
            chunks += 1

    try:
        await per_call("STT (OpenAI SDK, 3 s WebM)", do_stt)
        tokens = 0
        await per_call("chat stream (OpenAI SDK)", do_chat)
        results["chat tokens/call"] = tokens / calls
        chunks = 0
        await per_call("TTS stream (ElevenLabs SDK)", do_tts)
        results["TTS chunks/call"] = chunks / calls
    finally:  # the clients' connections, closed before the loop ends
        await client.close()
        await tts.aclose()

    piece = os.urandom(4096)
    cpu = time.process_time()
    for index in range(calls * 20):
        json.dumps(AiAudioChunk(audio=piece, turn=2, seq=index).wire(), ensure_ascii=False)
    results["audio chunk frame (4 KB: base64 + json.dumps) CPU us"] = (time.process_time() - cpu) * 1e6 / (calls * 20)
    cpu = time.process_time()
    for index in range(calls * 20):
        AiAudioChunk(audio=piece, turn=2, seq=index).binary()
    results["audio chunk frame (4 KB, binary: ?audio=binary) CPU us"] = (time.process_time() - cpu) * 1e6 / (calls * 20)
    frame = json.dumps({"type": "audio_chunk", "data": base64.b64encode(audio[:4000]).decode()})
    cpu = time.process_time()
    for _ in range(calls * 20):
        base64.b64decode(json.loads(frame)["data"], validate=True)
    results["incoming audio_chunk parse (4 KB) CPU us"] = (time.process_time() - cpu) * 1e6 / (calls * 20)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--split", action="store_true", help="split each call's CPU by stage (cProfile)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with Fakes("instant", max_seconds=600) as fakes:
        for name, value in asyncio.run(measure(fakes, args.calls, split=args.split)).items():
            print(f"{name:<55} {value:8.2f}")


if __name__ == "__main__":
    main()
