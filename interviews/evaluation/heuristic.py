"""The offline evaluator: which answers bear on each criterion, and how much substance they hold; never
a hiring recommendation. Also the live monitor's quick reading of one answer.

What it does, in order (docs/EVALUATION.md says it for a recruiter):

1. Each answer is classified (answers.py: interviews.intents, plus the evaluator's own stricter
   list of text addressed to the evaluator). "I don't know", requests to repeat the question, questions back,
   answers in another language than the template's, and text that talks to the evaluator are no
   evidence at all; an answer with any such instruction is dropped whole, so nothing of it is ever
   quoted. Within a real answer, sentences that are questions are dropped too.
2. Each answer belongs to the planned question it was given under (follow-ups included). A
   criterion bears on the answers to the questions that name it (share a word with it), and on any
   answer that names it itself; a criterion no question names bears on every answer.
3. A criterion's score counts, per planned question that bears on it (its answer and the answers
   to its follow-ups together), the candidate's own content words (the rubric's and the question's
   words are not counted, so echoing them earns nothing), concrete details (numbers, names of
   things) and sentences that give reasons or results (answers.Substance); then takes the mean over
   those questions.
   Counts only grow with more answers to the same question, so answering more follow-ups never
   lowers a score; a question whose answers held no evidence is left out of the mean.
4. Nothing bears on a criterion: it is "not assessed" (no score), never a low score.
5. The recommendation is always "needs human review".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from interviews.evaluation.answers import MIN_CONTENT_UNITS, Answer, Substance, read_answer, read_answers
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
    specifics,
    stem,
    tokens,
)
from interviews.exceptions import InterviewError
from interviews.models import Evaluation
from interviews.providers.base import Criterion

HEURISTIC_MODEL_NAME = "heuristic-v2"

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


def _criterion_words(item: Criterion) -> str:
    return f"{item.name} {item.description}"


def _names(vocabulary: Vocabulary, text: str, *, language: str, ignore: frozenset[str] = frozenset()) -> bool:
    """Whether `text` shares a content word with the criterion's vocabulary."""
    return any(vocabulary.echoes(w, exact=True) for w in content_stems(text, language=language) if w not in ignore)


def _score_criterion(
    item: Criterion, answers: list[Answer], data: EvaluationInput, *, rubric_words: Vocabulary
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
    per_topic: dict[int | None, Substance] = {}
    for answer in usable:
        echo = Vocabulary(
            stems=rubric_words.stems | Vocabulary.of(answer.prompt, language=language).stems,
            korean_text=rubric_words.korean_text + re.sub(r"\s+", "", answer.prompt),
        )
        per_topic.setdefault(answer.topic, Substance()).add(
            " ".join(answer.usable_sentences), echo=echo, language=language
        )
    share = sum(topic.share(language=language) for topic in per_topic.values()) / len(per_topic)
    score = 1 + math.floor(share * (item.scale_max - 1) + 0.5)

    total = Substance()
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


def _quotes(usable: list[Answer], *, vocabulary: Vocabulary, rubric_words: Vocabulary, language: str) -> list[str]:
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
    answers = read_answers(data)
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
    answer = read_answer(text, topic=None, prompt="", language=language, rules=language_of(language))
    substance = Substance()
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
