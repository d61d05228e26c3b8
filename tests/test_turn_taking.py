"""Hands-free turn-taking on scripted audio: endpointing, patience, backchannels, barge-in and echo."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from channels.db import database_sync_to_async

from interviews.audio import RECOGNITION_RATE, decode_to_pcm, make_test_webm
from interviews.models import Turn
from interviews.providers.base import Voice
from interviews.providers.local_tts import LocalTextToSpeech
from interviews.turn_taking import EndpointConfig, Listener, is_echo, pcm_to_wav, silence_needed
from tests.factories import make_interview, make_template
from tests.wsclient import communicator, receive_until, text_of

LONG = "I built a payments service in Go, and it handled many requests every day."
SHORT = "Yeah."


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RECOGNITION_RATE), dtype=np.float32)


@pytest.fixture(scope="module")
def voice() -> dict[str, np.ndarray]:
    """Real speech from the local Piper voice, decoded to 16 kHz."""

    async def speak(text: str) -> tuple[np.ndarray, bytes]:
        tts = LocalTextToSpeech()
        mp3 = b"".join([chunk async for chunk in tts.stream(text, voice=Voice(language="en"))])
        return decode_to_pcm(mp3), mp3

    long_pcm, long_mp3 = asyncio.run(speak(LONG))
    short_pcm, _ = asyncio.run(speak(SHORT))
    other_pcm, _ = asyncio.run(speak("Sorry, can I ask what the team size would be for this role?"))
    return {"long": long_pcm, "long_mp3": long_mp3, "short": short_pcm, "other": other_pcm}


def listen(pcm: np.ndarray, *, partial: str = "", chunk_s: float = 0.25) -> list[tuple[float, Any]]:
    """Feed a recording in browser-sized chunks; (time in the recording, event) for each event."""
    listener = Listener(language="en")
    webm = make_test_webm(pcm)
    duration_s = len(pcm) / RECOGNITION_RATE
    step = max(1, int(len(webm) * chunk_s / duration_s))
    events = []
    for start in range(0, len(webm), step):
        listener.partial = partial or listener.partial
        new, _ = listener.feed(webm[start : start + step])
        events += [(listener.samples_seen / RECOGNITION_RATE, event) for event in new]
    listener.close()
    return events


def kinds(events: list[tuple[float, Any]]) -> list[str]:
    return [event.kind for _, event in events]


def test_an_answer_ends_after_a_pause_of_about_1_2_s(voice):
    speech_end = 0.5 + len(voice["long"]) / RECOGNITION_RATE
    events = listen(np.concatenate([silence(0.5), voice["long"], silence(3.0)]))
    assert kinds(events) == ["start", "barge_in", "end"]
    ended_at, end = events[-1]
    assert 1.0 <= ended_at - speech_end <= 1.9  # 1.2 s of silence, give or take the voice's own tail
    assert abs(len(end.pcm) / RECOGNITION_RATE - len(voice["long"]) / RECOGNITION_RATE) < 0.8


def test_a_thinking_pause_does_not_cut_the_candidate_off(voice):
    # A pause inside an answer (0.8 s here, plus the voice's own trailing silence) is not its end.
    pcm = np.concatenate([voice["long"], silence(0.8), voice["long"], silence(2.5)])
    events = listen(pcm)
    assert kinds(events) == ["start", "barge_in", "end"]
    assert len(events[-1][1].pcm) > 2 * len(voice["long"])


def test_a_trailing_off_answer_gets_more_patience(voice):
    speech_end = len(voice["long"]) / RECOGNITION_RATE
    events = listen(np.concatenate([voice["long"], silence(2.4)]), partial="and so, um")
    assert "end" not in kinds(events)  # 2.4 s of silence is not enough after "um"
    events = listen(np.concatenate([voice["long"], silence(4.0)]), partial="and so, um")
    assert events[-1][0] - speech_end >= 2.7  # (the voice itself ends a little before its audio)


def test_a_short_utterance_waits_longer_and_is_no_barge_in(voice):
    events = listen(np.concatenate([voice["short"], silence(1.8)]))
    assert kinds(events) == ["start"]  # "Yeah." then 1.8 s: still waiting
    events = listen(np.concatenate([voice["short"], silence(3.0)]))
    assert kinds(events) == ["start", "end"]  # never long enough to interrupt anyone


def test_silence_and_steady_noise_are_not_speech():
    noise = (np.random.default_rng(0).normal(0, 0.01, RECOGNITION_RATE * 3)).astype(np.float32)
    assert listen(np.concatenate([silence(1.0), noise])) == []


def test_patience_rules():
    config = EndpointConfig()
    assert silence_needed(voiced_s=3.0, partial="That is all.", language="en", config=config) == 1.2
    assert silence_needed(voiced_s=3.0, partial="and then we", language="en", config=config) == 3.0
    assert silence_needed(voiced_s=3.0, partial="we tried...", language="en", config=config) == 3.0
    assert silence_needed(voiced_s=0.5, partial="", language="en", config=config) == 2.2
    assert silence_needed(voiced_s=3.0, partial="데이터를 옮겼는데 그래서", language="ko", config=config) == 3.0


def test_echo_of_the_interviewer_is_recognised_and_other_speech_is_not(voice):
    reference = np.concatenate([silence(0.7), voice["long"]])
    assert is_echo(voice["long"][RECOGNITION_RATE : 3 * RECOGNITION_RATE] * 0.3, reference)
    assert not is_echo(voice["other"][: 2 * RECOGNITION_RATE], reference)
    assert not is_echo(voice["short"], reference)
    # Through a reverberant room, with noise and the microphone's Opus codec, it is still echo.
    rng = np.random.default_rng(1)
    room = rng.normal(0, 1, 1600) * np.exp(-np.arange(1600) / 300)
    room[0] = 3
    leaked = np.convolve(voice["long"], room)[: len(voice["long"])]
    leaked = (0.3 * leaked / np.abs(leaked).max() + rng.normal(0, 0.005, len(leaked))).astype(np.float32)
    heard = decode_to_pcm(make_test_webm(leaked))
    assert is_echo(heard[RECOGNITION_RATE : 3 * RECOGNITION_RATE], reference)


def test_an_utterance_is_stored_as_wav_that_decodes_back(voice):
    wav = pcm_to_wav(voice["short"])
    assert wav[:4] == b"RIFF"
    assert abs(len(decode_to_pcm(wav)) - len(voice["short"])) < 200


# --- through the socket, with fake cloud providers --------------------------------------------------

socket_test = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("cloud_providers")]


@database_sync_to_async
def hands_free_interview() -> Any:
    return make_interview(template=make_template(hands_free=True))


async def stream(comm: Any, pcm: np.ndarray, *, chunk_s: float = 0.25) -> None:
    """A fresh MediaRecorder stream: header first, then browser-sized chunks."""
    webm = make_test_webm(pcm)
    step = max(1, int(len(webm) * chunk_s / (len(pcm) / RECOGNITION_RATE)))
    for start in range(0, len(webm), step):
        await comm.send_to(bytes_data=webm[start : start + step])


async def started(fake_openai: Any, token: str) -> Any:
    comm = communicator(token)
    assert (await comm.connect())[0]
    state = await comm.receive_json_from(timeout=5)
    assert state["mode"] == "hands_free"
    greeting = await receive_until(comm, "ai_audio_end")
    # As a browser does: the greeting has finished playing, so the next speech is an answer.
    await comm.send_json_to({"type": "playback", "turn": greeting[-1]["turn"], "event": "ended"})
    return comm


@socket_test[0]
@socket_test[1]
async def test_a_hands_free_answer_needs_no_button(voice, fake_openai):
    fake_openai.transcripts = ["I built a payments service in Go."]
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    await stream(comm, np.concatenate([silence(0.5), voice["long"], silence(2.0)]))
    frames = await receive_until(comm, "ai_audio_end")
    kinds_seen = [f["type"] for f in frames]
    assert kinds_seen.index("speech_started") < kinds_seen.index("speech_ended") < kinds_seen.index("user_transcript")
    assert next(f for f in frames if f["type"] == "speech_ended")["ignored"] is False
    assert "payments service" in text_of(frames)
    upload = fake_openai.requests_to("transcription")[0]
    assert upload.file_bytes[:4] == b"RIFF"
    await comm.disconnect()


@socket_test[0]
@socket_test[1]
async def test_a_backchannel_does_not_interrupt_the_interviewer(voice, fake_openai, fake_elevenlabs):
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.per_token_delay_s = 0.15
    fake_openai.chat_replies = ["That is interesting. " * 8 + "What was the hardest part?"]
    await stream(comm, np.concatenate([voice["long"], silence(2.0)]))
    await receive_until(comm, "ai_audio_chunk")
    await stream(comm, np.concatenate([voice["short"], silence(3.0)]))
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    ended = [f for f in frames if f["type"] == "speech_ended"]
    assert ended == [{"type": "speech_ended", "ignored": True, "reason": "backchannel"}]
    assert "interrupted" not in frames[-1]
    await comm.disconnect()


@socket_test[0]
@socket_test[1]
async def test_talking_over_the_interviewer_stops_it_and_becomes_the_answer(voice, fake_openai, fake_elevenlabs):
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.per_token_delay_s = 0.15
    fake_openai.chat_replies = ["Thanks for that. " + "Let me tell you about our team in some detail. " * 6]
    fake_openai.transcripts = ["I built a payments service in Go.", "Sorry, what is the team size?"]
    await stream(comm, np.concatenate([voice["long"], silence(2.0)]))
    await receive_until(comm, "ai_audio_chunk")
    await stream(comm, np.concatenate([voice["other"], silence(2.0)]))
    frames = await receive_until(comm, "ai_audio_end")
    assert frames[-1]["interrupted"] is True
    chat = fake_openai.wait_for(lambda r: r.endpoint == "chat" and r.client_disconnected, timeout_s=5)
    assert chat.tokens_sent < 40  # generation was cancelled at the provider
    frames = await receive_until(comm, "ai_audio_end")
    assert next(f for f in frames if f["type"] == "user_transcript" and f["final"])["text"].startswith("Sorry")
    assert "team size" in text_of(frames)
    await comm.disconnect()
    turns = await database_sync_to_async(lambda: list(Turn.objects.filter(interview=interview).order_by("index")))()
    cut = turns[2]
    assert cut.speaker == "interviewer"
    assert cut.interrupted
    assert len(cut.text) < len(fake_openai.requests_to("chat")[1].response_text or "x" * 1000)


@socket_test[0]
@socket_test[1]
async def test_the_interviewers_own_voice_in_the_microphone_does_not_interrupt(voice, fake_openai, fake_elevenlabs):
    fake_elevenlabs.speech_mp3 = voice["long_mp3"]
    fake_elevenlabs.per_chunk_delay_s = 0.05
    interview = await hands_free_interview()
    comm = await started(fake_openai, interview.invite_token)
    fake_openai.per_token_delay_s = 0.1
    fake_openai.chat_replies = ["Thanks. " * 10 + "Tell me more."]
    await stream(comm, np.concatenate([voice["other"], silence(2.0)]))
    await receive_until(comm, "ai_audio_chunk")
    # The speakers leak the interviewer's speech back into the microphone, quieter.
    await stream(comm, np.concatenate([voice["long"] * 0.4, silence(0.3)]))
    frames = await receive_until(comm, "ai_audio_end", timeout_s=20)
    assert {"type": "speech_ended", "ignored": True, "reason": "echo"} in frames
    assert "interrupted" not in frames[-1]
    await comm.disconnect()
