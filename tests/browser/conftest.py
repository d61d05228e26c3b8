"""Browser tests: a real daphne subprocess on the fake providers, and headless Debian Chromium."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.env import cloud_env
from interviews.testing.fakes.openai_server import FakeOpenAI
from interviews.testing.live import LiveServer, live_server
from tests.browser.chromium import chromium_with_mic

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
BIN = Path(sys.executable).parent


def write_speech_wav(path: Path, text: str) -> Path:
    """The fake microphone's input: spoken text from espeak-ng, or a voice-like tone without it."""
    espeak = shutil.which("espeak-ng") or shutil.which("espeak")
    if espeak:
        subprocess.run([espeak, "-w", str(path), "-s", "150", text], check=True, capture_output=True, timeout=30)
        return path
    rate = 16000
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (
            int(8000 * math.sin(2 * math.pi * 180 * n / rate) * (0.6 + 0.4 * math.sin(2 * math.pi * 3 * n / rate)))
            for n in range(rate * 3)
        )
        out.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return path


@pytest.fixture
def daphne_server(tmp_path: Path, fake_openai: FakeOpenAI, fake_elevenlabs: FakeElevenLabs) -> Iterator[LiveServer]:
    """daphne serving the project on a free port, with its own SQLite database and the fake providers."""
    with live_server(data_dir=tmp_path / "data", env=cloud_env(fake_openai, fake_elevenlabs)) as server:
        yield server


@pytest.fixture
def speech_wav(tmp_path: Path) -> Path:
    return write_speech_wav(tmp_path / "answer.wav", "I built a payments service in Go, and it handled many requests.")


@pytest.fixture
def browser_context(speech_wav: Path) -> Iterator[object]:
    """A Chromium context whose microphone plays `speech_wav` and whose camera is a test pattern."""
    with chromium_with_mic(speech_wav) as context:
        yield context


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
