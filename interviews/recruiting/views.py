"""Staff pages: a template's candidates side by side (and as CSV), and the overview of all templates."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from interviews.compliance.models import AuditEntry
from interviews.compliance.services import audit_record_many
from interviews.exceptions import InterviewError
from interviews.models import Interview
from interviews.recruiter_views import recruiter_required
from interviews.recruiting import selectors
from interviews.recruiting.csv_invites import write_csv


def _query(request: HttpRequest, **changes: str) -> str:
    params = {key: request.GET.get(key, "") for key in ("status", "decision", "sort")}
    params.update(changes)
    return "?" + urlencode({key: value for key, value in params.items() if value})


@require_GET
@recruiter_required
def template_compare(request: HttpRequest, template_id: int) -> HttpResponse:
    """One row per candidate: sortable by any column (links), filterable by status and decision, as CSV."""
    try:
        comparison = selectors.template_comparison(
            template_id=template_id,
            status=request.GET.get("status", ""),
            decision=request.GET.get("decision", ""),
            sort=request.GET.get("sort", ""),
        )
    except InterviewError as exc:
        raise Http404(exc.message) from exc
    # Scores and decisions of every candidate shown: one audit entry each.
    audit_record_many(
        user=request.user,
        action=AuditEntry.Action.EXPORT if request.GET.get("format") == "csv" else AuditEntry.Action.VIEW_COMPARISON,
        interview_ids=[row.interview.pk for row in comparison.rows],
        detail=f"comparison of template {template_id}" + (" (CSV)" if request.GET.get("format") == "csv" else ""),
    )
    if request.GET.get("format") == "csv":
        header, rows = selectors.comparison_csv_rows(comparison)
        response = HttpResponse(write_csv(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="candidates-{comparison.template.slug}.csv"'
        return response
    current_key, descending = comparison.sort.removeprefix("-"), comparison.sort.startswith("-")
    headers = []
    for column in comparison.columns:
        active = column.key == current_key
        # A first click sorts text A-Z and numbers best first; a second click turns it round.
        first = column.key if column.key in {"candidate", "status"} else f"-{column.key}"
        target = (column.key if descending else f"-{column.key}") if active else first
        headers.append(
            {
                "label": column.label,
                "url": _query(request, sort=target),
                "aria_sort": ("descending" if descending else "ascending") if active else "none",
                "criterion": column.key.startswith("c") and column.key[1:].isdigit(),
            }
        )
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": f"Candidates: {comparison.template.title}",
        "comparison": comparison,
        "headers": headers,
        "statuses": [(value, label) for value, label in Interview.Status.choices],
        "decisions": list(selectors.DECISION_FILTERS.items()),
        "csv_url": _query(request, format="csv"),
        "total": sum(comparison.counts.values()),
        "count_labels": [
            (Interview.Status(value).label, comparison.counts[value])
            for value in selectors.STATUS_ORDER
            if comparison.counts.get(value)
        ],
    }
    return render(request, "recruiter/compare.html", context)


@require_GET
@recruiter_required
def overview(request: HttpRequest) -> HttpResponse:
    """Counts by status per template, completion rate, median score and this week's median latency."""
    data = selectors.templates_overview()
    context = {
        **admin.site.each_context(request),
        "title": "Interviews overview",
        "overview": data,
        "status_labels": [Interview.Status(value).label for value in selectors.OVERVIEW_STATUSES],
    }
    return render(request, "recruiter/overview.html", context)
