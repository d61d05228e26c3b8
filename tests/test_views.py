"""The candidate pages: invite, consent, interview page, finished page, and links that cannot work."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interviews.client_strings import CLIENT_STRINGS
from interviews.models import Interview
from tests.factories import make_interview, make_template

pytestmark = pytest.mark.django_db


def make_en_interview(**fields: object) -> Interview:
    """An invited candidate who has not agreed to the recording yet (unless `fields` say so)."""
    template = make_template(title="Backend Engineer Screen", role="Backend Engineer", time_limit_minutes=15)
    return make_interview(template=template, **{"consented_at": None, **fields})


def invite_url(interview: Interview) -> str:
    return reverse("interviews:invite", kwargs={"token": interview.invite_token})


def live_url(interview: Interview) -> str:
    return reverse("interviews:live", kwargs={"token": interview.invite_token})


def done_url(interview: Interview) -> str:
    return reverse("interviews:done", kwargs={"token": interview.invite_token})


def test_invite_page_shows_the_interview_and_the_ai_and_recording_notice(client: Client) -> None:
    interview = make_en_interview()

    response = client.get(invite_url(interview))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Backend Engineer Screen" in page
    assert "Backend Engineer" in page
    assert "English" in page
    assert "15 minutes" in page
    assert "The interviewer is an AI" in page
    assert "recorded" in page
    assert 'name="consent"' in page
    assert "csrfmiddlewaretoken" in page
    assert 'id="mic-check"' in page
    assert 'id="speaker-check"' in page
    assert '<html lang="en">' in page


def test_consent_is_required_to_start(client: Client) -> None:
    interview = make_en_interview()

    response = client.post(invite_url(interview), {})

    assert response.status_code == 400
    assert "Please tick the box" in response.content.decode()
    interview.refresh_from_db()
    assert interview.consented_at is None


def test_consent_is_stored_and_leads_to_the_interview_page(client: Client) -> None:
    interview = make_en_interview()
    before = timezone.now()

    response = client.post(invite_url(interview), {"consent": "yes"})

    assert response.status_code == 302
    assert response["Location"] == live_url(interview)
    interview.refresh_from_db()
    assert interview.consented_at is not None
    assert interview.consented_at >= before


def test_consent_form_needs_the_csrf_token() -> None:
    interview = make_en_interview()
    csrf_client = Client(enforce_csrf_checks=True)

    refused = csrf_client.post(invite_url(interview), {"consent": "yes"})
    assert refused.status_code == 403
    interview.refresh_from_db()
    assert interview.consented_at is None

    page = csrf_client.get(invite_url(interview))
    token = page.context["csrf_token"]
    accepted = csrf_client.post(invite_url(interview), {"consent": "yes", "csrfmiddlewaretoken": str(token)})
    assert accepted.status_code == 302
    interview.refresh_from_db()
    assert interview.consented_at is not None


def test_interview_page_is_not_reachable_before_consent(client: Client) -> None:
    interview = make_en_interview()

    response = client.get(live_url(interview))

    assert response.status_code == 302
    assert response["Location"] == invite_url(interview)


def test_interview_page_after_consent_carries_the_client_config(client: Client) -> None:
    interview = make_en_interview(consented_at=timezone.now())

    response = client.get(live_url(interview))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="module"' in page
    assert "interviews/interview.js" in page
    config = response.context["client_config"]
    assert config["token"] == interview.invite_token
    assert config["wsPath"] == f"/ws/interview/{interview.invite_token}/"
    assert config["doneUrl"] == done_url(interview)
    assert config["remainingSeconds"] == 15 * 60
    assert config["strings"]["act_listening"] == "Listening"
    # The config is embedded as JSON the module can parse.
    assert 'id="interview-config"' in page
    assert json.loads(json.dumps(config))


def test_interview_page_resyncs_the_timer_from_the_deadline(client: Client) -> None:
    now = timezone.now()
    interview = make_en_interview(
        consented_at=now,
        started_at=now - timedelta(minutes=5),
        deadline_at=now + timedelta(minutes=10),
        status=Interview.Status.IN_PROGRESS,
    )

    response = client.get(live_url(interview))

    remaining = response.context["client_config"]["remainingSeconds"]
    assert 595 <= remaining <= 600
    assert "Continue the interview" in client.get(invite_url(interview)).content.decode()


def test_unknown_link_is_404_with_a_clear_page(client: Client) -> None:
    for url in (
        reverse("interviews:invite", kwargs={"token": "no-such-token"}),
        reverse("interviews:live", kwargs={"token": "no-such-token"}),
        reverse("interviews:done", kwargs={"token": "no-such-token"}),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "This link does not work" in response.content.decode()


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_at": timezone.now() - timedelta(minutes=1)},
        {"status": Interview.Status.EXPIRED},
    ],
    ids=["past-expiry", "expired-status"],
)
def test_expired_link_is_410(client: Client, fields: dict[str, object]) -> None:
    interview = make_en_interview(**fields)

    for url in (invite_url(interview), live_url(interview), done_url(interview)):
        response = client.get(url)
        assert response.status_code == 410, url
        assert "This link has expired" in response.content.decode()
    assert client.post(invite_url(interview), {"consent": "yes"}).status_code == 410
    interview.refresh_from_db()
    assert interview.consented_at is None


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Interview.Status.COMPLETED, "This interview is over"),
        (Interview.Status.ABANDONED, "This interview is over"),
        (Interview.Status.FAILED, "technical problem"),
    ],
)
def test_ended_interview_link_is_410(client: Client, status: str, words: str) -> None:
    interview = make_en_interview(status=status, ended_at=timezone.now())

    response = client.get(invite_url(interview))

    assert response.status_code == 410
    assert "This interview has ended" in response.content.decode()
    assert words in response.content.decode()


def test_live_page_of_a_finished_interview_goes_to_the_finished_page(client: Client) -> None:
    interview = make_en_interview(
        status=Interview.Status.COMPLETED, consented_at=timezone.now(), ended_at=timezone.now()
    )

    response = client.get(live_url(interview))

    assert response.status_code == 302
    assert response["Location"] == done_url(interview)
    done = client.get(done_url(interview))
    assert done.status_code == 200
    assert "Thank you" in done.content.decode()
    assert "not finished yet" not in done.content.decode()


def test_finished_page_before_consent_goes_to_the_invite(client: Client) -> None:
    interview = make_en_interview()

    response = client.get(done_url(interview))

    assert response.status_code == 302
    assert response["Location"] == invite_url(interview)


def test_korean_template_gets_korean_ui_text(client: Client) -> None:
    template = make_template(title="백엔드 엔지니어 면접", role="백엔드 엔지니어", language="ko")
    interview = make_interview(template=template, consented_at=None)

    invite = client.get(invite_url(interview)).content.decode()
    assert '<html lang="ko">' in invite
    assert "면접관은 사람이 아닌 AI입니다" in invite
    assert "20분" in invite
    assert "면접 시작" in invite

    client.post(invite_url(interview), {"consent": "yes"})
    live = client.get(live_url(interview))
    assert live.context["client_config"]["strings"]["act_listening"] == "듣는 중"
    assert "면접 종료" in live.content.decode()


def test_hands_free_interview_page_has_no_push_to_talk_button(client: Client) -> None:
    template = make_template(title="Hands-free screen", hands_free=True)
    interview = make_interview(template=template, consented_at=timezone.now())

    invite = client.get(invite_url(interview)).content.decode()
    assert "simply answer out loud" in invite
    response = client.get(live_url(interview))

    page = response.content.decode()
    assert response.context["client_config"]["mode"] == "hands_free"
    assert 'data-mode="hands_free"' in page
    assert re.search(r'<button[^>]*id="mic-button"[^>]*\shidden', page)
    assert 'id="mute-button"' in page
    assert 'aria-keyshortcuts="Escape"' in page
    assert "just speak" in page


def test_push_to_talk_stays_the_default_for_templates_without_hands_free(client: Client) -> None:
    interview = make_en_interview(consented_at=timezone.now())

    response = client.get(live_url(interview))

    assert response.context["client_config"]["mode"] == "push_to_talk"
    assert re.search(r'<button[^>]*id="mute-button"[^>]*\shidden', response.content.decode())


def test_japanese_template_gets_japanese_pages(client: Client) -> None:
    template = make_template(title="バックエンドエンジニア 一次面接", role="バックエンドエンジニア", language="ja")
    interview = make_interview(template=template, consented_at=None)

    invite = client.get(invite_url(interview), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ja">' in invite  # the interview's language, not the browser's
    assert "面接官は人ではなくAIです" in invite
    assert "20分" in invite and "日本語" in invite
    assert "面接を始める" in invite

    client.post(invite_url(interview), {"consent": "yes"})
    live = client.get(live_url(interview))
    assert live.context["client_config"]["strings"]["act_listening"] == "聞いています"
    assert "面接を終了" in live.content.decode()


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_the_page_scripts_get_every_word_in_the_interview_language(client: Client, language: str) -> None:
    interview = make_interview(template=make_template(language=language), consented_at=timezone.now())

    strings = client.get(live_url(interview)).context["client_config"]["strings"]

    assert strings.keys() == CLIENT_STRINGS.keys()
    untranslated = [key for key, text in strings.items() if text == str(CLIENT_STRINGS[key])]
    assert untranslated == []


def test_a_started_interview_stays_resumable_after_its_invite_expires(client: Client) -> None:
    """The invite's expiry is a deadline to start; once started, the time limit is what counts."""
    interview = make_en_interview(
        status=Interview.Status.IN_PROGRESS,
        consented_at=timezone.now(),
        started_at=timezone.now() - timedelta(minutes=5),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert client.get(live_url(interview)).status_code == 200
