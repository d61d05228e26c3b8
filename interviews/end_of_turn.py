"""When has the candidate finished? The end-of-turn decision, from three signals. Pure logic.

- The sound: turn_model (Smart Turn) scores the end of the utterance once a pause begins.
- The words: the latest partial transcript trails off ("and", "um", "first..., second,") or ends a
  sentence; and the interviewer's question was open ("tell me about...") or closed ("have you...?").
- The silence: the listener's pause length, which stays the backstop.

When the sound says finished and the words agree (a sentence ends; or there are no words, as with
cloud transcription), the answer is taken as ended after a short pause and the reply is heard as
soon as it is ready; a short answer to an open question gets the full patience all the same (it
is more often a preamble than the whole answer).
When the signals disagree, or the model is not there, the patience rules of before apply. A reply
prepared too early is still withdrawn unheard when the candidate goes on (hands_free.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from interviews.languages import language_base

# Words after which a speaker is usually not done: wait longer before taking the turn.
TRAILING = {
    "en": {
        "um", "uh", "er", "erm", "hmm", "so", "and", "but", "because", "like", "well", "or", "the", "a",
        "to", "of", "with", "that", "which", "if", "then", "also", "basically", "actually", "i", "we",
        "first", "second", "third", "firstly", "secondly", "next",
    },
    "ko": {
        "음", "어", "그", "저", "그러니까", "그래서", "근데", "그리고", "그런데", "뭐", "이제", "약간", "아",
        "첫째", "둘째", "첫번째", "두번째", "먼저", "그다음",
    },
}  # fmt: skip
# Korean trails off in its verb endings: "만들었고" (made, and...), "했는데" (did, but...).
_CONNECTIVE_ENDINGS = {
    "ko": (
        "고",
        "는데",
        "은데",
        "인데",
        "한데",
        "면서",
        "지만",
        "어서",
        "아서",
        "해서",
        "니까",
        "며",
        "거나",
        "다가",
        "려고",
    ),
}
# Korean closes a sentence in its verb: "운영했습니다." (ran it), "좋아요." The speaker says that ending;
# a recogniser does not invent it on a clause that goes on ("운영했고").
_FINAL_ENDINGS = {"ko": ("니다", "니까", "어요", "아요", "에요", "예요", "해요", "세요", "네요", "죠", "까요", "군요")}
_LAST_WORD = re.compile(r"(\w+)\W*$", re.UNICODE)
_SENTENCE_END = (".", "!", "?", "。", "！", "？")

# Questions that ask for a short answer: a yes or no, a number, a name, a time.
_CLOSED = {
    "en": re.compile(
        r"^(do|did|does|have|has|had|are|is|was|were|can|could|would|will|should)\s+you\b"
        r"|\b(how many|how much|how long|how often|which|when|where|who)\b",
        re.IGNORECASE,
    ),
    "ko": re.compile(r"(몇|언제|어디|누구|있으세요|있나요|있으신가요|있으셨나요|하셨나요|보셨나요|맞나요|인가요)"),
}
_OPEN = {
    "en": re.compile(
        r"\b(tell(ing)? (me|us)|talk(ing)? (me |us )?(through|about)|walk(ing)? (me|us)|describ\w*|explain\w*"
        r"|shar(e|ing)|how did|how do|how would|why|what was|what did)\b",
        re.IGNORECASE,
    ),
    "ko": re.compile(r"(설명해|말씀해|이야기해|어떻게|왜)"),
}


class Words(StrEnum):
    """What the words so far say."""

    WAIT = "wait"  # they trail off: the speaker is mid-thought
    DONE = "done"  # a sentence ends
    UNKNOWN = "unknown"


class Question(StrEnum):
    OPEN = "open"  # asks for a story or an explanation
    CLOSED = "closed"  # asks for a short fact: a short answer is a whole answer


def words_signal(partial: str, *, language: str) -> Words:
    text = partial.strip()
    if not text:
        return Words.UNKNOWN
    if text.endswith(("...", "…", ",", "-", "—", "、", "，")):
        return Words.WAIT
    match = _LAST_WORD.search(text.lower())
    base = language_base(language)
    if match and match.group(1) in TRAILING.get(base, TRAILING["en"]):
        return Words.WAIT
    if match and len(match.group(1)) > 1 and match.group(1).endswith(_CONNECTIVE_ENDINGS.get(base, ())):
        return Words.WAIT  # even with a full stop: the recogniser often "finishes" the sentence
    return Words.DONE if text.endswith(_SENTENCE_END) else Words.UNKNOWN


def only_a_comma(partial: str, *, language: str) -> bool:
    """The words trail off by a final comma alone: with a full stop there instead they would end a
    sentence. Recognisers often close a finished answer with one ("...new graduates,")."""
    text = partial.strip()
    return text.endswith((",", "，", "、")) and words_signal(text[:-1] + ".", language=language) == Words.DONE


def closes_sentence(partial: str, *, language: str) -> bool:
    """The words end a sentence in the grammar itself (a Korean final verb ending), not only in the
    recogniser's punctuation."""
    endings = _FINAL_ENDINGS.get(language_base(language), ())
    match = _LAST_WORD.search(partial.strip())
    return (
        bool(endings)
        and match is not None
        and match.group(1).endswith(endings)
        and words_signal(partial, language=language) == Words.DONE
    )


