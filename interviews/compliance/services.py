"""Writes for the candidate-rights records: the audit log, candidate requests and human decisions
(erasure.py and retention.py hold the other two kinds of write). Every function that touches a
candidate's data for staff also writes the audit entry that says so."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from interviews.compliance import selectors
from interviews.compliance.models import DECISION_CHOICES, AuditEntry, CandidateRequest, HumanDecision
from interviews.exceptions import InterviewError
from interviews.models import Evaluation, Interview, Turn

logger = logging.getLogger(__name__)

# Interview.end_reason when the candidate asked for a person during the interview
# (interviews/pipeline/session.py ends the session with it).
HUMAN_REQUESTED = "human_requested"
MAX_TEXT = 4_000


# --- who acts, and the words they give ---------------------------------------------------------


def actor_of(user: Any) -> tuple[int | None, str]:
    """(user id, name) of a staff member, or (None, "system:<what>") for a command."""
    if isinstance(user, str):
        return None, user[:150]
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "anonymous"
    return user.pk, user.get_username()[:150]


def checked_text(text: str, *, what: str, required: bool) -> str:
    """`text` stripped; refused (with `what` named) when it is empty but required, or too long."""
    text = text.strip()
    if required and not text:
        raise InterviewError(f"{what} must not be empty.", code="invalid")
    if len(text) > MAX_TEXT:
        raise InterviewError(f"{what} is longer than {MAX_TEXT} characters ({len(text)}).", code="invalid")
    return text


# --- the audit log ---------------------------------------------------------------------------


def audit_record(*, user: Any, action: str, interview_id: int | None = None, detail: str = "") -> AuditEntry:
    """Append one entry; `detail` holds ids, formats and counts, never a candidate's data."""
    user_id, username = actor_of(user)
    entry = AuditEntry(user_id=user_id, username=username, action=action, interview_id=interview_id, detail=detail)
    entry.full_clean()
    entry.save()
    return entry


def audit_record_many(*, user: Any, action: str, interview_ids: list[int], detail: str = "") -> None:
    user_id, username = actor_of(user)
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        AuditEntry(at=now, user_id=user_id, username=username, action=action, interview_id=pk, detail=detail[:500])
        for pk in interview_ids
    )


def audit_prune(*, now: datetime | None = None) -> int:
    """Delete the entries older than the minimum retention; the only way an entry ever leaves.

    On PostgreSQL a trigger refuses every UPDATE and every DELETE not made here (this transaction
    sets `interviews.audit_prune`), so not even a raw query or a cascade edits the log.
    """
    prunable = selectors.audit_entries_prunable(now=now)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL interviews.audit_prune = 'on'")
        deleted, _ = models.QuerySet.delete(prunable)
    return deleted


# --- candidate requests: a human interviewer, an accommodation, reconsideration, data rights ----


def candidate_request_create(
    *, interview: Interview, kind: str, source: str, text: str = "", user: Any = None
) -> CandidateRequest:
    """Store a candidate's request with its due date; staff logging one (by email, phone) is audited."""
    if kind not in CandidateRequest.Kind.values:
        raise InterviewError(f"Unknown request kind {kind!r}.", code="invalid")
    text = checked_text(text, what="The request", required=source == CandidateRequest.Source.INVITE_PAGE)
    now = timezone.now()
    request = CandidateRequest(
        interview=interview,
        kind=kind,
        source=source,
        text=text,
        received_at=now,
        due_at=selectors.request_due_at(kind=kind, received_at=now),
    )
    request.full_clean()
    request.save()
    if source == CandidateRequest.Source.STAFF:
        audit_record(user=user, action=AuditEntry.Action.REQUEST, interview_id=interview.pk, detail=f"logged {kind}")
    logger.info("candidate request stored", extra={"interview_id": interview.pk, "kind": kind, "source": source})
    return request


def candidate_request_from_interview(*, interview_id: int) -> CandidateRequest | None:
    """The interview ended because the candidate asked for a person: queue that for staff, once."""
    existing = CandidateRequest.objects.filter(
        interview_id=interview_id, kind=CandidateRequest.Kind.HUMAN, source=CandidateRequest.Source.INTERVIEW
    ).first()
    if existing is not None:
        return existing
    interview = Interview.objects.filter(pk=interview_id).first()
    if interview is None:
        return None
    last_answer = (
        Turn.objects.filter(interview_id=interview_id, speaker=Turn.Speaker.CANDIDATE)
        .exclude(text="")
        .order_by("-index")
        .values_list("text", flat=True)
        .first()
    )
    return candidate_request_create(
        interview=interview,
        kind=CandidateRequest.Kind.HUMAN,
        source=CandidateRequest.Source.INTERVIEW,
        text=(last_answer or "")[:MAX_TEXT],
    )


