"""MP3 out: the interviewer's speech as a bare MP3 stream, encoded sentence by sentence."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

MP3_BITRATE_KBPS = 64
# libmp3lame's native frame; anything else gets buffered until a whole frame exists.
_MP3_FRAME_SAMPLES = 1152


class Mp3Encoder:
    """Mono PCM -> MP3 frames, one encoder for a whole reply so sentences join without gaps.

    The output is a bare MP3 elementary stream (no ID3/Xing header): any run of whole frames plays,
    and the frames of successive `encode` calls concatenate into one continuous stream.
    """

    def __init__(self, *, rate: int, bitrate_kbps: int = MP3_BITRATE_KBPS) -> None:
        self.rate = rate
        self._codec = av.CodecContext.create("libmp3lame", "w")
        self._codec.sample_rate = rate
        self._codec.layout = "mono"
        self._codec.format = "fltp"
        self._codec.bit_rate = bitrate_kbps * 1000
        self._codec.time_base = Fraction(1, rate)
        self._codec.open()
        self._fifo = av.AudioFifo()
        self._pts = 0
        self._flushed = False

    def _frame(self, pcm: np.ndarray) -> av.AudioFrame:
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(pcm, dtype=np.float32).reshape(1, -1), format="fltp", layout="mono"
        )
        frame.sample_rate = self.rate
        frame.time_base = Fraction(1, self.rate)
        frame.pts = self._pts
        self._pts += frame.samples
        return frame

    def _encode_fifo(self, *, final: bool) -> bytes:
        out = bytearray()
        frame_samples = self._codec.frame_size or _MP3_FRAME_SAMPLES
        while self._fifo.samples >= frame_samples or (final and self._fifo.samples):
            frame = self._fifo.read(min(frame_samples, self._fifo.samples))
            for packet in self._codec.encode(frame):
                out += bytes(packet)
        return bytes(out)

    def encode(self, pcm: np.ndarray) -> bytes:
        """More samples (float32, this encoder's rate) -> the MP3 frames completed so far (may be b"")."""
        if self._flushed:
            raise RuntimeError("encode() after flush()")
        if len(pcm) == 0:
            return b""
        self._fifo.write(self._frame(np.clip(pcm, -1.0, 1.0)))
        return self._encode_fifo(final=False)

    def flush(self) -> bytes:
        """The last frames, including the encoder's look-ahead."""
        if self._flushed:
            return b""
        self._flushed = True
        out = bytearray(self._encode_fifo(final=True))
        for packet in self._codec.encode(None):
            out += bytes(packet)
        return bytes(out)


def encode_mp3(pcm: np.ndarray, *, rate: int, bitrate_kbps: int = MP3_BITRATE_KBPS) -> bytes:
    encoder = Mp3Encoder(rate=rate, bitrate_kbps=bitrate_kbps)
    return encoder.encode(pcm) + encoder.flush()
