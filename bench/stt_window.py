"""The local recogniser's pass in Whisper's 30 s window against one fitted to the audio (issue #20).

faster-whisper pads every pass to 30 s, and most of a pass is the encoder reading that padding. The
app now encodes audio up to FIT_MAX_S in a window that fits it (local_stt._fitted_segments). This
compares the two on the same audio, in this process: the time of one pass (median of `--repeats`)
and what was heard.

- English: Piper's voice (the app's LocalTextToSpeech), answers of 1-20 s including lists and
  answers that trail off, clean and with white noise at 20 dB SNR; each answer cut at 60 % of its
  length (mid-word, as a background pass hears it); and answers with a 2.5 s pause inside (where a
  short window once made Whisper repeat a sentence). Word error rate against the text.
- Korean and Japanese: espeak-ng through the app's LocalTextToSpeech, Whisper base. Character
  recall (as bench/japanese_recall.py counts it), since neither has reliable word boundaries.

    .venv/bin/python bench/stt_window.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import machine
from bench.japanese_recall import MODELS_DIR, _plain, characters_heard
from interviews.audio import RECOGNITION_RATE, decode_to_pcm
from interviews.providers.base import Voice
from interviews.providers.local_stt import LocalSpeechToText
from interviews.providers.local_tts import LocalTextToSpeech

ENGLISH = [
    "Yes, twice.",
    "Four engineers.",
    "I led the migration of our payment service to Kubernetes last year.",
    "First, we measured the slow queries. Second, we added caching. Third, we rewrote the worst endpoint.",
    "The hardest part was keeping the database consistent while both versions were running, and then we",
    "We stored the ledger in PostgreSQL and used an outbox table to publish events reliably to Kafka.",
    "I think the main lesson was to write the rollback plan before the rollout plan, because when things "
    "go wrong at two in the morning nobody wants to improvise, and our on-call engineers said it was the "
    "first migration where they slept through the night.",
    "Um, so, I would say my strongest skill is debugging production issues under pressure.",
    "We had about forty services, three teams, and one shared staging environment, which was a problem.",
    "Honestly, I don't know. I'd have to look it up.",
]
KOREAN = [
    "저는 결제 서비스를 개발했습니다.",
    "데이터베이스 설계와 코드 리뷰를 담당하고 있습니다.",
    "장애가 생기면 먼저 대시보드를 확인합니다.",
    "팀에서 매주 회고를 하고 개선점을 이야기했습니다.",
]
JAPANESE = [
    "私は決済サービスを開発しました。",
    "データベースの設計とコードレビューを担当しています。",
    "障害が起きたときは、まずダッシュボードを確認します。",
]


def words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def wer(reference: str, heard: str) -> tuple[int, int]:
    """(edits, reference words): Levenshtein over words."""
    ref, hyp = words(reference), words(heard)
    row = list(range(len(hyp) + 1))
    for i, want in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, got in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (want != got))
    return row[len(hyp)], len(ref)


def recall(reference: str, heard: str) -> tuple[int, int]:
    """(characters heard, characters wanted), punctuation out, as bench/japanese_recall.py counts."""
    return characters_heard(_plain(reference), _plain(heard))


def with_noise(pcm: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    loud = pcm[np.abs(pcm) > 0.01]
    power = float(np.mean(np.square(loud))) if len(loud) else 1e-4
    noise = np.random.default_rng(seed).normal(0, np.sqrt(power / 10 ** (snr_db / 10)), len(pcm))
    return (pcm + noise).astype(np.float32)


async def render(tts: LocalTextToSpeech, text: str, language: str) -> np.ndarray:
    mp3 = b"".join([chunk async for chunk in tts.stream(text, voice=Voice(language=language))])
    return decode_to_pcm(mp3)


def timed(stt: LocalSpeechToText, pcm: np.ndarray, language: str, repeats: int) -> tuple[str, float]:
    times, text = [], ""
    for _ in range(repeats):
        started = time.perf_counter()
        text = stt.transcribe_pcm(pcm, language=language)
        times.append(time.perf_counter() - started)
    return text, statistics.median(times)


async def main(repeats: int) -> None:
    tts = LocalTextToSpeech()
    engines = {
        "30 s": LocalSpeechToText(cache_dir=MODELS_DIR, fit_window=False),
        "fitted": LocalSpeechToText(cache_dir=MODELS_DIR, fit_window=True),
    }
    for engine in engines.values():
        await engine.warm()
    print(f"# {machine()}\n# bench/stt_window.py --repeats {repeats}\n")
    cases: list[tuple[str, str, str, np.ndarray]] = []  # (set, language, reference, audio)
    for index, text in enumerate(ENGLISH):
        pcm = await render(tts, text, "en")
        cases.append(("en clean", "en", text, pcm))
        cases.append(("en noise 20 dB", "en", text, with_noise(pcm, 20.0, index)))
        cut = pcm[: int(len(pcm) * 0.6)]
        heard_words = len(words(text)) * 6 // 10
        cases.append(("en cut at 60 %", "en", " ".join(words(text)[:heard_words]), cut))
    for first, then in [(ENGLISH[2], ENGLISH[0]), (ENGLISH[3], ENGLISH[9]), (ENGLISH[5], ENGLISH[1])]:
        gap = np.zeros(int(2.5 * RECOGNITION_RATE), dtype=np.float32)
        pcm = np.concatenate([await render(tts, first, "en"), gap, await render(tts, then, "en")])
        cases.append(("en, 2.5 s pause inside", "en", f"{first} {then}", pcm))
    for text in KOREAN:
        cases.append(("ko (espeak-ng)", "ko", text, await render(tts, text, "ko")))
    for text in JAPANESE:
        cases.append(("ja (espeak-ng)", "ja", text, await render(tts, text, "ja")))

    totals: dict[tuple[str, str], list[float]] = {}
    print("| set | window | audio s | pass ms | heard |")
    print("|---|---|---:|---:|---|")
    for name, language, reference, pcm in cases:
        for mode, engine in engines.items():
            heard, seconds = timed(engine, pcm, language, repeats)
            score = wer(reference, heard) if language == "en" else recall(reference, heard)
            total = totals.setdefault((name, mode), [0, 0, 0.0, 0])
            total[0] += score[0]
            total[1] += score[1]
            total[2] += seconds
            total[3] += 1
            print(f"| {name} | {mode} | {len(pcm) / RECOGNITION_RATE:.1f} | {seconds * 1000:.0f} | {heard[:90]} |")
    print("\n| set | window | passes | mean pass ms | accuracy |")
    print("|---|---|---:|---:|---|")
    for (name, mode), (got, wanted, seconds, count) in totals.items():
        measure = f"WER {got / wanted:.1%}" if name.startswith("en") else f"characters heard {got / wanted:.1%}"
        print(f"| {name} | {mode} | {count} | {seconds / count * 1000:.0f} | {measure} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    asyncio.run(main(parser.parse_args().repeats))
