"""One interview's live session: its lifecycle, the turn lock, the client's messages, and resume.

The session wires the parts together (intake -> answering -> reply streamer, with interruption,
playback, limits and the turn writer beside them) and decides the few things that concern the
whole: what to say first when a connection opens, when the interview ends, and what a closing
session keeps. It never touches the socket (`send` takes typed frames) nor Django (`store`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from interviews.events import SessionSnapshot, TurnTimings
from interviews.languages import Translate, gettext_noop, untranslated
from interviews.pipeline.answering import Answers
from interviews.pipeline.config import SessionConfig
from interviews.pipeline.events import CancelReason, InterviewFinished
from interviews.pipeline.hands_free import HandsFreeIntake
from interviews.pipeline.history import History, TurnNumbers
from interviews.pipeline.intake import HeaderJoiner
from interviews.pipeline.interruption import Interruption
from interviews.pipeline.limits import LIMIT_REACHED_WORDS, Budget
from interviews.pipeline.playback import PlaybackEstimate
from interviews.pipeline.ports import Observer, RealRuntime, Runtime, Send, Store, TurnScorer
from interviews.pipeline.progress import plan_progress
from interviews.pipeline.push_to_talk import PushToTalkIntake
from interviews.pipeline.record import settle_reply
from interviews.pipeline.reply import ReplyStreamer, Speech, TextSource, fixed_text
from interviews.pipeline.resume import Opening, opening
from interviews.pipeline.tasks import TaskGroup, TurnLock
from interviews.pipeline.timers import at_deadline, heartbeat
from interviews.pipeline.timings import ReplyMarks
from interviews.pipeline.writer import TurnWriter
from interviews.prompts import build_messages, phrase
from interviews.protocol import (
    AudioChunk,
    AudioEnd,
    ClientMessage,
    EndInterview,
    ErrorCode,
    ErrorFrame,
    Interrupt,
    InterviewEnded,
    Playback,
    ServerFrame,
    SessionState,
)
from interviews.providers.base import Voice
from interviews.providers.registry import Providers

logger = logging.getLogger(__name__)


class Session:
    def __init__(
        self,
        *,
        snapshot: SessionSnapshot,
        providers: Providers,
        store: Store,
        send: Send,
        config: SessionConfig | None = None,
        runtime: Runtime | None = None,
        observer: Observer | None = None,
        on_ended: Callable[[], Coroutine[Any, Any, None]] | None = None,
        on_superseded: Callable[[], Coroutine[Any, Any, None]] | None = None,
        turn_model: TurnScorer | None = None,
        translate: Translate = untranslated,
    ) -> None:
        self.snapshot = snapshot
        self.interview_id = snapshot.interview_id
        self.context = snapshot.context
        self.language = snapshot.context.language
        self.providers = providers
        self.config = config = config or SessionConfig()
        self.runtime = runtime = runtime or RealRuntime()
        self._send = send
        self.observer = observer
        self.on_ended = on_ended
        self.on_superseded = on_superseded
        self.turn_model = turn_model
        self.translate = translate  # the fixed sentences' words (prompts.PHRASES), in the interview's language
        self.ended = False
        self.closed = False  # the socket closed: messages still queued for it are dropped
        self.end_reason = ""
        self.tasks = TaskGroup(interview_id=self.interview_id, on_bug=self._report_bug)
        self.lock = TurnLock(ended=lambda: self.ended)
        self.history = History(
            snapshot.history, interview_id=self.interview_id, observer=observer, spawn=self.tasks.notify
        )
        self.numbers = TurnNumbers(snapshot.next_turn_index)
        self.writer = TurnWriter(
            store=store,
            interview_id=self.interview_id,
            runtime=runtime,
            attempts=config.write_attempts,
            backoff_s=config.write_backoff_s,
            settle_s=config.write_settle_s,
            on_superseded=self._superseded,
        )
        self.playback = PlaybackEstimate()
        self.interruption = Interruption(
            playback=self.playback, runtime=runtime, send=self.send, writer=self.writer, history=self.history
        )
        time_limit_s = self.context.time_limit_minutes * 60.0
        self.budget = Budget.start(config.limits, totals=snapshot.totals, time_limit_s=time_limit_s)
        self.replies = ReplyStreamer(
            tts=providers.tts,
            voice=Voice(language=self.language, voice_id=snapshot.voice_id),
            send=self.send,
            runtime=runtime,
            playback=self.playback,
            prefetch=config.tts_prefetch,
            on_first_sound=self._first_sound,
        )
        self.answers = Answers(
            stt=providers.stt,
            language=self.language,
            writer=self.writer,
            history=self.history,
            numbers=self.numbers,
            budget=self.budget,
            limits=config.limits,
            runtime=runtime,
            send=self.send,
            tasks=self.tasks,
            lock=self.lock,
            replier=self,
        )
        self.intake = self._make_intake()
        self.joiner = HeaderJoiner()
        self._quiet_until = 0.0  # clock value before which a reply is neither shown nor heard

    def _make_intake(self) -> PushToTalkIntake | HandsFreeIntake:
        common: dict[str, Any] = {
            "answers": self.answers,
            "stt": self.providers.stt,
            "language": self.language,
            "budget": self.budget,
            "limits": self.config.limits,
            "runtime": self.runtime,
            "send": self.send,
            "next_turn": lambda: self.numbers.next,
        }
        if not self.snapshot.hands_free:
            return PushToTalkIntake(**common, tasks=self.tasks, answer_gap_s=self.config.answer_gap_s)
        return HandsFreeIntake(
            **common,
            interruption=self.interruption,
            playback=self.playback,
            hold_replies_until=self._hold_replies_until,
            session_ended=lambda: self.ended,
            endpoint_silence_s=self.config.endpoint_silence_s,
            turn_model=self.turn_model,
            last_question=self.history.last_interviewer_words,
        )

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Tell the client where the interview stands, then greet or resume."""
        self.writer.start()
        await self.send(self._state())
        if (seconds_left := self._remaining_seconds()) is not None:
            self.tasks.spawn(at_deadline(self.runtime, seconds_left=seconds_left, then=self._close_at_deadline))
        self.tasks.spawn(
            heartbeat(
                self.runtime, every_s=self.config.heartbeat_s, alive=lambda: not self.ended, beat=self.writer.touch
            )
        )
        if (opening := self._opening()) is not None:
            self.tasks.spawn(opening)

    def _opening(self) -> Coroutine[Any, Any, None] | None:
        now, pending = self.runtime.now(), self.snapshot.pending_answer
        match opening(self.snapshot, self.history):
            case Opening.GREET:
                return self._greet()
            case Opening.ASK_AGAIN | Opening.GREET_AGAIN as first:
                greeting = first == Opening.GREET_AGAIN
                return self.lock.run(self.reply(reference=now, timings=TurnTimings(), greeting=greeting))
            case Opening.REPLY:
                return self.lock.run(self.reply(reference=now, timings=TurnTimings()))
            case Opening.TRANSCRIBE_STORED if pending is not None:
                return self.lock.run(self.answers.resume(pending))
            case Opening.REPEAT_REQUEST:
                return self.lock.run(self.say("resume_repeat"))
        return None

    async def close(self) -> None:
        """The socket closed (or another connection took over): stop all work, keep what was said,
        and flush the writes before returning, so a session taking over reads all of it."""
        self.closed = self.interruption.shutting_down = True
        await self.intake.take_unfinished("connection closed before the answer ended")
        await self.tasks.cancel_all()
        await self.intake.close()
        self.writer.touch()  # "abandoned" counts from now
        await self.writer.drain()
        self.writer.stop()

    async def handle(self, message: ClientMessage) -> None:
        if self.closed:  # e.g. audio that arrives after a flood closed the socket: nothing to feed
            return
        if self.ended:
            await self.send(ErrorFrame(ErrorCode.ENDED, gettext_noop("The interview has ended.")))
            return
        match message:
            case AudioChunk(data=data):
                if (whole := self.joiner.join(data)) is not None:
                    await self.intake.feed(whole)
            case AudioEnd():
                self.joiner.reset()
                await self.intake.end()
            case EndInterview():
                await self.intake.take_unfinished("interview ended during the answer")
                await self.tasks.cancel_all()
                await self._finish("candidate_ended")
            case Interrupt():
                await self.interruption.interrupt(CancelReason.INTERRUPT)
            case Playback(turn=turn, event=event):
                self.interruption.playback_report(turn, event)

    async def send(self, frame: ServerFrame) -> None:
        try:
            await self._send(frame)
        except Exception:  # the socket went away; close() will clean up
            logger.debug("send failed", extra={"interview_id": self.interview_id})

    # --- the interviewer ----------------------------------------------------------------------

    async def _greet(self) -> None:
        if not await self.writer.store.claim_greeting():
            return  # another connection greeted already
        await self.lock.run(self.reply(reference=self.runtime.now(), timings=TurnTimings(), greeting=True))

    async def reply(
        self, *, reference: float, timings: TurnTimings, greeting: bool = False, closing: bool = False
    ) -> None:
        """The next thing the interviewer says, from the language model."""
        transcript = self.history.for_language_model()
        seconds_left = self._remaining_seconds()
        progress = plan_progress(
            self.history.items, self.context.questions, now=datetime.now(UTC), seconds_left=seconds_left
        )
        context = replace(
            self.context,
            transcript=tuple(transcript),
            remaining_seconds=seconds_left,
            closing=closing,
            progress=progress,
        )
        messages = build_messages(
            context,
            transcript,
            limit=self.config.history_messages,
            greeting=greeting,
            closing=closing,
            translate=self.translate,
        )
        speech = await self._speak(
            lambda: self.providers.llm.stream(messages, context=context),
            reference=reference,
            timings=timings,
            greeting=greeting,
            interruptible=not closing,
        )
        if speech.failed:
            # Told in voice too (fixed words need no language model), also after a reply that
            # broke off midway.
            await self.say("closing_fallback" if closing else "technical_problem")
        if closing or speech.ended_by_plan:
            await self._finish("time_limit" if closing else "plan_complete")

    async def say(self, key: str, *, interruptible: bool = True) -> None:
        """Speak a fixed sentence (prompts.PHRASES, no language model), e.g. a request to repeat."""
        text = phrase(key, language=self.language, translate=self.translate)
        await self._speak(
            fixed_text(text), reference=self.runtime.now(), timings=TurnTimings(), interruptible=interruptible
        )

    async def close_at_limit(self) -> None:
        """The interview may record no more: say so in fixed words, and end it."""
        if not self.budget.announced:
            self.budget.announced = True
            await self.send(ErrorFrame(ErrorCode.INTERVIEW_LIMIT, LIMIT_REACHED_WORDS))
        await self.say("limit_closing", interruptible=False)
        await self._finish("limit_reached")

    async def close_for_a_person(self) -> None:
        """The candidate asked for a person: end politely, keep everything, and say so to the recruiter
        (the interview ends as `human_requested`, which admin shows as a request to act on)."""
        await self.say("human_closing", interruptible=False)
        await self._finish("human_requested")

    async def _speak(
        self, source: TextSource, *, reference: float, timings: TurnTimings, greeting: bool = False, interruptible: bool
    ) -> Speech:
        """Stream one interviewer turn to the client, then store what of it was said."""
        speech = Speech(
            index=self.numbers.claim(),
            marks=ReplyMarks(reference=reference),
            started_at=datetime.now(UTC),
            timings=timings,
            greeting=greeting,
            interruptible=interruptible and not self.interruption.shutting_down,
            gate_until=self._quiet_until,
        )
        self.interruption.begin(speech)
        cancelled = False
        try:
            await self.replies.stream(speech, source)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            self.interruption.end()
            settle_reply(
                speech,
                cancelled=cancelled,
                interruption=self.interruption,
                numbers=self.numbers,
                history=self.history,
                writer=self.writer,
                interview_id=self.interview_id,
            )
        self.interruption.references[speech.index] = reference
        return speech

    def _first_sound(self, speech: Speech) -> None:
        self.intake.answer_heard()

    def _hold_replies_until(self, until: float) -> None:
        self._quiet_until = until

    # --- the end ------------------------------------------------------------------------------

    async def _close_at_deadline(self) -> None:
        if self.ended:
            return
        try:
            await self.lock.acquire(timeout_s=self.config.closing_wait_s)
        except TimeoutError:
            await self.tasks.cancel_all(keep=asyncio.current_task())
            await self.lock.acquire_now()
        try:
            if self.ended:
                return
            await self.intake.take_unfinished("time limit reached during the answer")
            await self.reply(reference=self.runtime.now(), timings=TurnTimings(), closing=True)
            if not self.ended:
                await self._finish("time_limit")
        finally:
            self.lock.release()

    async def _finish(self, reason: str) -> None:
        if self.ended:
            return
        self.ended = True
        self.end_reason = reason
        self.writer.finish(reason=reason)
        if self.observer is not None:
            self.tasks.notify(self.observer(InterviewFinished(self.interview_id, reason)))
        await self.send(InterviewEnded(reason=reason, history=tuple(self.history.items)))
        if self.on_ended is not None:
            self.tasks.spawn(self._after_end(self.on_ended))

    async def _after_end(self, on_ended: Callable[[], Coroutine[Any, Any, None]]) -> None:
        await self.writer.drain()
        await on_ended()

    def _superseded(self) -> None:
        if self.on_superseded is not None:
            self.tasks.spawn(self.on_superseded())

    async def _report_bug(self) -> None:
        await self.send(
            ErrorFrame(ErrorCode.INTERNAL, gettext_noop("Something went wrong on our side. Please try again."))
        )

    # --- what the client is told --------------------------------------------------------------

    def _remaining_seconds(self) -> float | None:
        deadline = self.snapshot.deadline_at
        return None if deadline is None else max(0.0, (deadline - datetime.now(UTC)).total_seconds())

    def _state(self) -> SessionState:
        return SessionState(
            status=self.snapshot.status,
            remaining_seconds=self._remaining_seconds(),
            history=tuple(self.history.items),
            language=self.language,
            hands_free=self.snapshot.hands_free,
            next_turn=self.numbers.next,
        )
