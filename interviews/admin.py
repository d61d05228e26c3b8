"""Recruiter review in Django admin: templates with their plan and rubric, invites, and interview review."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from interviews import provider_settings, reports, selectors, services
from interviews.compliance import admin as rights_admin
from interviews.compliance import services as rights_services
from interviews.compliance.forms import DecisionFormMixin
from interviews.compliance.models import AuditEntry, CandidateRequest
from interviews.evaluation import HEURISTIC_NOTICE, evaluation_request, evaluation_start, evaluation_to_dict
from interviews.evaluation.forms import RubricCriterionForm
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
from interviews.recruiting import forms as recruiting_forms
from interviews.recruiting import selectors as recruiting_selectors
from interviews.recruiting import services as recruiting_services
from interviews.recruiting.invite_admin import InviteLinksAdmin, add_query, invite_url

# --- templates and invites ---------------------------------------------------------------------


class TemplateQuestionInline(admin.TabularInline):
    model = TemplateQuestion
    extra = 0
    fields = ["position", "text", "follow_up_depth", "time_limit_seconds"]


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    form = RubricCriterionForm  # anchors one per line, as many as the scale's points
    extra = 0
    fields = ["position", "name", "description", "weight", "scale_max", "anchors"]


@admin.register(InterviewTemplate)
class InterviewTemplateAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "role",
        "language",
        "time_limit_minutes",
        "version",
        "question_count",
        "candidates_link",
    ]
    list_filter = ["language"]
    search_fields = ["title", "slug", "role"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "role", "language", "time_limit_minutes", "hands_free"]}),
        ("What the interviewer knows", {"fields": ["job_description", "persona", "what_happens_next", "voice_id"]}),
        ("Versioning", {"fields": ["version", "created_at", "updated_at"]}),
    ]
    inlines = [TemplateQuestionInline, RubricCriterionInline]
    actions = ["create_invite", "bulk_invite", rights_admin.export_adverse_impact]
    change_form_template = "admin/interviews/interviewtemplate/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[InterviewTemplate]:
        return super().get_queryset(request).annotate(question_total=Count("questions", distinct=True))

    @admin.display(description="Questions", ordering="question_total")
    def question_count(self, obj: InterviewTemplate) -> int:
        return obj.question_total  # type: ignore[attr-defined]

    @admin.display(description="Candidates")
    def candidates_link(self, obj: InterviewTemplate) -> str:
        return format_html('<a href="{}">Compare</a>', reverse("recruiter:template_compare", args=[obj.pk]))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Only the form and its formsets know whether anything changed (a save without edits is no new version).
        if change and (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            services.template_bump_version(template=form.instance)

    def _one(self, request: HttpRequest, queryset: QuerySet[InterviewTemplate]) -> InterviewTemplate | None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one template.", messages.WARNING)
            return None
        return queryset.get()

    @admin.action(description="Invite a candidate", permissions=["invite"])
    def create_invite(self, request: HttpRequest, queryset: QuerySet[InterviewTemplate]) -> HttpResponse | None:
        template = self._one(request, queryset)
        if template is None:
            return None
        return HttpResponseRedirect(add_query(reverse("admin:interviews_interview_add"), template=template.pk))

    @admin.action(description="Invite candidates from a CSV file", permissions=["invite"])
    def bulk_invite(self, request: HttpRequest, queryset: QuerySet[InterviewTemplate]) -> HttpResponse | None:
        template = self._one(request, queryset)
        if template is None:
            return None
        return HttpResponseRedirect(add_query(reverse("admin:interviews_interview_bulk_invite"), template=template.pk))

    def has_invite_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("interviews.add_interview")

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:template_id>/draft-plan/",
                self.admin_site.admin_view(self.draft_plan_view),
                name="interviews_interviewtemplate_draft_plan",
            ),
            path(
                "<int:template_id>/preview/",
                self.admin_site.admin_view(require_POST(self.preview_view)),
                name="interviews_interviewtemplate_preview",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_invite": self.has_invite_permission(request),
            "can_draft": self.has_change_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def preview_view(self, request: HttpRequest, template_id: int) -> HttpResponse:
        """Create a staff-only test interview of the template and open its invite page."""
        if not self.has_invite_permission(request):
            raise PermissionDenied
        template = get_object_or_404(InterviewTemplate, pk=template_id)
        try:
            interview = recruiting_services.template_preview_create(
                template=template, staff_name=request.user.get_username()
            )
        except InterviewError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:interviews_interviewtemplate_change", args=[template_id]))
        return HttpResponseRedirect(reverse("interviews:invite", args=[interview.invite_token]))

    def draft_plan_view(self, request: HttpRequest, template_id: int) -> HttpResponse:
        """Draft questions and a rubric from the job description; the recruiter edits, then saves."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        template = get_object_or_404(
            InterviewTemplate.objects.annotate(
                question_total=Count("questions", distinct=True), criterion_total=Count("criteria", distinct=True)
            ),
            pk=template_id,
        )
        step = request.POST.get("step", "") if request.method == "POST" else ""
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "template_obj": template,
            "title": f"Draft questions and rubric: {template.title}",
            "has_plan": bool(template.question_total or template.criterion_total),  # type: ignore[attr-defined]
            "uses_model": provider_settings.structured_model_configured(),
            "model_name": self._model_name(),
            "error": "",
        }
        if step == "draft":
            try:
                draft = recruiting_services.template_plan_draft(template=template)
            except InterviewError as exc:
                context["error"] = exc.message
                return TemplateResponse(request, "admin/interviews/interviewtemplate/draft_plan.html", context)
            questions, criteria = recruiting_forms.plan_formsets(draft)
            save_form = recruiting_forms.PlanSaveForm(initial={"based_on_version": template.version})
            context.update(draft=draft, questions=questions, criteria=criteria, save_form=save_form)
        elif step == "save":
            questions = recruiting_forms.PlanQuestionFormSet(request.POST, prefix="questions")
            criteria = recruiting_forms.PlanCriterionFormSet(request.POST, prefix="criteria")
            save_form = recruiting_forms.PlanSaveForm(request.POST)
            if questions.is_valid() and criteria.is_valid() and save_form.is_valid():
                plan_questions, plan_criteria = recruiting_forms.plan_from_formsets(questions, criteria)
                try:
                    saved = recruiting_services.template_plan_apply(
                        template_id=template.pk,
                        questions=plan_questions,
                        criteria=plan_criteria,
                        based_on_version=save_form.cleaned_data["based_on_version"],
                        replace_existing=save_form.cleaned_data["replace_existing"],
                    )
                except InterviewError as exc:
                    context["error"] = exc.message
                else:
                    self.message_user(
                        request,
                        f"Saved {len(plan_questions)} questions and {len(plan_criteria)} criteria as version "
                        f"{saved.version}.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:interviews_interviewtemplate_change", args=[template.pk])
                    )
            else:
                context["error"] = "Some fields need fixing; see below."
            context.update(editing=True, questions=questions, criteria=criteria, save_form=save_form)
        return TemplateResponse(request, "admin/interviews/interviewtemplate/draft_plan.html", context)

    @staticmethod
    def _model_name() -> str:
        return settings.OPENAI_MODEL if provider_settings.structured_model_configured() else ""


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


