"""Invite links in admin: email, extend, revoke and fresh links, and bulk invites from a CSV.

InterviewAdmin takes these views and actions from InviteLinksAdmin; every write goes through
services (recruiting.links, recruiting.services)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from interviews.exceptions import InterviewError
from interviews.models import (
    Interview,
)
from interviews.recruiting import forms as recruiting_forms
from interviews.recruiting import links
from interviews.recruiting import selectors as recruiting_selectors
from interviews.recruiting import services as recruiting_services
from interviews.recruiting.csv_invites import MAX_FILE_BYTES, write_csv


def invite_url(interview: Interview) -> str:
    return recruiting_selectors.interview_invite_url(interview=interview)


def add_query(url: str, **params: object) -> str:
    return f"{url}?{urlencode(params)}"


MESSAGES_SHOWN = 10  # problems listed one by one after a bulk operation; the rest are counted
VALID_ROWS_SHOWN = 200  # of a CSV preview's valid rows (every row with a problem is always shown)


@dataclass(frozen=True)
class LinkOperation:
    key: str
    title: str
    button: str  # on the interview's change page
    done: str  # for the admin's history
    statuses: tuple[str, ...]  # where the change page offers it (the service has the final word)
    what: str  # what the confirmation page says will happen

    def applies(self, interview: Interview) -> bool:
        if self.key == "send":
            return bool(interview.candidate_email) and not interview.is_test and interview.status in self.statuses
        if self.key == "extend" and interview.end_reason == links.REVOKED:
            return False
        return interview.status in self.statuses

    def note(self, interview: Interview) -> str:
        """What the confirmation page should point out about one interview."""
        if self.key == "revoke" and interview.status == Interview.Status.IN_PROGRESS:
            return "in progress: the candidate's session ends within 30 seconds"
        if self.key == "send" and not interview.candidate_email:
            return "no email address: skipped"
        if interview.status not in self.statuses:
            return f"{interview.get_status_display().lower()}: skipped"
        return ""

    def summary(self, count: int) -> str:
        return f"{self.done}: {count} interview(s)."


LINK_OPERATIONS = {
    "send": LinkOperation(
        key="send",
        title="Email the invite link",
        button="Email the invite",
        done="Invite emailed",
        statuses=(Interview.Status.INVITED, Interview.Status.IN_PROGRESS),
        what="Each candidate gets an email with their invite link, in the interview's language.",
    ),
    "extend": LinkOperation(
        key="extend",
        title="Extend the invite link",
        button="Extend the link",
        done="Link extended",
        statuses=(Interview.Status.INVITED, Interview.Status.EXPIRED),
        what="The link keeps its address and works longer; a link that ran out unused works again.",
    ),
    "revoke": LinkOperation(
        key="revoke",
        title="Revoke the invite link",
        button="Revoke the link",
        done="Link revoked",
        statuses=Interview.OPEN_STATUSES,
        what="The link stops working at once. An interview in progress is stopped: the candidate's session "
        "closes at its next write or heartbeat (within 30 seconds), and what was recorded is kept.",
    ),
    "fresh": LinkOperation(
        key="fresh",
        title="Issue a fresh invite link",
        button="Issue a fresh link",
        done="Fresh link issued",
        statuses=links.FRESH_LINK_STATUSES,
        what="An interview that never started gets a new link (the old one stays dead); one that had started "
        "keeps its recording, and the candidate gets a new interview.",
    ),
}


class InviteLinksAdmin(admin.ModelAdmin):
    """The link operations and bulk invites of the interview admin (a mixin of InterviewAdmin)."""

    def has_links_permission(self, request: HttpRequest, operation: str) -> bool:
        if operation == "fresh":
            return self.has_add_permission(request)
        return self.has_change_permission(request)

    def has_change_links_permission(self, request: HttpRequest) -> bool:
        return self.has_links_permission(request, "change")

    def has_fresh_links_permission(self, request: HttpRequest) -> bool:
        return self.has_links_permission(request, "fresh")

    @admin.action(description="Email the invite link", permissions=["change_links"])
    def send_invite(self, request: HttpRequest, queryset: QuerySet[Interview]) -> HttpResponse:
        return self.link_operation_view(request, "send", queryset=queryset)

    @admin.action(description="Extend the link's expiry", permissions=["change_links"])
    def extend_link(self, request: HttpRequest, queryset: QuerySet[Interview]) -> HttpResponse:
        return self.link_operation_view(request, "extend", queryset=queryset)

    @admin.action(description="Revoke the invite link", permissions=["change_links"])
    def revoke_link(self, request: HttpRequest, queryset: QuerySet[Interview]) -> HttpResponse:
        return self.link_operation_view(request, "revoke", queryset=queryset)

    @admin.action(description="Issue a fresh link (expired, abandoned or failed)", permissions=["fresh_links"])
    def issue_fresh_link(self, request: HttpRequest, queryset: QuerySet[Interview]) -> HttpResponse:
        return self.link_operation_view(request, "fresh", queryset=queryset)

    def link_operation_view(
        self, request: HttpRequest, operation: str, queryset: QuerySet[Interview] | None = None
    ) -> HttpResponse:
        """One confirmation page for what can happen to invite links (send, extend, revoke, fresh):
        the changelist's actions and the change page's buttons both come here, and only its own
        POST (with `confirm`) changes anything."""
        kind = LINK_OPERATIONS.get(operation)
        if kind is None:
            raise Http404("No such operation.")
        if not self.has_links_permission(request, operation):
            raise PermissionDenied
        if queryset is not None:
            ids = list(queryset.values_list("pk", flat=True))
        else:
            # One comma-separated field: thousands of selected interviews stay one form field.
            raw = request.POST.get("ids", "") if request.method == "POST" else request.GET.get("ids", "")
            ids = [int(part) for part in raw.split(",") if part.strip().isdigit()]
        interviews = list(Interview.objects.select_related("template").filter(pk__in=ids).order_by("candidate_name"))
        if not interviews:
            self.message_user(request, "No interviews were chosen.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:interviews_interview_changelist"))
        confirmed = queryset is None and request.method == "POST" and "confirm" in request.POST
        form = recruiting_forms.ExtendForm(request.POST if confirmed else None) if operation == "extend" else None
        if confirmed and (form is None or form.is_valid()):
            days = form.cleaned_data["days"] if form is not None else 0
            return self._run_link_operation(request, operation, interviews, days=days)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": kind.title,
            "operation": operation,
            "kind": kind,
            "form": form,
            "interviews": [(interview, kind.note(interview)) for interview in interviews],
            "ids": ",".join(str(interview.pk) for interview in interviews),
        }
        return TemplateResponse(request, "admin/interviews/interview/link_operation.html", context)

    def _run_link_operation(
        self, request: HttpRequest, operation: str, interviews: list[Interview], *, days: int
    ) -> HttpResponse:
        if operation == "send":
            sent = self._send(request, [interview.pk for interview in interviews])
            done = [interview.pk for interview in sent]
        else:
            done, problems = [], []
            for interview in interviews:
                try:
                    if operation == "extend":
                        result = links.interview_extend_expiry(interview_id=interview.pk, days=days)
                    elif operation == "revoke":
                        result = links.interview_revoke(interview_id=interview.pk)
                    else:
                        result = links.interview_issue_fresh_link(interview_id=interview.pk)
                except InterviewError as exc:
                    problems.append(exc.message)
                else:
                    done.append(result.pk)
                    self.log_change(request, result, f"{LINK_OPERATIONS[operation].done} (invite link)")
            if done:
                self.message_user(request, LINK_OPERATIONS[operation].summary(len(done)), messages.SUCCESS)
            self._report_problems(request, problems)
        if len(interviews) == 1 and done:
            return HttpResponseRedirect(reverse("admin:interviews_interview_change", args=[done[0]]))
        if len(interviews) == 1:
            return HttpResponseRedirect(reverse("admin:interviews_interview_change", args=[interviews[0].pk]))
        return HttpResponseRedirect(reverse("admin:interviews_interview_changelist"))

    def _send(self, request: HttpRequest, interview_ids: list[int]) -> list[Interview]:
        try:
            sent, problems = recruiting_services.interviews_send_invites(interview_ids=interview_ids)
        except InterviewError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return []
        if sent:
            self.message_user(request, f"Emailed the invite to {len(sent)} candidate(s).", messages.SUCCESS)
        self._report_problems(request, problems)
        return sent

    def _report_problems(self, request: HttpRequest, problems: list[str]) -> None:
        for problem in problems[:MESSAGES_SHOWN]:
            self.message_user(request, problem, messages.WARNING)
        if len(problems) > MESSAGES_SHOWN:
            self.message_user(request, f"… and {len(problems) - MESSAGES_SHOWN} more not done.", messages.WARNING)

    def bulk_upload_view(self, request: HttpRequest) -> HttpResponse:
        """Step 1 of inviting from a CSV: choose the template and the file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"template": request.GET.get("template")} if request.GET.get("template", "").isdigit() else {}
        form = recruiting_forms.BulkUploadForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = recruiting_services.invite_batch_upload(
                    template=form.cleaned_data["template"],
                    data=upload.read(MAX_FILE_BYTES + 1),  # one byte more: "too large" is said, not cut
                    filename=upload.name or "",
                    default_expiry_days=form.cleaned_data["expires_in_days"],
                    user=request.user,
                )
            except InterviewError as exc:
                form.add_error("file", exc.message)
            else:
                return HttpResponseRedirect(reverse("admin:interviews_interview_bulk_batch", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Invite candidates from a CSV file",
            "form": form,
        }
        return TemplateResponse(request, "admin/interviews/interview/bulk_upload.html", context)

    def bulk_batch_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        """Step 2: the preview with each row's problems, and the button that creates them all at
        once; afterwards, what was created and the CSV of links."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            batch = recruiting_selectors.invite_batch_get(batch_id=batch_id)
        except InterviewError as exc:
            raise Http404(exc.message) from exc
        error = ""
        if request.method == "POST" and batch.completed_at is None:
            form = recruiting_forms.BulkConfirmForm(request.POST)
            if form.is_valid():
                try:
                    batch = recruiting_services.invite_batch_confirm(
                        batch_id=batch.pk, expected=form.cleaned_data["expected"]
                    )
                except InterviewError as exc:
                    error = exc.message
                else:
                    created = batch.interviews.count()
                    self.message_user(request, f"Created {created} invite(s).", messages.SUCCESS)
                    if form.cleaned_data["send_invites"]:
                        self._send(request, list(batch.interviews.values_list("pk", flat=True)))
                    return HttpResponseRedirect(reverse("admin:interviews_interview_bulk_batch", args=[batch.pk]))
        elif request.method == "POST" and request.POST.get("send") == "unsent":
            unsent = batch.interviews.filter(invite_sent_at__isnull=True).exclude(candidate_email="")
            self._send(request, list(unsent.values_list("pk", flat=True)))
            return HttpResponseRedirect(reverse("admin:interviews_interview_bulk_batch", args=[batch.pk]))
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "batch": batch,
            "error": error,
        }
        if batch.completed_at is not None:
            interviews = batch.interviews.all()
            context.update(
                title=f"Invites created: {batch.template.title}",
                created=interviews.count(),
                unsent=interviews.filter(invite_sent_at__isnull=True).exclude(candidate_email="").count(),
            )
        else:
            candidates = recruiting_selectors.invite_batch_candidates(batch=batch)
            valid = candidates.valid
            context.update(
                title=f"Check the invites: {batch.template.title}",
                candidates=candidates,
                invalid=candidates.invalid,
                valid_shown=valid[:VALID_ROWS_SHOWN],
                valid_count=len(valid),
                valid_hidden=max(0, len(valid) - VALID_ROWS_SHOWN),
                default_expires_at=timezone.now() + timedelta(days=batch.default_expiry_days),
                form=recruiting_forms.BulkConfirmForm(initial={"expected": len(valid)}),
            )
        return TemplateResponse(request, "admin/interviews/interview/bulk_batch.html", context)

    def bulk_links_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        """Step 3: the invite links as a CSV (bearer credentials: never cached)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            batch = recruiting_selectors.invite_batch_get(batch_id=batch_id)
        except InterviewError as exc:
            raise Http404(exc.message) from exc
        rows = (
            [
                interview.candidate_name,
                interview.candidate_email,
                invite_url(interview),
                interview.expires_at.isoformat(timespec="minutes"),
                interview.pk,
            ]
            for interview in recruiting_selectors.interviews_for_links(batch=batch)
        )
        body = write_csv(["name", "email", "invite_link", "expires_at", "interview_id"], rows)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="invites-{batch.template.slug}-{batch.pk}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _link_buttons(self, request: HttpRequest, interview: Interview) -> list[dict[str, str]]:
        """The change page's buttons for what can happen to this interview's link now."""
        buttons = []
        for operation, kind in LINK_OPERATIONS.items():
            if kind.applies(interview) and self.has_links_permission(request, operation):
                url = add_query(reverse("admin:interviews_interview_links", args=[operation]), ids=interview.pk)
                buttons.append({"url": url, "label": kind.button})
        return buttons
