"""The offline evaluator: which answers bear on each criterion, and how much substance they hold; never
a hiring recommendation. Also the live monitor's quick reading of one answer.

What it does, in order (docs/EVALUATION.md says it for a recruiter):

1. Each answer is classified (interviews.intents, plus the evaluator's own stricter list of text
   addressed to the evaluator). "I don't know", requests to repeat the question, questions back,
   answers in another language than the template's, and text that talks to the evaluator are no
   evidence at all; an answer with any such instruction is dropped whole, so nothing of it is ever
   quoted. Within a real answer, sentences that are questions are dropped too.
2. Each answer belongs to the planned question it was given under (follow-ups included). A
   criterion bears on the answers to the questions that name it (share a word with it), and on any
   answer that names it itself; a criterion no question names bears on every answer.
3. A criterion's score counts, per planned question that bears on it (its answer and the answers
   to its follow-ups together), the candidate's own content words (the rubric's and the question's
   words are not counted, so echoing them earns nothing), concrete details (numbers, names of
   things) and sentences that give reasons or results; then takes the mean over those questions.
   Counts only grow with more answers to the same question, so answering more follow-ups never
   lowers a score; a question whose answers held no evidence is left out of the mean.
4. Nothing bears on a criterion: it is "not assessed" (no score), never a low score.
5. The recommendation is always "needs human review".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from interviews.evaluation.data import (
    EvaluationInput,
    EvaluationResult,
    ScoredCriterion,
)
from interviews.evaluation.evidence import check_evidence
from interviews.evaluation.heuristic_report import REPORT_TEXTS
from interviews.evaluation.text import (
    Vocabulary,
    content_stems,
    language_name,
    language_of,
    reasons,
    sentences,
    specifics,
    stem,
    tokens,
)
from interviews.exceptions import InterviewError
from interviews.intents import Intent, classify, in_language
from interviews.models import Evaluation, Turn
from interviews.providers.base import Criterion

HEURISTIC_MODEL_NAME = "heuristic-v2"

# Substance at which a planned question's measure is full, over its answer and follow-ups: one
# strong answer and its follow-up about reach them. A Korean stem carries a little less than an
# English content word (a verb's stem and its noun count apart), so Korean needs a few more: with
# these, the same answers score the same in both languages (tests/test_evaluation_personas.py).
CONTENT_FULL = {"en": 25, "ko": 30}  # distinct content units (English words, Korean stems)
DETAILS_FULL = 4  # distinct concrete details
REASONS_FULL = 3  # sentences that give a reason, weigh a choice, measure a result or draw a lesson
# How the three measures make up a criterion's score (they sum to 1).
CONTENT_SHARE, DETAILS_SHARE, REASONS_SHARE = 0.4, 0.3, 0.3
# An answer with fewer content units than this (after everything above is taken out) is no evidence.
MIN_CONTENT_UNITS = 2
# A sentence that ends in a question mark is kept as evidence only with this many content units.
QUESTION_KEPT_FROM = 6
# A sentence shorter than this (words, eojeol) is never quoted.
MIN_QUOTE_TOKENS = 4
QUOTES_PER_CRITERION = 2

_HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Words of a question that only ask ("could you walk me through"), not what the question is about.
_QUESTION_WORDS = {
    "en": frozenset(
        str.split(
            "start walk through tell describe explain talk share give example recent recently today could would "
            "question next first"
        )
    ),
    "ko": frozenset(
        str.split("먼저 최근 설명 설명해 말씀 말씀해 주시 주세요 주시겠어요 어떻게 무엇 직접 다음 질문 지금")
    ),
}

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
class _Answer:
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


def _read_answers(data: EvaluationInput) -> list[_Answer]:
    rules = language_of(data.language)
    answers: list[_Answer] = []
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
        answers.append(_read_answer(line.text, topic=topic, prompt=prompt, language=data.language, rules=rules))
    return answers


def _read_answer(text: str, *, topic: int | None, prompt: str, language: str, rules: str) -> _Answer:
    intent = classify(text, language=language)
    if intent == Intent.ANSWER and _addresses_the_evaluator(text, rules=rules):
        intent = Intent.META
    answer = _Answer(text=text, topic=topic, prompt=prompt, intent=NO_EVIDENCE_REASONS.get(intent, "answer"))
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
class _Substance:
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


def _criterion_words(item: Criterion) -> str:
    return f"{item.name} {item.description}"


def _names(vocabulary: Vocabulary, text: str, *, language: str, ignore: frozenset[str] = frozenset()) -> bool:
    """Whether `text` shares a content word with the criterion's vocabulary."""
    return any(vocabulary.echoes(w, exact=True) for w in content_stems(text, language=language) if w not in ignore)


