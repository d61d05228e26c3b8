"""The interview socket under a real daphne, tried from outside with a plain websockets client.

Close codes, slot accounting, one live session per interview, takeovers in the middle of an
answer, questions lost before their first sound, consent and the recording limits: all of it
depends on the server (channels' WebsocketCommunicator never touches daphne), so it is tested here.
The daphne processes share the test's PostgreSQL database, so the tests make interviews with the
factories and read what the server stored with the ORM.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import websockets
from channels.db import database_sync_to_async
from django.utils import timezone

from interviews.audio import RECOGNITION_RATE, decode_to_pcm, wav_seconds
from interviews.models import Interview, Turn
from interviews.protocol import AiAudioChunk
from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.env import cloud_env
from interviews.testing.fakes.openai_server import FakeOpenAI
from interviews.testing.live import PAGE_QUERY, LiveServer, server_frame, speak_in_real_time
from interviews.testing.webm import make_test_webm, webm_chunks
from interviews.turn_taking import STREAM_TIMESLICE_S, EndpointConfig
from tests.factories import make_interview, make_template

FIXTURES = Path(__file__).parent / "fixtures"
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not DATABASE_URL.startswith("postgres"), reason="the daphne processes share PostgreSQL"),
]


# --- servers ------------------------------------------------------------------------------------


def _test_database_url() -> str:
    from django.db import connection

    return f"{DATABASE_URL.rsplit('/', 1)[0]}/{connection.settings_dict['NAME']}"


ServerFactory = Callable[..., LiveServer]


@pytest.fixture(scope="module")
def shared_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the daphne processes store audio, and where the tests read it back."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media(settings: Any, _media_root: Path, shared_media: Path) -> None:
    settings.MEDIA_ROOT = shared_media


@pytest.fixture(scope="module")
def start_server(
    tmp_path_factory: pytest.TempPathFactory,
    django_db_setup: None,
    shared_media: Path,
    fake_openai_server: FakeOpenAI,
    fake_elevenlabs_server: FakeElevenLabs,
) -> Iterator[ServerFactory]:
    """Starts daphne processes on the test database, with the fake providers; all stop at the end."""
    servers: list[LiveServer] = []

    def start(**env: str) -> LiveServer:
        live = LiveServer(
            data_dir=tmp_path_factory.mktemp("daphne"),
            env={
                **cloud_env(fake_openai_server, fake_elevenlabs_server),
                "DATABASE_URL": _test_database_url(),
                "MEDIA_ROOT": str(shared_media),
                "INTERVIEW_ANSWER_GAP_S": "0.5",
                **env,
            },
        )
        servers.append(live)
        return live.start()

    yield start
    for live in servers:
        live.stop()


@pytest.fixture(scope="module")
def server(start_server: ServerFactory) -> LiveServer:
    return start_server()


@pytest.fixture(autouse=True)
def _fakes(fake_openai: FakeOpenAI, fake_elevenlabs: FakeElevenLabs) -> None:
    """Every test starts with the fakes reset (the daphne processes outlive a test)."""


# --- helpers ------------------------------------------------------------------------------------


def connect(server: LiveServer, interview: Interview | str) -> Any:
    token = interview if isinstance(interview, str) else interview.invite_token
    return websockets.connect(f"{server.ws_url}/ws/interview/{token}/", origin=server.url, max_size=None)


async def until(ws: Any, kind: str, *, timeout_s: float = 15.0) -> list[dict[str, Any]]:
    """Frames up to and including the first of type `kind`."""
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout_s):
        while True:
            frames.append(json.loads(await ws.recv()))
            if frames[-1]["type"] == kind:
                return frames


async def until_closed(ws: Any, *, timeout_s: float = 15.0) -> tuple[list[dict[str, Any]], int | None]:
    """Every frame until the server closes the socket, and the close code the client received."""
    frames: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                frames.append(json.loads(await ws.recv()))
    except websockets.ConnectionClosed:
        pass
    except TimeoutError:
        return frames, None  # still open
    return frames, ws.close_code


def errors(frames: list[dict[str, Any]]) -> list[str]:
    return [f["code"] for f in frames if f["type"] == "error"]


def audio_frames(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "ai_audio_chunk"]


@database_sync_to_async
def new_interview(**fields: Any) -> Interview:
    return make_interview(**fields)


@database_sync_to_async
def hands_free_interview() -> Interview:
    return make_interview(template=make_template(hands_free=True))


@database_sync_to_async
def reload(interview: Interview) -> Interview:
    return Interview.objects.get(pk=interview.pk)


@database_sync_to_async
def stored_turns(interview: Interview) -> list[Turn]:
    return list(Turn.objects.filter(interview=interview).order_by("index"))


async def turns_when(interview: Interview, ready: Callable[[list[Turn]], bool], timeout_s: float = 10.0) -> list[Turn]:
    """The interview's turns once `ready` holds (the server writes them off the critical path)."""
    async with asyncio.timeout(timeout_s):
        while not ready(turns := await stored_turns(interview)):  # noqa: ASYNC110 (another process writes)
            await asyncio.sleep(0.1)
    return turns


