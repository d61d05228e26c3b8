"""Recruiter reads: invite links, a CSV upload checked against what exists, candidates side by side,
and the overview. Each page's data in a fixed number of queries, however many interviews."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from interviews import reports
from interviews.exceptions import InterviewError
from interviews.models import CriterionScore, Evaluation, Interview, InterviewTemplate, InviteBatch, Turn
from interviews.recruiting.csv_invites import CandidateFile, mark_already_invited, read_candidates


def interview_invite_url(*, interview: Interview) -> str:
    return settings.PUBLIC_BASE_URL + reverse("interviews:invite", args=[interview.invite_token])


def interview_review_path(*, interview_id: int) -> str:
    return reverse("admin:interviews_interview_change", args=[interview_id])


def interview_link_is_live(*, interview: Interview, now: datetime | None = None) -> bool:
    """Whether the invite link can still be used by the candidate (to start, or to resume)."""
    now = now or timezone.now()
    if interview.status == Interview.Status.IN_PROGRESS:
        return True
    return interview.status == Interview.Status.INVITED and interview.expires_at > now


def candidates_open_invites(*, template_id: int, emails: set[str], now: datetime) -> dict[str, str]:
    """Lower-case email -> its interview, for the emails with a live invite to the template."""
    if not emails:
        return {}
    live = Q(status=Interview.Status.IN_PROGRESS) | Q(status=Interview.Status.INVITED, expires_at__gt=now)
    interviews = (
        Interview.objects.filter(live, template_id=template_id, is_test=False)
        .annotate(email_lower=Lower("candidate_email"))
        .filter(email_lower__in=emails)
        .values_list("email_lower", "pk", "status")
    )
    return {email: f"interview {pk} ({status.replace('_', ' ')})" for email, pk, status in interviews}


def invite_batch_candidates(*, batch: InviteBatch, now: datetime | None = None) -> CandidateFile:
    """The batch's file read and checked, including against the template's live invites (one query)."""
    now = now or timezone.now()
    candidates = read_candidates(batch.source_text, now=now, zone=timezone.get_current_timezone())
    emails = {row.email.lower() for row in candidates.rows if row.email}
    return mark_already_invited(
        candidates, open_invites=candidates_open_invites(template_id=batch.template_id, emails=emails, now=now)
    )


def invite_batch_get(*, batch_id: int) -> InviteBatch:
    batch = InviteBatch.objects.select_related("template").filter(pk=batch_id).first()
    if batch is None:
        raise InterviewError("No such upload (previews are kept for a day).", code="not_found")
    return batch


# --- candidates side by side ------------------------------------------------------------------------

STATUS_ORDER = ["completed", "in_progress", "invited", "abandoned", "failed", "expired"]
RECOMMENDATION_RANK = {"strong_yes": 4, "yes": 3, "lean_no": 2, "no": 1}  # "needs review" is no grade: unranked
DECISION_RANK = {"advance": 3, "hold": 2, "reject": 1}
DECISION_FILTERS = {"advance": "Advance", "hold": "Hold", "reject": "Reject", "none": "No decision yet"}
EVALUATOR_LABELS: dict[str, str] = {Evaluation.Evaluator.LLM: "LLM", Evaluation.Evaluator.HEURISTIC: "Heuristic"}


@dataclass(frozen=True)
class ScoreCell:
    score: int | None
    scale_max: int
    assessed: bool  # False: evaluated, but nothing the candidate said bore on this criterion
    missing: bool = False  # this evaluation has no such criterion (another rubric version), or none yet

    @property
    def fraction(self) -> float | None:
        return None if self.score is None or not self.scale_max else self.score / self.scale_max

    @property
    def label(self) -> str:
        if self.missing:
            return "—"
        if not self.assessed or self.score is None:
            return "not assessed"
        return f"{self.score}/{self.scale_max}"


@dataclass(frozen=True)
class ComparisonRow:
    interview: Interview
    duration_s: float | None
    scores: list[ScoreCell]
    overall: float | None  # percent, from a finished evaluation
    evaluation_state: str  # "done", "pending", "running", "failed", or "" (none)
    evaluator: str  # "LLM", "Heuristic", or ""
    model_name: str
    recommendation: str  # the stored value ("needs_review" included)
    recommendation_label: str
    review_path: str

    @property
    def duration_label(self) -> str:
        return reports.format_duration(self.duration_s)

    @property
    def overall_label(self) -> str:
        if self.overall is not None:
            return f"{self.overall:.0f}%"
        if self.evaluation_state == "done":
            return "not assessed"
        return self.evaluation_state or "—"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: Callable[[ComparisonRow], Any]  # None sorts last, in either direction


@dataclass
class Comparison:
    template: InterviewTemplate
    criteria: list[str]
    columns: list[Column]
    rows: list[ComparisonRow]
    status: str
    decision: str
    sort: str
    counts: dict[str, int] = field(default_factory=dict)  # by status, before filtering


def _cells(evaluation: Evaluation | None, criteria: list[str]) -> list[ScoreCell]:
    if evaluation is None or evaluation.status != Evaluation.Status.DONE:
        return [ScoreCell(score=None, scale_max=0, assessed=False, missing=True) for _name in criteria]
    by_name: dict[str, CriterionScore] = {score.criterion: score for score in evaluation.scores.all()}
    cells = []
    for name in criteria:
        score = by_name.get(name)
        if score is None:
            cells.append(ScoreCell(score=None, scale_max=0, assessed=False, missing=True))
        else:
            cells.append(ScoreCell(score=score.score, scale_max=score.scale_max, assessed=score.score is not None))
    return cells


def _criterion_sort(index: int) -> Callable[[ComparisonRow], float | None]:
    return lambda row: row.scores[index].fraction


def _columns(criteria: list[str]) -> list[Column]:
    columns = [
        Column("candidate", "Candidate", lambda row: row.interview.candidate_name.lower()),
        Column("status", "Status", lambda row: STATUS_ORDER.index(row.interview.status)),
        Column("created", "Invited", lambda row: row.interview.created_at),
        Column("duration", "Duration", lambda row: row.duration_s),
    ]
    for index, name in enumerate(criteria):
        columns.append(Column(f"c{index}", name, _criterion_sort(index)))
    columns += [
        Column("overall", "Overall", lambda row: row.overall),
        Column("evaluator", "Evaluator", lambda row: row.evaluator or None),
        Column("recommendation", "Recommendation", lambda row: RECOMMENDATION_RANK.get(row.recommendation)),
        Column("decision", "Your decision", lambda row: DECISION_RANK.get(row.interview.recruiter_decision)),
    ]
    return columns


def _sorted(rows: list[ComparisonRow], column: Column, *, descending: bool) -> list[ComparisonRow]:
    present = [row for row in rows if column.sort(row) is not None]
    absent = [row for row in rows if column.sort(row) is None]
    # Ties keep a stable, meaningful order: the newest invite first.
    present.sort(key=lambda row: row.interview.created_at, reverse=True)
    present.sort(key=column.sort, reverse=descending)
    return present + absent


def template_comparison(*, template_id: int, status: str = "", decision: str = "", sort: str = "") -> Comparison:
    """One row per interview of the template (previews left out): status, duration, per-criterion
    scores, overall, evaluator, recommendation and the recruiter's decision; filtered by status and
    decision, sorted by any column. Four queries, whatever the number of interviews."""
    template = (
        InterviewTemplate.objects.prefetch_related("criteria").filter(pk=template_id).first()
    )  # 2 queries: the template, its criteria
    if template is None:
        raise InterviewError(f"No interview template with id {template_id}.", code="not_found")
    interviews = Interview.objects.filter(template_id=template_id, is_test=False)
    # order_by(): the model's default ordering would otherwise split the groups by creation time.
    counts = dict(interviews.order_by().values("status").annotate(n=Count("id")).values_list("status", "n"))
    if status in Interview.Status.values:
        interviews = interviews.filter(status=status)
    else:
        status = ""
    if decision == "none":
        interviews = interviews.filter(recruiter_decision="")
    elif decision in DECISION_RANK:
        interviews = interviews.filter(recruiter_decision=decision)
    else:
        decision = ""
    interviews = interviews.select_related("evaluation").prefetch_related(
        Prefetch("evaluation__scores", queryset=CriterionScore.objects.order_by("position", "id"))
    )  # 2 queries: the interviews with their evaluations, the scores
    loaded = list(interviews)
    criteria = [criterion.name for criterion in template.criteria.all()]
    for interview in loaded:  # criteria of an older rubric version, after the current ones
        evaluation = _evaluation(interview)
        if evaluation is not None:
            criteria += [s.criterion for s in evaluation.scores.all() if s.criterion not in criteria]
    rows = [_row(interview, criteria) for interview in loaded]
    columns = _columns(criteria)
    by_key = {column.key: column for column in columns}
    key = sort.removeprefix("-")
    if key not in by_key:
        sort, key = "-overall", "overall"
    rows = _sorted(rows, by_key[key], descending=sort.startswith("-"))
    return Comparison(
        template=template,
        criteria=criteria,
        columns=columns,
        rows=rows,
        status=status,
        decision=decision,
        sort=sort,
        counts=counts,
    )


def _evaluation(interview: Interview) -> Evaluation | None:
    try:
        return interview.evaluation
    except Evaluation.DoesNotExist:
        return None


def _row(interview: Interview, criteria: list[str]) -> ComparisonRow:
    evaluation = _evaluation(interview)
    done = evaluation is not None and evaluation.status == Evaluation.Status.DONE
    recommendation = evaluation.recommendation if evaluation is not None and done else ""
    return ComparisonRow(
        interview=interview,
        duration_s=reports.duration_seconds(interview),
        scores=_cells(evaluation, criteria),
        overall=evaluation.overall_score if evaluation is not None and done else None,
        evaluation_state=evaluation.status if evaluation is not None else "",
        evaluator=EVALUATOR_LABELS.get(evaluation.evaluator, "") if evaluation is not None and done else "",
        model_name=evaluation.model_name if evaluation is not None and done else "",
        recommendation=recommendation,
        recommendation_label=evaluation.get_recommendation_display() if evaluation is not None and done else "",
        review_path=interview_review_path(interview_id=interview.pk),
    )


COMPARISON_CSV_FIXED = ["Candidate", "Email", "Status", "Invited", "Duration"]


def comparison_csv_rows(comparison: Comparison) -> tuple[list[str], list[list[object]]]:
    """The comparison as a spreadsheet: its header and rows (the page's filters and order)."""
    header = [
        *COMPARISON_CSV_FIXED,
        *comparison.criteria,
        "Overall (%)",
        "Evaluator",
        "Model",
        "Recommendation",
        "Decision",
        "Review",
    ]
    rows: list[list[object]] = []
    for row in comparison.rows:
        interview = row.interview
        rows.append(
            [
                interview.candidate_name,
                interview.candidate_email,
                interview.get_status_display(),
                interview.created_at.strftime("%Y-%m-%d %H:%M"),
                row.duration_label if row.duration_s is not None else "",
                *[cell.label if not cell.missing else "" for cell in row.scores],
                f"{row.overall:.1f}" if row.overall is not None else row.overall_label.replace("—", ""),
                row.evaluator,
                row.model_name,
                row.recommendation_label,
                interview.get_recruiter_decision_display() if interview.recruiter_decision else "",
                settings.PUBLIC_BASE_URL + row.review_path,
            ]
        )
    return header, rows


# --- the overview -------------------------------------------------------------------------------------

OVERVIEW_STATUSES = [s for s in STATUS_ORDER if s in Interview.Status.values]
LATENCY_WINDOW = timedelta(days=7)


@dataclass
class TemplateOverview:
    template: InterviewTemplate
    counts: dict[str, int]
    total: int
    completion_rate: float | None  # completed, out of the interviews that are no longer open
    median_score: float | None
    median_first_audio_ms: float | None  # interviewer turns of the last 7 days, greetings left out
    status_cells: list[int] = field(default_factory=list)


@dataclass
class Overview:
    templates: list[TemplateOverview]
    since: datetime
    median_first_audio_ms: float | None  # every template together


def templates_overview(*, now: datetime | None = None) -> Overview:
    """Per template (previews left out): interviews by status, completion rate, median overall
    score, and the median first-audio latency of the last seven days. Four queries in all."""
    now = now or timezone.now()
    since = now - LATENCY_WINDOW
    templates = list(InterviewTemplate.objects.order_by("title"))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for template_id, status, number in (
        Interview.objects.filter(is_test=False)
        .order_by()
        .values("template_id", "status")
        .annotate(n=Count("id"))
        .values_list("template_id", "status", "n")
    ):
        counts[template_id][status] = number
    scores: dict[int, list[float]] = defaultdict(list)
    for template_id, score in Evaluation.objects.filter(
        interview__is_test=False, status=Evaluation.Status.DONE, overall_score__isnull=False
    ).values_list("interview__template_id", "overall_score"):
        if score is not None:
            scores[template_id].append(score)
    latencies: dict[int, list[float]] = defaultdict(list)
    for template_id, latency in Turn.objects.filter(
        interview__is_test=False,
        speaker=Turn.Speaker.INTERVIEWER,
        is_greeting=False,
        first_audio_sent_ms__isnull=False,
        started_at__gte=since,
    ).values_list("interview__template_id", "first_audio_sent_ms"):
        if latency is not None:
            latencies[template_id].append(latency)
    rows = []
    for template in templates:
        by_status = counts.get(template.pk, {})
        closed = sum(n for s, n in by_status.items() if s not in Interview.OPEN_STATUSES)
        completed = by_status.get(Interview.Status.COMPLETED, 0)
        rows.append(
            TemplateOverview(
                template=template,
                counts=by_status,
                total=sum(by_status.values()),
                completion_rate=completed / closed if closed else None,
                median_score=reports.percentile(scores.get(template.pk, []), 0.5),
                median_first_audio_ms=reports.percentile(latencies.get(template.pk, []), 0.5),
                status_cells=[by_status.get(s, 0) for s in OVERVIEW_STATUSES],
            )
        )
    everything = [value for values in latencies.values() for value in values]
    return Overview(templates=rows, since=since, median_first_audio_ms=reports.percentile(everything, 0.5))


def interviews_for_links(*, batch: InviteBatch) -> QuerySet[Interview]:
    return batch.interviews.select_related("template").order_by("pk")
