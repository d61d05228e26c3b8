"""The offline evaluator: deterministic scores from how long and how specific the answers were, and
how much they used the rubric's words; also the live monitor's quick reading of one answer."""

from __future__ import annotations

import re
import statistics
from typing import Any

from interviews.evaluation.data import (
    EvaluationInput,
    EvaluationResult,
    ScoredCriterion,
    overall_percentage,
    recommendation_for,
)
from interviews.evaluation.evidence import check_evidence
from interviews.exceptions import InterviewError
from interviews.models import Evaluation
from interviews.providers.base import Criterion

HEURISTIC_NOTICE = "Scored by the offline heuristic evaluator, not a language model."
HEURISTIC_MODEL_NAME = "heuristic-v1"

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+")
_STOPWORDS = frozenset(
    str.split(
        "a an and are as at be been but by can could did do does for from had has have how i if in into is it its "
        "just like me my of on or our so than that the their them then there these they this to was we were what "
        "when where which who why will with would you your about also some such very really more most much well "
        "able ability candidate candidates answer answers explain explains shows show use uses using"
    )
)


def _keywords(text: str) -> set[str]:
    return {w for w in (m.group().casefold() for m in _WORD.finditer(text)) if len(w) >= 4 and w not in _STOPWORDS}


def _stem(word: str) -> str:
    # Enough to match "design"/"designed"/"designing" without a stemming dependency.
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _specific_details(text: str) -> int:
    """Numbers, names of things (capitalised words not starting a sentence) and long technical words."""
    count = 0
    for sentence in _SENTENCE.split(text):
        words = [m.group() for m in _WORD.finditer(sentence)]
        for position, word in enumerate(words):
            has_digit = any(ch.isdigit() for ch in word)
            is_name = position > 0 and word[:1].isupper() and word.casefold() not in ("i", "the")
            count += has_digit or is_name or len(word) >= 10
    return count


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(_WORD.findall(s)) >= 4]


def assess_answer(text: str, *, rubric: tuple[Criterion, ...] = ()) -> dict[str, Any]:
    """A quick heuristic reading of one answer for the live monitor (not the evaluation)."""
    words = len(_WORD.findall(text))
    details = _specific_details(text)
    rubric_words = {_stem(w) for item in rubric for w in _keywords(f"{item.name} {item.description}")}
    matched = sorted({w for w in _keywords(text) if _stem(w) in rubric_words})
    length_part = min(1.0, words / 60)
    detail_part = min(1.0, details / 4)
    overlap_part = min(1.0, len(matched) / 3) if rubric_words else 0.5
    score = round(100 * (0.45 * length_part + 0.35 * detail_part + 0.2 * overlap_part))
    if words < 12:
        label = "brief"
    elif score >= 65:
        label = "detailed"
    else:
        label = "adequate"
    return {"words": words, "details": details, "rubric_terms": matched, "score": score, "label": label}


def evaluate_heuristically(data: EvaluationInput) -> EvaluationResult:
    """Deterministic scores from answer length, specificity and overlap with the criterion's words."""
    answers = data.answers
    if not answers:
        raise InterviewError("The candidate gave no answers to evaluate.", code="evaluation_failed")
    candidate_text = data.candidate_text
    word_counts = [len(_WORD.findall(a)) for a in answers]
    mean_words = statistics.fmean(word_counts)
    details = sum(_specific_details(a) for a in answers)
    length_part = min(1.0, mean_words / 60)
    detail_part = min(1.0, details / (3 * len(answers)))
    answer_stems = {_stem(w) for w in _keywords(candidate_text)}
    sentences = [s for a in answers for s in _sentences(a)] or answers

    scores: list[ScoredCriterion] = []
    for item in data.rubric:
        criterion_words = _keywords(f"{item.name} {item.description}")
        stems = {_stem(w) for w in criterion_words}
        matched = sorted(w for w in criterion_words if _stem(w) in answer_stems)
        overlap_part = len(matched) / len(criterion_words) if criterion_words else 0.5
        combined = 0.4 * length_part + 0.3 * detail_part + 0.3 * min(1.0, overlap_part * 2)
        score = 1 + round(combined * (item.scale_max - 1))

        def rank(sentence: str, stems: set[str] = stems) -> tuple[int, int, int]:
            hits = sum(_stem(w) in stems for w in _keywords(sentence))
            return (hits, _specific_details(sentence), len(sentence))

        quotes = sorted(sentences, key=rank, reverse=True)[:2]
        scores.append(
            ScoredCriterion(
                criterion=item.name,
                score=score,
                scale_max=item.scale_max,
                weight=item.weight,
                evidence=check_evidence(quotes, candidate_text),
                rationale=(
                    f"{len(answers)} answer(s) averaging {mean_words:.0f} words; {details} specific detail(s) "
                    f"(numbers, names, technical terms); {len(matched)} of {len(criterion_words)} words of the "
                    f"criterion's description used" + (f" ({', '.join(matched)})." if matched else ".")
                ),
            )
        )

    percentage = overall_percentage(scores)
    strengths: list[str] = []
    concerns: list[str] = []
    if mean_words >= 40:
        strengths.append(f"Gave developed answers (about {mean_words:.0f} words each).")
    elif mean_words < 15:
        concerns.append(f"Answers were short (about {mean_words:.0f} words each).")
    if details >= 2 * len(answers):
        strengths.append("Answers included concrete details (numbers, names, technical terms).")
    elif details < len(answers):
        concerns.append("Few concrete details (numbers, names, technical terms) in the answers.")
    for scored in scores:
        if scored.score == scored.scale_max:
            strengths.append(f"{scored.criterion}: top of the scale on these measures.")
        elif scored.score <= max(1, scored.scale_max // 3):
            concerns.append(f"{scored.criterion}: little in the answers addressed it.")
    summary = (
        f"{HEURISTIC_NOTICE} It measures how long and how specific the answers were and how much they "
        f"used the rubric's own words; it does not judge whether the answers were right. "
        f"The candidate gave {len(answers)} answer(s) averaging {mean_words:.0f} words."
    )
    return EvaluationResult(
        evaluator=Evaluation.Evaluator.HEURISTIC,
        model_name=HEURISTIC_MODEL_NAME,
        summary=summary,
        strengths=strengths,
        concerns=concerns,
        recommendation=recommendation_for(percentage),
        scores=scores,
    )
