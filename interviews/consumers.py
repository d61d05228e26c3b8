"""The interview socket: access check, frame parsing via protocol.py, hand-off to the conversation."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from interviews import selectors
from interviews.conversation import Conversation, ConversationConfig
from interviews.exceptions import InterviewError
from interviews.models import Interview
from interviews.protocol import (
    CloseCode,
    ErrorCode,
    ProtocolError,
    error_frame,
    parse_binary_frame,
    parse_text_frame,
)
from interviews.providers.registry import get_providers
from interviews.services import InterviewStore

logger = logging.getLogger(__name__)

# Live sessions in this process, for the per-server cap.
_live_sessions: set[str] = set()


def interview_group(interview_id: int) -> str:
    return f"interview.{interview_id}"


def monitor_group(interview_id: int) -> str:
    """Staff pages watching one interview live join this group (any daphne process, via Redis)."""
    return f"monitor.interview.{interview_id}"


MONITOR_ALL_GROUP = "monitor.all"


class InterviewConsumer(AsyncWebsocketConsumer):
    conversation: Conversation | None = None
    interview_id: int | None = None

    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        interview = await database_sync_to_async(selectors.interview_get_by_token)(token=token)
        # Accept first so the browser sees our close code and reason; a refused handshake shows none.
        await self.accept()
        refusal = self._refusal(interview)
        if refusal is not None:
            code, message = refusal
            await self.send_json(error_frame(ErrorCode.ENDED, message, fatal=True))
            await self.close(code=code)
            return
        if len(_live_sessions) >= settings.INTERVIEW["MAX_SESSIONS"]:
            await self.send_json(error_frame(ErrorCode.INTERNAL, "The server is full; try again shortly.", fatal=True))
            await self.close(code=CloseCode.BUSY)
            return
        assert interview is not None
        self.interview_id = interview.pk
        # One live connection per interview: the newest takes over and the older one is closed.
        group = interview_group(interview.pk)
        await self.channel_layer.group_send(group, {"type": "interview.takeover", "channel": self.channel_name})
        await self.channel_layer.group_add(group, self.channel_name)
        store = InterviewStore()
        try:
            snapshot = await store.start(interview.pk)
        except InterviewError as exc:
            await self.send_json(error_frame(ErrorCode.ENDED, exc.message, fatal=True))
            await self.close(code=CloseCode.FINISHED)
            return
        _live_sessions.add(self.channel_name)
        self._window_started = time.monotonic()
        self._window_count = 0
        self.conversation = Conversation(
            snapshot=snapshot,
            providers=get_providers(),
            store=store,
            send=self.send_json,
            config=ConversationConfig.from_settings(settings.INTERVIEW),
            on_ended=self._on_ended,
            publish=self._publish,
        )
        await self.conversation.start()

    @staticmethod
    def _refusal(interview: Interview | None) -> tuple[int, str] | None:
        if interview is None:
            return CloseCode.NOT_FOUND, "This interview link is not valid."
        if interview.status not in Interview.OPEN_STATUSES:
            return CloseCode.FINISHED, "This interview has already ended."
        if interview.expires_at <= timezone.now():
            return CloseCode.GONE, "This interview link has expired."
        return None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # channels closes stale database connections before every message, through the one
        # thread that every session's database work shares: each 250 ms audio chunk then waits
        # behind all sessions' turn writes (measured: seconds at 100 sessions, bench/load.py).
        # Frames touch no database here, and database_sync_to_async does that cleanup itself.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
            return
        await super().dispatch(message)

    async def disconnect(self, code: int) -> None:
        _live_sessions.discard(self.channel_name)
        if self.interview_id is not None:
            await self.channel_layer.group_discard(interview_group(self.interview_id), self.channel_name)
        if self.conversation is not None:
            await self.conversation.close()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.conversation is None:
            await self.send_json(error_frame(ErrorCode.NOT_READY, "The session is not ready yet."))
            return
        if not self._within_rate_limit():
            await self.send_json(
                error_frame(ErrorCode.RATE_LIMITED, "Too many messages; the connection is closed.", fatal=True)
            )
            await self.close(code=CloseCode.PROTOCOL_ABUSE)
            return
        limit = settings.INTERVIEW["MAX_FRAME_BYTES"]
        try:
            if bytes_data is not None:
                message = parse_binary_frame(bytes_data, max_bytes=limit)
            else:
                message = parse_text_frame(text_data or "", max_bytes=limit)
        except ProtocolError as exc:
            await self.send_json(error_frame(exc.code, exc.message))
            return
        await self.conversation.handle(message)

    def _within_rate_limit(self) -> bool:
        # A one-second fixed window is enough to stop floods without penalising 250 ms audio chunks.
        now = time.monotonic()
        if now - self._window_started >= 1.0:
            self._window_started, self._window_count = now, 0
        self._window_count += 1
        return self._window_count <= settings.INTERVIEW["MAX_MESSAGES_PER_SECOND"]

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, ensure_ascii=False))

    async def _publish(self, event: dict[str, Any]) -> None:
        """Conversation events (e.g. a finished turn) for live monitoring; never blocks the interview."""
        assert self.interview_id is not None
        try:
            await self.channel_layer.group_send(monitor_group(self.interview_id), event)
            await self.channel_layer.group_send(MONITOR_ALL_GROUP, event)
        except Exception:
            logger.warning("monitor publish failed", extra={"interview_id": self.interview_id})

    async def _on_ended(self) -> None:
        await self.close(code=CloseCode.NORMAL)

    # --- channel-layer events -----------------------------------------------------------------

    async def interview_takeover(self, event: dict[str, Any]) -> None:
        if event["channel"] == self.channel_name:
            return
        await self.send_json(
            error_frame(ErrorCode.ENDED, "This interview was opened in another window or tab.", fatal=True)
        )
        if self.conversation is not None:
            await self.conversation.close()
            self.conversation = None
        await self.close(code=CloseCode.REPLACED)
