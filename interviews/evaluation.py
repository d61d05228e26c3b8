"""Rubric evaluation of a finished interview: a language model with structured output, or an offline heuristic.

Runs in the background (a daemon thread started after the interview's end is committed, the
`evaluate_interview` command, or the admin's re-run action), never on the interview's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
import statistics
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import openai
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, ValidationError

from interviews.exceptions import InterviewError
from interviews.models import CriterionScore, Evaluation, Interview, RubricCriterion, Turn
from interviews.providers.base import Criterion

logger = logging.getLogger(__name__)

HEURISTIC_NOTICE = "Scored by the offline heuristic evaluator, not a language model."
HEURISTIC_MODEL_NAME = "heuristic-v1"
LLM_MAX_RETRIES = 2  # after the first attempt, on invalid output or a transient provider fault
REDACTED_NAME = "the candidate"
# A run that has said "running" for this long is taken to have died with its thread.
STALE_RUN = timedelta(minutes=10)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_NOT_WORD = re.compile(r"[^\w\s]", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+")
_STOPWORDS = frozenset(
    str.split(
        "a an and are as at be been but by can could did do does for from had has have how i if in into is it its "
        "just like me my of on or our so than that the their them then there these they this to was we were what "
        "when where which who why will with would you your about also some such very really more most much well "
        "able ability candidate candidates answer answers explain explains shows show use uses using"
    )
)


# --- plain inputs and outputs ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    speaker: str  # "candidate" | "interviewer"
    text: str


@dataclass(frozen=True, slots=True)
class EvaluationInput:
    """What an evaluator sees: the role, the rubric, and the transcript with the candidate's name removed."""

    role: str
    language: str
    rubric: tuple[Criterion, ...]
    transcript: tuple[TranscriptLine, ...]

    @property
    def candidate_text(self) -> str:
        return "\n".join(line.text for line in self.transcript if line.speaker == Turn.Speaker.CANDIDATE)

    @property
    def answers(self) -> list[str]:
        return [line.text for line in self.transcript if line.speaker == Turn.Speaker.CANDIDATE and line.text.strip()]


@dataclass(slots=True)
class ScoredCriterion:
    criterion: str
    score: int
    scale_max: int
    weight: float
    evidence: list[dict[str, Any]]  # [{"quote": str, "verified": bool}]
    rationale: str


@dataclass(slots=True)
class EvaluationResult:
    evaluator: str
    model_name: str
    summary: str
    strengths: list[str]
    concerns: list[str]
    recommendation: str
    scores: list[ScoredCriterion]
    attempts: int = 1

    @property
    def overall_score(self) -> float | None:
        return overall_percentage(self.scores)


def overall_percentage(scores: list[ScoredCriterion]) -> float | None:
    """Weighted mean of score/scale_max, as a percentage; None without any weight."""
    total_weight = sum(s.weight for s in scores)
    if not scores or total_weight <= 0:
        return None
    return round(100 * sum(s.weight * s.score / s.scale_max for s in scores) / total_weight, 1)


def recommendation_for(percentage: float | None) -> str:
    if percentage is None:
        return ""
    if percentage >= 80:
        return Evaluation.Recommendation.STRONG_YES
    if percentage >= 60:
        return Evaluation.Recommendation.YES
    if percentage >= 40:
        return Evaluation.Recommendation.LEAN_NO
    return Evaluation.Recommendation.NO


# --- text helpers ------------------------------------------------------------------------------


