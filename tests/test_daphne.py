"""Through a real daphne process and a plain websocket client, as a browser or the seed's client would."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import websockets

from interviews.testing.fakes.env import cloud_env
from interviews.testing.live import LiveServer, frames_until
from tests.wsclient import FAKE_WEBM

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path, fake_openai, fake_elevenlabs) -> Any:
    live = LiveServer(
        data_dir=tmp_path / "data",
        env={**cloud_env(fake_openai, fake_elevenlabs), "INTERVIEW_ANSWER_GAP_S": "0.5"},
    ).prepare()
    live.set_hands_free("backend-engineer-en", False)  # the seed's protocol is push-to-talk
    live.start()
    yield live
    live.stop()


async def send_answer_seed_style(ws: Any) -> None:
    """The seed's client: base64 audio_chunk frames while speaking, and no audio_end at all."""
    for start in range(0, len(FAKE_WEBM), 500):
        chunk = base64.b64encode(FAKE_WEBM[start : start + 500]).decode()
        await ws.send(json.dumps({"type": "audio_chunk", "data": chunk}))


async def stored_turns(server: LiveServer, token: str, *, count: int) -> list[tuple[Any, ...]]:
    """The interview's turns as the server stored them, once `count` are there (writes are async)."""
    query = (
        "SELECT t.speaker, t.text, t.is_greeting FROM interviews_turn t JOIN interviews_interview i "
        'ON t.interview_id = i.id WHERE i.invite_token = ? ORDER BY t."index"'
    )
    for _ in range(50):
        with sqlite3.connect(server.data_dir / "db.sqlite3") as database:
            rows = database.execute(query, (token,)).fetchall()
        if len(rows) >= count:
            break
        await asyncio.sleep(0.1)
    return rows


def text(frames: list[dict[str, Any]]) -> str:
    return "".join(f["text"] for f in frames if f["type"] == "ai_transcript_chunk")


async def test_a_client_written_from_the_seed_protocol_completes_a_multi_turn_interview(server, fake_openai):
    fake_openai.transcripts = ["I led the payments team.", "We sharded PostgreSQL by merchant."]
    interview = server.create_interview()
    async with websockets.connect(interview["websocket_url"], origin=server.url) as ws:
        state = json.loads(await ws.recv())
        assert state["type"] == "session_state"
        greeting = await frames_until(ws, "ai_audio_end")
        assert any(f["type"] == "ai_audio_chunk" for f in greeting)
        for expected in ["I led the payments team.", "We sharded PostgreSQL by merchant."]:
            await send_answer_seed_style(ws)
            reply = await frames_until(ws, "ai_audio_end")
            transcript = next(f for f in reply if f["type"] == "user_transcript")
            assert transcript["text"] == expected
            assert expected.rstrip(".") in text(reply)
        await ws.send(json.dumps({"type": "end_interview"}))
        ended = await frames_until(ws, "interview_ended")
        assert ended[-1]["reason"] == "candidate_ended"
        assert len(ended[-1]["history"]) == 5
    chats = fake_openai.requests_to("chat")
    assert any("payments team" in m["content"] for m in chats[-1].body["messages"])


async def test_a_killed_server_resumes_the_same_interview_from_the_last_completed_turn(server, fake_openai):
    interview = server.create_interview()
    async with websockets.connect(interview["websocket_url"], origin=server.url) as ws:
        await ws.recv()
        greeting = await frames_until(ws, "ai_audio_end")
        fake_openai.per_token_delay_s = 0.3  # the reply is still streaming when the server dies
        await ws.send(json.dumps({"type": "audio_chunk", "data": base64.b64encode(FAKE_WEBM).decode()}))
        await ws.send(json.dumps({"type": "audio_end"}))
        await frames_until(ws, "ai_transcript_chunk")
        await asyncio.sleep(0.3)
        server.kill()
    server.start()
    fake_openai.per_token_delay_s = 0.0
    async with websockets.connect(interview["websocket_url"], origin=server.url) as ws:
        state = json.loads(await ws.recv())
        assert state["status"] == "in_progress"
        assert state["history"][0]["content"] == text(greeting)
        assert state["history"][-1]["speaker"] == "candidate"
        reply = await frames_until(ws, "ai_audio_end")
        assert "You said" in text(reply)  # the stored answer is answered, not lost and not repeated
        assert 0 < state["remaining_seconds"] < 20 * 60
    rows = await stored_turns(server, interview["token"], count=3)
    assert [r[0] for r in rows] == ["interviewer", "candidate", "interviewer"], server.log()[-3000:]
    assert sum(r[2] for r in rows) == 1  # one greeting
    assert rows[1][1] == "I built a payments service in Go."
