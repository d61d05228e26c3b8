"""Limits, provider faults, resume and storage faults: the session survives and nothing is lost."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.utils import timezone

from interviews.audio import RECOGNITION_RATE, wav_seconds
from interviews.consumers import InterviewConsumer, live_session_count
from interviews.events import TurnRecord
from interviews.models import Interview, Turn
from interviews.pipeline import Session, SessionConfig
from interviews.protocol import AudioChunk, AudioEnd, CloseCode, ServerFrame
from interviews.provider_settings import configured_providers
from interviews.services import InterviewStore, interview_start, interview_sweep
from interviews.testing.webm import make_test_webm
from tests.factories import make_interview
from tests.wsclient import FAKE_WEBM, answer, communicator, connect, new_interview, receive_until, text_of, turns_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("cloud_providers")]


async def test_a_flood_is_stopped_while_other_sessions_stay_responsive(settings, fake_openai):
    settings.INTERVIEW = {**settings.INTERVIEW, "MAX_MESSAGES_PER_SECOND": 20, "MAX_MESSAGE_BURST": 20}
    calm, flooder = await new_interview(), await new_interview()
    calm_comm, _ = await connect(calm.invite_token)
    flood_comm, _ = await connect(flooder.invite_token)
    await receive_until(calm_comm, "ai_audio_end")
    for _ in range(60):
        await flood_comm.send_json_to({"type": "interrupt"})
    frames = []
    while (frame := await flood_comm.receive_output(timeout=5))["type"] != "websocket.close":
        frames.append(frame)
    assert frame["code"] == CloseCode.PROTOCOL_ABUSE
    assert '"rate_limited"' in frames[-1]["text"]
    await answer(calm_comm)
    reply = await receive_until(calm_comm, "ai_audio_end")
    assert "You said" in text_of(reply)
    await calm_comm.disconnect()
    await flood_comm.disconnect()


async def test_the_server_refuses_sessions_over_its_cap(settings):
    settings.INTERVIEW = {**settings.INTERVIEW, "MAX_SESSIONS": 1}
    first, second = await new_interview(), await new_interview()
    comm, _ = await connect(first.invite_token)
    refused = communicator(second.invite_token)
    await refused.connect()
    error = await refused.receive_json_from(timeout=5)
    assert error["fatal"] is True
    assert "full" in error["message"]
    assert (await refused.receive_output(timeout=5))["code"] == CloseCode.BUSY
    await refused.disconnect()
    await comm.disconnect()


async def test_a_consumer_that_crashes_frees_its_slot_and_its_claim_on_the_interview(monkeypatch):
    async def crash(self, message):
        raise RuntimeError("a bug in dispatch")

    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    assert live_session_count() == 1
    monkeypatch.setattr(InterviewConsumer, "websocket_receive", crash)
    await comm.send_json_to({"type": "end_interview"})
    with pytest.raises(RuntimeError, match="a bug in dispatch"):
        await comm.receive_output(timeout=5)
    assert live_session_count() == 0
    stored = await database_sync_to_async(Interview.objects.get)(pk=interview.pk)
    assert stored.live_channel == ""
    assert [t.index for t in await turns_of(interview)] == [0]  # the greeting it spoke is kept


async def test_an_answer_over_the_limit_is_cut_there_and_the_rest_dropped(settings, fake_openai):
    settings.INTERVIEW = {**settings.INTERVIEW, "MAX_ANSWER_BYTES": 3000}
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await answer(comm, FAKE_WEBM * 3)
    frames = await receive_until(comm, "ai_audio_end")
    assert frames[0]["code"] == "answer_too_long"
    assert next(f for f in frames if f["type"] == "user_transcript")["final"]
    await answer(comm)  # the next answer is taken normally
    await receive_until(comm, "ai_audio_end")
    await comm.disconnect()
    uploads = [r.file_bytes for r in fake_openai.requests_to("transcription")]
    assert len(uploads[0]) <= 3000
    assert uploads[1] == FAKE_WEBM


async def test_random_bytes_as_audio_get_a_clear_error_and_the_session_goes_on(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await answer(comm, b"\x00garbage" * 300)
    error = await comm.receive_json_from(timeout=5)
    assert error["code"] == "bad_audio"
    assert not error["fatal"]
    assert await comm.receive_nothing(timeout=0.5)
    assert fake_openai.requests_to("transcription") == []
    await answer(comm)
    await receive_until(comm, "ai_audio_end")
    await comm.disconnect()


async def test_speech_is_retried_once_before_any_byte(fake_elevenlabs):
    fake_elevenlabs.fail_next("tts", status=503)
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    frames = await receive_until(comm, "ai_audio_end")
    assert not [f for f in frames if f["type"] == "error"]
    assert any(f["type"] == "ai_audio_chunk" for f in frames)
    await comm.disconnect()
    statuses = [r.status for r in fake_elevenlabs.requests_to("tts")]
    assert statuses[:2] == [503, 200]


async def test_resume_answers_a_transcribed_answer_that_never_got_its_reply(fake_openai):
    interview = await new_interview(greeting_spoken=True)
    await database_sync_to_async(Turn.objects.bulk_create)(
        [
            Turn(interview=interview, index=0, speaker="interviewer", text="Hello! Tell me about yourself."),
            Turn(interview=interview, index=1, speaker="candidate", text="I design payment systems."),
        ]
    )
    comm, _ = await connect(interview.invite_token)
    frames = await receive_until(comm, "ai_audio_end")
    assert "I design payment systems" in text_of(frames)
    assert frames[-1]["turn"] == 2
    await comm.disconnect()
    assert len(fake_openai.requests_to("chat")) == 1


async def test_resume_asks_again_for_an_answer_that_was_never_transcribed(fake_openai):
    interview = await new_interview(greeting_spoken=True)
    await database_sync_to_async(Turn.objects.bulk_create)(
        [
            Turn(interview=interview, index=0, speaker="interviewer", text="Hello! Tell me about yourself."),
            Turn(interview=interview, index=1, speaker="candidate", text=""),
        ]
    )
    comm, _ = await connect(interview.invite_token)
    frames = await receive_until(comm, "ai_audio_end")
    assert "disconnected" in text_of(frames)
    assert fake_openai.requests_to("chat") == []
    await comm.disconnect()


async def test_a_disconnect_mid_answer_keeps_the_audio_and_resume_asks_for_it_again(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await answer(comm, end=False)
    await comm.disconnect()
    turns = await turns_of(interview)
    assert turns[-1].speaker == "candidate"
    assert turns[-1].audio.read() == FAKE_WEBM
    comm, _ = await connect(interview.invite_token)
    frames = await receive_until(comm, "ai_audio_end")
    assert "disconnected" in text_of(frames)
    await comm.disconnect()


class FlakyStore(InterviewStore):
    """The real store, but the database 'is down' for the first few turn writes."""

    def __init__(self, failures: int, *, interview_id: int) -> None:
        super().__init__(interview_id=interview_id)
        self.failures = failures

    async def record_turn(self, record: TurnRecord) -> None:
        if self.failures:
            self.failures -= 1
            raise OperationalError("the database is briefly unavailable")
        await super().record_turn(record)


async def test_turns_survive_a_briefly_unavailable_database():
    interview = await new_interview()
    snapshot = await database_sync_to_async(interview_start)(interview_id=interview.pk)
    frames: list[dict[str, Any]] = []

    async def send(frame: ServerFrame) -> None:
        frames.append(frame.wire())

    session = Session(
        snapshot=snapshot,
        providers=configured_providers(),
        store=FlakyStore(failures=3, interview_id=interview.pk),
        send=send,
        config=SessionConfig(write_backoff_s=0.05),
    )
    await session.start()
    for _ in range(100):
        if any(f["type"] == "ai_audio_end" for f in frames):
            break
        await asyncio.sleep(0.05)
    await session.handle(AudioChunk(FAKE_WEBM))
    await session.handle(AudioEnd())
    for _ in range(100):
        if sum(f["type"] == "ai_audio_end" for f in frames) == 2:
            break
        await asyncio.sleep(0.05)
    await session.close()
    turns = await turns_of(interview)
    assert [(t.index, t.speaker) for t in turns] == [(0, "interviewer"), (1, "candidate"), (2, "interviewer")]
    assert turns[1].audio.read() == FAKE_WEBM
    assert turns[1].text


@pytest.mark.django_db  # in a transaction, so the evaluation callback is captured rather than run
def test_sweep_expires_links_and_abandons_interviews_nobody_came_back_to(settings, django_capture_on_commit_callbacks):
    settings.INTERVIEW_EVALUATE_ON_FINISH = True
    now = timezone.now()
    stale = make_interview(status="in_progress", last_seen_at=now - timedelta(hours=2))
    live = make_interview(status="in_progress", last_seen_at=now - timedelta(minutes=1))
    expired = make_interview(expires_at=now - timedelta(days=1))
    with django_capture_on_commit_callbacks() as evaluations:
        assert interview_sweep(abandon_after=timedelta(minutes=30)) == {"expired": 1, "abandoned": 1}
    assert len(evaluations) == 1  # what the abandoning candidate did answer is still evaluated
    stale.refresh_from_db()
    live.refresh_from_db()
    expired.refresh_from_db()
    assert (stale.status, live.status, expired.status) == ("abandoned", "in_progress", "expired")


async def test_a_language_model_that_stalls_mid_stream_times_out_and_the_session_goes_on(settings, fake_openai):
    settings.PROVIDER_TIMEOUT_S = 0.5
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    fake_openai.per_token_delay_s = 2.0  # the stream starts, then goes quiet past the read timeout
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end", timeout_s=15)
    assert [f["code"] for f in frames if f["type"] == "error"] == ["llm_failed"]
    frames = await receive_until(comm, "ai_audio_end", timeout_s=15)  # the spoken apology
    assert "repeat your answer" in text_of(frames)
    fake_openai.per_token_delay_s = 0.0
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end")
    assert "You said" in text_of(frames)
    await comm.disconnect()
    turns = await turns_of(interview)
    assert turns[1].audio.read() == FAKE_WEBM  # the answer is kept


async def test_an_answer_over_the_time_limit_is_cut_there(settings, fake_openai):
    """The limit counts the audio, not the time it took to arrive: 1 s of speech sent at once is cut."""
    settings.INTERVIEW = {**settings.INTERVIEW, "MAX_ANSWER_SECONDS": 0.3}
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    tone = (0.3 * np.sin(np.arange(RECOGNITION_RATE) * 2 * np.pi * 220 / RECOGNITION_RATE)).astype(np.float32)
    await answer(comm, make_test_webm(tone), end=False)
    frames = await receive_until(comm, "ai_audio_end")
    assert frames[0]["code"] == "answer_too_long"
    uploaded = fake_openai.requests_to("transcription")[-1].file_bytes
    assert uploaded[:4] == b"RIFF" and wav_seconds(len(uploaded)) == pytest.approx(0.3, abs=0.01)
    await comm.disconnect()  # the session's writes are flushed as it closes
    stored = (await turns_of(interview))[1]
    assert stored.audio.read() == uploaded  # the audio kept is the audio transcribed
    assert stored.audio_seconds == pytest.approx(0.3, abs=0.01)


async def test_speech_falls_back_to_the_local_voice_when_elevenlabs_is_down(settings, fake_elevenlabs):
    settings.INTERVIEW_PROVIDERS = {**settings.INTERVIEW_PROVIDERS, "tts": ["elevenlabs", "local"]}
    fake_elevenlabs.fail_next("tts", status=503, count=20)
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    frames = await receive_until(comm, "ai_audio_end", timeout_s=30)
    assert not [f for f in frames if f["type"] == "error"]
    assert b"".join(base64.b64decode(f["data"]) for f in frames if f["type"] == "ai_audio_chunk")
    assert len(fake_elevenlabs.requests_to("tts")) >= 2  # tried (and retried) before falling back
    await comm.disconnect()
