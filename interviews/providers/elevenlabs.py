"""ElevenLabs streaming text-to-speech through the official async SDK."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import httpx
import httpx_aiohttp
from elevenlabs.client import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError

from interviews.languages import language_base
from interviews.providers.base import ProviderError, ProviderInfo, Voice


class ElevenLabsTextToSpeech:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        voice_id: str,
        model_id: str,
        voices: dict[str, str] | None = None,
        timeout_s: float,
        connect_timeout_s: float,
    ) -> None:
        # httpx on aiohttp's transport, as the OpenAI SDK's `aiohttp` extra does: a clause's stream costs
        # 15-50 % less CPU than on httpx's own transport (bench/sdk_cost.py). Connections as the
        # OpenAI SDK allows them: httpx's default of 100 would queue clauses beyond ~50 live sessions.
        self._http = httpx_aiohttp.HttpxAiohttpClient(
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=100),
        )
        # The SDK applies its own per-request timeout (240 s by default) over the httpx client's.
        self.client = AsyncElevenLabs(api_key=api_key, base_url=base_url, httpx_client=self._http, timeout=timeout_s)
        self.default_voice_id = voice_id
        self.voices = voices or {}  # per language; the model (eleven_flash_v2_5) speaks them all
        self.model_id = model_id
        self.info = ProviderInfo(stage="tts", name="elevenlabs", detail=model_id)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def stream(self, text: str, *, voice: Voice) -> AsyncGenerator[bytes, None]:
        language = language_base(voice.language)
        try:
            async for chunk in self.client.text_to_speech.stream(
                voice.voice_id or self.voices.get(language) or self.default_voice_id,
                text=text,
                model_id=self.model_id,
                output_format="mp3_44100_64",
                language_code=language,
                # The SDK re-chunks the body into 1024-byte pieces by default, which holds back the
                # first audio until a full KB arrived; None forwards bytes as soon as they arrive.
                request_options={"chunk_size": None, "max_retries": 0},
            ):
                if chunk:
                    yield chunk
        except ApiError as exc:
            status = exc.status_code or 0
            raise ProviderError(
                "tts", f"ElevenLabs answered {status}.", retryable=status >= 500 or status == 429
            ) from exc
        except httpx.TimeoutException as exc:
            raise ProviderError("tts", "ElevenLabs did not answer in time.") from exc
        except httpx.HTTPError as exc:
            raise ProviderError("tts", f"ElevenLabs stream failed: {type(exc).__name__}.") from exc
