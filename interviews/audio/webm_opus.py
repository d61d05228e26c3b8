"""A browser's WebM/Opus stream decoded chunk by chunk in the caller's thread: the Matroska framing
cut by matroska.py, the Opus packets handed to libopus directly (audio/opus.py; FFmpeg's decoder and a
resampler where libopus is missing)."""

from __future__ import annotations

import logging

import av
import numpy as np

from interviews.audio import opus
from interviews.audio.matroska import NotPlainOpus, WebmOpusPackets
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


class WebmOpusDecoder:
    """A growing MediaRecorder WebM/Opus stream decoded chunk by chunk in the caller's thread.

    Same results as IncrementalDecoder, without its demuxer thread: the Matroska framing of a live
    recording is simple (a header, then clusters of one Opus packet per block), so its blocks are
    cut out (matroska.WebmOpusPackets) and handed to libopus directly, which decodes them at `rate` (FFmpeg's decoder
    gives 48 kHz, to be resampled: it is used where libopus is missing). That spares every chunk
    two thread hand-offs, and the start-up probe that holds back the first second and a half, and
    halves the decoding's CPU. Any other codec
    in WebM, or laced blocks (no browser writes them) at the start, go to IncrementalDecoder with the
    bytes so far.
    """

    def __init__(self, *, rate: int = RECOGNITION_RATE) -> None:
        self.rate = rate
        self._packets = WebmOpusPackets()
        self._seen = bytearray()  # the stream until its first block, for a fallback
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
        try:
            packets = self._packets.feed(chunk)
        except NotPlainOpus:  # FFmpeg's demuxer takes the stream over
            return self._fall_back().feed(b"")
        parts: list[np.ndarray] = []
        decoded: list[av.AudioFrame] = []
        for frame in packets:
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
                self._codec = opus.OpusDecoder(rate=self.rate, opus_head=self._packets.opus_head)
            else:
                codec = av.CodecContext.create("opus", "r")
                codec.extradata = self._packets.opus_head or None  # OpusHead: channels, pre-skip
                self._codec = codec
            self._seen = bytearray()
        return self._codec

    def _fall_back(self) -> IncrementalDecoder:
        self._fallback = IncrementalDecoder(rate=self.rate)
        self._fallback.feed(bytes(self._seen))
        self._seen = bytearray()
        return self._fallback
