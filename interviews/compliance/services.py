"""Writes for the candidate-rights records. Every function that touches a candidate's data for staff
also writes the audit entry that says so."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from interviews.compliance import selectors
from interviews.compliance.models import (
    DECISION_CHOICES,
    AuditEntry,
    CandidateRequest,
    DemographicResponse,
    Erasure,
    HumanDecision,
    LegalHold,
)
from interviews.exceptions import InterviewError
from interviews.models import Evaluation, Interview, InterviewTemplate, Turn, new_invite_token

logger = logging.getLogger(__name__)

# Interview.end_reason when the candidate asked for a person during the interview
# (interviews/pipeline/session.py ends the session with it).
HUMAN_REQUESTED = "human_requested"
ERASED_NAME = "Erased candidate"
MAX_TEXT = 4_000


# --- the audit log ---------------------------------------------------------------------------


def _actor(user: Any) -> tuple[int | None, str]:
    """(user id, name) of a staff member, or (None, "system:<what>") for a command."""
    if isinstance(user, str):
        return None, user[:150]
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "anonymous"
    return user.pk, user.get_username()[:150]


def audit_record(*, user: Any, action: str, interview_id: int | None = None, detail: str = "") -> AuditEntry:
    """Append one entry; `detail` holds ids, formats and counts, never a candidate's data."""
    user_id, username = _actor(user)
    entry = AuditEntry(user_id=user_id, username=username, action=action, interview_id=interview_id, detail=detail)
    entry.full_clean()
    entry.save()
    return entry


def audit_record_many(*, user: Any, action: str, interview_ids: list[int], detail: str = "") -> None:
    user_id, username = _actor(user)
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


def _clean_text(text: str, *, what: str, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise InterviewError(f"{what} must not be empty.", code="invalid")
    if len(text) > MAX_TEXT:
        raise InterviewError(f"{what} is longer than {MAX_TEXT} characters ({len(text)}).", code="invalid")
    return text


def candidate_request_create(
    *, interview: Interview, kind: str, source: str, text: str = "", user: Any = None
) -> CandidateRequest:
    """Store a candidate's request with its due date; staff logging one (by email, phone) is audited."""
    if kind not in CandidateRequest.Kind.values:
        raise InterviewError(f"Unknown request kind {kind!r}.", code="invalid")
    text = _clean_text(text, what="The request", required=source == CandidateRequest.Source.INVITE_PAGE)
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
    resolution = _clean_text(resolution, what="The answer to the request", required=True)
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
    reason = _clean_text(reason, what="The reason for the decision", required=True)
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
        user_id, username = _actor(user)
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


# --- erasure ----------------------------------------------------------------------------------


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
    reason = _clean_text(reason, what="The reason for the erasure", required=True)
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
        user_id, username = _actor(user)
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


# --- legal holds and retention ------------------------------------------------------------------


def legal_hold_place(
    *, user: Any, reason: str, interview: Interview | None = None, template: InterviewTemplate | None = None
) -> LegalHold:
    reason = _clean_text(reason, what="The reason for the legal hold", required=True)
    if (interview is None) == (template is None):
        raise InterviewError("A legal hold is on one interview or on one template.", code="invalid")
    _user_id, username = _actor(user)
    hold = LegalHold(interview=interview, template=template, reason=reason, placed_by_name=username)
    hold.full_clean()
    hold.save()
    audit_record(
        user=user,
        action=AuditEntry.Action.LEGAL_HOLD,
        interview_id=interview.pk if interview else None,
        detail=f"placed hold {hold.pk}" + (f" on template {template.pk}" if template else ""),
    )
    return hold


def legal_hold_release(*, hold_id: int, user: Any, reason: str) -> LegalHold:
    reason = _clean_text(reason, what="The reason for releasing the hold", required=True)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise InterviewError(f"No legal hold with id {hold_id}.", code="not_found")
        if hold.released_at is not None:
            raise InterviewError("This legal hold was already released.", code="conflict")
        _user_id, username = _actor(user)
        hold.released_at, hold.released_by_name, hold.release_reason = timezone.now(), username, reason
        hold.save(update_fields=["released_at", "released_by_name", "release_reason"])
        audit_record(
            user=user,
            action=AuditEntry.Action.LEGAL_HOLD,
            interview_id=hold.interview_id,
            detail=f"released hold {hold.pk}",
        )
    return hold


@dataclass
class PurgeReport:
    interviews: int = 0
    audio_files: int = 0
    audio_bytes: int = 0
    texts: int = 0
    held: int = 0
    interview_ids: list[int] = field(default_factory=list)


def retention_purge(
    *, older_than_days: int | None = None, transcripts: bool = False, dry_run: bool = False, now: datetime | None = None
) -> PurgeReport:
    """Apply the retention policy: a template's own RetentionPolicy where it has one, else
    `older_than_days` (audio, and transcripts with `transcripts`) if given, else the deployment's
    RETENTION_AUDIO_DAYS and RETENTION_TRANSCRIPT_DAYS. Nothing under a legal hold is touched.
    Clearing a transcript also deletes its audio (the transcript is derived from it)."""
    from interviews.services import interview_purge_recordings

    now = now or timezone.now()
    if older_than_days is not None:
        global_days = (older_than_days, older_than_days if transcripts else None)
    else:
        global_days = (settings.COMPLIANCE["RETENTION_AUDIO_DAYS"], settings.COMPLIANCE["RETENTION_TRANSCRIPT_DAYS"])
    groups: dict[tuple[int | None, int | None], list[int]] = {}
    for template in InterviewTemplate.objects.select_related("retention_policy"):
        policy = getattr(template, "retention_policy", None)
        days = (policy.audio_days, policy.transcript_days) if policy is not None else global_days
        groups.setdefault(days, []).append(template.pk)
    held = selectors.interviews_on_hold().values("pk")
    ended = Interview.objects.filter(ended_at__isnull=False)
    report = PurgeReport(held=ended.filter(pk__in=held).count())
    touched: set[int] = set()  # the interviews that had something to delete (each gets an audit entry)
    for (audio_days, text_days), template_ids in groups.items():
        candidates = ended.filter(template_id__in=template_ids).exclude(pk__in=held)
        text_ids: list[int] = []
        if text_days is not None:
            text_ids = list(
                candidates.filter(ended_at__lt=now - timedelta(days=text_days)).values_list("pk", flat=True)
            )
        audio_ids: list[int] = []
        if audio_days is not None:
            audio_ids = list(
                candidates.filter(ended_at__lt=now - timedelta(days=audio_days))
                .exclude(pk__in=text_ids)
                .values_list("pk", flat=True)
            )
        for ids, with_texts in ((text_ids, True), (audio_ids, False)):
            if not ids:
                continue
            stored = Turn.objects.filter(interview_id__in=ids)
            stored = stored.exclude(audio="", text="") if with_texts else stored.exclude(audio="")
            touched.update(stored.values_list("interview_id", flat=True).distinct())
            counts = interview_purge_recordings(
                ended_before=now, transcripts=with_texts, dry_run=dry_run, only=Interview.objects.filter(pk__in=ids)
            )
            report.audio_files += counts["audio_files"]
            report.audio_bytes += counts["audio_bytes"]
            report.texts += counts["texts"]
        report.interview_ids += text_ids + audio_ids
    report.interviews = len(report.interview_ids)
    if not dry_run and touched:
        audit_record_many(
            user="system:purge_audio",
            action=AuditEntry.Action.PURGE,
            interview_ids=sorted(touched),
            detail="retention policy",
        )
    return report
