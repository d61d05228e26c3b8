"""The streaming loop through the socket: STT -> LLM -> TTS against fake OpenAI and ElevenLabs servers."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from interviews.models import Interview
from interviews.protocol import CloseCode
from tests.wsclient import (
    FAKE_WEBM,
    answer,
    audio_of,
    communicator,
    connect,
    new_interview,
    receive_until,
    text_of,
    turns_of,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("cloud_providers")]


@database_sync_to_async
def reload(interview: Interview) -> Interview:
    return Interview.objects.get(pk=interview.pk)


async def test_multi_turn_interview_builds_on_answers_and_persists_every_turn(fake_openai, fake_elevenlabs):
    fake_openai.transcripts = ["I built a payments service in Go.", "We used PostgreSQL with outbox tables."]
    interview = await new_interview()
    comm, state = await connect(interview.invite_token)
    assert state["type"] == "session_state"
    assert state["status"] == "in_progress"
    assert state["history"] == []
    assert 0 < state["remaining_seconds"] <= 20 * 60

    greeting = await receive_until(comm, "ai_audio_end")
    assert greeting[-1]["turn"] == 0
    assert text_of(greeting)
    assert audio_of(greeting)[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3") or audio_of(greeting)[0] == 0xFF

    await answer(comm)
    reply = await receive_until(comm, "ai_audio_end")
    transcript = next(f for f in reply if f["type"] == "user_transcript")
    assert transcript == {
        "type": "user_transcript",
        "text": "I built a payments service in Go.",
        "turn": 1,
        "final": True,
    }
    assert "payments service in Go" in text_of(reply)
    assert all(f["turn"] == 2 for f in reply if f["type"].startswith("ai_"))
    assert [f["seq"] for f in reply if f["type"] == "ai_audio_chunk"] == list(
        range(sum(f["type"] == "ai_audio_chunk" for f in reply))
    )

    await answer(comm)
    reply2 = await receive_until(comm, "ai_audio_end")
    assert "outbox tables" in text_of(reply2)

    # The LLM saw the earlier answer as context, not only the latest one.
    chats = fake_openai.requests_to("chat")
    assert len(chats) == 3
    contents = [m["content"] for m in chats[2].body["messages"]]
    assert any("payments service in Go" in c for c in contents)
    assert chats[2].body["stream"] is True
    assert chats[2].body["model"] == "gpt-5.4-mini"
    stt = fake_openai.requests_to("transcription")[0]
    assert stt.body["language"] == "en"
    assert stt.file_bytes == FAKE_WEBM  # the browser's audio goes up as it is

    await comm.send_json_to({"type": "end_interview"})
    ended = await receive_until(comm, "interview_ended")
    assert ended[-1]["reason"] == "candidate_ended"
    assert [h["speaker"] for h in ended[-1]["history"]] == ["interviewer", "candidate", "interviewer"] * 1 + [
        "candidate",
        "interviewer",
    ]
    assert (await comm.receive_output(timeout=5))["type"] == "websocket.close"
    await comm.disconnect()

    turns = await turns_of(interview)
    assert [(t.index, t.speaker) for t in turns] == [
        (0, "interviewer"),
        (1, "candidate"),
        (2, "interviewer"),
        (3, "candidate"),
        (4, "interviewer"),
    ]
    assert turns[0].is_greeting
    assert turns[1].text == "I built a payments service in Go."
    assert turns[1].audio.read() == FAKE_WEBM
    assert turns[2].audio_mime == "audio/mpeg" and turns[2].audio.size > 0
    for timing in ["transcript_ms", "llm_first_token_ms", "first_clause_ms", "tts_first_byte_ms"]:
        assert getattr(turns[2], timing) is not None, timing
    assert turns[2].first_audio_sent_ms >= turns[2].tts_first_byte_ms >= turns[2].first_clause_ms
    assert turns[2].provider_floor_ms is not None
    stored = await reload(interview)
    assert stored.status == "completed" and stored.end_reason == "candidate_ended"


async def test_greeting_is_spoken_once_across_reconnects(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    greeting = await receive_until(comm, "ai_audio_end")
    await comm.disconnect()

    comm2, state = await connect(interview.invite_token)
    assert [h["content"] for h in state["history"]] == [text_of(greeting)]
    assert await comm2.receive_nothing(timeout=0.7)  # no second greeting
    await comm2.disconnect()
    assert len(fake_openai.requests_to("chat")) == 1
    assert (await reload(interview)).greeting_spoken


async def test_speech_starts_before_the_language_model_has_finished(fake_openai, fake_elevenlabs):
    fake_openai.per_token_delay_s = 0.03
    fake_openai.chat_replies = [
        "Hello Jamie, welcome to the interview. This is the second sentence of the greeting, and it goes on "
        "for a while. Could you tell me about a backend system you built recently?"
    ]
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await comm.disconnect()
    chat = fake_openai.requests_to("chat")[0]
    tts = fake_elevenlabs.requests_to("tts")
    assert tts[0].text == "Hello Jamie,"  # the first clause goes to TTS at once
    assert tts[0].received_at < chat.finished_at  # overlap: TTS began while the LLM still streamed
    assert [r.text for r in tts][1:] == [
        "welcome to the interview.",
        "This is the second sentence of the greeting, and it goes on for a while.",
        "Could you tell me about a backend system you built recently?",
    ]


async def test_transcription_failure_keeps_the_audio_and_the_session(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    fake_openai.fail_next("transcription", status=500, count=2)  # the first try and its one retry
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end")
    error = next(f for f in frames if f["type"] == "error")
    assert error["code"] == "stt_failed" and not error["fatal"]
    assert "say it again" in error["message"]
    assert "technical problem" in text_of(frames)  # told in voice too

    await answer(comm)  # the session is still usable
    frames = await receive_until(comm, "ai_audio_end")
    assert any(f["type"] == "user_transcript" and f["final"] for f in frames)
    await comm.disconnect()
    turns = await turns_of(interview)
    failed = turns[1]
    assert failed.speaker == "candidate" and failed.text == "" and failed.error
    assert failed.audio.read() == FAKE_WEBM


async def test_transient_transcription_failure_is_retried(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    fake_openai.fail_next("transcription", status=429, count=1)
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end")
    assert not [f for f in frames if f["type"] == "error"]
    assert len(fake_openai.requests_to("transcription")) == 2
    await comm.disconnect()


async def test_rate_limited_language_model_is_reported_and_apologised_for(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    fake_openai.fail_next("chat", status=429)
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end")
    frames += await receive_until(comm, "ai_audio_end")
    assert [f["code"] for f in frames if f["type"] == "error"] == ["llm_failed"]
    assert "repeat your answer" in text_of(frames)
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end")
    assert "You said" in text_of(frames)
    await comm.disconnect()


async def test_language_model_stream_cut_midway_keeps_what_was_said(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    fake_openai.chat_replies = ["Thanks for that. Now tell me more about the hardest part of it please."]
    fake_openai.cut_stream_next(after_tokens=4)
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end")
    assert [f["code"] for f in frames if f["type"] == "error"] == ["llm_failed"]
    assert text_of(frames).startswith("Thanks for that.")
    apology = await receive_until(comm, "ai_audio_end")
    assert "repeat your answer" in text_of(apology)
    await comm.disconnect()
    turns = await turns_of(interview)
    assert [t.text.split(".")[0] for t in turns[2:]] == ["Thanks for that", "Sorry, I had a technical problem just now"]


async def test_speech_timeout_is_reported_and_text_still_arrives(settings, fake_openai, fake_elevenlabs):
    settings.PROVIDER_TIMEOUT_S = 0.5
    interview = await new_interview()
    fake_elevenlabs.hang_next("tts", count=5)
    fake_openai.chat_replies = ["Welcome to the interview."]
    comm, _ = await connect(interview.invite_token)
    frames = await receive_until(comm, "ai_audio_end")
    assert [f["code"] for f in frames if f["type"] == "error"] == ["tts_failed"]
    assert text_of(frames) == "Welcome to the interview."
    await comm.disconnect()
    assert fake_elevenlabs.wait_for(lambda r: r.client_disconnected, timeout_s=5)


async def test_deadline_on_the_server_ends_the_interview(fake_openai):
    interview = await new_interview(
        status="in_progress", started_at=timezone.now(), deadline_at=timezone.now() + timedelta(seconds=1.5)
    )
    fake_openai.chat_replies = ["Hello, welcome!", "Thank you for your time today, goodbye."]
    comm, state = await connect(interview.invite_token)
    assert state["remaining_seconds"] <= 1.5
    frames = await receive_until(comm, "interview_ended", timeout_s=10)
    assert frames[-1]["reason"] == "time_limit"
    assert "goodbye" in text_of(frames)
    closing_request = fake_openai.requests_to("chat")[-1].body["messages"][-1]["content"]
    assert "time is up" in closing_request.lower()
    await comm.disconnect()
    stored = await reload(interview)
    assert stored.status == "completed" and stored.end_reason == "time_limit"


async def test_plan_complete_marker_ends_the_interview_without_speaking_the_marker(fake_openai, fake_elevenlabs):
    fake_openai.chat_replies = ["Hi!", "Thank you, that is all from me. Goodbye! <<END>>"]
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await answer(comm)
    frames = await receive_until(comm, "interview_ended")
    assert "<<" not in text_of(frames)
    assert frames[-1]["reason"] == "plan_complete"
    assert all("<<" not in (r.text or "") for r in fake_elevenlabs.requests_to("tts"))
    await comm.disconnect()


async def test_seed_client_without_audio_end_is_answered_after_a_gap(settings, fake_openai):
    settings.INTERVIEW = {**settings.INTERVIEW, "ANSWER_GAP_S": 0.3}
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await answer(comm, end=False)
    frames = await receive_until(comm, "ai_audio_end")
    assert next(f for f in frames if f["type"] == "user_transcript")["final"] is True
    await comm.disconnect()


async def test_binary_frames_carry_audio_too(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await comm.send_to(bytes_data=FAKE_WEBM)
    await comm.send_json_to({"type": "audio_end"})
    await receive_until(comm, "ai_audio_end")
    assert fake_openai.requests_to("transcription")[0].file_bytes == FAKE_WEBM
    await comm.disconnect()


async def test_a_header_whose_first_byte_comes_alone_is_joined_to_the_rest(fake_openai):
    """Chromium with a short timeslice hands over the WebM header's first byte as a chunk of its own."""
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await comm.send_to(bytes_data=FAKE_WEBM[:1])
    await comm.send_to(bytes_data=FAKE_WEBM[1:])
    await comm.send_json_to({"type": "audio_end"})
    frames = await receive_until(comm, "ai_audio_end")
    assert not [f for f in frames if f["type"] == "error"]
    assert fake_openai.requests_to("transcription")[0].file_bytes == FAKE_WEBM
    # A dangling first byte does not leak into the next answer.
    await comm.send_to(bytes_data=FAKE_WEBM[:1])
    await comm.send_json_to({"type": "audio_end"})
    assert (await receive_until(comm, "error"))[-1]["code"] == "no_speech"
    await comm.send_to(bytes_data=FAKE_WEBM)
    await comm.send_json_to({"type": "audio_end"})
    await receive_until(comm, "ai_audio_end")
    assert fake_openai.requests_to("transcription")[1].file_bytes == FAKE_WEBM
    await comm.disconnect()


