"""The audio end-of-turn model: how likely the candidate has finished, from the sound of the last 8 s.

Smart Turn v3.2 (BSD 2-Clause, (c) Daily; shipped in the `pipecat-ai` wheel, extracted at setup by
scripts/fetch_models.py with its licence, see models/README): a Whisper-style encoder over the
log-mel features of the last 8 s of 16 kHz audio, trained on where people finish their turns. The
features come from faster-whisper's feature extractor (the same computation as the model's
reference; checked equal to pipecat's own), after zero-mean, unit-variance normalisation as the
model was trained with. One decision costs ~60 ms of one core here: it runs in a worker thread,
once per pause, never per audio chunk.

numpy's OpenBLAS keeps a thread per core, and after a matrix product they spin waiting for the
next one. The feature extractor's one product left them spinning through the whole ONNX run: a
score took ~110 ms of CPU for ~60 ms of wall time, CPU that other sessions' audio needed. So the
process's BLAS is held to one thread when the model loads (nothing else here multiplies matrices
big enough to gain from more).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

logger = logging.getLogger(__name__)

MODEL_FILE = "smart-turn-v3.2-cpu.onnx"
SAMPLE_RATE = 16000
WINDOW_S = 8


class TurnModel:
    """Scores the end of an utterance; thread-safe (one ONNX session, single-threaded per call)."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort
        from faster_whisper.feature_extractor import FeatureExtractor

        options = ort.SessionOptions()
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self._features = FeatureExtractor(feature_size=80, sampling_rate=SAMPLE_RATE, chunk_length=WINDOW_S)
        self._frames = WINDOW_S * SAMPLE_RATE // 160  # 800 feature frames of 10 ms

    def probability(self, pcm: np.ndarray) -> float:
        """Blocking: the probability (0-1) that the speaker has finished, given audio ending now."""
        size = WINDOW_S * SAMPLE_RATE
        audio = np.asarray(pcm[-size:], dtype=np.float32)
        if len(audio) < size:
            audio = np.pad(audio, (size - len(audio), 0))
        audio = (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)
        features: Any = self._features(audio, padding=0)[:, : self._frames]
        logits = self._session.run(None, {"input_features": features[None].astype(np.float32)})
        return float(np.asarray(logits[0]).reshape(-1)[0])


_models: dict[Path, TurnModel | None] = {}
_lock = threading.Lock()


def load_turn_model(models_dir: Path) -> TurnModel | None:
    """The model from `models_dir`, loaded once per process; None (and one warning) when setup did not
    fetch it: end of turn then falls back to silence and the words alone."""
    path = models_dir / MODEL_FILE
    with _lock:
        if path not in _models:
            if path.exists():
                threadpool_limits(limits=1, user_api="blas")
                _models[path] = TurnModel(path)
            else:
                logger.warning("end-of-turn model missing (%s): run `make setup`; using silence and words only", path)
                _models[path] = None
        return _models[path]
