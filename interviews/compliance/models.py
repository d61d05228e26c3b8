"""The candidate-rights records: requests, human decisions, erasures, retention, legal holds, the audit
log and self-reported demographics. Data only; imported by interviews.models so Django finds them."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interviews.exceptions import InterviewError

DECISION_CHOICES = [("advance", "Advance"), ("hold", "Hold"), ("reject", "Reject")]


class CandidateRequest(models.Model):
    """Something a candidate asked for, that a person must answer by `due_at`: one queue for staff."""

    class Kind(models.TextChoices):
        HUMAN = "human_interviewer", "A human interviewer instead of the AI"
        ACCOMMODATION = "accommodation", "An accommodation"
        RECONSIDERATION = "reconsideration", "Reconsideration of a decision"
        ACCESS = "access", "A copy of their data"
        ERASURE = "erasure", "Erasure of their data"

    class Source(models.TextChoices):
        INVITE_PAGE = "invite_page", "The invite page"
        INTERVIEW = "interview", "Said during the interview"
        STAFF = "staff", "Logged by staff (email, phone, letter)"

    interview = models.ForeignKey("interviews.Interview", on_delete=models.CASCADE, related_name="candidate_requests")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    text = models.TextField(blank=True, max_length=4_000, help_text="The request in the candidate's words.")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    due_at = models.DateTimeField(help_text="When an answer is due (COMPLIANCE_*_DUE_DAYS after it was received).")
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True, max_length=4_000, help_text="What was done, or the answer given.")

    class Meta:
        ordering = [models.F("resolved_at").asc(nulls_first=True), "due_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (interview {self.interview_id})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_overdue(self) -> bool:
        return self.resolved_at is None and self.due_at < timezone.now()


class HumanDecision(models.Model):
    """A person's decision on an interview, with who, when and why. Never edited: a new decision is a
    new row, and the interview's `recruiter_decision` shows the newest. The AI evaluation is advice:
    a person may take it into account, override it, or mark it invalid; the evaluation itself is
    never changed, and what it said when the person decided is copied here."""

    class Verdict(models.TextChoices):
        ADVICE_CONSIDERED = "advice_considered", "Considered the AI evaluation as advice"
        OVERRIDDEN = "overridden", "Overrode the AI evaluation"
        INVALID = "invalid", "Marked the AI evaluation invalid"

    interview = models.ForeignKey("interviews.Interview", on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=DECISION_CHOICES, blank=True)
    verdict = models.CharField(max_length=24, choices=Verdict.choices, default=Verdict.ADVICE_CONSIDERED)
    override_recommendation = models.CharField(max_length=16, blank=True)
    reason = models.TextField(max_length=4_000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150)
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The AI's advice as the person saw it: a later re-run of the evaluation cannot rewrite it.
    ai_status = models.CharField(max_length=16, blank=True)
    ai_recommendation = models.CharField(max_length=16, blank=True)
    ai_overall_score = models.FloatField(null=True, blank=True)
    ai_evaluator = models.CharField(max_length=16, blank=True)
    ai_model_name = models.CharField(max_length=120, blank=True)
    ai_rubric_version = models.PositiveIntegerField(null=True, blank=True)
    answers = models.ForeignKey(
        CandidateRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        help_text="The reconsideration request this decision answers, if any.",
    )

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} by {self.decided_by_name} ({self.decided_at:%Y-%m-%d})"


class Erasure(models.Model):
    """What is left of an erased interview: who erased it, when and why, and what was deleted."""

    interview = models.OneToOneField("interviews.Interview", on_delete=models.CASCADE, related_name="erasure")
    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erased_by_name = models.CharField(max_length=150)
    reason = models.TextField(max_length=4_000)
    request = models.ForeignKey(
        CandidateRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="erasures"
    )
    audio_files_deleted = models.PositiveIntegerField(default=0)
    turns_deleted = models.PositiveIntegerField(default=0)
    # The providers that processed the audio or text (a copy may remain there under their own terms).
    providers = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Erasure of interview {self.interview_id} ({self.erased_at:%Y-%m-%d})"


class RetentionPolicy(models.Model):
    """A template's own retention, instead of the deployment's (RETENTION_AUDIO_DAYS, _TRANSCRIPT_DAYS)."""

    template = models.OneToOneField(
        "interviews.InterviewTemplate", on_delete=models.CASCADE, related_name="retention_policy"
    )
    audio_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Delete the audio this many days after the interview ended (blank: keep)."
    )
    transcript_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Clear the transcript and quoted evidence this many days after the end (blank: keep).",
    )
    note = models.CharField(max_length=500, blank=True, help_text="Why this template keeps data this long.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return f"Retention for {self.template}"


class LegalHold(models.Model):
    """While active, nothing of the interview (or of every interview of the template) is deleted
    automatically, nor erased on request: the reason is recorded, and so is its release."""

    interview = models.ForeignKey(
        "interviews.Interview", on_delete=models.CASCADE, null=True, blank=True, related_name="legal_holds"
    )
    template = models.ForeignKey(
        "interviews.InterviewTemplate", on_delete=models.CASCADE, null=True, blank=True, related_name="legal_holds"
    )
    reason = models.TextField(max_length=4_000)
    placed_by_name = models.CharField(max_length=150)
    placed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by_name = models.CharField(max_length=150, blank=True)
    release_reason = models.TextField(max_length=4_000, blank=True)

    class Meta:
        ordering = [models.F("released_at").asc(nulls_first=True), "-placed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interview__isnull=False, template__isnull=True)
                | models.Q(interview__isnull=True, template__isnull=False),
                name="legal_hold_on_one_interview_or_one_template",
            )
        ]

    def __str__(self) -> str:
        target = f"interview {self.interview_id}" if self.interview_id else f"template {self.template_id}"
        return f"Legal hold on {target}{' (released)' if self.released_at else ''}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise InterviewError("The audit log is append-only: entries are never changed.", code="append_only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise InterviewError(
            "The audit log is append-only: old entries leave only through audit_prune.", code="append_only"
        )


class AuditEntry(models.Model):
    """Who looked at or did what to a candidate's data, and when. Append-only: no update, no delete
    (here, in admin, and in PostgreSQL by a trigger), except audit_prune past the minimum retention.
    `detail` never holds personal data: ids, formats and counts only."""

    class Action(models.TextChoices):
        VIEW_REVIEW = "view_review", "Opened the review page (transcript, evaluation)"
        VIEW_REPORT = "view_report", "Opened or downloaded the report"
        VIEW_TRANSCRIPT = "view_transcript", "Opened a turn's transcript"
        VIEW_EVALUATION = "view_evaluation", "Opened the evaluation"
        VIEW_COMPARISON = "view_comparison", "Compared candidates (scores, decisions)"
        WATCH_LIVE = "watch_live", "Watched the interview live"
        PLAY_AUDIO = "play_audio", "Played or downloaded a turn's audio"
        PLAY_RECORDING = "play_recording", "Played or downloaded the whole recording"
        EXPORT = "export", "Exported the interview"
        DECISION = "decision", "Recorded a decision"
        REQUEST = "request", "Logged or answered a candidate's request"
        ERASURE = "erasure", "Erased the candidate's data"
        PURGE = "purge", "Deleted data by the retention policy"
        LEGAL_HOLD = "legal_hold", "Placed or released a legal hold"
        EXPORT_AUDIT_LOG = "export_audit_log", "Exported the audit log"
        EXPORT_ADVERSE_IMPACT = "export_adverse_impact", "Exported the adverse-impact data"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Plain values, not foreign keys: an entry outlives its user and its interview, and a cascade
    # would have to update it.
    user_id = models.PositiveIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, help_text="The staff member, or system:<command>.")
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    interview_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    detail = models.CharField(max_length=500, blank=True)

    objects: ClassVar[AuditEntryQuerySet] = AuditEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}: {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise InterviewError("The audit log is append-only: entries are never changed.", code="append_only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise InterviewError("The audit log is append-only: entries are never deleted one by one.", code="append_only")


class DemographicResponse(models.Model):
    """A candidate's optional self-reported sex and race/ethnicity, for an adverse-impact audit only.

    Stored apart: the interview has no accessor for it (related_name="+"), and nothing an evaluator
    or a reviewer reads (evaluation_input, the review and report pages, exports) ever queries it.
    Blank means "not answered / prefer not to say", counted as "unknown"."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        ANOTHER = "another", _("Another sex")

    class RaceEthnicity(models.TextChoices):
        # The categories of the US EEO-1 report, which NYC Local Law 144 bias audits use.
        HISPANIC_LATINO = "hispanic_latino", _("Hispanic or Latino")
        WHITE = "white", _("White")
        BLACK = "black", _("Black or African American")
        ASIAN = "asian", _("Asian")
        NATIVE_HAWAIIAN_PACIFIC = "native_hawaiian_pacific", _("Native Hawaiian or Other Pacific Islander")
        AMERICAN_INDIAN_ALASKA = "american_indian_alaska", _("American Indian or Alaska Native")
        TWO_OR_MORE = "two_or_more", _("Two or more races")

    interview = models.OneToOneField("interviews.Interview", on_delete=models.CASCADE, related_name="+")
    sex = models.CharField(max_length=16, choices=Sex.choices, blank=True)
    race_ethnicity = models.CharField(max_length=32, choices=RaceEthnicity.choices, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Self-reported data of interview {self.interview_id}"
