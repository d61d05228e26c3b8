"""Builds each stage's provider chain from settings; a chain falls back to the next provider on failure."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from interviews.providers.base import (
    InterviewContext,
    LanguageModel,
    Message,
    ProviderError,
    ProviderInfo,
    SpeechToText,
    StreamingSpeechToText,
    TextToSpeech,
    TranscriptionStream,
    Voice,
)

logger = logging.getLogger(__name__)


class SpeechToTextChain:
    """Tries each engine in order; a transient failure is retried once, after a short backoff."""

    def __init__(self, providers: list[SpeechToText], *, retries: int = 1, backoff_s: float = 0.2) -> None:
        self.providers = providers
        self.retries = retries
        self.backoff_s = backoff_s
        self.info = ProviderInfo(stage="stt", name=",".join(p.info.name for p in providers))

    @property
    def streaming(self) -> StreamingSpeechToText | None:
        first = self.providers[0]
        return first if isinstance(first, StreamingSpeechToText) else None

    def open_stream(self, *, language: str) -> TranscriptionStream | None:
        streaming = self.streaming
        return streaming.open_stream(language=language) if streaming is not None else None

    async def transcribe(self, audio: bytes, *, language: str, mime: str = "audio/webm") -> str:
        last_error: ProviderError | None = None
        for provider in self.providers:
            for attempt in range(self.retries + 1):
                try:
                    return await provider.transcribe(audio, language=language, mime=mime)
                except ProviderError as exc:
                    last_error = exc
                    logger.warning("stt failed: %s", exc.message, extra={"provider": provider.info.name})
                    if not exc.retryable:
                        break
                    if attempt < self.retries:
                        await asyncio.sleep(self.backoff_s * (2**attempt))
        assert last_error is not None
        raise last_error


class _StreamChain:
    """Shared fallback for streams: retry or fall back only while nothing was yielded yet."""

    stage = ""

    def __init__(self, providers: list[Any], *, retries: int = 0, backoff_s: float = 0.2) -> None:
        self.providers = providers
        self.retries = retries
        self.backoff_s = backoff_s
        self.info = ProviderInfo(stage=self.stage, name=",".join(p.info.name for p in providers))

    async def _stream(self, open_stream: Callable[[Any], AsyncIterator[Any]]) -> AsyncIterator[Any]:
        last_error: ProviderError | None = None
        for provider in self.providers:
            for attempt in range(self.retries + 1):
                started = False
                try:
                    async for piece in open_stream(provider):
                        started = True
                        yield piece
                    return
                except ProviderError as exc:
                    logger.warning("%s failed: %s", self.stage, exc.message, extra={"provider": provider.info.name})
                    if started:
                        raise  # part of it was already played: a retry would repeat it
                    last_error = exc
                    if not exc.retryable:
                        break
                    if attempt < self.retries:
                        await asyncio.sleep(self.backoff_s * (2**attempt))
        assert last_error is not None
        raise last_error


class LanguageModelChain(_StreamChain):
    stage = "llm"

    def stream(self, messages: list[Message], *, context: InterviewContext) -> AsyncIterator[str]:
        return self._stream(lambda provider: provider.stream(messages, context=context))


class TextToSpeechChain(_StreamChain):
    stage = "tts"

    def stream(self, text: str, *, voice: Voice) -> AsyncIterator[bytes]:
        return self._stream(lambda provider: provider.stream(text, voice=voice))


@dataclass(frozen=True)
class Providers:
    stt: SpeechToTextChain
    llm: LanguageModelChain
    tts: TextToSpeechChain

    def describe(self) -> str:
        return f"stt={self.stt.info.name} llm={self.llm.info.name} tts={self.tts.info.name}"

    async def warm(self) -> None:
        for provider in [*self.stt.providers, *self.llm.providers, *self.tts.providers]:
            warm = getattr(provider, "warm", None)
            if warm is not None:
                await warm()


def _openai_client() -> Any:
    from interviews.providers.openai import make_client

    return make_client(
        api_key=settings.OPENAI_API_KEY,
        base_url=settings.OPENAI_BASE_URL,
        timeout_s=settings.PROVIDER_TIMEOUT_S,
        connect_timeout_s=settings.PROVIDER_CONNECT_TIMEOUT_S,
    )


def _build_stt(name: str) -> SpeechToText:
    if name == "openai":
        from interviews.providers.openai import OpenAISpeechToText

        return OpenAISpeechToText(client=_openai_client(), model=settings.OPENAI_STT_MODEL)
    from interviews.providers.local_stt import LocalSpeechToText

    return LocalSpeechToText(cache_dir=settings.DATA_DIR / "models")


def _build_llm(name: str) -> LanguageModel:
    if name == "openai":
        from interviews.providers.openai import OpenAIChat

        return OpenAIChat(client=_openai_client(), model=settings.OPENAI_MODEL)
    from interviews.providers.local_llm import LocalInterviewer

    return LocalInterviewer()


def _build_tts(name: str) -> TextToSpeech:
    if name == "elevenlabs":
        from interviews.providers.elevenlabs import ElevenLabsTextToSpeech

        return ElevenLabsTextToSpeech(
            api_key=settings.ELEVENLABS_API_KEY,
            base_url=settings.ELEVENLABS_BASE_URL,
            voice_id=settings.ELEVENLABS_VOICE_ID,
            model_id=settings.ELEVENLABS_MODEL_ID,
            timeout_s=settings.PROVIDER_TIMEOUT_S,
            connect_timeout_s=settings.PROVIDER_CONNECT_TIMEOUT_S,
        )
    from interviews.providers.local_tts import LocalTextToSpeech

    return LocalTextToSpeech()


def build_providers() -> Providers:
    chosen = settings.INTERVIEW_PROVIDERS
    return Providers(
        stt=SpeechToTextChain([_build_stt(name) for name in chosen["stt"]]),
        llm=LanguageModelChain([_build_llm(name) for name in chosen["llm"]]),
        # Speech is retried once before any byte was sent. The language model is not retried: a
        # second wait for a first token is worse for the candidate than the spoken apology that
        # follows a failure; it falls back to the next configured provider instead.
        tts=TextToSpeechChain([_build_tts(name) for name in chosen["tts"]], retries=1),
    )


# Per event loop (HTTP clients bind to one), then per provider settings (tests change them).
_cache: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, ...], Providers]] = (
    weakref.WeakKeyDictionary()
)


def get_providers() -> Providers:
    """The providers for the current settings, built once per event loop."""
    key = (
        repr(settings.INTERVIEW_PROVIDERS),
        settings.OPENAI_BASE_URL,
        settings.ELEVENLABS_BASE_URL,
        settings.OPENAI_API_KEY,
        settings.ELEVENLABS_API_KEY,
        settings.PROVIDER_TIMEOUT_S,
    )
    per_loop = _cache.setdefault(asyncio.get_running_loop(), {})
    if key not in per_loop:
        per_loop[key] = build_providers()
    return per_loop[key]
