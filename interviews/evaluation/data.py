"""What an evaluator is given and what it returns: plain values, no database rows; and the rules both
evaluators share (the overall score, the recommendation thresholds, the scale's default anchors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from interviews.languages import language_base
from interviews.models import Evaluation, Turn
from interviews.providers.base import Criterion


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    speaker: str  # "candidate" | "interviewer"
    text: str
    plan_question: int | None = None  # interviewer lines: the planned question it asked (1-based), if known


@dataclass(frozen=True, slots=True)
class EvaluationInput:
    """What an evaluator sees: the role, the rubric, and the transcript with the candidate's name removed."""

    role: str
    language: str
    rubric: tuple[Criterion, ...]
    transcript: tuple[TranscriptLine, ...]
    questions: tuple[str, ...] = ()  # the template's planned questions, in order

    @property
    def candidate_text(self) -> str:
        return "\n".join(line.text for line in self.transcript if line.speaker == Turn.Speaker.CANDIDATE)

    @property
    def answers(self) -> list[str]:
        return [line.text for line in self.transcript if line.speaker == Turn.Speaker.CANDIDATE and line.text.strip()]


@dataclass(slots=True)
class ScoredCriterion:
    criterion: str
    score: int | None  # None: not assessed (nothing the candidate said bore on it), never a low score
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
    """Weighted mean of score/scale_max over the assessed criteria, as a percentage; None when none was
    assessed (a criterion not assessed is left out, not counted as zero)."""
    assessed = [s for s in scores if s.score is not None]
    total_weight = sum(s.weight for s in assessed)
    if not assessed or total_weight <= 0:
        return None
    return round(100 * sum(s.weight * (s.score or 0) / s.scale_max for s in assessed) / total_weight, 1)


def assessed_share(scores: list[ScoredCriterion]) -> float:
    """The share of the rubric's weight that was assessed (0..1)."""
    total_weight = sum(s.weight for s in scores)
    if total_weight <= 0:
        return 0.0
    return sum(s.weight for s in scores if s.score is not None) / total_weight


# The recommendation follows from the overall score; the model never picks it (docs/EVALUATION.md).
# On a 1-5 scale a criterion at "meets the bar" (4) is 80 %, at "partly meets" (3) 60 %, so: "yes"
# needs the weighted mean near "meets the bar" everywhere, "strong yes" mostly "exceeds".
STRONG_YES_FROM = 90.0
YES_FROM = 75.0
LEAN_NO_FROM = 55.0
# With less than this share of the rubric's weight assessed, no recommendation is honest.
MIN_ASSESSED_SHARE = 2 / 3


def recommendation_for(scores: list[ScoredCriterion]) -> str:
    """The recommendation that follows from the scores by the documented thresholds ("needs human
    review" when too little of the rubric could be assessed)."""
    percentage = overall_percentage(scores)
    if percentage is None or assessed_share(scores) < MIN_ASSESSED_SHARE:
        return Evaluation.Recommendation.NEEDS_REVIEW
    if percentage >= STRONG_YES_FROM:
        return Evaluation.Recommendation.STRONG_YES
    if percentage >= YES_FROM:
        return Evaluation.Recommendation.YES
    if percentage >= LEAN_NO_FROM:
        return Evaluation.Recommendation.LEAN_NO
    return Evaluation.Recommendation.NO


# --- what each point of a scale means ---------------------------------------------------------------

# Five levels, lowest first; a scale of another length picks from them (its ends are always the
# first and the last). "Not assessed" is not a level: it is what an evaluator says without evidence.
_DEFAULT_LEVELS = {
    "en": (
        "Answered, but what was said shows a serious gap or is wrong for this criterion.",
        "Below the bar: general or vague, little of their own work, no reasons given.",
        "Partly meets the bar: some concrete detail of their own work, but gaps in depth or reasoning.",
        "Meets the bar: concrete examples of their own work, with sound reasons and results.",
        "Exceeds the bar: concrete, in depth, weighs alternatives and learns from results, beyond the role's needs.",
    ),
    "ko": (
        "답변은 했지만 이 항목에 대해 심각한 부족함이나 잘못된 내용이 드러난다.",
        "기준 미달: 일반적이거나 모호하고, 본인이 한 일이 거의 없으며 이유를 말하지 않는다.",
        "기준을 일부 충족: 본인이 한 일의 구체적인 내용이 있으나 깊이나 근거가 부족하다.",
        "기준 충족: 본인이 한 일의 구체적인 예와 타당한 근거, 결과를 말한다.",
        "기준 초과: 구체적이고 깊이 있으며, 대안을 비교하고 결과에서 배운 점까지 말한다.",
    ),
}


def default_anchors(scale_max: int, *, language: str = "en") -> tuple[str, ...]:
    """The default meaning of each point of a 1..scale_max scale, lowest first, in `language`."""
    levels = _DEFAULT_LEVELS.get(language_base(language), _DEFAULT_LEVELS["en"])
    if scale_max <= 1:
        return levels[-1:]
    last = len(levels) - 1
    return tuple(levels[round(point * last / (scale_max - 1))] for point in range(scale_max))


def anchors_for(criterion: Criterion, *, language: str = "en") -> tuple[str, ...]:
    """The recruiter's anchors when there is one per point of the scale, else the defaults."""
    anchors = tuple(a.strip() for a in criterion.anchors if a.strip())
    if len(anchors) == criterion.scale_max:
        return anchors
    return default_anchors(criterion.scale_max, language=language)
