"""Evaluations in admin: read-only, each criterion's score with its evidence (opening one is audited),
and the interview list's action that evaluates again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from interviews.compliance import services as rights_services
from interviews.compliance.admin import ReadOnlyAdmin
from interviews.compliance.models import AuditEntry
from interviews.evaluation.services import evaluation_request
from interviews.evaluation.tasks import evaluation_start
from interviews.models import CriterionScore, Evaluation, Interview


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
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["interview", "status", "evaluator", "model_name", "rubric_version", "overall_score", "updated_at"]
    list_filter = ["status", "evaluator", "recommendation"]
    list_select_related = ["interview__template"]
    search_fields = ["interview__candidate_name"]
    inlines = [CriterionScoreInline]
    deletable = True

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


@admin.action(description="Re-run the evaluation (in the background)", permissions=["change"])
def rerun_evaluation(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Interview]) -> None:
    started = 0
    for interview in queryset.exclude(status__in=Interview.OPEN_STATUSES):
        evaluation_request(interview_id=interview.pk)
        evaluation_start(interview_id=interview.pk)
        started += 1
    skipped = queryset.count() - started
    model_admin.message_user(
        request,
        f"Evaluation started for {started} interview(s)"
        + (f"; {skipped} still open were skipped." if skipped else "."),
        messages.SUCCESS if started else messages.WARNING,
    )
