"""Barge-in benchmark: how fast talking over the interviewer holds and then stops it.

A real daphne process runs a hands-free interview against the fake providers; the interviewer
gives a long, slowly streamed reply, and the candidate starts talking over it. The microphone is
one continuous recording streamed in real time as the page's MediaRecorder hands it over (50 ms
timeslices, each sent once it has been spoken: interviews.testing.live.speak_in_real_time), so times are
measured from the moment the candidate's first word was spoken (its chunk reaches the server up to
50 ms later, as from a browser):

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

LEAD_SILENCE_S = 0.5
WAIT_S = 4.0  # after the answer: it ends (1.2 s) and the interviewer's reply starts


async def speech_pcm() -> np.ndarray:
    from interviews.audio import decode_to_pcm
    from interviews.providers.base import Voice
    from interviews.providers.local_tts import LocalTextToSpeech

    tts = LocalTextToSpeech()
    text = "Sorry to interrupt, but could you tell me how large the team is?"
    mp3 = b"".join([chunk async for chunk in tts.stream(text, voice=Voice(language="en"))])
    return decode_to_pcm(mp3)


async def one_run(server, fake_openai, pcm: np.ndarray, phase_s: float) -> dict[str, float]:
    import websockets

    from interviews.audio import RECOGNITION_RATE
    from interviews.testing.live import PAGE_QUERY, frames_until, speak_in_real_time

    fake_openai.configure(per_token_delay_s=0.0, chat_replies=["Hello! Tell me about your work."])
    interview = server.create_interview(candidate="Bench")
    # As the page: the interviewer's audio in binary frames.
    async with websockets.connect(interview["websocket_url"] + PAGE_QUERY, origin=server.url, max_size=None) as ws:
        await ws.recv()
        greeting = await frames_until(ws, "ai_audio_end", timeout_s=30)
        await ws.send(json.dumps({"type": "playback", "turn": greeting[-1]["turn"], "event": "ended"}))
        # The next reply is long and slow, so the interviewer is still talking when we speak.
        fake_openai.configure(per_token_delay_s=0.12, chat_replies=["Thanks for that. " * 40])
        earlier_requests = len(fake_openai.requests)
        # One continuous recording, as the page's recorder makes in hands-free mode: a short answer,
        # a pause while the interviewer starts its reply, then the candidate talks over it.
        silence = np.zeros(int(LEAD_SILENCE_S * RECOGNITION_RATE), dtype=np.float32)
        answer = np.concatenate([silence, pcm[: len(pcm) // 2]])
        # phase_s moves the first word against the recorder's timeslices, run by run.
        wait = np.zeros(int((WAIT_S + phase_s) * RECOGNITION_RATE), dtype=np.float32)
        tail = np.zeros(RECOGNITION_RATE * 2, dtype=np.float32)
        recording = np.concatenate([answer, wait, pcm, tail])
        voice_onset_s = (len(answer) + len(wait)) / RECOGNITION_RATE
        voice_onset_s += np.flatnonzero(np.abs(pcm) > 0.02)[0] / RECOGNITION_RATE
        times: dict[str, float] = {}
        receiver = asyncio.create_task(watch(ws, times))
        started = time.perf_counter()
        times["onset_wall"] = time.time() + voice_onset_s
        sender = asyncio.create_task(speak_in_real_time(ws.send, recording, started=started))
        await asyncio.wait_for(receiver, timeout=30)
        sender.cancel()
        onset = started + voice_onset_s
    result = {
        "held_ms": (times["held"] - onset) * 1000,
        "interrupted_ms": (times["interrupted"] - onset) * 1000,
    }
    # This run's reply stream, once the fake has seen it closed (not an earlier run's).
    closed = [r for r in fake_openai.requests[earlier_requests:] if r.endpoint == "chat" and r.client_disconnected]
    if closed and closed[-1].finished_wall:
        result["llm_closed_ms"] = (closed[-1].finished_wall - times["onset_wall"]) * 1000
    return result


async def watch(ws, times: dict[str, float]) -> None:
    from interviews.testing.live import server_frame

    while "interrupted" not in times:
        frame = server_frame(await ws.recv())
        now = time.perf_counter()
        if frame["type"] == "speech_started" and frame.get("hold") and "held" not in times:
            times["held"] = now
        if frame["type"] == "ai_audio_end" and frame.get("reason") == "interrupted":
            times["interrupted"] = now


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms (min {min(values):.0f}, max {max(values):.0f})"


async def main(runs: int) -> dict[str, list[float]]:
    from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
    from interviews.testing.fakes.env import cloud_env
    from interviews.testing.fakes.openai_server import FakeOpenAI
    from interviews.testing.live import LiveServer
    from interviews.turn_taking import STREAM_TIMESLICE_S

    pcm = await speech_pcm()
    with FakeOpenAI() as fake_openai, FakeElevenLabs() as fake_elevenlabs, tempfile.TemporaryDirectory() as tmp:
        fake_elevenlabs.configure(per_chunk_delay_s=0.04)
        server = LiveServer(data_dir=Path(tmp), env=cloud_env(fake_openai, fake_elevenlabs)).prepare()
        server.set_hands_free("backend-engineer-en", True)
        server.start()
        try:
            results = [await one_run(server, fake_openai, pcm, STREAM_TIMESLICE_S * k / runs) for k in range(runs)]
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
