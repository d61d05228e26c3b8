"""`python -m interview_project.serve`: daphne with the project's transport settings, through a real process."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from django.conf import settings

from interview_project.serve import ServeCommand, transport_limit_bytes
from interviews.testing.live import LiveServer

pytestmark = pytest.mark.slow

APP_LIMIT = settings.INTERVIEW["MAX_FRAME_BYTES"]
WEBM_MAGIC = b"\x1aE\xdf\xa3"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, on the local engines (no frame here reaches a provider)."""
    live = LiveServer(data_dir=tmp_path_factory.mktemp("serve") / "data").prepare()
    live.set_hands_free("backend-engineer-en", False)
    live.start()
    yield live
    live.stop()


def log_when(server: LiveServer, *needles: str, timeout_s: float = 10.0) -> str:
    """The server's log once every needle is in it (access-log lines are written as things happen)."""
    deadline = time.monotonic() + timeout_s
    while True:
        log = server.log()
        if all(needle in log for needle in needles) or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


async def open_interview(server: LiveServer) -> tuple[Any, dict[str, Any]]:
    interview = server.create_interview()  # consented on its invite page, through HTTP
    ws = await websockets.connect(interview["websocket_url"], origin=server.url, max_size=None)
    assert json.loads(await ws.recv())["type"] == "session_state"
    return ws, interview


async def next_error(ws: Any) -> dict[str, Any]:
    """The next `error` frame (the greeting's frames may come first)."""
    async with asyncio.timeout(15):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "error":
                return frame


def test_the_access_log_shows_invite_paths_with_the_token_redacted(server: LiveServer):
    interview = server.create_interview()  # consents: GET /i/<token>/, POST it, GET /i/<token>/live/
    token = interview["token"]
    # A POST without the CSRF token: Django logs "Forbidden (CSRF cookie not set.): <path>".
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(f"{server.url}/i/{token}/", data=b"consent=yes"), timeout=10)
    assert refused.value.code == 403

    async def visit_socket() -> None:
        async with websockets.connect(interview["websocket_url"], origin=server.url) as ws:
            await ws.recv()

    asyncio.run(visit_socket())
    log = log_when(server, 'WSDISCONNECT /ws/interview/[redacted]/"', "Forbidden (CSRF cookie not set.)")
    assert '"GET /i/[redacted]/" 200' in log
    assert '"POST /i/[redacted]/" 302' in log
    assert '"GET /i/[redacted]/live/" 200' in log
    assert '"WSCONNECT /ws/interview/[redacted]/"' in log
    assert "Forbidden (CSRF cookie not set.): /i/[redacted]/" in log
    assert token not in log


def test_the_server_it_starts_runs_the_apps_start_up_work(server: LiveServer):
    # The app logs its providers and starts its sweeper only when it knows it is serving.
    assert "providers: stt=" in server.log()


async def test_a_binary_frame_over_the_apps_limit_gets_the_apps_error_and_the_session_goes_on(server: LiveServer):
    ws, _ = await open_interview(server)
    async with ws:
        # Over the app's 1,000,000 bytes and over daphne's own default (1 MiB), which cut the socket.
        await ws.send(WEBM_MAGIC + bytes(1_500_000))
        error = await next_error(ws)
        assert (error["code"], error["fatal"]) == ("frame_too_large", False)
        await ws.send("not json")
        assert (await next_error(ws))["code"] == "malformed_frame"  # still open, still answering


async def test_a_base64_audio_chunk_over_the_apps_limit_gets_the_apps_error(server: LiveServer):
    ws, _ = await open_interview(server)
    async with ws:
        data = base64.b64encode(WEBM_MAGIC + bytes(800_000)).decode()  # ~1.07 MB of text
        assert APP_LIMIT < len(data) + 40 < transport_limit_bytes()
        await ws.send(json.dumps({"type": "audio_chunk", "data": data}))
        error = await next_error(ws)
        assert (error["code"], error["fatal"]) == ("frame_too_large", False)


async def frames_until_closed(ws: Any) -> int:
    """Read until the server closes the socket: the close code it sent, 1006 if it sent none."""
    try:
        async with asyncio.timeout(15):
            while True:
                await ws.recv()
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else 1006


async def test_a_frame_over_the_transport_limit_is_cut_by_daphne(server: LiveServer):
    ws, _ = await open_interview(server)
    async with ws:
        await ws.send(bytes(transport_limit_bytes() + 1))
        # daphne (autobahn) drops the connection: what one connection can make it buffer stays bounded.
        assert await frames_until_closed(ws) == 1006


def test_the_transport_limits_default_to_twice_the_apps_and_explicit_options_win():
    defaults = ServeCommand().parser.parse_args(["interview_project.asgi:application"])
    assert defaults.websocket_max_message_size == defaults.websocket_max_frame_size == 2 * APP_LIMIT
    explicit = ServeCommand().parser.parse_args(
        ["--websocket-max-message-size", "5000", "--websocket-max-frame-size", "4000", "app:application"]
    )
    assert (explicit.websocket_max_message_size, explicit.websocket_max_frame_size) == (5000, 4000)
