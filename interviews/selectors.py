"""Reads: functions that fetch interviews, templates and turns."""

from __future__ import annotations

import secrets

from django.db.models import Prefetch, QuerySet

from interviews.events import HistoryItem, SessionSnapshot
from interviews.exceptions import InterviewError
from interviews.models import CriterionScore, Evaluation, Interview, InterviewTemplate, Turn
from interviews.providers.base import Criterion, InterviewContext, PlannedQuestion


def template_get(*, ident: str) -> InterviewTemplate:
    """A template by numeric id or slug."""
    queryset = InterviewTemplate.objects.all()
    template = queryset.filter(pk=int(ident)).first() if ident.isdigit() else None
    template = template or queryset.filter(slug=ident).first()
    if template is None:
        known = ", ".join(queryset.values_list("slug", flat=True)) or "none (run seed_demo)"
        raise InterviewError(f"No interview template {ident!r}. Known templates: {known}.", code="not_found")
    return template


def interview_get_by_token(*, token: str) -> Interview | None:
    """The interview for an invite token, or None. The final comparison is constant-time."""
    if not token or len(token) > 64:
        return None
    interview = Interview.objects.select_related("template").filter(invite_token=token).first()
    if interview is None or not secrets.compare_digest(interview.invite_token, token):
        return None
    return interview


def interview_get(*, ident: str) -> Interview:
    """An interview by numeric id or invite token."""
    interview = Interview.objects.select_related("template").filter(pk=int(ident)).first() if ident.isdigit() else None
    interview = interview or interview_get_by_token(token=ident)
    if interview is None:
        raise InterviewError(f"No interview with id or token {ident!r}.", code="not_found")
    return interview


def interview_turns(*, interview_id: int) -> QuerySet[Turn]:
    return Turn.objects.filter(interview_id=interview_id).order_by("index")


def interview_history(*, interview_id: int) -> list[HistoryItem]:
    return [
        HistoryItem(turn=t.index, speaker=t.speaker, text=t.text)
        for t in interview_turns(interview_id=interview_id).only("index", "speaker", "text")
    ]


def interview_context(*, interview: Interview) -> InterviewContext:
    template = InterviewTemplate.objects.prefetch_related(Prefetch("questions"), Prefetch("criteria")).get(
        pk=interview.template_id
    )
    return InterviewContext(
        title=template.title,
        role=template.role,
        language=template.language,
        candidate_name=interview.candidate_name,
        job_description=template.job_description,
        persona=template.persona,
        time_limit_minutes=template.time_limit_minutes,
        questions=tuple(
            PlannedQuestion(text=q.text, follow_up_depth=q.follow_up_depth, time_limit_seconds=q.time_limit_seconds)
            for q in template.questions.all()
        ),
        criteria=tuple(
            Criterion(name=c.name, description=c.description, weight=c.weight, scale_max=c.scale_max)
            for c in template.criteria.all()
        ),
    )


def interview_snapshot(*, interview_id: int) -> SessionSnapshot:
    interview = Interview.objects.select_related("template").get(pk=interview_id)
    return SessionSnapshot(
        interview_id=interview.pk,
        status=interview.status,
        context=interview_context(interview=interview),
        voice_id=interview.template.voice_id,
        hands_free=interview.template.hands_free,
        deadline_at=interview.deadline_at,
        greeting_spoken=interview.greeting_spoken,
        history=interview_history(interview_id=interview.pk),
    )


def interview_list_in_progress() -> QuerySet[Interview]:
    return Interview.objects.select_related("template").filter(status=Interview.Status.IN_PROGRESS)


def interview_get_for_review(*, interview_id: int) -> Interview:
    """An interview with everything a recruiter's review or export shows, in a fixed number of queries."""
    interview = (
        Interview.objects.select_related("template")
        .prefetch_related(
            Prefetch("turns", queryset=Turn.objects.order_by("index")),
            Prefetch("template__questions"),
            Prefetch("template__criteria"),
        )
        .filter(pk=interview_id)
        .first()
    )
    if interview is None:
        raise InterviewError(f"No interview with id {interview_id}.", code="not_found")
    evaluation = (
        Evaluation.objects.filter(interview_id=interview_id)
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.order_by("position", "id")))
        .first()
    )
    interview.review_evaluation = evaluation  # type: ignore[attr-defined]
    return interview


def interview_evaluation(*, interview: Interview) -> Evaluation | None:
    """The interview's evaluation or None (a reverse one-to-one raises when it is missing)."""
    if hasattr(interview, "review_evaluation"):
        return interview.review_evaluation
    return Evaluation.objects.filter(interview_id=interview.pk).first()
