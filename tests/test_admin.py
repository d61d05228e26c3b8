"""Recruiter review in the admin: access, invites, the interview list and detail page, audio behind a check."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pydub import AudioSegment

from interviews.evaluation import HEURISTIC_NOTICE, evaluation_run, wait_for_background_evaluations
from interviews.models import Evaluation, Interview, InterviewTemplate, Turn
from tests.factories import make_interview, make_template
from tests.recruiter_factories import add_conversation, finished, real_mp3

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed() -> Interview:
    interview = make_interview()
    add_conversation(interview)
    return finished(interview)


def _user(*, staff: bool, perms: list[str] = ()) -> User:  # type: ignore[assignment]
    user = User.objects.create_user(f"user-{staff}-{len(perms)}", password="pw", is_staff=staff)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def recruiter_urls(interview: Interview) -> list[str]:
    turn = interview.turns.exclude(audio="").first()
    return [
        reverse("admin:interviews_interview_changelist"),
        reverse("admin:interviews_interview_change", args=[interview.pk]),
        reverse("recruiter:turn_audio", args=[turn.pk]),
        reverse("recruiter:interview_recording", args=[interview.pk]),
        reverse("recruiter:interview_report", args=[interview.pk]),
        reverse("recruiter:monitor_list"),
        reverse("recruiter:monitor_detail", args=[interview.pk]),
    ]


def test_anonymous_and_non_staff_users_are_sent_to_the_login(reviewed):
    for client in (_client(None), _client(_user(staff=False, perms=["view_interview"]))):
        for url in recruiter_urls(reviewed):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url


def test_staff_without_the_view_permission_are_refused(reviewed):
    client = _client(_user(staff=True))
    for url in recruiter_urls(reviewed):
        assert client.get(url).status_code == 403, url


def test_staff_with_the_view_permission_can_review(reviewed):
    client = _client(_user(staff=True, perms=["view_interview"]))
    for url in recruiter_urls(reviewed):
        assert client.get(url).status_code == 200, url


def test_turn_audio_is_served_only_through_the_checked_view(staff_client, reviewed, settings):
    turn = reviewed.turns.get(index=0)
    response = staff_client.get(reverse("recruiter:turn_audio", args=[turn.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == real_mp3()
    # No public URL: MEDIA_URL is not routed at all.
    assert staff_client.get(settings.MEDIA_URL + turn.audio.name).status_code == 404
    page = staff_client.get(reverse("admin:interviews_interview_change", args=[reviewed.pk])).content.decode()
    assert settings.MEDIA_URL not in page
    assert turn.audio.name not in page


def test_a_turn_without_audio_is_404(staff_client):
    interview = make_interview()
    turns = add_conversation(interview, audio=False)
    assert staff_client.get(reverse("recruiter:turn_audio", args=[turns[0].pk])).status_code == 404
    assert staff_client.get(reverse("recruiter:interview_recording", args=[interview.pk])).status_code == 404


def test_the_full_recording_is_both_sides_in_order_as_one_mp3(staff_client, reviewed):
    response = staff_client.get(reverse("recruiter:interview_recording", args=[reviewed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    audio = AudioSegment.from_file(io.BytesIO(response.content), format="mp3")
    # 5 turns (3 MP3 of ~0.44 s, 2 WebM of 0.4 s) and 4 pauses of 0.3 s.
    assert 3000 < len(audio) < 4000


def test_the_interview_page_shows_transcript_audio_latency_evaluation_and_decision(staff_client, reviewed, settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    evaluation_run(interview_id=reviewed.pk)
    url = reverse("admin:interviews_interview_change", args=[reviewed.pk])
    page = staff_client.get(url).content.decode()
    for turn in reviewed.turns.all():
        assert turn.text.replace("'", "&#x27;") in page
        assert reverse("recruiter:turn_audio", args=[turn.pk]) in page
    assert reverse("recruiter:interview_recording", args=[reviewed.pk]) in page
    assert "Consent given" in page
    for label in ["Transcript", "LLM first token", "First clause", "TTS first byte", "Provider floor", "Overhead"]:
        assert label in page
    # Two measured turns: first audio 560 and 660 ms -> p50 610; the greeting is excluded.
    assert "<th>p50</th>" in page and ">610<" in page
    assert HEURISTIC_NOTICE in page
    assert "Technical depth" in page

    # Every decision carries a reason (issue 21): without one the form says so and nothing is saved.
    decision = {"recruiter_decision": "advance", "recruiter_notes": "Strong on data modelling.", "_save": "Save"}
    refused = staff_client.post(url, decision)
    assert refused.status_code == 200 and "Give the reason for this decision" in refused.content.decode()
    response = staff_client.post(url, {**decision, "decision_reason": "Concrete answers on the ledger design."})
    assert response.status_code == 302
    reviewed.refresh_from_db()
    assert (reviewed.recruiter_decision, reviewed.recruiter_notes) == ("advance", "Strong on data modelling.")
    assert reviewed.decisions.get().reason == "Concrete answers on the ledger design."
    assert reviewed.status == Interview.Status.COMPLETED  # the rest is read-only


def test_a_failed_evaluation_is_shown_as_failed_with_its_reason(staff_client, reviewed):
    Evaluation.objects.create(interview=reviewed, status=Evaluation.Status.FAILED, error="OpenAI answered 500.")
    page = staff_client.get(reverse("admin:interviews_interview_change", args=[reviewed.pk])).content.decode()
    assert "The evaluation failed" in page and "OpenAI answered 500." in page
    changelist = staff_client.get(reverse("admin:interviews_interview_changelist")).content.decode()
    assert "failed" in changelist


def test_the_list_has_filters_search_and_columns_without_n_plus_1(staff_client, settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    template = make_template(title="Data Engineer")
    for number in range(3):
        interview = make_interview(template=template, candidate_name=f"Candidate {number}")
        add_conversation(interview, audio=False)
        evaluation_run(interview_id=finished(interview).pk)
    url = reverse("admin:interviews_interview_changelist")
    staff_client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        page = staff_client.get(url).content.decode()
    for number in range(3, 8):
        interview = make_interview(template=template, candidate_name=f"Candidate {number}")
        add_conversation(interview, audio=False)
        evaluation_run(interview_id=finished(interview).pk)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(url)
    assert len(many) == len(few)
    for column in ["Duration", "Turns", "Median latency (ms)", "Score"]:
        assert column in page
    assert ">610<" in page  # median first audio of 560 and 660 ms (the greeting is excluded)
    assert "10:00" in page or "9:59" in page or "10:01" in page  # started 10 minutes before the end
    assert "(heuristic)" in page

    searched = staff_client.get(url, {"q": "Candidate 4"}).content.decode()
    assert "Candidate 4" in searched and "Candidate 5" not in searched
    filtered = staff_client.get(url, {"status__exact": "in_progress"}).content.decode()
    assert "Candidate 4" not in filtered
    by_template = staff_client.get(url, {"template__id__exact": template.pk}).content.decode()
    assert "Candidate 7" in by_template
    this_year = staff_client.get(url, {"created_at__year": timezone.now().year}).content.decode()
    assert "Candidate 7" in this_year
    assert "Candidate 7" not in staff_client.get(url, {"created_at__year": 2000}).content.decode()


def test_create_invite_action_shows_a_copyable_link(staff_client, settings):
    settings.PUBLIC_BASE_URL = "https://jobs.example.com"
    template = make_template()
    changelist = reverse("admin:interviews_interviewtemplate_changelist")
    response = staff_client.post(changelist, {"action": "create_invite", "_selected_action": [template.pk]})
    assert response.status_code == 302
    form_url = response["Location"]
    assert staff_client.get(form_url).status_code == 200
    data = {"template": template.pk, "candidate_name": "Ada Lovelace", "expires_in_days": 3}
    page = staff_client.post(form_url, data, follow=True).content.decode()
    interview = Interview.objects.get(candidate_name="Ada Lovelace")
    link = "https://jobs.example.com" + reverse("interviews:invite", args=[interview.invite_token])
    assert link in page
    assert "Copy link" in page
    assert interview.template_version == template.version


def template_change_form(template: InterviewTemplate) -> dict[str, Any]:
    """The template's admin change form as the page submits it, questions and rubric unchanged."""
    data: dict[str, Any] = {
        "title": template.title,
        "slug": template.slug,
        "role": template.role,
        "language": template.language,
        "time_limit_minutes": template.time_limit_minutes,
        "job_description": template.job_description,
        "persona": template.persona,
        "voice_id": template.voice_id,
    }
    if template.hands_free:
        data["hands_free"] = "on"
    for prefix, rows, fields in (
        ("questions", template.questions.all(), ["position", "text", "follow_up_depth", "time_limit_seconds"]),
        ("criteria", template.criteria.all(), ["position", "name", "description", "weight", "scale_max"]),
    ):
        rows = list(rows)
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = len(rows)
        for number, row in enumerate(rows):
            data[f"{prefix}-{number}-id"] = row.pk
            data[f"{prefix}-{number}-template"] = template.pk
            for field in fields:
                value = getattr(row, field)
                data[f"{prefix}-{number}-{field}"] = "" if value is None else value
    return data


