"""Inviting from admin: the add form, the invite email, extending, revoking and renewing a link, a
staff preview; every page staff-only with permissions and CSRF."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interview_project.mail import RedactingConsoleBackend
from interviews import services
from interviews.events import SessionSuperseded, TurnRecord
from interviews.exceptions import InterviewError
from interviews.models import Interview, Turn
from interviews.protocol import CloseCode
from interviews.recruiting import links
from interviews.recruiting import services as recruiting_services
from tests.factories import make_interview, make_template
from tests.recruiter_factories import add_conversation, finished
from tests.wsclient import answer, communicator, connect, new_interview, receive_until, turns_of

pytestmark = pytest.mark.django_db


def staff(*perms: str) -> Client:
    user = User.objects.create_user(f"staff-{len(perms)}-{'-'.join(perms)}"[:150], password="pw", is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


def links_url(operation: str, *interviews: Interview) -> str:
    ids = ",".join(str(interview.pk) for interview in interviews)
    return reverse("admin:interviews_interview_links", args=[operation]) + f"?ids={ids}"


# --- the add form ----------------------------------------------------------------------------------


def test_the_add_form_creates_the_interview_through_the_service_and_shows_a_copyable_link(staff_client, settings):
    settings.PUBLIC_BASE_URL = "https://jobs.example.com"
    template = make_template()
    add_url = reverse("admin:interviews_interview_add")
    page = staff_client.get(add_url, {"template": template.pk}).content.decode()
    assert f'<option value="{template.pk}" selected>' in page
    response = staff_client.post(
        add_url,
        {"template": template.pk, "candidate_name": "  Ada Lovelace ", "candidate_email": "", "expires_in_days": 3},
    )
    interview = Interview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:interviews_interview_change", args=[interview.pk])
    assert interview.candidate_name == "Ada Lovelace"  # the service strips it
    assert interview.template_version == template.version
    assert timedelta(days=2, hours=23) < interview.expires_at - timezone.now() <= timedelta(days=3)
    change = staff_client.get(response["Location"]).content.decode()
    link = "https://jobs.example.com" + reverse("interviews:invite", args=[interview.invite_token])
    assert f'value="{link}"' in change
    assert 'id="copy-invite"' in change
    assert "recruiter/invite-link.js" in change
    assert "Invite created for Ada Lovelace." in change
    assert mail.outbox == []


def test_the_add_form_can_email_the_link_at_once_and_needs_an_address_for_that(staff_client):
    template = make_template()
    add_url = reverse("admin:interviews_interview_add")
    form = {"template": template.pk, "candidate_name": "Ada", "expires_in_days": 7, "send_invite": "on"}
    page = staff_client.post(add_url, form).content.decode()
    assert "An email address is needed to send the invite." in page
    assert not Interview.objects.exists()
    response = staff_client.post(add_url, {**form, "candidate_email": "ada@example.com"}, follow=True)
    assert "Emailed the invite to 1 candidate(s)." in response.content.decode()
    assert len(mail.outbox) == 1
    assert Interview.objects.get().invite_sent_at is not None


def test_the_add_form_refuses_bad_input_in_words(staff_client):
    template = make_template()
    add_url = reverse("admin:interviews_interview_add")
    page = staff_client.post(
        add_url, {"template": template.pk, "candidate_name": "   ", "candidate_email": "nope", "expires_in_days": 0}
    ).content.decode()
    assert "Enter a valid email address." in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert not Interview.objects.exists()


def test_a_template_action_opens_the_add_form_with_the_template_chosen(staff_client):
    template = make_template()
    changelist = reverse("admin:interviews_interviewtemplate_changelist")
    response = staff_client.post(changelist, {"action": "create_invite", "_selected_action": [template.pk]})
    assert response["Location"] == reverse("admin:interviews_interview_add") + f"?template={template.pk}"
    response = staff_client.post(changelist, {"action": "bulk_invite", "_selected_action": [template.pk]})
    assert response["Location"] == reverse("admin:interviews_interview_bulk_invite") + f"?template={template.pk}"


# --- the invite email ------------------------------------------------------------------------------


def test_the_invite_email_is_in_the_interviews_language_with_its_link_and_expiry(settings):
    settings.PUBLIC_BASE_URL = "https://jobs.example.com"
    settings.DEFAULT_FROM_EMAIL = "Hiring <hiring@example.com>"
    english = make_interview(
        template=make_template(role="Backend Engineer", time_limit_minutes=25), candidate_name="Ada & Co"
    )
    korean = make_interview(template=make_template(language="ko", role="백엔드 엔지니어"), candidate_name="김민수")
    recruiting_services.interview_send_invite(interview_id=english.pk)
    recruiting_services.interview_send_invite(interview_id=korean.pk)
    en, ko = mail.outbox
    assert en.subject == "Your interview for Backend Engineer"
    assert en.to == ["jamie@example.com"] and en.from_email == "Hiring <hiring@example.com>"
    assert "Hello Ada & Co," in en.body  # plain text: nothing HTML-escaped
    assert f"https://jobs.example.com/i/{english.invite_token}/" in en.body
    assert "about 25 minutes" in en.body
    assert english.expires_at.strftime("%Y") in en.body and "UTC" in en.body
    assert ko.subject == "백엔드 엔지니어 면접 안내"
    assert "김민수님, 안녕하세요." in ko.body
    assert f"/i/{korean.invite_token}/" in ko.body
    assert f"{korean.expires_at.year}년" in ko.body
    english.refresh_from_db()
    assert english.invite_sent_at is not None


def test_an_invite_is_not_sent_without_an_address_for_a_dead_link_or_for_a_preview():
    no_email = make_interview(candidate_email="")
    revoked = make_interview()
    links.interview_revoke(interview_id=revoked.pk)
    preview = make_interview(is_test=True)
    sent, problems = recruiting_services.interviews_send_invites(interview_ids=[no_email.pk, revoked.pk, preview.pk])
    assert sent == []
    assert problems == [
        "Jamie Doe has no email address.",
        "Jamie Doe's link no longer works (expired); extend it or issue a fresh link first.",
        "A preview is not sent to anyone.",
    ]
    assert mail.outbox == []


def test_a_mail_server_that_fails_is_reported_and_nothing_is_marked_sent(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens on 9
    interview = make_interview()
    with pytest.raises(InterviewError, match="mail server could not be reached"):
        recruiting_services.interviews_send_invites(interview_ids=[interview.pk])
    with pytest.raises(InterviewError, match="could not be sent"):
        recruiting_services.interview_send_invite(interview_id=interview.pk)
    interview.refresh_from_db()
    assert interview.invite_sent_at is None


def test_the_send_action_confirms_then_emails_the_chosen_candidates(staff_client):
    first, second = make_interview(candidate_name="Ada"), make_interview(candidate_name="Grace")
    changelist = reverse("admin:interviews_interview_changelist")
    page = staff_client.post(changelist, {"action": "send_invite", "_selected_action": [first.pk, second.pk]})
    assert page.status_code == 200
    assert "Email the invite link" in page.content.decode()
    assert mail.outbox == []  # the action only asks
    response = staff_client.post(
        reverse("admin:interviews_interview_links", args=["send"]),
        {"ids": f"{first.pk},{second.pk}", "confirm": "yes"},
        follow=True,
    )
    assert "Emailed the invite to 2 candidate(s)." in response.content.decode()
    assert sorted(message.to[0] for message in mail.outbox) == ["jamie@example.com", "jamie@example.com"]


def test_the_console_backend_prints_emails_with_the_invite_token_redacted():
    interview = make_interview()
    stream = io.StringIO()
    backend = RedactingConsoleBackend(stream=stream)
    backend.send_messages([recruiting_services.invite_email(interview=interview)])
    printed = stream.getvalue()
    assert "/i/[redacted]/" in printed
    assert interview.invite_token not in printed
    assert "Hello Jamie Doe," in printed


# --- extend, revoke, fresh link -------------------------------------------------------------------


def test_extending_adds_days_to_an_unused_link_and_reopens_one_that_ran_out():
    interview = make_interview()
    before = interview.expires_at
    links.interview_extend_expiry(interview_id=interview.pk, days=3)
    interview.refresh_from_db()
    assert interview.expires_at == before + timedelta(days=3)

    lapsed = make_interview(expires_at=timezone.now() - timedelta(hours=1))
    services.interview_sweep(abandon_after=timedelta(minutes=30))
    lapsed.refresh_from_db()
    assert lapsed.status == Interview.Status.EXPIRED
    token = lapsed.invite_token
    links.interview_extend_expiry(interview_id=lapsed.pk, days=2)
    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.end_reason, lapsed.ended_at) == (Interview.Status.INVITED, "", None)
    assert lapsed.invite_token == token  # the email the candidate has works again
    assert timedelta(days=1, hours=23) < lapsed.expires_at - timezone.now() <= timedelta(days=2)
    assert Client().get(reverse("interviews:invite", args=[token])).status_code == 200


@pytest.mark.parametrize(
    ("status", "end_reason", "message"),
    [
        (Interview.Status.IN_PROGRESS, "", "has started: its link works until it ends"),
        (Interview.Status.EXPIRED, "revoked", "was revoked; issue a fresh link instead"),
        (Interview.Status.COMPLETED, "plan_complete", "has ended (completed)"),
    ],
)
def test_a_link_that_cannot_be_extended_says_why(status, end_reason, message):
    interview = make_interview(status=status, end_reason=end_reason)
    with pytest.raises(InterviewError, match=re.escape(message)):
        links.interview_extend_expiry(interview_id=interview.pk, days=3)


def test_extending_is_limited_to_a_year():
    interview = make_interview()
    with pytest.raises(InterviewError, match="at most 365 days"):
        links.interview_extend_expiry(interview_id=interview.pk, days=366)


def test_a_revoked_link_is_refused_by_the_pages_and_the_socket():
    interview = make_interview()
    links.interview_revoke(interview_id=interview.pk)
    interview.refresh_from_db()
    assert (interview.status, interview.end_reason) == (Interview.Status.EXPIRED, links.REVOKED)
    assert interview.expires_at <= timezone.now()
    response = Client().get(reverse("interviews:invite", args=[interview.invite_token]))
    assert response.status_code == 410
    with pytest.raises(InterviewError) as refused:
        services.interview_claim_session(interview_id=interview.pk, channel="test")
    assert refused.value.code == "expired"
    with pytest.raises(InterviewError, match="already closed"):
        links.interview_revoke(interview_id=interview.pk)


def test_revoking_fences_out_the_live_session_for_its_next_write_and_heartbeat():
    interview = make_interview()
    claim = services.interview_claim_session(interview_id=interview.pk, channel="live")
    services.interview_start(interview_id=interview.pk, epoch=claim.epoch, channel="live")
    services.interview_touch(interview_id=interview.pk, epoch=claim.epoch)  # the lease holds
    links.interview_revoke(interview_id=interview.pk)
    with pytest.raises(SessionSuperseded):
        services.interview_touch(interview_id=interview.pk, epoch=claim.epoch)
    assert services.interview_finish(interview_id=interview.pk, reason="plan_complete") == 0  # no evaluation


def test_a_stored_turn_marks_the_interview_seen_and_a_replaced_session_stores_none():
    interview = make_interview()
    claim = services.interview_claim_session(interview_id=interview.pk, channel="live")
    services.interview_start(interview_id=interview.pk, epoch=claim.epoch, channel="live")
    long_ago = timezone.now() - timedelta(minutes=30)
    Interview.objects.filter(pk=interview.pk).update(last_seen_at=long_ago)

    def turn(index: int) -> TurnRecord:
        now = timezone.now()
        return TurnRecord(interview.pk, index, "interviewer", f"Question {index}?", now, now)

    services.turn_record(record=turn(0), epoch=claim.epoch)
    interview.refresh_from_db()
    assert interview.last_seen_at is not None and interview.last_seen_at > long_ago
    links.interview_revoke(interview_id=interview.pk)  # a newer holder: the live session is fenced out
    with pytest.raises(SessionSuperseded):
        services.turn_record(record=turn(1), epoch=claim.epoch)
    assert [t.index for t in Turn.objects.filter(interview=interview)] == [0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("cloud_providers")
async def test_a_live_candidate_is_stopped_when_the_link_is_revoked_and_cannot_come_back():
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")  # the greeting is said...
    for _ in range(400):  # ...and stored (its write follows the audio; up to 20 s on a busy machine)
        if await turns_of(interview):
            break
        await asyncio.sleep(0.05)
    await database_sync_to_async(links.interview_revoke)(interview_id=interview.pk)
    await answer(comm)  # the session's next write: the answer, stored when it ends
    while (output := await comm.receive_output(timeout=10))["type"] != "websocket.close":
        pass
    assert output["code"] == CloseCode.REPLACED  # 4001: the page does not reconnect
    assert [turn.speaker for turn in await turns_of(interview)] == ["interviewer"]  # nothing after the revoke
    again = communicator(interview.invite_token)
    connected, _ = await again.connect()
    assert connected
    refusal = await again.receive_json_from(timeout=5)
    assert refusal["type"] == "error" and refusal["fatal"]
    assert (await again.receive_output(timeout=5))["code"] == CloseCode.GONE  # 4410
    await again.disconnect()


def test_a_fresh_link_reopens_an_interview_that_never_started_under_a_new_token():
    interview = make_interview(consented_at=timezone.now())
    links.interview_revoke(interview_id=interview.pk)
    old_token = interview.invite_token
    renewed = links.interview_issue_fresh_link(interview_id=interview.pk, expires_in=timedelta(days=5))
    assert renewed.pk == interview.pk
    assert renewed.invite_token != old_token
    assert (renewed.status, renewed.end_reason, renewed.consented_at) == (Interview.Status.INVITED, "", None)
    assert Client().get(reverse("interviews:invite", args=[old_token])).status_code == 404
    assert Client().get(reverse("interviews:invite", args=[renewed.invite_token])).status_code == 200


def test_a_fresh_link_for_an_abandoned_interview_is_a_new_interview_once():
    abandoned = make_interview(candidate_name="Ada")
    add_conversation(abandoned, audio=False)
    abandoned.status = Interview.Status.ABANDONED
    abandoned.save()
    retake = links.interview_issue_fresh_link(interview_id=abandoned.pk)
    assert retake.pk != abandoned.pk
    assert (retake.retake_of_id, retake.candidate_name, retake.status) == (abandoned.pk, "Ada", "invited")
    assert Turn.objects.filter(interview=abandoned).count() == 5  # the recording stays with the old one
    with pytest.raises(InterviewError, match=f"already has a fresh link \\(interview {retake.pk}\\)"):
        links.interview_issue_fresh_link(interview_id=abandoned.pk)


def test_a_completed_or_open_interview_gets_no_fresh_link():
    for status in (Interview.Status.COMPLETED, Interview.Status.INVITED, Interview.Status.IN_PROGRESS):
        interview = make_interview(status=status)
        with pytest.raises(InterviewError, match="only an expired, abandoned or failed interview"):
            links.interview_issue_fresh_link(interview_id=interview.pk)


def test_the_change_page_offers_what_fits_the_interview_and_each_goes_through_a_confirmation(staff_client):
    interview = make_interview()
    change_url = reverse("admin:interviews_interview_change", args=[interview.pk])
    page = staff_client.get(change_url).content.decode()
    assert "Email the invite" in page and "Extend the link" in page and "Revoke the link" in page
    assert "Issue a fresh link" not in page

    confirm = staff_client.get(links_url("revoke", interview)).content.decode()
    assert "The link stops working at once." in confirm
    interview.refresh_from_db()
    assert interview.status == Interview.Status.INVITED  # a GET changes nothing

    response = staff_client.post(
        reverse("admin:interviews_interview_links", args=["revoke"]), {"ids": str(interview.pk), "confirm": "1"}
    )
    assert response["Location"] == change_url
    interview.refresh_from_db()
    assert interview.end_reason == links.REVOKED
    page = staff_client.get(change_url).content.decode()
    assert "(closed: revoked)" in page and "Issue a fresh link" in page and "Revoke the link" not in page

    response = staff_client.post(
        reverse("admin:interviews_interview_links", args=["fresh"]), {"ids": str(interview.pk), "confirm": "1"}
    )
    interview.refresh_from_db()
    assert interview.status == Interview.Status.INVITED
    assert 'id="invite-url"' in staff_client.get(response["Location"]).content.decode()


def test_the_extend_page_asks_for_days_and_reports_what_it_could_not_do(staff_client):
    invited, completed = make_interview(candidate_name="Ada"), make_interview(candidate_name="Bo", status="completed")
    before = invited.expires_at
    url = reverse("admin:interviews_interview_links", args=["extend"])
    page = staff_client.post(url, {"ids": f"{invited.pk},{completed.pk}", "confirm": "1", "days": "0"})
    assert "Ensure this value is greater than or equal to 1." in page.content.decode()
    response = staff_client.post(url, {"ids": f"{invited.pk},{completed.pk}", "confirm": "1", "days": "4"}, follow=True)
    text = response.content.decode()
    assert "Link extended: 1 interview(s)." in text
    assert "Bo&#x27;s interview has ended (completed)." in text
    invited.refresh_from_db()
    assert invited.expires_at == before + timedelta(days=4)


def test_an_in_progress_interview_is_flagged_before_it_is_revoked(staff_client):
    interview = make_interview(status=Interview.Status.IN_PROGRESS)
    page = staff_client.get(links_url("revoke", interview)).content.decode()
    assert "the candidate&#x27;s session ends within 30 seconds" in page


# --- preview ---------------------------------------------------------------------------------------


def test_preview_creates_a_staff_only_test_interview_and_opens_its_invite_page(staff_client):
    template = make_template()
    response = staff_client.post(reverse("admin:interviews_interviewtemplate_preview", args=[template.pk]))
    preview = Interview.objects.get()
    assert preview.is_test and preview.candidate_name == "Preview by recruiter"
    assert preview.expires_at - timezone.now() <= timedelta(days=1)
    assert response["Location"] == reverse("interviews:invite", args=[preview.invite_token])
    assert staff_client.get(response["Location"]).status_code == 200
    consent = staff_client.post(response["Location"], {"consent": "yes"})
    assert consent["Location"] == reverse("interviews:live", args=[preview.invite_token])
    # Anyone else: the link does not exist, so no consent, so no socket.
    for url in ("interviews:invite", "interviews:live", "interviews:done"):
        assert Client().get(reverse(url, args=[preview.invite_token])).status_code == 404
    assert (
        staff_client.get(reverse("admin:interviews_interviewtemplate_preview", args=[template.pk])).status_code == 405
    )
    page = staff_client.get(reverse("admin:interviews_interview_change", args=[preview.pk])).content.decode()
    assert "Test interview (a staff preview)" in page


# --- who may do what --------------------------------------------------------------------------------


def recruiter_pages(interview: Interview) -> list[str]:
    template_id = interview.template_id
    return [
        reverse("admin:interviews_interview_add"),
        reverse("admin:interviews_interview_bulk_invite"),
        links_url("send", interview),
        links_url("extend", interview),
        links_url("revoke", interview),
        links_url("fresh", interview),
        reverse("admin:interviews_interviewtemplate_draft_plan", args=[template_id]),
        reverse("recruiter:template_compare", args=[template_id]),
        reverse("recruiter:overview"),
    ]


def test_anonymous_and_non_staff_users_are_sent_to_the_login():
    interview = make_interview()
    non_staff = Client()
    non_staff.force_login(User.objects.create_user("candidate", password="pw"))
    for client in (Client(), non_staff):
        for url in recruiter_pages(interview):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
        preview = client.post(reverse("admin:interviews_interviewtemplate_preview", args=[interview.template_id]))
        assert preview["Location"].startswith("/admin/login/")
    assert Interview.objects.count() == 1


def test_staff_need_the_permission_for_each_page():
    interview = make_interview()
    bare = staff()
    for url in recruiter_pages(interview):
        assert bare.get(url).status_code == 403, url
    assert (
        bare.post(reverse("admin:interviews_interviewtemplate_preview", args=[interview.template_id])).status_code
        == 403
    )
    viewer = staff("view_interview", "view_interviewtemplate")
    assert viewer.get(reverse("recruiter:overview")).status_code == 200
    assert viewer.get(reverse("recruiter:template_compare", args=[interview.template_id])).status_code == 200
    for url in recruiter_pages(interview)[:6]:
        assert viewer.get(url).status_code == 403, url
    changer = staff("view_interview", "change_interview")
    assert changer.get(links_url("revoke", interview)).status_code == 200
    assert changer.get(links_url("fresh", interview)).status_code == 403  # a fresh link may create an interview
    assert changer.get(reverse("admin:interviews_interview_add")).status_code == 403
    inviter = staff("view_interview", "add_interview")
    assert inviter.get(reverse("admin:interviews_interview_add")).status_code == 200
    assert inviter.get(reverse("admin:interviews_interview_bulk_invite")).status_code == 200


def test_every_form_needs_its_csrf_token():
    user = User.objects.create_superuser("csrf", "csrf@example.com", "pw")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    interview = make_interview()
    template_id = interview.template_id
    for url, data in [
        (
            reverse("admin:interviews_interview_add"),
            {"template": template_id, "candidate_name": "X", "expires_in_days": 1},
        ),
        (reverse("admin:interviews_interview_links", args=["revoke"]), {"ids": interview.pk, "confirm": "1"}),
        (reverse("admin:interviews_interviewtemplate_preview", args=[template_id]), {}),
        (reverse("admin:interviews_interviewtemplate_draft_plan", args=[template_id]), {"step": "draft"}),
        (reverse("admin:interviews_interview_bulk_invite"), {"template": template_id}),
    ]:
        assert client.post(url, data).status_code == 403, url
    interview.refresh_from_db()
    assert interview.status == Interview.Status.INVITED and Interview.objects.count() == 1


def test_the_interview_list_marks_previews_and_filters_them(staff_client):
    make_interview(candidate_name="Real Candidate")
    make_interview(candidate_name="Preview by recruiter", is_test=True)
    url = reverse("admin:interviews_interview_changelist")
    page = staff_client.get(url, {"is_test__exact": "0"}).content.decode()
    assert "Real Candidate" in page and "Preview by recruiter" not in page
    assert "Invite from a CSV file" in page


def test_a_completed_interview_change_page_links_to_the_comparison(staff_client):
    interview = finished(make_interview())
    page = staff_client.get(reverse("admin:interviews_interview_change", args=[interview.pk])).content.decode()
    assert reverse("recruiter:template_compare", args=[interview.template_id]) in page
    assert "(closed: completed)" in page
