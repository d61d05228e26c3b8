"""Adverse-impact data for an independent bias audit (the figures NYC Local Law 144 asks for): per
template, selection rates (from the recruiters' decisions) and scoring rates (from the evaluation),
with impact ratios, by sex, by race/ethnicity and by their intersections, with an "unknown" group.

This module is the only reader of DemographicResponse. It makes no legal claim: it counts.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from interviews.compliance.models import DemographicResponse
from interviews.models import Evaluation, Interview, InterviewTemplate

UNKNOWN = "unknown"
DIMENSIONS = ("sex", "race_ethnicity", "sex x race_ethnicity")
SELECTED = "advance"  # the recruiter decision that counts as selected

COLUMNS = [
    "template_id",
    "template",
    "dimension",
    "group",
    "applicants",
    "decided",
    "selected",
    "selection_rate",
    "selection_impact_ratio",
    "scored",
    "scored_above_median",
    "median_score",
    "scoring_rate",
    "scoring_impact_ratio",
]


@dataclass
class GroupRates:
    dimension: str
    group: str
    applicants: int = 0
    decided: int = 0
    selected: int = 0
    scored: int = 0
    above_median: int = 0
    selection_impact_ratio: float | None = None
    scoring_impact_ratio: float | None = None

    @property
    def selection_rate(self) -> float | None:
        return self.selected / self.decided if self.decided else None

    @property
    def scoring_rate(self) -> float | None:
        return self.above_median / self.scored if self.scored else None


def _groups(sex: str, race: str) -> dict[str, str]:
    sex, race = sex or UNKNOWN, race or UNKNOWN
    return {"sex": sex, "race_ethnicity": race, "sex x race_ethnicity": f"{sex} x {race}"}


def _ratios(rows: list[GroupRates]) -> None:
    """Each group's rate over the highest rate of a known group (the unknown group is never the
    reference, and gets no ratio of its own: it is not a category)."""
    known = [row for row in rows if UNKNOWN not in row.group.split(" x ")]
    best_selection = max((row.selection_rate for row in known if row.selection_rate is not None), default=None)
    best_scoring = max((row.scoring_rate for row in known if row.scoring_rate is not None), default=None)
    for row in known:
        if best_selection and row.selection_rate is not None:
            row.selection_impact_ratio = row.selection_rate / best_selection
        if best_scoring and row.scoring_rate is not None:
            row.scoring_impact_ratio = row.scoring_rate / best_scoring


def template_adverse_impact(*, template: InterviewTemplate) -> tuple[float | None, list[GroupRates]]:
    """The median overall score and one row per (dimension, group) for a template's candidates
    (staff previews left out; interviews still open left out)."""
    interviews = list(
        Interview.objects.filter(template=template, is_test=False)
        .exclude(status__in=Interview.OPEN_STATUSES)
        .values("pk", "recruiter_decision", "evaluation__status", "evaluation__overall_score")
    )
    reported = {
        row["interview_id"]: (row["sex"], row["race_ethnicity"])
        for row in DemographicResponse.objects.filter(interview__template=template).values(
            "interview_id", "sex", "race_ethnicity"
        )
    }
    scores = [
        row["evaluation__overall_score"]
        for row in interviews
        if row["evaluation__status"] == Evaluation.Status.DONE and row["evaluation__overall_score"] is not None
    ]
    median = statistics.median(scores) if scores else None
    table: dict[tuple[str, str], GroupRates] = {}
    for row in interviews:
        sex, race = reported.get(row["pk"], ("", ""))
        score = row["evaluation__overall_score"] if row["evaluation__status"] == Evaluation.Status.DONE else None
        for dimension, group in _groups(sex, race).items():
            rates = table.setdefault((dimension, group), GroupRates(dimension=dimension, group=group))
            rates.applicants += 1
            if row["recruiter_decision"]:
                rates.decided += 1
                rates.selected += row["recruiter_decision"] == SELECTED
            if score is not None and median is not None:
                rates.scored += 1
                rates.above_median += score > median
    rows = sorted(table.values(), key=lambda r: (DIMENSIONS.index(r.dimension), r.group))
    for dimension in DIMENSIONS:
        _ratios([row for row in rows if row.dimension == dimension])
    return median, rows


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def adverse_impact_csv_rows(*, templates: list[InterviewTemplate]) -> list[list[object]]:
    out: list[list[object]] = []
    for template in templates:
        median, rows = template_adverse_impact(template=template)
        for row in rows:
            out.append(
                [
                    template.pk,
                    template.title,
                    row.dimension,
                    row.group,
                    row.applicants,
                    row.decided,
                    row.selected,
                    _number(row.selection_rate),
                    _number(row.selection_impact_ratio),
                    row.scored,
                    row.above_median,
                    "" if median is None else f"{median:.1f}",
                    _number(row.scoring_rate),
                    _number(row.scoring_impact_ratio),
                ]
            )
    return out
