"""Recruiter writes: the invite email, a staff preview, invites from a CSV, and a drafted plan saved."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import replace
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from interviews import provider_settings, services
from interviews.exceptions import InterviewError
from interviews.i18n import interview_language
from interviews.models import Interview, InterviewTemplate, InviteBatch, RubricCriterion, TemplateQuestion
from interviews.recruiting import plans
from interviews.recruiting.csv_invites import decode_upload, read_candidates
from interviews.recruiting.selectors import interview_invite_url, interview_link_is_live, invite_batch_candidates

logger = logging.getLogger(__name__)

# An upload that was previewed and never confirmed is dropped after this long (it holds the
# candidates' names and emails).
UNCONFIRMED_UPLOAD_TTL = timedelta(days=1)
PREVIEW_EXPIRY = timedelta(days=1)
BULK_CREATE_BATCH = 500

# --- the invite email -------------------------------------------------------------------------------


def invite_email(*, interview: Interview) -> EmailMessage:
    """The invite to `interview`, in its template's language (templates/emails/invite_*.txt, through
    the catalogues in locale/)."""
    template = interview.template
    context = {
        "candidate_name": interview.candidate_name,
        "title": template.title,
        "role": template.role,
        "time_limit_minutes": template.time_limit_minutes,
        "invite_url": interview_invite_url(interview=interview),
        "expires_at": interview.expires_at,
    }
    with translation.override(interview_language(template.language)):
        subject = render_to_string("emails/invite_subject.txt", context)
        body = render_to_string("emails/invite_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),  # one line: a header cannot hold a newline
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[interview.candidate_email],
    )


def interview_send_invite(*, interview_id: int, connection: Any = None) -> Interview:
    """Email the candidate their invite link and note when. `connection` lets a batch share one."""
    interview = Interview.objects.select_related("template").filter(pk=interview_id).first()
    if interview is None:
        raise InterviewError(f"No interview with id {interview_id}.", code="not_found")
    if interview.is_test:
        raise InterviewError("A preview is not sent to anyone.", code="conflict")
    if not interview.candidate_email:
        raise InterviewError(f"{interview.candidate_name} has no email address.", code="no_email")
    if not interview_link_is_live(interview=interview):
        raise InterviewError(
            f"{interview.candidate_name}'s link no longer works ({interview.get_status_display().lower()}); "
            "extend it or issue a fresh link first.",
            code="conflict",
        )
    message = invite_email(interview=interview)
    message.connection = connection
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("invite email failed: %s", type(exc).__name__, extra={"interview_id": interview.pk})
        raise InterviewError(
            f"The email to {interview.candidate_email} could not be sent ({type(exc).__name__}).", code="email_failed"
        ) from exc
    interview.invite_sent_at = timezone.now()
    interview.save(update_fields=["invite_sent_at"])
    logger.info("invite emailed", extra={"interview_id": interview.pk})
    return interview


def interviews_send_invites(*, interview_ids: list[int]) -> tuple[list[Interview], list[str]]:
    """Email each of the interviews' candidates over one connection; returns the sent ones and,
    in words, why the others were not."""
    connection = get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        raise InterviewError(
            f"The mail server could not be reached ({type(exc).__name__}); nothing was sent.", code="email_failed"
        ) from exc
    sent, problems = [], []
    try:
        for interview_id in interview_ids:
            try:
                sent.append(interview_send_invite(interview_id=interview_id, connection=connection))
            except InterviewError as exc:
                problems.append(exc.message)
    finally:
        connection.close()
    return sent, problems


# --- trying a template out --------------------------------------------------------------------------


def template_preview_create(*, template: InterviewTemplate, staff_name: str) -> Interview:
    """A test interview of `template` for a staff member to take themselves: its pages are for staff
    only, it expires in a day, and the comparisons and the overview leave it out."""
    return services.interview_create(
        template=template,
        candidate_name=f"Preview by {staff_name}"[:200],
        expires_in=PREVIEW_EXPIRY,
        is_test=True,
    )


# --- invites from a CSV -----------------------------------------------------------------------------


def invite_batch_upload(
    *, template: InterviewTemplate, data: bytes, filename: str, default_expiry_days: int, user: Any
) -> InviteBatch:
    """Keep an uploaded CSV for its preview. A file that cannot be read at all is refused here
    (InterviewError), so only a file with rows to show gets as far as a preview."""
    services.check_expires_in(timedelta(days=default_expiry_days))
    text = decode_upload(data)
    read_candidates(text, now=timezone.now(), zone=timezone.get_current_timezone())
    InviteBatch.objects.filter(
        completed_at__isnull=True, created_at__lt=timezone.now() - UNCONFIRMED_UPLOAD_TTL
    ).delete()
    return InviteBatch.objects.create(
        template=template,
        created_by=user if getattr(user, "pk", None) else None,
        filename=filename[:255],
        source_text=text,
        default_expiry_days=default_expiry_days,
    )


def invite_batch_confirm(*, batch_id: int, expected: int) -> InviteBatch:
    """Create an interview for every valid row of the batch, all or none, exactly once.

    The rows are checked again under a lock on the batch: `expected` is how many the recruiter saw
    as valid in the preview, and if that changed meanwhile (someone invited one of them), nothing
    is created and the preview is shown again.
    """
    with transaction.atomic():
        batch = InviteBatch.objects.select_for_update().select_related("template").filter(pk=batch_id).first()
        if batch is None:
            raise InterviewError("This upload is gone (previews are kept for a day). Upload the file again.")
        if batch.completed_at is not None:
            raise InterviewError("These invites were already created.", code="already_created")
        now = timezone.now()
        valid = invite_batch_candidates(batch=batch, now=now).valid
        if len(valid) != expected:
            raise InterviewError(
                f"The check changed since the preview: {len(valid)} rows can be invited now, not {expected}. "
                "Look at the preview again.",
                code="changed",
            )
        if not valid:
            raise InterviewError("No row of the file can be invited.", code="nothing_to_create")
        template = batch.template
        default_expiry = now + timedelta(days=batch.default_expiry_days)
        interviews = []
        for row in valid:
            interview = Interview(
                template=template,
                template_version=template.version,
                candidate_name=row.name,
                candidate_email=row.email,
                expires_at=row.expires_at or default_expiry,
                invite_batch=batch,
                created_at=now,
            )
            # Field checks only (the rows were validated when read), without the foreign keys, each
            # a query (the template and the batch are locked above); the one unique field, the
            # token, is random and guarded by its database constraint, which rolls all back.
            interview.clean_fields(exclude=["template", "invite_batch", "retake_of"])
            interviews.append(interview)
        Interview.objects.bulk_create(interviews, batch_size=BULK_CREATE_BATCH)
        batch.completed_at = now
        batch.source_text = ""  # the interviews hold the names and emails from now on
        batch.save(update_fields=["completed_at", "source_text"])
    logger.info("bulk invites created", extra={"batch_id": batch.pk, "count": len(interviews)})
    return batch


# --- a plan from the job description ----------------------------------------------------------------


def template_plan_draft(*, template: InterviewTemplate) -> plans.PlanDraft:
    """Draft questions and a rubric from the template's job description (blocking: the language
    model's reply takes seconds). Nothing is saved. With no model configured, or when it gives no
    usable plan, the offline draft, saying why."""
    if not template.job_description.strip():
        raise InterviewError("Add a job description to the template first: the draft is made from it.")
    fields = {"role": template.role, "job_description": template.job_description, "language": template.language}
    if not provider_settings.structured_model_configured():
        return plans.draft_offline(**fields)

    async def draft() -> plans.PlanDraft:
        # On the running server's event loop (async_to_sync from a request's thread), where the
        # registry keeps one model and its HTTP client per loop.
        model = provider_settings.structured_model(min_timeout_s=plans.LLM_MIN_TIMEOUT_S)
        return await plans.draft_with_llm(
            model=model,
            title=template.title,
            role=template.role,
            job_description=template.job_description,
            language=template.language,
        )

    try:
        drafted = async_to_sync(draft)()
    except InterviewError as exc:
        offline = plans.draft_offline(**fields)
        return replace(offline, notes=(f"{exc.message} This is the offline draft instead.", *offline.notes))
    return replace(drafted, notes=(f"Drafted by the language model {drafted.model_name}.",))


def template_plan_apply(
    *,
    template_id: int,
    questions: list[plans.DraftQuestion],
    criteria: list[plans.DraftCriterion],
    based_on_version: int,
    replace_existing: bool,
) -> InterviewTemplate:
    """Make the (edited) draft the template's question plan and rubric, as its next version.

    Never overwrites silently: a template that has questions or criteria keeps them unless
    `replace_existing`, and a template edited since the draft was made (`based_on_version`) is
    not touched at all.
    """
    problems = plans.plan_problems(questions, criteria, strict_counts=False)
    if problems:
        raise InterviewError("The plan cannot be saved: " + "; ".join(problems) + ".", code="invalid_plan")
    with transaction.atomic():
        template = InterviewTemplate.objects.select_for_update().filter(pk=template_id).first()
        if template is None:
            raise InterviewError(f"No interview template with id {template_id}.", code="not_found")
        if template.version != based_on_version:
            raise InterviewError(
                f"The template was changed (now version {template.version}) since this draft was made from "
                f"version {based_on_version}. Nothing was saved; draft again.",
                code="conflict",
            )
        existing_questions, existing_criteria = template.questions.count(), template.criteria.count()
        if (existing_questions or existing_criteria) and not replace_existing:
            raise InterviewError(
                f"The template already has {existing_questions} question(s) and {existing_criteria} criteria. "
                "Tick “Replace the current plan” to replace them.",
                code="confirm_replace",
            )
        template.questions.all().delete()
        template.criteria.all().delete()
        new_questions = [
            TemplateQuestion(
                template=template, position=position, text=q.text.strip(), follow_up_depth=q.follow_up_depth
            )
            for position, q in enumerate(questions)
        ]
        new_criteria = [
            RubricCriterion(
                template=template,
                position=position,
                name=c.name.strip(),
                description=c.description.strip(),
                weight=c.weight,
                scale_max=c.scale_max,
                anchors=list(c.anchors),
            )
            for position, c in enumerate(criteria)
        ]
        for item in [*new_questions, *new_criteria]:
            item.clean_fields(exclude=["template"])  # the template is locked above
        TemplateQuestion.objects.bulk_create(new_questions)
        RubricCriterion.objects.bulk_create(new_criteria)
        services.template_bump_version(template=template)
    logger.info("plan saved", extra={"template_id": template_id, "version": template.version})
    return template
