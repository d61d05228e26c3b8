"""Run one pipeline Session in-process, in fake time: messages in, timestamped frames out.

    run = await Harness(hands_free=True).run([*speak(answer, at=1.0)], until_s=8.0)
    assert run.first("speech_ended").at_s == pytest.approx(...)

The way Pipecat tests its frame processors: no socket, no database, no network; scripted
providers (providers.py), an in-memory store (store.py) and a fake clock (runtime.py). The socket
and HTTP-fake suites in tests/ stay the integration layer.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from interviews.audio import RECOGNITION_RATE
from interviews.events import HistoryItem, PendingAnswer, RecordingTotals, SessionSnapshot
from interviews.pipeline.config import SessionConfig
from interviews.pipeline.ports import TurnScorer
from interviews.pipeline.session import Session
from interviews.protocol import (
    AiAudioChunk,
    AiTranscriptChunk,
    AudioChunk,
    AudioEnd,
    ClientMessage,
    EndInterview,
    ErrorFrame,
    Interrupt,
    Playback,
    ServerFrame,
)
from interviews.providers.base import Criterion, InterviewContext, PlannedQuestion
from interviews.providers.registry import LanguageModelChain, Providers, SpeechToTextChain, TextToSpeechChain
from interviews.testing.providers import ScriptedLanguageModel, ScriptedSpeechToText, ScriptedTextToSpeech
from interviews.testing.runtime import FakeRuntime
from interviews.testing.store import InMemoryStore
from interviews.testing.webm import make_test_webm, webm_chunks
from interviews.turn_taking import STREAM_TIMESLICE_S

QUESTIONS = (
    PlannedQuestion("Tell me about a backend system you built.", follow_up_depth=1),
    PlannedQuestion("How did you design its data model?", follow_up_depth=1),
)


@dataclass(frozen=True)
class At:
    """A client message, and when (fake seconds from the session's start) it arrives."""

    seconds: float
    message: ClientMessage


def speak(pcm: np.ndarray, *, at: float, chunk_s: float = STREAM_TIMESLICE_S) -> list[At]:
    """A hands-free recording (or a push-to-talk answer) as the page streams it: one WebM/Opus
    timeslice each `chunk_s`, each sent once it has been spoken, the first at `at + chunk_s`."""
    return [
        At(at + (index + 1) * chunk_s, AudioChunk(chunk))
        for index, chunk in enumerate(webm_chunks(pcm, chunk_s=chunk_s))
        if chunk
    ]


def audio_end(at: float) -> At:
    return At(at, AudioEnd())


def interrupt(at: float) -> At:
    return At(at, Interrupt())


def end_interview(at: float) -> At:
    return At(at, EndInterview())


def playback(turn: int, event: str, *, at: float) -> At:
    return At(at, Playback(turn=turn, event=event))


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RECOGNITION_RATE), dtype=np.float32)


def tone(seconds: float, hz: float = 220.0) -> np.ndarray:
    """A steady tone: audio that decodes, without a voice in it (the listener ignores it)."""
    t = np.arange(int(seconds * RECOGNITION_RATE)) / RECOGNITION_RATE
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def recording(pcm: np.ndarray, *, at: float) -> At:
    """A whole push-to-talk recording arriving in one frame at `at`."""
    return At(at, AudioChunk(make_test_webm(pcm)))


@dataclass(frozen=True)
class Heard:
    """A frame the client received, and when (fake seconds from the session's start)."""

    at_s: float
    frame: ServerFrame

    @property
    def kind(self) -> str:
        return self.frame.type


@dataclass
class SessionRun:
    frames: list[Heard]
    store: InMemoryStore
    session: Session

    def kinds(self) -> list[str]:
        return [heard.kind for heard in self.frames]

    def of(self, kind: str) -> list[Heard]:
        return [heard for heard in self.frames if heard.kind == kind]

    def first(self, kind: str) -> Heard:
        found = self.of(kind)
        assert found, f"no {kind} frame; got {self.kinds()}"
        return found[0]

    def text(self, turn: int) -> str:
        """The subtitles the client was shown for interviewer turn `turn`."""
        return "".join(
            h.frame.text for h in self.frames if isinstance(h.frame, AiTranscriptChunk) and h.frame.turn == turn
        )

    def audio(self, turn: int) -> list[Heard]:
        return [h for h in self.frames if isinstance(h.frame, AiAudioChunk) and h.frame.turn == turn]

    def errors(self) -> list[str]:
        return [str(h.frame.code) for h in self.frames if isinstance(h.frame, ErrorFrame)]