async def released(interview: Interview, timeout_s: float = 15.0) -> Interview:
    """The interview once no session holds it (its last session finished storing)."""
    async with asyncio.timeout(timeout_s):
        while (current := await reload(interview)).live_channel:  # noqa: ASYNC110 (another process writes)
            await asyncio.sleep(0.1)
    return current


def speech() -> np.ndarray:
    """6.5 s of real speech (the local Piper voice), 16 kHz."""
    return decode_to_pcm((FIXTURES / "answer_en.webm").read_bytes())


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RECOGNITION_RATE)) / RECOGNITION_RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


async def send_answer(ws: Any, audio: bytes, *, end: bool = True, chunk: int = 4000) -> None:
    for start in range(0, len(audio), chunk):
        await ws.send(audio[start : start + chunk])
    if end:
        await ws.send(json.dumps({"type": "audio_end"}))


def traceback_free(server: LiveServer) -> bool:
    return "Traceback" not in server.log()


# --- close codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "close_code", "error_code"),
    [
        ({"status": "completed"}, 4409, "interview_ended"),
        ({"status": "abandoned"}, 4409, "interview_ended"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, 4410, "interview_ended"),
        ({"consented_at": None}, 4412, "consent_required"),
    ],
    ids=["completed", "abandoned", "expired", "no-consent"],
)
async def test_a_refused_link_reaches_the_client_with_its_close_code(server, fields, close_code, error_code):
    interview = await new_interview(**fields)
    async with connect(server, interview) as ws:
        frames, code = await until_closed(ws)
    assert code == close_code
    assert [(f["code"], f["fatal"]) for f in frames if f["type"] == "error"] == [(error_code, True)]
    assert not [f for f in frames if f["type"] != "error"]  # nothing spoken
    stored = await reload(interview)
    assert stored.status == fields.get("status", Interview.Status.INVITED)  # nothing started
    assert await stored_turns(interview) == []
    assert traceback_free(server), server.log()[-3000:]


async def test_an_unknown_link_closes_with_4404_and_many_of_them_log_no_traceback(server):
    for attempt in range(50):
        async with connect(server, f"no-such-token-{attempt}") as ws:
            frames, code = await until_closed(ws)
        assert code == 4404
        assert errors(frames) == ["interview_ended"]
    assert traceback_free(server), server.log()[-3000:]


async def test_the_end_of_the_interview_is_followed_by_a_normal_close_and_no_error(server):
    interview = await new_interview()
    async with connect(server, interview) as ws:
        await until(ws, "ai_audio_end")
        await ws.send(json.dumps({"type": "end_interview"}))
        ended = await until(ws, "interview_ended")
        after, code = await until_closed(ws)
    assert ended[-1]["reason"] == "candidate_ended"
    assert code == 1000
    assert errors(ended + after) == []
    assert (await reload(interview)).status == Interview.Status.COMPLETED


async def test_a_session_the_server_closes_stops_its_work(server, fake_openai):
    """A flood closes the socket (4008) mid-greeting: the greeting's provider streams stop, and it
    is stored cut off, not finished by a conversation nobody hears any more."""
    fake_openai.per_token_delay_s = 0.2
    interview = await new_interview()
    async with connect(server, interview) as ws:
        await until(ws, "ai_transcript_chunk")
        for _ in range(400):  # beyond the burst a stalled socket may deliver at once (250)
            await ws.send(json.dumps({"type": "playback", "turn": 0, "event": "started"}))
        frames, code = await until_closed(ws)
    assert code == 4008
    assert "rate_limited" in errors(frames)
    chat = await fake_openai.wait_for_async(lambda r: r.endpoint == "chat" and r.finished_at is not None)
    assert chat.client_disconnected  # the language model's stream was closed, not read to its end
    turns = await turns_when(interview, lambda turns: len(turns) == 1)
    assert turns[0].interrupted
    assert (await released(interview)).live_channel == ""


