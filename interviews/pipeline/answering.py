"""What happens to a finished answer: stored, measured (and cut at a limit), transcribed, answered.

The audio is stored when the answer ends, before transcription: a crash from then on loses no
answer, and the next session transcribes what was stored. A push-to-talk answer's exact length is
known a millisecond or two after its end (audio.AudioMeter); transcription starts at once, and is
started again on the kept part in the rare case the answer turns out to be over a limit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from interviews.audio import cut_recording, wav_seconds
from interviews.events import PendingAnswer, TurnTimings
from interviews.intents import asks_for_a_person
from interviews.languages import gettext_noop
from interviews.pipeline.events import RecordedAnswer
from interviews.pipeline.history import CANDIDATE, History, TurnNumbers
from interviews.pipeline.limits import Budget, Limits
from interviews.pipeline.ports import Runtime, Send
from interviews.pipeline.tasks import TaskGroup, TurnLock
from interviews.pipeline.timings import ms_between
from interviews.pipeline.writer import TurnWriter
from interviews.protocol import ErrorCode, ErrorFrame, UserTranscript
from interviews.providers.base import ProviderError, SpeechToText

logger = logging.getLogger(__name__)


class Replier(Protocol):
    """The session's side: what the interviewer does once an answer is understood."""

    async def reply(self, *, reference: float, timings: TurnTimings) -> None: ...
    async def say(self, key: str) -> None: ...
    async def close_at_limit(self) -> None: ...
    async def close_for_a_person(self) -> None: ...


