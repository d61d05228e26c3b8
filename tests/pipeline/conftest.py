"""In-process pipeline tests: one Session, scripted providers, an in-memory store, fake time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from interviews.audio import decode_to_pcm

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    """6.5 s of real speech (the local Piper voice), 16 kHz: what the listener hears as a voice."""
    return decode_to_pcm((FIXTURES / "answer_en.webm").read_bytes())
