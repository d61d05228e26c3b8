"""Recruiter review in Django admin: templates with their plan and rubric, invites, and interview review."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from interviews import reports, selectors, services
from interviews.evaluation import HEURISTIC_NOTICE, evaluation_request, evaluation_start, evaluation_to_dict
from interviews.exceptions import InterviewError
from interviews.models import (
    CriterionScore,
    Evaluation,
    Interview,
    InterviewTemplate,
    RubricCriterion,
    TemplateQuestion,
    Turn,
)

# --- templates and invites ---------------------------------------------------------------------


class TemplateQuestionInline(admin.TabularInline):
    model = TemplateQuestion
    extra = 0
    fields = ["position", "text", "follow_up_depth", "time_limit_seconds"]


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0
    fields = ["position", "name", "description", "weight", "scale_max"]


class InviteForm(forms.Form):
    candidate_name = forms.CharField(max_length=200)
    candidate_email = forms.EmailField(required=False)
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=90, initial=lambda: settings.INTERVIEW["DEFAULT_EXPIRY_DAYS"]
    )


def invite_url(interview: Interview) -> str:
    return settings.PUBLIC_BASE_URL + reverse("interviews:invite", args=[interview.invite_token])


@admin.register(InterviewTemplate)
class InterviewTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "role", "language", "time_limit_minutes", "version", "question_count"]
    list_filter = ["language"]
    search_fields = ["title", "slug", "role"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "role", "language", "time_limit_minutes", "hands_free"]}),
        ("What the interviewer knows", {"fields": ["job_description", "persona", "voice_id"]}),
        ("Versioning", {"fields": ["version", "created_at", "updated_at"]}),
    ]
    inlines = [TemplateQuestionInline, RubricCriterionInline]
    actions = ["create_invite"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InterviewTemplate]:
        return super().get_queryset(request).annotate(question_total=Count("questions", distinct=True))

    @admin.display(description="Questions", ordering="question_total")
    def question_count(self, obj: InterviewTemplate) -> int:
        return obj.question_total  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Only the form and its formsets know whether anything changed (a save without edits is no new version).
        if change and (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            services.template_bump_version(template=form.instance)

    @admin.action(description="Create an invite link for a candidate", permissions=["invite"])
    def create_invite(self, request: HttpRequest, queryset: QuerySet[InterviewTemplate]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one template to invite a candidate to.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:interviews_interviewtemplate_invite", args=[queryset.get().pk]))

    def has_invite_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("interviews.add_interview")

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:template_id>/invite/",
                self.admin_site.admin_view(self.invite_view),
                name="interviews_interviewtemplate_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request: HttpRequest, template_id: int) -> HttpResponse:
        if not self.has_invite_permission(request):
            raise PermissionDenied
        template = get_object_or_404(InterviewTemplate, pk=template_id)
        form = InviteForm(request.POST or None)
        interview: Interview | None = None
        if request.method == "POST" and form.is_valid():
            try:
                interview = services.interview_create(
                    template=template,
                    candidate_name=form.cleaned_data["candidate_name"],
                    candidate_email=form.cleaned_data["candidate_email"] or "",
                    expires_in=timedelta(days=form.cleaned_data["expires_in_days"]),
                )
            except InterviewError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                form.add_error(None, "; ".join(exc.messages))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Invite a candidate: {template.title}",
            "template_obj": template,
            "form": form,
            "interview": interview,
            "invite_url": invite_url(interview) if interview else "",
        }
        return TemplateResponse(request, "admin/interviews/interviewtemplate/invite.html", context)


# --- interviews --------------------------------------------------------------------------------


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
class InterviewAdmin(admin.ModelAdmin):
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
    ]
    list_filter = ["status", "template", "created_at", "recruiter_decision", "evaluation__recommendation"]
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
                ]
            },
        ),
        ("Times", {"fields": ["created_at", "consented_at", "started_at", "ended_at", "expires_at"]}),
        ("Your decision", {"fields": ["recruiter_decision", "recruiter_notes"]}),
    ]
    readonly_fields = [
        "candidate_name",
        "candidate_email",
        "template",
        "template_version",
        "status",
        "end_reason",
        "invite_link",
        "created_at",
        "consented_at",
        "started_at",
        "ended_at",
        "expires_at",
    ]
    change_form_template = "admin/interviews/interview/change_form.html"
    actions = ["rerun_evaluation", "export_json", "export_report"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Interview]:
        return (
            super()
            .get_queryset(request)
            .select_related("template", "evaluation")
            .annotate(turn_total=Count("turns", distinct=True))
            .prefetch_related(latency_turns())
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # interviews are created from a template's "Create an invite link" action

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

    @admin.display(description="Score", ordering="evaluation__overall_score")
    def overall_score(self, obj: Interview) -> str:
        try:
            evaluation = obj.evaluation
        except ObjectDoesNotExist:
            return "—"
        if evaluation.status == Evaluation.Status.FAILED:
            return "failed"
        if evaluation.overall_score is None:
            return evaluation.status
        suffix = " (heuristic)" if evaluation.evaluator == Evaluation.Evaluator.HEURISTIC else ""
        return f"{evaluation.overall_score:.0f}%{suffix}"

    @admin.display(description="Invite link")
    def invite_link(self, obj: Interview) -> str:
        return invite_url(obj) if obj.is_open else "(closed)"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if object_id.isdigit() and Interview.objects.filter(pk=int(object_id)).exists():
            extra_context.update(self._review_context(int(object_id)))
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

    @admin.action(description="Re-run the evaluation (in the background)", permissions=["change"])
    def rerun_evaluation(self, request: HttpRequest, queryset: QuerySet[Interview]) -> None:
        started = 0
        for interview in queryset.exclude(status__in=Interview.OPEN_STATUSES):
            evaluation_request(interview_id=interview.pk)
            evaluation_start(interview_id=interview.pk)
            started += 1
        skipped = queryset.count() - started
        self.message_user(
            request,
            f"Evaluation started for {started} interview(s)"
            + (f"; {skipped} still open were skipped." if skipped else "."),
            messages.SUCCESS if started else messages.WARNING,
        )

    @admin.action(description="Export as JSON", permissions=["view"])
    def export_json(self, request: HttpRequest, queryset: QuerySet[Interview]) -> HttpResponse:
        exports = [reports.interview_export(interview_id=pk) for pk in queryset.values_list("pk", flat=True)]
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
        response = HttpResponse(html)
        response["Content-Disposition"] = f'attachment; filename="interview-{queryset.get().pk}.html"'
        return response


# --- read-only views of the rest ---------------------------------------------------------------


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0
    can_delete = False
    fields = ("criterion", "score", "scale_max", "weight", "evidence", "rationale")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["interview", "status", "evaluator", "model_name", "rubric_version", "overall_score", "updated_at"]
    list_filter = ["status", "evaluator", "recommendation"]
    list_select_related = ["interview__template"]
    search_fields = ["interview__candidate_name"]
    inlines = [CriterionScoreInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ["interview", "index", "speaker", "interrupted", "first_audio_sent_ms"]
    list_filter = ["speaker"]
    list_select_related = ["interview__template"]
    exclude = ["audio"]  # served only through the permission-checked recruiter view

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
