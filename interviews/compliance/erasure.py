"""Erasure of a candidate's data: everything derived from their audio goes, a placeholder and the
record of who erased it, when and why stay."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from interviews.compliance import selectors
from interviews.compliance.models import AuditEntry, CandidateRequest, DemographicResponse, Erasure
from interviews.compliance.services import actor_of, audit_record, candidate_request_resolve, checked_text
from interviews.exceptions import InterviewError
from interviews.models import Evaluation, Interview, Turn, new_invite_token

logger = logging.getLogger(__name__)

ERASED_NAME = "Erased candidate"


def _providers_used() -> list[str]:
    """The configured providers that are not on this server (they may keep a copy on their side)."""
    local = {"local", "fake", "echo", "offline"}
    used = []
    for capability, names in settings.INTERVIEW_PROVIDERS.items():
        used += [f"{name} ({capability})" for name in names if name not in local]
    return used


def interview_erase(*, interview_id: int, user: Any, reason: str, request_id: int | None = None) -> Erasure:
    """Delete a candidate's audio and everything derived from it (transcript, evaluation, scores,
    self-reported data, notes), and keep a placeholder: the interview row with its dates and status,
    renamed, and an Erasure saying who, when and why. Refused under a legal hold, and while the
    interview is in progress. Human decisions (the employer's record) are kept."""
    reason = checked_text(reason, what="The reason for the erasure", required=True)
    with transaction.atomic():
        interview = Interview.objects.select_for_update().filter(pk=interview_id).first()
        if interview is None:
            raise InterviewError(f"No interview with id {interview_id}.", code="not_found")
        if Erasure.objects.filter(interview_id=interview_id).exists():
            raise InterviewError(f"Interview {interview_id} was already erased.", code="conflict")
        if interview.status == Interview.Status.IN_PROGRESS:
            raise InterviewError("The interview is in progress: revoke its link first, then erase.", code="conflict")
        holds = selectors.active_holds(interview=interview)
        if holds:
            raise InterviewError(
                f"A legal hold keeps this interview ({holds[0].reason[:200]}); release it before erasing.",
                code="conflict",
            )
        request = None
        if request_id is not None:
            request = CandidateRequest.objects.filter(pk=request_id, interview_id=interview_id).first()
            if request is None:
                raise InterviewError("That request is not one of this interview's.", code="invalid")
        turns = list(Turn.objects.filter(interview_id=interview_id).only("id", "audio"))
        audio = [turn.audio for turn in turns if turn.audio]
        Turn.objects.filter(interview_id=interview_id).delete()
        Evaluation.objects.filter(interview_id=interview_id).delete()  # its scores and quotes go with it
        DemographicResponse.objects.filter(interview_id=interview_id).delete()
        CandidateRequest.objects.filter(interview_id=interview_id).update(text="")
        now = timezone.now()
        interview.candidate_name = ERASED_NAME
        interview.candidate_email = ""
        interview.recruiter_notes = ""
        interview.invite_token = new_invite_token()  # the old link must not open even the placeholder
        interview.live_channel = ""
        if interview.status == Interview.Status.INVITED:
            interview.status, interview.end_reason, interview.ended_at = Interview.Status.EXPIRED, "erased", now
        interview.save()
        user_id, username = actor_of(user)
        erasure = Erasure.objects.create(
            interview=interview,
            erased_at=now,
            erased_by_id=user_id,
            erased_by_name=username,
            reason=reason,
            request=request,
            turns_deleted=len(turns),
            providers=_providers_used(),
        )
        deleted = 0
        for file in audio:
            # Last, once every row is written: a failure above leaves the files where they were.
            try:
                file.storage.delete(file.name)
                deleted += 1
            except OSError:
                logger.warning("audio file already gone", extra={"interview_id": interview_id})
        Erasure.objects.filter(pk=erasure.pk).update(audio_files_deleted=deleted)
        erasure.audio_files_deleted = deleted
        audit_record(
            user=user,
            action=AuditEntry.Action.ERASURE,
            interview_id=interview_id,
            detail=f"turns={len(turns)} audio_files={deleted}",
        )
        if request is not None and request.resolved_at is None:
            candidate_request_resolve(request_id=request.pk, user=user, resolution=f"Erased: {reason}")
    return erasure