def redact_name(text: str, *, name: str, email: str = "") -> str:
    """The text with the candidate's name (whole, or any part of it) and email replaced by "the candidate"."""
    variants = [name.strip(), *name.split()]
    if email:
        variants.append(email.strip())
    # Longest first, so "Jamie Doe" goes before "Jamie" leaves a stray "Doe".
    for variant in sorted({v for v in variants if len(v) >= 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(variant)}(?!\w)", REDACTED_NAME, text, flags=re.IGNORECASE)
    return text


def normalise_for_match(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form used to check quotes against the transcript."""
    text = text.casefold().replace("’", "'")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def quote_is_verified(quote: str, candidate_text: str) -> bool:
    """True when the quote occurs in what the candidate said (ignoring case, punctuation and spacing)."""
    needle = normalise_for_match(quote)
    return bool(needle) and f" {needle} " in f" {normalise_for_match(candidate_text)} "


def check_evidence(quotes: list[str], candidate_text: str) -> list[dict[str, Any]]:
    evidence: list[dict[str, Any]] = []
    seen: set[str] = set()
    for quote in quotes:
        quote = quote.strip().strip("\"“”'").strip()
        if not quote or normalise_for_match(quote) in seen:
            continue
        seen.add(normalise_for_match(quote))
        evidence.append({"quote": quote, "verified": quote_is_verified(quote, candidate_text)})
    return evidence


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


# --- the quick per-answer assessment (live monitoring) ---------------------------------------


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


# --- the offline heuristic evaluator -----------------------------------------------------------


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
    strengths, concerns = [], []
    if mean_words >= 40:
        strengths.append(f"Gave developed answers (about {mean_words:.0f} words each).")
    elif mean_words < 15:
        concerns.append(f"Answers were short (about {mean_words:.0f} words each).")
    if details >= 2 * len(answers):
        strengths.append("Answers included concrete details (numbers, names, technical terms).")
    elif details < len(answers):
        concerns.append("Few concrete details (numbers, names, technical terms) in the answers.")
    for score in scores:
        if score.score == score.scale_max:
            strengths.append(f"{score.criterion}: top of the scale on these measures.")
        elif score.score <= max(1, score.scale_max // 3):
            concerns.append(f"{score.criterion}: little in the answers addressed it.")
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


# --- the language-model evaluator --------------------------------------------------------------


class _LLMCriterionScore(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int
    evidence: list[str]
    rationale: str


class _LLMEvaluation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: dict[str, _LLMCriterionScore]
    summary: str
    strengths: list[str]
    concerns: list[str]
    recommendation: Literal["strong_yes", "yes", "lean_no", "no"]


def response_schema(rubric: tuple[Criterion, ...]) -> dict[str, Any]:
    """A strict JSON schema with one required entry per criterion, each on its own scale."""

    def criterion_schema(item: Criterion) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "score": {"type": "integer", "minimum": 1, "maximum": item.scale_max},
                "evidence": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Exact quotes of the candidate's own words that support the score.",
                },
                "rationale": {"type": "string"},
            },
            "required": ["score", "evidence", "rationale"],
            "additionalProperties": False,
        }

    return {
        "type": "object",
        "properties": {
            "scores": {
                "type": "object",
                "properties": {item.name: criterion_schema(item) for item in rubric},
                "required": [item.name for item in rubric],
                "additionalProperties": False,
            },
            "summary": {"type": "string"},
            "strengths": {"type": "array", "items": {"type": "string"}},
            "concerns": {"type": "array", "items": {"type": "string"}},
            "recommendation": {"type": "string", "enum": ["strong_yes", "yes", "lean_no", "no"]},
        },
        "required": ["scores", "summary", "strengths", "concerns", "recommendation"],
        "additionalProperties": False,
    }


def evaluation_messages(data: EvaluationInput) -> list[dict[str, str]]:
    rubric = "\n".join(
        f"- {item.name} (score 1 to {item.scale_max}, weight {item.weight:g}): {item.description or 'no description'}"
        for item in data.rubric
    )
    transcript = "\n".join(
        f"{'Candidate' if line.speaker == Turn.Speaker.CANDIDATE else 'Interviewer'}: {line.text}"
        for line in data.transcript
        if line.text.strip()
    )
    system = (
        "You evaluate a recorded job interview against a rubric, fairly and only on what was said. "
        "Score each criterion on its own scale. For evidence, quote the candidate's own words exactly "
        "(short verbatim excerpts of Candidate lines, never the interviewer's words, never paraphrases); "
        "give no quote when there is none. Say plainly when an answer did not address a criterion. "
        "The candidate's name has been removed; do not guess it. Answer in English with JSON that matches the schema."
    )
    user = f"Role: {data.role}\nInterview language: {data.language}\n\nRubric:\n{rubric}\n\nTranscript:\n{transcript}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _parse_llm_output(content: str | None, data: EvaluationInput) -> _LLMEvaluation:
    """The model's reply, validated against the rubric; ValueError says what is wrong."""
    if not content:
        raise ValueError("the reply was empty")
    try:
        parsed = _LLMEvaluation.model_validate_json(content)
    except ValidationError as exc:
        raise ValueError(f"the reply did not match the schema: {exc.errors()[0]['msg']}") from exc
    names = [item.name for item in data.rubric]
    missing = [name for name in names if name not in parsed.scores]
    unknown = [name for name in parsed.scores if name not in names]
    if missing or unknown:
        raise ValueError(f"criteria missing: {missing or 'none'}; unknown criteria: {unknown or 'none'}")
    for item in data.rubric:
        score = parsed.scores[item.name].score
        if not 1 <= score <= item.scale_max:
            raise ValueError(f"score {score} for {item.name!r} is outside 1..{item.scale_max}")
    return parsed


async def evaluate_with_llm(
    data: EvaluationInput, *, client: openai.AsyncOpenAI, model: str, max_retries: int = LLM_MAX_RETRIES
) -> EvaluationResult:
    """Structured output from chat completions, validated; retried on invalid output or a transient fault."""
    from interviews.providers.openai import _provider_error

    if not data.answers:
        raise InterviewError("The candidate gave no answers to evaluate.", code="evaluation_failed")
    messages = evaluation_messages(data)
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "interview_evaluation", "strict": True, "schema": response_schema(data.rubric)},
    }
    problem = ""
    attempts = 0
    for attempt in range(max_retries + 1):
        attempts = attempt + 1
        try:
            response = await client.chat.completions.create(
                model=model, messages=messages, response_format=response_format
            )
        except openai.OpenAIError as exc:
            error = _provider_error("llm", exc)
            problem = error.message
            logger.warning("evaluation request failed: %s", problem)
            if not error.retryable:
                break
            await asyncio.sleep(0.2 * 2**attempt)
            continue
        message = response.choices[0].message if response.choices else None
        content = message.content if message is not None else None
        if message is not None and getattr(message, "refusal", None):
            problem = f"the model refused: {message.refusal}"
            break
        try:
            parsed = _parse_llm_output(content, data)
        except ValueError as exc:
            problem = f"invalid output ({exc})"
            logger.warning("evaluation output rejected: %s", problem)
            # Tell the model what was wrong; it usually fixes it on the next try.
            messages = [
                *messages,
                {"role": "assistant", "content": (content or "")[:4000]},
                {"role": "user", "content": f"That reply was not valid: {exc}. Reply again with JSON only."},
            ]
            continue
        candidate_text = data.candidate_text
        scores = [
            ScoredCriterion(
                criterion=item.name,
                score=parsed.scores[item.name].score,
                scale_max=item.scale_max,
                weight=item.weight,
                evidence=check_evidence(parsed.scores[item.name].evidence, candidate_text),
                rationale=parsed.scores[item.name].rationale.strip(),
            )
            for item in data.rubric
        ]
        return EvaluationResult(
            evaluator=Evaluation.Evaluator.LLM,
            model_name=getattr(response, "model", None) or model,
            summary=parsed.summary.strip(),
            strengths=[s.strip() for s in parsed.strengths if s.strip()],
            concerns=[s.strip() for s in parsed.concerns if s.strip()],
            recommendation=parsed.recommendation,
            scores=scores,
            attempts=attempts,
        )
    raise InterviewError(
        f"The language model gave no valid evaluation after {attempts} attempt(s): {problem}",
        code="evaluation_failed",
    )


