"""Offline speech synthesis: Piper for English, espeak-ng for Korean, streamed as MP3."""

import io
import os
import time

import av
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

from interviews.audio import decode_to_pcm, pcm_duration_s
from interviews.providers.base import ProviderError, TextToSpeech, Voice
from interviews.providers.local_tts import OUTPUT_RATE, LocalTextToSpeech, split_sentences

pytestmark = pytest.mark.local_engines

EN = "Thanks, that's helpful. You mentioned the payments service. What was the hardest decision there?"
KO = "감사합니다. 결제 서비스에 대해 말씀하셨는데요, 그때 가장 어려웠던 결정은 무엇이었나요?"


@pytest.fixture(scope="module")
def tts() -> LocalTextToSpeech:
    engine = LocalTextToSpeech()
    yield engine
    engine.close()


async def synthesise(tts: LocalTextToSpeech, text: str, language: str) -> tuple[list[bytes], float]:
    started = time.perf_counter()
    first_s = None
    chunks = []
    async for chunk in tts.stream(text, voice=Voice(language=language)):
        first_s = first_s if first_s is not None else time.perf_counter() - started
        chunks.append(chunk)
    return chunks, first_s


def test_implements_the_protocol(tts):
    assert isinstance(tts, TextToSpeech) and tts.info.stage == "tts"


@pytest.mark.parametrize(("language", "text", "words"), [("en", EN, len(EN.split())), ("ko", KO, len(KO.split()))])
async def test_streams_mp3_of_plausible_length(tts, language, text, words):
    await tts.warm()
    chunks, first_s = await synthesise(tts, text, language)
    assert len(chunks) >= 3  # one or more per sentence, not one blob at the end
    assert all(chunk[0] == 0xFF and chunk[1] & 0xE0 == 0xE0 for chunk in chunks)  # whole MP3 frames
    mp3 = b"".join(chunks)
    with av.open(io.BytesIO(mp3)) as container:
        assert container.streams.audio[0].codec_context.sample_rate == OUTPUT_RATE
    seconds = pcm_duration_s(decode_to_pcm(mp3, rate=OUTPUT_RATE), rate=OUTPUT_RATE)
    assert 0.25 * words <= seconds <= 1.5 * words, seconds
    assert first_s < 1.0, f"first audio after {first_s:.2f} s"


def test_sentence_split():
    assert split_sentences("Hello there. How are you?\nFine!") == ["Hello there.", "How are you?", "Fine!"]
    assert split_sentences("감사합니다. 다음 질문입니다.") == ["감사합니다.", "다음 질문입니다."]
    assert split_sentences(" ... ") == []


async def test_unknown_espeak_voice_is_a_clear_error(tts):
    with pytest.raises(ProviderError) as caught:
        async for _chunk in tts.stream("hello", voice=Voice(language="xx-nonexistent")):
            pass
    assert caught.value.stage == "tts"
