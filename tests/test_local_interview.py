"""A whole spoken interview with no API keys: local recognition, interviewer and voice, through daphne."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
import websockets

from interviews.audio import decode_to_pcm, pcm_duration_s
from interviews.testing.live import LiveServer, frames_until

pytestmark = [pytest.mark.local_engines, pytest.mark.slow]
FIXTURES = Path(__file__).parent / "fixtures"
KEYS = ("OPENAI_API_KEY", "ELEVENLABS_API_KEY", "STT_PROVIDER", "LLM_PROVIDER", "TTS_PROVIDER")


@pytest.fixture(scope="module")
def keyless_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    saved = {k: os.environ.pop(k) for k in KEYS if k in os.environ}
    server = LiveServer(data_dir=tmp_path_factory.mktemp("keyless"), env={"WARM_PROVIDERS": "1"}).prepare()
    server.start()
    yield server
    server.stop()
    os.environ.update(saved)


def spoken(frames: list[dict[str, Any]]) -> tuple[str, float]:
    text = "".join(f["text"] for f in frames if f["type"] == "ai_transcript_chunk")
    audio = b"".join(base64.b64decode(f["data"]) for f in frames if f["type"] == "ai_audio_chunk")
    return text, pcm_duration_s(decode_to_pcm(audio))


async def speak(ws: Any, answer: bytes) -> None:
    for start in range(0, len(answer), 4000):
        await ws.send(answer[start : start + 4000])
    await ws.send(json.dumps({"type": "audio_end"}))


@pytest.mark.parametrize(
    ("template", "fixture", "expected_words"),
    [
        ("backend-engineer-en", "answer_en.webm", {"migration", "kubernetes", "database"}),
        ("backend-engineer-ko", "answer_ko.webm", set()),
    ],
)
async def test_a_spoken_interview_runs_end_to_end_on_local_engines(keyless_server, template, fixture, expected_words):
    interview = keyless_server.create_interview(template=template)
    async with websockets.connect(interview["websocket_url"], origin=keyless_server.url) as ws:
        assert json.loads(await ws.recv())["type"] == "session_state"
        greeting = await frames_until(ws, "ai_audio_end", timeout_s=60)
        greeting_text, greeting_s = spoken(greeting)
        # As a browser does: the greeting finished playing (the English demo is hands-free, where
        # speech during playback would count as talking over the interviewer).
        await ws.send(json.dumps({"type": "playback", "turn": greeting[-1]["turn"], "event": "ended"}))
        assert greeting_text
        assert greeting_s > 1.0  # really spoken, not a blip
        await speak(ws, (FIXTURES / fixture).read_bytes())
        reply = await frames_until(ws, "ai_audio_end", timeout_s=60)
        heard = next(f for f in reply if f["type"] == "user_transcript" and f["final"])["text"]
        assert heard
        reply_text, reply_s = spoken(reply)
        assert reply_text
        assert reply_s > 0.5
        words = {w.strip(".,!?").lower() for w in heard.split()}
        assert expected_words <= words, heard
        if expected_words:  # the follow-up picks up the candidate's own words
            assert any(w in reply_text.lower() for w in words if len(w) > 5), reply_text
        if template.endswith("-ko"):
            assert any("\uac00" <= ch <= "\ud7a3" for ch in heard + reply_text)  # Hangul both ways
        await ws.send(json.dumps({"type": "end_interview"}))
        await frames_until(ws, "interview_ended", timeout_s=60)
    assert "providers: stt=local llm=local tts=local" in keyless_server.log()
