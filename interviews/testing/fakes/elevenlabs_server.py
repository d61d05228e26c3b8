"""Fake ElevenLabs HTTP server: text-to-speech (streamed or whole) returning real, decodable MP3 or PCM."""

from __future__ import annotations

import asyncio
import functools
import uuid
from typing import Any

import av
import numpy as np
from aiohttp import web

from interviews.testing.fakes._requests import Fault, RequestRecord
from interviews.testing.fakes._server import FakeServer

SECONDS_PER_CHARACTER = 0.06
MIN_DURATION_S = 0.3
DEFAULT_OUTPUT_FORMAT = "mp3_44100_128"
DEFAULT_CHUNK_BYTES = 4096
_TONE_HZ = 220.0
_TONE_AMPLITUDE = 0.2


def speech_duration_s(text: str) -> float:
    """How long the fake's audio for `text` lasts."""
    return max(MIN_DURATION_S, SECONDS_PER_CHARACTER * len(text))


def _tone(duration_ms: int, sample_rate: int) -> np.ndarray:
    times = np.arange(sample_rate * duration_ms // 1000) / sample_rate
    return (_TONE_AMPLITUDE * 32767 * np.sin(2 * np.pi * _TONE_HZ * times)).astype(np.int16)


@functools.lru_cache(maxsize=128)
def mp3_frames(duration_ms: int, sample_rate: int = 44100, bitrate_kbps: int = 128) -> tuple[bytes, ...]:
    """A mono sine tone encoded with libmp3lame, as a tuple of raw MP3 frames (concatenated they are a valid MP3)."""
    encoder = av.CodecContext.create("libmp3lame", "w")
    encoder.sample_rate = sample_rate
    encoder.layout = "mono"
    encoder.format = "s16p"
    encoder.bit_rate = bitrate_kbps * 1000
    encoder.open()
    samples = _tone(duration_ms, sample_rate)
    frame_size = encoder.frame_size or 1152
    frames: list[bytes] = []
    for start in range(0, len(samples), frame_size):
        block = samples[start : start + frame_size]
        frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="s16p", layout="mono")
        frame.sample_rate = sample_rate
        frames.extend(bytes(packet) for packet in encoder.encode(frame))
    frames.extend(bytes(packet) for packet in encoder.encode(None))
    return tuple(frames)


@functools.lru_cache(maxsize=128)
def pcm_audio(duration_ms: int, sample_rate: int) -> bytes:
    """A mono sine tone as raw signed 16-bit little-endian PCM (ElevenLabs' pcm_* formats)."""
    return _tone(duration_ms, sample_rate).astype("<i2").tobytes()


def _group(frames: tuple[bytes, ...], chunk_bytes: int) -> list[bytes]:
    """Join whole frames into chunks of about `chunk_bytes`, so every chunk starts on a frame boundary."""
    chunks: list[bytes] = []
    current = b""
    for frame in frames:
        if current and len(current) + len(frame) > chunk_bytes:
            chunks.append(current)
            current = b""
        current += frame
    if current:
        chunks.append(current)
    return chunks


