"""Push-to-talk intake: each answer is its own recording, from its first chunk to `audio_end`.

Clients written for the seed never send `audio_end`: for them an answer ends after
`answer_gap_s` without a chunk. The container is sniffed from the first bytes (anything that is not
audio is refused at once, and the rest of that answer dropped); the answer is measured in decoded
seconds as it arrives and cut at the recording limits; a streaming engine hears it as it comes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from interviews.audio import AudioMeter
from interviews.languages import gettext_noop
from interviews.pipeline.answering import Answers
from interviews.pipeline.events import RecordedAnswer
from interviews.pipeline.limits import Budget, Limits
from interviews.pipeline.ports import Runtime, Send
from interviews.pipeline.tasks import TaskGroup
from interviews.protocol import ErrorCode, ErrorFrame, UserTranscript, sniff_audio_mime
from interviews.providers.base import ProviderError, TranscriptionStream
from interviews.providers.registry import SpeechToTextChain


class PushToTalkIntake:
    def __init__(
        self,
        *,
        answers: Answers,
        stt: SpeechToTextChain,
        language: str,
        budget: Budget,
        limits: Limits,
        runtime: Runtime,
        send: Send,
        tasks: TaskGroup,
        next_turn: Any,
        answer_gap_s: float = 1.0,
    ) -> None:
        self.answers = answers
        self.stt = stt
        self.language = language
        self.budget = budget
        self.limits = limits
        self.runtime = runtime
        self.send = send
        self.tasks = tasks
        self.next_turn = next_turn  # () -> the turn number an answer begun now would get
        self.answer_gap_s = answer_gap_s
        self._answer: RecordedAnswer | None = None
        self._discarding = False  # over a limit, or not audio: drop the rest until the answer ends
        self._gap_timer: Any = None
        self._client_sends_audio_end = False

    async def feed(self, data: bytes) -> None:
        if self._answer is None and not self._discarding and not await self._begin(data):
            self._discarding = True
        answer = self._answer
        if answer is not None and not self._discarding:
            max_seconds, max_bytes, code = self.budget.answer_limits(self.limits)
            if len(answer.audio) + len(data) > max_bytes:
                await self._cut(answer, code, seconds=None)
            else:
                answer.audio += data
                if answer.chunks is not None:
                    answer.chunks.put_nowait(data)
                if answer.meter is not None:
                    answer.meter.push(data)  # decoded behind the arrivals, off this path
                    answer.seconds = answer.meter.seconds
                if answer.seconds is not None and answer.seconds > max_seconds:
                    await self._cut(answer, code, seconds=max_seconds)
        self._arm_gap_timer()

    async def _begin(self, data: bytes) -> bool:
        mime = sniff_audio_mime(data[:16])
        refusal = self.budget.refusal() if mime is not None else None
        if mime is None or refusal is not None:
            # Drop the rest of this answer: without its header, later chunks cannot be decoded.
            await self.send(
                refusal
                or ErrorFrame(
                    ErrorCode.BAD_AUDIO, gettext_noop("That was not audio the interview can use; please try again.")
                )
            )
            return False
        answer = self._answer = RecordedAnswer(
            started_at=datetime.now(UTC),
            audio=bytearray(),
            mime=mime,
            stream=self.stt.open_stream(language=self.language),
            meter=AudioMeter(),
        )
        if answer.stream is not None:
            answer.chunks = asyncio.Queue()
            answer.feeder = self.tasks.spawn(self._feed_stream(answer.stream, answer.chunks))
        return True

    async def _feed_stream(self, stream: TranscriptionStream, chunks: asyncio.Queue[bytes | None]) -> None:
        while (chunk := await chunks.get()) is not None:
            try:
                partial = await stream.feed(chunk)
            except ProviderError:
                return  # the final transcription reports it
            if partial:
                await self.send(UserTranscript(text=partial, turn=self.next_turn(), final=False))

    async def _cut(self, answer: RecordedAnswer, code: ErrorCode, *, seconds: float | None) -> None:
        """An answer at a limit ends there: what came before it is stored and transcribed."""
        await self.send(self.budget.limit_error(code))
        if seconds is not None:
            await self.answers.keep_first_seconds(answer, seconds)
        self._finish(discard_rest=True)

    async def end(self) -> None:
        self._client_sends_audio_end = True
        self._cancel_gap_timer()
        if self._answer is None and not self._discarding:
            await self.send(ErrorFrame(ErrorCode.NO_SPEECH, gettext_noop("No audio arrived for this answer.")))
            return
        self._finish()

    def _finish(self, *, discard_rest: bool = False) -> None:
        """The answer is complete; with `discard_rest`, chunks until the client ends it are dropped."""
        answer, self._answer = self._answer, None
        self._discarding = discard_rest
        if answer is None:
            return
        if answer.chunks is not None:
            answer.chunks.put_nowait(None)
        if not answer.audio:
            if answer.meter is not None:
                self.tasks.spawn(self.runtime.to_thread(answer.meter.close))  # joins its decoder thread
            return
        self.answers.end(answer)

    def _arm_gap_timer(self) -> None:
        if not self._client_sends_audio_end:
            self._cancel_gap_timer()
            self._gap_timer = self.runtime.call_later(self.answer_gap_s, self._on_gap)

    def _on_gap(self) -> None:
        self._gap_timer = None
        if not self._client_sends_audio_end and (self._answer is not None or self._discarding):
            self._finish()

    def _cancel_gap_timer(self) -> None:
        if self._gap_timer is not None:
            self._gap_timer.cancel()
            self._gap_timer = None

    async def take_unfinished(self, reason: str) -> None:
        self._cancel_gap_timer()
        answer, self._answer = self._answer, None
        if answer is not None:
            if answer.chunks is not None:
                answer.chunks.put_nowait(None)
            answer.error = reason
            await self.answers.store_unfinished(answer)

    def answer_heard(self) -> None:
        """The reply made its first sound (hands-free answers reopen until then; these do not)."""

    async def close(self) -> None:
        self._cancel_gap_timer()
