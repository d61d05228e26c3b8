"""Candidate rights (issue 21): a path to a person, the human decision, data rights per candidate,
retention with legal holds, the append-only audit log, and adverse-impact data kept from reviewers."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interviews import services
from interviews.compliance import services as rights
from interviews.compliance.bundle import how_it_was_evaluated
from interviews.compliance.erasure import interview_erase
from interviews.compliance.models import (
    AuditEntry,
    CandidateRequest,
    DemographicResponse,
    Erasure,
    HumanDecision,
    LegalHold,
    RetentionPolicy,
)
from interviews.compliance.retention import legal_hold_place, legal_hold_release
from interviews.evaluation import evaluation_run
from interviews.evaluation.data import EvaluationInput, TranscriptLine
from interviews.evaluation.llm import SYSTEM_PROMPT, evaluation_messages
from interviews.evaluation.selectors import evaluation_input
from interviews.exceptions import InterviewError
from interviews.models import CriterionScore, Evaluation, Interview, Turn
from interviews.providers.base import Criterion
from tests.factories import make_interview, make_template
from tests.recruiter_factories import add_conversation, add_turn, finished

pytestmark = pytest.mark.django_db

ASK_FOR_A_PERSON = "I want to talk to a real person, please."


@pytest.fixture(autouse=True)
def _offline(settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}


@pytest.fixture
def staff() -> User:
    return User.objects.create_superuser("recruiter", "r@example.com", "pw")


@pytest.fixture
def staff_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def reviewed() -> Interview:
    interview = make_interview()
    add_conversation(interview)
    finished(interview)
    evaluation_run(interview_id=interview.pk)
    return interview


def audio_paths(interview: Interview) -> list[Path]:
    return [Path(t.audio.path) for t in Turn.objects.filter(interview=interview).exclude(audio="")]


def entries(action: str, interview: Interview) -> int:
    return AuditEntry.objects.filter(action=action, interview_id=interview.pk).count()


# --- 1. a path to a person, and accommodations ------------------------------------------------------


def test_the_invite_page_offers_a_request_and_stores_it_with_its_due_date(settings):
    settings.COMPLIANCE = {**settings.COMPLIANCE, "ALTERNATIVE_REQUEST_DUE_DAYS": 5}
    interview = make_interview(consented_at=None)
    client = Client()
    page = client.get(reverse("interviews:invite", args=[interview.invite_token])).content.decode()
    assert "I'd prefer a human interviewer" in page and "I need an accommodation" in page
    response = client.post(
        reverse("interviews:request_person", args=[interview.invite_token]),
        {"kind": "accommodation", "text": "I am deaf; could the questions be written? Email me at jamie@example.com."},
    )
    assert response.status_code == 302 and response["Location"].endswith("?request=sent#request")
    request = CandidateRequest.objects.get(interview=interview)
    assert (request.kind, request.source, request.resolved_at) == ("accommodation", "invite_page", None)
    assert request.text.startswith("I am deaf")
    assert request.due_at - request.received_at == timedelta(days=5)
    confirmation = client.get(response["Location"]).content.decode()
    assert "Your request was sent" in confirmation


def test_a_bad_request_is_refused_with_words_and_keeps_what_was_typed():
    interview = make_interview(consented_at=None)
    url = reverse("interviews:request_person", args=[interview.invite_token])
    too_long = "I need more time to answer. " * 200  # over 4000 characters
    response = Client().post(url, {"kind": "accommodation", "text": too_long})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please say what you need" in page and too_long.strip()[:200] in page
    assert Client().post(url, {"kind": "a_pony", "text": "Hello"}).status_code == 400
    assert Client().post(url, {"kind": "human_interviewer", "text": "   "}).status_code == 400
    assert not CandidateRequest.objects.exists()
    assert Client().post(reverse("interviews:request_person", args=["no-such-token"]), {"text": "x"}).status_code == 404


def test_asking_for_a_person_during_the_interview_queues_a_request_once_and_flags_the_interview(staff_client):
    interview = make_interview(status=Interview.Status.IN_PROGRESS, started_at=timezone.now())
    add_turn(interview, index=0, speaker="interviewer", text="Tell me about a system you built.")
    add_turn(interview, index=1, speaker="candidate", text=ASK_FOR_A_PERSON)
    assert services.interview_finish(interview_id=interview.pk, reason="human_requested") == 1
    assert services.interview_finish(interview_id=interview.pk, reason="human_requested") == 0
    request = CandidateRequest.objects.get(interview=interview)
    assert (request.kind, request.source, request.text) == ("human_interviewer", "interview", ASK_FOR_A_PERSON)
    assert Turn.objects.filter(interview=interview).count() == 2  # everything is kept
    listed = staff_client.get(reverse("admin:interviews_interview_changelist"), {"requests": "open"}).content.decode()
    assert interview.candidate_name in listed and "1 open" in listed
    other = make_interview(candidate_name="Nobody Asked")
    assert other.candidate_name not in listed


def test_asking_for_a_person_never_reaches_the_language_model():
    data = EvaluationInput(
        role="Backend Engineer",
        language="en",
        rubric=(Criterion(name="Depth", description="", weight=1.0, scale_max=5),),
        transcript=(
            TranscriptLine(speaker="interviewer", text="Tell me about a system."),
            TranscriptLine(speaker="candidate", text="I built a ledger in PostgreSQL."),
            TranscriptLine(speaker="candidate", text=ASK_FOR_A_PERSON),
        ),
    )
    _system, user = evaluation_messages(data)
    assert "I built a ledger" in user.content and "real person" not in user.content
    assert "Asking for a human interviewer or for an accommodation is the candidate's right" in SYSTEM_PROMPT
    assert "neither evidence" in SYSTEM_PROMPT and "nor a concern" in SYSTEM_PROMPT


def test_the_queue_lists_open_requests_first_and_answering_records_who_when_and_what(staff_client, staff):
    interview = make_interview()
    answered = rights.candidate_request_create(interview=interview, kind="accommodation", source="staff", text="A")
    rights.candidate_request_resolve(request_id=answered.pk, user=staff, resolution="Sent written questions.")
    waiting = rights.candidate_request_create(interview=interview, kind="human_interviewer", source="interview")
    page = staff_client.get(reverse("admin:interviews_candidaterequest_changelist")).content.decode()
    assert page.index(f"/candidaterequest/{waiting.pk}/change/") < page.index(f"/candidaterequest/{answered.pk}/")
    open_only = staff_client.get(reverse("admin:interviews_candidaterequest_changelist"), {"state": "open"})
    assert f"/candidaterequest/{answered.pk}/change/" not in open_only.content.decode()

    url = reverse("admin:interviews_candidaterequest_change", args=[waiting.pk])
    assert (
        staff_client.post(url, {"resolution": "Booked a call with Sam on Monday.", "_save": "Save"}).status_code == 302
    )
    waiting.refresh_from_db()
    assert waiting.resolved_by == staff and waiting.resolved_at is not None
    assert waiting.resolution == "Booked a call with Sam on Monday."
    assert entries(AuditEntry.Action.REQUEST, interview) == 3  # logged by staff, answered twice
    with pytest.raises(InterviewError, match="already answered"):
        rights.candidate_request_resolve(request_id=waiting.pk, user=staff, resolution="again")


def test_staff_log_a_request_received_by_email_with_its_due_date(staff_client, settings):
    interview = make_interview()
    response = staff_client.post(
        reverse("admin:interviews_candidaterequest_add"),
        {"interview": interview.pk, "kind": "erasure", "text": "Please delete my recording.", "_save": "Save"},
    )
    assert response.status_code == 302
    request = CandidateRequest.objects.get(interview=interview)
    assert request.source == "staff"
    assert request.due_at - request.received_at == timedelta(days=settings.COMPLIANCE["DATA_REQUEST_DUE_DAYS"])


# --- 3. the human decision -----------------------------------------------------------------------------


def test_an_override_keeps_the_ai_evaluation_and_records_who_when_and_why(staff_client, staff, reviewed):
    before = Evaluation.objects.filter(interview=reviewed).values().get()
    url = reverse("admin:interviews_interview_change", args=[reviewed.pk])
    page = staff_client.get(url).content.decode()
    assert "AI evaluation (advice, not a decision)" in page and "never the decision" in page
    refused = staff_client.post(url, {"recruiter_decision": "advance", "ai_verdict": "overridden", "_save": "Save"})
    assert refused.status_code == 200 and not HumanDecision.objects.exists()
    response = staff_client.post(
        url,
        {
            "recruiter_decision": "advance",
            "ai_verdict": "overridden",
            "override_recommendation": "yes",
            "decision_reason": "The transcript shows ledger design the heuristic could not weigh.",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    decision = HumanDecision.objects.get(interview=reviewed)
    assert (decision.outcome, decision.verdict, decision.override_recommendation) == ("advance", "overridden", "yes")
    assert decision.decided_by == staff and decision.decided_by_name == "recruiter"
    assert decision.ai_recommendation == before["recommendation"] == "needs_review"
    assert Evaluation.objects.filter(interview=reviewed).values().get() == before  # the original is kept
    reviewed.refresh_from_db()
    assert reviewed.recruiter_decision == "advance"
    assert entries(AuditEntry.Action.DECISION, reviewed) == 1
    assert "Overrode the AI evaluation" in staff_client.get(url).content.decode()


def test_marking_the_evaluation_invalid_needs_a_reason_and_keeps_the_decision_as_it_was(staff, reviewed):
    with pytest.raises(InterviewError, match="reason"):
        rights.decision_record(interview_id=reviewed.pk, user=staff, reason=" ", verdict="invalid")
    rights.decision_record(interview_id=reviewed.pk, user=staff, reason="Audio was garbled.", verdict="invalid")
    reviewed.refresh_from_db()
    assert reviewed.recruiter_decision == ""
    assert HumanDecision.objects.get().verdict == "invalid"
    with pytest.raises(InterviewError, match="Choose a decision"):
        rights.decision_record(interview_id=reviewed.pk, user=staff, reason="Nothing")


def test_a_reconsideration_request_is_answered_by_the_next_decision(staff_client, reviewed):
    rights.decision_record(interview_id=reviewed.pk, user="system:test", reason="Thin answers.", outcome="reject")
    request = rights.candidate_request_create(
        interview=reviewed, kind="reconsideration", source="staff", text="My connection dropped mid-answer."
    )
    staff_client.post(
        reverse("admin:interviews_interview_change", args=[reviewed.pk]),
        {"recruiter_decision": "hold", "decision_reason": "Offer a retake: the drop is in the log.", "_save": "Save"},
    )
    request.refresh_from_db()
    assert request.resolved_at is not None and "Offer a retake" in request.resolution
    newest = HumanDecision.objects.first()
    assert newest.answers == request and newest.outcome == "hold"
    assert [d.outcome for d in HumanDecision.objects.all()] == ["hold", "reject"]  # both kept, newest first


# --- 4. the audit log ----------------------------------------------------------------------------------


def test_every_access_path_to_recordings_transcripts_and_evaluations_is_audited(staff_client, reviewed):
    turn = reviewed.turns.exclude(audio="").first()
    evaluation = Evaluation.objects.get(interview=reviewed)
    paths = [
        (reverse("admin:interviews_interview_change", args=[reviewed.pk]), {}, "view_review"),
        (reverse("admin:interviews_evaluation_change", args=[evaluation.pk]), {}, "view_evaluation"),
        (reverse("admin:interviews_turn_change", args=[turn.pk]), {}, "view_transcript"),
        (reverse("recruiter:turn_audio", args=[turn.pk]), {}, "play_audio"),
        (reverse("recruiter:interview_recording", args=[reviewed.pk]), {}, "play_recording"),
        (reverse("recruiter:interview_report", args=[reviewed.pk]), {}, "view_report"),
        (reverse("recruiter:interview_report", args=[reviewed.pk]), {"format": "json"}, "export"),
        (reverse("recruiter:interview_report", args=[reviewed.pk]), {"format": "md"}, "export"),
        (reverse("recruiter:monitor_detail", args=[reviewed.pk]), {}, "watch_live"),
        (reverse("recruiter:template_compare", args=[reviewed.template_id]), {}, "view_comparison"),
        (reverse("recruiter:template_compare", args=[reviewed.template_id]), {"format": "csv"}, "export"),
        (reverse("admin:interviews_interview_bundle", args=[reviewed.pk]), {}, "export"),
    ]
    for url, query, action in paths:
        before = entries(action, reviewed)
        response = staff_client.get(url, query)
        assert response.status_code == 200, url
        assert entries(action, reviewed) == before + 1, (url, query)
    changelist = reverse("admin:interviews_interview_changelist")
    for action_name in ("export_json", "export_report"):
        before = entries("export", reviewed)
        staff_client.post(changelist, {"action": action_name, "_selected_action": [reviewed.pk]})
        assert entries("export", reviewed) == before + 1, action_name
    before = entries("export", reviewed)
    call_command("export_interview", str(reviewed.pk), stdout=io.StringIO())
    assert entries("export", reviewed) == before + 1
    entry = AuditEntry.objects.filter(action="play_audio").get()
    assert entry.username == "recruiter" and entry.detail == f"turn {turn.index}"
    assert reviewed.candidate_name not in "".join(AuditEntry.objects.values_list("detail", flat=True))


def test_the_audit_log_is_append_only(staff_client, staff):
    entry = rights.audit_record(user=staff, action="export", interview_id=1, detail="x")
    entry.detail = "changed"
    with pytest.raises(InterviewError, match="append-only"):
        entry.save()
    with pytest.raises(InterviewError, match="append-only"):
        entry.delete()
    with pytest.raises(InterviewError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="changed")
    with pytest.raises(InterviewError, match="append-only"):
        AuditEntry.objects.all().delete()
    # Below the ORM too: the database refuses an UPDATE or DELETE that is not audit_prune's.
    for statement in ("UPDATE interviews_auditentry SET detail = 'changed'", "DELETE FROM interviews_auditentry"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.get().detail == "x"
    assert staff_client.post(reverse("admin:interviews_auditentry_delete", args=[entry.pk])).status_code == 403
    assert staff_client.get(reverse("admin:interviews_auditentry_add")).status_code == 403
    staff_client.post(reverse("admin:interviews_auditentry_change", args=[entry.pk]), {"detail": "changed"})
    assert AuditEntry.objects.get(pk=entry.pk).detail == "x"


def test_old_entries_leave_only_after_the_minimum_retention(settings, staff):
    settings.COMPLIANCE = {**settings.COMPLIANCE, "AUDIT_LOG_MIN_DAYS": 183}
    now = timezone.now()
    old = AuditEntry.objects.create(at=now - timedelta(days=184), username="a", action="export")
    kept = AuditEntry.objects.create(at=now - timedelta(days=182), username="b", action="export")
    assert rights.audit_prune(now=now) == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AuditEntry.objects.filter(pk=old.pk).exists()


def test_staff_export_the_audit_log_as_csv_and_the_export_is_audited(staff_client, staff):
    rights.audit_record(user=staff, action="view_review", interview_id=7)
    response = staff_client.post(
        reverse("admin:interviews_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": list(AuditEntry.objects.values_list("pk", flat=True))},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0] == ["at", "user_id", "username", "action", "interview_id", "detail"]
    assert rows[1][2:5] == ["recruiter", "view_review", "7"]
    assert AuditEntry.objects.filter(action="export_audit_log").count() == 1


# --- 2. data rights: the bundle, erasure, retention and legal holds ------------------------------------


def test_the_data_bundle_has_transcript_both_sides_audio_evaluation_versions_and_an_explanation(staff_client, reviewed):
    response = staff_client.get(reverse("admin:interviews_interview_bundle", args=[reviewed.pk]))
    assert response["Content-Type"] == "application/zip" and "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"interview.json", "transcript.txt", "evaluation.json", "how-this-was-evaluated.txt"} <= names
    audio = sorted(name for name in names if name.startswith("audio/"))
    assert len(audio) == 5
    assert any(name.endswith("-candidate.webm") for name in audio) and any(
        n.endswith("-interviewer.mp3") for n in audio
    )
    transcript = archive.read("transcript.txt").decode()
    for turn in reviewed.turns.all():
        assert turn.text in transcript
    evaluation = json.loads(archive.read("evaluation.json"))
    assert evaluation["rubric_version"] == reviewed.template.version
    assert evaluation["prompt_version"] == "heuristic-v2"
    explanation = archive.read("how-this-was-evaluated.txt").decode()
    assert "Technical depth" in explanation and "weight 1" in explanation
    assert "emotions, confidence" in explanation and "never counts against you" in explanation
    assert "simple offline program" in explanation


@pytest.mark.parametrize(
    ("language", "expected", "english"),
    [
        (
            "ko",
            ["면접이 평가된 방식", "가중치 1, 1~5점", "절대 불이익이 없습니다", "간단한 오프라인 프로그램"],
            "weight 1",
        ),
        (
            "ja",
            ["の面接がどのように評価されたか", "重み 1、1〜5点", "不利に扱われることは決してありません"],
            "never counts",
        ),
    ],
)
def test_the_bundles_explanation_is_in_the_interviews_language(language, expected, english):
    interview = make_interview(template=make_template(language=language))
    add_conversation(interview)
    finished(interview)
    evaluation_run(interview_id=interview.pk)
    explanation = how_it_was_evaluated(interview=interview, evaluation=interview.evaluation)
    assert all(words in explanation for words in expected), explanation
    assert english not in explanation and "Who decides" not in explanation


def test_erasure_deletes_the_files_and_derived_data_and_leaves_a_placeholder(staff_client, staff, reviewed):
    request = rights.candidate_request_create(interview=reviewed, kind="erasure", source="staff", text="Delete it")
    DemographicResponse.objects.create(interview=reviewed, sex="female")
    paths = audio_paths(reviewed)
    assert len(paths) == 5 and all(path.exists() for path in paths)
    url = reverse("admin:interviews_interview_erase", args=[reviewed.pk])
    assert "It cannot be undone" in staff_client.get(url).content.decode()
    refused = staff_client.post(url, {"reason": ""})
    assert refused.status_code == 200 and all(path.exists() for path in paths)  # no reason, nothing erased
    response = staff_client.post(url, {"reason": "Candidate's request of today (GDPR Art. 17)."})
    assert response.status_code == 302
    assert not any(path.exists() for path in paths)
    assert not Turn.objects.filter(interview=reviewed).exists()
    assert not Evaluation.objects.filter(interview=reviewed).exists()
    assert not CriterionScore.objects.filter(evaluation__interview=reviewed).exists()
    assert not DemographicResponse.objects.filter(interview=reviewed).exists()
    placeholder = Interview.objects.get(pk=reviewed.pk)
    assert (placeholder.candidate_name, placeholder.candidate_email) == ("Erased candidate", "")
    assert placeholder.invite_token != reviewed.invite_token and placeholder.ended_at == reviewed.ended_at
    erasure = Erasure.objects.get(interview=reviewed)
    assert (erasure.erased_by, erasure.turns_deleted, erasure.audio_files_deleted) == (staff, 5, 5)
    assert erasure.reason.startswith("Candidate's request")
    request.refresh_from_db()
    assert request.resolved_at is not None and request.text == ""
    assert entries(AuditEntry.Action.ERASURE, reviewed) == 1
    page = staff_client.get(reverse("admin:interviews_interview_change", args=[reviewed.pk])).content.decode()
    assert "Erased" in page and "Jamie Doe" not in page
    with pytest.raises(InterviewError, match="already erased"):
        interview_erase(interview_id=reviewed.pk, user=staff, reason="again")


def test_erasure_names_the_cloud_providers_that_may_keep_a_copy(settings, staff, reviewed):
    settings.INTERVIEW_PROVIDERS = {"stt": ["openai", "local"], "llm": ["openai"], "tts": ["elevenlabs"]}
    erasure = interview_erase(interview_id=reviewed.pk, user=staff, reason="Request")
    assert erasure.providers == ["openai (stt)", "openai (llm)", "elevenlabs (tts)"]


def test_a_legal_hold_stops_erasure_and_the_purge_until_it_is_released(staff, reviewed, capsys):
    finished(reviewed, days_ago=400)
    paths = audio_paths(reviewed)
    hold = legal_hold_place(user=staff, reason="Litigation hold: case 24-113.", template=reviewed.template)
    with pytest.raises(InterviewError, match="legal hold"):
        interview_erase(interview_id=reviewed.pk, user=staff, reason="Request")
    call_command("purge_audio", "--older-than-days", "30", "--transcripts")
    assert "Kept under a legal hold: 1 interview(s)" in capsys.readouterr().out
    assert all(path.exists() for path in paths)
    assert Turn.objects.filter(interview=reviewed).exclude(text="").count() == 5
    with pytest.raises(InterviewError, match="reason"):
        legal_hold_release(hold_id=hold.pk, user=staff, reason="")
    legal_hold_release(hold_id=hold.pk, user=staff, reason="Case settled.")
    call_command("purge_audio", "--older-than-days", "30")
    assert not any(path.exists() for path in paths)
    assert AuditEntry.objects.filter(action="purge", interview_id=reviewed.pk).count() == 1
    assert AuditEntry.objects.filter(action="legal_hold").count() == 2


def test_the_purge_follows_a_templates_policy_and_the_deployments_default(settings, capsys):
    settings.COMPLIANCE = {**settings.COMPLIANCE, "RETENTION_AUDIO_DAYS": 60, "RETENTION_TRANSCRIPT_DAYS": None}
    short = make_interview(template=make_template())
    RetentionPolicy.objects.create(template=short.template, audio_days=10, transcript_days=20)
    default = make_interview(candidate_name="Default Policy")
    for interview in (short, default):
        add_conversation(interview)
        finished(interview, days_ago=30)
    short_paths, default_paths = audio_paths(short), audio_paths(default)
    call_command("purge_audio")
    out = capsys.readouterr().out
    assert "Interviews past their retention (or their template's own policy): 1" in out
    assert not any(path.exists() for path in short_paths)
    assert set(Turn.objects.filter(interview=short).values_list("text", flat=True)) == {""}
    assert all(path.exists() for path in default_paths)  # 30 days < the default 60
    finished(default, days_ago=61)
    call_command("purge_audio")
    assert not any(path.exists() for path in default_paths)
    assert Turn.objects.filter(interview=default).exclude(text="").count() == 5  # no transcript policy: kept


def test_a_legal_hold_is_on_one_interview_or_one_template(staff, reviewed):
    with pytest.raises(InterviewError, match="one interview or on one template"):
        legal_hold_place(user=staff, reason="x", interview=reviewed, template=reviewed.template)
    hold = legal_hold_place(user=staff, reason="Complaint filed.", interview=reviewed)
    assert LegalHold.objects.get().is_active and hold.placed_by_name == "recruiter"


# --- 5. adverse-impact data: optional, apart, never seen by the evaluator or the reviewer ---------------


def test_the_end_page_offers_optional_questions_stored_apart(reviewed):
    client = Client()
    done = client.get(reverse("interviews:done", args=[reviewed.invite_token])).content.decode()
    assert "Optional: about you" in done and "Hispanic or Latino" in done
    url = reverse("interviews:about_you", args=[reviewed.invite_token])
    response = client.post(url, {"sex": "female", "race_ethnicity": ""})
    assert response.status_code == 302
    stored = DemographicResponse.objects.get(interview=reviewed)
    assert (stored.sex, stored.race_ethnicity) == ("female", "")
    assert not hasattr(reviewed, "demographicresponse")  # no way from the interview to it
    assert client.post(url, {"sex": "robot"}).status_code == 400
    assert DemographicResponse.objects.get(interview=reviewed).sex == "female"  # bad input changes nothing
    still_open = make_interview()
    about = reverse("interviews:about_you", args=[still_open.invite_token])
    assert client.post(about, {"sex": "male"}).status_code == 302
    assert not DemographicResponse.objects.filter(interview=still_open).exists()


def test_demographics_are_never_read_by_the_evaluator_or_the_review_pages(staff_client, reviewed):
    DemographicResponse.objects.create(interview=reviewed, sex="female", race_ethnicity="hispanic_latino")
    table = DemographicResponse._meta.db_table
    with CaptureQueriesContext(connection) as evaluator:
        data = evaluation_input(interview=Interview.objects.get(pk=reviewed.pk))
        evaluation_run(interview_id=reviewed.pk)
    assert not any(table in query["sql"] for query in evaluator.captured_queries)
    assert "female" not in repr(data) and "hispanic" not in repr(data).lower()
    review_urls = [
        reverse("admin:interviews_interview_change", args=[reviewed.pk]),
        reverse("recruiter:interview_report", args=[reviewed.pk]),
        reverse("recruiter:template_compare", args=[reviewed.template_id]),
        reverse("admin:interviews_evaluation_change", args=[Evaluation.objects.get(interview=reviewed).pk]),
    ]
    for url in review_urls:
        with CaptureQueriesContext(connection) as review:
            page = staff_client.get(url).content.decode()
        assert not any(table in query["sql"] for query in review.captured_queries), url
        assert "Hispanic" not in page and "hispanic_latino" not in page and "Female" not in page, url
    report = staff_client.get(reverse("recruiter:interview_report", args=[reviewed.pk]), {"format": "json"})
    assert "hispanic" not in report.content.decode()


def _decided(template, *, sex: str, race: str, decision: str, score: float | None) -> Interview:
    interview = finished(make_interview(template=template, recruiter_decision=decision))
    if score is not None:
        Evaluation.objects.create(interview=interview, status=Evaluation.Status.DONE, overall_score=score)
    if sex or race:
        DemographicResponse.objects.create(interview=interview, sex=sex, race_ethnicity=race)
    return interview


def test_the_adverse_impact_export_gives_rates_ratios_intersections_and_unknowns(staff_client):
    template = make_template()
    # Women: 2 of 4 advanced (rate 0.5); men: 2 of 2 (rate 1.0, the reference); one with nothing reported.
    for decision, score in [("advance", 90), ("advance", 80), ("reject", 40), ("reject", 30)]:
        _decided(template, sex="female", race="asian", decision=decision, score=score)
    for decision, score in [("advance", 70), ("advance", 60)]:
        _decided(template, sex="male", race="white", decision=decision, score=score)
    _decided(template, sex="", race="", decision="reject", score=None)  # nothing reported: unknown
    make_interview(template=template, is_test=True, recruiter_decision="advance")  # a staff preview: left out
    response = staff_client.post(
        reverse("admin:interviews_interviewtemplate_changelist"),
        {"action": "export_adverse_impact", "_selected_action": [template.pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    by_group = {(row["dimension"], row["group"]): row for row in rows}
    women, men, unknown = by_group["sex", "female"], by_group["sex", "male"], by_group["sex", "unknown"]
    assert (women["applicants"], women["decided"], women["selected"]) == ("4", "4", "2")
    assert (women["selection_rate"], women["selection_impact_ratio"]) == ("0.5000", "0.5000")
    assert (men["selection_rate"], men["selection_impact_ratio"]) == ("1.0000", "1.0000")
    # Median of 90, 80, 70, 60, 40, 30 is 65: above it, women 2 of 4, men 1 of 2.
    assert women["median_score"] == "65.0"
    assert (women["scored"], women["scored_above_median"], women["scoring_rate"]) == ("4", "2", "0.5000")
    assert (men["scoring_rate"], men["scoring_impact_ratio"]) == ("0.5000", "1.0000")
    assert (unknown["applicants"], unknown["selected"], unknown["selection_impact_ratio"]) == ("1", "0", "")
    assert by_group["sex x race_ethnicity", "female x asian"]["applicants"] == "4"
    assert by_group["sex x race_ethnicity", "unknown x unknown"]["applicants"] == "1"
    assert by_group["race_ethnicity", "white"]["selection_impact_ratio"] == "1.0000"
    assert AuditEntry.objects.filter(action="export_adverse_impact").count() == 1


def test_the_adverse_impact_export_needs_its_own_permission(reviewed):
    from django.contrib.auth.models import Permission

    user = User.objects.create_user("reviewer", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_interviewtemplate", "view_interview"]))
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("admin:interviews_interviewtemplate_changelist"),
        {"action": "export_adverse_impact", "_selected_action": [reviewed.template_id]},
    )
    assert response.status_code == 403
