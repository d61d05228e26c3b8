"""What an evaluator is given and what it returns: plain values, no database rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from interviews.models import Evaluation, Turn
from interviews.providers.base import Criterion


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
