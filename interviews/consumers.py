"""The interview socket: access check, one live session per interview, frame parsing, hand-off.

A session's life: the socket is accepted (so a refusal reaches the browser with its close code),
the link is checked, the connection claims the interview's next epoch (services), tells older
sessions to hand over through the channel-layer group `interview.<id>`, waits until the live one
has stored what it was doing, then reads the interview and starts the conversation. Every way a
session ends, the client's close or the server's, runs the same cleanup once (`_shutdown`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext_noop

from interviews import selectors, services
from interviews.events import SessionClaim, SessionSuperseded
from interviews.exceptions import InterviewError
from interviews.heap import release_free_memory_soon
from interviews.i18n import translate
from interviews.pipeline import InterviewFinished, Session, SessionConfig, SessionEvent, TurnHeard
from interviews.protocol import (
    BINARY_AUDIO_PARAMETER,
    AiAudioChunk,
    ClientMessage,
    CloseCode,
    ErrorCode,
    ErrorFrame,
    ProtocolError,
    ServerFrame,
    parse_binary_frame,
    parse_text_frame,
)
from interviews.provider_settings import configured_providers
from interviews.services import InterviewStore
from interviews.turn_model import load_turn_model

logger = logging.getLogger(__name__)

# Live sessions in this process, for the per-server cap.
_live_sessions: set[str] = set()


def live_session_count() -> int:
    """Interview sessions this process holds now."""
    return len(_live_sessions)


# How long a new connection waits for the session it replaces to store its unfinished answer. A
# live session answers within milliseconds; this only runs out when its process hangs (a process
# that died is recognised by its silence and not waited for: services.LIVE_SESSION_SILENCE).
HANDOVER_WAIT_S = 5.0

# Why a link cannot be used (services.interview_claim_session / interview_start raise these codes).
REFUSALS = {
    "not_found": (CloseCode.NOT_FOUND, ErrorCode.ENDED),
    "expired": (CloseCode.GONE, ErrorCode.ENDED),
    "finished": (CloseCode.FINISHED, ErrorCode.ENDED),
    "consent_required": (CloseCode.NEEDS_CONSENT, ErrorCode.CONSENT_REQUIRED),
}


def interview_group(interview_id: int) -> str:
    return f"interview.{interview_id}"


def monitor_group(interview_id: int) -> str:
    """Staff pages watching one interview live join this group (any daphne process, via Redis)."""
    return f"monitor.interview.{interview_id}"


MONITOR_ALL_GROUP = "monitor.all"


class InterviewConsumer(AsyncWebsocketConsumer):
    session: Session | None = None
    interview_id: int | None = None
    epoch = 0
    language = settings.LANGUAGE_CODE  # the interview's, once it is known: every error frame is in it
    binary_audio = False  # the client asked for the interviewer's audio as binary frames (`?audio=binary`)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the consumer ends, a crash in channels' dispatch included, its slot, its
            # claim on the interview and what its conversation was doing are not left behind.
            if hasattr(self, "_shut_down"):
                await self._shutdown()

    async def connect(self) -> None:
        self._shut_down = False
        self._starting: asyncio.Task[None] | None = None
        self._handing_over: asyncio.Task[None] | None = None
        self._successors: set[str] = set()  # newer connections to this interview: this one gives way
        self._handed_over_by: set[str] = set()  # older sessions that told this one they are done
        self._handover_arrived = asyncio.Event()
        self._tokens, self._tokens_at = float(settings.INTERVIEW["MAX_MESSAGE_BURST"]), time.monotonic()
        token = self.scope["url_route"]["kwargs"]["token"]
        query = parse_qsl(self.scope.get("query_string", b"").decode("latin-1"))
        self.binary_audio = BINARY_AUDIO_PARAMETER in query
        interview = await database_sync_to_async(selectors.interview_get_by_token)(token=token)
        # Accept first so the browser sees our close code and reason; a refused handshake shows none.
        await self.accept()
        if interview is None:
            await self._refuse(InterviewError(gettext_noop("This interview link is not valid."), code="not_found"))
            return
        self.language = interview.template.language
        if len(_live_sessions) >= settings.INTERVIEW["MAX_SESSIONS"]:
            error = ErrorFrame(
                ErrorCode.SERVER_BUSY, gettext_noop("The server is full; try again shortly."), fatal=True
            )
            await self._close(CloseCode.BUSY, error)
            return
        _live_sessions.add(self.channel_name)
        self.interview_id = interview.pk
        # Join the group before claiming: every session with an older epoch is then in the group
        # when a newer one announces itself, so none can miss the takeover.
        await self.channel_layer.group_add(interview_group(interview.pk), self.channel_name)
        try:
            claim = await database_sync_to_async(services.interview_claim_session)(
                interview_id=interview.pk, channel=self.channel_name
            )
        except InterviewError as exc:
            await self._refuse(exc)
            return
        self.epoch = claim.epoch
        await self.channel_layer.group_send(
            interview_group(interview.pk),
            {"type": "interview.takeover", "epoch": claim.epoch, "channel": self.channel_name},
        )
        # Not awaited here: the older session's "handed over" arrives as a channel-layer message,
        # which is only dispatched once connect() has returned.
        self._starting = asyncio.create_task(self._start_or_close(claim))

    async def _start_or_close(self, claim: SessionClaim) -> None:
        try:
            await self._start(claim)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("session failed to start", extra=self._log_extra())
            error = ErrorFrame(
                ErrorCode.INTERNAL, gettext_noop("Something went wrong on our side. Please reload the page.")
            )
            await self._close(CloseCode.INTERNAL_ERROR, error)

    async def _start(self, claim: SessionClaim) -> None:
        assert self.interview_id is not None
        if claim.live_channel and claim.live_channel != self.channel_name:
            try:
                await asyncio.wait_for(self._handover_from(claim.live_channel), timeout=HANDOVER_WAIT_S)
            except TimeoutError:
                logger.warning("the replaced session did not hand over in time", extra=self._log_extra())
        if self._successors:
            await self._hand_over()  # a newer connection came meanwhile: it gets the interview
            return
        try:
            snapshot = await database_sync_to_async(services.interview_start)(
                interview_id=self.interview_id, epoch=claim.epoch, channel=self.channel_name
            )
        except SessionSuperseded:
            await self._hand_over()
            return
        except InterviewError as exc:
            await self._refuse(exc)
            return
        self.session = Session(
            snapshot=snapshot,
            providers=configured_providers(),
            store=InterviewStore(interview_id=self.interview_id, epoch=claim.epoch),
            send=self.send_frame,
            config=SessionConfig.from_settings(settings.INTERVIEW),
            observer=self._observe,
            on_ended=self._on_ended,
            on_superseded=self._on_superseded,
            turn_model=await asyncio.to_thread(load_turn_model, settings.MODELS_DIR),
            translate=translate,
        )
        await self.session.start()
        if self._successors:
            await self._hand_over()  # claimed by a newer connection while this one started

    async def _handover_from(self, channel: str) -> None:
        while channel not in self._handed_over_by:
            self._handover_arrived.clear()
            await self._handover_arrived.wait()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # channels closes stale database connections before every message, through the one
        # thread that every session's database work shares: each 250 ms audio chunk then waits
        # behind all sessions' turn writes (measured: seconds at 100 sessions, bench/load.py).
        # Frames touch no database here, and database_sync_to_async does that cleanup itself.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)  # type: ignore[arg-type]  # it is that event
            return
        await super().dispatch(message)

    async def disconnect(self, code: int) -> None:
        await self._shutdown()

    async def _shutdown(self) -> None:
        """Free the slot, stop the conversation (storing what it was doing), leave the group, and
        tell any newer connection that it may go on. Runs once, however the session ends."""
        if self._shut_down:
            return
        self._shut_down = True
        _live_sessions.discard(self.channel_name)
        current = asyncio.current_task()
        if self._starting is not None and self._starting is not current and not self._starting.done():
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        if self.session is not None:
            await self.session.close()
            # What the conversation allocated is freed by now: give its heap pages back (heap.py).
            release_free_memory_soon()
        if self.interview_id is None:
            return
        group = interview_group(self.interview_id)
        await self.channel_layer.group_discard(group, self.channel_name)
        if self.epoch:
            try:
                await database_sync_to_async(services.interview_release_session)(
                    interview_id=self.interview_id, channel=self.channel_name
                )
            except Exception:
                logger.exception("could not release the interview", extra=self._log_extra())
            # Whoever claimed the interview after us may be waiting until what we did is stored;
            # they joined the group before claiming, so they all hear this.
            await self.channel_layer.group_send(group, {"type": "interview.handed_over", "channel": self.channel_name})

    async def _close(self, code: CloseCode, error: ErrorFrame | None = None) -> None:
        """Every server-side close: the error frame, the same cleanup as a client close, the code."""
        if error is not None:
            await self._send_quietly(error)
        await self._shutdown()
        await self.close(code=int(code))

    async def _refuse(self, exc: InterviewError) -> None:
        code, error_code = REFUSALS.get(exc.code, (CloseCode.FINISHED, ErrorCode.ENDED))
        await self._close(code, ErrorFrame(error_code, exc.message, fatal=True))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session is None:
            if not self._shut_down:
                await self.send_frame(ErrorFrame(ErrorCode.NOT_READY, gettext_noop("The session is not ready yet.")))
            return
        if not self._within_rate_limit():
            error = ErrorFrame(
                ErrorCode.RATE_LIMITED, gettext_noop("Too many messages; the connection is closed."), fatal=True
            )
            await self._close(CloseCode.PROTOCOL_ABUSE, error)
            return
        limit = settings.INTERVIEW["MAX_FRAME_BYTES"]
        message: ClientMessage
        try:
            if bytes_data is not None:
                message = parse_binary_frame(bytes_data, max_bytes=limit)
            else:
                message = parse_text_frame(text_data or "", max_bytes=limit)
        except ProtocolError as exc:
            await self.send_frame(ErrorFrame(exc.code, exc.message))
            return
        await self.session.handle(message)

    def _within_rate_limit(self) -> bool:
        # A token bucket: MAX_MESSAGES_PER_SECOND on average, up to MAX_MESSAGE_BURST at once. A
        # loaded server reads the audio chunks queued in a socket in one go after a stall: a burst
        # the page sent at its own pace, not a flood. A flood empties the bucket and is closed.
        now = time.monotonic()
        limits = settings.INTERVIEW
        refill = (now - self._tokens_at) * limits["MAX_MESSAGES_PER_SECOND"]
        self._tokens, self._tokens_at = min(limits["MAX_MESSAGE_BURST"], self._tokens + refill), now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def send_frame(self, frame: ServerFrame) -> None:
        if isinstance(frame, ErrorFrame):
            # The pipeline's errors carry English message ids; the candidate reads the interview's language.
            frame = replace(frame, message=translate(frame.message, self.language))
        elif isinstance(frame, AiAudioChunk) and self.binary_audio:
            await self.send(bytes_data=frame.binary())
            return
        await self.send(text_data=json.dumps(frame.wire(), ensure_ascii=False))

    async def _send_quietly(self, frame: ServerFrame) -> None:
        try:
            await self.send_frame(frame)
        except Exception:  # the client went away first; nothing left to tell it
            logger.debug("send failed", extra=self._log_extra())

    async def _observe(self, event: SessionEvent) -> None:
        """What happens in the interview, for live monitoring (monitor.py); never blocks it."""
        match event:
            case TurnHeard(interview_id=interview_id, turn=turn, speaker=speaker, content=content):
                message = {
                    "type": "interview.turn",
                    "interview_id": interview_id,
                    "turn": turn,
                    "speaker": speaker,
                    "content": content,
                }
            case InterviewFinished(interview_id=interview_id, reason=reason):
                message = {"type": "interview.ended", "interview_id": interview_id, "reason": reason}
        try:
            await self.channel_layer.group_send(monitor_group(event.interview_id), message)
            await self.channel_layer.group_send(MONITOR_ALL_GROUP, message)
        except Exception:
            logger.warning("monitor publish failed", extra=self._log_extra())

    async def _on_ended(self) -> None:
        await self._close(CloseCode.NORMAL)

    async def _on_superseded(self) -> None:
        await self._close(CloseCode.REPLACED, self._replaced_error())

    def _replaced_error(self) -> ErrorFrame:
        return ErrorFrame(
            ErrorCode.ENDED, gettext_noop("This interview was opened in another window or tab."), fatal=True
        )

    def _log_extra(self) -> dict[str, Any]:
        return {"interview_id": self.interview_id, "epoch": self.epoch}

    async def _hand_over(self) -> None:
        """A newer connection takes the interview: store what this session was doing, then go."""
        await self._close(CloseCode.REPLACED, self._replaced_error())

    # --- channel-layer events -----------------------------------------------------------------

    async def interview_takeover(self, event: dict[str, Any]) -> None:
        if event["channel"] == self.channel_name or event.get("epoch", 0) <= self.epoch:
            return  # an older connection's announcement, racing ours: it will give way
        self._successors.add(event["channel"])
        if self._shut_down:
            return  # its "handed over" goes to the whole group
        if self._starting is not None and not self._starting.done():
            return  # still waiting for its own predecessor; _start hands over when that is done
        if self._handing_over is None:
            # Not awaited here: closing the conversation waits for its writes, and other messages
            # (another takeover) must still be dispatched meanwhile.
            self._handing_over = asyncio.create_task(self._hand_over())

    async def interview_handed_over(self, event: dict[str, Any]) -> None:
        self._handed_over_by.add(event["channel"])
        self._handover_arrived.set()
