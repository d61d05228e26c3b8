"""Retention: recordings and transcripts deleted once they are old enough, by the template's policy or
the deployment's, and legal holds, which keep an interview (or a whole template's) from that and
from erasure until released."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from interviews.compliance import selectors
from interviews.compliance.models import AuditEntry, LegalHold
from interviews.compliance.services import actor_of, audit_record, audit_record_many, checked_text
from interviews.exceptions import InterviewError
from interviews.models import CriterionScore, Interview, InterviewTemplate, Turn

# --- legal holds ----------------------------------------------------------------------------------


def legal_hold_place(
    *, user: Any, reason: str, interview: Interview | None = None, template: InterviewTemplate | None = None
) -> LegalHold:
    reason = checked_text(reason, what="The reason for the legal hold", required=True)
    if (interview is None) == (template is None):
        raise InterviewError("A legal hold is on one interview or on one template.", code="invalid")
    _user_id, username = actor_of(user)
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
    reason = checked_text(reason, what="The reason for releasing the hold", required=True)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise InterviewError(f"No legal hold with id {hold_id}.", code="not_found")
        if hold.released_at is not None:
            raise InterviewError("This legal hold was already released.", code="conflict")
        _user_id, username = actor_of(user)
        hold.released_at, hold.released_by_name, hold.release_reason = timezone.now(), username, reason
        hold.save(update_fields=["released_at", "released_by_name", "release_reason"])
        audit_record(
            user=user,
            action=AuditEntry.Action.LEGAL_HOLD,
            interview_id=hold.interview_id,
            detail=f"released hold {hold.pk}",
        )
    return hold


# --- the retention policy ------------------------------------------------------------------------


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


def interview_purge_recordings(
    *,
    ended_before: datetime,
    transcripts: bool = False,
    dry_run: bool = False,
    only: QuerySet[Interview] | None = None,
) -> dict[str, int]:
    """Retention: delete the turn audio (and optionally the words) of interviews that ended before a time.

    With `transcripts`, turn texts and the evaluation's quoted evidence are cleared too (they are the
    candidate's words); scores, summaries and timings stay. `dry_run` counts without changing anything.
    `only` narrows it to some interviews (retention_purge applies the policy through it); an
    interview under a legal hold is never touched.
    """
    interviews = (only if only is not None else Interview.objects.all()).filter(
        ended_at__isnull=False, ended_at__lt=ended_before
    )
    interviews = interviews.exclude(pk__in=selectors.interviews_on_hold().values("pk"))
    with_audio = Turn.objects.filter(interview__in=interviews).exclude(audio="")
    counts = {
        "interviews": interviews.count(),
        "audio_files": with_audio.count(),
        "audio_bytes": 0,
        "texts": Turn.objects.filter(interview__in=interviews).exclude(text="").count() if transcripts else 0,
    }
    for turn in with_audio.only("id", "audio"):
        try:
            counts["audio_bytes"] += turn.audio.size
        except OSError:
            pass  # already gone from storage; the row is still cleared below
        if not dry_run:
            turn.audio.delete(save=False)
            Turn.objects.filter(pk=turn.pk).update(audio="", audio_mime="")
    if transcripts and not dry_run:
        Turn.objects.filter(interview__in=interviews).exclude(text="").update(text="")
        CriterionScore.objects.filter(evaluation__interview__in=interviews).update(evidence=[])
    return counts
