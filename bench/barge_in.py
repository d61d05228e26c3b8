"""Barge-in benchmark: how fast talking over the interviewer lowers and then stops it.

A real daphne process runs a hands-free interview against the fake providers; the interviewer
gives a long, slowly streamed reply, and the candidate starts talking over it. The answer is
streamed at real-time pace in 100 ms chunks (as the page's MediaRecorder sends it), so times are measured
from the moment the candidate's first word was spoken (its chunk reaches the server up to 100 ms
later, as from a browser):

- held: the server noticed the voice over the interviewer and told the page to hold (pause) its
  playback (`speech_started {hold: true}`; the page pauses its audio element on that frame, so this
  is when the candidate stops hearing the interviewer, give or take the network),
- interrupted: the server decided it is a barge-in, cancelled the LLM and TTS streams and told
  the page to flush its audio (`ai_audio_end` with interrupted: true),
- llm_closed: when the fake LLM saw its stream closed by the server.

    .venv/bin/python bench/barge_in.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")

CHUNK_S = 0.1  # the page streams 100 ms chunks in hands-free mode (static/interviews/client.js)
LEAD_SILENCE_S = 0.5


async def speech_pcm() -> np.ndarray:
    from interviews.audio import decode_to_pcm
    from interviews.providers.base import Voice
    from interviews.providers.local_tts import LocalTextToSpeech

    tts = LocalTextToSpeech()
    text = "Sorry to interrupt, but could you tell me how large the team is?"
    mp3 = b"".join([chunk async for chunk in tts.stream(text, voice=Voice(language="en"))])
    return decode_to_pcm(mp3)


async def one_run(server, fake_openai, pcm: np.ndarray) -> dict[str, float]:
    import websockets

    from interviews.audio import RECOGNITION_RATE, make_test_webm
    from tests.live import frames_until

    fake_openai.configure(per_token_delay_s=0.0, chat_replies=["Hello! Tell me about your work."])
    interview = server.create_interview(candidate="Bench")
    async with websockets.connect(interview["websocket_url"], origin=server.url, max_size=None) as ws:
        await ws.recv()
        greeting = await frames_until(ws, "ai_audio_end", timeout_s=30)
        await ws.send(json.dumps({"type": "playback", "turn": greeting[-1]["turn"], "event": "ended"}))
        # The next reply is long and slow, so the interviewer is still talking when we speak.
        fake_openai.configure(per_token_delay_s=0.12, chat_replies=["Thanks for that. " * 40])
        lead = np.zeros(int(LEAD_SILENCE_S * RECOGNITION_RATE), dtype=np.float32)
        tail = np.zeros(RECOGNITION_RATE * 3, dtype=np.float32)  # a pause that ends the answer
        first = make_test_webm(np.concatenate([lead, pcm[: len(pcm) // 2], tail]))
        await send_paced(ws, first)
        await frames_until(ws, "ai_audio_chunk", timeout_s=30)
        await asyncio.sleep(1.0)
        webm = make_test_webm(np.concatenate([lead, pcm, np.zeros(RECOGNITION_RATE * 2, dtype=np.float32)]))
        times: dict[str, float] = {}
        receiver = asyncio.create_task(watch(ws, times))
        voice_onset_s = LEAD_SILENCE_S + np.flatnonzero(np.abs(pcm) > 0.02)[0] / RECOGNITION_RATE
        started = time.perf_counter()
        times["onset_wall"] = time.time() + voice_onset_s
        await send_paced(ws, webm)
        await asyncio.wait_for(receiver, timeout=15)
        onset = started + voice_onset_s
    chat = [r for r in fake_openai.requests if r.endpoint == "chat" and r.client_disconnected][-1]
    result = {
        "held_ms": (times["held"] - onset) * 1000,
        "interrupted_ms": (times["interrupted"] - onset) * 1000,
    }
    if chat.finished_wall and chat.client_disconnected:
        result["llm_closed_ms"] = (chat.finished_wall - times["onset_wall"]) * 1000
    return result


async def send_paced(ws, webm: bytes) -> None:
    from interviews.audio import RECOGNITION_RATE, decode_to_pcm

    duration = len(decode_to_pcm(webm)) / RECOGNITION_RATE
    step = max(1, int(len(webm) * CHUNK_S / duration))
    began = time.perf_counter()
    for index, start in enumerate(range(0, len(webm), step)):
        # A recorder hands over each chunk when it has been spoken, not before.
        await asyncio.sleep(max(0.0, (index + 1) * CHUNK_S - (time.perf_counter() - began)))
        await ws.send(webm[start : start + step])


async def watch(ws, times: dict[str, float]) -> None:
    while "interrupted" not in times:
        frame = json.loads(await ws.recv())
        now = time.perf_counter()
        if frame["type"] == "speech_started" and frame.get("hold") and "held" not in times:
            times["held"] = now
        if frame["type"] == "ai_audio_end" and frame.get("interrupted"):
            times["interrupted"] = now


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms (min {min(values):.0f}, max {max(values):.0f})"


async def main(runs: int) -> dict[str, list[float]]:
    from tests.fakes.elevenlabs_server import FakeElevenLabs
    from tests.fakes.env import cloud_env
    from tests.fakes.openai_server import FakeOpenAI
    from tests.live import LiveServer

    pcm = await speech_pcm()
    with FakeOpenAI() as fake_openai, FakeElevenLabs() as fake_elevenlabs, tempfile.TemporaryDirectory() as tmp:
        fake_elevenlabs.configure(per_chunk_delay_s=0.04)
        server = LiveServer(data_dir=Path(tmp), env=cloud_env(fake_openai, fake_elevenlabs)).prepare()
        server.set_hands_free("backend-engineer-en", True)
        server.start()
        try:
            results = [await one_run(server, fake_openai, pcm) for _ in range(runs)]
        finally:
            server.stop()
    return {key: [r[key] for r in results if key in r] for key in ("held_ms", "interrupted_ms", "llm_closed_ms")}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    measured = asyncio.run(main(args.runs))
    if args.json:
        print(json.dumps(measured, indent=2))
    else:
        print(f"runs: {args.runs}; times from the moment the candidate's first word was spoken")
        for key, values in measured.items():
            if values:
                print(f"{key:20} {summary(values)}")
