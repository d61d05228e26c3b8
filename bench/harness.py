"""Shared machinery of the benchmarks: fake providers, daphne processes, a throwaway database,
simulated candidates over real WebSockets, matching of turns to the fakes' records, and statistics.

Everything listens on 127.0.0.1 only; every process started here is stopped by its context
manager, and the fakes also stop by themselves after --max-seconds.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviews.chunker import ClauseChunker, MarkerFilter  # noqa: E402 (after the project is put on sys.path)
from interviews.testing.fakes.openai_server import tokenize  # noqa: E402 (after the project is put on sys.path)
from interviews.testing.fakes.profiles import PROFILES, LatencyProfile  # noqa: E402 (after the project is put on sys.path)
from interviews.testing.fakes.remote import RemoteFake  # noqa: E402 (after the project is put on sys.path)
from interviews.testing.live import PAGE_QUERY, server_frame  # noqa: E402 (after the project is put on sys.path)

PYTHON = sys.executable
# daphne as the project runs it (access log without invite tokens, the app's transport limits).
SERVE = [PYTHON, "-m", "interview_project.serve"]
HOST = "127.0.0.1"
# The page origin the simulated candidates send; the servers allow exactly it (DJANGO_ALLOWED_ORIGINS).
ORIGIN = f"http://{HOST}"
# `--postgres` without a value: this machine's server (each run makes and drops its own database on it).
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
CHUNK_S = 0.25  # MediaRecorder timeslice the candidate page uses
# Variables of the developer's shell that would change what the benchmark measures.
_SCRUBBED = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ELEVENLABS_API_KEY",
    "ELEVENLABS_BASE_URL",
    "STT_PROVIDER",
    "LLM_PROVIDER",
    "TTS_PROVIDER",
    "DATABASE_URL",
    "REDIS_URL",
    "DATA_DIR",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "PORT",
    "DJANGO_DEBUG",
)


def machine() -> str:
    cpus = os.cpu_count()
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cpus} CPU ({model or 'unknown'}), Python {sys.version.split()[0]}, load avg {load}"


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        DJANGO_SETTINGS_MODULE="interview_project.settings",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_ALLOWED_ORIGINS=ORIGIN,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout_s: float, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {HOST}:{port} after {timeout_s} s")


def stop_process(proc: subprocess.Popen[Any], *, timeout_s: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


# --- fake providers ----------------------------------------------------------------------------


@dataclass
class FakeProcess:
    kind: str
    proc: subprocess.Popen[str]
    root_url: str
    base_url: str

    @property
    def remote(self) -> RemoteFake:
        return RemoteFake(self.root_url, timeout_s=60.0)


class Fakes:
    """The fake OpenAI and ElevenLabs, each in its own process, with a latency profile."""

    def __init__(self, profile: str = "realistic", *, max_seconds: float = 1800.0) -> None:
        self.profile_name = profile
        self.profile: LatencyProfile = PROFILES[profile]
        self.max_seconds = max_seconds
        self.openai: FakeProcess | None = None
        self.elevenlabs: FakeProcess | None = None

    def __enter__(self) -> Fakes:
        self.openai = self._start("openai")
        self.elevenlabs = self._start("elevenlabs")
        return self

    def __exit__(self, *exc: object) -> None:
        for fake in (self.openai, self.elevenlabs):
            if fake is not None:
                stop_process(fake.proc)

    def _start(self, kind: str) -> FakeProcess:
        proc = subprocess.Popen(
            [PYTHON, str(ROOT / "bench" / "fake_provider.py"), kind, *self._options()],
            stdout=subprocess.PIPE,
            text=True,
            env=base_env(),
            cwd=ROOT,
        )
        values: dict[str, str] = {}
        assert proc.stdout is not None
        while len(values) < 2:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"fake {kind} exited early ({proc.poll()})")
            key, _, value = line.strip().partition("=")
            values[key] = value
        return FakeProcess(kind, proc, values["ROOT_URL"], values["BASE_URL"])

    def _options(self) -> list[str]:
        return ["--profile", self.profile_name, "--max-seconds", str(self.max_seconds)]

    def env(self) -> dict[str, str]:
        assert self.openai is not None and self.elevenlabs is not None
        return {
            "OPENAI_API_KEY": "bench-key",
            "OPENAI_BASE_URL": self.openai.base_url,
            "ELEVENLABS_API_KEY": "bench-key",
            "ELEVENLABS_BASE_URL": self.elevenlabs.base_url,
            "STT_PROVIDER": "openai",
            "LLM_PROVIDER": "openai",
            "TTS_PROVIDER": "elevenlabs",
        }

    def reset(self) -> None:
        assert self.openai is not None and self.elevenlabs is not None
        self.openai.remote.reset()
        self.elevenlabs.remote.reset()

    def records(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        assert self.openai is not None and self.elevenlabs is not None
        return self.openai.remote.requests(), self.elevenlabs.remote.requests()


# --- database ---------------------------------------------------------------------------------


class Database:
    """A throwaway database: SQLite in a temp DATA_DIR, or a dedicated PostgreSQL database (dropped after)."""

    def __init__(self, *, postgres_url: str | None = None) -> None:
        self.postgres_url = postgres_url
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-data-"))
        self.name = f"bench_{secrets.token_hex(4)}" if postgres_url else ""
        self.url = ""

    def __enter__(self) -> Database:
        if self.postgres_url:
            import psycopg

            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = self.postgres_url.rsplit("/", 1)[0] + "/" + self.name
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env=self.env(), cwd=ROOT, check=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.postgres_url:
            import psycopg

            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def env(self) -> dict[str, str]:
        env = {**base_env(), "DATA_DIR": str(self.data_dir)}
        if self.url:
            env["DATABASE_URL"] = self.url
        return env

    def _tool(self, *args: str) -> Any:
        out = subprocess.run(
            [PYTHON, str(ROOT / "bench" / "dbtool.py"), *args],
            env=self.env(),
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def create_interviews(self, count: int, *, language: str = "en", hands_free: bool = False) -> list[dict[str, Any]]:
        return self._tool(
            "create", "--count", str(count), "--language", language, *(["--hands-free"] if hands_free else [])
        )

    def turns(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        return self._tool("turns", "--ids", ",".join(str(i) for i in ids))


# --- daphne -----------------------------------------------------------------------------------


class Server:
    """One daphne process (`python -m interview_project.serve`) serving the app on 127.0.0.1."""

    def __init__(self, env: dict[str, str], *, log_path: Path, ready_timeout_s: float = 60.0) -> None:
        self.env = env
        self.port = free_port()
        self.log_path = log_path
        self.ready_timeout_s = ready_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def ws_base(self) -> str:
        return f"ws://{HOST}:{self.port}/ws/interview/"

    def __enter__(self) -> Server:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            # The app plus an event-loop lag probe (bench/asgi_probe.py); the app itself is unchanged.
            [*SERVE, "-b", HOST, "-p", str(self.port), "bench.asgi_probe:application"],
            env={**self.env, "PORT": str(self.port)},
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout_s=self.ready_timeout_s, proc=self.proc)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self._log.close()

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    def _probe_file(self, name: str) -> Any:
        path = Path(self.env["DATA_DIR"]) / f"{name}-{self.pid}.json"
        time.sleep(1.2)  # the probe rewrites its files every second: let the last events in
        with contextlib.suppress(OSError, ValueError):
            return json.loads(path.read_text())
        return {}

    def loop_lag(self) -> dict[str, Any]:
        return self._probe_file("loop_lag")

    def ws_events(self) -> dict[str, list[list[Any]]]:
        return self._probe_file("ws_events")

    def log_errors(self, limit: int = 2) -> list[str]:
        """The first tracebacks (or ERROR lines) of the server's log."""
        found: list[str] = []
        lines = self.log_path.read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            if len(found) >= limit:
                break
            if line.startswith("Traceback") or " ERROR " in line:
                block = [line]
                for follow in lines[index + 1 : index + 40]:
                    if not follow.startswith((" ", "Traceback", "During", "The above")) and len(block) > 1:
                        block.append(follow)
                        break
                    block.append(follow)
                found.append("\n".join(block))
        return found

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# --- the candidate's audio --------------------------------------------------------------------


