"""Interview templates, interviews and their turns: data only, plus small properties."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from interviews.i18n import interview_languages


def new_invite_token() -> str:
    # Never "-" first: operators paste tokens into commands (replay_session, export_interview),
    # where a leading "-" reads as an option.
    while (token := secrets.token_urlsafe(24)).startswith("-"):
        pass
    return token


class InterviewTemplate(models.Model):
    """What a recruiter prepares once and sends to many candidates."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    job_description = models.TextField(blank=True, max_length=10_000)
    language = models.CharField(
        max_length=16, choices=interview_languages, default="en", help_text="What the candidate reads and hears."
    )
    time_limit_minutes = models.PositiveIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    persona = models.TextField(
        blank=True,
        max_length=4_000,
        help_text="Interviewer persona and extra instructions.",
    )
    what_happens_next = models.TextField(
        blank=True,
        max_length=1_000,
        help_text="What the candidate is told at the end about next steps (blank: a neutral default).",
    )
    voice_id = models.CharField(max_length=100, blank=True, help_text="TTS voice; blank = the server default.")
    hands_free = models.BooleanField(default=True, help_text="Server-side turn detection instead of push-to-talk.")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class TemplateQuestion(models.Model):
    """One planned question of a template, asked in `position` order."""

    template = models.ForeignKey(InterviewTemplate, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(max_length=2_000)
    follow_up_depth = models.PositiveSmallIntegerField(
        default=1, validators=[MaxValueValidator(5)], help_text="How many follow-ups at most."
    )
    time_limit_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "position"], name="unique_question_position")]

    def __str__(self) -> str:
        return self.text[:80]


class RubricCriterion(models.Model):
    template = models.ForeignKey(InterviewTemplate, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2_000)
    weight = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    scale_max = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(2), MaxValueValidator(10)])
    # What each point of the scale means for this criterion, lowest first (blank: the defaults in
    # interviews.evaluation): what the evaluator is held to, and what a recruiter reads a score against.
    anchors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "rubric criteria"
        constraints = [models.UniqueConstraint(fields=["template", "name"], name="unique_criterion_name")]

    def __str__(self) -> str:
        return self.name


class InviteBatch(models.Model):
    """One CSV of candidates invited to a template: previewed first, then created in one transaction."""

    template = models.ForeignKey(InterviewTemplate, on_delete=models.PROTECT, related_name="invite_batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    # The uploaded file as decoded text, kept between the preview and the confirmation (so the
    # confirmation creates exactly what was previewed); cleared once the invites exist.
    source_text = models.TextField(blank=True)
    default_expiry_days = models.PositiveSmallIntegerField(default=7)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invites from {self.filename or 'a CSV'} ({self.created_at:%Y-%m-%d %H:%M})"


class Interview(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited"
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"
        EXPIRED = "expired"
        ABANDONED = "abandoned"
        FAILED = "failed"

    OPEN_STATUSES = (Status.INVITED, Status.IN_PROGRESS)

    template = models.ForeignKey(InterviewTemplate, on_delete=models.PROTECT, related_name="interviews")
    template_version = models.PositiveIntegerField(default=1)
    candidate_name = models.CharField(max_length=200)
    candidate_email = models.EmailField(blank=True)
    invite_token = models.CharField(max_length=64, unique=True, db_index=True, default=new_invite_token)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED, db_index=True)
    end_reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    consented_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True, help_text="Server-side end of the time limit.")
    expires_at = models.DateTimeField(help_text="The invite link stops working after this.")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    greeting_spoken = models.BooleanField(default=False)
    # One live session per interview, across daphne processes (services.interview_claim_session):
    # every connection claims the next epoch; the session that read the interview last holds
    # `live_epoch`, and only it may write turns, until the newest claimant takes over.
    session_epoch = models.PositiveIntegerField(default=0)
    live_epoch = models.PositiveIntegerField(default=0)
    live_channel = models.CharField(max_length=200, blank=True, help_text="Channel of the live session, if any.")
    recruiter_decision = models.CharField(
        max_length=16,
        blank=True,
        choices=[("advance", "Advance"), ("hold", "Hold"), ("reject", "Reject")],
    )
    recruiter_notes = models.TextField(blank=True, max_length=20_000)
    # A staff member's own run through the template ("Preview this template"): its pages are for
    # staff only, and it is left out of the comparisons and the overview.
    is_test = models.BooleanField(default=False, db_index=True, help_text="A staff preview, not a candidate.")
    invite_sent_at = models.DateTimeField(null=True, blank=True, help_text="When the invite was last emailed.")
    # A fresh link for an interview that had started (abandoned, failed) is a new interview; the old
    # one keeps what was recorded.
    retake_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retakes", help_text="Replaces this."
    )
    invite_batch = models.ForeignKey(
        InviteBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="interviews"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.candidate_name} — {self.template.title}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES and self.expires_at > timezone.now()

    @property
    def remaining_seconds(self) -> float | None:
        if self.deadline_at is None:
            return None
        return max(0.0, (self.deadline_at - timezone.now()).total_seconds())


