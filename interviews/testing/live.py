"""A real daphne process serving the project (started as production starts it, `python -m
interview_project.serve`), for tests that go through the network like a browser."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from interviews.protocol import BINARY_AUDIO_PARAMETER, AiAudioChunk

ROOT = Path(__file__).resolve().parents[2]  # the project (manage.py)
START_TIMEOUT_S = 30.0
# What the page's socket URL asks for: the interviewer's audio as binary frames (AiAudioChunk.binary).
PAGE_QUERY = "?{}={}".format(*BINARY_AUDIO_PARAMETER)


def server_frame(raw: str | bytes) -> dict[str, Any]:
    """A server frame as a client reads it: JSON, or a binary frame of the interviewer's audio as
    its `ai_audio_chunk` (the MP3 bytes under "audio")."""
    if isinstance(raw, bytes):
        chunk = AiAudioChunk.from_binary(raw)
        return {"type": chunk.type, "turn": chunk.turn, "seq": chunk.seq, "audio": chunk.audio}
    frame: dict[str, Any] = json.loads(raw)
    return frame


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """daphne on a free port with its own data folder (SQLite unless `env` names a DATABASE_URL)."""

    def __init__(self, *, data_dir: Path, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / f"daphne-{self.port}.log"
        base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        self.env = {
            **base,
            "DJANGO_SETTINGS_MODULE": "interview_project.settings",
            "DATA_DIR": str(data_dir),
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PUBLIC_BASE_URL": self.url,
            "PORT": str(self.port),
            "WARM_PROVIDERS": "0",
            "INTERVIEW_EVALUATE_ON_FINISH": "0",  # its thread would call the shared fakes in later tests
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare(self) -> LiveServer:
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("seed_demo")
        return self

    def create_interview(
        self, *, template: str = "backend-engineer-en", candidate: str = "Test Candidate", consent: bool = True
    ) -> dict[str, Any]:
        """A new interview; with `consent`, the candidate has agreed on its invite page (as a browser
        does before the socket opens)."""
        created: dict[str, Any] = json.loads(
            self.manage("create_interview", "--template", template, "--candidate", candidate, "--json")
        )
        if consent:
            self.consent(created["token"])
        return created

    def consent(self, token: str) -> None:
        """Tick the consent box on the invite page and submit it, through HTTP with its CSRF token."""
        cookies = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        page_url = f"{self.url}/i/{token}/"
        with opener.open(page_url, timeout=10) as response:
            page = response.read().decode()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, "the invite page has no CSRF token"
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1), "consent": "yes"}).encode()
        request = urllib.request.Request(page_url, data=form, headers={"Referer": page_url, "Origin": self.url})
        with opener.open(request, timeout=10) as response:
            assert response.status == 200 and "/live/" in response.url, response.url

    def set_hands_free(self, slug: str, on: bool) -> None:
        """Switch a template between hands-free and push-to-talk."""
        self.manage(
            "shell",
            "-c",
            "from interviews.models import InterviewTemplate; "
            f"InterviewTemplate.objects.filter(slug={slug!r}).update(hands_free={on!r})",
        )

    def start(self) -> LiveServer:
        serve = [sys.executable, "-m", "interview_project.serve", "-b", "127.0.0.1", "-p", str(self.port)]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [*serve, "interview_project.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"daphne exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"daphne did not answer within {START_TIMEOUT_S} s:\n{self.log()}")

    def kill(self) -> None:
        """Die as a crashed worker would: no clean shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def live_server(*, data_dir: Path, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    server = LiveServer(data_dir=data_dir, env=env).prepare().start()
    try:
        yield server
    finally:
        server.stop()


async def frames_until(ws: Any, kind: str, *, timeout_s: float = 15.0) -> list[dict[str, Any]]:
    """Frames from a `websockets` client up to the first of type `kind` (or the interview's end)."""
    frames = []
    async with asyncio.timeout(timeout_s):
        while True:
            frame = server_frame(await ws.recv())
            frames.append(frame)
            if frame["type"] in (kind, "interview_ended"):
                return frames


async def speak_in_real_time(
    send: Any, pcm: Any, *, chunk_s: float | None = None, started: float | None = None
) -> float:
    """Stream `pcm` as a browser's MediaRecorder does: a WebM/Opus recording handed over one
    `chunk_s` timeslice (default: the page's) at a time, each when it has been spoken. `send` takes
    bytes (a `websockets` connection's send, or a communicator's). Returns the clock value the
    recording started at."""
    from interviews.testing.webm import webm_chunks
    from interviews.turn_taking import STREAM_TIMESLICE_S

    chunk_s = STREAM_TIMESLICE_S if chunk_s is None else chunk_s
    started = time.perf_counter() if started is None else started
    for index, chunk in enumerate(webm_chunks(pcm, chunk_s=chunk_s)):
        await asyncio.sleep(max(0.0, (index + 1) * chunk_s - (time.perf_counter() - started)))
        if chunk:
            await send(chunk)
    return started