class Answers:
    def __init__(
        self,
        *,
        stt: SpeechToText,
        language: str,
        writer: TurnWriter,
        history: History,
        numbers: TurnNumbers,
        budget: Budget,
        limits: Limits,
        runtime: Runtime,
        send: Send,
        tasks: TaskGroup,
        lock: TurnLock,
        replier: Replier,
    ) -> None:
        self.stt = stt
        self.language = language
        self.writer = writer
        self.history = history
        self.numbers = numbers
        self.budget = budget
        self.limits = limits
        self.runtime = runtime
        self.send = send
        self.tasks = tasks
        self.lock = lock
        self.replier = replier

    def end(self, answer: RecordedAnswer) -> asyncio.Task[None] | None:
        """The answer is complete: store it and hand it to the turn loop (the task that answers it)."""
        reference = self.runtime.now()
        index, replaces = self._number(answer)
        measured: asyncio.Task[RecordedAnswer | None] | None = None
        if answer.meter is None:
            self._store(answer, index=index, replaces=replaces)
        else:
            measured = self.tasks.spawn(self._measure_and_store(answer, index=index, replaces=replaces))
        return self.tasks.spawn(self.lock.run(self._answer_turn(answer, index, reference, measured=measured)))

    async def store_unfinished(self, answer: RecordedAnswer) -> None:
        """The session ends during the answer: what was said is kept, with `answer.error` noting why."""
        if answer.meter is not None:
            await self.runtime.to_thread(answer.meter.close)
        if answer.stream is not None:
            await answer.stream.aclose()
        if answer.audio:
            index, replaces = self._number(answer)
            self._store(answer, index=index, replaces=replaces)

    async def keep_first_seconds(self, answer: RecordedAnswer, seconds: float) -> None:
        """Keep only the answer's first `seconds`, as WAV: what is stored is what is transcribed."""
        answer.audio = bytearray(await self.runtime.to_thread(cut_recording, bytes(answer.audio), seconds=seconds))
        answer.mime, answer.seconds = "audio/wav", wav_seconds(len(answer.audio))
        if answer.meter is not None:
            await self.runtime.to_thread(answer.meter.close)
            answer.meter = None
        if answer.stream is not None:
            if answer.feeder is not None:
                answer.feeder.cancel()
            await answer.stream.aclose()
            answer.stream = answer.chunks = answer.feeder = None

    async def resume(self, pending: PendingAnswer) -> None:
        """The last session stored this answer and ended before transcribing it: answer it now."""
        answer = RecordedAnswer(started_at=datetime.now(UTC), audio=bytearray(pending.audio), mime=pending.mime)
        await self._answer_turn(answer, pending.index, self.runtime.now())

    def _number(self, answer: RecordedAnswer) -> tuple[int, bool]:
        index, replaces = (self.numbers.claim(), False) if answer.continues is None else (answer.continues, True)
        self.history.remember(turn=index, speaker=CANDIDATE, text="")
        return index, replaces

    def _store(self, answer: RecordedAnswer, *, index: int, replaces: bool) -> None:
        seconds = wav_seconds(len(answer.audio)) if answer.mime == "audio/wav" else answer.seconds
        self.budget.count(index, seconds=seconds, size_bytes=len(answer.audio), replaces=replaces)
        self.writer.record(
            index=index,
            speaker=CANDIDATE,
            text="",
            started_at=answer.started_at,
            ended_at=datetime.now(UTC),
            audio=bytes(answer.audio),
            mime=answer.mime,
            error=answer.error,
            replaces=replaces,
            audio_seconds=seconds,
        )

    async def _measure_and_store(self, answer: RecordedAnswer, *, index: int, replaces: bool) -> RecordedAnswer:
        assert answer.meter is not None
        try:
            answer.seconds = await self.runtime.to_thread(answer.meter.finish)
            max_seconds, _, code = self.budget.answer_limits(self.limits)
            if answer.seconds is not None and answer.seconds > max_seconds:
                await self.send(self.budget.limit_error(code))
                # A copy: the transcription already in flight keeps (and closes) the original.
                answer = replace(answer, stream=None, chunks=None, feeder=None)
                await self.keep_first_seconds(answer, max_seconds)
        finally:
            self._store(answer, index=index, replaces=replaces)
        return answer

    async def _transcribe(self, answer: RecordedAnswer) -> str:
        if answer.stream is not None:
            if answer.feeder is not None:
                await answer.feeder
            return await answer.stream.finish()
        return await self.stt.transcribe(bytes(answer.audio), language=self.language, mime=answer.mime)

    async def _answer_turn(
        self,
        answer: RecordedAnswer,
        index: int,
        reference: float,
        *,
        measured: asyncio.Task[RecordedAnswer | None] | None = None,
    ) -> None:
        timings = TurnTimings()
        stt_started = self.runtime.now()
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
            text = (await transcribing).strip()
        except ProviderError as exc:
            await self._not_understood(index, exc)
            return
        finally:
            transcribing.cancel()
            if answer.stream is not None:
                await answer.stream.aclose()
        now = self.runtime.now()
        timings.transcript_ms = ms_between(reference, now)
        # The provider's own share: from the request (or the stream's finish), not from the end
        # of the answer, so the app's hops count as overhead, not as provider time.
        timings.stt_ms = ms_between(stt_started, now)
        await self.send(UserTranscript(text=text, turn=index, final=True))
        self.history.remember(turn=index, speaker=CANDIDATE, text=text)
        self.writer.transcript(index=index, text=text, transcript_ms=timings.transcript_ms)
        if self.budget.reached:
            await self.replier.close_at_limit()
        elif asks_for_a_person(text):
            await self.replier.close_for_a_person()
        elif not text:
            await self.replier.say("repeat")
        else:
            await self.replier.reply(reference=reference, timings=timings)

    async def _not_understood(self, index: int, exc: ProviderError) -> None:
        logger.warning("stt failed", extra={"turn": index, "reason": exc.message})
        self.writer.transcript(index=index, text="", transcript_ms=None, error=exc.message)
        if exc.retryable:
            code, words = (
                ErrorCode.STT_FAILED,
                gettext_noop("Sorry, your answer could not be transcribed. Please say it again."),
            )
        else:
            code, words = (
                ErrorCode.BAD_AUDIO,
                gettext_noop("Your answer's audio could not be read. Please check the microphone."),
            )
        await self.send(ErrorFrame(code, words))
        await self.replier.say("technical_problem")
