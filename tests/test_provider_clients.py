"""The cloud providers' HTTP clients: both SDKs send on aiohttp, whose sessions belong to one event loop.
A set built for a loop that ends (the server's warm-up, the replay command) is closed before it
ends, and then nothing is reported as leaked. The OpenAI stages and the evaluation share one client
per loop."""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest

from interviews.provider_settings import configured_providers, fresh_providers, provider_settings
from interviews.providers.base import InterviewContext, Message, Voice
from interviews.providers.registry import get_structured_model
from tests.fakes.fixtures import CloudProviders

ANSWER = (Path(__file__).parent / "fixtures" / "answer_en.webm").read_bytes()
MESSAGES = [Message(role="system", content="You interview."), Message(role="user", content="Hello.")]
CONTEXT = InterviewContext(title="Backend Engineer", role="Backend Engineer", language="en")


def one_turn_on_a_loop_of_its_own(*, close: bool) -> tuple[str, list[str], bytes]:
    """A transcription, a reply and its speech through a fresh set of providers, on a loop that ends."""

    async def turn() -> tuple[str, list[str], bytes]:
        providers = fresh_providers()
        try:
            text = await providers.stt.transcribe(ANSWER, language="en")
            tokens = [token async for token in providers.llm.stream(MESSAGES, context=CONTEXT)]
            audio = b"".join([chunk async for chunk in providers.tts.stream("Hello there.", voice=Voice("en"))])
        finally:
            if close:
                await providers.aclose()
        return text, tokens, audio

    return asyncio.run(turn())


def leak_reports(caplog: pytest.LogCaptureFixture) -> list[str]:
    gc.collect()  # an unclosed aiohttp session reports itself when it is collected
    return [record.getMessage() for record in caplog.records if "Unclosed" in record.getMessage()]


def test_a_provider_set_closed_before_its_loop_ends_leaks_nothing(
    cloud_providers: CloudProviders, caplog: pytest.LogCaptureFixture, settings: Any
):
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        text, tokens, audio = one_turn_on_a_loop_of_its_own(close=True)
        assert text and tokens and audio  # every call went through the aiohttp transport
        assert leak_reports(caplog) == []
        # The same turn without closing is reported, so the check above can fail.
        one_turn_on_a_loop_of_its_own(close=False)
        # One connection pool per SDK: the OpenAI stages (transcription, chat) share theirs.
        assert [message for message in leak_reports(caplog) if message.startswith("Unclosed connector")] == [ANY] * 2


def test_the_openai_stages_and_the_evaluation_share_one_client_per_loop(cloud_providers: CloudProviders, settings: Any):
    async def clients() -> tuple[Any, Any, Any, Any]:
        providers = configured_providers()
        evaluation = get_structured_model(provider_settings())
        fresh = fresh_providers()
        try:
            stt, chat = providers.stt.providers[0].client, providers.llm.providers[0].client  # type: ignore[attr-defined]
            assert stt is chat is evaluation.client  # type: ignore[attr-defined]
            fresh_stt = fresh.stt.providers[0].client  # type: ignore[attr-defined]
            assert fresh_stt is fresh.llm.providers[0].client  # type: ignore[attr-defined]
            return stt, fresh_stt, configured_providers(), providers
        finally:
            await fresh.aclose()
            await providers.aclose()  # closes the shared client twice: harmless

    first, fresh, again, providers = asyncio.run(clients())
    assert fresh is not first  # a fresh set (for a loop that ends) has its own
    assert again is providers  # the same set on the same loop
    second, _, _, _ = asyncio.run(clients())
    assert second is not first  # a client belongs to one loop
