"""Offline speech recognition (faster-whisper with models from PyPI packages), whole and streaming."""

import asyncio
import os
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

# Everything must come from installed packages: any attempt to reach a model hub fails.
os.environ["HF_HUB_OFFLINE"] = "1"

from interviews.audio import decode_to_pcm
from interviews.providers.base import ProviderError, SpeechToText, StreamingSpeechToText
from interviews.providers.local_stt import LocalSpeechToText
from interviews.testing.webm import make_test_webm

pytestmark = pytest.mark.local_engines

FIXTURES = Path(__file__).parent / "fixtures"
EN_TEXT = (
    "I led the migration of our payments service to Kubernetes last year. "
    "The hardest part was keeping the database consistent."
)
KO_TEXT = "저는 데이터 분석을 좋아합니다. 결제 서비스를 개발했습니다."


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9가-힣]+", text.lower())


def word_recall(expected: str, heard: str) -> float:
    wanted = Counter(words(expected))
    return sum((wanted & Counter(words(heard))).values()) / sum(wanted.values())


def syllable_recall(expected: str, heard: str) -> float:
    wanted = Counter(re.findall(r"[가-힣]", expected))
    return sum((wanted & Counter(re.findall(r"[가-힣]", heard))).values()) / sum(wanted.values())


@pytest.fixture(scope="module")
def stt(tmp_path_factory) -> LocalSpeechToText:
    engine = LocalSpeechToText(cache_dir=tmp_path_factory.mktemp("models"))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def en_webm() -> bytes:
    return (FIXTURES / "answer_en.webm").read_bytes()


def test_implements_the_protocols(stt):
    assert isinstance(stt, SpeechToText) and isinstance(stt, StreamingSpeechToText)
    assert stt.info.stage == "stt"


async def test_english_answer(stt, en_webm):
    text = await stt.transcribe(en_webm, language="en")
    assert word_recall(EN_TEXT, text) >= 0.7, text


async def test_korean_answer(stt):
    # espeak-ng's Korean is robotic: Whisper base gets about half of its syllables and few whole words,
    # so this checks the Korean path (multilingual model, Hangul out) rather than accuracy. Issue #8's
    # bar (word recall >= 70%) is not met by any offline Korean voice/recogniser we can install; the
    # measurements are in docs/DESIGN.md ("Korean recognition accuracy").
    text = await stt.transcribe((FIXTURES / "answer_ko.webm").read_bytes(), language="ko")
    recalls = f"word recall {word_recall(KO_TEXT, text):.0%}, syllable recall {syllable_recall(KO_TEXT, text):.0%}"
    print(f"korean: {recalls}: {text}")
    assert re.search(r"[가-힣]", text), text
    assert syllable_recall(KO_TEXT, text) >= 0.35, (recalls, text)


async def test_multilingual_model_recognises_real_speech(tmp_path_factory, en_webm):
    # The same model that serves Korean, on natural (Piper) speech, meets the recall bar.
    base = LocalSpeechToText(cache_dir=tmp_path_factory.getbasetemp() / "models0", english_model="base")
    try:
        assert word_recall(EN_TEXT, await base.transcribe(en_webm, language="en-US")) >= 0.7
    finally:
        base.close()


async def test_streaming_gives_partials_and_the_same_final_text(stt, en_webm):
    pcm = decode_to_pcm(en_webm)
    # Half a second of silence after the words, as when a candidate releases push-to-talk.
    webm = make_test_webm(np.concatenate([pcm, np.zeros(8000, dtype=np.float32)]), 16000)
    stream = stt.open_stream(language="en")
    partials = []
    step = len(webm) // 28 + 1  # ~250 ms per chunk
    for start in range(0, len(webm), step):
        partial = await stream.feed(webm[start : start + step])
        if partial:
            partials.append(partial)
        await asyncio.sleep(0.08)  # faster than real time, slow enough for background passes
    started = time.perf_counter()
    final = await stream.finish()
    finish_s = time.perf_counter() - started
    await stream.aclose()
    whole = await stt.transcribe(en_webm, language="en")
    assert partials, "no partial transcript while speaking"
    assert stream.passes >= 1
    assert word_recall(whole, final) >= 0.8, (whole, final)
    assert word_recall(EN_TEXT, final) >= 0.7
    print(f"streaming finish took {finish_s * 1000:.0f} ms, partials: {partials}")


async def test_undecodable_audio_is_a_clear_error(stt):
    noise = np.random.default_rng(7).bytes(6000)
    with pytest.raises(ProviderError) as caught:
        await stt.transcribe(noise, language="en")
    assert caught.value.stage == "stt" and "decode" in caught.value.message and not caught.value.retryable
    stream = stt.open_stream(language="en")

    async def feed_and_finish() -> str:
        await stream.feed(noise)
        return await stream.finish()

    with pytest.raises(ProviderError):
        await feed_and_finish()
    await stream.aclose()