# --- reading the interview and writing the result (the services) -------------------------------


def evaluation_input(*, interview: Interview) -> EvaluationInput:
    criteria = RubricCriterion.objects.filter(template_id=interview.template_id).order_by("position", "id")
    turns = Turn.objects.filter(interview_id=interview.pk).order_by("index").only("speaker", "text")

    def redact(text: str) -> str:
        return redact_name(text, name=interview.candidate_name, email=interview.candidate_email)

    return EvaluationInput(
        role=redact(interview.template.role),
        language=interview.template.language,
        rubric=tuple(
            Criterion(name=c.name, description=redact(c.description), weight=c.weight, scale_max=c.scale_max)
            for c in criteria
        ),
        transcript=tuple(TranscriptLine(speaker=t.speaker, text=redact(t.text)) for t in turns),
    )


def uses_language_model() -> bool:
    """The evaluator follows the configured interviewer: the cloud model when keyed, else the heuristic."""
    return settings.INTERVIEW_PROVIDERS["llm"][0] == "openai"


def _evaluate(data: EvaluationInput) -> EvaluationResult:
    if not data.rubric:
        raise InterviewError("The interview's template has no rubric criteria to score.", code="evaluation_failed")
    if not uses_language_model():
        return evaluate_heuristically(data)
    from interviews.providers.openai import make_client

    async def run() -> EvaluationResult:
        client = make_client(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL,
            timeout_s=max(settings.PROVIDER_TIMEOUT_S, 60.0),
            connect_timeout_s=settings.PROVIDER_CONNECT_TIMEOUT_S,
        )
        try:
            return await evaluate_with_llm(data, client=client, model=settings.OPENAI_MODEL)
        finally:
            await client.close()

    return asyncio.run(run())