async def test_silence_gets_a_polite_request_to_repeat_not_an_llm_call(fake_openai):
    fake_openai.transcripts = [""]
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end")
    assert "say it again" in text_of(frames)
    assert len(fake_openai.requests_to("chat")) == 1  # the greeting only
    await comm.disconnect()


async def test_end_interview_mid_reply_cancels_the_provider_streams(fake_openai):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    fake_openai.per_token_delay_s = 0.2
    fake_openai.chat_replies = ["This reply is going to take a long time to finish streaming, word by word."]
    await answer(comm)
    await receive_until(comm, "ai_transcript_chunk")
    await comm.send_json_to({"type": "end_interview"})
    frames = await receive_until(comm, "interview_ended")
    assert frames[-1]["reason"] == "candidate_ended"
    await comm.disconnect()
    chat = fake_openai.wait_for(lambda r: r.endpoint == "chat" and r.client_disconnected, timeout_s=5)
    assert chat.tokens_sent < 15
    turns = await turns_of(interview)
    assert turns[-1].speaker == "interviewer" and turns[-1].interrupted


async def test_end_interview_mid_answer_keeps_the_partial_answer():
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await answer(comm, end=False)
    await comm.send_json_to({"type": "end_interview"})
    await receive_until(comm, "interview_ended")
    await comm.disconnect()
    turns = await turns_of(interview)
    assert turns[-1].speaker == "candidate" and turns[-1].audio.read() == FAKE_WEBM


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "malformed_frame"),
        ("[1, 2]", "malformed_frame"),
        ('{"no_type": 1}', "missing_field"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "audio_chunk"}', "missing_field"),
        ('{"type": "audio_chunk", "data": "***not base64***"}', "bad_audio"),
        ('{"type": "playback", "turn": "x", "event": "started"}', "missing_field"),
        ('{"type": "audio_end"}', "no_speech"),
    ],
)
async def test_bad_frames_get_a_clear_error_and_the_session_goes_on(frame, code):
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await receive_until(comm, "ai_audio_end")
    await comm.send_to(text_data=frame)
    error = await comm.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == code and error["fatal"] is False
    assert error["message"]
    await answer(comm)
    frames = await receive_until(comm, "ai_audio_end")
    assert any(f["type"] == "user_transcript" for f in frames)
    await comm.disconnect()


