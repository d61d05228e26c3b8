"""The WebSocket wire contract (docs/DESIGN.md, "Wire protocol"): parsing, validation, error codes."""

from __future__ import annotations

import base64
import binascii
import json
import struct
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, ClassVar

from interviews.audio.matroska import EBML_MAGIC  # how a WebM/Matroska stream begins
from interviews.events import HistoryItem


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
    FORBIDDEN = 4403  # the monitor socket without a staff session (foreign origins never get this far)
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
#
# Every frame the server sends is one of these; `wire()` gives its JSON object, in the names the
# seed's protocol used (docs/DESIGN.md, "Wire protocol"). static/interviews/protocol.js names the
# same types and codes, and tests/test_client_contract.py checks that the page handles every one of them.


class AudioEndReason(StrEnum):
    """Why the interviewer's audio for a turn ended (`ai_audio_end.reason`)."""

    COMPLETE = "complete"  # the turn was said to its end
    INTERRUPTED = "interrupted"  # stopped by the candidate (barge-in or Interrupt): flush the audio
    WITHDRAWN = "withdrawn"  # taken back before a sound (the candidate went on): drop its subtitles


@dataclass(frozen=True, slots=True)
class SessionState:
    """The first frame after connecting (and after a reconnect): where the interview stands."""

    type: ClassVar[str] = "session_state"
    status: str
    remaining_seconds: float | None
    history: tuple[HistoryItem, ...]
    language: str
    hands_free: bool
    next_turn: int

    def wire(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "status": self.status,
            "remaining_seconds": self.remaining_seconds,
            "history": [item.as_wire() for item in self.history],
            "language": self.language,
            "mode": "hands_free" if self.hands_free else "push_to_talk",
            "next_turn": self.next_turn,
        }


@dataclass(frozen=True, slots=True)
class UserTranscript:
    """What the candidate said; partial transcripts (hands-free, local engine) have final=False."""

    type: ClassVar[str] = "user_transcript"
    text: str
    turn: int
    final: bool

    def wire(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, "turn": self.turn, "final": self.final}


@dataclass(frozen=True, slots=True)
class AiTranscriptChunk:
    """The next piece of the interviewer's words (subtitles)."""

    type: ClassVar[str] = "ai_transcript_chunk"
    text: str
    turn: int

    def wire(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, "turn": self.turn}


# The interviewer's audio as binary frames, for a client that connects with `?audio=binary` (the
# page does): a header (kind, turn, seq: unsigned, big-endian) and then the MP3 bytes, instead of
# base64 in JSON (a third larger, and ~30 us of encoding per 4 KB chunk on the server).
BINARY_AUDIO_PARAMETER = ("audio", "binary")
BINARY_AI_AUDIO = 1  # the header's first byte: the only kind of binary frame the server sends
_BINARY_AUDIO_HEADER = struct.Struct(">BII")
BINARY_AUDIO_HEADER_BYTES = _BINARY_AUDIO_HEADER.size


@dataclass(frozen=True, slots=True)
class AiAudioChunk:
    """The next piece of the interviewer's speech (MP3), in order (`seq`) within its turn."""

    type: ClassVar[str] = "ai_audio_chunk"
    audio: bytes
    turn: int
    seq: int

    def wire(self) -> dict[str, Any]:
        data = base64.b64encode(self.audio).decode("ascii")
        return {"type": self.type, "data": data, "turn": self.turn, "seq": self.seq}

    def binary(self) -> bytes:
        return _BINARY_AUDIO_HEADER.pack(BINARY_AI_AUDIO, self.turn, self.seq) + self.audio

    @classmethod
    def from_binary(cls, frame: bytes) -> AiAudioChunk:
        """Read a binary server frame back (clients in Python: tests, benchmarks)."""
        if len(frame) < BINARY_AUDIO_HEADER_BYTES:
            raise ValueError(f"A binary audio frame has a {BINARY_AUDIO_HEADER_BYTES}-byte header; got {len(frame)}.")
        kind, turn, seq = _BINARY_AUDIO_HEADER.unpack_from(frame)
        if kind != BINARY_AI_AUDIO:
            raise ValueError(f"Unknown binary frame kind {kind}.")
        return cls(audio=bytes(frame[BINARY_AUDIO_HEADER_BYTES:]), turn=turn, seq=seq)


@dataclass(frozen=True, slots=True)
class AiAudioEnd:
    type: ClassVar[str] = "ai_audio_end"
    turn: int
    reason: AudioEndReason = AudioEndReason.COMPLETE

    def wire(self) -> dict[str, Any]:
        return {"type": self.type, "turn": self.turn, "reason": str(self.reason)}


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Hands-free: the candidate's voice was heard. Over the interviewer (`overlapping`), `hold`
    tells the page to pause its playback (True) or only lower it (False); `continues_turn` says the
    candidate went on with an answer the server had taken as finished."""

    type: ClassVar[str] = "speech_started"
    overlapping: bool
    hold: bool | None = None
    continues_turn: int | None = None

    def wire(self) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": self.type, "overlapping": self.overlapping}
        if self.hold is not None:
            frame["hold"] = self.hold
        if self.continues_turn is not None:
            frame["continues_turn"] = self.continues_turn
        return frame


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """Hands-free: the candidate's speech ended. `ignored` (reason `backchannel` or `echo`): it did
    not count, and the page goes on playing from where it held; otherwise the answer ended."""

    type: ClassVar[str] = "speech_ended"
    ignored: bool
    reason: str | None = None

    def wire(self) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": self.type, "ignored": self.ignored}
        if self.reason is not None:
            frame["reason"] = self.reason
        return frame


@dataclass(frozen=True, slots=True)
class InterviewEnded:
    type: ClassVar[str] = "interview_ended"
    reason: str
    history: tuple[HistoryItem, ...]

    def wire(self) -> dict[str, Any]:
        return {"type": self.type, "reason": self.reason, "history": [item.as_wire() for item in self.history]}


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """A clear reason in words; non-fatal errors leave the session usable."""

    type: ClassVar[str] = "error"
    code: ErrorCode
    message: str
    fatal: bool = False

    def wire(self) -> dict[str, Any]:
        return {"type": self.type, "code": str(self.code), "message": self.message, "fatal": self.fatal}


ServerFrame = (
    SessionState
    | UserTranscript
    | AiTranscriptChunk
    | AiAudioChunk
    | AiAudioEnd
    | SpeechStarted
    | SpeechEnded
    | InterviewEnded
    | ErrorFrame
)
SERVER_FRAMES: tuple[type[ServerFrame], ...] = (
    SessionState,
    UserTranscript,
    AiTranscriptChunk,
    AiAudioChunk,
    AiAudioEnd,
    SpeechStarted,
    SpeechEnded,
    InterviewEnded,
    ErrorFrame,
)
CLIENT_MESSAGE_TYPES = ("audio_chunk", "audio_end", "end_interview", "interrupt", "playback")
