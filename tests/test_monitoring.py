"""Live monitoring: the staff-only monitor socket, fed by the interview's events, also across daphne processes."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from interview_project.asgi import application
from interviews.consumers import monitor_group
from interviews.models import Interview
from interviews.testing.fakes.env import cloud_env
from interviews.testing.live import LiveServer
from tests.factories import make_interview
from tests.recruiter_factories import add_conversation
from tests.wsclient import FAKE_WEBM, answer, communicator, receive_until


@database_sync_to_async
def session_cookie(*, staff: bool) -> bytes:
    user = User.objects.create_user(f"user-{secrets.token_hex(4)}", password="pw", is_staff=staff, is_superuser=staff)
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def monitor(path: str, cookie: bytes | None) -> WebsocketCommunicator:
    headers = [(b"origin", settings.ALLOWED_ORIGINS[0].encode())]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


@database_sync_to_async
def stored_interview() -> Interview:
    interview = make_interview(status=Interview.Status.IN_PROGRESS)
    add_conversation(interview, audio=False)
    return interview


@pytest.mark.django_db(transaction=True)
async def test_anonymous_and_non_staff_users_cannot_open_the_monitor():
    interview = await stored_interview()
    for cookie in (None, await session_cookie(staff=False)):
        comm = monitor(f"/ws/monitor/{interview.pk}/", cookie)
        connected, code = await comm.connect()
        assert not connected
        assert code == 4403
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_staff_get_the_transcript_so_far_then_live_turns_with_an_assessment():
    interview = await stored_interview()
    comm = monitor(f"/ws/monitor/{interview.pk}/", await session_cookie(staff=True))
    connected, _ = await comm.connect()
    assert connected
    snapshot = await comm.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert snapshot["interview"]["candidate"] == "Jamie Doe"
    assert [t["turn"] for t in snapshot["turns"]] == [0, 1, 2, 3, 4]
    assert "assessment" not in snapshot["turns"][0]
    assert snapshot["turns"][1]["assessment"]["label"] in {"adequate", "detailed"}

    layer = get_channel_layer()
    event = {"interview_id": interview.pk, "role": "user", "speaker": "candidate", "turn": 5}
    await layer.group_send(monitor_group(interview.pk), {"type": "interview.turn", **event, "content": "Yes."})
    brief = await comm.receive_json_from(timeout=5)
    assert (brief["type"], brief["turn"], brief["assessment"]["label"]) == ("turn", 5, "brief")
    detailed = (
        "I designed the ledger with PostgreSQL partitions by month, which cut the p99 from 900 ms to 120 ms, "
        "and I wrote the runbook the on-call team used during the Kafka outage in March."
    )
    await layer.group_send(monitor_group(interview.pk), {"type": "interview.turn", **event, "content": detailed})
    rich = await comm.receive_json_from(timeout=5)
    assert rich["assessment"]["score"] > brief["assessment"]["score"]
    assert rich["assessment"]["details"] >= 4
    await layer.group_send(
        monitor_group(interview.pk), {"type": "interview.ended", "interview_id": interview.pk, "reason": "time_up"}
    )
    assert await comm.receive_json_from(timeout=5) == {
        "type": "ended",
        "interview_id": interview.pk,
        "reason": "time_up",
    }
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("cloud_providers")
async def test_a_live_interview_reaches_the_monitor_and_the_all_interviews_feed():
    interview = await database_sync_to_async(make_interview)()
    cookie = await session_cookie(staff=True)
    watcher = monitor(f"/ws/monitor/{interview.pk}/", cookie)
    everything = monitor("/ws/monitor/", cookie)
    assert (await watcher.connect())[0] and (await everything.connect())[0]
    assert (await watcher.receive_json_from(timeout=5))["turns"] == []

    comm = communicator(interview.invite_token)
    assert (await comm.connect())[0]
    await receive_until(comm, "ai_audio_end")
    greeting = await watcher.receive_json_from(timeout=5)
    assert (greeting["turn"], greeting["speaker"]) == (0, "interviewer")
    assert (await everything.receive_json_from(timeout=5))["interview_id"] == interview.pk
    await answer(comm, FAKE_WEBM)
    await receive_until(comm, "ai_audio_end")
    turns = [await watcher.receive_json_from(timeout=5) for _ in range(2)]
    candidate = next(t for t in turns if t["speaker"] == "candidate")
    assert candidate["content"] == "I built a payments service in Go."
    assert candidate["assessment"]["words"] == 7
    await comm.send_json_to({"type": "end_interview"})
    while (message := await watcher.receive_json_from(timeout=5))["type"] != "ended":
        pass
    assert message["reason"] == "candidate_ended"
    for socket in (comm, watcher, everything):
        await socket.disconnect()


# --- across two daphne processes through Redis and PostgreSQL ------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def shared_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the daphne processes (the test database is not visible to them)."""
    import psycopg

    name = f"monitor_test_{secrets.token_hex(4)}"
    admin_url = DATABASE_URL
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = DATABASE_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