async def test_oversized_frame_is_refused(settings):
    settings.INTERVIEW = {**settings.INTERVIEW, "MAX_FRAME_BYTES": 1000}
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    await comm.send_json_to({"type": "audio_chunk", "data": base64.b64encode(b"x" * 2000).decode()})
    frames = await receive_until(comm, "error")
    assert frames[-1]["code"] == "frame_too_large"
    await comm.disconnect()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": "completed"}, CloseCode.FINISHED),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, CloseCode.GONE),
    ],
)
async def test_closed_interviews_are_refused_with_a_close_code(fields, code):
    interview = await new_interview(**fields)
    comm = communicator(interview.invite_token)
    connected, _ = await comm.connect()
    assert connected
    error = await comm.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["fatal"]
    closed = await comm.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": code}
    await comm.disconnect()


async def test_unknown_token_is_refused():
    comm = communicator("no-such-token")
    await comm.connect()
    assert (await comm.receive_json_from(timeout=5))["type"] == "error"
    assert (await comm.receive_output(timeout=5))["code"] == CloseCode.NOT_FOUND
    await comm.disconnect()


async def test_foreign_origin_is_refused():
    interview = await new_interview()
    comm = communicator(interview.invite_token, origin=b"http://evil.example")
    connected, _ = await comm.connect()
    assert not connected
    await comm.disconnect()


