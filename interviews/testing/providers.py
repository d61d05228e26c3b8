"""Scripted speech, language and voice providers for in-process pipeline tests, in fake time.

They implement the same Protocols as the real providers, take their delays from the runtime's
clock, record what they were asked, and fail on request; the HTTP fakes in fakes/ stay the
integration layer for the real SDKs.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field

import numpy as np

from interviews.audio import RECOGNITION_RATE, encode_mp3
from interviews.pipeline.ports import Runtime
from interviews.providers.base import InterviewContext, Message, ProviderError, ProviderInfo, Voice

DEFAULT_TRANSCRIPT = "I built a payments service in Go."
GREETING = "Hello! Could you start by telling me about yourself?"
_TOKEN = re.compile(r"\s*\S+")


def tokens(text: str) -> list[str]:
    """Word-ish tokens, each with its leading space, as a chat stream delivers them."""
    return _TOKEN.findall(text)


def default_reply(messages: list[Message], context: InterviewContext) -> str:
    """A follow-up quoting the last answer, so tests can see what the model was shown."""
    answers = [m.content for m in messages if m.role == "user" and not m.content.startswith("(")]
    if not answers:
        return GREETING
    return f"Thanks. You said: {answers[-1].rstrip('.!?')}. Can you tell me more about that?"


@dataclass
class Failure:
    retryable: bool = True
    after: int = 0  # pieces delivered before the failure (streams)


@dataclass
class Call:
    """One request as the scripted provider saw it (times on the runtime's clock)."""

    started_at: float
    text: str = ""
    audio: bytes = b""
    mime: str = ""
    messages: list[Message] = field(default_factory=list)
    context: InterviewContext | None = None
    finished_at: float | None = None
    closed_early: bool = False  # the pipeline stopped reading before the end (cancelled)


class _Scripted:
    stage = ""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.info = ProviderInfo(stage=self.stage, name="scripted")

    def fail_next(self, *, count: int = 1, retryable: bool = True, after: int = 0) -> None:
        self.failures += [Failure(retryable=retryable, after=after)] * count

    def _failure(self) -> Failure | None:
        return self.failures.pop(0) if self.failures else None


class ScriptedSpeechToText(_Scripted):
    stage = "stt"

    def __init__(self, runtime: Runtime, *, transcripts: list[str] | None = None, delay_s: float = 0.3) -> None:
        super().__init__(runtime)
        self.transcripts = list(transcripts or [])
        self.delay_s = delay_s

    async def transcribe(self, audio: bytes, *, language: str, mime: str = "audio/webm") -> str:
        call = Call(started_at=self.runtime.now(), audio=audio, mime=mime)
        self.calls.append(call)
        try:
            await self.runtime.sleep(self.delay_s)
        except BaseException:
            call.closed_early = True
            raise
        call.finished_at = self.runtime.now()
        if (failure := self._failure()) is not None:
            raise ProviderError("stt", "scripted transcription failure", retryable=failure.retryable)
        return self.transcripts.pop(0) if self.transcripts else DEFAULT_TRANSCRIPT


class ScriptedLanguageModel(_Scripted):
    stage = "llm"

    def __init__(
        self,
        runtime: Runtime,
        *,
        replies: list[str] | None = None,
        reply: Callable[[list[Message], InterviewContext], str] = default_reply,
        first_token_delay_s: float = 0.4,
        per_token_delay_s: float = 0.025,
    ) -> None:
        super().__init__(runtime)
        self.replies = list(replies or [])
        self.reply = reply
        self.first_token_delay_s = first_token_delay_s
        self.per_token_delay_s = per_token_delay_s

    def stream(self, messages: list[Message], *, context: InterviewContext) -> AsyncGenerator[str, None]:
        return self._stream(messages, context)

    async def _stream(self, messages: list[Message], context: InterviewContext) -> AsyncGenerator[str, None]:
        call = Call(started_at=self.runtime.now(), messages=list(messages), context=context)
        self.calls.append(call)
        text = self.replies.pop(0) if self.replies else self.reply(messages, context)
        failure = self._failure()
        try:
            await self.runtime.sleep(self.first_token_delay_s)
            for count, token in enumerate(tokens(text)):
                if failure is not None and count == failure.after:
                    raise ProviderError("llm", "scripted language model failure", retryable=failure.retryable)
                if count:
                    await self.runtime.sleep(self.per_token_delay_s)
                yield token
            if failure is not None:
                raise ProviderError("llm", "scripted language model failure", retryable=failure.retryable)
            call.text = text
            call.finished_at = self.runtime.now()
        finally:
            call.closed_early = call.finished_at is None


class ScriptedTextToSpeech(_Scripted):
    """MP3 at 64 kbit/s (what the playback estimate assumes): ~0.3 s of tone per word, in 250 ms chunks."""

    stage = "tts"

    def __init__(
        self,
        runtime: Runtime,
        *,
        first_byte_delay_s: float = 0.15,
        per_chunk_delay_s: float = 0.04,
        seconds_per_word: float = 0.3,
        chunk_s: float = 0.25,
    ) -> None:
        super().__init__(runtime)
        self.first_byte_delay_s = first_byte_delay_s
        self.per_chunk_delay_s = per_chunk_delay_s
        self.seconds_per_word = seconds_per_word
        self.chunk_s = chunk_s

    def stream(self, text: str, *, voice: Voice) -> AsyncGenerator[bytes, None]:
        return self._stream(text)

    async def _stream(self, text: str) -> AsyncGenerator[bytes, None]:
        call = Call(started_at=self.runtime.now(), text=text)
        self.calls.append(call)
        failure = self._failure()
        audio = spoken(max(1, len(text.split())) * self.seconds_per_word)
        size = int(self.chunk_s * 8000)
        try:
            await self.runtime.sleep(self.first_byte_delay_s)
            for count, start in enumerate(range(0, len(audio), size)):
                if failure is not None and count == failure.after:
                    raise ProviderError("tts", "scripted voice failure", retryable=failure.retryable)
                if count:
                    await self.runtime.sleep(self.per_chunk_delay_s)
                yield audio[start : start + size]
            call.finished_at = self.runtime.now()
        finally:
            call.closed_early = call.finished_at is None


_SPOKEN: dict[int, bytes] = {}


def spoken(seconds: float) -> bytes:
    """MP3 of a voice-like tone, `seconds` long (cached by length)."""
    key = round(seconds * 100)
    if key not in _SPOKEN:
        t = np.arange(int(seconds * RECOGNITION_RATE)) / RECOGNITION_RATE
        tone = 0.2 * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
        _SPOKEN[key] = encode_mp3(tone.astype(np.float32), rate=RECOGNITION_RATE)
    return _SPOKEN[key]
