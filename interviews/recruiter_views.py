"""Staff-only pages and files: turn audio, the whole recording, and the interview report.

Audio is personal data, so it is served only here, after a permission check, and never from a public
MEDIA_URL. Anonymous and non-staff users are sent to the admin login; staff without the
`interviews.view_interview` permission get 403.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from interviews import reports
from interviews.compliance.models import AuditEntry
from interviews.compliance.services import audit_record
from interviews.exceptions import InterviewError
from interviews.models import Turn

VIEW_PERMISSION = "interviews.view_interview"


def recruiter_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Staff (else the admin login) with permission to view interviews (else 403); never cached."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return staff_member_required(never_cache(wrapped))


@require_GET
@recruiter_required
def turn_audio(request: HttpRequest, turn_id: int) -> FileResponse:
    turn = get_object_or_404(Turn.objects.only("audio", "audio_mime", "index", "speaker", "interview_id"), pk=turn_id)
    if not turn.audio:
        raise Http404("This turn has no audio.")
    try:
        handle = turn.audio.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The audio file is gone (deleted by the retention policy?).") from exc
    extension = (turn.audio.name or "").rsplit(".", 1)[-1]
    audit_record(
        user=request.user,
        action=AuditEntry.Action.PLAY_AUDIO,
        interview_id=turn.interview_id,
        detail=f"turn {turn.index}",
    )
    return FileResponse(
        handle,
        content_type=turn.audio_mime or "application/octet-stream",
        filename=f"interview-{turn.interview_id}-turn-{turn.index:03d}-{turn.speaker}.{extension}",
    )


@require_GET
@recruiter_required
def interview_recording(request: HttpRequest, interview_id: int) -> HttpResponse:
    """Both sides of the interview, assembled from the turn audio in order, as one MP3."""
    turns = list(Turn.objects.filter(interview_id=interview_id).order_by("index"))
    try:
        mixed = reports.interview_audio_mix(turns=turns)
    except InterviewError as exc:
        raise Http404(exc.message) from exc
    audit_record(user=request.user, action=AuditEntry.Action.PLAY_RECORDING, interview_id=interview_id)
    response = HttpResponse(mixed.mp3, content_type="audio/mpeg")
    response["Content-Disposition"] = f'inline; filename="interview-{interview_id}.mp3"'
    return response


@require_GET
@recruiter_required
def interview_report(request: HttpRequest, interview_id: int) -> HttpResponse:
    """The interview as a printable HTML page, or ?format=md / ?format=json as a download."""
    try:
        data = reports.interview_export(interview_id=interview_id)
    except InterviewError as exc:
        raise Http404(exc.message) from exc
    kind = request.GET.get("format", "html")
    audit_record(
        user=request.user,
        action=AuditEntry.Action.VIEW_REPORT if kind == "html" else AuditEntry.Action.EXPORT,
        interview_id=interview_id,
        detail=f"report {kind if kind in {'html', 'json', 'md'} else 'html'}",
    )
    if kind == "json":
        response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="interview-{interview_id}.json"'
        return response
    if kind == "md":
        response = HttpResponse(reports.render_markdown(data), content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="interview-{interview_id}.md"'
        return response
    return HttpResponse(reports.render_html(data, request=request))
