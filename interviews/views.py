"""Candidate pages: fetch the interview, call one service, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from interviews import selectors, services
from interviews.client_strings import client_strings
from interviews.i18n import interview_language
from interviews.models import Interview
from interviews.selectors import LinkState

ENDED_STATUSES = (Interview.Status.COMPLETED, Interview.Status.ABANDONED, Interview.Status.FAILED)


def _page_context(interview: Interview, **extra: Any) -> dict[str, Any]:
    return {"interview": interview, "template": interview.template, **extra}


def render_candidate_page(
    request: HttpRequest, template_name: str, context: dict[str, Any], *, language: str, status: int = 200
) -> HttpResponse:
    """A candidate page in the interview's language (not the browser's): its words come from the
    catalogue of `language` (templates use {% translate %})."""
    language = interview_language(language)
    with translation.override(language):
        return render(request, template_name, {**context, "lang": language}, status=status)


def _interview(request: HttpRequest, token: str) -> Interview | None:
    """The interview for an invite token. A staff preview ("Preview this template") is for staff
    only: to anyone else its link does not exist. Its socket needs the consent given on these
    pages, so it is staff-only too."""
    interview = selectors.interview_get_by_token(token=token)
    if interview is not None and interview.is_test and not request.user.is_staff:
        return None
    return interview


def _link_problem(request: HttpRequest, interview: Interview | None) -> HttpResponse | None:
    """The page for a link that cannot be used (unknown, expired, ended), or None if it is open."""
    state = selectors.interview_link_state(interview=interview)
    if state == LinkState.UNKNOWN:
        return render_candidate_page(request, "interviews/link_unknown.html", {}, language="en", status=404)
    assert interview is not None
    if state == LinkState.ENDED:
        # 410 Gone: the link existed, and will never work again.
        failed = interview.status == Interview.Status.FAILED
        context = _page_context(interview, failed=failed)
        return render_candidate_page(
            request, "interviews/link_ended.html", context, language=interview.template.language, status=410
        )
    if state == LinkState.EXPIRED:
        return render_candidate_page(
            request,
            "interviews/link_expired.html",
            _page_context(interview),
            language=interview.template.language,
            status=410,
        )
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    interview = _interview(request, token)
    problem = _link_problem(request, interview)
    if problem is not None:
        return problem
    assert interview is not None
    if request.method == "POST":
        if request.POST.get("consent") != "yes":
            context = _page_context(interview, consent_error=True)
            return render_invite_page(request, interview, context, status=400)
        services.interview_consent(interview=interview)
        return redirect("interviews:live", token=interview.invite_token)
    return render_invite_page(request, interview, _page_context(interview))


def render_invite_page(
    request: HttpRequest, interview: Interview, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    language = interview.template.language
    with translation.override(interview_language(language)):
        context = {**context, "client_strings": client_strings()}  # the script's words (invite.js)
    return render_candidate_page(request, "interviews/invite.html", context, language=language, status=status)


@require_GET
def live(request: HttpRequest, token: str) -> HttpResponse:
    interview = _interview(request, token)
    if interview is not None and interview.status in ENDED_STATUSES and interview.consented_at is not None:
        return redirect("interviews:done", token=interview.invite_token)
    problem = _link_problem(request, interview)
    if problem is not None:
        return problem
    assert interview is not None
    if interview.consented_at is None:
        return redirect("interviews:invite", token=interview.invite_token)
    time_limit_seconds = interview.template.time_limit_minutes * 60
    with translation.override(interview_language(interview.template.language)):
        strings = client_strings()  # the scripts' words (static/interviews/interview.js)
    remaining = interview.remaining_seconds
    client_config = {
        "token": interview.invite_token,
        "wsPath": f"/ws/interview/{interview.invite_token}/",
        "doneUrl": reverse("interviews:done", kwargs={"token": interview.invite_token}),
        "inviteUrl": reverse("interviews:invite", kwargs={"token": interview.invite_token}),
        "language": interview.template.language,
        "timeLimitSeconds": time_limit_seconds,
        "remainingSeconds": remaining if remaining is not None else time_limit_seconds,
        "started": interview.started_at is not None,
        # The socket's session_state says the same; the page needs it before connecting to lay itself out.
        "mode": "hands_free" if interview.template.hands_free else "push_to_talk",
        "strings": strings,
        # The interviewer's 3D head (static/interviews/avatar.js); none: the 2D face only.
        "avatar": {
            "url": settings.AVATAR_MODEL_URL,
            "cameraPosition": settings.AVATAR_CAMERA_POSITION,
            "cameraFov": settings.AVATAR_CAMERA_FOV,
        }
        if settings.AVATAR_MODEL_URL
        else None,
    }
    context = _page_context(interview, client_config=client_config)
    return render_candidate_page(request, "interviews/interview.html", context, language=interview.template.language)


@require_GET
def done(request: HttpRequest, token: str) -> HttpResponse:
    interview = _interview(request, token)
    if interview is None or interview.status not in ENDED_STATUSES:
        # Unknown or expired links get their own page; a finished interview always gets this one.
        problem = _link_problem(request, interview)
        if problem is not None:
            return problem
    assert interview is not None
    if interview.consented_at is None and interview.status not in ENDED_STATUSES:
        return redirect("interviews:invite", token=interview.invite_token)
    # The page is reached right after `interview_ended`; the status write may still be in flight,
    # so an open interview still gets the thank-you page, with a way back in case it was a mistake.
    still_open = interview.status in Interview.OPEN_STATUSES and interview.ended_at is None
    context = _page_context(interview, still_open=still_open)
    return render_candidate_page(request, "interviews/done.html", context, language=interview.template.language)
