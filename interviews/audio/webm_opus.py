"""A browser's WebM/Opus stream decoded chunk by chunk in the caller's thread: the Matroska framing
cut here, the Opus packets handed to libopus directly (audio/opus.py; FFmpeg's decoder and a
resampler where libopus is missing)."""

from __future__ import annotations

import logging

import av
import numpy as np

from interviews.audio import opus
from interviews.audio.pcm import (
    RECOGNITION_RATE,
    AudioDecodeError,
    concat_pcm,
    mono_resampler,
    resample_frame,
    resample_frames,
)
from interviews.audio.streaming import IncrementalDecoder

logger = logging.getLogger(__name__)

# Matroska element ids (with their length markers, as they appear in the stream).
_SEGMENT, _CLUSTER, _TRACKS, _TRACK_ENTRY = 0x18538067, 0x1F43B675, 0x1654AE6B, 0xAE
_BLOCK_GROUP, _SIMPLE_BLOCK, _BLOCK, _CODEC_ID, _CODEC_PRIVATE = 0xA0, 0xA3, 0xA1, 0x86, 0x63A2
_WALK_INTO = {_SEGMENT, _CLUSTER, _TRACKS, _TRACK_ENTRY, _BLOCK_GROUP}  # masters whose children we read
_KEEP = {_SIMPLE_BLOCK, _BLOCK, _CODEC_ID, _CODEC_PRIVATE}  # leaves we read; all else is skipped


def _vint(data: bytearray | bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `at`: (value, length), or None if it is not all there yet."""
    if at >= len(data):
        return None
    first = data[at]
    length = 9 - first.bit_length() if first else 9
    if length > 8:
        raise AudioDecodeError("not a WebM stream (bad element header)")
    if at + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        value = -1  # unknown size (a live recording's Segment and Clusters)
    return value, length


class WebmOpusDecoder:
    """A growing MediaRecorder WebM/Opus stream decoded chunk by chunk in the caller's thread.

    Same results as IncrementalDecoder, without its demuxer thread: the Matroska framing of a live
    recording is simple (a header, then clusters of one Opus packet per block), so its blocks are
    cut out here and handed to libopus directly, which decodes them at `rate` (FFmpeg's decoder
    gives 48 kHz, to be resampled: it is used where libopus is missing). That spares every chunk
    two thread hand-offs, and the start-up probe that holds back the first second and a half, and
    halves the decoding's CPU. Any other codec
    in WebM, or laced blocks (no browser writes them) at the start, go to IncrementalDecoder with the
    bytes so far.
    """

    def __init__(self, *, rate: int = RECOGNITION_RATE) -> None:
        self.rate = rate
        self._buffer = bytearray()
        self._skip = 0  # bytes of a skipped element still to come
        self._seen = bytearray()  # the stream until its first block, for a fallback
        self._codec_id = b""
        self._codec_private = b""
        self._codec: opus.OpusDecoder | av.AudioCodecContext | None = None
        # libopus decodes at `rate` itself; FFmpeg's decoder gives 48 kHz, for this resampler.
        libopus = opus.LIBOPUS is not None and rate in opus.RATES
        self._resampler = None if libopus else mono_resampler(rate)
        self._fallback: IncrementalDecoder | None = None
        self._samples_total = 0

    @property
    def samples_total(self) -> int:
        return self._fallback.samples_total if self._fallback is not None else self._samples_total

    def feed(self, chunk: bytes) -> np.ndarray:
        if self._fallback is not None:
            return self._fallback.feed(chunk)
        if self._codec is None:
            self._seen += chunk
        self._buffer += chunk
        parts: list[np.ndarray] = []
        decoded: list[av.AudioFrame] = []
        for frame in self._frames():
            if self._fallback is not None:
                return self._fallback.feed(b"")
            codec = self._opus()
            try:
                if isinstance(codec, opus.OpusDecoder):
                    parts.append(codec.decode(frame))
                else:
                    decoded.extend(codec.decode(av.Packet(frame)))
            except (AudioDecodeError, av.FFmpegError) as exc:  # one damaged packet: skip it, keep the stream
                logger.debug("skipping undecodable packet: %s", exc)
        if self._resampler is not None:
            parts = resample_frames(self._resampler, decoded)
        pcm = concat_pcm(parts)
        self._samples_total += len(pcm)
        return pcm

    def flush(self) -> np.ndarray:
        if self._fallback is not None:
            return self._fallback.flush()
        parts = resample_frame(self._resampler, None) if self._codec is not None and self._resampler is not None else []
        pcm = concat_pcm(parts)
        self._samples_total += len(pcm)
        return pcm

    def close(self) -> None:
        if self._fallback is not None:
            self._fallback.close()
        if isinstance(self._codec, opus.OpusDecoder):
            self._codec.close()

    def _opus(self) -> opus.OpusDecoder | av.AudioCodecContext:
        if self._codec is None:
            if self._resampler is None:
                self._codec = opus.OpusDecoder(rate=self.rate, opus_head=self._codec_private)
            else:
                codec = av.CodecContext.create("opus", "r")
                codec.extradata = self._codec_private or None  # OpusHead: channels, pre-skip
                self._codec = codec
            self._seen = bytearray()
        return self._codec

    def _fall_back(self) -> None:
        self._fallback = IncrementalDecoder(rate=self.rate)
        self._fallback.feed(bytes(self._seen))
        self._buffer = self._seen = bytearray()

    def _frames(self) -> list[bytes]:
        """The Opus packets complete in the buffer; consumes what it has read."""
        data, at, frames = self._buffer, 0, []
        if self._skip:
            at = min(self._skip, len(data))
            self._skip -= at
        while at < len(data):
            element = _vint(data, at, keep_marker=True)
            if element is None or (size := _vint(data, at + element[1], keep_marker=False)) is None:
                break
            (element_id, id_length), (length, size_length) = element, size
            start = at + id_length + size_length
            if element_id in _WALK_INTO:
                at = start
                continue
            if length < 0:
                raise AudioDecodeError("not a WebM stream (unknown size of a leaf element)")
            if element_id not in _KEEP:
                at = start + length
                if at > len(data):
                    self._skip = at - len(data)
                    at = len(data)
                continue
            if start + length > len(data):
                break  # wait for the rest of it
            body = bytes(data[start : start + length])
            at = start + length
            if element_id == _CODEC_ID:
                self._codec_id = body
            elif element_id == _CODEC_PRIVATE:
                self._codec_private = body
            elif (block := _block_frame(body)) is not None and self._codec_id == b"A_OPUS":
                frames.append(block)
            elif self._codec is None:  # not Opus, or laced: FFmpeg's demuxer takes the stream over
                self._fall_back()
                return [b""]
            else:
                logger.debug("skipping a laced block")
        del data[:at]
        return frames


def _block_frame(body: bytes) -> bytes | None:
    """A (Simple)Block's one frame, or None when it is laced (several frames in one block)."""
    track = _vint(body, 0, keep_marker=False)
    if track is None:
        return None
    flags_at = track[1] + 2  # after the track number and the 16-bit relative timecode
    if flags_at >= len(body) or body[flags_at] & 0x06:
        return None
    return body[flags_at + 1 :]
