"""replay_session: the stored conversation with latency, a re-run through the current providers, audio."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pydub import AudioSegment

from interviews.models import Interview, new_invite_token
from tests.factories import make_interview
from tests.recruiter_factories import ANSWERS, add_conversation, finished
from tests.wsclient import FAKE_WEBM

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview() -> Interview:
    interview = make_interview()
    add_conversation(interview)
    return finished(interview)


def replay(*args: str, capsys: pytest.CaptureFixture[str]) -> str:
    call_command("replay_session", *args)
    return capsys.readouterr().out


def test_prints_the_conversation_with_timestamps_and_latency(interview, capsys):
    out = replay(str(interview.pk), capsys=capsys)
    assert "Jamie Doe" in out
    assert "+00:00.0  #0 Interviewer (greeting): Hello Jamie!" in out
    assert f"+00:05.0  #1 Candidate: {ANSWERS[0]}" in out
    assert "latency: Transcript 100 ms, LLM first token 300 ms, First clause 400 ms" in out
    assert "First audio sent 560 ms" in out and "Overhead 20 ms" in out
    assert re.search(r"First audio sent +610 ms / +655 ms", out)  # p50 / p95 over the two replies
    assert replay(interview.invite_token, capsys=capsys) == out


def test_rerun_feeds_stored_answers_through_the_current_providers(cloud_providers, fake_openai, capsys):
    interview = make_interview()
    add_conversation(interview, candidate_audio=FAKE_WEBM)
    finished(interview)
    fake_openai.transcripts = ["I built a payments service in Go.", "A different transcript now."]
    out = replay(str(interview.pk), "--rerun", capsys=capsys)

    assert "Re-run through the current providers: stt=openai llm=openai tts=elevenlabs" in out
    assert f"stored transcript: {ANSWERS[1]}" in out
    assert "new transcript:    A different transcript now." in out
    assert "transcripts differ" in out
    assert (
        "stored latency: transcript 100 ms, LLM first token 300 ms, first clause 400 ms, TTS first byte 550 ms" in out
    )
    new_latency = [line for line in out.splitlines() if "new latency:" in line]
    assert len(new_latency) == 2 and all("—" not in line for line in new_latency)
    assert "new reply: Thanks. You said: A different transcript now." in out

    uploads = fake_openai.requests_to("transcription")
    assert [u.body["file"]["size"] for u in uploads] == [len(FAKE_WEBM)] * 2
    assert uploads[0].body["language"] == "en"
    # The LLM saw the stored history up to each answer, with the new transcript as the last message.
    second_chat = fake_openai.requests_to("chat")[1].body["messages"]
    assert ANSWERS[0] in [m["content"] for m in second_chat]
    assert second_chat[-1] == {"role": "user", "content": "A different transcript now."}


def test_rerun_reports_a_provider_failure_per_turn(interview, cloud_providers, fake_openai, capsys):
    fake_openai.fail_next("transcription", status=400, count=1)
    out = replay(str(interview.pk), "--rerun", capsys=capsys)
    assert "error: STT failed: OpenAI answered 400." in out


def test_audio_renders_the_whole_conversation(interview, tmp_path: Path, capsys):
    out_file = tmp_path / "replay.mp3"
    out = replay(str(interview.pk), "--audio", str(out_file), capsys=capsys)
    assert "from 5 turn(s)" in out
    assert 3000 < len(AudioSegment.from_file(io.BytesIO(out_file.read_bytes()), format="mp3")) < 4000


def test_clear_errors_for_unknown_interviews_and_missing_audio(tmp_path: Path, cloud_providers):
    with pytest.raises(CommandError, match="No interview with id or token 'nope'"):
        call_command("replay_session", "nope")
    empty = make_interview()
    with pytest.raises(CommandError, match="no turns"):
        call_command("replay_session", str(empty.pk))
    silent = make_interview()
    add_conversation(silent, audio=False)
    with pytest.raises(CommandError, match="no stored candidate audio"):
        call_command("replay_session", str(silent.pk), "--rerun")
    with pytest.raises(CommandError, match="no playable audio"):
        call_command("replay_session", str(silent.pk), "--audio", str(tmp_path / "x.mp3"))


def test_no_invite_token_reads_as_an_option_on_the_command_line():
    # One in 64 tokens would start with "-" and be taken for an option by replay_session.
    assert not [token for token in (new_invite_token() for _ in range(2000)) if token.startswith("-")]
