"""export_interview: JSON with everything, Markdown and printable HTML reports, and one MP3 of both sides."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pydub import AudioSegment

from interviews.evaluation import HEURISTIC_NOTICE, evaluation_run
from interviews.models import Evaluation, Interview
from tests.factories import make_interview
from tests.recruiter_factories import ANSWERS, add_conversation, finished

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview(settings) -> Interview:
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    interview = make_interview()
    add_conversation(interview)
    finished(interview)
    interview.recruiter_decision, interview.recruiter_notes = "advance", "Good on ledgers."
    interview.save()
    evaluation_run(interview_id=interview.pk)
    return interview


def export(*args: str, capsys: pytest.CaptureFixture[str]) -> str:
    call_command("export_interview", *args)
    return capsys.readouterr().out


def test_json_export_holds_template_interview_turns_with_timings_and_evaluation(interview, capsys):
    data = json.loads(export(str(interview.pk), "--format", "json", capsys=capsys))
    assert data["template"]["slug"] == interview.template.slug
    assert data["template"]["rubric"][0]["name"] == "Technical depth"
    assert len(data["template"]["questions"]) == 3
    assert data["interview"]["candidate_name"] == "Jamie Doe"
    assert data["interview"]["recruiter_decision"] == "advance"
    assert data["interview"]["consented_at"]
    assert "invite_token" not in json.dumps(data["interview"])
    assert [t["speaker"] for t in data["turns"]] == [
        "interviewer",
        "candidate",
        "interviewer",
        "candidate",
        "interviewer",
    ]
    assert data["turns"][1]["text"] == ANSWERS[0]
    assert data["turns"][2]["timings_ms"]["first_audio_sent_ms"] == 560
    assert data["turns"][2]["timings_ms"]["overhead_ms"] == 20
    assert data["latency"]["first_audio_sent_ms"] == {"p50": 610.0, "p95": 655.0, "count": 2}
    assert data["evaluation"]["status"] == "done"
    assert data["evaluation"]["evaluator"] == "heuristic"
    assert data["evaluation"]["evaluator_notice"] == HEURISTIC_NOTICE
    assert data["evaluation"]["scores"][0]["criterion"] == "Technical depth"


def test_markdown_and_html_reports(interview, capsys, tmp_path: Path):
    markdown = export(interview.invite_token, "--format", "md", capsys=capsys)
    assert markdown.startswith("# Interview: Jamie Doe")
    assert HEURISTIC_NOTICE in markdown
    assert f"**1. Candidate**: {ANSWERS[0]}" in markdown
    assert "| First audio sent | 610 | 655 | 2 |" in markdown
    assert "Good on ledgers." in markdown

    out = tmp_path / "report.html"
    call_command("export_interview", str(interview.pk), "--format", "html", "-o", str(out))
    html = out.read_text()
    assert html.startswith("<!doctype html>")
    assert "@media print" in html
    assert "Technical depth" in html and HEURISTIC_NOTICE in html
    assert "I built a payments service in Go" in html


def test_a_failed_evaluation_is_exported_as_failed(interview, capsys):
    Evaluation.objects.filter(interview=interview).update(status="failed", error="OpenAI answered 500.")
    interview.evaluation.scores.all().delete()
    assert "**The evaluation failed:** OpenAI answered 500." in export(
        str(interview.pk), "--format", "md", capsys=capsys
    )


def test_audio_export_is_one_mp3_of_every_turn(interview, tmp_path: Path, capsys):
    out = tmp_path / "interview.mp3"
    call_command("export_interview", str(interview.pk), "--audio", str(out), "-o", str(tmp_path / "x.json"))
    audio = AudioSegment.from_file(io.BytesIO(out.read_bytes()), format="mp3")
    assert 3000 < len(audio) < 4000
    assert "from 5 turn(s)" in capsys.readouterr().err


def test_unknown_interviews_and_missing_audio_are_clear_errors(capsys, tmp_path: Path):
    with pytest.raises(CommandError, match="No interview"):
        call_command("export_interview", "424242")
    silent = make_interview()
    add_conversation(silent, audio=False)
    with pytest.raises(CommandError, match="no playable audio"):
        call_command("export_interview", str(silent.pk), "--audio", str(tmp_path / "a.mp3"), "-o", str(tmp_path / "b"))


HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_ANSWER = (
    "<script>alert(1)</script> I built it in **Go** with [a link](javascript:alert(1)) | a cell | and `code`."
)


def test_markdown_export_keeps_what_people_wrote_as_text_never_html_or_markup(settings, capsys):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    interview = make_interview(candidate_name=HOSTILE_NAME)
    add_conversation(interview, answers=[HOSTILE_ANSWER, ANSWERS[1]], audio=False)
    finished(interview)
    interview.recruiter_notes = "# Hire\n<b>now</b>\n1. first\n---"
    interview.save()
    evaluation_run(interview_id=interview.pk)  # its evidence quotes the candidate's words too

    markdown = export(str(interview.pk), "--format", "md", capsys=capsys)
    assert "<" not in markdown.replace("<br>", "")  # no tag, comment or autolink from anyone's words
    assert markdown.startswith("# Interview: &lt;img src=x onerror=alert(1)&gt; — ")
    assert (
        "**1. Candidate**: &lt;script&gt;alert(1)&lt;/script&gt; I built it in \\*\\*Go\\*\\* with "
        "\\[a link\\](javascript:alert(1)) \\| a cell \\| and \\`code\\`."
    ) in markdown
    # The notes stay paragraphs: no heading, list or rule of the recruiter's making.
    assert "\\# Hire\n&lt;b&gt;now&lt;/b&gt;\n1\\. first\n\\---" in markdown
