"""Evaluation writes: claim an interview's evaluation, run an evaluator, store its scores or its failure."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from interviews import provider_settings
from interviews.evaluation.data import EvaluationInput, EvaluationResult
from interviews.evaluation.heuristic import HEURISTIC_MODEL_NAME, evaluate_heuristically
from interviews.evaluation.llm import PROMPT_VERSION, evaluate_with_configured_llm
from interviews.evaluation.selectors import evaluation_input
from interviews.exceptions import InterviewError
from interviews.models import CriterionScore, Evaluation, Interview

logger = logging.getLogger(__name__)

# A run that has said "running" for this long is taken to have died with its thread.
STALE_RUN = timedelta(minutes=10)


def uses_language_model() -> bool:
    """The evaluator follows the configured interviewer: the cloud model when keyed, else the heuristic."""
    return provider_settings.structured_model_configured()


def _evaluate(data: EvaluationInput) -> EvaluationResult:
    if not data.rubric:
        raise InterviewError("The interview's template has no rubric criteria to score.", code="evaluation_failed")
    if not uses_language_model():
        return evaluate_heuristically(data)
    return evaluate_with_configured_llm(data)


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
        evaluation.prompt_version = (
            PROMPT_VERSION if result.evaluator == Evaluation.Evaluator.LLM else result.model_name
        )
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
