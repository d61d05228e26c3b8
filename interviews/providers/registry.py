"""Builds each stage's provider chain from settings; a chain falls back to the next provider on failure."""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interviews.languages import Translate, untranslated
from interviews.providers.base import (
    InterviewContext,
    LanguageModel,
    Message,
    ProviderError,
    ProviderInfo,
    SpeechToText,
    StreamingSpeechToText,
    StructuredLanguageModel,
    TextToSpeech,
    TranscriptionStream,
    Voice,
)
from interviews.retry import backoff_delay_s, retry_with_backoff

logger = logging.getLogger(__name__)


def _transient(exc: Exception) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


def _log_failure(stage: str, provider_name: str, exc: Exception, _attempt: int = 0) -> None:
    logger.warning("%s failed: %s", stage, exc, extra={"provider": provider_name})


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
            log_failure = functools.partial(_log_failure, "stt", provider.info.name)
            try:
                return await retry_with_backoff(
                    functools.partial(provider.transcribe, audio, language=language, mime=mime),
                    attempts=self.retries + 1,
                    base_s=self.backoff_s,
                    retry_if=_transient,
                    on_retry=log_failure,
                )
            except ProviderError as exc:
                log_failure(exc)
                last_error = exc
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

    async def _stream(self, open_stream: Callable[[Any], AsyncIterator[Any]]) -> AsyncGenerator[Any, None]:
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
                    _log_failure(self.stage, provider.info.name, exc)
                    if started:
                        raise  # part of it was already played: a retry would repeat it
                    last_error = exc
                    if not exc.retryable:
                        break
                    if attempt < self.retries:
                        await asyncio.sleep(backoff_delay_s(attempt, base_s=self.backoff_s))
        assert last_error is not None
        raise last_error


class LanguageModelChain(_StreamChain):
    stage = "llm"

    def stream(self, messages: list[Message], *, context: InterviewContext) -> AsyncGenerator[str, None]:
        return self._stream(lambda provider: provider.stream(messages, context=context))


class TextToSpeechChain(_StreamChain):
    stage = "tts"

    def stream(self, text: str, *, voice: Voice) -> AsyncGenerator[bytes, None]:
        return self._stream(lambda provider: provider.stream(text, voice=voice))


@dataclass(frozen=True)
class Providers:
    stt: SpeechToTextChain
    llm: LanguageModelChain
    tts: TextToSpeechChain

    def describe(self) -> str:
        return f"stt={self.stt.info.name} llm={self.llm.info.name} tts={self.tts.info.name}"

    def _each(self) -> list[Any]:
        return [*self.stt.providers, *self.llm.providers, *self.tts.providers]

    async def warm(self) -> None:
        for provider in self._each():
            warm = getattr(provider, "warm", None)
            if warm is not None:
                await warm()

    async def aclose(self) -> None:
        """Close the cloud providers' HTTP clients: for a set built on an event loop that is about to
        end (an aiohttp session left open is reported as a leak when it is collected)."""
        for provider in self._each():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()


@dataclass(frozen=True)
class ProviderSettings:
    """Everything the registry needs to build providers: read from Django settings by
    interviews.provider_settings, so this package never imports Django."""

    stt: tuple[str, ...] = ("local",)
    llm: tuple[str, ...] = ("local",)
    tts: tuple[str, ...] = ("local",)
    openai_api_key: str = ""
    openai_base_url: str | None = None
    openai_model: str = "gpt-5.4-mini"
    openai_stt_model: str = "gpt-transcribe"
    elevenlabs_api_key: str = ""
    elevenlabs_base_url: str | None = None
    elevenlabs_voice_id: str = ""
    elevenlabs_model_id: str = ""
    # Per language (settings.INTERVIEW_LANGUAGES): (code, ElevenLabs voice id) and (code, espeak-ng voice).
    elevenlabs_voices: tuple[tuple[str, str], ...] = ()
    espeak_voices: tuple[tuple[str, str], ...] = ()
    # How the offline interviewer's sentences reach the interview's language (interviews.i18n.translate).
    translate: Translate = untranslated
    timeout_s: float = 30.0
    connect_timeout_s: float = 5.0
    models_dir: Path = Path("var/models")


def openai_client(config: ProviderSettings) -> Any:
    """A new AsyncOpenAI client for these settings."""
    from interviews.providers.openai import make_client

    return make_client(
        api_key=config.openai_api_key,
        base_url=config.openai_base_url,
        timeout_s=config.timeout_s,
        connect_timeout_s=config.connect_timeout_s,
    )


OpenAIClient = Callable[[], Any]  # the AsyncOpenAI client a set's OpenAI stages share, made on first use


# Where each stage's providers live, by name (the modules `_build_*` import them from).
PROVIDER_MODULES: dict[str, dict[str, str]] = {
    "stt": {"openai": "interviews.providers.openai", "local": "interviews.providers.local_stt"},
    "llm": {"openai": "interviews.providers.openai", "local": "interviews.providers.local_llm"},
    "tts": {"elevenlabs": "interviews.providers.elevenlabs", "local": "interviews.providers.local_tts"},
}