def _score_criterion(
    item: Criterion, answers: list[_Answer], data: EvaluationInput, *, rubric_words: Vocabulary
) -> ScoredCriterion:
    language, rules = data.language, language_of(data.language)
    texts = REPORT_TEXTS[rules]
    vocabulary = Vocabulary.of(_criterion_words(item), language=language)
    asking = _QUESTION_WORDS[rules]
    naming = {
        number
        for number, question in enumerate(data.questions, start=1)
        if _names(vocabulary, question, language=language, ignore=asking)
    }
    # An answer under no known planned question (an interviewer that rephrased it): its prompt decides.
    bearing = [
        answer
        for answer in answers
        if not naming
        or answer.topic in naming
        or (answer.topic is None and _names(vocabulary, answer.prompt, language=language, ignore=asking))
    ]
    usable = [a for a in bearing if a.usable]
    if not usable:
        numbers = ", ".join(str(n) for n in sorted(naming))
        rationale = texts["not_assessed_named"].format(numbers=numbers) if naming else texts["not_assessed"]
        return ScoredCriterion(item.name, None, item.scale_max, item.weight, [], rationale)

    # One measure per planned question, over its answer and the answers to its follow-ups together
    # (so a follow-up only ever adds), then the mean over the questions that held any evidence.
    per_topic: dict[int | None, _Substance] = {}
    for answer in usable:
        echo = Vocabulary(
            stems=rubric_words.stems | Vocabulary.of(answer.prompt, language=language).stems,
            korean_text=rubric_words.korean_text + re.sub(r"\s+", "", answer.prompt),
        )
        per_topic.setdefault(answer.topic, _Substance()).add(
            " ".join(answer.usable_sentences), echo=echo, language=language
        )
    share = sum(topic.share(language=language) for topic in per_topic.values()) / len(per_topic)
    score = 1 + math.floor(share * (item.scale_max - 1) + 0.5)

    total = _Substance()
    for topic in per_topic.values():
        total.content |= topic.content
        total.details |= topic.details
        total.reasons |= topic.reasons
    topics = sorted(t for t in per_topic if t)
    questions = (
        texts["questions"].format(numbers=", ".join(str(t) for t in topics)) if naming else texts["all_questions"]
    )
    shown = sorted(total.details)[:5]
    rationale = texts["rationale"].format(
        answers=len(usable),
        questions=questions,
        content=len(total.content),
        details=len(total.details),
        detail_list=f" ({', '.join(shown)}{', …' if len(total.details) > len(shown) else ''})" if shown else "",
        reasons=len(total.reasons),
    )
    # Questions that bore on it but held no evidence are left out of the mean: say so, since the
    # score then rests on fewer answers than were asked for.
    silent = len({a.topic for a in bearing if a.topic} - set(per_topic))
    if silent:
        rationale += " " + texts["silent"].format(n=silent)
    quotes = _quotes(usable, vocabulary=vocabulary, rubric_words=rubric_words, language=language)
    evidence = check_evidence(quotes, data.candidate_text)
    return ScoredCriterion(item.name, score, item.scale_max, item.weight, evidence, rationale)


def _quotes(usable: list[_Answer], *, vocabulary: Vocabulary, rubric_words: Vocabulary, language: str) -> list[str]:
    """The sentences of the bearing answers that say most, those that name the criterion first."""
    ranked: list[tuple[tuple[int, int, int], str]] = []
    for order, answer in enumerate(usable):
        for sentence in answer.usable_sentences:
            if len(tokens(sentence)) < MIN_QUOTE_TOKENS:
                continue
            own = {w for w in content_stems(sentence, language=language) if not rubric_words.echoes(w)}
            details = {d for d in specifics(sentence, language=language) if not rubric_words.echoes(d)}
            weight = len(own) + 2 * len(details) + 2 * bool(reasons(sentence, language=language))
            if len(own) < MIN_CONTENT_UNITS:
                continue  # an echo of the rubric is never evidence
            names_it = any(vocabulary.echoes(stem(t, language=language)) for t in tokens(sentence))
            ranked.append(((int(names_it), weight, -order), sentence))
    ranked.sort(key=lambda pair: pair[0], reverse=True)
    return [sentence for _key, sentence in ranked[:QUOTES_PER_CRITERION]]