def question_kind(question: str, *, language: str) -> Question:
    """Whether the interviewer's last question asks for a short fact (the last sentence with a "?")."""
    base = language_base(language)
    sentences = [s for s in re.split(r"(?<=[.!?。？])\s*", question.strip()) if s]
    last = next((s for s in reversed(sentences) if s.endswith(("?", "？"))), sentences[-1] if sentences else "")
    closed, opened = _CLOSED.get(base, _CLOSED["en"]), _OPEN.get(base, _OPEN["en"])
    return Question.CLOSED if closed.search(last) and not opened.search(last) else Question.OPEN


@dataclass(frozen=True)
class TurnConfig:
    silence_s: float = 1.2  # without the model: the pause that ends a complete-sounding answer
    patient_silence_s: float = 3.0  # after a short or trailing-off utterance, or mixed signals
    # With that patience the answer is taken as ended (the reply prepared) this much before it runs
    # out, and heard only once it has: going on within it reopens the answer at no provider cost.
    prepare_ahead_s: float = 0.8
    short_utterance_s: float = 2.5  # voice below this: likely a preamble when the question was open
    assess_after_s: float = 0.1  # the pause after which the model scores the end of the utterance
    finished: float = 0.5  # the model's probability from which the sound says "finished"
    sure: float = 0.9  # ... and from which it outweighs a final comma (the silence then decides)
    # A short answer to a closed question, finished by sound and words: heard after this much
    # silence (the reply is ready sooner), so "Yes... well, twice" can still go on.
    short_heard_after_s: float = 0.8


@dataclass(frozen=True)
class Decision:
    """After how much silence the answer is taken as ended, and after how much the reply may be heard."""

    end_after_s: float
    heard_after_s: float


def decide(
    *,
    voiced_s: float,
    partial: str,
    language: str,
    finished: float | None,
    question: Question,
    words_lag: bool,
    config: TurnConfig,
) -> Decision:
    """The pause that ends this utterance. `finished`: the model's probability for the current pause
    (None: not scored yet, or no model); `words_lag`: the partial transcript does not reach the pause
    yet, so the words cannot be trusted to say "done"."""
    patient = Decision(config.patient_silence_s - config.prepare_ahead_s, config.patient_silence_s)
    words = words_signal(partial, language=language)
    short = voiced_s < config.short_utterance_s
    if words == Words.WAIT:
        # A final comma alone against a sure sound: the silence decides, as without the model (list
        # items score low, 0.01-0.37, BENCHMARKS.md #20; a finished "...new graduates," 0.97).
        sure = finished is not None and finished >= config.sure and not words_lag
        if sure and only_a_comma(partial, language=language):
            return Decision(config.silence_s, config.silence_s)
        return patient
    # Words that end no sentence, or lag behind the pause, are no sign of an end: a transcript that
    # ends no sentence is more often a thought going on. Patience, decided again as soon as the words
    # catch up. (With no words at all, cloud transcription, the sound and the silence decide.)
    words_disagree = words_lag or (words == Words.UNKNOWN and bool(partial.strip()))
    if finished is None:  # no model, or its score for this pause is not in yet
        if short or words_disagree:
            return patient
        return Decision(config.silence_s, config.silence_s)
    if short and question == Question.CLOSED and not words_lag and finished >= config.finished:
        # A short answer to a closed question is often a fragment the recogniser leaves without a full
        # stop ("4 engineers", "Since 2019"). Sure sound, no trailing off: heard after the plain
        # silence, not the patience (session 7: "Four engineers." waited 3 s). It ends only after
        # 0.8 s, by when a later pass's full stop (often there, as in Korean "...했습니다.") makes it
        # an answer heard after 0.8 s.
        if words == Words.UNKNOWN and partial.strip():
            return Decision(config.short_heard_after_s, config.silence_s)
        return Decision(config.assess_after_s, config.short_heard_after_s)
    if words_disagree or (short and question == Question.OPEN):
        return patient
    if finished < config.finished:
        # The sound says "not yet". Where the grammar says the sentence is over, the silence decides,
        # as without the model: Smart Turn hears espeak-ng's complete Korean as unfinished (0.24-0.30,
        # BENCHMARKS.md #20), which gave every Korean answer the full patience.
        return Decision(config.silence_s, config.silence_s) if closes_sentence(partial, language=language) else patient
    return Decision(config.assess_after_s, config.assess_after_s)