async def test_silence_is_empty(stt):
    silence = make_test_webm(np.zeros(16000 * 2, dtype=np.float32), 16000)
    assert await stt.transcribe(silence, language="en") == ""
    assert await stt.transcribe(b"", language="ko") == ""
    stream = stt.open_stream(language="en")
    for start in range(0, len(silence), 1000):
        assert await stream.feed(silence[start : start + 1000]) is None
    assert await stream.finish() == ""
    await stream.aclose()


async def test_warm_loads_models(stt):
    await stt.warm()


async def test_a_pause_the_caller_hears_gets_the_words_up_to_it_without_waiting_for_quiet(stt, en_webm):
    # 1.6 s of speech and 0.1 s of silence: too little new audio for a periodic pass, too little
    # quiet for a pause pass. The listener's voice detection has heard the pause: the words come now.
    async def partial_after(pcm: np.ndarray, *, pause_heard: bool) -> tuple[str | None, float]:
        stream = stt.open_stream(language="en")
        assert await stream.feed_pcm(pcm) is None
        recognised = stream.pause_heard() if pause_heard else None
        # The caller need not wait for its next chunk: what pause_heard returns gives the words.
        partial = await recognised if recognised is not None else None
        for _ in range(0 if recognised else 40):  # no new audio meanwhile: nothing else would answer
            await asyncio.sleep(0.05)
            if partial := await stream.feed_pcm(np.zeros(0, dtype=np.float32)):
                break
        covered = stream.covered_s
        assert await stream.feed_pcm(np.zeros(800, dtype=np.float32)) is None  # words are given once
        assert not pause_heard or stream.pause_heard() is None  # and there is nothing new to recognise
        await stream.aclose()
        return partial, covered

    pcm = np.concatenate([decode_to_pcm(en_webm)[: int(1.6 * 16000)], np.zeros(1600, dtype=np.float32)])
    assert await partial_after(pcm, pause_heard=False) == (None, 0.0)
    partial, covered = await partial_after(pcm, pause_heard=True)
    assert partial and "migration" in partial.lower(), partial
    assert covered == len(pcm) / 16000


def test_a_window_fitted_to_the_audio_hears_what_the_30_s_window_hears(stt, en_webm):
    # Each pass is encoded in a window that fits the audio (10 s here, not Whisper's 30 s): the words
    # are the same, and the segments' ends (where long answers commit) stay inside the audio.
    pcm = decode_to_pcm(en_webm)
    padded = LocalSpeechToText(cache_dir=stt.cache_dir, fit_window=False)
    try:
        whole = padded.transcribe_pcm(pcm, language="en")
    finally:
        padded.close()
    segments = stt._segments(pcm, "en")
    fitted = " ".join(segment.text for segment in segments)
    assert word_recall(EN_TEXT, fitted) >= 0.7, fitted
    assert word_recall(whole, fitted) >= 0.9, (whole, fitted)
    ends = [segment.end_s for segment in segments]
    assert ends == sorted(ends) and 0 < ends[-1] <= len(pcm) / 16000, ends


def test_a_pass_that_loops_in_a_fitted_window_is_done_again_in_the_30_s_window(stt, en_webm, monkeypatch):
    from interviews.providers import whisper_window

    loop = [whisper_window.Segment(end_s=1.0, text=" S12," * 60)]
    monkeypatch.setattr(whisper_window, "fitted_segments", lambda model, pcm, language: loop)
    text = stt.transcribe_pcm(decode_to_pcm(en_webm), language="en")
    assert "S12" not in text and word_recall(EN_TEXT, text) >= 0.7, text


def test_words_a_fitted_pass_places_after_the_end_of_the_audio_are_dropped(stt):
    # Whisper sometimes repeats a sentence "at 28 s" of a 10 s window, in the silence it was given
    # after the audio: those words were never said. The real tokenizer and features, scripted tokens.
    from types import SimpleNamespace

    from faster_whisper.tokenizer import Tokenizer

    from interviews.providers import whisper_window

    whisper = stt._model("en")
    tokenizer = Tokenizer(whisper.hf_tokenizer, False, task="transcribe", language="en")

    def at(seconds: float) -> int:
        return tokenizer.timestamp_begin + round(seconds / 0.02)

    said, repeated = tokenizer.encode(" Two of them were new graduates."), tokenizer.encode(" Two of them are new.")
    tokens = [at(0.0), *said, at(5.0), at(28.0), *repeated, at(29.5)]
    scripted = SimpleNamespace(
        is_multilingual=False, generate=lambda *args, **kwargs: [SimpleNamespace(sequences_ids=[tokens])]
    )
    model = SimpleNamespace(
        feature_extractor=whisper.feature_extractor, hf_tokenizer=whisper.hf_tokenizer, model=scripted
    )
    segments = whisper_window.fitted_segments(model, np.zeros(6 * 16000, dtype=np.float32), "en")
    assert [(segment.end_s, segment.text) for segment in segments] == [(5.0, " Two of them were new graduates.")]
