"""The candidate-rights side of the interview admin: the decision form and how a decision is recorded,
open requests in the list, the change page's requests, decisions and holds, and its data-rights
views (the candidate's data as a zip, erasure). InterviewAdmin takes them from CandidateRightsAdmin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from interviews.compliance import services as rights_services
from interviews.compliance.bundle import interview_bundle
from interviews.compliance.erasure import interview_erase
from interviews.compliance.forms import DecisionFormMixin, ReasonForm
from interviews.compliance.models import AuditEntry, CandidateRequest, Erasure, HumanDecision, LegalHold
from interviews.exceptions import InterviewError
from interviews.models import Interview


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


class CandidateRightsAdmin(admin.ModelAdmin):
    """What InterviewAdmin shows and does for candidate rights (its URLs name the two views)."""

    form = InterviewReviewForm

    @admin.display(description="Requests", ordering="open_requests")
    def requests_flag(self, obj: Interview) -> str:
        count = obj.open_requests  # type: ignore[attr-defined]
        return f"{count} open" if count else ""

    @admin.display(description="Requests, decisions, holds")
    def rights(self, obj: Interview) -> str:
        return interview_rights_summary(obj)

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

    def _rights_buttons(self, request: HttpRequest, interview: Interview) -> list[dict[str, str]]:
        """The change page's data-rights buttons (next to the link operations)."""
        buttons = []
        if request.user.has_perm("interviews.view_interview"):
            buttons.append(
                {
                    "url": reverse("admin:interviews_interview_bundle", args=[interview.pk]),
                    "label": "Download the candidate's data",
                }
            )
        if (
            request.user.has_perm("interviews.delete_interview")
            and not Erasure.objects.filter(interview_id=interview.pk).exists()
        ):
            buttons.append(
                {
                    "url": reverse("admin:interviews_interview_erase", args=[interview.pk]),
                    "label": "Erase the candidate's data",
                }
            )
        return buttons

    def bundle_view(self, request: HttpRequest, interview_id: int) -> HttpResponse:
        """The candidate's data as a zip (compliance.bundle), its download audited."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        get_object_or_404(Interview, pk=interview_id)
        body, missing = interview_bundle(interview_id=interview_id)
        rights_services.audit_record(
            user=request.user,
            action=AuditEntry.Action.EXPORT,
            interview_id=interview_id,
            detail=f"data bundle (zip){f', {len(missing)} audio file(s) missing' if missing else ''}",
        )
        response = HttpResponse(body, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="candidate-data-interview-{interview_id}.zip"'
        response["Cache-Control"] = "private, no-store"
        return response

    def erase_view(self, request: HttpRequest, interview_id: int) -> HttpResponse:
        """Confirm, with a reason, then erase (compliance.erasure.interview_erase)."""
        if not request.user.has_perm("interviews.delete_interview"):
            raise PermissionDenied
        interview = get_object_or_404(Interview.objects.select_related("template"), pk=interview_id)
        open_erasure = CandidateRequest.objects.filter(
            interview_id=interview_id, kind=CandidateRequest.Kind.ERASURE, resolved_at__isnull=True
        ).first()
        form = ReasonForm(request.POST or None)
        error = ""
        if request.method == "POST" and form.is_valid():
            try:
                erasure = interview_erase(
                    interview_id=interview_id,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    request_id=open_erasure.pk if open_erasure else None,
                )
            except InterviewError as exc:
                error = exc.message
            else:
                self.message_user(
                    request,
                    f"Erased: {erasure.turns_deleted} turn(s), {erasure.audio_files_deleted} audio file(s). "
                    + (
                        f"Ask these providers to delete their copies: {', '.join(erasure.providers)}."
                        if erasure.providers
                        else ""
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:interviews_interview_change", args=[interview_id]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Erase the data of {interview.candidate_name}",
            "interview": interview,
            "form": form,
            "error": error,
            "open_erasure": open_erasure,
        }
        return TemplateResponse(request, "admin/interviews/interview/erase.html", context)


def interview_rights_summary(interview: Interview) -> str:
    """Requests, decisions, holds and erasure of one interview, for its change page."""
    parts: list[str] = []
    erasure = Erasure.objects.filter(interview_id=interview.pk).first()
    if erasure is not None:
        parts.append(
            format_html(
                "<p><strong>Erased</strong> on {} by {}: {}</p>",
                f"{erasure.erased_at:%Y-%m-%d %H:%M}",
                erasure.erased_by_name,
                erasure.reason,
            )
        )
    requests = list(CandidateRequest.objects.filter(interview_id=interview.pk).order_by("received_at"))
    if requests:
        parts.append(
            format_html(
                "<p><strong>Requests</strong></p><ul>{}</ul>",
                format_html_join(
                    "",
                    '<li><a href="{}">{}</a> ({}), received {}, due {}: {}</li>',
                    (
                        (
                            reverse("admin:interviews_candidaterequest_change", args=[r.pk]),
                            r.get_kind_display(),
                            r.get_source_display(),
                            f"{r.received_at:%Y-%m-%d}",
                            f"{r.due_at:%Y-%m-%d}",
                            f"answered {r.resolved_at:%Y-%m-%d}"
                            if r.resolved_at
                            else ("OVERDUE" if r.is_overdue else "open"),
                        )
                        for r in requests
                    ),
                ),
            )
        )
    decisions = list(HumanDecision.objects.filter(interview_id=interview.pk))
    if decisions:
        parts.append(
            format_html(
                "<p><strong>Decisions</strong> (newest first; the AI's advice as it was then)</p><ul>{}</ul>",
                format_html_join(
                    "",
                    "<li>{} by {}: {} · {}{} · AI said {}: {}</li>",
                    (
                        (
                            f"{d.decided_at:%Y-%m-%d %H:%M}",
                            d.decided_by_name,
                            d.get_outcome_display() or "no outcome",
                            d.get_verdict_display(),
                            f" ({d.override_recommendation})" if d.override_recommendation else "",
                            d.ai_recommendation or "nothing",
                            d.reason,
                        )
                        for d in decisions
                    ),
                ),
            )
        )
    holds = [h for h in LegalHold.objects.filter(interview_id=interview.pk) if h.is_active]
    holds += [h for h in LegalHold.objects.filter(template_id=interview.template_id) if h.is_active]
    if holds:
        parts.append(
            format_html(
                "<p><strong>Legal hold</strong>: {}</p>",
                "; ".join(f"{h.reason} (since {h.placed_at:%Y-%m-%d})" for h in holds),
            )
        )
    return format_html("".join(["{}"] * len(parts)), *parts) if parts else "No requests, decisions or holds."
