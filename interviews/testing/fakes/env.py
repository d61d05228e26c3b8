"""Environment variables that point the app (e.g. a daphne subprocess) at running fake providers."""

from __future__ import annotations

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.openai_server import FakeOpenAI

FAKE_API_KEY = "test-key"


def cloud_env(fake_openai: FakeOpenAI, fake_elevenlabs: FakeElevenLabs) -> dict[str, str]:
    """Variables to add to a subprocess environment so the app uses both fakes."""
    return {
        "OPENAI_API_KEY": FAKE_API_KEY,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "ELEVENLABS_API_KEY": FAKE_API_KEY,
        "ELEVENLABS_BASE_URL": fake_elevenlabs.base_url,
        "STT_PROVIDER": "openai",
        "LLM_PROVIDER": "openai",
        "TTS_PROVIDER": "elevenlabs",
    }
