"""One interview's turn loop: answer audio -> STT -> LLM stream -> clause chunker -> TTS stream -> client.

It never touches the socket (it is given a `send` callback) nor Django (it is given a store), so the
consumer, tests, the replay command and benchmarks all drive it the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from interviews.audio import (
    RECOGNITION_RATE,
    AudioDecodeError,
    AudioMeter,
    cut_recording,
    decode_to_pcm,
    pcm_to_wav,
    wav_seconds,
)
from interviews.chunker import ClauseChunker, EndMarkerFilter
from interviews.events import HistoryItem, PendingAnswer, SessionSnapshot, SessionSuperseded, TurnRecord, TurnTimings
from interviews.prompts import build_messages, phrase
from interviews.protocol import (
    AudioChunk,
    AudioEnd,
    ClientMessage,
    EndInterview,
    ErrorCode,
    Interrupt,
    Playback,
    audio_chunk_frame,
    error_frame,
    is_split_header,
    sniff_audio_mime,
)
from interviews.providers.base import Message, ProviderError, TranscriptionStream, Voice
from interviews.providers.registry import Providers
from interviews.turn_taking import EndpointConfig, Listener, ListenerEvent, is_echo

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]
CANDIDATE, INTERVIEWER = "candidate", "interviewer"


class Store(Protocol):
    async def claim_greeting(self, interview_id: int) -> bool: ...
    async def finish(self, interview_id: int, reason: str) -> None: ...
    async def record_turn(self, record: TurnRecord) -> None: ...
    async def update_transcript(
        self, interview_id: int, index: int, text: str, transcript_ms: float | None, error: str
    ) -> None: ...
    async def touch(self, interview_id: int) -> None: ...
    async def mark_interrupted(self, interview_id: int, index: int, text: str) -> None: ...
    async def playback_started(self, interview_id: int, index: int, latency_ms: float) -> None: ...


@dataclass(frozen=True)
class ConversationConfig:
    history_messages: int = 10
    answer_gap_s: float = 1.0
    max_answer_bytes: int = 12_000_000
    max_answer_seconds: float = 300.0
    tts_prefetch: int = 2  # sentences synthesised ahead of the one playing
    closing_wait_s: float = 15.0  # at the deadline, how long an interviewer turn in flight may finish
    write_attempts: int = 6
    write_backoff_s: float = 0.25
    heartbeat_s: float = 30.0  # how often a live session marks the interview as seen
    endpoint_silence_s: float = 1.2  # hands-free: pause that ends a complete-sounding answer
    # Per interview: answers, and the candidate's stored audio (seconds are also capped by the
    # template's time limit: nobody speaks longer than the interview lasts).
    max_answers: int = 300
    max_interview_audio_seconds: float = 4 * 3600.0
    max_interview_audio_bytes: int = 512_000_000

    @classmethod
    def from_settings(cls, values: dict[str, Any]) -> ConversationConfig:
        return cls(
            history_messages=values["HISTORY_MESSAGES"],
            answer_gap_s=values["ANSWER_GAP_S"],
            max_answer_bytes=values["MAX_ANSWER_BYTES"],
            max_answer_seconds=values["MAX_ANSWER_SECONDS"],
            endpoint_silence_s=values.get("ENDPOINT_SILENCE_S", 1.2),
            max_answers=values.get("MAX_ANSWERS", 300),
            max_interview_audio_seconds=values.get("MAX_INTERVIEW_AUDIO_SECONDS", 4 * 3600.0),
            max_interview_audio_bytes=values.get("MAX_INTERVIEW_AUDIO_BYTES", 512_000_000),
        )


def _ms(since: float, at: float | None) -> float | None:
    return None if at is None else round((at - since) * 1000, 1)


def _now() -> datetime:
    return datetime.now(UTC)


def _is_echo_of(mic_pcm: Any, interviewer_mp3: bytes) -> bool:
    return is_echo(mic_pcm, decode_to_pcm(interviewer_mp3))


@dataclass
class _Answer:
    """The candidate's answer while it is being spoken."""

    started_at: datetime
    started_clock: float
    audio: bytearray
    stream: TranscriptionStream | None
    mime: str = "audio/webm"
    feeder: asyncio.Task[None] | None = None
    chunks: asyncio.Queue[bytes | None] | None = None
    discarding: bool = False  # over a limit: drop the rest until the answer ends
    meter: AudioMeter | None = None  # its length in decoded seconds, for the limits
    seconds: float | None = None  # decoded length, when known


@dataclass
class _Utterance:
    """Hands-free: the candidate's speech since the listener heard it start."""

    started_at: datetime
    overlapping: bool  # began while the interviewer was speaking: must prove it is a barge-in
    stream: TranscriptionStream | None = None
    confirmed: bool = False
    held: bool = False  # the page paused the interviewer when this began (see _on_speech_start)
    continues: _Ended | None = None  # the answer this one goes on with (the candidate resumed)
    stream_offset_s: float = 0.0  # audio of that answer fed to the stream before this utterance's


@dataclass
class _Ended:
    """Hands-free: an answer taken as finished whose reply has not been heard yet.

    If the candidate speaks again before the interviewer's first sound, they were only pausing:
    the reply is withdrawn and the answer reopened (same turn, audio joined, one transcript).
    """

    index: int
    pcm: np.ndarray
    started_at: datetime
    end_s: float  # where the answer's audio ends in the stream, to restore the pause when joining
    task: asyncio.Task[Any] | None
    voiced_s: float = 0.0  # the answer's voice so far, which the patience after it counts too


# A pause longer than this inside a reopened answer is stored shortened to it.
MAX_JOINED_PAUSE_S = 5.0
# Utterances over the interviewer that turn out not to be barge-ins, per interviewer turn, before
# the page stops holding the interviewer for them (it lowers its volume instead): a noisy room or
# leaking speakers must not make the interviewer stutter.
MAX_HOLDS_PER_TURN = 2


# Interviewer audio is MP3 at 64 kbit/s from every provider we configure (see providers).
MP3_BYTES_PER_S = 8000


@dataclass
class _Speech:
    """Book-keeping of one interviewer turn while it streams."""

    index: int
    reference: float  # clock value the timings count from (end of the candidate's answer)
    started_at: datetime
    text: list[str]
    audio: list[bytes]
    timings: TurnTimings
    llm_requested_at: float | None = None
    first_token_at: float | None = None
    first_clause_at: float | None = None
    tts_requested_at: float | None = None
    tts_first_byte_at: float | None = None
    first_audio_sent_at: float | None = None
    playback_started_ms: float | None = None
    playback_started_at: float | None = None
    held_s: float = 0.0  # time the page held this turn's playback for the candidate's voice
    ended_by_plan: bool = False
    clause_audio: list[tuple[str, int]] = field(default_factory=list)  # (clause, MP3 bytes sent)
    failed: bool = False  # the language model failed before or while speaking
    tts_tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Hands-free: a reply prepared while the candidate's pause may still go on is not shown or
    # heard before the patience has run out; its subtitles wait here until then.
    gated: bool = False
    pending_subtitles: list[str] = field(default_factory=list)


