"""seed_demo and create_interview, through call_command as an operator would run them."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from interviews.models import Interview, InterviewTemplate

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_english_korean_and_japanese_backend_templates_idempotently():
    run("seed_demo")
    run("seed_demo")
    english = InterviewTemplate.objects.get(slug="backend-engineer-en")
    korean = InterviewTemplate.objects.get(slug="backend-engineer-ko")
    japanese = InterviewTemplate.objects.get(slug="backend-engineer-ja")
    assert (english.language, korean.language, japanese.language) == ("en", "ko", "ja")
    for template in (english, korean, japanese):
        assert template.questions.count() == 5
        assert template.criteria.count() == 4
        assert all(len(criterion.anchors) == 5 for criterion in template.criteria.all())
    assert "백엔드" in korean.title and "バックエンド" in japanese.title
    assert InterviewTemplate.objects.count() == 3


def test_create_interview_prints_invite_and_websocket_urls(settings):
    settings.PUBLIC_BASE_URL = "https://jobs.example.com"
    run("seed_demo")
    output = json.loads(run("create_interview", "--template", "backend-engineer-en", "--candidate", "Ada", "--json"))
    interview = Interview.objects.get(pk=output["id"])
    assert output["invite_url"] == f"https://jobs.example.com/i/{interview.invite_token}/"
    assert output["websocket_url"] == f"wss://jobs.example.com/ws/interview/{interview.invite_token}/"
    assert interview.candidate_name == "Ada" and interview.status == "invited"
    assert timedelta(days=6, hours=23) < interview.expires_at - timezone.now() <= timedelta(days=7)


def test_create_interview_by_id_with_email_and_expiry_in_text_form():
    run("seed_demo")
    template = InterviewTemplate.objects.get(slug="backend-engineer-ko")
    output = run(
        "create_interview",
        "--template",
        str(template.pk),
        "--candidate",
        "김민수",
        "--email",
        "m@example.com",
        "--expires-in",
        "12h",
    )
    interview = Interview.objects.get()
    assert f"/i/{interview.invite_token}/" in output
    assert "Invite link:" in output and "WebSocket:" in output
    assert interview.candidate_email == "m@example.com"
    assert interview.expires_at - timezone.now() <= timedelta(hours=12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--template", "nope", "--candidate", "A"],
            "No interview template 'nope'. Known templates: backend-engineer-en",
        ),
        (["--template", "backend-engineer-en", "--candidate", "  "], "name must not be empty"),
        (["--template", "backend-engineer-en", "--candidate", "A", "--expires-in", "soon"], "is not a duration"),
        (["--template", "backend-engineer-en", "--candidate", "A", "--expires-in", "0d"], "greater than zero"),
        (["--template", "backend-engineer-en", "--candidate", "A", "--email", "not-an-email"], "valid email"),
    ],
)
def test_create_interview_errors_are_clear(args, message):
    run("seed_demo")
    with pytest.raises(CommandError, match=message):
        call_command("create_interview", *args, stdout=StringIO())
    assert not Interview.objects.exists()


def test_text_fields_have_length_limits():
    run("seed_demo")
    with pytest.raises(CommandError, match="longer than 200 characters"):
        call_command(
            "create_interview", "--template", "backend-engineer-en", "--candidate", "A" * 201, stdout=StringIO()
        )
