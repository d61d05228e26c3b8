"""The reply streamer: how an interviewer turn becomes subtitles and speech, and how TTS is paced.

The language model's pieces go through the end-marker filter to the subtitles at once, and through
the clause chunker to the voice: the first clause as soon as it is complete, later text sentence by
sentence, up to `prefetch` sentences synthesised ahead of the one being sent, the audio sent in
order. A reply prepared while the candidate may still go on (hands-free patience) is gated: its
subtitles and audio wait until `gate_until`. Cancelling is interruption.py's business; this module
only cleans up its own tasks when it is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from interviews.chunker import ClauseChunker, MarkerFilter
from interviews.events import TurnTimings
from interviews.pipeline.events import CancelReason
from interviews.pipeline.playback import PlaybackEstimate
from interviews.pipeline.ports import Runtime, Send
from interviews.pipeline.timings import ReplyMarks
from interviews.protocol import AiAudioChunk, AiAudioEnd, AiTranscriptChunk, ErrorCode, ErrorFrame
from interviews.providers.base import ProviderError, TextToSpeech, Voice

logger = logging.getLogger(__name__)

TextSource = Callable[[], AsyncIterator[str]]
# A clause and the queue its audio arrives on (ends with None; a ProviderError if the voice failed).
Clause = tuple[str, "asyncio.Queue[bytes | ProviderError | None]"]


@dataclass
class Speech:
    """One interviewer turn while it streams, and what of it was said and sent."""

    index: int
    marks: ReplyMarks
    started_at: datetime
    timings: TurnTimings
    greeting: bool = False
    # The closing line is not interruptible: talking over it neither stops nor cuts it.
    interruptible: bool = True
    gate_until: float = 0.0  # clock value before which nothing of it is shown or heard
    gated: bool = False
    text: list[str] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)
    audio_bytes: int = 0
    clause_audio: list[tuple[str, int]] = field(default_factory=list)  # (clause, MP3 bytes sent)
    held_s: float = 0.0  # time the page held this turn's playback for the candidate's voice
    ended_by_plan: bool = False  # the language model ended the interview (END_MARKER)
    plan_question: int | None = None  # the planned question it asks (the model's <<Qn>> marker)
    follow_up: bool = False  # a follow-up on the current planned question (<<F>>)
    failed: bool = False  # the language model failed before or while speaking
    cancel_reason: CancelReason | None = None
    tts_tasks: list[asyncio.Task[None]] = field(default_factory=list)
    pending_subtitles: list[str] = field(default_factory=list)

    @property
    def said(self) -> str:
        return "".join(self.text).strip()


class ReplyStreamer:
    def __init__(
        self,
        *,
        tts: TextToSpeech,
        voice: Voice,
        send: Send,
        runtime: Runtime,
        playback: PlaybackEstimate,
        prefetch: int = 2,
        on_first_sound: Callable[[Speech], None] = lambda speech: None,
    ) -> None:
        self.tts = tts
        self.voice = voice
        self.send = send
        self.runtime = runtime
        self.playback = playback
        self.prefetch = prefetch
        self.on_first_sound = on_first_sound

    async def stream(self, speech: Speech, source: TextSource) -> None:
        """Stream one interviewer turn to the client, ending with `ai_audio_end`."""
        speech.gated = self.runtime.now() < speech.gate_until
        clauses: asyncio.Queue[Clause | BaseException | None] = asyncio.Queue()
        producer = asyncio.create_task(self._produce(source, speech, clauses))
        try:
            seq = 0
            while (item := await clauses.get()) is not None:
                if isinstance(item, BaseException):
                    speech.failed = True
                    logger.warning("llm failed", extra={"turn": speech.index, "reason": str(item)})
                    await self.send(ErrorFrame(ErrorCode.LLM_FAILED, "The interviewer had a technical problem."))
                    break
                clause, audio_queue = item
                speech.clause_audio.append((clause, 0))
                while (piece := await audio_queue.get()) is not None:
                    if isinstance(piece, ProviderError):
                        await self.send(
                            ErrorFrame(ErrorCode.TTS_FAILED, "The interviewer's voice failed for a moment.")
                        )
                        break
                    await self._sound(speech, clause, piece, seq)
                    seq += 1
            if speech.gated:  # words but no audio (the voice failed): show them now
                await self._open_gate(speech)
            await self.send(AiAudioEnd(turn=speech.index))
        finally:
            producer.cancel()
            for task in speech.tts_tasks:
                task.cancel()

    async def _sound(self, speech: Speech, clause: str, piece: bytes, seq: int) -> None:
        if speech.gated:
            await self._open_gate(speech)
        await self.send(AiAudioChunk(audio=piece, turn=speech.index, seq=seq))
        if speech.marks.first_audio_sent_at is None:
            speech.marks.first_audio_sent_at = self.runtime.now()
            self.on_first_sound(speech)
        speech.audio.append(piece)
        speech.audio_bytes += len(piece)
        speech.clause_audio[-1] = (clause, speech.clause_audio[-1][1] + len(piece))
        self.playback.sent(speech, self.runtime.now())

    async def _open_gate(self, speech: Speech) -> None:
        """Before a gated reply's first sound: wait out the candidate's patience, then show it."""
        if (wait_s := speech.gate_until - self.runtime.now()) > 0:
            await self.runtime.sleep(wait_s)  # the candidate going on now withdraws the reply (cancels us)
        speech.gated = False
        for text in speech.pending_subtitles:
            await self.send(AiTranscriptChunk(text=text, turn=speech.index))
        speech.pending_subtitles.clear()

    async def _subtitle(self, speech: Speech, text: str) -> None:
        speech.text.append(text)
        if speech.gated:
            speech.pending_subtitles.append(text)
        else:
            await self.send(AiTranscriptChunk(text=text, turn=speech.index))

    async def _produce(
        self, source: TextSource, speech: Speech, clauses: asyncio.Queue[Clause | BaseException | None]
    ) -> None:
        """Language model pieces -> subtitles now, and clauses -> the voice as soon as each is complete."""
        chunker, marker = ClauseChunker(), MarkerFilter()
        limiter = asyncio.Semaphore(self.prefetch)
        marks = speech.marks

        def to_voice(clause: str) -> None:
            if marks.first_clause_at is None:
                marks.first_clause_at = self.runtime.now()
            audio_queue: asyncio.Queue[bytes | ProviderError | None] = asyncio.Queue()
            speech.tts_tasks.append(asyncio.create_task(self._synthesize(clause, audio_queue, limiter, speech)))
            clauses.put_nowait((clause, audio_queue))

        try:
            marks.llm_requested_at = self.runtime.now()
            async for piece in source():
                if marks.first_token_at is None:
                    marks.first_token_at = self.runtime.now()
                visible = marker.feed(piece)
                speech.plan_question, speech.follow_up = marker.question, marker.follow_up
                if visible:
                    await self._subtitle(speech, visible)
                    for clause in chunker.feed(visible):
                        to_voice(clause)
            if tail := marker.flush():
                await self._subtitle(speech, tail)
                chunker.feed(tail)
            if (rest := chunker.flush()) is not None:
                to_voice(rest)
            speech.ended_by_plan = marker.ended
            clauses.put_nowait(None)
        except ProviderError as exc:
            clauses.put_nowait(exc)

    async def _synthesize(
        self,
        clause: str,
        audio_queue: asyncio.Queue[bytes | ProviderError | None],
        limiter: asyncio.Semaphore,
        speech: Speech,
    ) -> None:
        marks = speech.marks
        async with limiter:
            if marks.tts_requested_at is None:
                marks.tts_requested_at = self.runtime.now()
            try:
                async for chunk in self.tts.stream(clause, voice=self.voice):
                    if marks.tts_first_byte_at is None:
                        marks.tts_first_byte_at = self.runtime.now()
                    audio_queue.put_nowait(chunk)
            except ProviderError as exc:
                logger.warning("tts failed", extra={"turn": speech.index, "reason": exc.message})
                audio_queue.put_nowait(exc)
            finally:
                audio_queue.put_nowait(None)


def fixed_text(text: str) -> TextSource:
    """A source that says `text` as it is (fixed sentences need no language model)."""

    async def source() -> AsyncIterator[str]:
        yield text

    return source
