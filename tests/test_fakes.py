"""The fake provider servers, driven by the real OpenAI and ElevenLabs SDKs."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import httpx
import openai
import pytest
from elevenlabs import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError
from openai import AsyncOpenAI
from pydantic import BaseModel

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs, speech_duration_s
from interviews.testing.fakes.openai_server import DEFAULT_TRANSCRIPT, FakeOpenAI, tokenize
from interviews.testing.fakes.profiles import PROFILES
from interviews.testing.fakes.remote import RemoteFake
from tests.fakes.fixtures import CloudProviders

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPEECH = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8  # not real WebM; the fake only looks at the size
MESSAGES = [
    {"role": "system", "content": "You are an interviewer."},
    {"role": "user", "content": "I led the migration of our billing system to Kubernetes."},
]


@pytest.fixture
async def openai_client(fake_openai: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    client = AsyncOpenAI(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    yield client
    await client.close()


@pytest.fixture
async def elevenlabs_client(fake_elevenlabs: FakeElevenLabs) -> AsyncIterator[AsyncElevenLabs]:
    async with httpx.AsyncClient() as http:
        yield AsyncElevenLabs(api_key="k", base_url=fake_elevenlabs.base_url, httpx_client=http)


async def collect_chat(
    client: AsyncOpenAI, into: list[str] | None = None, **kwargs: Any
) -> tuple[list[str], str | None]:
    """Stream a chat reply; `into` keeps the deltas that arrived even if the stream then fails."""
    stream = await client.chat.completions.create(model="gpt-fake", messages=MESSAGES, stream=True, **kwargs)
    deltas: list[str] = [] if into is None else into
    finish_reason = None
    async for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                deltas.append(choice.delta.content)
            finish_reason = choice.finish_reason or finish_reason
    return deltas, finish_reason


async def collect_tts(client: AsyncElevenLabs, text: str = "Hello there.", into: bytearray | None = None) -> bytes:
    """Stream speech for `text`; `into` keeps what arrived even if the stream then fails."""
    audio = bytearray() if into is None else into
    async for chunk in client.text_to_speech.stream(voice_id="v", text=text, model_id="eleven_flash_v2_5"):
        audio += chunk
    return bytes(audio)


def decoded_duration_s(mp3: bytes) -> float:
    with av.open(io.BytesIO(mp3)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.rate


# --- OpenAI chat ---------------------------------------------------------------------------------


async def test_chat_stream_quotes_last_user_message(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    deltas, finish_reason = await collect_chat(openai_client)

    text = "".join(deltas)
    assert "billing system to Kubernetes" in text
    assert deltas == tokenize(text)
    assert finish_reason == "stop"
    record = fake_openai.wait_for(lambda r: r.finished_at is not None)
    assert record.endpoint == "chat"
    assert record.body["messages"] == MESSAGES
    assert record.status == 200
    assert record.tokens_sent == len(deltas)
    assert not record.client_disconnected


async def test_chat_replies_are_consumed_in_order(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.chat_replies = ["First reply.", "Second, longer reply here."]

    first, _ = await collect_chat(openai_client)
    second, _ = await collect_chat(openai_client)
    third, _ = await collect_chat(openai_client)

    assert "".join(first) == "First reply."
    assert second == ["Second,", " longer", " reply", " here."]
    assert "You said:" in "".join(third)


async def test_chat_handler_and_usage_chunk(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.chat_handler = lambda payload: f"{len(payload['messages'])} messages."
    stream = await openai_client.chat.completions.create(
        model="gpt-fake", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "2 messages."
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 2


async def test_chat_without_stream(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.chat_replies = ["A plain answer."]

    completion = await openai_client.chat.completions.create(model="gpt-fake", messages=MESSAGES)

    assert completion.choices[0].message.content == "A plain answer."
    assert completion.choices[0].finish_reason == "stop"


async def test_structured_output_follows_the_schema(openai_client: AsyncOpenAI) -> None:
    class Evaluation(BaseModel):
        score: int
        summary: str
        strengths: list[str]

    completion = await openai_client.chat.completions.parse(
        model="gpt-fake", messages=MESSAGES, response_format=Evaluation
    )

    assert isinstance(completion.choices[0].message.parsed, Evaluation)


# --- OpenAI transcription ------------------------------------------------------------------------


async def test_transcription(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.transcripts = ["My first answer."]

    first = await openai_client.audio.transcriptions.create(
        file=("answer.webm", SPEECH, "audio/webm"), model="gpt-transcribe", language="en"
    )
    second = await openai_client.audio.transcriptions.create(
        file=("answer.webm", SPEECH, "audio/webm"), model="gpt-transcribe", language="en"
    )

    assert first.text == "My first answer."
    assert second.text == DEFAULT_TRANSCRIPT
    record = fake_openai.requests_to("transcription")[0]
    assert record.body["file"] == {"filename": "answer.webm", "content_type": "audio/webm", "size": len(SPEECH)}
    assert record.body["language"] == "en"
    assert record.body["model"] == "gpt-transcribe"
    assert record.file_bytes == SPEECH


async def test_transcription_of_tiny_upload_is_silence(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.transcripts = ["Not used."]

    result = await openai_client.audio.transcriptions.create(
        file=("answer.webm", b"\x00" * 10, "audio/webm"), model="gpt-transcribe", language="en"
    )

    assert result.text == ""
    assert fake_openai.transcripts == ["Not used."]


async def test_transcription_as_text(openai_client: AsyncOpenAI) -> None:
    result = await openai_client.audio.transcriptions.create(
        file=("answer.webm", SPEECH, "audio/webm"), model="gpt-transcribe", response_format="text"
    )

    assert result.strip() == DEFAULT_TRANSCRIPT


# --- OpenAI faults and delays --------------------------------------------------------------------


async def test_injected_500_then_recovery(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next("chat", status=500)

    with pytest.raises(openai.InternalServerError):
        await collect_chat(openai_client)
    deltas, _ = await collect_chat(openai_client)

    assert deltas
    assert [r.status for r in fake_openai.requests] == [500, 200]
    assert fake_openai.requests[0].fault == "fail"


async def test_injected_429_on_transcription(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next("transcription", status=429, count=2)

    for _ in range(2):
        with pytest.raises(openai.RateLimitError) as error:
            await openai_client.audio.transcriptions.create(
                file=("answer.webm", SPEECH, "audio/webm"), model="gpt-transcribe"
            )
        assert error.value.response.headers["retry-after"] == "0"
    result = await openai_client.audio.transcriptions.create(
        file=("answer.webm", SPEECH, "audio/webm"), model="gpt-transcribe"
    )
    assert result.text == DEFAULT_TRANSCRIPT


async def test_cut_stream_ends_without_done(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.cut_stream_next(after_tokens=3)
    deltas: list[str] = []

    with pytest.raises(openai.APIConnectionError):
        await collect_chat(openai_client, into=deltas)

    assert len(deltas) == 3
    record = fake_openai.wait_for(lambda r: r.finished_at is not None)
    assert record.fault == "cut"
    assert record.tokens_sent == 3


async def test_hang_times_out_and_records_disconnect(fake_openai: FakeOpenAI) -> None:
    fake_openai.hang_next("chat")
    client = AsyncOpenAI(api_key="k", base_url=fake_openai.base_url, max_retries=0, timeout=0.3)

    with pytest.raises(openai.APITimeoutError):
        await client.chat.completions.create(model="gpt-fake", messages=MESSAGES, stream=True)
    await client.close()

    record = await fake_openai.wait_for_async(lambda r: r.client_disconnected)
    assert record.fault == "hang"
    assert record.status is None
    assert record.first_byte_at is None


async def test_abandoned_stream_is_recorded_as_disconnect(fake_openai: FakeOpenAI) -> None:
    fake_openai.per_token_delay_s = 0.05
    client = AsyncOpenAI(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    stream = await client.chat.completions.create(model="gpt-fake", messages=MESSAGES, stream=True)
    async for _chunk in stream:
        break
    await stream.close()
    await client.close()

    record = await fake_openai.wait_for_async(lambda r: r.client_disconnected)
    assert record.tokens_sent < len(tokenize(record.response_text or ""))


async def test_chat_delays_are_respected(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.configure(first_token_delay_s=0.2, per_token_delay_s=0.02, chat_replies=["one two three four"])
    started_at = time.perf_counter()

    deltas, _ = await collect_chat(openai_client)

    record = fake_openai.wait_for(lambda r: r.finished_at is not None)
    assert len(deltas) == 4
    assert record.first_byte_at - record.received_at >= 0.2
    assert record.finished_at - record.first_byte_at >= 3 * 0.02
    assert started_at <= record.received_at


async def test_transcription_delay_is_respected(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    fake_openai.stt_delay_s = 0.15

    await openai_client.audio.transcriptions.create(file=("a.webm", SPEECH, "audio/webm"), model="gpt-transcribe")

    record = fake_openai.requests[0]
    assert record.first_byte_at - record.received_at >= 0.15


async def test_missing_api_key_is_rejected(fake_openai: FakeOpenAI) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake_openai.base_url}/chat/completions", json={"messages": []})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


# --- ElevenLabs ----------------------------------------------------------------------------------


async def test_tts_stream_is_decodable_mp3(elevenlabs_client: AsyncElevenLabs, fake_elevenlabs: FakeElevenLabs) -> None:
    fake_elevenlabs.chunk_bytes = 1024

    audio = await collect_tts(elevenlabs_client)

    assert abs(decoded_duration_s(audio) - speech_duration_s("Hello there.")) < 0.15
    record = fake_elevenlabs.wait_for(lambda r: r.finished_at is not None)
    assert (record.voice_id, record.text, record.model_id) == ("v", "Hello there.", "eleven_flash_v2_5")
    assert record.query == {}  # the SDK sends output_format only when given; the fake defaults to mp3_44100_128
    assert record.chunks_sent > 1
    assert record.bytes_sent == len(audio)
    assert not record.client_disconnected


async def test_tts_convert_returns_whole_mp3(elevenlabs_client: AsyncElevenLabs) -> None:
    text = "A somewhat longer sentence to speak."
    audio = b""
    async for chunk in elevenlabs_client.text_to_speech.convert(
        voice_id="v", text=text, model_id="eleven_flash_v2_5", output_format="mp3_22050_32"
    ):
        audio += chunk

    assert abs(decoded_duration_s(audio) - speech_duration_s(text)) < 0.15


async def test_tts_pcm_output(elevenlabs_client: AsyncElevenLabs) -> None:
    audio = b""
    async for chunk in elevenlabs_client.text_to_speech.stream(voice_id="v", text="Hi.", output_format="pcm_16000"):
        audio += chunk

    assert len(audio) == 2 * 16000 * 0.3


async def test_tts_requires_api_key(fake_elevenlabs: FakeElevenLabs) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{fake_elevenlabs.base_url}/v1/text-to-speech/v/stream", json={"text": "Hi."})

    assert response.status_code == 401
    assert response.json()["detail"]["status"] == "needs_authorization"


async def test_tts_rejects_empty_text(elevenlabs_client: AsyncElevenLabs) -> None:
    with pytest.raises(ApiError) as error:
        await collect_tts(elevenlabs_client, text=" ")

    assert error.value.status_code == 422


async def test_tts_injected_failure(elevenlabs_client: AsyncElevenLabs, fake_elevenlabs: FakeElevenLabs) -> None:
    fake_elevenlabs.fail_next("tts", status=503)

    with pytest.raises(ApiError) as error:
        # The SDK retries 5xx twice with backoff before raising; max_retries=0 keeps the test fast.
        async for _chunk in elevenlabs_client.text_to_speech.stream(
            voice_id="v", text="Hello.", request_options={"max_retries": 0}
        ):
            pass

    assert error.value.status_code == 503
    assert fake_elevenlabs.requests[0].fault == "fail"


async def test_tts_cut_stream(elevenlabs_client: AsyncElevenLabs, fake_elevenlabs: FakeElevenLabs) -> None:
    fake_elevenlabs.chunk_bytes = 1024
    fake_elevenlabs.cut_stream_next(after_chunks=2)
    received = bytearray()

    with pytest.raises(httpx.RemoteProtocolError):
        await collect_tts(elevenlabs_client, "Hello there, friend.", into=received)

    record = fake_elevenlabs.wait_for(lambda r: r.finished_at is not None)
    assert record.fault == "cut"
    assert record.chunks_sent == 2
    # The SDK re-chunks into 1024-byte pieces, so a partial last piece is lost with the error.
    assert 0 < len(received) <= record.bytes_sent


async def test_tts_cancelled_stream_is_recorded(
    elevenlabs_client: AsyncElevenLabs, fake_elevenlabs: FakeElevenLabs
) -> None:
    fake_elevenlabs.configure(per_chunk_delay_s=0.05, chunk_bytes=512)

    stream = elevenlabs_client.text_to_speech.stream(voice_id="v", text="A long sentence that the app will interrupt.")
    async for _chunk in stream:
        break
    await stream.aclose()

    record = await fake_elevenlabs.wait_for_async(lambda r: r.client_disconnected)
    assert record.finished_at is not None
    assert record.status == 200


async def test_tts_delays_are_respected(elevenlabs_client: AsyncElevenLabs, fake_elevenlabs: FakeElevenLabs) -> None:
    fake_elevenlabs.configure(first_byte_delay_s=0.15, per_chunk_delay_s=0.03, chunk_bytes=1024)

    await collect_tts(elevenlabs_client)

    record = fake_elevenlabs.wait_for(lambda r: r.finished_at is not None)
    assert record.first_byte_latency_s >= 0.15
    assert record.finished_at - record.first_byte_at >= (record.chunks_sent - 1) * 0.03


async def test_tts_hang_with_client_timeout(fake_elevenlabs: FakeElevenLabs) -> None:
    fake_elevenlabs.hang_next("tts")

    async with httpx.AsyncClient() as http:
        client = AsyncElevenLabs(api_key="k", base_url=fake_elevenlabs.base_url, timeout=0.3, httpx_client=http)
        with pytest.raises(httpx.ReadTimeout):
            await collect_tts(client)

    record = await fake_elevenlabs.wait_for_async(lambda r: r.client_disconnected)
    assert record.fault == "hang"


# --- control endpoints, configuration, CLI -------------------------------------------------------


def test_reset_clears_records_and_settings(fake_openai: FakeOpenAI) -> None:
    fake_openai.configure(stt_delay_s=1.0, transcripts=["x"])
    fake_openai.fail_next("chat")

    fake_openai.reset()

    assert fake_openai.stt_delay_s == 0.0
    assert fake_openai.transcripts == []
    assert fake_openai._take_fault("chat") is None
    with pytest.raises(ValueError, match="valid"):
        fake_openai.configure(no_such_setting=1)
    with pytest.raises(ValueError, match="valid"):
        fake_openai.fail_next("tts")


async def test_remote_control(openai_client: AsyncOpenAI, fake_openai: FakeOpenAI) -> None:
    remote = RemoteFake(fake_openai.root_url)
    remote.configure(
        chat_replies=["Remote reply."],
        first_token_delay_s=0.05,
        faults=[{"endpoint": "transcription", "kind": "fail", "status": 500}],
    )

    deltas, _ = await collect_chat(openai_client)
    with pytest.raises(openai.InternalServerError):
        await openai_client.audio.transcriptions.create(file=("a.webm", SPEECH, "audio/webm"), model="gpt-transcribe")
    records = remote.requests()

    assert "".join(deltas) == "Remote reply."
    assert [r["endpoint"] for r in records] == ["chat", "transcription"]
    assert records[0]["first_byte_wall"] - records[0]["received_wall"] >= 0.05
    json.dumps(records)
    remote.reset()
    assert remote.requests() == []
    assert fake_openai.first_token_delay_s == 0.0


def test_set_defaults_survive_reset(fake_elevenlabs: FakeElevenLabs) -> None:
    try:
        fake_elevenlabs.set_defaults(**PROFILES["realistic"].elevenlabs_config())
        fake_elevenlabs.reset()
        assert fake_elevenlabs.first_byte_delay_s == 0.15
    finally:
        fake_elevenlabs.set_defaults()
        fake_elevenlabs.reset()
    assert fake_elevenlabs.first_byte_delay_s == 0.0


def test_serve_cli_prints_env_and_serves() -> None:
    command = [sys.executable, "-m", "interviews.testing.fakes.serve", "--profile", "realistic"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT) as process:
        try:
            assert process.stdout is not None
            env = dict(process.stdout.readline().strip().split("=", 1) for _ in range(9))
            assert env["OPENAI_BASE_URL"].endswith("/v1")
            assert env["TTS_PROVIDER"] == "elevenlabs"
            RemoteFake(env["FAKE_OPENAI_CONTROL_URL"]).reset()
            with httpx.Client() as http:
                response = http.post(
                    f"{env['ELEVENLABS_BASE_URL']}/v1/text-to-speech/v/stream",
                    headers={"xi-api-key": "k"},
                    json={"text": "Hello."},
                )
            assert response.headers["content-type"] == "audio/mpeg"
            (record,) = RemoteFake(env["FAKE_ELEVENLABS_CONTROL_URL"]).requests()
            assert record["first_byte_wall"] - record["received_wall"] >= 0.15
        finally:
            process.terminate()


def test_cloud_providers_fixture_points_settings_at_fakes(cloud_providers: CloudProviders, settings: Any) -> None:
    assert cloud_providers.openai.base_url == settings.OPENAI_BASE_URL
    assert settings.OPENAI_BASE_URL.endswith("/v1")
    assert cloud_providers.elevenlabs.root_url == settings.ELEVENLABS_BASE_URL
    assert settings.INTERVIEW_PROVIDERS["tts"] == ["elevenlabs"]
