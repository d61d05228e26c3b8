"""How the offline evaluator reads the candidate's answers: which are evidence at all, which of their
sentences count, which planned question each was given under, and how much substance they hold.

The offline evaluator (heuristic.py) scores criteria from these readings, and the live monitor reads
one answer at a time with them (heuristic.assess_answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interviews.evaluation.data import EvaluationInput
from interviews.evaluation.text import Vocabulary, content_stems, language_of, reasons, sentences, specifics
from interviews.intents import Intent, classify, in_language
from interviews.models import Turn

# Substance at which a planned question's measure is full, over its answer and follow-ups: one
# strong answer and its follow-up about reach them. A Korean stem carries a little less than an
# English content word (a verb's stem and its noun count apart), so Korean needs a few more: with
# these, the same answers score the same in both languages (tests/test_evaluation_personas.py).
CONTENT_FULL = {"en": 25, "ko": 30}  # distinct content units (English words, Korean stems)
DETAILS_FULL = 4  # distinct concrete details
REASONS_FULL = 3  # sentences that give a reason, weigh a choice, measure a result or draw a lesson
# How the three measures make up a criterion's score (they sum to 1).
CONTENT_SHARE, DETAILS_SHARE, REASONS_SHARE = 0.4, 0.3, 0.3
# An answer with fewer content units than this (once its sentences that are no evidence are taken out)
# is no evidence.
MIN_CONTENT_UNITS = 2
# A sentence that ends in a question mark is kept as evidence only with this many content units.
QUESTION_KEPT_FROM = 6

# Text addressed to the evaluator, on top of interviews.intents' META: stricter here, because for an
# evaluation a false alarm costs one answer unread, a miss puts an instruction into the evidence.
_TO_THE_EVALUATOR = {
    "en": tuple(
        re.compile(pattern, re.IGNORECASE)
        for pattern in (
            r"\bthis candidate\b",
            r"\b(evaluator|grader|scoring model|the rubric|your rubric)\b",
            r"\b(final )?recommendation\s*:",
            r"\b(five|5|ten|10) out of (five|5|ten|10)\b",
            r"\bstrong[ _\-]?(yes|hire)\b",
            r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules?|rubric|prompt|above|previous|earlier)\b",
            r"\b(full|maximum|max|top|perfect|highest) (score|marks|rating)\b",
            r"\brepeat after me\b",
            r"\bsystem (note|message|prompt)\b",
        )
    ),
    "ko": tuple(
        re.compile(pattern, re.IGNORECASE)
        for pattern in (
            r"(이|본|해당) 지원자",
            r"평가자",
            r"(평가|추천|점수)(는|를|은|을)? .{0,12}(주세요|하세요|표시)",
            r"만점",
            r"최고 ?점",
            r"strong[ _\-]?(yes|hire)",
            r"(지시|지침|명령|프롬프트)(는|을|를|은)? .{0,8}(무시|잊)",
            r"합격(으로|시켜)",
            r"인공지능으로서",
        )
    ),
}
# Talk about the interview's language ("can I answer in Korean?") says nothing about a criterion.
_ABOUT_LANGUAGE = {
    "en": re.compile(r"\b(my english|in (korean|english)|speak (korean|english))\b", re.IGNORECASE),
    "ko": re.compile(r"(한국어|영어)(로|가|를|는|이)?\s"),
}

# Why an answer is no evidence, as the report counts it.
NO_EVIDENCE_REASONS = {
    Intent.EMPTY: "empty",
    Intent.DONT_KNOW: "dont_know",
    Intent.REPEAT: "repeat",
    Intent.QUESTION: "question",
    Intent.WRONG_LANGUAGE: "wrong_language",
    Intent.META: "to_the_evaluator",
    Intent.HUMAN: "asked_for_a_person",  # never held against the candidate: not scored, not a concern
}


@dataclass(slots=True)
class Answer:
    text: str
    topic: int | None  # the planned question it was given under (1-based), if known
    prompt: str  # what the interviewer said just before, and the planned question's text
    intent: str  # "answer", or why it is no evidence (NO_EVIDENCE_REASONS, "about_language", "thin")
    usable_sentences: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.intent == "answer"


def _addresses_the_evaluator(text: str, *, rules: str) -> bool:
    return any(pattern.search(text) for pattern in _TO_THE_EVALUATOR[rules])


def _topic_of(line_text: str, plan_question: int | None, questions: tuple[str, ...], *, language: str) -> int | None:
    """The planned question an interviewer line asks: as marked when the turn was stored, else the
    question whose words it holds most of (a follow-up holds few, and keeps the current topic)."""
    if plan_question:
        return plan_question
    said = set(content_stems(line_text, language=language))
    best, best_share = None, 0.0
    for number, question in enumerate(questions, start=1):
        words = set(content_stems(question, language=language))
        share = len(words & said) / len(words) if words else 0.0
        if share > best_share:
            best, best_share = number, share
    return best if best_share >= 0.6 else None


def read_answers(data: EvaluationInput) -> list[Answer]:
    rules = language_of(data.language)
    answers: list[Answer] = []
    topic: int | None = None
    prompt = ""
    for line in data.transcript:
        if line.speaker != Turn.Speaker.CANDIDATE:
            asked = _topic_of(line.text, line.plan_question, data.questions, language=data.language)
            if asked is not None:
                topic = asked
            planned = data.questions[topic - 1] if topic and topic <= len(data.questions) else ""
            prompt = f"{planned} {line.text}"
            continue
        if not line.text.strip():
            continue
        answers.append(read_answer(line.text, topic=topic, prompt=prompt, language=data.language, rules=rules))
    return answers


def read_answer(text: str, *, topic: int | None, prompt: str, language: str, rules: str) -> Answer:
    intent = classify(text, language=language)
    if intent == Intent.ANSWER and _addresses_the_evaluator(text, rules=rules):
        intent = Intent.META
    answer = Answer(text=text, topic=topic, prompt=prompt, intent=NO_EVIDENCE_REASONS.get(intent, "answer"))
    if intent == Intent.WRONG_LANGUAGE and in_language(text, language=language):
        answer.intent = "about_language"  # "can I answer in Korean?", said in the interview's language
    if not answer.usable:
        return answer
    kept = [
        s
        for s in sentences(text)
        if not _ABOUT_LANGUAGE[rules].search(s + " ")
        and classify(s, language=language) not in (Intent.DONT_KNOW, Intent.REPEAT, Intent.META, Intent.QUESTION)
        # A question back is no evidence; a question they ask in their work ("what if this call times
        # out?") may be.
        and not (s.rstrip().endswith(("?", "？")) and len(content_stems(s, language=language)) < QUESTION_KEPT_FROM)
    ]
    if not kept and any(_ABOUT_LANGUAGE[rules].search(s + " ") for s in sentences(text)):
        answer.intent = "about_language"
    elif len(content_stems(" ".join(kept), language=language)) < MIN_CONTENT_UNITS:
        answer.intent = "thin"
    else:
        answer.usable_sentences = kept
    return answer


@dataclass(slots=True)
class Substance:
    content: set[str] = field(default_factory=set)
    details: set[str] = field(default_factory=set)
    reasons: set[str] = field(default_factory=set)

    def add(self, text: str, *, echo: Vocabulary, language: str) -> None:
        own = [w for w in content_stems(text, language=language) if not echo.echoes(w)]
        self.content.update(own)
        self.details.update(d for d in specifics(text, language=language) if not echo.echoes(d))
        for sentence in reasons(text, language=language):
            # A reason needs words of its own: "because of the trade-offs" echoes the rubric.
            if sum(not echo.echoes(w) for w in content_stems(sentence, language=language)) >= 2:
                self.reasons.add(sentence)

    def share(self, *, language: str) -> float:
        return (
            CONTENT_SHARE * min(1.0, len(self.content) / CONTENT_FULL[language_of(language)])
            + DETAILS_SHARE * min(1.0, len(self.details) / DETAILS_FULL)
            + REASONS_SHARE * min(1.0, len(self.reasons) / REASONS_FULL)
        )
