"""The WebSocket wire contract (docs/DESIGN.md, "Wire protocol"): parsing, validation, error codes."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any


class ErrorCode(StrEnum):
    MALFORMED = "malformed_frame"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    BAD_AUDIO = "bad_audio"
    TOO_LARGE = "frame_too_large"
    ANSWER_TOO_LONG = "answer_too_long"
    RATE_LIMITED = "rate_limited"
    NOT_READY = "not_ready"
    STT_FAILED = "stt_failed"
    LLM_FAILED = "llm_failed"
    TTS_FAILED = "tts_failed"
    NO_SPEECH = "no_speech"
    INTERVIEW_LIMIT = "interview_limit"
    CONSENT_REQUIRED = "consent_required"
    SERVER_BUSY = "server_busy"
    ENDED = "interview_ended"
    INTERNAL = "internal_error"


class CloseCode(IntEnum):
    """WebSocket close codes the server uses; 4000-4999 is the application range.

    Hand daphne `int(code)`: its WebSocket library refuses any close code whose type is not
    exactly int, and a refused close reaches the client as 1011 and skips the session's cleanup.
    """

    NORMAL = 1000
    INTERNAL_ERROR = 1011  # a bug: the page reconnects, and the interview resumes
    PROTOCOL_ABUSE = 4008  # flood or repeated oversized frames
    FORBIDDEN = 4003  # origin or access refused
    NOT_FOUND = 4404  # unknown invite token
    GONE = 4410  # link expired
    FINISHED = 4409  # interview already completed / abandoned / failed
    REPLACED = 4001  # another connection took over this interview
    BUSY = 4503  # server at its session cap
    NEEDS_CONSENT = 4412  # the candidate has not agreed to the recording on the invite page


class ProtocolError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class AudioChunk:
    data: bytes


@dataclass(frozen=True, slots=True)
class AudioEnd:
    pass


@dataclass(frozen=True, slots=True)
class EndInterview:
    pass


@dataclass(frozen=True, slots=True)
class Interrupt:
    pass


@dataclass(frozen=True, slots=True)
class Playback:
    turn: int
    event: str  # "started" | "ended"


ClientMessage = AudioChunk | AudioEnd | EndInterview | Interrupt | Playback


def parse_text_frame(text: str, *, max_bytes: int) -> ClientMessage:
    """Turn one JSON text frame into a message, or raise ProtocolError with a readable reason."""
    if len(text) > max_bytes:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"Message too large (limit {max_bytes} bytes).")
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError(ErrorCode.MALFORMED, "Message is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise ProtocolError(ErrorCode.MALFORMED, "Message must be a JSON object with a 'type'.")
    kind = frame.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.MISSING_FIELD, "Message has no 'type'.")
    if kind == "audio_chunk":
        return AudioChunk(data=_decode_base64(frame.get("data")))
    if kind == "audio_end":
        return AudioEnd()
    if kind == "end_interview":
        return EndInterview()
    if kind == "interrupt":
        return Interrupt()
    if kind == "playback":
        turn = frame.get("turn")
        event = frame.get("event")
        if not isinstance(turn, int) or isinstance(turn, bool) or turn < 0:
            raise ProtocolError(ErrorCode.MISSING_FIELD, "playback needs a non-negative integer 'turn'.")
        if event not in ("started", "ended"):
            raise ProtocolError(ErrorCode.MISSING_FIELD, "playback 'event' must be 'started' or 'ended'.")
        return Playback(turn=turn, event=event)
    raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"Unknown message type {kind[:40]!r}.")


def parse_binary_frame(data: bytes, *, max_bytes: int) -> AudioChunk:
    if len(data) > max_bytes:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"Audio frame too large (limit {max_bytes} bytes).")
    if not data:
        raise ProtocolError(ErrorCode.BAD_AUDIO, "Empty audio frame.")
    return AudioChunk(data=data)


EBML_MAGIC = b"\x1aE\xdf\xa3"  # how a WebM/Matroska stream begins


def is_split_header(data: bytes) -> bool:
    """A frame holding only the first bytes of a WebM header, the rest to follow in the next frame.

    Chromium's MediaRecorder, given a short timeslice (50 ms), hands over the header's first byte
    as a chunk of its own; such a frame is joined to the next rather than sniffed on its own.
    """
    return len(data) < len(EBML_MAGIC) and EBML_MAGIC.startswith(data)


def sniff_audio_mime(head: bytes) -> str | None:
    """The container of an answer from its first bytes, or None when it is not audio we can take."""
    if head.startswith(EBML_MAGIC):
        return "audio/webm"  # EBML: WebM/Matroska, what MediaRecorder sends
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4"  # Safari's MediaRecorder
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def _decode_base64(value: Any) -> bytes:
    if not isinstance(value, str) or not value:
        raise ProtocolError(ErrorCode.MISSING_FIELD, "audio_chunk needs base64 'data'.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(ErrorCode.BAD_AUDIO, "audio_chunk 'data' is not valid base64.") from None


# --- server -> client ------------------------------------------------------------------------


def error_frame(code: ErrorCode, message: str, *, fatal: bool = False) -> dict[str, Any]:
    return {"type": "error", "code": str(code), "message": message, "fatal": fatal}


def audio_chunk_frame(audio: bytes, *, turn: int, seq: int) -> dict[str, Any]:
    return {"type": "ai_audio_chunk", "data": base64.b64encode(audio).decode("ascii"), "turn": turn, "seq": seq}