def test_editing_the_rubric_makes_a_new_template_version(staff_client):
    template = make_template()
    url = reverse("admin:interviews_interviewtemplate_change", args=[template.pk])
    data = template_change_form(template)
    data["criteria-0-description"] = "Depth, trade-offs and failure modes."
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    template.refresh_from_db()
    assert template.version == 2
    assert template.criteria.get().description == "Depth, trade-offs and failure modes."


def test_a_save_without_edits_keeps_the_version_and_each_edit_makes_one(staff_client):
    template = make_template()
    url = reverse("admin:interviews_interviewtemplate_change", args=[template.pk])
    assert staff_client.post(url, template_change_form(template)).status_code == 302
    template.refresh_from_db()
    assert template.version == 1
    for title in ("Backend engineer (senior)", "Backend engineer (staff)"):
        assert staff_client.post(url, {**template_change_form(template), "title": title}).status_code == 302
    template.refresh_from_db()
    assert (template.title, template.version) == ("Backend engineer (staff)", 3)


@pytest.mark.django_db(transaction=True)
def test_rerun_evaluation_action_runs_in_the_background(staff_client, reviewed, settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    changelist = reverse("admin:interviews_interview_changelist")
    response = staff_client.post(changelist, {"action": "rerun_evaluation", "_selected_action": [reviewed.pk]})
    assert response.status_code == 302
    wait_for_background_evaluations()
    assert Evaluation.objects.get(interview=reviewed).status == Evaluation.Status.DONE


def test_export_actions_download_json_and_html(staff_client, reviewed):
    changelist = reverse("admin:interviews_interview_changelist")
    response = staff_client.post(changelist, {"action": "export_json", "_selected_action": [reviewed.pk]})
    assert response["Content-Type"] == "application/json"
    assert response.json()["interview"]["id"] == reviewed.pk
    response = staff_client.post(changelist, {"action": "export_report", "_selected_action": [reviewed.pk]})
    assert b"<h2>Transcript</h2>" in response.content


def test_every_admin_page_renders(staff_client, reviewed):
    template = InterviewTemplate.objects.get()
    turn = Turn.objects.filter(interview=reviewed).first()
    Evaluation.objects.create(interview=reviewed)
    for url in [
        reverse("admin:interviews_interviewtemplate_changelist"),
        reverse("admin:interviews_interviewtemplate_change", args=[template.pk]),
        reverse("admin:interviews_interviewtemplate_add"),
        reverse("admin:interviews_evaluation_changelist"),
        reverse("admin:interviews_turn_changelist"),
        reverse("admin:interviews_turn_change", args=[turn.pk]),
    ]:
        assert staff_client.get(url).status_code == 200, url