STAFF_SESSION = textwrap.dedent(
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    user = get_user_model().objects.create_superuser("monitor", "monitor@example.com", "pw")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print(session.session_key)
    """
)


async def next_frame(ws: Any, kind: str, timeout_s: float = 15.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout_s):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(
    not (DATABASE_URL.startswith("postgres") and REDIS_URL), reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL"
)
async def test_a_monitor_on_one_daphne_sees_an_interview_held_on_another(
    tmp_path: Path, shared_database: str, fake_openai, fake_elevenlabs
):
    env = {
        **cloud_env(fake_openai, fake_elevenlabs),
        "DATABASE_URL": shared_database,
        "REDIS_URL": REDIS_URL,
        "INTERVIEW_EVALUATE_ON_FINISH": "0",
        # Both processes must share the key that signs sessions, as a real deployment does.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
    }
    server_a = LiveServer(data_dir=tmp_path / "a", env=env).prepare()
    server_b = LiveServer(data_dir=tmp_path / "b", env=env)
    session_key = server_a.manage("shell", "-c", STAFF_SESSION).strip().splitlines()[-1]
    server_a.set_hands_free("backend-engineer-en", False)  # the answer below is push-to-talk
    server_a.start()
    server_b.start()
    interview = server_a.create_interview()
    try:
        monitor_url = f"{server_b.ws_url}/ws/monitor/{interview['id']}/"
        with pytest.raises(websockets.InvalidStatus):  # no session: refused
            async with websockets.connect(monitor_url, origin=server_b.url):
                pass
        async with websockets.connect(
            monitor_url, origin=server_b.url, additional_headers={"Cookie": f"sessionid={session_key}"}
        ) as watcher:
            snapshot = await next_frame(watcher, "snapshot")
            assert snapshot["interview"]["candidate"] == "Test Candidate"
            async with websockets.connect(interview["websocket_url"], origin=server_a.url) as ws:
                await next_frame(ws, "ai_audio_end")
                greeting = await next_frame(watcher, "turn")
                assert (greeting["turn"], greeting["speaker"]) == (0, "interviewer")
                assert greeting["content"]
                await ws.send(json.dumps({"type": "audio_chunk", "data": base64.b64encode(FAKE_WEBM).decode()}))
                await ws.send(json.dumps({"type": "audio_end"}))
                answer_turn = await next_frame(watcher, "turn")
                assert answer_turn["speaker"] == "candidate"
                assert answer_turn["content"] == "I built a payments service in Go."
                assert answer_turn["assessment"]["words"] == 7
                await ws.send(json.dumps({"type": "end_interview"}))
                ended = await next_frame(watcher, "ended")
                assert ended["reason"] == "candidate_ended"
    finally:
        server_a.stop()
        server_b.stop()