def turn_audio_path(turn: Turn, filename: str) -> str:
    return f"audio/{turn.interview_id}/{filename}"


class Turn(models.Model):
    class Speaker(models.TextChoices):
        CANDIDATE = "candidate"
        INTERVIEWER = "interviewer"

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveIntegerField()
    speaker = models.CharField(max_length=16, choices=Speaker.choices)
    text = models.TextField(blank=True)
    audio = models.FileField(upload_to=turn_audio_path, blank=True)
    audio_mime = models.CharField(max_length=40, blank=True)
    # What the per-interview recording limits count (candidate turns): decoded seconds, stored bytes.
    audio_seconds = models.FloatField(null=True, blank=True)
    audio_bytes = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    interrupted = models.BooleanField(default=False)
    is_greeting = models.BooleanField(default=False)
    # Interviewer turns: the planned question this turn asked (1-based), or whether it was a
    # follow-up on the current one; the interviewer marks both (chunker.MarkerFilter). Together
    # they say where the plan stands, for the next turn (pipeline/progress.py).
    plan_question = models.PositiveSmallIntegerField(null=True, blank=True)
    follow_up = models.BooleanField(default=False)
    # Per-stage latency in ms from the end of the candidate's answer (interviewer turns only).
    transcript_ms = models.FloatField(null=True, blank=True)
    llm_first_token_ms = models.FloatField(null=True, blank=True)
    first_clause_ms = models.FloatField(null=True, blank=True)
    tts_first_byte_ms = models.FloatField(null=True, blank=True)
    first_audio_sent_ms = models.FloatField(null=True, blank=True)
    playback_started_ms = models.FloatField(null=True, blank=True)
    provider_floor_ms = models.FloatField(
        null=True, blank=True, help_text="Time the providers themselves took on the critical path."
    )
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["interview", "index"]
        constraints = [models.UniqueConstraint(fields=["interview", "index"], name="unique_turn_index")]

    def __str__(self) -> str:
        return f"#{self.index} {self.speaker}: {self.text[:60]}"

    @property
    def overhead_ms(self) -> float | None:
        if self.first_audio_sent_ms is None or self.provider_floor_ms is None:
            return None
        return self.first_audio_sent_ms - self.provider_floor_ms


class Evaluation(models.Model):
    """The rubric evaluation of one interview, produced in the background after it ends."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Evaluator(models.TextChoices):
        LLM = "llm", "Language model"
        HEURISTIC = "heuristic", "Offline heuristic evaluator"

    class Recommendation(models.TextChoices):
        STRONG_YES = "strong_yes", "Strong yes"
        YES = "yes", "Yes"
        LEAN_NO = "lean_no", "Lean no"
        NO = "no", "No"
        # What the offline heuristic always says, and the language model when too little could be assessed.
        NEEDS_REVIEW = "needs_review", "Needs human review"

    interview = models.OneToOneField(Interview, on_delete=models.CASCADE, related_name="evaluation")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    evaluator = models.CharField(max_length=16, choices=Evaluator.choices, blank=True)
    model_name = models.CharField(max_length=120, blank=True)
    rubric_version = models.PositiveIntegerField(null=True, blank=True)
    # Which instructions the evaluator followed (llm.PROMPT_VERSION, or the heuristic's version).
    prompt_version = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, max_length=2_000)
    summary = models.TextField(blank=True)
    strengths = models.JSONField(default=list, blank=True)
    concerns = models.JSONField(default=list, blank=True)
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices, blank=True)
    overall_score = models.FloatField(
        null=True,
        blank=True,
        help_text="Weighted mean score of the assessed criteria, as a percentage (empty: none assessed).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Evaluation of interview {self.interview_id} ({self.status})"


class CriterionScore(models.Model):
    """One rubric criterion's score, with the candidate's words that support it."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    position = models.PositiveIntegerField(default=0)
    criterion = models.CharField(max_length=120)
    weight = models.FloatField(default=1.0)
    # None: not assessed (nothing the candidate said bore on the criterion), which is not a low score.
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    scale_max = models.PositiveSmallIntegerField()
    # [{"quote": str, "verified": bool}]: verified = found in the candidate's own words.
    evidence = models.JSONField(default=list, blank=True)
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.criterion}: {'not assessed' if self.score is None else f'{self.score}/{self.scale_max}'}"

    @property
    def verified_evidence(self) -> list[str]:
        return [item["quote"] for item in self.evidence if item.get("verified")]


# The candidate-rights records (requests, decisions, erasures, retention, audit log, demographics)
# live in their own module; importing them here is how Django finds them.
from interviews.compliance.models import (  # noqa: E402, F401
    AuditEntry,
    CandidateRequest,
    DemographicResponse,
    Erasure,
    HumanDecision,
    LegalHold,
    RetentionPolicy,
)
