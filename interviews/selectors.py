"""Reads: functions that fetch interviews, templates and turns."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from interviews.events import HistoryItem, PendingAnswer, RecordingTotals, SessionSnapshot
from interviews.exceptions import InterviewError
from interviews.i18n import interview_language_name
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


class LinkState(StrEnum):
    """What an invite link allows now; the pages, the socket and interview_start all ask this."""

    UNKNOWN = "unknown"
    ENDED = "ended"  # completed, abandoned or failed: never again
    EXPIRED = "expired"  # never started, and its time to start has passed
    NEEDS_CONSENT = "needs_consent"  # open, but the candidate has not agreed to the recording yet
    OPEN = "open"


def interview_link_state(*, interview: Interview | None, now: datetime | None = None) -> LinkState:
    """The one rule for whether a link can be used. A started interview stays resumable until it
    ends (its deadline or the abandon sweep), even when the invite's expiry passes meanwhile."""
    if interview is None:
        return LinkState.UNKNOWN
    if interview.status == Interview.Status.EXPIRED:
        return LinkState.EXPIRED
    if interview.status not in Interview.OPEN_STATUSES:
        return LinkState.ENDED
    if interview.status == Interview.Status.INVITED and interview.expires_at <= (now or timezone.now()):
        return LinkState.EXPIRED
    if interview.consented_at is None:
        return LinkState.NEEDS_CONSENT
    return LinkState.OPEN


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
    turns = interview_turns(interview_id=interview_id).only(
        "index", "speaker", "text", "plan_question", "follow_up", "started_at"
    )
    return [
        HistoryItem(
            turn=t.index,
            speaker=t.speaker,
            text=t.text,
            plan_question=t.plan_question,
            follow_up=t.follow_up,
            started_at=t.started_at,
        )
        for t in turns
    ]


def interview_context(*, interview: Interview) -> InterviewContext:
    template = InterviewTemplate.objects.prefetch_related(Prefetch("questions"), Prefetch("criteria")).get(
        pk=interview.template_id
    )
    return InterviewContext(
        title=template.title,
        role=template.role,
        language=template.language,
        language_name=interview_language_name(template.language),
        candidate_name=interview.candidate_name,
        job_description=template.job_description,
        persona=template.persona,
        what_happens_next=template.what_happens_next,
        time_limit_minutes=template.time_limit_minutes,
        questions=tuple(
            PlannedQuestion(text=q.text, follow_up_depth=q.follow_up_depth, time_limit_seconds=q.time_limit_seconds)
            for q in template.questions.all()
        ),
        criteria=tuple(
            Criterion(
                name=c.name,
                description=c.description,
                weight=c.weight,
                scale_max=c.scale_max,
                anchors=tuple(str(anchor) for anchor in c.anchors or ()),
            )
            for c in template.criteria.all()
        ),
    )


def interview_recording_totals(*, interview_id: int) -> RecordingTotals:
    totals = Turn.objects.filter(interview_id=interview_id, speaker=Turn.Speaker.CANDIDATE).aggregate(
        answers=Count("id"), seconds=Sum("audio_seconds"), size=Sum("audio_bytes")
    )
    return RecordingTotals(
        answers=totals["answers"], audio_seconds=totals["seconds"] or 0.0, audio_bytes=totals["size"] or 0
    )


def interview_pending_answer(*, interview_id: int) -> PendingAnswer | None:
    """The last turn, if it is a finished answer whose audio was stored and whose words never were
    (its session ended while it was being transcribed). An answer cut off mid-way by a dropped
    connection carries an error instead, and its candidate is asked to say it again."""
    last = Turn.objects.filter(interview_id=interview_id).order_by("-index").first()
    if last is None or last.speaker != Turn.Speaker.CANDIDATE or last.text.strip() or last.error or not last.audio:
        return None
    try:
        with last.audio.open("rb") as file:
            audio = file.read()
    except OSError:
        return None  # the file is gone (purged): the candidate is asked to repeat instead
    return PendingAnswer(index=last.index, audio=audio, mime=last.audio_mime or "audio/webm")


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
        totals=interview_recording_totals(interview_id=interview.pk),
        pending_answer=interview_pending_answer(interview_id=interview.pk),
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
