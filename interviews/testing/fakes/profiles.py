"""Latency profiles for the fake providers, shared by the serve CLI, benchmarks and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.openai_server import FakeOpenAI


@dataclass(frozen=True)
class LatencyProfile:
    """Provider delays in seconds."""

    stt_delay_s: float
    llm_first_token_delay_s: float
    llm_per_token_delay_s: float
    tts_first_byte_delay_s: float
    tts_per_chunk_delay_s: float

    def openai_config(self) -> dict[str, Any]:
        """Settings for FakeOpenAI.configure() or its `POST /_fake/config`."""
        return {
            "stt_delay_s": self.stt_delay_s,
            "first_token_delay_s": self.llm_first_token_delay_s,
            "per_token_delay_s": self.llm_per_token_delay_s,
        }

    def elevenlabs_config(self) -> dict[str, Any]:
        """Settings for FakeElevenLabs.configure() or its `POST /_fake/config`."""
        return {"first_byte_delay_s": self.tts_first_byte_delay_s, "per_chunk_delay_s": self.tts_per_chunk_delay_s}

    def apply(self, openai: FakeOpenAI, elevenlabs: FakeElevenLabs) -> None:
        openai.configure(**self.openai_config())
        elevenlabs.configure(**self.elevenlabs_config())


PROFILES: dict[str, LatencyProfile] = {
    "instant": LatencyProfile(0.0, 0.0, 0.0, 0.0, 0.0),
    "realistic": LatencyProfile(
        stt_delay_s=0.3,
        llm_first_token_delay_s=0.4,
        llm_per_token_delay_s=0.025,
        tts_first_byte_delay_s=0.15,
        tts_per_chunk_delay_s=0.04,
    ),
}
