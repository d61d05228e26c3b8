"""OpenAI transcription, streamed chat and structured (JSON schema) chat through the official async
SDK (any compatible server works)."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any, TypedDict

# httpx itself, complete before any client is built: the SDK reads `httpx.URL` from sys.modules if
# httpx is there (openai/_httpx2.py), and a server's warm-up thread imports it (the ElevenLabs SDK)
# while its first sessions build their clients. A half-imported httpx ended them with 1011.
import httpx  # noqa: F401 (imported for its side effect, see above)
import httpx2  # the OpenAI SDK's HTTP client (a maintained fork of httpx)
import openai

# The SDK imports a resource's modules on a client's first call to it (~25 ms of CPU for the
# transcription, ~30 ms for the chat, in a candidate's first turn); imported with this module instead,
# which a server imports before it takes sessions (registry.import_providers).
import openai.resources.audio.audio
import openai.resources.chat.chat
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from interviews.languages import language_base
from interviews.providers.base import (
    InterviewContext,
    Message,
    ProviderError,
    ProviderInfo,
    StructuredOutputError,
    StructuredReply,
)


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


class _Messages(TypedDict):
    messages: list[ChatCompletionMessageParam]
    extra_body: dict[str, Any]


def _chat_messages(messages: list[Message]) -> _Messages:
    """The messages as create()'s arguments. They go in `extra_body`, which the SDK merges into the
    JSON as it is: its `messages` argument is walked through every variant of its TypedDict union,
    message by message (~2 ms of CPU for twelve messages, on the path of every reply; BENCHMARKS.md
    #22). Ours are plain JSON already: our roles are the API's own, and the content is text."""
    return {"messages": [], "extra_body": {"messages": [{"role": m.role, "content": m.content} for m in messages]}}


def make_client(
    *, api_key: str, base_url: str | None, timeout_s: float, connect_timeout_s: float
) -> openai.AsyncOpenAI:
    timeout = openai.Timeout(timeout_s, connect=connect_timeout_s)
    # Retries are ours (the fallback chain), so one slow retry inside the SDK cannot hide latency.
    # The SDK's aiohttp transport (the `aiohttp` extra): against httpx2's own, a call takes 15-50 % less
    # CPU (bench/sdk_cost.py; BENCHMARKS.md #22), on the path of every reply.
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=0,
        http_client=openai.DefaultAioHttpClient(timeout=timeout),
    )


class OpenAISpeechToText:
    def __init__(self, *, client: openai.AsyncOpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.info = ProviderInfo(stage="stt", name="openai", detail=model)

    async def aclose(self) -> None:
        await self.client.close()

    async def transcribe(self, audio: bytes, *, language: str, mime: str = "audio/webm") -> str:
        extension = mime.split("/")[-1].split(";")[0] or "webm"
        try:
            # The browser's WebM/Opus goes up as it is: no conversion on the hot path.
            result = await self.client.audio.transcriptions.create(
                model=self.model,
                file=(f"answer.{extension}", audio, mime),
                language=language_base(language),
            )
        except openai.OpenAIError as exc:
            raise _provider_error("stt", exc) from exc
        return (result.text or "").strip()


class OpenAIChat:
    def __init__(self, *, client: openai.AsyncOpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.info = ProviderInfo(stage="llm", name="openai", detail=model)

    async def aclose(self) -> None:
        await self.client.close()

    async def stream(self, messages: list[Message], *, context: InterviewContext) -> AsyncGenerator[str, None]:
        request = self.client.chat.completions.with_streaming_response.create(
            model=self.model, stream=True, **_chat_messages(messages)
        )
        try:
            # The SDK builds and sends the request and raises on an error status; the body is read
            # here, one `data:` line per token, without the SDK's model object per chunk (most of
            # a reply's SDK CPU, bench/sdk_cost.py). Closing the response on cancellation drops the
            # HTTP stream, so the server stops generating.
            async with request as response:
                async for line in response.iter_lines():
                    if (content := _delta_content(line)) is not None:
                        yield content
        except (openai.OpenAIError, httpx2.HTTPError) as exc:
            raise _provider_error("llm", exc) from exc


def _delta_content(line: str) -> str | None:
    """The text of one server-sent event of a chat stream (None: no text in it)."""
    if not line.startswith("data:") or (payload := line[5:].strip()) == "[DONE]":
        return None
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise ProviderError("llm", "OpenAI sent a stream we could not read.") from exc
    if not isinstance(data, dict):
        return None
    if data.get("error"):
        error = data["error"]
        message = error.get("message") if isinstance(error, dict) else None
        raise ProviderError("llm", f"OpenAI failed during the stream: {message or 'an error event'}.")
    choices = data.get("choices")
    delta = choices[0].get("delta") if choices and isinstance(choices[0], dict) else None
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) and content else None


class OpenAIStructuredChat:
    """Chat completions held to a strict JSON schema (structured outputs): one whole reply, parsed."""

    def __init__(self, *, client: openai.AsyncOpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.info = ProviderInfo(stage="llm", name="openai", detail=model)

    async def complete(self, messages: list[Message], *, schema: dict[str, Any], name: str) -> StructuredReply:
        response_format: ResponseFormatJSONSchema = {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        }
        try:
            response = await self.client.chat.completions.create(
                model=self.model, response_format=response_format, **_chat_messages(messages)
            )
        except openai.OpenAIError as exc:
            raise _provider_error("llm", exc) from exc
        message = response.choices[0].message if response.choices else None
        if message is not None and message.refusal:
            # Asking again gets the same refusal: not worth a retry.
            raise ProviderError("llm", f"the model refused: {message.refusal}", retryable=False)
        content = (message.content if message is not None else None) or ""
        if not content:
            raise StructuredOutputError("llm", "the reply was empty", content="")
        try:
            data = json.loads(content)
        except ValueError as exc:
            raise StructuredOutputError("llm", f"the reply was not JSON: {exc}", content=content) from exc
        if not isinstance(data, dict):
            raise StructuredOutputError("llm", "the reply was not a JSON object", content=content)
        # The model that answered, which may name a dated snapshot of the one asked for.
        return StructuredReply(data=data, model=response.model or self.model)
