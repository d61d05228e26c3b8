"""Fake OpenAI HTTP server: chat completions (SSE stream or JSON) and audio transcriptions."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import BodyPartReader, hdrs, web

from interviews.testing.fakes._requests import Fault, RequestRecord
from interviews.testing.fakes._server import FakeServer

DEFAULT_TRANSCRIPT = "I built a payments service in Go."
# Uploads smaller than this cannot hold speech; the fake treats them as silence.
MIN_AUDIO_BYTES = 100
_QUOTE_MAX_CHARS = 80
_TOKEN_RE = re.compile(r"\s*\S+")

ChatHandler = Callable[[dict[str, Any]], str | Awaitable[str]]


def tokenize(text: str) -> list[str]:
    """Split a reply into word-ish tokens, each carrying its leading whitespace."""
    return _TOKEN_RE.findall(text)


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def default_chat_reply(payload: dict[str, Any]) -> str:
    """An interviewer follow-up quoting the last user message, so tests can see that context flowed."""
    user_texts = [_message_text(m) for m in payload.get("messages", []) if m.get("role") == "user"]
    if not user_texts or not user_texts[-1].strip():
        return "Hello! Could you start by telling me about yourself?"
    quote = " ".join(user_texts[-1].split())
    if len(quote) > _QUOTE_MAX_CHARS:
        quote = quote[:_QUOTE_MAX_CHARS].rsplit(" ", 1)[0] + "..."
    return f"Thanks. You said: {quote.rstrip('.!?')}. Can you tell me more about that?"


def schema_example(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """A small value valid for a JSON schema (enough for structured-output replies)."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        return schema_example(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if schema.get(combinator):
            return schema_example(schema[combinator][0], defs)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {name: schema_example(prop, defs) for name, prop in schema.get("properties", {}).items()}
    if kind == "array":
        return [schema_example(schema.get("items", {"type": "string"}), defs)]
    if kind in ("integer", "number"):
        value = schema.get("minimum", 3)
        value = min(value, schema.get("maximum", value))
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "example"


def _count_words(payload: dict[str, Any]) -> int:
    return sum(len(_message_text(m).split()) for m in payload.get("messages", []))