def evaluate_heuristically(data: EvaluationInput) -> EvaluationResult:
    """Per criterion: the answers that bear on it, and their substance; the recommendation is always
    "needs human review" (see the module's docstring)."""
    if not data.answers:
        raise InterviewError("The candidate gave no answers to evaluate.", code="evaluation_failed")
    rules = language_of(data.language)
    texts = REPORT_TEXTS[rules]
    answers = _read_answers(data)
    rubric_words = Vocabulary.of(*(_criterion_words(item) for item in data.rubric), language=data.language)
    scores = [_score_criterion(item, answers, data, rubric_words=rubric_words) for item in data.rubric]

    reasons_given = Counter(a.intent for a in answers if not a.usable)
    usable = sum(a.usable for a in answers)
    language = language_name(data.language, in_language=rules)
    summary_parts = [texts["notice"], texts["method"], texts["answers"].format(answers=len(answers), usable=usable)]
    if reasons_given:
        order = (
            "empty",
            "dont_know",
            "repeat",
            "question",
            "wrong_language",
            "about_language",
            "to_the_evaluator",
            "asked_for_a_person",
            "thin",
        )
        parts = [texts[key].format(n=reasons_given[key], language=language) for key in order if reasons_given[key]]
        summary_parts.append(texts["no_evidence"].format(parts=", ".join(parts)))
    if not usable:
        summary_parts.append(texts["none_usable"])

    strengths: list[str] = []
    concerns: list[str] = []
    if reasons_given["to_the_evaluator"]:
        concerns.append(texts["concern_meta"].format(n=reasons_given["to_the_evaluator"]))
    if reasons_given["wrong_language"]:
        concerns.append(texts["concern_language"].format(n=reasons_given["wrong_language"], language=language))
    if reasons_given["dont_know"]:
        concerns.append(texts["concern_dont_know"].format(n=reasons_given["dont_know"]))
    for scored in scores:
        values = {"criterion": scored.criterion, "score": scored.score, "scale": scored.scale_max}
        if scored.score is None:
            concerns.append(texts["concern_not_assessed"].format(**values))
        elif scored.score >= scored.scale_max - 1 and scored.scale_max > 2:
            strengths.append(texts["strength"].format(**values))
        elif scored.score <= max(1, scored.scale_max * 2 // 5):
            concerns.append(texts["concern_low"].format(**values))
    return EvaluationResult(
        evaluator=Evaluation.Evaluator.HEURISTIC,
        model_name=HEURISTIC_MODEL_NAME,
        summary=" ".join(summary_parts),
        strengths=strengths,
        concerns=concerns,
        recommendation=Evaluation.Recommendation.NEEDS_REVIEW,
        scores=scores,
    )


# --- the live monitor ---------------------------------------------------------------------------------


def assess_answer(text: str, *, rubric: tuple[Criterion, ...] = (), language: str | None = None) -> dict[str, Any]:
    """A quick reading of one answer for the live monitor (not the evaluation): what kind of answer it
    is, and its substance; the rubric's words are shown, never counted. Without `language`, the
    answer's own script decides (Hangul: Korean), so no answer reads as being in the wrong language."""
    words = len(tokens(text))
    if language is None:
        language = "ko" if _HANGUL.search(text) else "en"
    rubric_words = Vocabulary.of(*(_criterion_words(item) for item in rubric), language=language)
    answer = _read_answer(text, topic=None, prompt="", language=language, rules=language_of(language))
    substance = _Substance()
    if answer.usable:
        substance.add(" ".join(answer.usable_sentences), echo=rubric_words, language=language)
    matched = sorted({w for w in content_stems(text, language=language) if rubric_words.echoes(w)}) if rubric else []
    score = round(100 * substance.share(language=language))
    if not answer.usable:
        label = "brief" if answer.intent == "thin" else answer.intent
    elif words < 12:
        label = "brief"
    elif score >= 50:
        label = "detailed"
    else:
        label = "adequate"
    return {
        "words": words,
        "details": len(substance.details),
        "rubric_terms": matched,
        "score": score,
        "label": label,
    }