class FakeElevenLabs(FakeServer):
    """ElevenLabs on 127.0.0.1: `POST /v1/text-to-speech/{voice_id}/stream` and `.../{voice_id}`.

    Both routes share the endpoint name "tts" for records and faults. `base_url` has no /v1: the SDK adds it.
    """

    endpoints = ("tts",)
    config_fields = ("first_byte_delay_s", "per_chunk_delay_s", "chunk_bytes")

    first_byte_delay_s: float
    per_chunk_delay_s: float
    chunk_bytes: int
    # Real speech to send instead of the generated tone (MP3 bytes), e.g. for echo tests.
    speech_mp3: bytes | None

    def _reset_config(self) -> None:
        self.first_byte_delay_s = 0.0
        self.per_chunk_delay_s = 0.0
        self.chunk_bytes = DEFAULT_CHUNK_BYTES
        self.speech_mp3 = None

    def cut_stream_next(self, after_chunks: int = 0, count: int = 1) -> None:
        """Close the next `count` TTS responses after `after_chunks` audio chunks."""
        self._add_fault("tts", Fault("cut", after_chunks=after_chunks), count)

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/text-to-speech/{voice_id}/stream", self._recorded("tts", self._handle_stream))
        app.router.add_post("/v1/text-to-speech/{voice_id}", self._recorded("tts", self._handle_convert))

    def _error_body(self, status: int, message: str) -> dict[str, Any]:
        statuses = {401: "needs_authorization", 422: "invalid_request", 429: "too_many_concurrent_requests"}
        return {"detail": {"status": statuses.get(status, "internal_error"), "message": message}}

    async def _handle_stream(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        return await self._handle(request, record, streamed=True)

    async def _handle_convert(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        return await self._handle(request, record, streamed=False)

    async def _handle(self, request: web.Request, record: RequestRecord, *, streamed: bool) -> web.StreamResponse:
        try:
            payload = await request.json()
        except ValueError:
            return await self._send_error(request, record, 400, "Request body is not valid JSON.")
        self._update(record, body=payload, response_text=payload.get("text"))
        if not request.headers.get("xi-api-key"):
            return await self._send_error(request, record, 401, "No xi-api-key header received.")
        text = payload.get("text")
        if not isinstance(text, str) or not text.strip():
            return await self._send_error(request, record, 422, "Field 'text' must be a non-empty string.")
        output_format = request.query.get("output_format", DEFAULT_OUTPUT_FORMAT)
        try:
            content_type, chunks = self._render(text, output_format)
        except ValueError as exc:
            return await self._send_error(request, record, 422, str(exc))
        fault = self._take_fault("tts")
        if fault is not None and fault.kind != "cut":
            return await self._apply_fault(request, record, fault)

        headers = {"request-id": uuid.uuid4().hex, "x-character-count": str(len(text))}
        if streamed:
            return await self._stream(
                request,
                record,
                content_type=content_type,
                chunks=chunks,
                first_delay_s=self.first_byte_delay_s,
                per_chunk_delay_s=self.per_chunk_delay_s,
                cut_after=fault.after_chunks if fault is not None else None,
                headers=headers,
            )
        # The whole file is ready when the last chunk would have been streamed.
        await asyncio.sleep(self.first_byte_delay_s + self.per_chunk_delay_s * max(len(chunks) - 1, 0))
        if fault is not None:
            return self._cut(request, record)
        response = web.Response(body=b"".join(chunks), content_type=content_type, headers=headers)
        self._update(record, chunks_sent=len(chunks))
        return await self._send(request, record, response)

    def _render(self, text: str, output_format: str) -> tuple[str, list[bytes]]:
        """Audio for `text` in an ElevenLabs output format, split into chunks."""
        codec, _, rest = output_format.partition("_")
        if self.speech_mp3 is not None and codec == "mp3":
            size = max(int(self.chunk_bytes), 1)
            return "audio/mpeg", [self.speech_mp3[i : i + size] for i in range(0, len(self.speech_mp3), size)]
        duration_ms = round(speech_duration_s(text) * 100) * 10
        chunk_bytes = max(int(self.chunk_bytes), 1)
        try:
            if codec == "mp3":
                sample_rate, bitrate_kbps = (int(part) for part in rest.split("_"))
                return "audio/mpeg", _group(mp3_frames(duration_ms, sample_rate, bitrate_kbps), chunk_bytes)
            if codec == "pcm":
                audio = pcm_audio(duration_ms, int(rest))
                return "audio/pcm", [audio[i : i + chunk_bytes] for i in range(0, len(audio), chunk_bytes)]
        except ValueError:
            pass
        raise ValueError(
            f"Unsupported output_format {output_format!r}; the fake knows mp3_<rate>_<kbps> and pcm_<rate>"
        )