class FakeOpenAI(FakeServer):
    """OpenAI on 127.0.0.1: `POST /v1/chat/completions` and `POST /v1/audio/transcriptions`.

    Endpoint names for records and faults: "chat", "transcription". Replies come from `chat_replies`
    (consumed in order), else `chat_handler(request_json)`, else `default_chat_reply`.
    """

    endpoints = ("chat", "transcription")
    config_fields = ("stt_delay_s", "first_token_delay_s", "per_token_delay_s", "chat_replies", "transcripts")

    stt_delay_s: float
    first_token_delay_s: float
    per_token_delay_s: float
    chat_replies: list[str]
    chat_handler: ChatHandler | None
    transcripts: list[str]
    default_transcript: str

    def _reset_config(self) -> None:
        self.stt_delay_s = 0.0
        self.first_token_delay_s = 0.0
        self.per_token_delay_s = 0.0
        self.chat_replies = []
        self.chat_handler = None
        self.transcripts = []
        self.default_transcript = DEFAULT_TRANSCRIPT

    @property
    def base_url(self) -> str:
        """What AsyncOpenAI(base_url=...) wants: includes /v1."""
        return f"{self.root_url}/v1"

    def cut_stream_next(self, after_tokens: int = 0, count: int = 1) -> None:
        """Close the next `count` chat streams after `after_tokens` tokens, without [DONE]."""
        self._add_fault("chat", Fault("cut", after_chunks=after_tokens), count)

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._recorded("chat", self._handle_chat))
        app.router.add_post("/v1/audio/transcriptions", self._recorded("transcription", self._handle_transcription))

    def _error_body(self, status: int, message: str) -> dict[str, Any]:
        kinds = {
            400: ("invalid_request_error", None),
            401: ("invalid_request_error", "invalid_api_key"),
            429: ("requests", "rate_limit_exceeded"),
        }
        error_type, code = kinds.get(status, ("server_error", None))
        return {"error": {"message": message, "type": error_type, "param": None, "code": code}}

    async def _check_auth(self, request: web.Request, record: RequestRecord) -> web.Response | None:
        if request.headers.get(hdrs.AUTHORIZATION, "").startswith("Bearer "):
            return None
        return await self._send_error(request, record, 401, "You didn't provide an API key.")

    # --- chat --------------------------------------------------------------------------------

    async def _handle_chat(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        try:
            payload = await request.json()
        except ValueError:
            return await self._send_error(request, record, 400, "Request body is not valid JSON.")
        self._update(record, body=payload)
        if (denied := await self._check_auth(request, record)) is not None:
            return denied
        fault = self._take_fault("chat")
        if fault is not None and fault.kind != "cut":
            return await self._apply_fault(request, record, fault)

        reply = await self._chat_reply(payload)
        self._update(record, response_text=reply)
        tokens = tokenize(reply)
        completion_id = f"chatcmpl-fake{uuid.uuid4().hex[:20]}"
        model = str(payload.get("model", "gpt-fake"))
        created = int(time.time())
        usage = {
            "prompt_tokens": _count_words(payload),
            "completion_tokens": len(tokens),
            "total_tokens": _count_words(payload) + len(tokens),
        }

        if not payload.get("stream"):
            # A non-streamed reply arrives when the whole generation would have finished.
            await asyncio.sleep(self.first_token_delay_s + self.per_token_delay_s * max(len(tokens) - 1, 0))
            if fault is not None:
                return self._cut(request, record)
            completion = {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply, "refusal": None},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": usage,
                "system_fingerprint": None,
            }
            return await self._send(request, record, web.json_response(completion))

        def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            chunk = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": choices,
                **extra,
            }
            return f"data: {json.dumps(chunk)}\n\n".encode()

        def delta(content: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {"index": 0, "delta": content, "finish_reason": finish_reason, "logprobs": None}

        # Like the real API, the role arrives in its own chunk just ahead of the first token.
        role_event = event([delta({"role": "assistant", "content": "", "refusal": None})])
        chunks = [event([delta({"content": token})]) for token in tokens] or [b""]
        chunks[0] = role_event + chunks[0]
        trailer = event([delta({}, "stop")])
        if (payload.get("stream_options") or {}).get("include_usage"):
            trailer += event([], usage=usage)
        trailer += b"data: [DONE]\n\n"
        return await self._stream(
            request,
            record,
            content_type="text/event-stream",
            chunks=chunks,
            trailer=trailer,
            first_delay_s=self.first_token_delay_s,
            per_chunk_delay_s=self.per_token_delay_s,
            cut_after=fault.after_chunks if fault is not None else None,
        )

    async def _chat_reply(self, payload: dict[str, Any]) -> str:
        reply = self._pop_first(self.chat_replies)
        if reply is not None:
            return reply
        if self.chat_handler is not None:
            result = self.chat_handler(payload)
            return await result if inspect.isawaitable(result) else result
        response_format = payload.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            return json.dumps(schema_example(response_format.get("json_schema", {}).get("schema", {})))
        if response_format.get("type") == "json_object":
            return json.dumps({"reply": default_chat_reply(payload)})
        return default_chat_reply(payload)

    # --- transcription -----------------------------------------------------------------------

    async def _handle_transcription(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        if not request.content_type.startswith("multipart/"):
            return await self._send_error(request, record, 400, "Expected multipart/form-data.")
        fields: dict[str, Any] = {}
        audio = b""
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.name == "file":
                audio = await part.read(decode=False)
                fields["file"] = {
                    "filename": part.filename,
                    "content_type": part.headers.get(hdrs.CONTENT_TYPE),
                    "size": len(audio),
                }
            elif part.name in fields:
                previous = fields[part.name]
                values = previous if isinstance(previous, list) else [previous]
                fields[part.name] = [*values, await part.text()]
            else:
                fields[part.name] = await part.text()
        self._update(record, body=fields, file_bytes=audio)
        if (denied := await self._check_auth(request, record)) is not None:
            return denied
        if "file" not in fields:
            return await self._send_error(request, record, 400, "No file was uploaded.")
        fault = self._take_fault("transcription")
        if fault is not None and fault.kind != "cut":
            return await self._apply_fault(request, record, fault)

        await asyncio.sleep(self.stt_delay_s)
        if fault is not None:
            return self._cut(request, record)
        text = ""
        if len(audio) >= MIN_AUDIO_BYTES:
            queued = self._pop_first(self.transcripts)
            text = self.default_transcript if queued is None else queued
        self._update(record, response_text=text)
        response_format = fields.get("response_format", "json")
        if response_format in ("text", "srt", "vtt"):
            return await self._send(request, record, web.Response(text=text, content_type="text/plain"))
        if response_format == "verbose_json":
            body: dict[str, Any] = {
                "task": "transcribe",
                "language": fields.get("language", "english"),
                "duration": 0.0,
                "text": text,
                "segments": [],
            }
        else:
            body = {"text": text}
        return await self._send(request, record, web.json_response(body))