async def test_a_second_connection_takes_over_the_first():
    interview = await new_interview()
    first, _ = await connect(interview.invite_token)
    await receive_until(first, "ai_audio_end")
    second, state = await connect(interview.invite_token)
    frames = await receive_until(first, "error")
    assert frames[-1]["fatal"] is True
    assert (await first.receive_output(timeout=5))["code"] == CloseCode.REPLACED
    assert state["history"]
    await first.disconnect()
    await second.disconnect()


async def test_the_first_speech_bytes_are_forwarded_as_they_arrive(fake_elevenlabs):
    # The ElevenLabs SDK re-chunks responses into 1 KB pieces by default, which would hold back
    # the first audio until a whole kilobyte arrived.
    fake_elevenlabs.chunk_bytes = 300
    fake_elevenlabs.per_chunk_delay_s = 0.3
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    first = await receive_until(comm, "ai_audio_chunk")
    assert len(base64.b64decode(first[-1]["data"])) <= 300
    await comm.disconnect()


async def test_interrupting_a_reply_that_is_still_playing_stores_what_was_heard(fake_openai):
    # The whole reply was sent at once, but the browser plays it for several seconds.
    fake_openai.chat_replies = ["Welcome to the interview. " + "Here is a long introduction about our team. " * 4]
    interview = await new_interview()
    comm, _ = await connect(interview.invite_token)
    frames = await receive_until(comm, "ai_audio_end")
    await comm.send_json_to({"type": "playback", "turn": 0, "event": "started"})
    await comm.send_json_to({"type": "interrupt"})
    stop = await comm.receive_json_from(timeout=5)
    assert stop == {"type": "ai_audio_end", "turn": 0, "reason": "interrupted"}
    await comm.disconnect()
    greeting = (await turns_of(interview))[0]
    assert greeting.interrupted
    assert len(greeting.text) < len(text_of(frames)) / 2  # only the start was heard
