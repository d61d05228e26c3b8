"""The cloud providers' HTTP clients: both SDKs send on aiohttp, whose sessions belong to one event loop.
A set built for a loop that ends (the server's warm-up, the replay command) is closed before it
ends, and then nothing is reported as leaked. The OpenAI stages and the evaluation share one client
per loop."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest

from interviews.provider_settings import configured_providers, fresh_providers, provider_settings
from interviews.providers.base import InterviewContext, Message, Voice
from interviews.providers.registry import get_structured_model, openai_client
from tests.fakes.fixtures import CloudProviders

ROOT = Path(__file__).resolve().parent.parent
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


# A fresh interpreter started as a server is (`daphne` in its command line; no warm-up thread), with
# the given environment's providers: which of their modules start-up imported, and whether what they
# made is frozen out of the collector's sight (gc.get_objects() does not list frozen objects).
START_UP = textwrap.dedent(
    """
    import gc, os, sys
    sys.argv = ["daphne"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "interview_project.settings"
    import interview_project.asgi  # noqa: F401 (the server's entry point: setup, then the freeze)
    tracked = {id(o) for o in gc.get_objects()}
    for name in sys.argv[1:] or ["openai.resources.chat.chat", "openai.resources.audio.audio", "elevenlabs"]:
        module = sys.modules.get(name)
        print(name, "missing" if module is None else "tracked" if id(vars(module)) in tracked else "frozen")
    print("local_stt", "interviews.providers.local_stt" in sys.modules)
    """
)


def start_up(env: dict[str, str]) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_PROVIDER", "_BASE_URL"))}
    done = subprocess.run(
        [sys.executable, "-c", START_UP],
        cwd=ROOT,
        env={**clean, **env, "WARM_PROVIDERS": "false", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_server_imports_its_cloud_sdks_before_sessions_and_freezes_them():
    # Imported later, by the warm-up thread, they held the first sessions on the import lock (~1 s),
    # the SDK's resources were imported in a candidate's first turn, and when sessions were live by
    # the time warm-up ended, nothing they made was frozen: full collections took ~110 ms, not ~30.
    lines = start_up({"OPENAI_API_KEY": "k", "ELEVENLABS_API_KEY": "k"})
    assert lines == [
        "openai.resources.chat.chat frozen",
        "openai.resources.audio.audio frozen",
        "elevenlabs frozen",
        "local_stt False",
    ]


def test_a_server_on_the_local_engines_imports_no_cloud_sdk():
    assert start_up({}) == [
        "openai.resources.chat.chat missing",
        "openai.resources.audio.audio missing",
        "elevenlabs missing",
        "local_stt True",
    ]


@pytest.mark.parametrize("stage", ["stt", "llm", "tts"])
def test_the_modules_imported_at_start_up_are_those_the_providers_come_from(stage: str, settings: Any):
    from interviews.providers.registry import PROVIDER_MODULES, ProviderSettings, _build_llm, _build_stt, _build_tts

    assert set(PROVIDER_MODULES[stage]) == set(settings.PROVIDER_CHOICES[stage])

    builders = {"stt": _build_stt, "llm": _build_llm}

    async def built() -> dict[str, str]:
        modules = {}
        for name in PROVIDER_MODULES[stage]:
            chosen: dict[str, Any] = {stage: (name,)}
            config = replace(ProviderSettings(openai_api_key="k", elevenlabs_api_key="k"), **chosen)
            client = functools.cache(functools.partial(openai_client, config))
            provider = _build_tts(name, config) if stage == "tts" else builders[stage](name, config, client)
            modules[name] = type(provider).__module__
            if (close := getattr(provider, "aclose", None)) is not None:
                await close()
        return modules

    assert asyncio.run(built()) == PROVIDER_MODULES[stage]
