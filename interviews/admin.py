"""Recruiter review in Django admin, where Django looks for it: the interviews (list, review page,
invites and exports) and their turns. The rest of the app's admin lives with its package and is
registered by the imports below: templates (recruiting.template_admin), evaluations
(evaluation.admin), candidate rights and their records (compliance.admin)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from interviews import reports, selectors, services
from interviews.compliance import admin as compliance_admin  # noqa: F401 (imported for the admin it registers)
from interviews.compliance import services as rights_services
from interviews.compliance.admin import ReadOnlyAdmin
from interviews.compliance.models import AuditEntry
from interviews.compliance.rights_admin import CandidateRightsAdmin, OpenRequestFilter
from interviews.evaluation import HEURISTIC_NOTICE, evaluation_to_dict
from interviews.evaluation import admin as evaluation_admin
from interviews.exceptions import InterviewError
from interviews.models import Evaluation, Interview, Turn
from interviews.recruiting import forms as recruiting_forms
from interviews.recruiting import (
    links,
    template_admin,  # noqa: F401 (imported for the admin it registers)
)
from interviews.recruiting import selectors as recruiting_selectors
from interviews.recruiting.invite_admin import InviteLinksAdmin, invite_url


def latency_turns() -> Prefetch[Any, Any, Any]:
    """The measured interviewer turns' first-audio latency, for the list's median column in one query."""
    return Prefetch(
        "turns",
        queryset=Turn.objects.filter(speaker=Turn.Speaker.INTERVIEWER, is_greeting=False).only(
            "id", "interview_id", "first_audio_sent_ms"
        ),
        to_attr="measured_turns",
    )


@admin.register(Interview)
class InterviewAdmin(InviteLinksAdmin, CandidateRightsAdmin):
    """Link operations and bulk invites come from InviteLinksAdmin (recruiting.invite_admin); the
    decision form, requests and data-rights views from CandidateRightsAdmin (compliance.rights_admin)."""

    list_display = [
        "candidate_name",
        "template",
        "status",
        "created_at",
        "duration",
        "turn_count",
        "median_latency",
        "overall_score",
        "recruiter_decision",
        "requests_flag",
    ]
    list_filter = [
        OpenRequestFilter,
        "status",
        "template",
        "created_at",
        "recruiter_decision",
        "evaluation__recommendation",
        "is_test",
    ]
    date_hierarchy = "created_at"
    search_fields = ["candidate_name", "candidate_email"]
    list_select_related = ["template", "evaluation"]
    fieldsets = [
        (
            "Interview",
            {
                "fields": [
                    "candidate_name",
                    "candidate_email",
                    "template",
                    "template_version",
                    "status",
                    "end_reason",
                    "invite_link",
                    "is_test",
                    "retake_of",
                ]
            },
        ),
        (
            "Times",
            {"fields": ["created_at", "invite_sent_at", "consented_at", "started_at", "ended_at", "expires_at"]},
        ),
        (
            "Your decision",
            {
                "description": "The AI evaluation above is advice, never the decision: you decide. Every decision "
                "is recorded with your name, the time and your reason; the AI evaluation is kept as it was.",
                "fields": [
                    "recruiter_decision",
                    "ai_verdict",
                    "override_recommendation",
                    "decision_reason",
                    "recruiter_notes",
                ],
            },
        ),
        ("Candidate rights", {"fields": ["rights"]}),
    ]
    readonly_fields = [
        "candidate_name",
        "candidate_email",
        "template",
        "template_version",
        "status",
        "end_reason",
        "invite_link",
        "is_test",
        "retake_of",
        "created_at",
        "invite_sent_at",
        "consented_at",
        "started_at",
        "ended_at",
        "expires_at",
        "rights",
    ]
    change_form_template = "admin/interviews/interview/change_form.html"
    change_list_template = "admin/interviews/interview/change_list.html"
    actions = [
        "send_invite",
        "extend_link",
        "revoke_link",
        "issue_fresh_link",
        evaluation_admin.rerun_evaluation,
        "export_json",
        "export_report",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Interview]:
        return (
            super()
            .get_queryset(request)
            .select_related("template", "evaluation")
            .annotate(
                turn_total=Count("turns", distinct=True),
                open_requests=Count(
                    "candidate_requests", filter=Q(candidate_requests__resolved_at__isnull=True), distinct=True
                ),
            )
            .prefetch_related(latency_turns())
        )

    @admin.display(description="Duration")
    def duration(self, obj: Interview) -> str:
        return reports.format_duration(reports.duration_seconds(obj)) if obj.started_at else "—"

    @admin.display(description="Turns", ordering="turn_total")
    def turn_count(self, obj: Interview) -> int:
        return obj.turn_total  # type: ignore[attr-defined]

    @admin.display(description="Median latency (ms)")
    def median_latency(self, obj: Interview) -> str:
        median = reports.median_first_audio_ms([t.first_audio_sent_ms for t in obj.measured_turns])  # type: ignore[attr-defined]
        return "—" if median is None else f"{median:.0f}"

    @admin.display(description="Score (AI advice)", ordering="evaluation__overall_score")
    def overall_score(self, obj: Interview) -> str:
        try:
            evaluation = obj.evaluation
        except ObjectDoesNotExist:
            return "—"
        if evaluation.status == Evaluation.Status.FAILED:
            return "failed"
        if evaluation.overall_score is None:
            # A finished evaluation without an overall score assessed no criterion at all.
            return "not assessed" if evaluation.status == Evaluation.Status.DONE else evaluation.status
        suffix = " (heuristic)" if evaluation.evaluator == Evaluation.Evaluator.HEURISTIC else ""
        return f"{evaluation.overall_score:.0f}%{suffix}"

    @admin.display(description="Invite link")
    def invite_link(self, obj: Interview) -> str:
        if not recruiting_selectors.interview_link_is_live(interview=obj):
            reason = "revoked" if obj.end_reason == links.REVOKED else obj.get_status_display().lower()
            return f"(closed: {reason})"
        # static/recruiter/invite-link.js selects and copies it (loaded by the change form's template).
        return format_html(
            '<input id="invite-url" class="invite-url" type="text" readonly value="{}" aria-label="Invite link">'
            ' <button type="button" class="button" id="copy-invite">Copy link</button>'
            ' <span id="copy-status" role="status"></span>',
            invite_url(obj),
        )

    # --- its own pages (invites, link operations, data rights), the add page and the review page -------

    def get_urls(self) -> list[Any]:
        def view(function: Any) -> Any:
            return self.admin_site.admin_view(function)

        return [
            path("bulk-invite/", view(self.bulk_upload_view), name="interviews_interview_bulk_invite"),
            path("bulk-invite/<int:batch_id>/", view(self.bulk_batch_view), name="interviews_interview_bulk_batch"),
            path(
                "bulk-invite/<int:batch_id>/links.csv",
                view(self.bulk_links_view),
                name="interviews_interview_bulk_links",
            ),
            path("links/<str:operation>/", view(self.link_operation_view), name="interviews_interview_links"),
            path("<int:interview_id>/candidate-data.zip", view(self.bundle_view), name="interviews_interview_bundle"),
            path("<int:interview_id>/erase/", view(self.erase_view), name="interviews_interview_erase"),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Invite one candidate: the service makes the interview, the change page shows its link."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"template": request.GET.get("template")} if request.GET.get("template", "").isdigit() else {}
        form = recruiting_forms.InterviewAddForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                interview = services.interview_create(
                    template=data["template"],
                    candidate_name=data["candidate_name"],
                    candidate_email=data["candidate_email"] or "",
                    expires_in=timedelta(days=data["expires_in_days"]),
                )
            except InterviewError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                form.add_error(None, "; ".join(exc.messages))
            else:
                self.log_addition(request, interview, [{"added": {}}])
                self.message_user(request, f"Invite created for {interview.candidate_name}.", messages.SUCCESS)
                if data["send_invite"]:
                    self._send(request, [interview.pk])
                return HttpResponseRedirect(reverse("admin:interviews_interview_change", args=[interview.pk]))
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "opts": self.opts,
            "title": "Invite a candidate",
            "form": form,
        }
        return TemplateResponse(request, "admin/interviews/interview/add_form.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if object_id.isdigit() and Interview.objects.filter(pk=int(object_id)).exists():
            extra_context.update(self._review_context(int(object_id)))
            extra_context["link_operations"] = self._link_buttons(
                request, extra_context["review_interview"]
            ) + self._rights_buttons(request, extra_context["review_interview"])
            if request.method == "GET" and self.has_view_permission(request):
                rights_services.audit_record(
                    user=request.user, action=AuditEntry.Action.VIEW_REVIEW, interview_id=int(object_id)
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def _review_context(self, interview_id: int) -> dict[str, Any]:
        interview = selectors.interview_get_for_review(interview_id=interview_id)
        turns = list(interview.turns.all())
        summary = reports.latency_summary(turns)
        measured = reports.measured_turns(turns)
        latency_rows = [
            {"turn": t.index, "values": [getattr(t, name) for name, _label in reports.LATENCY_FIELDS]} for t in measured
        ]
        return {
            "review_turns": [
                {
                    "turn": t,
                    "audio_url": reverse("recruiter:turn_audio", args=[t.pk]) if t.audio else "",
                }
                for t in turns
            ],
            "has_audio": any(t.audio for t in turns),
            "recording_url": reverse("recruiter:interview_recording", args=[interview_id]),
            "report_url": reverse("recruiter:interview_report", args=[interview_id]),
            "monitor_url": reverse("recruiter:monitor_detail", args=[interview_id]),
            "latency_labels": [label for _name, label in reports.LATENCY_FIELDS],
            "latency_rows": latency_rows,
            "latency_p50": [summary[name]["p50"] for name, _label in reports.LATENCY_FIELDS],
            "latency_p95": [summary[name]["p95"] for name, _label in reports.LATENCY_FIELDS],
            "evaluation": evaluation_to_dict(selectors.interview_evaluation(interview=interview)),
            "heuristic_notice": HEURISTIC_NOTICE,
            "review_interview": interview,
        }

    @admin.action(description="Export as JSON", permissions=["view"])
    def export_json(self, request: HttpRequest, queryset: QuerySet[Interview]) -> HttpResponse:
        exports = [reports.interview_export(interview_id=pk) for pk in queryset.values_list("pk", flat=True)]
        rights_services.audit_record_many(
            user=request.user,
            action=AuditEntry.Action.EXPORT,
            interview_ids=[export["interview"]["id"] for export in exports],
            detail="admin JSON",
        )
        body = exports[0] if len(exports) == 1 else exports
        response = HttpResponse(json.dumps(body, indent=2, ensure_ascii=False), content_type="application/json")
        name = f"interview-{exports[0]['interview']['id']}" if len(exports) == 1 else "interviews"
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response

    @admin.action(description="Download the printable report (HTML)", permissions=["view"])
    def export_report(self, request: HttpRequest, queryset: QuerySet[Interview]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one interview for a report.", messages.WARNING)
            return None
        html = reports.render_html(reports.interview_export(interview_id=queryset.get().pk), request=request)
        rights_services.audit_record(
            user=request.user, action=AuditEntry.Action.EXPORT, interview_id=queryset.get().pk, detail="admin HTML"
        )
        response = HttpResponse(html)
        response["Content-Disposition"] = f'attachment; filename="interview-{queryset.get().pk}.html"'
        return response


# --- turns, read-only ---------------------------------------------------------------------------


@admin.register(Turn)
class TurnAdmin(ReadOnlyAdmin):
    list_display = ["interview", "index", "speaker", "interrupted", "first_audio_sent_ms"]
    list_filter = ["speaker"]
    list_select_related = ["interview__template"]
    exclude = ["audio"]  # served only through the permission-checked recruiter view
    deletable = True

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        turn = Turn.objects.filter(pk=object_id).values("interview_id", "index").first()
        if response.status_code == 200 and turn is not None:
            rights_services.audit_record(
                user=request.user,
                action=AuditEntry.Action.VIEW_TRANSCRIPT,
                interview_id=turn["interview_id"],
                detail=f"turn {turn['index']}",
            )
        return response
