"""A hands-free microphone's front end: its bytes decoded, cut into Silero's windows, each scored.

What a listener (turn_taking.py) hears of its stream is a run of 32 ms windows and the voice
probability of each. Making them is most of listening's CPU (FFmpeg's Opus decoding and resampling,
the ONNX runs) and needs only the stream's own state: its decoder, the samples short of a window,
its VAD state. So it runs wherever is best: in the server process on a listening thread
(`hear_together`), or in a listening worker process (listening_worker.py), where none of it takes
the server's GIL and a decoder that crashes on a hostile stream takes no session down with it.

Nothing here imports Django: a worker process starts without it.
"""

from __future__ import annotations

import numpy as np

from interviews.audio import RECOGNITION_RATE, IncrementalDecoder, WebmOpusDecoder
from interviews.audio.matroska import EBML_MAGIC
from interviews.vad import VAD, WINDOW, VadStream

# A chunk's windows, one row of WINDOW samples each, and their voice probabilities.
Heard = tuple[np.ndarray, np.ndarray]


class Microphone:
    """One continuous recording: bytes in, whole VAD windows out (the rest waits for more audio)."""

    def __init__(self) -> None:
        self._decoder: WebmOpusDecoder | IncrementalDecoder | None = None  # chosen by the first bytes
        self._fed_bytes = 0
        self._pending = np.zeros(0, dtype=np.float32)
        self.vad: VadStream | None = VadStream()  # None once closed

    def decode(self, chunk: bytes) -> np.ndarray:
        if self._decoder is None or (chunk.startswith(EBML_MAGIC) and self._fed_bytes):
            # The first bytes, or the browser restarted its recorder (e.g. after a reconnect): a new
            # stream begins. WebM (Chromium, Firefox) is cut into packets here, in this thread;
            # anything else (Safari's MP4) goes through FFmpeg's demuxer, in a thread of its own.
            if self._decoder is not None:
                self._decoder.close()
            webm = chunk.startswith(EBML_MAGIC)
            self._decoder = (
                WebmOpusDecoder(rate=RECOGNITION_RATE) if webm else IncrementalDecoder(rate=RECOGNITION_RATE)
            )
        self._fed_bytes += len(chunk)
        return self._decoder.feed(chunk)

    def windows(self, pcm: np.ndarray) -> np.ndarray:
        """The whole windows of what has come so far, one per row."""
        self.stream()
        audio = np.concatenate([self._pending, pcm]) if len(self._pending) else pcm
        audio = np.asarray(audio, dtype=np.float32)
        usable = len(audio) - len(audio) % WINDOW
        self._pending = audio[usable:].copy()
        return audio[:usable].reshape(-1, WINDOW)

    def stream(self) -> VadStream:
        if self.vad is None:
            raise RuntimeError("the listener is closed")
        return self.vad

    def close(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
        self.vad = None


def hear_together(microphones: list[Microphone], chunks: list[bytes | np.ndarray]) -> list[Heard | Exception]:
    """Blocking: each microphone's chunk (bytes of its recording, or PCM) decoded and windowed, and
    the windows of all scored together, one ONNX run per round (a microphone's second window goes in
    the second round). What one microphone raises (a stream that does not decode, a closed one) is
    its result; the others are heard."""
    results: list[Heard | Exception] = []
    windows: list[np.ndarray] = []
    empty = np.zeros((0, WINDOW), dtype=np.float32)
    for microphone, chunk in zip(microphones, chunks, strict=True):
        try:
            pcm = microphone.decode(chunk) if isinstance(chunk, bytes) else chunk
            windows.append(microphone.windows(pcm))
        except Exception as exc:
            windows.append(empty)
            results.append(exc)
        else:
            results.append((empty, np.zeros(0, dtype=np.float32)))
    probabilities: list[list[float]] = [[] for _ in microphones]
    for round_ in range(max((len(mine) for mine in windows), default=0)):
        taking = [i for i, mine in enumerate(windows) if len(mine) > round_]
        scores = VAD.probabilities([microphones[i].stream() for i in taking], [windows[i][round_] for i in taking])
        for i, score in zip(taking, scores, strict=True):
            probabilities[i].append(float(score))
    for i, mine in enumerate(windows):
        if not isinstance(results[i], Exception):
            results[i] = (mine, np.asarray(probabilities[i], dtype=np.float32))
    return results
