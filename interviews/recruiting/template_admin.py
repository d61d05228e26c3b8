"""Interview templates in admin: the plan (questions) and rubric, each edit a new version, a plan
drafted from the job description, a staff preview, and the way to invite candidates to one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from interviews import provider_settings, services
from interviews.compliance import admin as rights_admin
from interviews.evaluation.forms import RubricCriterionForm
from interviews.exceptions import InterviewError
from interviews.models import InterviewTemplate, RubricCriterion, TemplateQuestion
from interviews.recruiting import forms as recruiting_forms
from interviews.recruiting import services as recruiting_services
from interviews.recruiting.invite_admin import add_query


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