# --- slots --------------------------------------------------------------------------------------


async def test_slots_free_after_floods_takeovers_and_refusals(start_server):
    small = start_server(
        INTERVIEW_MAX_SESSIONS="4", INTERVIEW_MAX_MESSAGES_PER_SECOND="20", INTERVIEW_MAX_MESSAGE_BURST="20"
    )
    for _ in range(4):  # floods
        async with connect(small, await new_interview(greeting_spoken=True)) as ws:
            await until(ws, "session_state")
            for _ in range(40):
                await ws.send(json.dumps({"type": "interrupt"}))
            _, code = await until_closed(ws)
            assert code == 4008
    for _ in range(4):  # takeovers: the same link opened again, as in a second tab
        interview = await new_interview(greeting_spoken=True)
        async with connect(small, interview) as first:
            await until(first, "session_state")
            async with connect(small, interview) as second:
                await until(second, "session_state")
                _, code = await until_closed(first)
                assert code == 4001
    for _ in range(10):  # refusals
        async with connect(small, await new_interview(consented_at=None)) as ws:
            assert (await until_closed(ws))[1] == 4412
    # All of those ended; four fresh candidates fit, and a fifth is told the server is full.
    sockets = []
    for _ in range(4):
        ws = await connect(small, await new_interview(greeting_spoken=True))
        await until(ws, "session_state")
        sockets.append(ws)
    async with connect(small, await new_interview(greeting_spoken=True)) as fifth:
        frames, code = await until_closed(fifth)
    assert code == 4503
    assert errors(frames) == ["server_busy"]
    await sockets[0].close()
    await asyncio.sleep(0.5)
    async with connect(small, await new_interview(greeting_spoken=True)) as again:
        assert (await until(again, "session_state"))[-1]["type"] == "session_state"
    for ws in sockets[1:]:
        await ws.close()
    assert traceback_free(small), small.log()[-3000:]


# --- one live session per interview -------------------------------------------------------------


async def open_many(server: LiveServer, interview: Interview, count: int) -> tuple[list[Any], list[Any]]:
    """`count` sockets opened at once on one link: (still open, closed with 4001)."""
    sockets = await asyncio.gather(*(connect(server, interview) for _ in range(count)))

    async def settle(ws: Any) -> int | None:
        try:
            async with asyncio.timeout(8):
                while True:
                    json.loads(await ws.recv())
        except websockets.ConnectionClosed:
            return ws.close_code
        except TimeoutError:
            return None  # still open

    codes = await asyncio.gather(*(settle(ws) for ws in sockets))
    return [ws for ws, c in zip(sockets, codes, strict=True) if c is None], [c for c in codes if c is not None]


async def test_simultaneous_connects_leave_one_live_session_that_answers_once(server, fake_openai):
    for _ in range(3):
        interview = await new_interview(greeting_spoken=True)
        live, closed = await open_many(server, interview, 10)
        assert len(live) == 1, closed
        assert set(closed) == {4001}
        await send_answer(live[0], make_test_webm(tone(1.0)))
        reply = await until(live[0], "ai_audio_end")
        assert [f["final"] for f in reply if f["type"] == "user_transcript"] == [True]
        await live[0].close()
        await released(interview)
        turns = await stored_turns(interview)
        assert [t.speaker for t in turns] == ["candidate", "interviewer"]
        assert turns[0].text == "I built a payments service in Go."


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis")
async def test_simultaneous_connects_across_two_processes_leave_one_live_session(start_server):
    redis = {"REDIS_URL": os.environ["REDIS_URL"]}
    first, second = start_server(**redis), start_server(**redis)
    interview = await new_interview(greeting_spoken=True)
    sockets = await asyncio.gather(*(connect(first if i % 2 else second, interview) for i in range(10)))
    codes = []
    for ws in sockets:
        try:
            async with asyncio.timeout(8):
                while True:
                    await ws.recv()
        except websockets.ConnectionClosed:
            codes.append(ws.close_code)
        except TimeoutError:
            codes.append(None)
    assert codes.count(None) == 1, codes
    assert set(codes) - {None} == {4001}
    for ws in sockets:
        await ws.close()