def tone_pcm(seconds: float, rate: int = 16000) -> np.ndarray:
    """A voice-like signal (a gliding tone with harmonics and a syllable envelope), mono float32."""
    t = np.arange(int(seconds * rate)) / rate
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 6))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3.5 * t) ** 2
    return (0.2 * voice * envelope).astype(np.float32)


def webm_answer(seconds: float) -> bytes:
    """A WebM/Opus recording like MediaRecorder's (via the app's codec module, else PyAV directly)."""
    try:
        from interviews.testing.webm import make_test_webm

        return make_test_webm(tone_pcm(seconds))
    except ImportError:
        return _webm_with_pyav(tone_pcm(seconds))


def _webm_with_pyav(pcm: np.ndarray, rate: int = 16000) -> bytes:
    import io
    from fractions import Fraction

    import av

    out = io.BytesIO()
    pcm48 = np.interp(np.arange(0, len(pcm) * 3) / 3, np.arange(len(pcm)), pcm).astype(np.float32)
    with av.open(out, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48000, layout="mono")
        for start in range(0, len(pcm48) - 960, 960):
            frame = av.AudioFrame.from_ndarray(pcm48[start : start + 960].reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 48000, start, Fraction(1, 48000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


VOID_HEADER_BYTES = 9


def tagged(webm: bytes, tag: int) -> bytes:
    """The recording plus an EBML Void element of `tag` bytes: demuxers skip it, and the upload's size
    (which the fake STT records) then says which session and answer it was."""
    return webm + b"\xec\x01" + tag.to_bytes(7, "big") + bytes(tag)


def split_chunks(data: bytes, seconds: float) -> list[bytes]:
    """Cut a recording into one piece per 250 ms timeslice, as MediaRecorder hands them over."""
    count = max(1, round(seconds / CHUNK_S))
    size = -(-len(data) // count)
    return [data[i : i + size] for i in range(0, len(data), size)]


# --- a simulated candidate --------------------------------------------------------------------


@dataclass
class TurnSample:
    session: int
    interview_id: int
    uid: str
    answer: int
    tag: int
    audio_end_wall: float
    turn: int | None = None
    client_transcript_ms: float | None = None
    client_first_text_ms: float | None = None
    client_first_audio_ms: float | None = None
    client_audio_end_ms: float | None = None
    first_audio_wall: float | None = None
    errors: list[str] = field(default_factory=list)
    # Filled in by analyse():
    server: dict[str, float | None] = field(default_factory=dict)
    fakes: dict[str, float | None] = field(default_factory=dict)


@dataclass
class SessionOutcome:
    session: int
    connected: bool = False
    greeting_ms: float | None = None
    errors: list[str] = field(default_factory=list)
    samples: list[TurnSample] = field(default_factory=list)


@dataclass
class Answer:
    """One recording, tagged per (session, answer), already cut into 250 ms chunks as JSON frames."""

    chunks: list[str]


@dataclass
class HandsFreeStream:
    """A hands-free microphone: one continuous WebM/Opus recording in the page's 50 ms timeslices,
    sent as binary frames, as the page streams it all the time (silence included). Block 0 is
    silence (the greeting); block n is answer n's speech, then silence. The candidate streams a
    block's silence until the reply has ended and then skips the rest of it: every chunk holds
    whole Opus packets (one cluster each), so the stream stays valid, only its timestamps jump."""

    blocks: list[list[bytes]]
    speech_chunks: int  # at the start of each answer block
    chunk_s: float


def hands_free_stream(
    speech: np.ndarray, answers: int, *, silence_s: float = 12.0, tail_s: float = 0.5
) -> HandsFreeStream:
    from interviews.testing.webm import webm_chunks
    from interviews.turn_taking import STREAM_TIMESLICE_S

    rate = 16000
    chunk_s = STREAM_TIMESLICE_S
    # audio_end follows a little silence, as a candidate's last word does: the voice detector's
    # hang-over must not hear the cut-off end of a word after it as the answer going on.
    speech = np.concatenate([speech, np.zeros(int(tail_s * rate), dtype=np.float32)])
    silence = np.zeros(int(silence_s * rate), dtype=np.float32)
    speech_chunks = round(len(speech) / rate / chunk_s)
    speech = np.concatenate([speech, np.zeros(int(speech_chunks * chunk_s * rate) - len(speech), dtype=np.float32)])
    chunks = webm_chunks(np.concatenate([silence, *([speech, silence] * answers)]), chunk_s=chunk_s)
    per_silence, per_answer = round(silence_s / chunk_s), speech_chunks + round(silence_s / chunk_s)
    blocks = [chunks[:per_silence]]
    blocks += [chunks[per_silence + n * per_answer : per_silence + (n + 1) * per_answer] for n in range(answers)]
    return HandsFreeStream(blocks=blocks, speech_chunks=speech_chunks, chunk_s=chunk_s)


def speech_fixture(seconds: float) -> np.ndarray:
    """The first `seconds` of the English speech fixture (Piper), 16 kHz: what Silero hears as voice."""
    from interviews.audio import decode_to_pcm

    pcm = decode_to_pcm((ROOT / "tests" / "fixtures" / "answer_en.webm").read_bytes())
    return pcm[: int(seconds * 16000)]


def answer_frames(data: bytes, seconds: float) -> Answer:
    return Answer(
        [
            json.dumps({"type": "audio_chunk", "data": base64.b64encode(piece).decode("ascii")})
            for piece in split_chunks(data, seconds)
        ]
    )


async def candidate(
    *,
    session: int,
    url: str,
    interview: dict[str, Any],
    answers: list[Answer],
    tags: list[int],
    start_delay_s: float = 0.0,
    turn_timeout_s: float = 60.0,
    think_s: float = 0.3,
    end_interview: bool = True,
    chunk_s: float = CHUNK_S,
    microphone: HandsFreeStream | None = None,
) -> SessionOutcome:
    """Connect, hear the greeting, give each answer at real-time pace, then end the interview
    (or, with end_interview=False, just close the socket, as a candidate who drops out)."""
    import websockets

    outcome = SessionOutcome(session=session)
    await asyncio.sleep(start_delay_s)
    frames: asyncio.Queue[tuple[float, float, dict[str, Any]] | None] = asyncio.Queue()

    async def read(ws: Any) -> None:
        try:
            async for raw in ws:
                clock, wall = time.perf_counter(), time.time()
                frames.put_nowait((clock, wall, server_frame(raw)))
        except Exception as exc:  # closed abruptly: the waiting side reports it
            outcome.errors.append(f"read: {type(exc).__name__}: {exc}")
        finally:
            frames.put_nowait(None)

    async def until(kind: str, timeout_s: float, sample: TurnSample | None = None, sent_at: float = 0.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {kind} within {timeout_s} s")
            item = await asyncio.wait_for(frames.get(), remaining)
            if item is None:
                raise ConnectionError(f"closed while waiting for {kind}")
            clock, wall, frame = item
            kind_now = frame.get("type")
            if kind_now == "error":
                (sample.errors if sample else outcome.errors).append(f"{frame.get('code')}: {frame.get('message')}")
                if frame.get("fatal"):
                    raise ConnectionError(f"fatal error {frame.get('code')}")
            if sample is not None:
                elapsed_ms = round((clock - sent_at) * 1000, 2)
                if kind_now == "user_transcript" and frame.get("final") and sample.client_transcript_ms is None:
                    sample.client_transcript_ms = elapsed_ms
                elif kind_now == "ai_transcript_chunk" and sample.client_first_text_ms is None:
                    sample.client_first_text_ms = elapsed_ms
                elif kind_now == "ai_audio_chunk" and sample.client_first_audio_ms is None:
                    sample.client_first_audio_ms = elapsed_ms
                    sample.first_audio_wall = wall
                    sample.turn = frame.get("turn")
                elif kind_now == "ai_audio_end":
                    sample.client_audio_end_ms = elapsed_ms
            if kind_now == kind:
                return True

    try:
        async with websockets.connect(
            url + interview["token"] + "/" + PAGE_QUERY,
            origin=ORIGIN,  # type: ignore[arg-type]
            open_timeout=60,
            ping_interval=None,
            max_size=2**24,
        ) as ws:
            reader = asyncio.create_task(read(ws))
            connected_at = time.perf_counter()
            await until("session_state", 30)
            outcome.connected = True
            if microphone is not None:
                await _hands_free_turns(
                    ws, microphone, outcome, until, session, interview, tags, turn_timeout_s, think_s
                )
                if end_interview:
                    await ws.send('{"type": "end_interview"}')
                    with contextlib.suppress(TimeoutError, ConnectionError):
                        await until("interview_ended", 15)
                reader.cancel()
                return outcome
            await until("ai_audio_end", turn_timeout_s)
            outcome.greeting_ms = round((time.perf_counter() - connected_at) * 1000, 1)
            for number, (answer, tag) in enumerate(zip(answers, tags, strict=True)):
                await asyncio.sleep(think_s)
                loop = asyncio.get_running_loop()
                started = loop.time()
                for index, chunk in enumerate(answer.chunks):
                    # A timeslice is handed over when its 250 ms of speech have been recorded.
                    await asyncio.sleep(max(0.0, started + (index + 1) * chunk_s - loop.time()))
                    await ws.send(chunk)
                sample = TurnSample(
                    session=session,
                    interview_id=interview["id"],
                    uid=interview["uid"],
                    answer=number,
                    tag=tag,
                    audio_end_wall=time.time(),
                )
                sent_at = time.perf_counter()
                await ws.send('{"type": "audio_end"}')
                outcome.samples.append(sample)
                await until("ai_audio_end", turn_timeout_s, sample, sent_at)
            if end_interview:
                await ws.send('{"type": "end_interview"}')
                with contextlib.suppress(TimeoutError, ConnectionError):
                    await until("interview_ended", 15)
            reader.cancel()
    except Exception as exc:
        outcome.errors.append(f"{type(exc).__name__}: {exc}")
    return outcome


async def _hands_free_turns(
    ws: Any,
    microphone: HandsFreeStream,
    outcome: SessionOutcome,
    until: Any,
    session: int,
    interview: dict[str, Any],
    tags: list[int],
    turn_timeout_s: float,
    think_s: float,
) -> None:
    """The microphone streams all the time; each answer is its block's speech, ended by `audio_end`
    (the page lets the server find the end instead; that adds the endpointing pause, not CPU, and
    would make the floor comparison differ from push-to-talk's)."""
    advance = asyncio.Event()
    speech_sent = asyncio.Event()

    async def stream() -> None:
        loop = asyncio.get_running_loop()
        for number, block in enumerate(microphone.blocks):
            started = loop.time()
            for index, chunk in enumerate(block):
                await asyncio.sleep(max(0.0, started + (index + 1) * microphone.chunk_s - loop.time()))
                if advance.is_set():
                    break
                if chunk:
                    await ws.send(chunk)
                if number and index + 1 == microphone.speech_chunks:
                    speech_sent.set()
            await advance.wait()  # the silence ran out before the reply ended: the stream pauses
            advance.clear()

    async def heard(turn: int | None) -> None:
        if turn is not None:  # the page reports its playback; the server then knows the interviewer is quiet
            await ws.send(json.dumps({"type": "playback", "turn": turn, "event": "ended"}))

    connected_at = time.perf_counter()
    sender = asyncio.create_task(stream())
    try:
        greeting = TurnSample(session, interview["id"], interview["uid"], -1, -1, time.time())
        await until("ai_audio_end", turn_timeout_s, greeting, connected_at)
        outcome.greeting_ms = round((time.perf_counter() - connected_at) * 1000, 1)
        outcome.errors.extend(greeting.errors)
        await heard(greeting.turn)
        for number, tag in enumerate(tags):
            await asyncio.sleep(think_s)
            speech_sent.clear()
            advance.set()  # on to this answer's block: its speech, then silence
            await speech_sent.wait()
            sample = TurnSample(
                session=session,
                interview_id=interview["id"],
                uid=interview["uid"],
                answer=number,
                tag=tag,
                audio_end_wall=time.time(),
            )
            sent_at = time.perf_counter()
            await ws.send('{"type": "audio_end"}')
            outcome.samples.append(sample)
            await until("ai_audio_end", turn_timeout_s, sample, sent_at)
            await heard(sample.turn)
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)


async def run_sessions(
    *,
    urls: Sequence[str],
    interviews: Sequence[dict[str, Any]],
    answer_s: float,
    answers_per_session: int,
    ramp_s: float,
    deadline_s: float,
    base_recording: bytes,
    end_interview: bool = True,
    microphone: HandsFreeStream | None = None,
) -> list[SessionOutcome]:
    """All sessions at once (started evenly over `ramp_s`), bounded by `deadline_s` in total."""
    jobs = []
    for session, interview in enumerate(interviews):
        tags = [session * answers_per_session + n for n in range(answers_per_session)]
        answers = [] if microphone else [answer_frames(tagged(base_recording, tag), answer_s) for tag in tags]
        jobs.append(
            candidate(
                session=session,
                url=urls[session % len(urls)],
                interview=interview,
                answers=answers,
                tags=tags,
                start_delay_s=ramp_s * session / max(1, len(interviews)),
                end_interview=end_interview,
                microphone=microphone,
            )
        )
    tasks = [asyncio.ensure_future(job) for job in jobs]
    done, pending = await asyncio.wait(tasks, timeout=deadline_s)
    for task in pending:
        task.cancel()
    outcomes = []
    for session, task in enumerate(tasks):
        if task in done and not task.cancelled() and task.exception() is None:
            outcomes.append(task.result())
        else:
            outcomes.append(SessionOutcome(session=session, errors=["did not finish before the deadline"]))
    return outcomes


# --- matching turns with the fakes' records ---------------------------------------------------


def first_clause_token(reply: str) -> int:
    """Index of the token that completes the first clause the app sends to TTS (same chunker)."""
    marker, chunker = MarkerFilter(), ClauseChunker()
    tokens = tokenize(reply)
    for index, token in enumerate(tokens):
        visible = marker.feed(token)
        if visible and chunker.feed(visible):
            return index
    return max(0, len(tokens) - 1)


def analyse(
    samples: list[TurnSample],
    *,
    openai_records: list[dict[str, Any]],
    tts_records: list[dict[str, Any]],
    stored_turns: list[dict[str, Any]],
    profile: LatencyProfile,
    base_size: int,
    ws_events: dict[str, list[list[Any]]] | None = None,
    tokens: dict[int, str] | None = None,
) -> None:
    """Fill each sample's provider floor (from the fakes' records) and the server's stored timings."""
    stt_by_tag: dict[int, dict[str, Any]] = {}
    stt_by_text: dict[str, dict[str, Any]] = {}
    chats_by_uid: dict[str, list[dict[str, Any]]] = {}
    for record in openai_records:
        if record["endpoint"] == "transcription" and isinstance(record["body"].get("file"), dict):
            stt_by_tag[record["body"]["file"]["size"] - base_size - VOID_HEADER_BYTES] = record
            if (record.get("response_text") or "").startswith(TRANSCRIPT_PREFIX):
                stt_by_text[record["response_text"]] = record
        elif record["endpoint"] == "chat":
            system = next((m.get("content", "") for m in record["body"].get("messages", [])), "")
            for word in str(system).split():
                if word.startswith("Bench-"):
                    chats_by_uid.setdefault(word.strip(".,")[6:], []).append(record)
                    break
    tts_by_uid: dict[str, list[dict[str, Any]]] = {}
    for record in tts_records:
        voice = record["path_params"].get("voice_id", "")
        tts_by_uid.setdefault(voice.removeprefix("bench-"), []).append(record)
    for records in (*chats_by_uid.values(), *tts_by_uid.values()):
        records.sort(key=lambda r: r["received_wall"])
    stored = {(t["interview_id"], t["index"]): t for t in stored_turns}

    for sample in samples:
        _split_socket_time(sample, (ws_events or {}).get((tokens or {}).get(sample.interview_id, ""), []))
        if sample.turn is not None:
            sample.server |= {
                k: v for k, v in stored.get((sample.interview_id, sample.turn), {}).items() if k.endswith("_ms")
            }
        chats = chats_by_uid.get(sample.uid, [])
        chat = chats[sample.answer + 1] if len(chats) > sample.answer + 1 else None  # [0] is the greeting
        # Hands-free uploads are cut by the server (WAV): the fake's unique transcript names them.
        stt = stt_by_text.get(_transcript_in(chat)) if stt_by_text else stt_by_tag.get(sample.tag)
        if stt is None or chat is None or stt.get("finished_wall") is None or chat.get("first_byte_wall") is None:
            continue
        clause_token = first_clause_token(chat.get("response_text") or "")
        llm_ms = (
            chat["first_byte_wall"] - chat["received_wall"]
        ) * 1000 + clause_token * profile.llm_per_token_delay_s * 1000
        clause_wall = chat["received_wall"] + llm_ms / 1000
        tts = next((r for r in tts_by_uid.get(sample.uid, []) if r["received_wall"] >= chat["received_wall"]), None)
        if tts is None or tts.get("first_byte_wall") is None:
            continue
        stt_ms = (stt["finished_wall"] - stt["received_wall"]) * 1000
        tts_ms = (tts["first_byte_wall"] - tts["received_wall"]) * 1000
        fakes: dict[str, float | None] = {
            "stt_ms": stt_ms,
            "llm_first_clause_ms": llm_ms,
            "tts_first_byte_ms": tts_ms,
            "floor_ms": stt_ms + llm_ms + tts_ms,
            # The app's own share of the critical path, hop by hop (all wall clock, same machine):
            "gap_answer_to_stt_ms": (stt["received_wall"] - sample.audio_end_wall) * 1000,
            "gap_stt_to_llm_ms": (chat["received_wall"] - stt["finished_wall"]) * 1000,
            "gap_clause_to_tts_ms": (tts["received_wall"] - clause_wall) * 1000,
            "gap_tts_to_client_ms": None
            if sample.first_audio_wall is None
            else (sample.first_audio_wall - tts["first_byte_wall"]) * 1000,
        }
        sample.fakes = {k: None if v is None else round(v, 2) for k, v in fakes.items()}


TRANSCRIPT_PREFIX = "Answer "


def unique_transcripts(count: int) -> list[str]:
    """What the fake STT answers, one per request: the chat request that quotes it names its answer."""
    return [f"{TRANSCRIPT_PREFIX}{n:05d}: I built a payments service in Go." for n in range(count)]


def _transcript_in(chat: dict[str, Any] | None) -> str:
    if chat is None:
        return ""
    for message in reversed(chat["body"].get("messages", [])):
        content = str(message.get("content", ""))
        if (at := content.find(TRANSCRIPT_PREFIX)) >= 0:
            return content[at : at + len(unique_transcripts(1)[0])]
    return ""


def _split_socket_time(sample: TurnSample, events: list[list[Any]]) -> None:
    """Ingress (client sends audio_end -> consumer picks it up), server time at the ASGI boundary, and
    egress (consumer hands over the first audio chunk -> client receives it), from the probe's events."""
    picked = next((wall for kind, wall in events if kind == "audio_end" and wall >= sample.audio_end_wall - 0.05), None)
    if picked is None:
        return
    sent = next((wall for kind, wall in events if kind == "first_audio" and wall >= picked), None)
    sample.server["ingress_ms"] = round((picked - sample.audio_end_wall) * 1000, 2)
    if sent is not None:
        sample.server["asgi_first_audio_ms"] = round((sent - picked) * 1000, 2)
        if sample.first_audio_wall is not None:
            sample.server["egress_ms"] = round((sample.first_audio_wall - sent) * 1000, 2)


# --- statistics -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def metric_values(samples: Sequence[TurnSample]) -> dict[str, list[float]]:
    """Every per-turn figure by name; overhead figures are against the fakes' measured floor."""
    out: dict[str, list[float]] = {}

    def add(name: str, value: float | None) -> None:
        if value is not None:
            out.setdefault(name, []).append(value)

    for s in samples:
        floor = s.fakes.get("floor_ms")
        for key in (
            "transcript_ms",
            "llm_first_token_ms",
            "first_clause_ms",
            "tts_first_byte_ms",
            "first_audio_sent_ms",
        ):
            add(f"server.{key}", s.server.get(key))
        add("server.provider_floor_ms (app estimate)", s.server.get("provider_floor_ms"))
        add("client.first_audio_ms", s.client_first_audio_ms)
        for key in ("ingress_ms", "asgi_first_audio_ms", "egress_ms"):
            add(f"socket.{key}", s.server.get(key))
        for key, value in s.fakes.items():
            add(f"fakes.{key}", value)
        if floor is not None:
            if s.client_first_audio_ms is not None:
                add("overhead.client_ms", s.client_first_audio_ms - floor)
            if s.server.get("first_audio_sent_ms") is not None:
                add("overhead.server_ms", s.server["first_audio_sent_ms"] - floor)  # type: ignore[operator]
        if s.server.get("first_audio_sent_ms") is not None and s.server.get("provider_floor_ms") is not None:
            add("overhead.vs_app_floor_ms", s.server["first_audio_sent_ms"] - s.server["provider_floor_ms"])  # type: ignore[operator]
    return out


def summarise(samples: Sequence[TurnSample]) -> dict[str, dict[str, float | None]]:
    return {
        name: {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95), "max": max(values)}
        for name, values in metric_values(samples).items()
    }


def median_spread(values: Sequence[float | None]) -> dict[str, float | None]:
    present = [v for v in values if v is not None]
    if not present:
        return {"median": None, "min": None, "max": None}
    return {"median": statistics.median(present), "min": min(present), "max": max(present)}


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


HEADLINE_ROWS = [
    ("transcript ready (server)", "server.transcript_ms"),
    ("first LLM token (server)", "server.llm_first_token_ms"),
    ("first clause to TTS (server)", "server.first_clause_ms"),
    ("first TTS byte (server)", "server.tts_first_byte_ms"),
    ("first audio chunk sent (server)", "server.first_audio_sent_ms"),
    ("first audio chunk received (client)", "client.first_audio_ms"),
    ("provider floor (fakes' records)", "fakes.floor_ms"),
    ("provider floor (app's estimate)", "server.provider_floor_ms (app estimate)"),
    ("  STT request (fake)", "fakes.stt_ms"),
    ("  LLM to first clause (fake)", "fakes.llm_first_clause_ms"),
    ("  TTS to first byte (fake)", "fakes.tts_first_byte_ms"),
    ("  gap: audio_end -> STT request", "fakes.gap_answer_to_stt_ms"),
    ("  gap: STT done -> LLM request", "fakes.gap_stt_to_llm_ms"),
    ("  gap: first clause -> TTS request", "fakes.gap_clause_to_tts_ms"),
    ("  gap: TTS first byte -> client", "fakes.gap_tts_to_client_ms"),
    ("  socket: audio_end -> consumer", "socket.ingress_ms"),
    ("  socket: first audio consumer -> client", "socket.egress_ms"),
    ("OVERHEAD client first audio - floor", "overhead.client_ms"),
    ("overhead server first audio - floor", "overhead.server_ms"),
    ("overhead server vs app's floor", "overhead.vs_app_floor_ms"),
]


def headline_table(summary: dict[str, dict[str, float | None]]) -> str:
    lines = [f"{'stage (ms from end of answer)':<40} {'n':>5} {'p50':>8} {'p95':>8} {'max':>8}"]
    for label, key in HEADLINE_ROWS:
        row = summary.get(key)
        if row is None:
            continue
        lines.append(
            f"{label:<40} {row['n']:>5} {fmt(row['p50'], 1):>8} {fmt(row['p95'], 1):>8} {fmt(row['max'], 1):>8}"
        )
    return "\n".join(lines)


def sample_dicts(samples: Sequence[TurnSample]) -> list[dict[str, Any]]:
    return [asdict(s) for s in samples]


@contextlib.contextmanager
def timed(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"[{label}: {time.perf_counter() - started:.1f} s]", file=sys.stderr, flush=True)
