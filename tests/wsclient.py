"""Helpers to hold an interview over channels' WebsocketCommunicator."""

from __future__ import annotations

import base64
import os
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from interview_project.asgi import application
from interviews.models import Interview, Turn
from tests.factories import make_interview

# Bytes that stand in for a WebM answer where the provider (a fake) does not decode audio.
FAKE_WEBM = b"\x1aE\xdf\xa3" + os.urandom(2000)


def communicator(token: str, *, origin: bytes | None = None) -> WebsocketCommunicator:
    """A socket to the interview from a page on `origin` (default: the public origin, as a browser)."""
    origin = origin if origin is not None else settings.ALLOWED_ORIGINS[0].encode()
    return WebsocketCommunicator(application, f"/ws/interview/{token}/", headers=[(b"origin", origin)])


@database_sync_to_async
def new_interview(**fields: Any) -> Interview:
    return make_interview(**fields)


@database_sync_to_async
def turns_of(interview: Interview) -> list[Turn]:
    return list(Turn.objects.filter(interview=interview).order_by("index"))


async def connect(token: str) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """An open socket to the interview and its first frame (session_state)."""
    comm = communicator(token)
    connected, _ = await comm.connect()
    assert connected
    state = await comm.receive_json_from(timeout=5)
    assert state["type"] == "session_state"
    return comm, state


async def receive_until(comm: WebsocketCommunicator, kind: str, *, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """All frames up to and including the first of type `kind`."""
    frames: list[dict[str, Any]] = []
    while True:
        frame = await comm.receive_json_from(timeout=timeout_s)
        frames.append(frame)
        if frame["type"] == kind:
            return frames


async def answer(comm: WebsocketCommunicator, audio: bytes = FAKE_WEBM, *, end: bool = True) -> None:
    for start in range(0, len(audio), 700):
        await comm.send_json_to({"type": "audio_chunk", "data": base64.b64encode(audio[start : start + 700]).decode()})
    if end:
        await comm.send_json_to({"type": "audio_end"})


def text_of(frames: list[dict[str, Any]]) -> str:
    return "".join(f["text"] for f in frames if f["type"] == "ai_transcript_chunk")


def audio_of(frames: list[dict[str, Any]]) -> bytes:
    return b"".join(base64.b64decode(f["data"]) for f in frames if f["type"] == "ai_audio_chunk")
