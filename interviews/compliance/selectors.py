"""Reads for the candidate-rights records: legal holds, due dates, what is kept and for how long."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from interviews.compliance.models import AuditEntry, CandidateRequest, HumanDecision, LegalHold
from interviews.models import Interview


def request_due_at(*, kind: str, received_at: datetime) -> datetime:
    """When a request of `kind` received at `received_at` must be answered (settings.COMPLIANCE)."""
    due_days: dict[str, int] = {
        CandidateRequest.Kind.ACCESS: settings.COMPLIANCE["DATA_REQUEST_DUE_DAYS"],
        CandidateRequest.Kind.ERASURE: settings.COMPLIANCE["DATA_REQUEST_DUE_DAYS"],
        CandidateRequest.Kind.RECONSIDERATION: settings.COMPLIANCE["RECONSIDERATION_DUE_DAYS"],
    }
    days = due_days.get(kind, settings.COMPLIANCE["ALTERNATIVE_REQUEST_DUE_DAYS"])
    return received_at + timedelta(days=days)


def active_holds(*, interview: Interview) -> list[LegalHold]:
    """The legal holds that stop deletion of this interview: on it, or on its template."""
    return list(
        LegalHold.objects.filter(released_at__isnull=True).filter(
            Q(interview_id=interview.pk) | Q(template_id=interview.template_id)
        )
    )


def interviews_on_hold() -> QuerySet[Interview]:
    """Every interview a legal hold keeps (directly, or through its template)."""
    held = LegalHold.objects.filter(released_at__isnull=True)
    return Interview.objects.filter(
        Q(pk__in=held.filter(interview__isnull=False).values("interview_id"))
        | Q(template_id__in=held.filter(template__isnull=False).values("template_id"))
    )


def requests_open() -> QuerySet[CandidateRequest]:
    return CandidateRequest.objects.filter(resolved_at__isnull=True).select_related("interview__template")


def interview_decisions(*, interview_id: int) -> list[HumanDecision]:
    return list(HumanDecision.objects.filter(interview_id=interview_id).select_related("answers"))


def audit_entries_prunable(*, now: datetime | None = None) -> QuerySet[AuditEntry]:
    """The audit entries older than the minimum retention (COMPLIANCE_AUDIT_LOG_MIN_DAYS)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.COMPLIANCE["AUDIT_LOG_MIN_DAYS"])
    return AuditEntry.objects.filter(at__lt=cutoff)