class InterviewReviewForm(DecisionFormMixin):
    class Meta:
        model = Interview
        fields: list[str] = []


class OpenRequestFilter(admin.SimpleListFilter):
    title = "candidate requests"
    parameter_name = "requests"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open request (a person, an accommodation, data)"), ("human", "Asked for a person")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(open_requests__gt=0)
        if self.value() == "human":
            return queryset.filter(candidate_requests__kind=CandidateRequest.Kind.HUMAN).distinct()
        return queryset


@admin.register(Interview)
class InterviewAdmin(InviteLinksAdmin):
    form = InterviewReviewForm
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
        "rerun_evaluation",
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

    @admin.display(description="Requests", ordering="open_requests")
    def requests_flag(self, obj: Interview) -> str:
        count = obj.open_requests  # type: ignore[attr-defined]
        return f"{count} open" if count else ""

    @admin.display(description="Requests, decisions, holds")
    def rights(self, obj: Interview) -> str:
        return rights_admin.interview_rights_summary(obj)

    def save_model(self, request: HttpRequest, obj: Interview, form: Any, change: bool) -> None:
        """A decision goes through the service that records who, when and why (and answers an open
        reconsideration request); the notes are saved as they are."""
        if change and isinstance(form, InterviewReviewForm) and form.decision_changed():
            reconsideration = CandidateRequest.objects.filter(
                interview_id=obj.pk, kind=CandidateRequest.Kind.RECONSIDERATION, resolved_at__isnull=True
            ).first()
            rights_services.decision_record(
                interview_id=obj.pk,
                user=request.user,
                reason=form.cleaned_data["decision_reason"],
                outcome=obj.recruiter_decision if "recruiter_decision" in form.changed_data else "",
                verdict=form.cleaned_data["ai_verdict"] or "advice_considered",
                override_recommendation=form.cleaned_data["override_recommendation"],
                answers_request_id=reconsideration.pk if reconsideration else None,
            )
        super().save_model(request, obj, form, change)

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
            reason = "revoked" if obj.end_reason == services.REVOKED else obj.get_status_display().lower()
            return f"(closed: {reason})"
        # static/recruiter/invite-link.js selects and copies it (loaded by the change form's template).
        return format_html(
            '<input id="invite-url" class="invite-url" type="text" readonly value="{}" aria-label="Invite link">'
            ' <button type="button" class="button" id="copy-invite">Copy link</button>'
            ' <span id="copy-status" role="status"></span>',
            invite_url(obj),
        )

    # --- inviting: one candidate, a CSV of them, and what happens to a link afterwards -------------

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
            path(
                "<int:interview_id>/candidate-data.zip",
                view(lambda request, interview_id: rights_admin.bundle_view(self, request, interview_id)),
                name="interviews_interview_bundle",
            ),
            path(
                "<int:interview_id>/erase/",
                view(lambda request, interview_id: rights_admin.erase_view(self, request, interview_id)),
                name="interviews_interview_erase",
            ),
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
            ) + rights_admin.rights_buttons(request, extra_context["review_interview"])
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


# --- read-only views of the rest ---------------------------------------------------------------


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0
    can_delete = False
    fields = ("criterion", "score_shown", "weight", "evidence", "rationale")
    readonly_fields = fields

    @admin.display(description="Score")
    def score_shown(self, obj: CriterionScore) -> str:
        return "not assessed" if obj.score is None else f"{obj.score}/{obj.scale_max}"

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

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        interview_id = Evaluation.objects.filter(pk=object_id).values_list("interview_id", flat=True).first()
        if response.status_code == 200 and interview_id is not None:
            rights_services.audit_record(
                user=request.user, action=AuditEntry.Action.VIEW_EVALUATION, interview_id=interview_id
            )
        return response


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
