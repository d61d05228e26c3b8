"""Writes for an invite link after it was made: longer, withdrawn, replaced.

The link is made with its interview (services.interview_create); the recruiter's admin offers these
as link operations (invite_admin.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from interviews.exceptions import InterviewError
from interviews.models import Interview, InterviewTemplate, new_invite_token
from interviews.services import check_expires_in, interview_create

logger = logging.getLogger(__name__)

# `end_reason` of a link a recruiter withdrew (the status is `expired`: the link is dead, and the
# candidate's pages and socket say so through selectors.interview_link_state).
REVOKED = "revoked"


def _locked(interview_id: int) -> Interview:
    interview = Interview.objects.select_for_update().filter(pk=interview_id).first()
    if interview is None:
        raise InterviewError(f"No interview with id {interview_id}.", code="not_found")
    return interview


def interview_extend_expiry(*, interview_id: int, days: int) -> Interview:
    """Give the candidate `days` more to start (counted from now if the link had run out already).

    A link that expired unused works again at the same address (the email the candidate has still
    works); a revoked link stays dead (issue a fresh one), and a started interview needs no expiry.
    """
    check_expires_in(timedelta(days=days))
    with transaction.atomic():
        interview = _locked(interview_id)
        expired_unused = (
            interview.status == Interview.Status.EXPIRED
            and interview.end_reason != REVOKED
            and interview.started_at is None
        )
        if interview.status == Interview.Status.IN_PROGRESS:
            raise InterviewError(
                f"{interview.candidate_name}'s interview has started: its link works until it ends.", code="conflict"
            )
        if interview.status == Interview.Status.EXPIRED and interview.end_reason == REVOKED:
            raise InterviewError(
                f"{interview.candidate_name}'s link was revoked; issue a fresh link instead.", code="conflict"
            )
        if interview.status != Interview.Status.INVITED and not expired_unused:
            raise InterviewError(
                f"{interview.candidate_name}'s interview has ended ({interview.get_status_display().lower()}).",
                code="conflict",
            )
        now = timezone.now()
        interview.expires_at = max(interview.expires_at, now) + timedelta(days=days)
        if expired_unused:
            interview.status, interview.end_reason, interview.ended_at = Interview.Status.INVITED, "", None
        interview.save(update_fields=["expires_at", "status", "end_reason", "ended_at"])
    return interview


def interview_revoke(*, interview_id: int) -> Interview:
    """Withdraw an invite link at once: unused, or in the middle of the interview.

    The status becomes `expired` (reason `revoked`), so the invite page answers 410 and a new
    connection is refused (4410) by the one link rule. A session that is live right now loses its
    lease: `live_epoch` no longer matches any session, so the database refuses its next write and
    its next heartbeat (at most 30 s away) with SessionSuperseded, and it closes itself (4001, no
    reconnect). What was recorded stays; nothing is evaluated.
    """
    with transaction.atomic():
        interview = _locked(interview_id)
        if interview.status not in Interview.OPEN_STATUSES:
            raise InterviewError(
                f"{interview.candidate_name}'s link is already closed ({interview.get_status_display().lower()}).",
                code="conflict",
            )
        now = timezone.now()
        interview.status = Interview.Status.EXPIRED
        interview.end_reason = REVOKED
        interview.ended_at = now
        interview.expires_at = min(interview.expires_at, now)
        # Epochs start at 1: no session holds 0, so every session's write fence and heartbeat
        # (services.interview_touch) now fail.
        interview.live_epoch = 0
        interview.live_channel = ""
        interview.save(update_fields=["status", "end_reason", "ended_at", "expires_at", "live_epoch", "live_channel"])
    logger.info("invite link revoked", extra={"interview_id": interview_id})
    return interview


# A fresh link is for an interview that will not finish on its own: never used in time, withdrawn,
# left half-way, or broken by a fault on our side. A completed interview keeps its one attempt.
FRESH_LINK_STATUSES = (Interview.Status.EXPIRED, Interview.Status.ABANDONED, Interview.Status.FAILED)


def interview_issue_fresh_link(*, interview_id: int, expires_in: timedelta | None = None) -> Interview:
    """A new invite link for an interview that ended without a result; returns the interview it opens.

    Never started: the same interview opens again under a new token (the old link stays dead) and
    the template's current version, with consent asked again. Started: what was recorded stays with
    the old interview, and the candidate gets a new interview (`retake_of` the old one), once.
    """
    if expires_in is None:
        expires_in = timedelta(days=settings.INTERVIEW["DEFAULT_EXPIRY_DAYS"])
    check_expires_in(expires_in)
    with transaction.atomic():
        interview = _locked(interview_id)
        if interview.status not in FRESH_LINK_STATUSES:
            raise InterviewError(
                f"{interview.candidate_name}'s interview is {interview.get_status_display().lower()}: only an "
                "expired, abandoned or failed interview gets a fresh link.",
                code="conflict",
            )
        if interview.started_at is not None or interview.turns.exists():
            retake = interview.retakes.order_by("-created_at").first()
            if retake is not None:
                raise InterviewError(
                    f"{interview.candidate_name} already has a fresh link (interview {retake.pk}).", code="conflict"
                )
            return interview_create(
                template=interview.template,
                candidate_name=interview.candidate_name,
                candidate_email=interview.candidate_email,
                expires_in=expires_in,
                is_test=interview.is_test,
                retake_of=interview,
            )
        template = InterviewTemplate.objects.get(pk=interview.template_id)
        interview.invite_token = new_invite_token()
        interview.template_version = template.version
        interview.status, interview.end_reason, interview.ended_at = Interview.Status.INVITED, "", None
        interview.expires_at = timezone.now() + expires_in
        interview.consented_at = None  # a new link is a new agreement to be recorded
        interview.invite_sent_at = None
        interview.live_channel = ""
        interview.full_clean()
        interview.save()
    return interview
