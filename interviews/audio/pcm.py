"""Whole recordings and the PCM they become: 16 kHz mono float32 for recognition, WAV for storage."""

from __future__ import annotations

import io
import logging
import wave

import av
import numpy as np

logger = logging.getLogger(__name__)

# What speech recognition wants: 16 kHz mono float32 in [-1, 1].
RECOGNITION_RATE = 16000


class AudioDecodeError(ValueError):
    """The bytes are not audio that FFmpeg can decode (wrong format, truncated header, noise)."""


def pcm_duration_s(pcm: np.ndarray, *, rate: int = RECOGNITION_RATE) -> float:
    return len(pcm) / float(rate)


def empty_pcm() -> np.ndarray:
    return np.zeros(0, dtype=np.float32)


def concat_pcm(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return empty_pcm()
    return np.concatenate(parts).astype(np.float32, copy=False)


def mono_resampler(rate: int) -> av.AudioResampler:
    return av.AudioResampler(format="flt", layout="mono", rate=rate)


def resample_frame(resampler: av.AudioResampler, frame: av.AudioFrame | None) -> list[np.ndarray]:
    """One decoded frame (None: the resampler's tail) -> mono float32 PCM parts."""
    # Packed float mono: to_ndarray() has shape (1, samples).
    return [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]


def resample_frames(resampler: av.AudioResampler, frames: list[av.AudioFrame]) -> list[np.ndarray]:
    """Consecutive decoded frames of one stream -> mono float32 PCM parts, in one resampler call.

    The same samples as a call per frame (FFmpeg's resampler keeps its phase across calls either
    way), for ~20 % less of its CPU: a 50 ms chunk of Opus is two or three 20 ms frames, and the
    per-call work was a fifth of the resampling (BENCHMARKS.md, #22)."""
    if len(frames) < 2:
        return [part for frame in frames for part in resample_frame(resampler, frame)]
    # One stream's frames share their format (a resampler refuses any other after its first).
    first = frames[0]
    joined = av.AudioFrame.from_ndarray(
        np.concatenate([frame.to_ndarray() for frame in frames], axis=1),
        format=first.format.name,
        layout=first.layout.name,
    )
    joined.sample_rate = first.sample_rate
    return resample_frame(resampler, joined)


def decode_to_pcm(data: bytes, *, rate: int = RECOGNITION_RATE) -> np.ndarray:
    """A whole recording (WebM/Opus as MediaRecorder makes it, or WAV/MP3/OGG...) -> mono float32 PCM."""
    if not data:
        return empty_pcm()
    parts: list[np.ndarray] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioDecodeError("the recording has no audio stream")
            resampler = mono_resampler(rate)
            try:
                for frame in container.decode(container.streams.audio[0]):
                    parts.extend(resample_frame(resampler, frame))
            except av.FFmpegError as exc:
                # A recording cut short mid-packet still has a usable beginning.
                if not parts:
                    raise
                logger.debug("audio decode stopped early: %s", exc)
            parts.extend(resample_frame(resampler, None))
    except av.FFmpegError as exc:
        raise AudioDecodeError(f"cannot decode audio ({len(data)} bytes): {exc}") from exc
    return concat_pcm(parts)


def resample_pcm(pcm: np.ndarray, *, rate: int, to_rate: int) -> np.ndarray:
    """Mono float32 PCM from one sample rate to another (FFmpeg's resampler)."""
    if rate == to_rate or len(pcm) == 0:
        return np.asarray(pcm, dtype=np.float32)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(pcm, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = rate
    resampler = mono_resampler(to_rate)
    return concat_pcm(resample_frame(resampler, frame) + resample_frame(resampler, None))


def pcm_to_wav(pcm: np.ndarray, *, rate: int = RECOGNITION_RATE) -> bytes:
    """16-bit mono WAV: what an utterance cut from a stream is stored and transcribed as."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(pcm, -1.0, 1.0) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def wav_seconds(size_bytes: int, *, rate: int = RECOGNITION_RATE) -> float:
    """The length of a pcm_to_wav recording of `size_bytes` (44-byte header, 2 bytes a sample)."""
    return max(0, size_bytes - 44) / (2 * rate)


def cut_recording(data: bytes, *, seconds: float, rate: int = RECOGNITION_RATE) -> bytes:
    """The first `seconds` of a recording, as WAV (what an answer cut at a limit keeps)."""
    return pcm_to_wav(decode_to_pcm(data, rate=rate)[: int(seconds * rate)], rate=rate)
