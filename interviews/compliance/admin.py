"""Staff side of candidate rights in admin: the queue of candidate requests, decisions, erasures,
legal holds, retention policies and the audit log (read-only, exportable), and the templates'
adverse-impact export. The interview admin's side of it is in rights_admin.py."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from interviews.compliance import retention, services
from interviews.compliance.adverse_impact import COLUMNS as ADVERSE_IMPACT_COLUMNS
from interviews.compliance.adverse_impact import adverse_impact_csv_rows
from interviews.compliance.models import (
    AuditEntry,
    CandidateRequest,
    Erasure,
    HumanDecision,
    LegalHold,
    RetentionPolicy,
)
from interviews.models import InterviewTemplate
from interviews.recruiting.csv_invites import write_csv

DEMOGRAPHICS_PERMISSION = "interviews.view_demographicresponse"


def _interview_link(interview_id: int | None) -> str:
    if interview_id is None:
        return "—"
    return format_html(
        '<a href="{}">Interview {}</a>', reverse("admin:interviews_interview_change", args=[interview_id]), interview_id
    )


def _csv_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the queue of candidate requests --------------------------------------------------------------


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open"), ("overdue", "Open and overdue"), ("resolved", "Answered")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(resolved_at__isnull=True, due_at__lt=timezone.now())
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(CandidateRequest)
class CandidateRequestAdmin(admin.ModelAdmin):
    """Open requests first, soonest due first; answering one records who, when and what was done."""

    list_display = ["received_at", "kind", "source", "candidate", "due_at", "state"]
    list_filter = [OpenFilter, "kind", "source"]
    list_select_related = ["interview__template"]
    search_fields = ["interview__candidate_name", "interview__candidate_email"]
    raw_id_fields = ["interview"]

    @admin.display(description="Candidate")
    def candidate(self, obj: CandidateRequest) -> str:
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:interviews_interview_change", args=[obj.interview_id]),
            obj.interview.candidate_name,
            obj.interview.template.title,
        )

    @admin.display(description="State")
    def state(self, obj: CandidateRequest) -> str:
        if obj.resolved_at is not None:
            return f"answered {obj.resolved_at:%Y-%m-%d}"
        return "OVERDUE" if obj.is_overdue else "open"

    def get_fields(self, request: HttpRequest, obj: CandidateRequest | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:  # staff logging a request that came by email, phone or letter
            return ["interview", "kind", "text"]
        return [
            "interview",
            "kind",
            "source",
            "text",
            "received_at",
            "due_at",
            "resolved_at",
            "resolved_by",
            "resolution",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: CandidateRequest | None = None) -> list[str]:
        if obj is None:
            return []
        fixed = ["interview", "kind", "source", "text", "received_at", "due_at", "resolved_at", "resolved_by"]
        return fixed if obj.resolved_at is None else [*fixed, "resolution"]

    def save_model(self, request: HttpRequest, obj: CandidateRequest, form: Any, change: bool) -> None:
        if not change:
            created = services.candidate_request_create(
                interview=obj.interview,
                kind=obj.kind,
                source=CandidateRequest.Source.STAFF,
                text=obj.text,
                user=request.user,
            )
            obj.pk, obj.source, obj.received_at, obj.due_at = (
                created.pk,
                created.source,
                created.received_at,
                created.due_at,
            )
            return
        if "resolution" in form.changed_data and obj.resolution.strip():
            services.candidate_request_resolve(request_id=obj.pk, user=request.user, resolution=obj.resolution)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- records that are read, never edited -----------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records admin shows and never edits; `deletable` ones (turns, evaluations) may still be deleted."""

    deletable = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)


@admin.register(HumanDecision)
class HumanDecisionAdmin(ReadOnlyAdmin):
    list_display = ["decided_at", "decided_by_name", "interview", "outcome", "verdict", "ai_recommendation"]
    list_filter = ["verdict", "outcome"]
    list_select_related = ["interview__template"]
    search_fields = ["interview__candidate_name", "decided_by_name"]


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ["erased_at", "erased_by_name", "interview", "turns_deleted", "audio_files_deleted"]
    list_select_related = ["interview__template"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "interview", "detail"]
    list_filter = ["action"]
    date_hierarchy = "at"
    search_fields = ["username", "=interview_id"]
    actions = ["export_csv"]

    @admin.display(description="Interview")
    def interview(self, obj: AuditEntry) -> str:
        return _interview_link(obj.interview_id)

    @admin.action(description="Export the selected entries as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> HttpResponse:
        rows = [
            [e.at.isoformat(), e.user_id or "", e.username, e.action, e.interview_id or "", e.detail]
            for e in queryset.order_by("at", "id")
        ]
        services.audit_record(
            user=request.user, action=AuditEntry.Action.EXPORT_AUDIT_LOG, detail=f"{len(rows)} entries"
        )
        body = write_csv(["at", "user_id", "username", "action", "interview_id", "detail"], rows)
        return _csv_response(body, f"audit-log-{timezone.now():%Y%m%d}.csv")


# --- legal holds and retention ---------------------------------------------------------------------


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["placed_at", "target", "placed_by_name", "reason", "released_at"]
    list_filter = ["released_at"]
    raw_id_fields = ["interview"]

    @admin.display(description="On")
    def target(self, obj: LegalHold) -> str:
        return _interview_link(obj.interview_id) if obj.interview_id else f"template: {obj.template}"

    def get_fields(self, request: HttpRequest, obj: LegalHold | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return ["interview", "template", "reason"]
        return [
            "interview",
            "template",
            "reason",
            "placed_by_name",
            "placed_at",
            "released_at",
            "released_by_name",
            "release_reason",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: LegalHold | None = None) -> list[str]:
        if obj is None:
            return []
        fixed = ["interview", "template", "reason", "placed_by_name", "placed_at", "released_at", "released_by_name"]
        return fixed if obj.released_at is None else [*fixed, "release_reason"]

    def save_model(self, request: HttpRequest, obj: LegalHold, form: Any, change: bool) -> None:
        if not change:
            hold = retention.legal_hold_place(
                user=request.user, reason=obj.reason, interview=obj.interview, template=obj.template
            )
            obj.pk, obj.placed_by_name, obj.placed_at = hold.pk, hold.placed_by_name, hold.placed_at
            return
        if "release_reason" in form.changed_data and obj.release_reason.strip():
            retention.legal_hold_release(hold_id=obj.pk, user=request.user, reason=obj.release_reason)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["template", "audio_days", "transcript_days", "note", "updated_at"]
    list_select_related = ["template"]


# --- the templates' adverse-impact export ---------------------------------------------------------


@admin.action(description="Export adverse-impact data (CSV: selection and scoring rates, impact ratios)")
def export_adverse_impact(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[InterviewTemplate]
) -> HttpResponse:
    if not request.user.has_perm(DEMOGRAPHICS_PERMISSION):
        raise PermissionDenied
    templates = list(queryset.order_by("title"))
    rows = adverse_impact_csv_rows(templates=templates)
    services.audit_record(
        user=request.user,
        action=AuditEntry.Action.EXPORT_ADVERSE_IMPACT,
        detail="templates " + ",".join(str(t.pk) for t in templates),
    )
    return _csv_response(write_csv(ADVERSE_IMPACT_COLUMNS, rows), f"adverse-impact-{timezone.now():%Y%m%d}.csv")