async def test_a_takeover_mid_answer_stores_the_old_tabs_audio_before_the_new_tab_reads_it(server, fake_openai):
    """Push-to-talk: the old tab is cut off half-way through an answer by the same link opened again."""
    interview = await new_interview()
    answer = make_test_webm(tone(2.0))
    async with connect(server, interview) as old:
        await until(old, "ai_audio_end")
        half = answer[: len(answer) // 2]
        await send_answer(old, half, end=False)
        await asyncio.sleep(0.2)
        async with connect(server, interview) as new:
            frames, code = await until_closed(old)
            assert code == 4001
            assert "interview_ended" in errors(frames)
            state = await until(new, "session_state")
            assert [h["speaker"] for h in state[-1]["history"]] == ["interviewer", "candidate"]
            asked = await until(new, "ai_audio_end")
            assert "disconnected" in "".join(f["text"] for f in asked if f["type"] == "ai_transcript_chunk")
            await send_answer(new, answer)
            reply = await until(new, "ai_audio_end")
            assert [f["turn"] for f in reply if f["type"] == "user_transcript"] == [3]
    turns = await turns_when(interview, lambda turns: len(turns) == 5)
    assert [t.speaker for t in turns] == ["interviewer", "candidate", "interviewer", "candidate", "interviewer"]
    cut, whole = turns[1], turns[3]
    assert cut.audio.read() == half and cut.text == "" and "before the answer ended" in cut.error
    assert whole.audio.read() == answer and whole.text == "I built a payments service in Go."
    # Only the whole answer was transcribed, from exactly the bytes that were stored.
    assert [r.file_bytes for r in fake_openai.requests_to("transcription")] == [answer]


async def test_a_takeover_while_an_answer_is_transcribed_processes_it_once_in_the_new_session(server, fake_openai):
    fake_openai.stt_delay_s = 1.5
    interview = await new_interview(greeting_spoken=True)
    answer = make_test_webm(tone(1.5))
    async with connect(server, interview) as old:
        await until(old, "session_state")
        await send_answer(old, answer)
        await fake_openai.wait_for_async(lambda r: r.endpoint == "transcription", timeout_s=5)
        async with connect(server, interview) as new:
            assert (await until_closed(old))[1] == 4001
            fake_openai.stt_delay_s = 0.0
            frames = await until(new, "ai_audio_end")
            assert [f["text"] for f in frames if f["type"] == "user_transcript"] == [
                "I built a payments service in Go."
            ]
            assert "payments service" in "".join(f["text"] for f in frames if f["type"] == "ai_transcript_chunk")
    turns = await turns_when(interview, lambda turns: len(turns) == 2 and bool(turns[0].text))
    assert [(t.speaker, t.index) for t in turns] == [("candidate", 0), ("interviewer", 1)]
    assert turns[0].audio.read() == answer
    finished = [r for r in fake_openai.requests_to("transcription") if r.response_text]
    assert [r.file_bytes for r in finished] == [answer]  # transcribed once, from the stored audio


async def test_a_hands_free_takeover_mid_answer_keeps_what_was_said(server, fake_openai):
    interview = await hands_free_interview()
    async with connect(server, interview) as old:
        await until(old, "ai_audio_end")
        await speak_in_real_time(old.send, speech()[: 3 * RECOGNITION_RATE])  # still talking
        async with connect(server, interview) as new:
            assert (await until_closed(old))[1] == 4001
            await until(new, "session_state")
            asked = await until(new, "ai_audio_end")
            assert "disconnected" in "".join(f["text"] for f in asked if f["type"] == "ai_transcript_chunk")
    turns = await turns_when(interview, lambda turns: len(turns) == 3)
    cut = turns[1]
    assert cut.speaker == "candidate" and cut.audio_mime == "audio/wav"
    assert 2.0 < wav_seconds(len(cut.audio.read())) <= 3.2  # the speech heard before the takeover


# --- the interviewer's audio as binary frames --------------------------------------------------


async def test_a_client_that_asks_for_binary_audio_hears_the_stored_speech_in_binary_frames(server):
    """`?audio=binary`, as the page asks: the greeting's audio comes as binary frames (a 9-byte header,
    then the MP3), in order, before its JSON `ai_audio_end`; the bytes are the speech stored for it."""
    interview = await new_interview()
    url = f"{server.ws_url}/ws/interview/{interview.invite_token}/{PAGE_QUERY}"
    chunks: list[AiAudioChunk] = []
    kinds: list[str] = []
    async with websockets.connect(url, origin=server.url, max_size=None) as ws:
        async with asyncio.timeout(15):
            while not kinds or kinds[-1] != "ai_audio_end":
                raw = await ws.recv()
                frame = server_frame(raw)
                if isinstance(raw, bytes):
                    chunks.append(AiAudioChunk(audio=frame["audio"], turn=frame["turn"], seq=frame["seq"]))
                kinds.append("binary" if isinstance(raw, bytes) else frame["type"])
    assert "ai_audio_chunk" not in kinds
    assert kinds.index("binary") > kinds.index("ai_transcript_chunk")  # subtitles lead, as before
    turns = await turns_when(interview, lambda turns: len(turns) == 1 and bool(turns[0].audio))
    greeting = turns[0]
    assert [(chunk.turn, chunk.seq) for chunk in chunks] == [(greeting.index, seq) for seq in range(len(chunks))]
    stored = await database_sync_to_async(lambda: greeting.audio.open("rb").read())()
    assert len(chunks) > 1 and b"".join(chunk.audio for chunk in chunks) == stored


# --- no question is lost ------------------------------------------------------------------------


@pytest.mark.parametrize("hands_free", [False, True], ids=["push-to-talk", "hands-free"])
async def test_a_greeting_lost_before_its_first_sound_is_asked_on_resume(server, fake_elevenlabs, hands_free):
    fake_elevenlabs.first_byte_delay_s = 3.0
    interview = await new_interview(template=await database_sync_to_async(make_template)(hands_free=hands_free))
    async with connect(server, interview) as ws:
        await until(ws, "ai_transcript_chunk")  # the greeting is being written; none of it sounded
    await released(interview)
    fake_elevenlabs.first_byte_delay_s = 0.0
    async with connect(server, interview) as ws:
        frames = await until(ws, "ai_audio_end")
    assert audio_frames(frames)
    turns = await turns_when(interview, lambda turns: len(turns) == 2)
    assert (turns[0].speaker, turns[0].interrupted, turns[0].text) == ("interviewer", True, "")
    assert "not heard" in turns[0].error
    assert turns[1].speaker == "interviewer" and turns[1].is_greeting and turns[1].text


@pytest.mark.parametrize("hands_free", [False, True], ids=["push-to-talk", "hands-free"])
async def test_a_question_lost_before_its_first_sound_is_asked_again(server, fake_openai, fake_elevenlabs, hands_free):
    template = await database_sync_to_async(make_template)(hands_free=hands_free)
    interview = await new_interview(template=template)
    async with connect(server, interview) as ws:
        await until(ws, "ai_audio_end")
        fake_elevenlabs.first_byte_delay_s = 3.0
        if hands_free:
            await speak_in_real_time(ws.send, np.concatenate([speech(), np.zeros(2 * RECOGNITION_RATE, np.float32)]))
        else:
            await send_answer(ws, make_test_webm(tone(1.0)))
        await until(ws, "ai_transcript_chunk")  # the follow-up is being written; none of it sounded
    await released(interview)
    fake_elevenlabs.first_byte_delay_s = 0.0
    async with connect(server, interview) as ws:
        frames = await until(ws, "ai_audio_end")
    asked = "".join(f["text"] for f in frames if f["type"] == "ai_transcript_chunk")
    assert "You said: I built a payments service in Go" in asked  # the follow-up, not "repeat"
    assert audio_frames(frames)
    turns = await turns_when(interview, lambda turns: len(turns) == 4)
    assert [t.speaker for t in turns] == ["interviewer", "candidate", "interviewer", "interviewer"]
    assert turns[2].interrupted and turns[2].text == "" and "not heard" in turns[2].error
    assert turns[3].text == asked.strip()


# --- recording limits ---------------------------------------------------------------------------


async def test_a_push_to_talk_answer_is_limited_by_its_audio_not_its_arrival(start_server, fake_openai):
    limited = start_server(INTERVIEW_MAX_ANSWER_SECONDS="3")
    interview = await new_interview(greeting_spoken=True)
    ten_seconds = make_test_webm(tone(10.0))
    async with connect(limited, interview) as ws:
        await until(ws, "session_state")
        await ws.send(ten_seconds)  # one frame, well under the frame limit, holding 10 s
        await ws.send(json.dumps({"type": "audio_end"}))
        frames = await until(ws, "ai_audio_end")
    assert errors(frames) == ["answer_too_long"]
    uploaded = fake_openai.requests_to("transcription")[-1].file_bytes
    assert wav_seconds(len(uploaded)) == pytest.approx(3.0, abs=0.02)
    turns = await turns_when(interview, lambda turns: len(turns) == 2)
    assert turns[0].audio.read() == uploaded
    assert turns[0].audio_seconds == pytest.approx(3.0, abs=0.02)


async def test_a_push_to_talk_answer_is_limited_by_its_bytes(start_server, fake_openai):
    limited = start_server(INTERVIEW_MAX_ANSWER_BYTES="6000")
    interview = await new_interview(greeting_spoken=True)
    answer = make_test_webm(tone(4.0))
    assert len(answer) > 12000
    async with connect(limited, interview) as ws:
        await until(ws, "session_state")
        await send_answer(ws, answer, chunk=1000)
        frames = await until(ws, "ai_audio_end")
    assert "answer_too_long" in errors(frames)
    uploaded = fake_openai.requests_to("transcription")[0].file_bytes
    assert len(uploaded) <= 6000 and answer.startswith(uploaded)  # the answer up to the limit
    turns = await turns_when(interview, lambda turns: len(turns) == 2)
    assert turns[0].audio.read() == uploaded


async def test_a_microphone_stream_delivered_all_at_once_is_heard_not_closed(server, fake_openai):
    """A stalled network, or a loaded server reading a socket late, delivers seconds of the page's
    50 ms chunks in one burst: audio sent at the page's pace, not a flood. The answer in it is heard
    and answered (the chunks that queue while the listener is busy are fed to it together)."""
    interview = await hands_free_interview()
    quiet = np.zeros(int((EndpointConfig().patient_silence_s + 1.0) * RECOGNITION_RATE), dtype=np.float32)
    chunks = [chunk for chunk in webm_chunks(np.concatenate([speech(), quiet]), chunk_s=STREAM_TIMESLICE_S) if chunk]
    assert len(chunks) > 150  # more than the old one-second window allowed (50)
    async with connect(server, interview) as ws:
        await until(ws, "ai_audio_end")
        await ws.send(json.dumps({"type": "playback", "turn": 0, "event": "ended"}))  # as the page does
        for chunk in chunks:
            await ws.send(chunk)
        frames = await until(ws, "ai_audio_end", timeout_s=30)
    assert errors(frames) == []
    assert [f["type"] for f in frames if f["type"] in ("speech_started", "speech_ended")][:2] == [
        "speech_started",
        "speech_ended",
    ]
    assert fake_openai.requests_to("transcription")  # the answer was transcribed and answered
    assert traceback_free(server), server.log()[-3000:]


async def test_a_hands_free_answer_is_ended_at_its_limit_and_answered(start_server, fake_openai):
    limited = start_server(INTERVIEW_MAX_ANSWER_SECONDS="3")
    interview = await hands_free_interview()
    async with connect(limited, interview) as ws:
        await until(ws, "ai_audio_end")
        await ws.send(json.dumps({"type": "playback", "turn": 0, "event": "ended"}))  # as the page does
        talking = asyncio.create_task(speak_in_real_time(ws.send, speech()))
        frames = await until(ws, "ai_audio_end", timeout_s=20)
        await talking
    assert "answer_too_long" in errors(frames)
    assert any(f["type"] == "speech_ended" for f in frames)
    uploaded = fake_openai.requests_to("transcription")[0].file_bytes
    assert wav_seconds(len(uploaded)) == pytest.approx(3.0, abs=0.05)
    turns = await turns_when(interview, lambda turns: len(turns) >= 3)
    assert turns[1].audio.read() == uploaded


async def test_an_interview_that_reaches_its_answer_limit_closes_politely(start_server, fake_openai):
    limited = start_server(INTERVIEW_MAX_ANSWERS="2")
    interview = await new_interview(greeting_spoken=True)
    async with connect(limited, interview) as ws:
        await until(ws, "session_state")
        await send_answer(ws, make_test_webm(tone(1.0)))
        first = await until(ws, "ai_audio_end")
        await send_answer(ws, make_test_webm(tone(1.0)))
        last, code = await until_closed(ws)
    assert errors(first) == []
    assert errors(last) == ["interview_limit"]
    assert "end of what this interview can record" in "".join(
        f["text"] for f in last if f["type"] == "ai_transcript_chunk"
    )
    assert next(f for f in last if f["type"] == "interview_ended")["reason"] == "limit_reached"
    assert code == 1000
    stored = await reload(interview)
    assert (stored.status, stored.end_reason) == (Interview.Status.COMPLETED, "limit_reached")


async def test_an_interview_that_reaches_its_audio_limit_cuts_the_last_answer_there(start_server, fake_openai):
    limited = start_server(INTERVIEW_MAX_INTERVIEW_AUDIO_SECONDS="4")
    interview = await new_interview(greeting_spoken=True)
    async with connect(limited, interview) as ws:
        await until(ws, "session_state")
        await send_answer(ws, make_test_webm(tone(3.0)))
        await until(ws, "ai_audio_end")
        await send_answer(ws, make_test_webm(tone(3.0)))
        last, _ = await until_closed(ws)
    assert errors(last) == ["interview_limit"]
    uploads = [r.file_bytes for r in fake_openai.requests_to("transcription")]
    assert wav_seconds(len(uploads[-1])) == pytest.approx(1.0, abs=0.05)  # what the interview had left
    turns = await turns_when(interview, lambda turns: len(turns) == 4)
    assert sum(t.audio_seconds for t in turns if t.speaker == "candidate") == pytest.approx(4.0, abs=0.1)


async def test_base64_audio_counts_against_the_same_limits(start_server, fake_openai):
    limited = start_server(INTERVIEW_MAX_ANSWER_SECONDS="2")
    interview = await new_interview(greeting_spoken=True)
    audio = make_test_webm(tone(5.0))
    async with connect(limited, interview) as ws:
        await until(ws, "session_state")
        await ws.send(json.dumps({"type": "audio_chunk", "data": base64.b64encode(audio).decode()}))
        await ws.send(json.dumps({"type": "audio_end"}))
        frames = await until(ws, "ai_audio_end")
    assert errors(frames) == ["answer_too_long"]
    assert wav_seconds(len(fake_openai.requests_to("transcription")[-1].file_bytes)) == pytest.approx(2.0, abs=0.02)


# --- a Japanese interview -----------------------------------------------------------------------

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@database_sync_to_async
def japanese_interview() -> Interview:
    template = make_template(
        language="ja", title="バックエンドエンジニア 一次面接", questions=["最近作ったシステムについて教えてください。"]
    )
    return make_interview(template=template)


async def test_every_server_message_of_a_japanese_interview_is_in_japanese(server, fake_openai, fake_elevenlabs):
    fake_openai.chat_replies = [
        "こんにちは、AI面接官です。最近作ったシステムについて教えてください。",
        "ありがとうございます。障害にはどう対応しましたか?",
    ]
    fake_openai.transcripts = ["決済サービスを作りました。"]
    interview = await japanese_interview()
    async with connect(server, interview) as ws:
        frames = await until(ws, "ai_audio_end")  # the greeting
        await ws.send(b"this is not audio")  # refused in words; the rest of that answer is dropped
        frames += await until(ws, "error")
        await ws.send(json.dumps({"type": "audio_end"}))
        await send_answer(ws, make_test_webm(tone(1.0)))
        frames += await until(ws, "ai_audio_end")
        await ws.send(json.dumps({"type": "end_interview"}))
        rest, _code = await until_closed(ws)
    frames += rest

    assert frames[0]["type"] == "session_state" and frames[0]["language"] == "ja"
    error_messages = [f["message"] for f in frames if f["type"] == "error"]
    assert error_messages and all(_JAPANESE.search(message) for message in error_messages), error_messages
    said = "".join(f["text"] for f in frames if f["type"] == "ai_transcript_chunk")
    assert "最近作ったシステム" in said and "障害" in said
    heard = [f["text"] for f in frames if f["type"] == "user_transcript"]
    assert heard == ["決済サービスを作りました。"]
    words = [*error_messages, said, *heard]
    assert not any(re.search(r"\b(the|Please|Sorry|interview)\b", text) for text in words), words
    # The providers were asked in Japanese: the greeting request, the transcription, the voice.
    chats = fake_openai.requests_to("chat")
    assert chats[0].body["messages"][-1]["content"].startswith("(候補者が入室しました")
    assert "Speak only Japanese" in chats[0].body["messages"][0]["content"]
    assert {r.body["language"] for r in fake_openai.requests_to("transcription")} == {"ja"}
    assert {r.body["language_code"] for r in fake_elevenlabs.requests_to("tts")} == {"ja"}
