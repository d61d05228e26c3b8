"""Japanese on the offline engines: what Whisper base hears of espeak-ng's Japanese voice.

Measured as Korean was (docs/DESIGN.md, "Korean recognition accuracy"): synthetic speech from the
app's LocalTextToSpeech (espeak-ng `ja`, kanji read through Janome), transcribed by the app's
LocalSpeechToText (Whisper base, float32, greedy). Japanese has no spaces, so recall is counted on
characters (how many of the sentence's characters, punctuation removed, appear in the output) and on
kana (the same over both texts' pronunciations, so a word heard right but written in other kanji
counts). Real Japanese speech is not measured here: none ships in a package.

    .venv/bin/python bench/japanese_recall.py
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviews.audio import RECOGNITION_RATE, decode_to_pcm
from interviews.providers.base import Voice
from interviews.providers.japanese import reading
from interviews.providers.local_stt import LocalSpeechToText
from interviews.providers.local_tts import LocalTextToSpeech

MODELS_DIR = Path(__file__).resolve().parent.parent / "var" / "models"  # where the app joins Whisper base

SENTENCES = [
    "私は決済サービスを開発しました。",
    "データベースの設計とコードレビューを担当しています。",
    "障害が起きたときは、まずダッシュボードを確認します。",
    "チームで毎週振り返りをして、改善点を話し合いました。",
    "高い負荷でも安定するように、キャッシュとキューを使いました。",
]


def characters_heard(reference: str, heard: str) -> tuple[int, int]:
    """(characters of `reference` found in `heard`, characters of `reference`), counted with repeats."""
    want, got = Counter(reference), Counter(heard)
    return sum(min(count, got[char]) for char, count in want.items()), sum(want.values())


def _recall(reference: str, heard: str) -> float:
    found, wanted = characters_heard(reference, heard)
    return found / max(1, wanted)


def _plain(text: str) -> str:
    return re.sub(r"[\W_]", "", text)


async def main() -> None:
    tts = LocalTextToSpeech()
    stt = LocalSpeechToText(cache_dir=MODELS_DIR)
    characters, kana, audio_s, stt_s = [], [], 0.0, 0.0
    for sentence in SENTENCES:
        mp3 = b"".join([chunk async for chunk in tts.stream(sentence, voice=Voice(language="ja"))])
        pcm = decode_to_pcm(mp3)
        started = time.perf_counter()
        heard = await stt.run(stt.transcribe_pcm, pcm, language="ja")
        stt_s += time.perf_counter() - started
        audio_s += len(pcm) / RECOGNITION_RATE
        characters.append(_recall(_plain(sentence), _plain(heard)))
        kana.append(_recall(_plain(reading(sentence)), _plain(reading(heard))))
        print(f"{sentence} -> {heard}  characters {characters[-1]:.0%}, kana {kana[-1]:.0%}")
    print(
        f"mean character recall {sum(characters) / len(characters):.0%}, kana recall {sum(kana) / len(kana):.0%}, "
        f"speech-to-text real-time factor {stt_s / audio_s:.2f} ({len(SENTENCES)} sentences)"
    )


if __name__ == "__main__":
    asyncio.run(main())
