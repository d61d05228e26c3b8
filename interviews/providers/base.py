"""The one small interface per capability that every speech, language and voice provider implements.

Providers know nothing of Django: they get plain dataclasses and return text or bytes.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message as the language model sees it."""

    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True, slots=True)
class PlannedQuestion:
    text: str
    follow_up_depth: int = 1
    time_limit_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    description: str = ""
    weight: float = 1.0
    scale_max: int = 5
    anchors: tuple[str, ...] = ()  # what each scale point means, lowest first (empty: defaults)


@dataclass(frozen=True, slots=True)
class PlanProgress:
    """Where the interview stands in its plan, computed by the pipeline for each interviewer turn."""

    question: int  # the planned question being asked, 1-based; 0 = none asked yet
    questions: int
    follow_ups: int  # follow-ups already asked on it
    follow_up_limit: int  # the recruiter's budget of follow-ups for it
    seconds_left: float | None  # in the whole interview
    question_seconds: float | None = None  # since it was asked
    question_limit_s: float | None = None  # the recruiter's time for it (None: no limit)

    @property
    def question_time_up(self) -> bool:
        limit, spent = self.question_limit_s, self.question_seconds
        return limit is not None and spent is not None and spent >= limit


@dataclass(frozen=True, slots=True)
class InterviewContext:
    """What an interviewer needs to know about the interview it is running."""

    title: str
    role: str
    language: str  # BCP-47, e.g. "en", "ko"
    language_name: str = ""  # its English name, for the model's instructions (empty: the code names it)
    candidate_name: str = ""
    job_description: str = ""
    persona: str = ""
    what_happens_next: str = ""  # what the candidate is told about next steps at the end
    time_limit_minutes: int = 20
    questions: tuple[PlannedQuestion, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    # Set by the pipeline for the turn being generated. `transcript` is the whole conversation so
    # far, oldest first, without the system prompt (the LLM's `messages` hold only a bounded tail).
    transcript: tuple[Message, ...] = ()
    remaining_seconds: float | None = None
    closing: bool = False  # time is up: thank the candidate and close
    progress: PlanProgress | None = None


@dataclass(frozen=True, slots=True)
class Voice:
    language: str
    voice_id: str = ""  # provider-specific; "" = the provider's default


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    stage: str  # "stt" | "llm" | "tts"
    name: str
    detail: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class ProviderError(Exception):
    """A provider failed. `retryable` is True for transient faults (5xx, 429, timeouts)."""

    def __init__(self, stage: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message
        self.retryable = retryable


class StructuredOutputError(ProviderError):
    """The model answered, but not with a JSON object. `content` is what it said, so the caller can
    show the model its mistake and ask again."""

    def __init__(self, stage: str, message: str, *, content: str) -> None:
        super().__init__(stage, message, retryable=True)
        self.content = content


@dataclass(frozen=True, slots=True)
class StructuredReply:
    """A whole reply written to a JSON schema: the parsed object, and the model that wrote it."""

    data: dict[str, Any]
    model: str


# The marker a language model puts at the very end of its reply when the interview is over.
END_MARKER = "<<END>>"


@runtime_checkable
class SpeechToText(Protocol):
    info: ProviderInfo

    async def transcribe(self, audio: bytes, *, language: str, mime: str = "audio/webm") -> str:
        """One whole utterance (the browser's WebM/Opus as it is) -> its text."""
        ...


class TranscriptionStream(Protocol):
    """An utterance being recognised while it is still being spoken."""

    async def feed(self, audio: bytes) -> str | None:
        """Add the next bytes of the stream; returns a new partial transcript when there is one."""
        ...

    async def finish(self) -> str:
        """The stream ended: the final transcript."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class PcmTranscriptionStream(TranscriptionStream, Protocol):
    """A stream that also takes decoded audio (16 kHz mono float32): hands-free utterances are cut
    from the continuous recording as PCM, so the engine is fed PCM, not the browser's bytes."""

    async def feed_pcm(self, pcm: np.ndarray) -> str | None:
        """Add decoded audio; returns a new partial transcript when there is one."""
        ...

    @property
    def covered_s(self) -> float | None:
        """Seconds of the audio the latest partial transcript covers (None: no partial yet)."""
        ...

    def pause_heard(self) -> Awaitable[str | None] | None:
        """The speaker has just paused (the caller's voice detection says so): the words up to here
        are wanted soon, since the answer may have ended. Returns, when they are being recognised
        now, what resolves to them (the new partial transcript; None if it did not change)."""
        ...


@runtime_checkable
class StreamingSpeechToText(SpeechToText, Protocol):
    def open_stream(self, *, language: str) -> TranscriptionStream: ...


@runtime_checkable
class LanguageModel(Protocol):
    info: ProviderInfo

    def stream(self, messages: list[Message], *, context: InterviewContext) -> AsyncGenerator[str, None]:
        """The next interviewer message as text pieces, as they are generated.

        `messages` already holds the system prompt built from `context`; a provider that does not
        read prompts (the local interviewer) works from `context` and the conversation instead.
        """
        ...


@runtime_checkable
class TextToSpeech(Protocol):
    info: ProviderInfo

    def stream(self, text: str, *, voice: Voice) -> AsyncGenerator[bytes, None]:
        """Speech for `text` as MP3 bytes, yielded as soon as each piece exists."""
        ...


@runtime_checkable
class StructuredLanguageModel(Protocol):
    """A language model asked for one whole reply in the shape of a strict JSON schema (off the hot
    path: the recruiter's evaluation, not the interview)."""

    info: ProviderInfo

    async def complete(self, messages: list[Message], *, schema: dict[str, Any], name: str) -> StructuredReply:
        """The reply to `messages`, parsed. Raises ProviderError when the model cannot be reached or
        refuses, StructuredOutputError when its reply is not a JSON object."""
        ...


class Warmable(Protocol):
    async def warm(self) -> None:
        """Load models and run one tiny request so the first candidate does not pay for it."""
        ...
