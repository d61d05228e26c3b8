"""The provider registry's settings, read from Django's: the one place the two meet."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from interviews.i18n import translate
from interviews.providers.base import StructuredLanguageModel
from interviews.providers.registry import (
    Providers,
    ProviderSettings,
    build_providers,
    get_providers,
    get_structured_model,
    has_structured_model,
)


def _per_language(key: str) -> tuple[tuple[str, str], ...]:
    """(language, value) for each configured language that sets `key` (settings.INTERVIEW_LANGUAGES)."""
    return tuple((code, language[key]) for code, language in settings.INTERVIEW_LANGUAGES.items() if language.get(key))


def provider_settings() -> ProviderSettings:
    chosen = settings.INTERVIEW_PROVIDERS
    return ProviderSettings(
        stt=tuple(chosen["stt"]),
        llm=tuple(chosen["llm"]),
        tts=tuple(chosen["tts"]),
        openai_api_key=settings.OPENAI_API_KEY,
        openai_base_url=settings.OPENAI_BASE_URL,
        openai_model=settings.OPENAI_MODEL,
        openai_stt_model=settings.OPENAI_STT_MODEL,
        elevenlabs_api_key=settings.ELEVENLABS_API_KEY,
        elevenlabs_base_url=settings.ELEVENLABS_BASE_URL,
        elevenlabs_voice_id=settings.ELEVENLABS_VOICE_ID,
        elevenlabs_model_id=settings.ELEVENLABS_MODEL_ID,
        elevenlabs_voices=_per_language("elevenlabs_voice"),
        espeak_voices=_per_language("espeak_voice"),
        translate=translate,
        timeout_s=settings.PROVIDER_TIMEOUT_S,
        connect_timeout_s=settings.PROVIDER_CONNECT_TIMEOUT_S,
        models_dir=settings.DATA_DIR / "models",
    )


def configured_providers() -> Providers:
    """The providers for the current settings, shared per event loop (one HTTP client each)."""
    return get_providers(provider_settings())


def fresh_providers() -> Providers:
    """A new set, for an event loop of its own that ends before the process does (warming at start-up,
    a command); close it with `aclose()` before that loop ends."""
    return build_providers(provider_settings())


def structured_model_configured() -> bool:
    """Whether the configured interviewer is a language model that can answer in a JSON schema."""
    return has_structured_model(provider_settings())


def structured_model(*, min_timeout_s: float = 0.0) -> StructuredLanguageModel:
    """The structured-output model for the current settings, shared per event loop; `min_timeout_s`
    lengthens the request timeout for a call that takes longer than a turn's."""
    config = provider_settings()
    if config.timeout_s < min_timeout_s:
        config = replace(config, timeout_s=min_timeout_s)
    return get_structured_model(config)
