"""purge_audio: deletes audio (and optionally texts) of interviews ended N+ days ago; a dry run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from interviews.evaluation import evaluation_run
from interviews.models import CriterionScore, Turn
from tests.factories import make_interview
from tests.recruiter_factories import add_conversation, finished

pytestmark = pytest.mark.django_db


@pytest.fixture
def interviews(settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    old = make_interview(candidate_name="Old Candidate")
    add_conversation(old)
    finished(old, days_ago=40)
    evaluation_run(interview_id=old.pk)
    recent = make_interview(candidate_name="Recent Candidate")
    add_conversation(recent)
    finished(recent, days_ago=5)
    live = make_interview(candidate_name="Live Candidate")
    add_conversation(live)  # never ended
    return old, recent, live


def files_of(interview) -> list[Path]:
    return [Path(t.audio.path) for t in Turn.objects.filter(interview=interview).exclude(audio="")]


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> str:
    call_command("purge_audio", *args)
    return capsys.readouterr().out


def test_dry_run_reports_counts_and_changes_nothing(interviews, capsys):
    old, _recent, _live = interviews
    paths = files_of(old)
    out = run("--older-than-days", "30", "--transcripts", "--dry-run", capsys=capsys)
    assert "Interviews that ended before" in out and ": 1" in out
    assert "Would delete 5 audio file(s)" in out
    assert "Would clear 5 turn text(s)" in out
    assert "Dry run: nothing was changed." in out
    assert len(paths) == 5 and all(p.exists() for p in paths)
    assert Turn.objects.filter(interview=old).exclude(text="").count() == 5


def test_purge_deletes_old_audio_only(interviews, capsys):
    old, recent, live = interviews
    old_paths, recent_paths, live_paths = files_of(old), files_of(recent), files_of(live)
    out = run("--older-than-days", "30", capsys=capsys)
    assert "Deleted 5 audio file(s)" in out
    assert not any(p.exists() for p in old_paths)
    assert Turn.objects.filter(interview=old).exclude(audio="").count() == 0
    assert Turn.objects.filter(interview=old).exclude(text="").count() == 5  # texts kept without --transcripts
    assert all(p.exists() for p in recent_paths + live_paths)
    assert "Deleted 0 audio file(s)" in run("--older-than-days", "30", capsys=capsys)  # idempotent


def test_purge_with_transcripts_clears_words_and_quoted_evidence(interviews, capsys):
    old, recent, _live = interviews
    assert CriterionScore.objects.filter(evaluation__interview=old).exclude(evidence=[]).exists()
    out = run("--older-than-days", "30", "--transcripts", capsys=capsys)
    assert "Cleared 5 turn text(s)" in out
    assert set(Turn.objects.filter(interview=old).values_list("text", flat=True)) == {""}
    assert not CriterionScore.objects.filter(evaluation__interview=old).exclude(evidence=[]).exists()
    assert CriterionScore.objects.filter(evaluation__interview=old).exists()  # scores stay
    assert Turn.objects.filter(interview=recent).exclude(text="").count() == 5


def test_zero_days_includes_every_ended_interview_but_never_a_live_one(interviews, capsys):
    _old, _recent, live = interviews
    assert "Deleted 10 audio file(s)" in run("--older-than-days", "0", capsys=capsys)
    assert len(files_of(live)) == 5
    with pytest.raises(CommandError):
        call_command("purge_audio", "--older-than-days", "-1")