def evaluation_request(*, interview_id: int) -> Evaluation:
    """The interview's evaluation row, marked pending unless a run is under way."""
    evaluation, created = Evaluation.objects.get_or_create(interview_id=interview_id)
    if not created and evaluation.status != Evaluation.Status.RUNNING:
        Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.PENDING, error="")
        evaluation.refresh_from_db()
    return evaluation


def evaluation_run(*, interview_id: int) -> Evaluation:
    """Evaluate an interview now (blocking: call it from a thread or a command, never an event loop)."""
    interview = Interview.objects.select_related("template").get(pk=interview_id)
    evaluation = evaluation_request(interview_id=interview_id)
    claimed = (
        Evaluation.objects.filter(pk=evaluation.pk)
        .filter(~Q(status=Evaluation.Status.RUNNING) | Q(updated_at__lt=timezone.now() - STALE_RUN))
        .update(status=Evaluation.Status.RUNNING, error="", updated_at=timezone.now())
    )
    if not claimed:
        logger.info("evaluation already running", extra={"interview_id": interview_id})
        evaluation.refresh_from_db()
        return evaluation
    data = evaluation_input(interview=interview)
    try:
        result = _evaluate(data)
    except InterviewError as exc:
        return _evaluation_failed(evaluation, interview=interview, reason=exc.message)
    except Exception as exc:
        logger.exception("evaluation crashed", extra={"interview_id": interview_id})
        return _evaluation_failed(evaluation, interview=interview, reason=f"Internal error: {type(exc).__name__}.")
    with transaction.atomic():
        evaluation.scores.all().delete()
        CriterionScore.objects.bulk_create(
            CriterionScore(
                evaluation=evaluation,
                position=position,
                criterion=s.criterion,
                weight=s.weight,
                score=s.score,
                scale_max=s.scale_max,
                evidence=s.evidence,
                rationale=s.rationale,
            )
            for position, s in enumerate(result.scores)
        )
        evaluation.status = Evaluation.Status.DONE
        evaluation.error = ""
        evaluation.evaluator = result.evaluator
        evaluation.model_name = result.model_name[:120]
        evaluation.rubric_version = interview.template.version
        evaluation.attempts = result.attempts
        evaluation.summary = result.summary
        evaluation.strengths = result.strengths
        evaluation.concerns = result.concerns
        evaluation.recommendation = result.recommendation
        evaluation.overall_score = result.overall_score
        evaluation.finished_at = timezone.now()
        evaluation.save()
    logger.info(
        "interview evaluated",
        extra={"interview_id": interview_id, "evaluator": result.evaluator, "score": result.overall_score},
    )
    return evaluation


