"""Test recordings: PCM -> WebM/Opus the way a browser's MediaRecorder records and hands it over.

Used by the pipeline tests, the socket tests and the benchmarks; the app itself never encodes WebM.
"""

from __future__ import annotations

import io
import itertools
from fractions import Fraction

import av
import numpy as np

from interviews.audio import RECOGNITION_RATE, resample_pcm


class _LiveSink:
    """Write-only output: PyAV then treats it as a live stream (no seeking back, no index at the end)."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def write(self, data: bytes) -> int:
        return self.buffer.write(data)


def make_test_webm(pcm: np.ndarray, rate: int = RECOGNITION_RATE, *, live: bool = True) -> bytes:
    """Mono float32 PCM -> WebM/Opus at 48 kHz, the way a browser's MediaRecorder records it.

    With `live` (the default) the muxer writes to a non-seekable sink, like MediaRecorder: clusters
    stream out one after another with no seek index at the end.
    """
    if live:
        return b"".join(webm_chunks(pcm, rate))
    sink = io.BytesIO()
    _encode_webm(pcm, rate, sink, options={}, every_s=None)
    return sink.getvalue()


def webm_chunks(pcm: np.ndarray, rate: int = RECOGNITION_RATE, *, chunk_s: float | None = None) -> list[bytes]:
    """Like make_test_webm, cut as MediaRecorder hands it over with a timeslice: chunk i holds the
    recording of [i * chunk_s, (i + 1) * chunk_s) (the first also the header), whatever its size in
    bytes (silence is a few dozen bytes, speech hundreds). Without chunk_s: one chunk."""
    sink = _LiveSink()
    # Each 20 ms Opus packet closes its cluster and is written at once, so a chunk holds all that
    # was encoded by its end (bar the encoder's lookahead), as a browser's live WebM muxer gives it.
    options = {} if chunk_s is None else {"cluster_time_limit": "20", "flush_packets": "1"}
    cuts = _encode_webm(pcm, rate, sink, options=options, every_s=chunk_s)
    data = sink.buffer.getvalue()
    edges = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]  # (may be empty: nothing muxed in a slice)


def _encode_webm(
    pcm: np.ndarray, rate: int, sink: _LiveSink | io.BytesIO, *, options: dict[str, str], every_s: float | None
) -> list[int]:
    """Encode to the sink; with every_s, the sink's size after each every_s of audio."""
    opus_rate = 48000
    frame_samples = 960  # 20 ms, MediaRecorder's Opus frame
    pcm48 = resample_pcm(pcm, rate=rate, to_rate=opus_rate)
    cut_at = every_s  # seconds of audio at which the next chunk ends
    cuts: list[int] = []
    buffer_size = 512 if every_s is not None else 32768  # small: bytes reach the sink as they are muxed
    with av.open(sink, mode="w", format="webm", options=options, buffer_size=buffer_size) as container:
        stream = container.add_stream("libopus", rate=opus_rate, layout="mono")
        stream.bit_rate = 32000
        for start in range(0, len(pcm48), frame_samples):
            piece = pcm48[start : start + frame_samples]
            if len(piece) < frame_samples:
                piece = np.concatenate([piece, np.zeros(frame_samples - len(piece), dtype=np.float32)])
            frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = opus_rate
            frame.pts = start
            frame.time_base = Fraction(1, opus_rate)
            container.mux(stream.encode(frame))
            # A chunk ends with the last 20 ms frame complete by its end time.
            while every_s is not None and cut_at is not None and start + frame_samples >= cut_at * opus_rate - 1:
                cuts.append(sink.buffer.tell() if isinstance(sink, _LiveSink) else sink.tell())
                cut_at += every_s
        container.mux(stream.encode(None))
    return cuts
