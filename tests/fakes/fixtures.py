"""Pytest plugin: fake OpenAI and ElevenLabs servers, and settings that point the app at them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.env import FAKE_API_KEY, cloud_env
from interviews.testing.fakes.openai_server import FakeOpenAI

__all__ = ["CloudProviders", "cloud_env", "cloud_providers", "fake_elevenlabs", "fake_openai"]


@dataclass(frozen=True)
class CloudProviders:
    openai: FakeOpenAI
    elevenlabs: FakeElevenLabs


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def fake_elevenlabs_server() -> Iterator[FakeElevenLabs]:
    with FakeElevenLabs() as server:
        yield server


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> FakeOpenAI:
    """The session's fake OpenAI, with default settings and no records."""
    fake_openai_server.reset()
    return fake_openai_server


@pytest.fixture
def fake_elevenlabs(fake_elevenlabs_server: FakeElevenLabs) -> FakeElevenLabs:
    """The session's fake ElevenLabs, with default settings and no records."""
    fake_elevenlabs_server.reset()
    return fake_elevenlabs_server


@pytest.fixture
def cloud_providers(settings: Any, fake_openai: FakeOpenAI, fake_elevenlabs: FakeElevenLabs) -> CloudProviders:
    """Point Django settings at both fakes and select them as the interview's providers."""
    settings.OPENAI_API_KEY = FAKE_API_KEY
    settings.OPENAI_BASE_URL = fake_openai.base_url
    settings.ELEVENLABS_API_KEY = FAKE_API_KEY
    settings.ELEVENLABS_BASE_URL = fake_elevenlabs.base_url
    settings.INTERVIEW_PROVIDERS = {"stt": ["openai"], "llm": ["openai"], "tts": ["elevenlabs"]}
    return CloudProviders(openai=fake_openai, elevenlabs=fake_elevenlabs)
