"""Offline text-to-speech: Piper (English, voice shipped by a PyPI package) and espeak-ng (other languages)."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import subprocess
import threading
import time
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from interviews.audio import AudioDecodeError, Mp3Encoder, decode_to_pcm, resample_pcm
from interviews.languages import language_base
from interviews.providers import japanese, local_models
from interviews.providers.base import ProviderError, ProviderInfo, Voice

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Both engines speak at 22,050 Hz, a rate MP3 (MPEG-2 layer III) has natively: no resampling.
OUTPUT_RATE = 22050
SENTENCE_PAUSE_S = 0.15
ESPEAK_TIMEOUT_S = 30.0
# Sentence ends for splitting text into pieces that are synthesised (and streamed) one by one.
# A Japanese or Chinese full stop ends a sentence with no space after it.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])\s*|\n+")

_piper_voices: dict[str, object] = {}
_piper_lock = threading.Lock()
# Piper phonemizes through its bundled espeak-ng library, which keeps global state.
_phonemize_lock = threading.Lock()


def _load_piper() -> object:
    model_path, config_path = local_models.piper_voice_paths()
    key = str(model_path)
    with _piper_lock:
        voice = _piper_voices.get(key)
        if voice is None:
            from piper import PiperVoice

            started = time.perf_counter()
            voice = PiperVoice.load(model_path, config_path=config_path)
            logger.info("tts voice loaded", extra={"model": key, "ms": round((time.perf_counter() - started) * 1000)})
            _piper_voices[key] = voice
        return voice


def split_sentences(text: str) -> list[str]:
    """Text -> sentences (or lines), each worth synthesising on its own."""
    pieces = [piece.strip() for piece in _SENTENCE_END.split(text)]
    return [piece for piece in pieces if piece and re.search(r"\w", piece)]


class LocalTextToSpeech:
    """TextToSpeech on local engines: MP3 out, sentence by sentence, first bytes as soon as the first
    sentence is synthesised. Synthesis runs on a bounded thread pool shared by every session."""

    info = ProviderInfo(stage="tts", name="local", detail="piper en_US-joe-medium / espeak-ng")

    def __init__(
        self,
        *,
        max_workers: int = 1,
        espeak_binary: str = "espeak-ng",
        espeak_speed_wpm: int = 130,
        espeak_voices: dict[str, str] | None = None,
    ) -> None:
        self.max_workers = max_workers
        self.espeak_voices = espeak_voices or {}  # per language (settings.INTERVIEW_LANGUAGES); else the code
        # espeak-ng's default 175 wpm is hurried; slower is easier to follow (and to recognise).
        self.espeak_speed_wpm = espeak_speed_wpm
        self.espeak_binary = espeak_binary
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="local-tts")

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    # -- engines (worker threads) -----------------------------------------------------------------

    def _piper_sentences(self, text: str) -> list[list[str]]:
        voice = _load_piper()
        with _phonemize_lock:
            return [phonemes for phonemes in voice.phonemize(text) if phonemes]  # type: ignore[attr-defined]

    def _piper_audio(self, phonemes: list[str]) -> np.ndarray:
        voice = _load_piper()
        audio = voice.phoneme_ids_to_audio(voice.phonemes_to_ids(phonemes))  # type: ignore[attr-defined]
        if isinstance(audio, tuple):
            audio = audio[0]
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
        # Piper normalises each sentence to full scale; a little headroom keeps MP3 from clipping.
        if peak > 1e-8:
            audio = audio * (0.9 / peak)
        rate = voice.config.sample_rate  # type: ignore[attr-defined]
        return resample_pcm(audio, rate=rate, to_rate=OUTPUT_RATE)

    def _espeak_audio(self, sentence: str, espeak_voice: str) -> np.ndarray:
        binary = shutil.which(self.espeak_binary)
        if binary is None:
            raise ProviderError(
                "tts", f"{self.espeak_binary} is not installed (apt-get install espeak-ng)", retryable=False
            )
        try:
            completed = subprocess.run(
                [binary, "-v", espeak_voice, "-s", str(self.espeak_speed_wpm), "--stdout", "--stdin"],
                input=sentence.encode("utf-8"),
                capture_output=True,
                timeout=ESPEAK_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ProviderError("tts", "espeak-ng timed out") from exc
        if completed.returncode != 0 or not completed.stdout:
            message = completed.stderr.decode("utf-8", "replace").strip() or f"exit code {completed.returncode}"
            raise ProviderError("tts", f"espeak-ng failed for voice {espeak_voice!r}: {message}", retryable=False)
        try:
            return decode_to_pcm(completed.stdout, rate=OUTPUT_RATE) * 0.9
        except AudioDecodeError as exc:
            raise ProviderError("tts", f"espeak-ng produced no usable audio: {exc}", retryable=False) from exc

    # -- TextToSpeech ------------------------------------------------------------------------------

    async def stream(self, text: str, *, voice: Voice) -> AsyncGenerator[bytes, None]:
        language = language_base(voice.language)
        encoder = Mp3Encoder(rate=OUTPUT_RATE)
        pause = np.zeros(int(SENTENCE_PAUSE_S * OUTPUT_RATE), dtype=np.float32)
        started = time.perf_counter()
        first = True
        if language == "en" and not voice.voice_id.startswith("espeak:"):
            pieces: list[object] = list(await self._run(self._piper_sentences, text))
            synthesise: Callable[[object], np.ndarray] = self._piper_audio  # type: ignore[assignment]
        else:
            espeak_voice = voice.voice_id.removeprefix("espeak:") or self.espeak_voices.get(language, language)
            pieces = list(split_sentences(text))
            # espeak-ng's Japanese reads kana only: kanji go to it as their pronunciation.
            spoken = japanese.reading if language == "ja" else str

            def synthesise(sentence: object) -> np.ndarray:
                return self._espeak_audio(spoken(str(sentence)), espeak_voice)

        for index, piece in enumerate(pieces):
            pcm = await self._run(synthesise, piece)
            if index:
                pcm = np.concatenate([pause, pcm])
            data = encoder.encode(pcm)
            if data:
                if first:
                    first = False
                    logger.debug(
                        "tts first audio", extra={"stage": "tts", "ms": round((time.perf_counter() - started) * 1000)}
                    )
                yield data
        tail = encoder.flush()
        if tail:
            yield tail

    async def warm(self) -> None:
        """Load the Piper voice and synthesise a word with each engine."""
        for language, word in (("en", "Hello."), ("ko", "안녕하세요."), ("ja", "こんにちは。")):
            async for _chunk in self.stream(word, voice=Voice(language=language)):
                pass

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
