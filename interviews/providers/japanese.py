"""Japanese without spaces: readings for espeak-ng and noun phrases for the offline interviewer.

Janome (Apache-2.0, pure Python, its IPADIC dictionary inside the PyPI package) splits a sentence
into morphemes. espeak-ng's `ja` voice reads kana only (a kanji comes out as "Chinese letter"), so
speech is given the morphemes' pronunciations in katakana: "私は" -> "ワタシワ", the particle read
as said. Loaded on first use: English and Korean interviews never pay for the dictionary.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_NOT_TOPICS = ("代名詞", "非自立", "数", "接尾", "副詞可能", "形容動詞語幹")
_lock = threading.Lock()  # janome's tokenizer is not documented as thread-safe


@functools.cache
def _tokenizer() -> Any:
    from janome.tokenizer import Tokenizer

    return Tokenizer()


def _morphemes(text: str) -> list[Any]:
    with _lock:
        return list(_tokenizer().tokenize(text))


def reading(text: str) -> str:
    """`text` as it is pronounced, in katakana; words the dictionary lacks (Latin terms) as written."""
    return "".join(m.phonetic if m.phonetic not in ("", "*") else m.surface for m in _morphemes(text))


def noun_phrases(text: str) -> list[str]:
    """Runs of nouns ("決済サービス", "整合性", "PostgreSQL"), in order."""
    phrases: list[str] = []
    run: list[str] = []
    for morpheme in [*_morphemes(text), None]:
        kind = morpheme.part_of_speech.split(",")[:2] if morpheme is not None else []
        # Not topics: pronouns, numbers, dependent and adverbial nouns (こと, 最近), adjectival stems (普通).
        noun = bool(kind) and kind[0] == "名詞" and kind[1] not in _NOT_TOPICS
        if noun or (run and kind[:2] == ["名詞", "接尾"]):  # a suffix ends its noun: 整合 + 性
            run.append(morpheme.surface)
            continue
        if run:
            phrases.append("".join(run))
        run = []
    return phrases
