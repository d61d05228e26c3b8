"""OpenAI transcription and streamed chat through the official async SDK (any compatible server works)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import openai

from interviews.providers.base import InterviewContext, Message, ProviderError, ProviderInfo


def _provider_error(stage: str, exc: Exception) -> ProviderError:
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(stage, "OpenAI did not answer in time.")
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(stage, "Could not reach OpenAI.")
    if isinstance(exc, openai.RateLimitError):
        return ProviderError(stage, "OpenAI is rate limiting us (429).")
    if isinstance(exc, openai.APIStatusError):
        retryable = exc.status_code >= 500
        return ProviderError(stage, f"OpenAI answered {exc.status_code}.", retryable=retryable)
    return ProviderError(stage, f"OpenAI failed: {type(exc).__name__}.")


def make_client(
    *, api_key: str, base_url: str | None, timeout_s: float, connect_timeout_s: float
) -> openai.AsyncOpenAI:
    # Retries are ours (the fallback chain), so one slow retry inside the SDK cannot hide latency.
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
        max_retries=0,
    )


class OpenAISpeechToText:
    def __init__(self, *, client: openai.AsyncOpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.info = ProviderInfo(stage="stt", name="openai", detail=model)

    async def transcribe(self, audio: bytes, *, language: str, mime: str = "audio/webm") -> str:
        extension = mime.split("/")[-1].split(";")[0] or "webm"
        try:
            # The browser's WebM/Opus goes up as it is: no conversion on the hot path.
            result = await self.client.audio.transcriptions.create(
                model=self.model,
                file=(f"answer.{extension}", audio, mime),
                language=language.split("-")[0],
            )
        except openai.OpenAIError as exc:
            raise _provider_error("stt", exc) from exc
        return (result.text or "").strip()


class OpenAIChat:
    def __init__(self, *, client: openai.AsyncOpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.info = ProviderInfo(stage="llm", name="openai", detail=model)

    async def stream(self, messages: list[Message], *, context: InterviewContext) -> AsyncIterator[str]:
        try:
            response = await self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                stream=True,
            )
        except openai.OpenAIError as exc:
            raise _provider_error("llm", exc) from exc
        # Closing the response on cancellation drops the HTTP stream, so the server stops generating.
        async with response:
            try:
                async for chunk in response:
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
            except (openai.OpenAIError, httpx.HTTPError) as exc:
                raise _provider_error("llm", exc) from exc
