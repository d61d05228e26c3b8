"""Candidate pages: fetch the interview, call one service, render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from interviews import selectors


def invite(request: HttpRequest, token: str) -> HttpResponse:
    interview = selectors.interview_get_by_token(token=token)
    if interview is None:
        return render(request, "interviews/link_unknown.html", status=404)
    return render(request, "interviews/invite.html", {"interview": interview})