def _evaluation_failed(evaluation: Evaluation, *, interview: Interview, reason: str) -> Evaluation:
    logger.warning("evaluation failed: %s", reason, extra={"interview_id": interview.pk})
    with transaction.atomic():
        # A failure never leaves scores behind, not even an earlier run's.
        evaluation.scores.all().delete()
        evaluation.status = Evaluation.Status.FAILED
        evaluation.error = reason[:2000]
        evaluation.evaluator = Evaluation.Evaluator.LLM if uses_language_model() else Evaluation.Evaluator.HEURISTIC
        evaluation.model_name = settings.OPENAI_MODEL if uses_language_model() else HEURISTIC_MODEL_NAME
        evaluation.rubric_version = interview.template.version
        evaluation.summary, evaluation.strengths, evaluation.concerns = "", [], []
        evaluation.recommendation, evaluation.overall_score = "", None
        evaluation.finished_at = timezone.now()
        evaluation.save()
    return evaluation


_threads: set[threading.Thread] = set()


def _run_in_thread(interview_id: int) -> None:
    try:
        evaluation_run(interview_id=interview_id)
    except Exception:
        logger.exception("background evaluation failed", extra={"interview_id": interview_id})
    finally:
        close_old_connections()
        from django.db import connections

        connections.close_all()  # this thread's connections only
        _threads.discard(threading.current_thread())


def evaluation_start(*, interview_id: int) -> threading.Thread:
    """Evaluate in a daemon thread now (the admin's re-run); the row says "pending" until it runs."""
    evaluation_request(interview_id=interview_id)
    thread = threading.Thread(target=_run_in_thread, args=(interview_id,), name=f"evaluate-{interview_id}", daemon=True)
    _threads.add(thread)
    thread.start()
    return thread


def auto_evaluate() -> bool:
    """Whether an interview's end starts its evaluation (INTERVIEW_EVALUATE_ON_FINISH, on by default)."""
    return bool(settings.INTERVIEW_EVALUATE_ON_FINISH)


def evaluation_schedule(*, interview_id: int) -> None:
    """Evaluate in a daemon thread once the current transaction commits (called when an interview ends)."""
    if not auto_evaluate():
        return
    transaction.on_commit(lambda: evaluation_start(interview_id=interview_id))


def wait_for_background_evaluations(timeout_s: float = 30.0) -> None:
    """For tests and shutdown: join the evaluation threads started so far."""
    for thread in list(_threads):
        thread.join(timeout_s)


def evaluation_to_dict(evaluation: Evaluation | None) -> dict[str, Any] | None:
    if evaluation is None:
        return None
    return {
        "status": evaluation.status,
        "error": evaluation.error,
        "evaluator": evaluation.evaluator,
        "evaluator_notice": HEURISTIC_NOTICE if evaluation.evaluator == Evaluation.Evaluator.HEURISTIC else "",
        "model_name": evaluation.model_name,
        "rubric_version": evaluation.rubric_version,
        "attempts": evaluation.attempts,
        "summary": evaluation.summary,
        "strengths": evaluation.strengths,
        "concerns": evaluation.concerns,
        "recommendation": evaluation.recommendation,
        "overall_score": evaluation.overall_score,
        "finished_at": evaluation.finished_at.isoformat() if evaluation.finished_at else None,
        "scores": [
            {
                "criterion": s.criterion,
                "score": s.score,
                "scale_max": s.scale_max,
                "weight": s.weight,
                "evidence": s.evidence,
                "rationale": s.rationale,
            }
            for s in evaluation.scores.all()
        ],
    }


__all__ = [
    "HEURISTIC_NOTICE",
    "EvaluationInput",
    "EvaluationResult",
    "TranscriptLine",
    "assess_answer",
    "check_evidence",
    "evaluate_heuristically",
    "evaluate_with_llm",
    "evaluation_run",
    "evaluation_schedule",
    "quote_is_verified",
    "redact_name",
]
