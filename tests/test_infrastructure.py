"""The real services: PostgreSQL migrations, the Redis channel layer, and docker-compose.yml."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from interview_project.asgi import application
from tests.factories import make_interview

ROOT = Path(__file__).resolve().parent.parent
needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="DATABASE_URL is not PostgreSQL"
)
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
# A page origin the socket accepts (scheme, host and port are checked): the public one.
PUBLIC_ORIGIN = settings.ALLOWED_ORIGINS[0].encode()


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db
def test_migrations_are_applied_on_postgresql_and_none_are_missing():
    assert connection.vendor == "postgresql"
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    make_interview()  # the schema takes a real row


@pytest.mark.redis
@needs_redis
@pytest.mark.django_db(transaction=True)
async def test_group_send_reaches_consumers_through_real_redis():
    """Two interview sockets join their groups on Redis; a group_send reaches exactly the right one."""
    from channels.db import database_sync_to_async

    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    # Greeted already: the sockets stay quiet unless the group event reaches them.
    first = await database_sync_to_async(make_interview)(greeting_spoken=True)
    second = await database_sync_to_async(make_interview)(greeting_spoken=True)
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    layer = get_channel_layer()
    sockets = []
    for interview in (first, second):
        comm = WebsocketCommunicator(
            application, f"/ws/interview/{interview.invite_token}/", headers=[(b"origin", PUBLIC_ORIGIN)]
        )
        assert (await comm.connect())[0]
        assert (await comm.receive_json_from(timeout=5))["type"] == "session_state"
        sockets.append(comm)
    # The takeover event is how a new connection closes an older one, across processes.
    takeover = {"type": "interview.takeover", "channel": "another-process", "epoch": 10**6}  # a newer claim
    await layer.group_send(f"interview.{first.pk}", takeover)
    frames = []
    while True:
        frame = await sockets[0].receive_output(timeout=5)
        if frame["type"] == "websocket.close":
            break
        frames.append(frame)
    assert frame["code"] == 4001
    assert frames[-1]["type"] == "websocket.send"  # the fatal error frame with the reason
    # The other interview got nothing and still answers.
    assert await sockets[1].receive_nothing(timeout=0.5)
    await sockets[1].send_to(text_data="not json")
    assert (await sockets[1].receive_json_from(timeout=5))["code"] == "malformed_frame"
    for comm in sockets:
        await comm.disconnect()


def test_docker_compose_services_commands_and_environment_match_the_settings():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "postgres", "redis"}
    web = services["web"]
    # daphne, started through the project's entry point (token-free access log, the app's frame limits).
    assert "python -m interview_project.serve" in web["command"]
    assert "--proxy-headers" in web["command"] and "interview_project.asgi:application" in web["command"]
    assert "migrate" in web["command"]
    env = web["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    # Every variable the environment contract names is passed through.
    contract = [
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
        "OPENAI_STT_MODEL",
        "ELEVENLABS_API_KEY",
        "ELEVENLABS_BASE_URL",
        "ELEVENLABS_VOICE_ID",
        "ELEVENLABS_MODEL_ID",
        "STT_PROVIDER",
        "LLM_PROVIDER",
        "TTS_PROVIDER",
        "PORT",
        "DJANGO_SECRET_KEY",
        "DJANGO_DEBUG",
        "DJANGO_ALLOWED_HOSTS",
    ]
    assert [name for name in contract if name not in env] == []
    for name in ("web", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    assert web["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert set(compose["volumes"]) >= {"pgdata", "media"}
    assert "/data" in web["volumes"][0] and env["DATA_DIR"] == "/data"


def test_docker_compose_has_no_default_secret_key():
    web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
    # `${VAR:?message}`: compose refuses to start without the variable, instead of a known key.
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]+\}", web["environment"]["DJANGO_SECRET_KEY"])


def test_docker_compose_refuses_to_configure_the_stack_without_a_secret_key(tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (scripts/system-deps.sh test installs it)")
    empty_env_file = tmp_path / "empty.env"  # so a developer's .env cannot supply the key
    empty_env_file.write_text("")
    command = [binary, "--env-file", str(empty_env_file), "-f", str(ROOT / "docker-compose.yml"), "config", "-q"]
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    refused = subprocess.run(command, env=clean, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY" in refused.stderr
    accepted = subprocess.run(
        command, env={**clean, "DJANGO_SECRET_KEY": "x" * 50}, capture_output=True, text=True, timeout=60, check=False
    )
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.redis
@pytest.mark.slow
@needs_redis
@pytest.mark.django_db(transaction=True)
async def test_a_session_idle_on_redis_for_longer_than_5_s_stays_connected(settings):
    """redis-py's default 5 s read timeout once killed every consumer that heard nothing for 5 s."""
    from channels.db import database_sync_to_async

    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    interview = await database_sync_to_async(make_interview)(greeting_spoken=True)
    comm = WebsocketCommunicator(
        application, f"/ws/interview/{interview.invite_token}/", headers=[(b"origin", PUBLIC_ORIGIN)]
    )
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=5))["type"] == "session_state"
    assert await comm.receive_nothing(timeout=7, interval=0.5)  # idle, as a candidate thinking
    await comm.send_to(text_data="not json")
    assert (await comm.receive_json_from(timeout=5))["code"] == "malformed_frame"  # still alive
    await comm.disconnect()