class Conversation:
    def __init__(
        self,
        *,
        snapshot: SessionSnapshot,
        providers: Providers,
        store: Store,
        send: Send,
        config: ConversationConfig | None = None,
        on_ended: Callable[[], Awaitable[None]] | None = None,
        on_superseded: Callable[[], Awaitable[None]] | None = None,
        publish: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.snapshot = snapshot
        self.interview_id = snapshot.interview_id
        self.context = snapshot.context
        self.language = snapshot.context.language
        self.voice = Voice(language=self.language, voice_id=snapshot.voice_id)
        self.providers = providers
        self.store = store
        self._send = send
        self.config = config or ConversationConfig()
        self._on_ended = on_ended
        self._on_superseded = on_superseded
        self._publish = publish
        self.clock = clock
        self.history: list[HistoryItem] = list(snapshot.history)
        self.ended = False
        self.end_reason = ""
        self._next_index = snapshot.next_turn_index
        self._answer: _Answer | None = None
        self._gap_timer: asyncio.TimerHandle | None = None
        self._client_sends_audio_end = False
        self._split_head = b""  # the first bytes of a recording's header, sent alone (see is_split_header)
        self._turn_lock = asyncio.Lock()
        self._speech: _Speech | None = None
        self._speaking_task: asyncio.Task[Any] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writes: asyncio.Queue[Callable[[], Awaitable[Any]]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        # Recent interviewer turns' reference clocks, for playback reports that come after the turn.
        self._references: dict[int, float] = {}
        self._closing = False
        # Hands-free: the listener splits the continuous recording into utterances.
        self.hands_free = snapshot.hands_free
        self._listener: Listener | None = None
        self._utterance: _Utterance | None = None
        self._audible_until = 0.0  # clock value until which the client is probably still playing
        self._last_interviewer_audio = b""
        self._last_speech: _Speech | None = None
        self._held_at: float | None = None  # the page holds the interviewer since (clock)
        self._released_holds = 0  # holds this interviewer turn that were not barge-ins
        self._echo_prone = False  # the interviewer's voice was heard in the microphone
        self._ended: _Ended | None = None
        self._withdrawing = False  # a reply is being withdrawn because the answer was reopened
        self._quiet_until = 0.0  # clock value before which the next reply is neither shown nor heard
        # What the interview may still record (config limits minus what earlier sessions stored).
        totals = snapshot.totals
        time_limit_s = snapshot.context.time_limit_minutes * 60.0
        self._answers_left = self.config.max_answers - totals.answers
        self._seconds_left = min(self.config.max_interview_audio_seconds, time_limit_s) - totals.audio_seconds
        self._bytes_left = self.config.max_interview_audio_bytes - totals.audio_bytes
        self._limit_reached = False  # an interview limit was reached: close after this answer
        self._limit_announced = False
        self._answer_sizes: dict[int, tuple[float, int]] = {}  # this session's answers: (seconds, bytes)
        self._shutting_down = False  # close() runs: a reply cut now was lost, not interrupted
        self.superseded = False  # a newer session holds the interview: this one may not write

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Tell the client where the interview stands, then greet or resume."""
        self._writer = asyncio.create_task(self._write_loop())
        await self.send(self._session_state())
        if self.snapshot.deadline_at is not None:
            self._spawn(self._watch_deadline())
        self._spawn(self._heartbeat())
        last = self.history[-1] if self.history else None
        heard = any(item.speaker == INTERVIEWER and item.text.strip() for item in self.history)
        if not self.snapshot.greeting_spoken:
            self._spawn(self._greet())
        elif last is not None and last.speaker == INTERVIEWER and not last.text.strip():
            # A question lost before its first sound (stored so by close()): ask it again, as the
            # greeting if the candidate has not heard the interviewer at all yet.
            reask = self._reply(reference=self.clock(), timings=TurnTimings(), greeting=not heard)
            self._spawn(self._locked(reask))
        elif last is not None and last.speaker == CANDIDATE:
            # The connection dropped after an answer and before the reply: answer it now. An answer
            # stored but never transcribed (its session ended first) is transcribed now, from the
            # very audio that was stored; without audio the candidate is asked to say it again.
            pending = self.snapshot.pending_answer
            if last.text.strip():
                self._spawn(self._locked(self._reply(reference=self.clock(), timings=TurnTimings())))
            elif pending is not None and pending.index == last.turn:
                self._spawn(self._locked(self._resume_answer(pending)))
            else:
                self._spawn(self._locked(self._say(phrase(self.language, "resume_repeat"))))

    async def _transcribe(self, answer: _Answer) -> str:
        if answer.stream is not None:
            if answer.feeder is not None:
                await answer.feeder
            return await answer.stream.finish()
        return await self.providers.stt.transcribe(bytes(answer.audio), language=self.language, mime=answer.mime)

    async def _resume_answer(self, pending: PendingAnswer) -> None:
        audio = bytearray(pending.audio)
        answer = _Answer(started_at=_now(), started_clock=self.clock(), audio=audio, stream=None, mime=pending.mime)
        await self._answer_turn(answer, pending.index, self.clock())

    async def close(self) -> None:
        """The socket closed (or another connection took over): stop all work, keep what was said,
        and flush the writes before returning, so a session taking over reads all of it."""
        self._shutting_down = True
        self._cancel_gap_timer()
        await self._save_unfinished_answer("connection closed before the answer ended")
        await self._cancel_tasks()
        if self._listener is not None:
            await asyncio.to_thread(self._listener.close)
        self._write(lambda: self.store.touch(self.interview_id))  # "abandoned" counts from now
        await self._drain_writes()
        if self._writer is not None:
            self._writer.cancel()

    async def handle(self, message: ClientMessage) -> None:
        if self.ended:
            await self.send(error_frame(ErrorCode.ENDED, "The interview has ended."))
            return
        if isinstance(message, AudioChunk):
            data = message.data
            if self._split_head:
                data, self._split_head = self._split_head + data, b""
            if is_split_header(data):
                self._split_head = data  # sniffed, and fed, with the rest of the header
            else:
                await self._on_audio(data)
        elif isinstance(message, AudioEnd):
            self._split_head = b""
            self._client_sends_audio_end = True
            self._cancel_gap_timer()
            if self.hands_free and self._listener is not None and self._listener.in_utterance:
                # An explicit end (e.g. a push-to-talk release) ends the utterance without waiting.
                await self._on_speech_end(self._listener.force_end())
            elif self._answer is None:
                await self.send(error_frame(ErrorCode.NO_SPEECH, "No audio arrived for this answer."))
            else:
                self._end_answer()
        elif isinstance(message, EndInterview):
            await self._save_unfinished_answer("interview ended during the answer")
            await self._cancel_tasks()
            await self._finish("candidate_ended")
        elif isinstance(message, Interrupt):
            await self._interrupt()
        elif isinstance(message, Playback):
            await self._on_playback(message)

    async def send(self, frame: dict[str, Any]) -> None:
        try:
            await self._send(frame)
        except Exception:  # the socket went away; close() will clean up
            logger.debug("send failed", extra={"interview_id": self.interview_id})

    # --- the candidate's answer ---------------------------------------------------------------

    async def _on_audio(self, data: bytes) -> None:
        if self.hands_free:
            await self._on_stream_audio(data)
            return
        answer = self._answer
        if answer is None:
            mime = sniff_audio_mime(data[:16])
            refusal = self._refuse_new_answer() if mime is not None else None
            if mime is None or refusal is not None:
                if refusal is None:
                    refusal = error_frame(
                        ErrorCode.BAD_AUDIO, "That was not audio the interview can use; please try again."
                    )
                await self.send(refusal)
                # Drop the rest of this answer: without its header, later chunks cannot be decoded.
                self._answer = _Answer(started_at=_now(), started_clock=self.clock(), audio=bytearray(), stream=None)
                self._answer.discarding = True
                self._arm_gap_timer()
                return
            answer = self._answer = _Answer(
                mime=mime,
                started_at=_now(),
                started_clock=self.clock(),
                audio=bytearray(),
                stream=self.providers.stt.open_stream(language=self.language),
                meter=AudioMeter(),
            )
            if answer.stream is not None:
                answer.chunks = asyncio.Queue()
                answer.feeder = self._spawn(self._feed_stream(answer.stream, answer.chunks))
        if not answer.discarding:
            max_seconds, max_bytes, code = self._answer_limits()
            if len(answer.audio) + len(data) > max_bytes:
                await self._cut_answer(answer, code, seconds=None)
            else:
                answer.audio += data
                if answer.chunks is not None:
                    answer.chunks.put_nowait(data)
                if answer.meter is not None:
                    answer.meter.push(data)  # decoded behind the arrivals, off this path
                    answer.seconds = answer.meter.seconds
                if answer.seconds is not None and answer.seconds > max_seconds:
                    await self._cut_answer(answer, code, seconds=max_seconds)
        self._arm_gap_timer()

    def _answer_limits(self) -> tuple[float, int, ErrorCode]:
        """The longest the answer being recorded may be (seconds, bytes), and which limit binds."""
        max_seconds = min(self.config.max_answer_seconds, self._seconds_left)
        max_bytes = min(self.config.max_answer_bytes, self._bytes_left)
        per_answer = max_seconds == self.config.max_answer_seconds and max_bytes == self.config.max_answer_bytes
        return max_seconds, max_bytes, ErrorCode.ANSWER_TOO_LONG if per_answer else ErrorCode.INTERVIEW_LIMIT

    def _refuse_new_answer(self) -> dict[str, Any] | None:
        """An error frame when the interview may not record another answer."""
        if self._answers_left > 0 and self._seconds_left > 0 and self._bytes_left > 0:
            return None
        return error_frame(ErrorCode.INTERVIEW_LIMIT, "This interview has reached its recording limit.")

    async def _announce_limit(self, code: ErrorCode) -> None:
        if code == ErrorCode.INTERVIEW_LIMIT:
            self._limit_reached = self._limit_announced = True
            words = "This interview has reached its recording limit; it ends after this answer."
        else:
            words = "That answer reached the length limit; it was cut there."
        await self.send(error_frame(code, words))

    async def _cut_answer(self, answer: _Answer, code: ErrorCode, *, seconds: float | None) -> None:
        """An answer at a limit ends there: what came before the limit is stored and transcribed."""
        await self._announce_limit(code)
        if seconds is not None:
            await self._keep_first_seconds(answer, seconds)
        self._end_answer(keep_open=True)

    async def _keep_first_seconds(self, answer: _Answer, seconds: float) -> None:
        """Stored and transcribed as its first `seconds` only (WAV), so the words match the audio."""
        answer.audio = bytearray(await asyncio.to_thread(cut_recording, bytes(answer.audio), seconds=seconds))
        answer.mime, answer.seconds = "audio/wav", wav_seconds(len(answer.audio))
        if answer.meter is not None:
            await asyncio.to_thread(answer.meter.close)
            answer.meter = None
        if answer.stream is not None:
            if answer.feeder is not None:
                answer.feeder.cancel()
            await answer.stream.aclose()
            answer.stream = answer.chunks = answer.feeder = None

    def _arm_gap_timer(self) -> None:
        if not self._client_sends_audio_end:
            self._cancel_gap_timer()
            self._gap_timer = asyncio.get_running_loop().call_later(self.config.answer_gap_s, self._on_gap)

    def _on_gap(self) -> None:
        self._gap_timer = None
        if self._answer is not None and not self._client_sends_audio_end:
            self._end_answer()

    def _cancel_gap_timer(self) -> None:
        if self._gap_timer is not None:
            self._gap_timer.cancel()
            self._gap_timer = None

    async def _feed_stream(self, stream: TranscriptionStream, chunks: asyncio.Queue[bytes | None]) -> None:
        while (chunk := await chunks.get()) is not None:
            try:
                partial = await stream.feed(chunk)
            except ProviderError:
                return  # the final transcription reports it
            if partial:
                await self.send({"type": "user_transcript", "text": partial, "turn": self._next_index, "final": False})

    def _end_answer(self, *, keep_open: bool = False, index: int | None = None) -> asyncio.Task[Any] | None:
        """The answer is complete: hand it to the turn loop. With keep_open, later chunks are dropped.

        `index`: the turn this answer continues (stored already; it is replaced).
        """
        answer = self._answer
        if answer is None or (keep_open and not answer.audio):
            return None
        reference = self.clock()
        if answer.chunks is not None:
            answer.chunks.put_nowait(None)
        if keep_open:
            # The rest of this answer is dropped until the client ends it.
            self._answer = _Answer(
                started_at=answer.started_at, started_clock=answer.started_clock, audio=bytearray(), stream=None
            )
            self._answer.discarding = True
        else:
            self._answer = None
        if not answer.audio:
            if answer.meter is not None:
                self._spawn(asyncio.to_thread(answer.meter.close))  # joins its decoder thread
            return None
        index, replaces = self._answer_index(index)
        self._remember(HistoryItem(turn=index, speaker=CANDIDATE, text=""))
        measured: asyncio.Task[Any] | None = None
        if answer.meter is None:
            self._store_answer(answer, index=index, replaces=replaces)
        else:
            measured = self._spawn(self._measure_and_store(answer, index=index, replaces=replaces))
        return self._spawn(self._locked(self._answer_turn(answer, index, reference, measured=measured)))

    def _answer_index(self, continues: int | None) -> tuple[int, bool]:
        """The turn an answer is stored as, and whether it replaces one (it continues `continues`)."""
        return (self._claim_index(), False) if continues is None else (continues, True)

    async def _measure_and_store(self, answer: _Answer, *, index: int, replaces: bool) -> _Answer:
        """Push-to-talk: the answer's length once its last bytes are decoded (within a millisecond or
        two of its end; transcription has started meanwhile), cut at a limit, then stored."""
        assert answer.meter is not None
        try:
            answer.seconds = await asyncio.to_thread(answer.meter.finish)
            max_seconds, _, code = self._answer_limits()
            if answer.seconds is not None and answer.seconds > max_seconds:
                await self._announce_limit(code)
                # A copy: the transcription already in flight keeps (and closes) the original.
                answer = replace(answer, stream=None, chunks=None, feeder=None)
                await self._keep_first_seconds(answer, max_seconds)
        finally:
            self._store_answer(answer, index=index, replaces=replaces)
        return answer

    def _store_answer(self, answer: _Answer, *, index: int, replaces: bool, error: str = "") -> None:
        """Queue the answer's audio for storage and count it against the interview's limits.

        The audio is stored when the answer ends, before transcription: a crash from here on loses
        no answer, and a resumed session transcribes the stored audio.
        """
        seconds = wav_seconds(len(answer.audio)) if answer.mime == "audio/wav" else answer.seconds
        previous_s, previous_bytes = self._answer_sizes.pop(index, (0.0, 0))
        self._answers_left -= 0 if replaces else 1
        self._seconds_left -= (seconds or 0.0) - previous_s
        self._bytes_left -= len(answer.audio) - previous_bytes
        self._answer_sizes[index] = (seconds or 0.0, len(answer.audio))
        if self._refuse_new_answer() is not None:
            self._limit_reached = True
        self._write(
            self._record(
                index,
                CANDIDATE,
                "",
                answer.started_at,
                bytes(answer.audio),
                mime=answer.mime,
                error=error,
                replaces=replaces,
                audio_seconds=seconds,
            )
        )

    async def _save_unfinished_answer(self, reason: str) -> None:
        index: int | None = None
        if self._utterance is not None and self._listener is not None:
            utterance, self._utterance = self._utterance, None
            pcm = self._listener.current_pcm()
            self._listener.drop_utterance()
            if utterance.stream is not None:
                await utterance.stream.aclose()
            if not utterance.overlapping or utterance.confirmed:
                if (ended := utterance.continues) is not None:
                    began_s = (self._listener.samples_seen - len(pcm)) / RECOGNITION_RATE
                    pcm, index = self._joined(ended, pcm, began_s), ended.index
                self._answer = _Answer(
                    started_at=utterance.started_at,
                    started_clock=self.clock(),
                    audio=bytearray(pcm_to_wav(pcm)),
                    stream=None,
                    mime="audio/wav",
                )
        answer, self._answer = self._answer, None
        if answer is None:
            return
        if answer.meter is not None:
            await asyncio.to_thread(answer.meter.close)
        if not answer.audio:
            return
        if answer.stream is not None:
            await answer.stream.aclose()
        index, replaces = self._answer_index(index)
        self._remember(HistoryItem(turn=index, speaker=CANDIDATE, text=""))
        self._store_answer(answer, index=index, replaces=replaces, error=reason)

    async def _answer_turn(
        self, answer: _Answer, index: int, reference: float, *, measured: asyncio.Task[Any] | None = None
    ) -> None:
        timings = TurnTimings()
        stt_started = self.clock()
        transcribing = asyncio.ensure_future(self._transcribe(answer))
        try:
            if measured is not None and (kept := await measured) is not None and kept is not answer:
                # Over a limit once its length was known: what is kept is what gets transcribed.
                transcribing.cancel()
                await asyncio.gather(transcribing, return_exceptions=True)
                if answer.stream is not None:
                    await answer.stream.aclose()
                answer = kept
                transcribing = asyncio.ensure_future(self._transcribe(answer))
            text = await transcribing
        except ProviderError as exc:
            logger.warning("stt failed", extra={"interview_id": self.interview_id, "turn": index, "reason": exc})
            reason = exc.message
            self._write(lambda: self.store.update_transcript(self.interview_id, index, "", None, reason))
            if exc.retryable:
                code, words = ErrorCode.STT_FAILED, "Sorry, your answer could not be transcribed. Please say it again."
            else:
                code, words = ErrorCode.BAD_AUDIO, "Your answer's audio could not be read. Please check the microphone."
            await self.send(error_frame(code, words))
            await self._say(phrase(self.language, "technical_problem"))
            return
        finally:
            transcribing.cancel()
            if answer.stream is not None:
                await answer.stream.aclose()
        timings.transcript_ms = _ms(reference, self.clock())
        # The provider's own share: from the request (or the stream's finish), not from the end
        # of the answer, so the app's hops count as overhead, not as provider time.
        timings.stt_ms = _ms(stt_started, self.clock())
        text = text.strip()
        await self.send({"type": "user_transcript", "text": text, "turn": index, "final": True})
        self._remember(HistoryItem(turn=index, speaker=CANDIDATE, text=text))
        transcript_ms = timings.transcript_ms
        self._write(lambda: self.store.update_transcript(self.interview_id, index, text, transcript_ms, ""))
        if self._limit_reached:
            await self._close_at_limit()
        elif not text:
            await self._say(phrase(self.language, "repeat"))
        else:
            await self._reply(reference=reference, timings=timings)

    async def _close_at_limit(self) -> None:
        """The interview may record no more: say so in fixed words, and end it."""
        if not self._limit_announced:
            self._limit_announced = True
            await self.send(error_frame(ErrorCode.INTERVIEW_LIMIT, "This interview has reached its recording limit."))
        await self._say(phrase(self.language, "limit_closing"))
        await self._finish("limit_reached")

    # --- the interviewer's turn ---------------------------------------------------------------

    async def _greet(self) -> None:
        if not await self.store.claim_greeting(self.interview_id):
            return  # another connection greeted already
        async with self._turn_lock:
            await self._reply(reference=self.clock(), timings=TurnTimings(), greeting=True)

    async def _reply(
        self, *, reference: float, timings: TurnTimings, greeting: bool = False, closing: bool = False
    ) -> None:
        context = replace(
            self.context,
            transcript=tuple(self._llm_history()),
            remaining_seconds=self._remaining_seconds(),
            closing=closing,
        )
        messages = build_messages(
            context, self._llm_history(), limit=self.config.history_messages, greeting=greeting, closing=closing
        )

        def source() -> Any:
            return self.providers.llm.stream(messages, context=context)

        speech = await self._speak(source, reference=reference, timings=timings, greeting=greeting)
        if speech.failed:
            # Tell the candidate in voice too (fixed words need no language model), also after a
            # reply that broke off midway.
            await self._say(phrase(self.language, "closing_fallback" if closing else "technical_problem"))
        if closing or speech.ended_by_plan:
            await self._finish("time_limit" if closing else "plan_complete")

    async def _say(self, text: str) -> None:
        """Speak a fixed sentence (no LLM), e.g. a request to repeat."""

        async def source() -> Any:
            yield text

        await self._speak(lambda: source(), reference=self.clock(), timings=TurnTimings())

    async def _speak(
        self, source: Callable[[], Any], *, reference: float, timings: TurnTimings, greeting: bool = False
    ) -> _Speech:
        """Stream one interviewer turn to the client, then queue it for storage."""
        speech = self._speech = _Speech(
            index=self._claim_index(),
            reference=reference,
            started_at=_now(),
            text=[],
            audio=[],
            timings=timings,
            gated=self.clock() < self._quiet_until,
        )
        self._speaking_task = asyncio.current_task()
        self._released_holds = 0
        clauses: asyncio.Queue[tuple[str, asyncio.Queue[Any]] | BaseException | None] = asyncio.Queue()
        producer = asyncio.create_task(self._produce(source, speech, clauses))
        interrupted = False
        try:
            seq = 0
            while (item := await clauses.get()) is not None:
                if isinstance(item, BaseException):
                    speech.failed = True
                    logger.warning("llm failed", extra={"interview_id": self.interview_id, "reason": str(item)})
                    await self.send(error_frame(ErrorCode.LLM_FAILED, "The interviewer had a technical problem."))
                    break
                clause, audio_queue = item
                speech.clause_audio.append((clause, 0))
                while (piece := await audio_queue.get()) is not None:
                    if isinstance(piece, ProviderError):
                        await self.send(
                            error_frame(ErrorCode.TTS_FAILED, "The interviewer's voice failed for a moment.")
                        )
                        break
                    if speech.gated:
                        await self._open_gate(speech)
                    await self.send(audio_chunk_frame(piece, turn=speech.index, seq=seq))
                    if speech.first_audio_sent_at is None:
                        speech.first_audio_sent_at = self.clock()
                        self._ended = None  # the reply is being heard: the answer is closed

                    speech.audio.append(piece)
                    speech.clause_audio[-1] = (clause, speech.clause_audio[-1][1] + len(piece))
                    self._audible_until = max(self._audible_until, self._playback_end_estimate(speech))
                    seq += 1
            if speech.gated:  # words but no audio (the voice failed): show them now
                await self._open_gate(speech)
            await self.send({"type": "ai_audio_end", "turn": speech.index})
        except asyncio.CancelledError:
            interrupted = True
            raise
        finally:
            producer.cancel()
            for task in speech.tts_tasks:
                task.cancel()
            self._speech = None
            self._speaking_task = None
            said = "".join(speech.text).strip()
            generated = bool(said or speech.audio)
            note = ""
            if interrupted and self._withdrawing and not speech.audio:
                # Withdrawn before a sound (the candidate went on with their answer): never said.
                generated = False
                if self._next_index == speech.index + 1:
                    self._next_index = speech.index
            elif interrupted:
                # Stored as heard: a barge-in before any sound keeps an empty, interrupted turn.
                said = self._played_text(speech)
                self._audible_until = 0.0
                if self._shutting_down and not said:
                    # The session ended before the candidate heard any of it: the turn is kept as
                    # lost, and the next session asks it again (see start()).
                    generated, note = True, "not heard: the connection closed before its first sound"
            if generated:
                self._complete_speech(speech, said, greeting=greeting, interrupted=interrupted, note=note)
            elif not speech.failed and not interrupted:
                logger.warning("interviewer said nothing", extra={"interview_id": self.interview_id})
        self._references[speech.index] = reference
        return speech

    async def _open_gate(self, speech: _Speech) -> None:
        """Before a gated reply's first sound: wait out the candidate's patience, then show it."""
        if (wait_s := self._quiet_until - self.clock()) > 0:
            await asyncio.sleep(wait_s)  # the candidate going on now reopens the answer (cancels us)
        speech.gated = False
        for text in speech.pending_subtitles:
            await self.send({"type": "ai_transcript_chunk", "text": text, "turn": speech.index})
        speech.pending_subtitles.clear()

    async def _subtitle(self, speech: _Speech, text: str) -> None:
        speech.text.append(text)
        if speech.gated:
            speech.pending_subtitles.append(text)
        else:
            await self.send({"type": "ai_transcript_chunk", "text": text, "turn": speech.index})

    async def _produce(
        self,
        source: Callable[[], Any],
        speech: _Speech,
        clauses: asyncio.Queue[tuple[str, asyncio.Queue[Any]] | BaseException | None],
    ) -> None:
        """LLM pieces -> subtitles now, and clauses -> TTS as soon as each is complete."""
        chunker, marker = ClauseChunker(), EndMarkerFilter()
        limiter = asyncio.Semaphore(self.config.tts_prefetch)

        def to_tts(clause: str) -> None:
            if speech.first_clause_at is None:
                speech.first_clause_at = self.clock()
            audio_queue: asyncio.Queue[Any] = asyncio.Queue()
            speech.tts_tasks.append(asyncio.create_task(self._synthesize(clause, audio_queue, limiter, speech)))
            clauses.put_nowait((clause, audio_queue))

        try:
            speech.llm_requested_at = self.clock()
            async for piece in source():
                if speech.first_token_at is None:
                    speech.first_token_at = self.clock()
                visible = marker.feed(piece)
                if visible:
                    await self._subtitle(speech, visible)
                    for clause in chunker.feed(visible):
                        to_tts(clause)
            tail = marker.flush()
            if tail:
                await self._subtitle(speech, tail)
                chunker.feed(tail)
            if (rest := chunker.flush()) is not None:
                to_tts(rest)
            speech.ended_by_plan = marker.ended
            clauses.put_nowait(None)
        except ProviderError as exc:
            clauses.put_nowait(exc)

    async def _synthesize(
        self, clause: str, audio_queue: asyncio.Queue[Any], limiter: asyncio.Semaphore, speech: _Speech
    ) -> None:
        async with limiter:
            requested_at = self.clock()
            if speech.tts_requested_at is None:
                speech.tts_requested_at = requested_at
            try:
                async for chunk in self.providers.tts.stream(clause, voice=self.voice):
                    if speech.tts_first_byte_at is None:
                        speech.tts_first_byte_at = self.clock()
                    audio_queue.put_nowait(chunk)
            except ProviderError as exc:
                logger.warning("tts failed", extra={"interview_id": self.interview_id, "reason": exc.message})
                audio_queue.put_nowait(exc)
            finally:
                audio_queue.put_nowait(None)

    def _complete_speech(
        self, speech: _Speech, text: str, *, greeting: bool, interrupted: bool, note: str = ""
    ) -> None:
        timings = speech.timings
        reference = speech.reference
        timings.llm_first_token_ms = _ms(reference, speech.first_token_at)
        timings.first_clause_ms = _ms(reference, speech.first_clause_at)
        timings.tts_first_byte_ms = _ms(reference, speech.tts_first_byte_at)
        timings.first_audio_sent_ms = _ms(reference, speech.first_audio_sent_at)
        if None not in (speech.llm_requested_at, speech.first_clause_at, speech.tts_requested_at):
            llm_ms = (speech.first_clause_at - speech.llm_requested_at) * 1000  # type: ignore[operator]
            tts_ms = (
                (speech.tts_first_byte_at - speech.tts_requested_at) * 1000  # type: ignore[operator]
                if speech.tts_first_byte_at is not None
                else 0.0
            )
            timings.provider_floor_ms = round((timings.stt_ms or 0.0) + llm_ms + tts_ms, 1)
        self._remember(HistoryItem(turn=speech.index, speaker=INTERVIEWER, text=text))
        self._last_interviewer_audio = b"".join(speech.audio)
        self._last_speech = speech
        record = self._record(
            speech.index,
            INTERVIEWER,
            text,
            speech.started_at,
            b"".join(speech.audio),
            mime="audio/mpeg",
            interrupted=interrupted,
            is_greeting=greeting,
            timings=timings,
            error=note,
        )
        self._write(record)
        if (playback_ms := speech.playback_started_ms) is not None:
            self._write(lambda: self.store.playback_started(self.interview_id, speech.index, playback_ms))
        fields = {"interview_id": self.interview_id, "turn": speech.index, **asdict(timings)}
        logger.info("turn timings %s", " ".join(f"{k}={v}" for k, v in fields.items()), extra=fields)

    async def _interrupt(self) -> None:
        """Stop the interviewer now: cancel the provider streams and tell the client to flush."""
        task = self._speaking_task
        if task is not None and not task.done() and not self._closing:
            index = self._speech.index if self._speech else None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(asyncio.wait({task}))
            await self.send({"type": "ai_audio_end", "turn": index, "interrupted": True})
        elif (last := self._last_speech) is not None and self.clock() < self._audible_until and not self._closing:
            # Everything was sent but the browser is still playing it: stop the playback there,
            # and store the turn cut to what was heard.
            heard = self._played_text(last)
            self._audible_until = 0.0
            self._remember(HistoryItem(turn=last.index, speaker=INTERVIEWER, text=heard))
            self._write(lambda: self.store.mark_interrupted(self.interview_id, last.index, heard))
            await self.send({"type": "ai_audio_end", "turn": last.index, "interrupted": True})
        self._held_at = None  # stopped for good: the page flushes what it held

    async def _on_playback(self, message: Playback) -> None:
        if message.event == "ended":
            if self._speech is None or self._speech.index != message.turn:
                self._audible_until = 0.0  # the client has played everything
            return
        speech = self._speech
        if speech is not None and speech.index == message.turn:
            speech.playback_started_at = self.clock()
            speech.playback_started_ms = _ms(speech.reference, speech.playback_started_at)
            self._audible_until = self._playback_end_estimate(speech)
        elif (reference := self._references.get(message.turn)) is not None:
            latency_ms = _ms(reference, self.clock()) or 0.0
            self._write(lambda: self.store.playback_started(self.interview_id, message.turn, latency_ms))

    # --- hands-free: the continuous recording ------------------------------------------------

    async def _on_stream_audio(self, data: bytes) -> None:
        """Feed the listener; speech start, barge-in and end of answer come out as events."""
        if self._listener is None:
            if sniff_audio_mime(data[:16]) is None:
                await self.send(error_frame(ErrorCode.BAD_AUDIO, "The microphone stream is not audio we can use."))
                return
            self._listener = Listener(
                language=self.language, config=EndpointConfig(silence_s=self.config.endpoint_silence_s)
            )
        listener = self._listener
        if self._utterance is not None and self._utterance.stream is not None:
            covered_s = getattr(self._utterance.stream, "covered_s", None)
            listener.partial_covers_s = None if covered_s is None else covered_s - self._utterance.stream_offset_s
        # Speech that starts now talks over the interviewer, unless the interviewer has not made
        # a sound yet in reply to an answer the candidate is only pausing in (that answer reopens).
        listener.interviewer_speaking = self._interviewer_busy() and self._reopenable() is None
        try:
            events, added = await asyncio.to_thread(listener.feed, data)
        except AudioDecodeError:
            await asyncio.to_thread(listener.close)
            self._listener, self._utterance = None, None
            await self.send(error_frame(ErrorCode.BAD_AUDIO, "The microphone stream could not be decoded."))
            return
        for event in events:
            if event.kind == "start":
                await self._on_speech_start(event)
        utterance = self._utterance
        if utterance is not None and utterance.stream is not None and len(added):
            partial = await self._feed_pcm(utterance.stream, added)
            if partial:
                listener.partial = partial
                turn = utterance.continues.index if utterance.continues is not None else self._next_index
                await self.send({"type": "user_transcript", "text": partial, "turn": turn, "final": False})
        for event in events:
            if event.kind == "barge_in":
                await self._on_barge_in(event)
            elif event.kind == "end":
                await self._on_speech_end(event)
        await self._end_utterance_at_limit()

    async def _end_utterance_at_limit(self) -> None:
        """An answer that reaches a length limit ends there, and is answered like any other."""
        utterance, listener = self._utterance, self._listener
        if utterance is None or listener is None or (utterance.overlapping and not utterance.confirmed):
            return
        max_seconds, max_bytes, code = self._answer_limits()
        limit_s = min(max_seconds, wav_seconds(max_bytes))
        if (ended := utterance.continues) is not None:
            limit_s -= len(ended.pcm) / RECOGNITION_RATE + MAX_JOINED_PAUSE_S  # joined to the earlier part
        if listener.utterance_s < max(0.0, limit_s):
            return
        event = listener.force_end()
        assert event.pcm is not None
        event.pcm = event.pcm[: max(0, int(limit_s * RECOGNITION_RATE))]
        await self._announce_limit(code)
        await self._on_speech_end(event)

    def _interviewer_busy(self) -> bool:
        """Speaking, about to speak, or still playing in the browser."""
        speaking = self._speaking_task is not None and not self._speaking_task.done()
        return speaking or self.clock() < self._audible_until

    def _reopenable(self) -> _Ended | None:
        """The last answer, if its reply is still being prepared and has not made a sound."""
        ended = self._ended
        if ended is None or ended.task is None or ended.task.done() or self.ended:
            return None
        speech = self._speech
        if speech is not None and (speech.index < ended.index or speech.audio):
            return None
        return ended

    async def _on_speech_start(self, event: ListenerEvent) -> None:
        if not event.overlapping and (ended := self._reopenable()) is not None:
            await self._reopen(ended, event)
            return
        if not event.overlapping and (refusal := self._refuse_new_answer()) is not None:
            assert self._listener is not None
            self._listener.drop_utterance()  # the interview records no more answers
            await self.send(refusal)
            return
        overlapping = event.overlapping
        self._utterance = utterance = _Utterance(started_at=_now(), overlapping=overlapping)
        if not overlapping:
            utterance.stream = self._open_pcm_stream()
            await self.send({"type": "speech_started", "overlapping": False})
            return
        # Over the interviewer: the page holds its playback at once (it stops within one chunk of
        # the voice), until the voice proves a barge-in (flush) or ends as a backchannel (go on).
        # Where holds keep being false alarms (echo, a noisy room), it only lowers the volume.
        utterance.held = not (self._closing or self._echo_prone) and self._released_holds < MAX_HOLDS_PER_TURN
        if utterance.held:
            self._held_at = self.clock()
        await self.send({"type": "speech_started", "overlapping": True, "hold": utterance.held})

    async def _reopen(self, ended: _Ended, event: ListenerEvent) -> None:
        """The candidate resumed before the reply was heard: withdraw it and go on with the answer."""
        self._ended = None
        speech = self._speech
        assert ended.task is not None
        self._withdrawing = True
        try:
            ended.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(asyncio.wait({ended.task}))
        finally:
            self._withdrawing = False
        if speech is not None and speech.index > ended.index:
            await self.send({"type": "ai_audio_end", "turn": speech.index, "withdrawn": True})
        self._utterance = utterance = _Utterance(started_at=ended.started_at, overlapping=False, continues=ended)
        if self._listener is not None:
            self._listener.continue_utterance(ended.voiced_s)
        utterance.stream = self._open_pcm_stream()
        if utterance.stream is not None:
            # The stream hears the whole answer again, so the words before the pause are in its
            # transcript (the local engine recognises them while the candidate goes on).
            before = self._joined(ended, np.zeros(0, dtype=np.float32), event.at_s)
            utterance.stream_offset_s = len(before) / RECOGNITION_RATE
            await self._feed_pcm(utterance.stream, before)
        await self.send({"type": "speech_started", "overlapping": False, "continues_turn": ended.index})

    def _joined(self, ended: _Ended, pcm: Any, at_s: float) -> Any:
        """An answer reopened: its audio so far, the pause (capped), then what came after."""
        pause_s = min(MAX_JOINED_PAUSE_S, max(0.0, at_s - ended.end_s))
        pause = np.zeros(int(pause_s * RECOGNITION_RATE), dtype=np.float32)
        return np.concatenate([ended.pcm, pause, pcm])

    def _release_hold(self) -> None:
        """The page goes on playing: the interviewer's timeline moves by the time it was held."""
        if self._held_at is None:
            return
        held_s, self._held_at = self.clock() - self._held_at, None
        self._released_holds += 1
        for speech in {id(s): s for s in (self._speech, self._last_speech) if s is not None}.values():
            speech.held_s += held_s
        if self._audible_until:
            self._audible_until += held_s

    async def _ignore_utterance(self, utterance: _Utterance, reason: str) -> None:
        if reason == "echo":
            self._echo_prone = True
        if utterance.held:
            self._release_hold()
        await self.send({"type": "speech_ended", "ignored": True, "reason": reason})

    async def _is_echo(self, pcm: Any) -> bool:
        current = b"".join(self._speech.audio) if self._speech is not None else b""
        reference = self._last_interviewer_audio + current
        return bool(reference) and pcm is not None and await asyncio.to_thread(_is_echo_of, pcm, reference)

    async def _on_barge_in(self, event: ListenerEvent) -> None:
        utterance = self._utterance
        if utterance is None or not utterance.overlapping or utterance.confirmed:
            return
        if await self._is_echo(event.pcm):
            # The interviewer's own voice leaking into the microphone: not the candidate.
            assert self._listener is not None
            self._listener.drop_utterance()
            self._utterance = None
            await self._ignore_utterance(utterance, "echo")
            return
        utterance.confirmed = True
        await self._interrupt()
        utterance.stream = self._open_pcm_stream()
        if utterance.stream is not None and event.pcm is not None:
            await self._feed_pcm(utterance.stream, event.pcm)

    async def _on_speech_end(self, event: ListenerEvent) -> None:
        utterance, self._utterance = self._utterance, None
        if utterance is None:
            return
        if utterance.overlapping and not utterance.confirmed:
            # Too short to be a barge-in ("mm-hm", a cough): neither an interruption nor an answer.
            # A short burst of the interviewer's own voice (its playback stopped by the hold) is
            # echo, and from then on only lowers the volume.
            await self._ignore_utterance(utterance, "echo" if await self._is_echo(event.pcm) else "backchannel")
            return
        await self.send({"type": "speech_ended", "ignored": False})
        assert event.pcm is not None
        pcm, index = event.pcm, None
        if (ended := utterance.continues) is not None:
            pcm, index = self._joined(ended, event.pcm, event.at_s - len(event.pcm) / RECOGNITION_RATE), ended.index
        answer = _Answer(
            started_at=utterance.started_at,
            started_clock=self.clock(),
            audio=bytearray(pcm_to_wav(pcm)),
            stream=utterance.stream,
            mime="audio/wav",
        )
        self._answer = answer
        self._quiet_until = self.clock() + event.speak_after_s
        task = self._end_answer(index=index)
        self._ended = _Ended(
            index=index if index is not None else self._next_index - 1,
            pcm=pcm,
            started_at=utterance.started_at,
            end_s=event.at_s,
            task=task,
            voiced_s=event.voiced_s,
        )

    def _open_pcm_stream(self) -> TranscriptionStream | None:
        stream = self.providers.stt.open_stream(language=self.language)
        if stream is not None and not hasattr(stream, "feed_pcm"):
            return None  # this engine cannot take decoded audio: transcribe the utterance at its end
        return stream

    async def _feed_pcm(self, stream: TranscriptionStream, pcm: Any) -> str | None:
        try:
            return await stream.feed_pcm(pcm)  # type: ignore[attr-defined]
        except ProviderError:
            return None  # the final transcription reports it

    def _playback_end_estimate(self, speech: _Speech) -> float:
        started = speech.playback_started_at or speech.first_audio_sent_at or self.clock()
        return started + speech.held_s + sum(len(piece) for piece in speech.audio) / MP3_BYTES_PER_S + 0.3

    def _played_text(self, speech: _Speech) -> str:
        """The part of an interrupted turn the candidate actually heard (by audio duration per clause)."""
        started = speech.playback_started_at or speech.first_audio_sent_at
        if started is None:
            return ""
        # While the page held the playback, nothing more was heard.
        stopped = self._held_at if self._held_at is not None else self.clock()
        played_bytes = (stopped - started - speech.held_s) * MP3_BYTES_PER_S
        heard: list[str] = []
        for clause, size in speech.clause_audio:
            if played_bytes <= 0:
                break
            if played_bytes >= size:
                heard.append(clause)
            else:
                words = clause.split()
                heard.append(" ".join(words[: max(1, round(len(words) * played_bytes / size))]) + "…")
            played_bytes -= size
        return " ".join(heard)

    # --- the end ------------------------------------------------------------------------------

    async def _watch_deadline(self) -> None:
        remaining = self._remaining_seconds()
        if remaining is None:
            return
        await asyncio.sleep(remaining)
        if self.ended:
            return
        self._cancel_gap_timer()
        try:
            await asyncio.wait_for(self._turn_lock.acquire(), timeout=self.config.closing_wait_s)
        except TimeoutError:
            await self._cancel_tasks(keep=asyncio.current_task())
            await self._turn_lock.acquire()
        try:
            if self.ended:
                return
            await self._save_unfinished_answer("time limit reached during the answer")
            self._closing = True  # the goodbye is not interrupted
            await self._reply(reference=self.clock(), timings=TurnTimings(), closing=True)
            if not self.ended:
                await self._finish("time_limit")
        finally:
            self._turn_lock.release()

    async def _heartbeat(self) -> None:
        """Mark the interview as seen while connected, so it is never swept up as abandoned."""
        while not self.ended:
            await asyncio.sleep(self.config.heartbeat_s)
            self._write(lambda: self.store.touch(self.interview_id))

    async def _finish(self, reason: str) -> None:
        if self.ended:
            return
        self.ended = True
        self.end_reason = reason
        self._write(lambda: self.store.finish(self.interview_id, reason))
        if self._publish is not None:
            self._spawn(self._publish({"type": "interview.ended", "interview_id": self.interview_id, "reason": reason}))
        await self.send(
            {"type": "interview_ended", "reason": reason, "history": [item.as_wire() for item in self.history]}
        )
        if self._on_ended is not None:
            self._spawn(self._ended_callback())

    async def _ended_callback(self) -> None:
        await self._drain_writes()
        assert self._on_ended is not None
        await self._on_ended()

    # --- helpers ------------------------------------------------------------------------------

    def _claim_index(self) -> int:
        index = self._next_index
        self._next_index += 1
        return index

    def _remember(self, item: HistoryItem) -> None:
        self.history = sorted([h for h in self.history if h.turn != item.turn] + [item], key=lambda h: h.turn)
        if self._publish is not None and item.text:
            self._spawn(self._publish({"type": "interview.turn", "interview_id": self.interview_id, **item.as_wire()}))

    def _llm_history(self) -> list[Message]:
        return [
            Message("assistant" if item.speaker == INTERVIEWER else "user", item.text)
            for item in self.history
            if item.text.strip()
        ]

    def _remaining_seconds(self) -> float | None:
        deadline = self.snapshot.deadline_at
        return None if deadline is None else max(0.0, (deadline - _now()).total_seconds())

    def _session_state(self) -> dict[str, Any]:
        return {
            "type": "session_state",
            "status": self.snapshot.status,
            "remaining_seconds": self._remaining_seconds(),
            "history": [item.as_wire() for item in self.history],
            "language": self.language,
            "mode": "hands_free" if self.hands_free else "push_to_talk",
            "next_turn": self._next_index,
        }

    def _record(
        self,
        index: int,
        speaker: str,
        text: str,
        started_at: datetime,
        audio: bytes,
        *,
        mime: str = "audio/webm",
        error: str = "",
        interrupted: bool = False,
        is_greeting: bool = False,
        timings: TurnTimings | None = None,
        replaces: bool = False,
        audio_seconds: float | None = None,
    ) -> Callable[[], Awaitable[None]]:
        record = TurnRecord(
            interview_id=self.interview_id,
            index=index,
            speaker=speaker,
            text=text,
            started_at=started_at,
            ended_at=_now(),
            audio=audio,
            audio_mime=mime if audio else "",
            interrupted=interrupted,
            is_greeting=is_greeting,
            error=error,
            timings=timings or TurnTimings(),
            replaces=replaces,
            audio_seconds=audio_seconds,
        )
        return lambda: self.store.record_turn(record)

    def _write(self, write: Callable[[], Awaitable[Any]]) -> None:
        """Queue a database write: done in order, off the path of the next audio chunk."""
        self._writes.put_nowait(write)

    async def _write_loop(self) -> None:
        while True:
            write = await self._writes.get()
            try:
                await self._write_with_retries(write)
            finally:
                self._writes.task_done()

    async def _write_with_retries(self, write: Callable[[], Awaitable[Any]]) -> None:
        # A briefly unavailable database must not lose a turn: retry with backoff (~15 s in all).
        for attempt in range(self.config.write_attempts):
            if self.superseded:
                return
            try:
                await write()
                return
            except SessionSuperseded:
                # A newer connection holds the interview (its takeover did not reach us): stop.
                logger.warning("session superseded; its writes stop", extra={"interview_id": self.interview_id})
                self.superseded = True
                if self._on_superseded is not None:
                    self._spawn(self._on_superseded())
                return
            except Exception:
                if attempt == self.config.write_attempts - 1:
                    logger.exception("write failed for good", extra={"interview_id": self.interview_id})
                    return
                logger.warning("write failed; retrying", extra={"interview_id": self.interview_id})
                await asyncio.sleep(self.config.write_backoff_s * 2**attempt)

    async def _drain_writes(self, timeout_s: float = 30.0) -> None:
        try:
            await asyncio.wait_for(self._writes.join(), timeout=timeout_s)
        except TimeoutError:
            logger.error("writes not flushed in time", extra={"interview_id": self.interview_id})

    async def _locked(self, work: Coroutine[Any, Any, Any]) -> None:
        async with self._turn_lock:
            if self.ended:
                work.close()
                return
            await work

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(self._guard(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, work: Coroutine[Any, Any, Any]) -> Any:
        try:
            return await work
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug must not kill the session silently: the candidate is told, the log has the cause.
            logger.exception("turn failed", extra={"interview_id": self.interview_id})
            await self.send(error_frame(ErrorCode.INTERNAL, "Something went wrong on our side. Please try again."))
            return None

    async def _cancel_tasks(self, keep: asyncio.Task[Any] | None = None) -> None:
        # Never the task that asks (e.g. the end-of-interview callback closing the session).
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task not in (keep, current) and not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