def make_snapshot(
    *,
    hands_free: bool = False,
    history: Sequence[HistoryItem] = (),
    greeting_spoken: bool = False,
    deadline_in_s: float | None = None,
    time_limit_minutes: int = 20,
    language: str = "en",
    totals: RecordingTotals | None = None,
    pending_answer: PendingAnswer | None = None,
    questions: Sequence[PlannedQuestion] = QUESTIONS,
) -> SessionSnapshot:
    context = InterviewContext(
        title="Backend Engineer",
        role="Backend Engineer",
        language=language,
        candidate_name="Jamie Doe",
        time_limit_minutes=time_limit_minutes,
        questions=tuple(questions),
        criteria=(Criterion("Technical depth", "Depth."),),
    )
    deadline = None if deadline_in_s is None else datetime.now(UTC) + timedelta(seconds=deadline_in_s)
    return SessionSnapshot(
        interview_id=1,
        status="in_progress",
        context=context,
        voice_id="",
        hands_free=hands_free,
        deadline_at=deadline,
        greeting_spoken=greeting_spoken,
        history=list(history),
        totals=totals or RecordingTotals(),
        pending_answer=pending_answer,
    )


@dataclass
class Harness:
    """A session's surroundings; adjust the scripted providers before `run`."""

    hands_free: bool = False
    greeting_spoken: bool = False
    history: Sequence[HistoryItem] = ()
    deadline_in_s: float | None = None
    config: SessionConfig = field(default_factory=SessionConfig)
    runtime: FakeRuntime = field(default_factory=FakeRuntime)
    store: InMemoryStore = field(default_factory=InMemoryStore)
    snapshot: SessionSnapshot | None = None
    on_superseded: Callable[[], Coroutine[Any, Any, None]] | None = None
    turn_model: TurnScorer | None = None  # the end-of-turn model (hands-free); None: silence and words only

    def __post_init__(self) -> None:
        self.stt = ScriptedSpeechToText(self.runtime)
        self.llm = ScriptedLanguageModel(self.runtime)
        self.tts = ScriptedTextToSpeech(self.runtime)
        self.store.greeting_spoken = self.greeting_spoken

    def providers(self) -> Providers:
        return Providers(
            stt=SpeechToTextChain([self.stt], backoff_s=0.0),
            llm=LanguageModelChain([self.llm]),
            tts=TextToSpeechChain([self.tts], retries=1, backoff_s=0.0),
        )

    async def run(self, inputs: Iterable[At | Iterable[At]], *, until_s: float, close: bool = False) -> SessionRun:
        """Start a session, deliver `inputs` at their times, run the clock to `until_s`, and
        return every frame the client received (with `close`, the session is closed at the end)."""
        flat = sorted(
            (item for entry in inputs for item in ([entry] if isinstance(entry, At) else entry)),
            key=lambda item: item.seconds,
        )
        start = self.runtime.now()
        heard: list[Heard] = []

        async def send(frame: ServerFrame) -> None:
            heard.append(Heard(round(self.runtime.now() - start, 4), frame))

        snapshot = self.snapshot or make_snapshot(
            hands_free=self.hands_free,
            history=self.history,
            greeting_spoken=self.greeting_spoken,
            deadline_in_s=self.deadline_in_s,
        )
        session = Session(
            snapshot=snapshot,
            providers=self.providers(),
            store=self.store,
            send=send,
            config=self.config,
            runtime=self.runtime,
            on_superseded=self.on_superseded,
            turn_model=self.turn_model,
        )
        await session.start()
        for item in flat:
            await self.runtime.advance_to(start + item.seconds)
            await session.handle(item.message)
            await self.runtime.settle()
        await self.runtime.advance_to(start + until_s)
        if close:
            await session.close()
        else:
            await session.tasks.cancel_all()
            await session.writer.drain()
            session.writer.stop()
        await session.intake.close()
        return SessionRun(heard, self.store, session)


async def run_session(inputs: Iterable[At | Iterable[At]], *, until_s: float, **surroundings: object) -> SessionRun:
    """`Harness(**surroundings).run(inputs, until_s=...)`."""
    return await Harness(**surroundings).run(inputs, until_s=until_s)  # type: ignore[arg-type]