def candidate_request_resolve(*, request_id: int, user: Any, resolution: str) -> CandidateRequest:
    """Answer a request: who, when, and what was done or said (required)."""
    resolution = checked_text(resolution, what="The answer to the request", required=True)
    with transaction.atomic():
        request = CandidateRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise InterviewError(f"No candidate request with id {request_id}.", code="not_found")
        if request.resolved_at is not None:
            raise InterviewError("This request was already answered.", code="conflict")
        request.resolved_at = timezone.now()
        request.resolved_by = user if getattr(user, "is_authenticated", False) else None
        request.resolution = resolution
        request.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(
            user=user,
            action=AuditEntry.Action.REQUEST,
            interview_id=request.interview_id,
            detail=f"answered {request.kind}",
        )
    return request


# --- the human decision ------------------------------------------------------------------------


def decision_record(
    *,
    interview_id: int,
    user: Any,
    reason: str,
    outcome: str = "",
    verdict: str = HumanDecision.Verdict.ADVICE_CONSIDERED,
    override_recommendation: str = "",
    answers_request_id: int | None = None,
) -> HumanDecision:
    """A person's decision, with why. The AI evaluation stays as it was (what it said is copied into
    the decision); the interview's `recruiter_decision` becomes `outcome` when one is given. With
    `answers_request_id`, the decision answers that reconsideration request."""
    reason = checked_text(reason, what="The reason for the decision", required=True)
    if outcome and outcome not in dict(DECISION_CHOICES):
        raise InterviewError(f"Unknown decision {outcome!r}: choose advance, hold or reject.", code="invalid")
    if verdict not in HumanDecision.Verdict.values:
        raise InterviewError(f"Unknown verdict {verdict!r}.", code="invalid")
    if verdict == HumanDecision.Verdict.OVERRIDDEN:
        if override_recommendation not in Evaluation.Recommendation.values:
            raise InterviewError("An override needs the recommendation that replaces the AI's.", code="invalid")
    else:
        override_recommendation = ""
    if not outcome and verdict == HumanDecision.Verdict.ADVICE_CONSIDERED:
        raise InterviewError("Choose a decision, or override the AI evaluation, or mark it invalid.", code="invalid")
    with transaction.atomic():
        interview = Interview.objects.select_for_update().filter(pk=interview_id).first()
        if interview is None:
            raise InterviewError(f"No interview with id {interview_id}.", code="not_found")
        evaluation = Evaluation.objects.filter(interview_id=interview_id).first()
        answers = None
        if answers_request_id is not None:
            answers = CandidateRequest.objects.filter(pk=answers_request_id, interview_id=interview_id).first()
            if answers is None:
                raise InterviewError("That request is not one of this interview's.", code="invalid")
        user_id, username = actor_of(user)
        decision = HumanDecision(
            interview=interview,
            outcome=outcome,
            verdict=verdict,
            override_recommendation=override_recommendation,
            reason=reason,
            decided_by_id=user_id,
            decided_by_name=username,
            answers=answers,
        )
        if evaluation is not None:
            decision.ai_status = evaluation.status
            decision.ai_recommendation = evaluation.recommendation
            decision.ai_overall_score = evaluation.overall_score
            decision.ai_evaluator = evaluation.evaluator
            decision.ai_model_name = evaluation.model_name
            decision.ai_rubric_version = evaluation.rubric_version
        decision.full_clean()
        decision.save()
        if outcome:
            Interview.objects.filter(pk=interview_id).update(recruiter_decision=outcome)
        audit_record(
            user=user,
            action=AuditEntry.Action.DECISION,
            interview_id=interview_id,
            detail=f"outcome={outcome or '-'} verdict={verdict}",
        )
        if answers is not None and answers.resolved_at is None:
            candidate_request_resolve(request_id=answers.pk, user=user, resolution=f"Decided: {reason}")
    return decision