def import_providers(config: ProviderSettings) -> None:
    """Blocking: import the configured providers' modules (for the cloud SDKs ~1 s of one core). A
    server does this before it takes sessions: imported later, by its warm-up thread, they held the
    first sessions on the import lock for ~1 s, and what they made was never frozen out of the
    garbage collector's full collections when sessions were live by then (interviews/heap.py;
    BENCHMARKS.md #22)."""
    for stage, chosen in (("stt", config.stt), ("llm", config.llm), ("tts", config.tts)):
        for name in chosen:
            importlib.import_module(PROVIDER_MODULES[stage][name])  # a second import is a dict lookup


def _build_stt(name: str, config: ProviderSettings, client: OpenAIClient) -> SpeechToText:
    if name == "openai":
        from interviews.providers.openai import OpenAISpeechToText

        return OpenAISpeechToText(client=client(), model=config.openai_stt_model)
    from interviews.providers.local_stt import LocalSpeechToText

    return LocalSpeechToText(cache_dir=config.models_dir)


def _build_llm(name: str, config: ProviderSettings, client: OpenAIClient) -> LanguageModel:
    if name == "openai":
        from interviews.providers.openai import OpenAIChat

        return OpenAIChat(client=client(), model=config.openai_model)
    from interviews.providers.local_llm import LocalInterviewer

    return LocalInterviewer(translate=config.translate)


def _build_tts(name: str, config: ProviderSettings) -> TextToSpeech:
    if name == "elevenlabs":
        from interviews.providers.elevenlabs import ElevenLabsTextToSpeech

        return ElevenLabsTextToSpeech(
            api_key=config.elevenlabs_api_key,
            base_url=config.elevenlabs_base_url,
            voice_id=config.elevenlabs_voice_id,
            model_id=config.elevenlabs_model_id,
            voices=dict(config.elevenlabs_voices),
            timeout_s=config.timeout_s,
            connect_timeout_s=config.connect_timeout_s,
        )
    from interviews.providers.local_tts import LocalTextToSpeech

    return LocalTextToSpeech(espeak_voices=dict(config.espeak_voices))


def has_structured_model(config: ProviderSettings) -> bool:
    """Whether the configured interviewer has a structured-output (JSON schema) counterpart: the
    cloud model does; the local interviewer is no language model at all."""
    return bool(config.llm) and config.llm[0] == "openai"


def build_structured_model(config: ProviderSettings, client: OpenAIClient | None = None) -> StructuredLanguageModel:
    """The structured-output model that goes with the configured interviewer (same server, same model;
    `client`: the AsyncOpenAI client to share, a new one if None)."""
    if not has_structured_model(config):
        raise ValueError(f"LLM provider {config.llm[0] if config.llm else None!r} has no structured output")
    from interviews.providers.openai import OpenAIStructuredChat

    return OpenAIStructuredChat(
        client=(client or functools.partial(openai_client, config))(), model=config.openai_model
    )


def build_providers(config: ProviderSettings, client: OpenAIClient | None = None) -> Providers:
    """The stages' chains. Their OpenAI stages (STT, chat) share one client: one connection pool and
    one aiohttp session, from `client` (a new client if None)."""
    shared = functools.cache(client or functools.partial(openai_client, config))
    return Providers(
        stt=SpeechToTextChain([_build_stt(name, config, shared) for name in config.stt]),
        llm=LanguageModelChain([_build_llm(name, config, shared) for name in config.llm]),
        # Speech is retried once before any byte was sent. The language model is not retried: a
        # second wait for a first token is worse for the candidate than the spoken apology that
        # follows a failure; it falls back to the next configured provider instead.
        tts=TextToSpeechChain([_build_tts(name, config) for name in config.tts], retries=1),
    )


# Per event loop (HTTP clients bind to one), then per settings (tests change them).
_cache: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[ProviderSettings, Providers]] = (
    weakref.WeakKeyDictionary()
)
_structured_cache: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[ProviderSettings, StructuredLanguageModel]
] = weakref.WeakKeyDictionary()
_openai_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[ProviderSettings, Any]] = (
    weakref.WeakKeyDictionary()
)


def _loop_openai_client(config: ProviderSettings) -> Any:
    """The running loop's AsyncOpenAI client for `config`: every session's OpenAI stages on this loop
    share it, and so does a structured model of the same settings (one connection pool per loop; the
    evaluation's loop has its own, with a longer timeout)."""
    per_loop = _openai_clients.setdefault(asyncio.get_running_loop(), {})
    if config not in per_loop:
        per_loop[config] = openai_client(config)
    return per_loop[config]


def get_providers(config: ProviderSettings) -> Providers:
    """The providers for `config`, built once per event loop."""
    per_loop = _cache.setdefault(asyncio.get_running_loop(), {})
    if config not in per_loop:
        per_loop[config] = build_providers(config, functools.partial(_loop_openai_client, config))
    return per_loop[config]


def get_structured_model(config: ProviderSettings) -> StructuredLanguageModel:
    """The structured-output model for `config`, built once per event loop (as get_providers, with the
    loop's OpenAI client)."""
    per_loop = _structured_cache.setdefault(asyncio.get_running_loop(), {})
    if config not in per_loop:
        per_loop[config] = build_structured_model(config, functools.partial(_loop_openai_client, config))
    return per_loop[config]
