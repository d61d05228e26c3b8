"""The candidate's side of their rights: ask for a person or an accommodation (from the invite page),
and the optional self-reported demographics (from the end page), stored apart from the interview."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from interviews import selectors
from interviews.compliance.forms import CandidateRequestForm, DemographicForm
from interviews.compliance.models import CandidateRequest, DemographicResponse
from interviews.compliance.services import candidate_request_create
from interviews.exceptions import InterviewError
from interviews.selectors import LinkState
from interviews.views import (
    ENDED_STATUSES,
    _interview,
    _link_problem,
    _page_context,
    render_candidate_page,
    render_invite_page,
)


@require_POST
def request_person(request: HttpRequest, token: str) -> HttpResponse:
    """Store "I'd prefer a human interviewer / I need an accommodation" and show the invite page again,
    saying it was received and by when a person answers. Bad input re-shows the form with its text."""
    interview = _interview(request, token)
    problem = _link_problem(request, interview)
    if problem is not None:
        return problem
    assert interview is not None
    form = CandidateRequestForm(request.POST)
    if form.is_valid():
        try:
            candidate_request_create(
                interview=interview,
                kind=form.cleaned_data["kind"],
                source=CandidateRequest.Source.INVITE_PAGE,
                text=form.cleaned_data["text"],
            )
        except InterviewError as exc:
            form.add_error("text", exc.message)
        else:
            return redirect(
                reverse("interviews:invite", kwargs={"token": interview.invite_token}) + "?request=sent#request"
            )
    context = _page_context(interview, request_form=form, request_open=True)
    return render_invite_page(request, interview, context, status=400)


@require_POST
def about_you(request: HttpRequest, token: str) -> HttpResponse:
    """The optional self-reported demographics, after the interview; every answer may be left out."""
    interview = _interview(request, token)
    if interview is None or selectors.interview_link_state(interview=interview) == LinkState.UNKNOWN:
        problem = _link_problem(request, interview)
        assert problem is not None
        return problem
    if interview.status not in ENDED_STATUSES:
        return redirect("interviews:invite", token=interview.invite_token)
    form = DemographicForm(request.POST)
    if not form.is_valid():
        context = _page_context(interview, demographic_form=form, still_open=False)
        language = interview.template.language
        return render_candidate_page(request, "interviews/done.html", context, language=language, status=400)
    DemographicResponse.objects.update_or_create(
        interview=interview,
        defaults={"sex": form.cleaned_data["sex"], "race_ethnicity": form.cleaned_data["race_ethnicity"]},
    )
    return redirect(reverse("interviews:done", kwargs={"token": interview.invite_token}) + "?about=sent")
