"""Evaluation reads: what an evaluator is shown of an interview, and a stored evaluation as plain data."""

from __future__ import annotations

from typing import Any

from interviews.evaluation.data import EvaluationInput, TranscriptLine
from interviews.evaluation.evidence import redact_name
from interviews.evaluation.heuristic_report import HEURISTIC_NOTICE
from interviews.models import Evaluation, Interview, RubricCriterion, TemplateQuestion, Turn
from interviews.providers.base import Criterion

NOT_ASSESSED = "not assessed"


def evaluation_input(*, interview: Interview) -> EvaluationInput:
    """What the evaluator is shown of `interview`, with the candidate's name and email redacted."""
    criteria = RubricCriterion.objects.filter(template_id=interview.template_id).order_by("position", "id")
    questions = TemplateQuestion.objects.filter(template_id=interview.template_id).order_by("position", "id")
    turns = Turn.objects.filter(interview_id=interview.pk).order_by("index").only("speaker", "text", "plan_question")

    def redact(text: str) -> str:
        return redact_name(text, name=interview.candidate_name, email=interview.candidate_email)

    return EvaluationInput(
        role=redact(interview.template.role),
        language=interview.template.language,
        rubric=tuple(
            Criterion(
                name=c.name,
                description=redact(c.description),
                weight=c.weight,
                scale_max=c.scale_max,
                anchors=tuple(redact(str(anchor)) for anchor in c.anchors or ()),
            )
            for c in criteria
        ),
        transcript=tuple(
            TranscriptLine(speaker=t.speaker, text=redact(t.text), plan_question=t.plan_question) for t in turns
        ),
        questions=tuple(redact(q.text) for q in questions),
    )


def evaluation_to_dict(evaluation: Evaluation | None) -> dict[str, Any] | None:
    """The evaluation and its scores as JSON-ready data (reports and exports), or None without one."""
    if evaluation is None:
        return None
    scores = list(evaluation.scores.all())
    return {
        "status": evaluation.status,
        "error": evaluation.error,
        "evaluator": evaluation.evaluator,
        "evaluator_notice": HEURISTIC_NOTICE if evaluation.evaluator == Evaluation.Evaluator.HEURISTIC else "",
        "model_name": evaluation.model_name,
        "rubric_version": evaluation.rubric_version,
        "prompt_version": evaluation.prompt_version,
        "attempts": evaluation.attempts,
        "summary": evaluation.summary,
        "strengths": evaluation.strengths,
        "concerns": evaluation.concerns,
        "recommendation": evaluation.recommendation,
        "recommendation_label": evaluation.get_recommendation_display() if evaluation.recommendation else "",
        "overall_score": evaluation.overall_score,
        "criteria_assessed": sum(s.score is not None for s in scores),
        "criteria_total": len(scores),
        "finished_at": evaluation.finished_at.isoformat() if evaluation.finished_at else None,
        "scores": [
            {
                "criterion": s.criterion,
                "score": s.score,  # None: not assessed
                "assessed": s.score is not None,
                "score_label": NOT_ASSESSED if s.score is None else f"{s.score}/{s.scale_max}",
                "scale_max": s.scale_max,
                "weight": s.weight,
                "evidence": s.evidence,
                "rationale": s.rationale,
            }
            for s in scores
        ],
    }
