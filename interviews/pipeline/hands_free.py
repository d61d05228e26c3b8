"""Hands-free intake: one continuous recording, cut into answers by the listener (turn_taking.py).

Around the listener's events this decides what the candidate's voice means:
- speech while the interviewer is quiet starts an answer; its end (the listener's patient pause)
  hands the answer over, and the reply that follows is gated until the patience has run out;
- speech over the interviewer holds its playback at once (`speech_started {hold}`); if the voice
  lasts it is a barge-in (the reply is cancelled, the speech becomes the answer), if it ends soon it
  was a backchannel or the interviewer's own echo, and the interviewer goes on;
- speech after an answer was taken as finished, before its reply made a sound, reopens that
  answer: the reply is withdrawn unheard and the answer goes on as the same turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from interviews.audio import RECOGNITION_RATE, AudioDecodeError, decode_to_pcm, pcm_to_wav, wav_seconds
from interviews.end_of_turn import question_kind
from interviews.languages import gettext_noop
from interviews.pipeline.answering import Answers
from interviews.pipeline.backlog import Backlog
from interviews.pipeline.events import CancelReason, RecordedAnswer
from interviews.pipeline.interruption import Interruption
from interviews.pipeline.limits import Budget, Limits
from interviews.pipeline.listening import LISTENING
from interviews.pipeline.pauses import PauseSignals
from interviews.pipeline.playback import PlaybackEstimate
from interviews.pipeline.ports import Runtime, Send, TurnScorer
from interviews.protocol import ErrorCode, ErrorFrame, SpeechEnded, SpeechStarted, UserTranscript, sniff_audio_mime
from interviews.providers.base import PcmTranscriptionStream, ProviderError
from interviews.providers.registry import SpeechToTextChain
from interviews.turn_taking import EndpointConfig, Listener, ListenerEvent, is_echo

logger = logging.getLogger(__name__)

# A pause longer than this inside a reopened answer is stored shortened to it.
MAX_JOINED_PAUSE_S = 5.0
# Utterances over the interviewer that turn out not to be barge-ins, per interviewer turn, before
# the page stops holding the interviewer for them (it lowers its volume instead): a noisy room or
# leaking speakers must not make the interviewer stutter.
MAX_HOLDS_PER_TURN = 2


@dataclass
class Utterance:
    """The candidate's speech since the listener heard it start."""

    started_at: datetime
    overlapping: bool  # began while the interviewer was speaking: must prove it is a barge-in
    stream: PcmTranscriptionStream | None = None
    confirmed: bool = False  # an overlapping utterance long enough to be a barge-in
    held: bool = False  # the page paused the interviewer when this began
    continues: Ended | None = None  # the answer this one goes on with (the candidate resumed)
    stream_offset_s: float = 0.0  # audio of that answer fed to the stream before this utterance's


@dataclass
class Ended:
    """An answer taken as finished whose reply has not been heard yet (it may still reopen)."""

    index: int
    pcm: np.ndarray
    started_at: datetime
    end_s: float  # where the answer's audio ends in the stream, to restore the pause when joining
    task: asyncio.Task[None] | None
    voiced_s: float = 0.0  # the answer's voice so far, which the patience after it counts too


class HandsFreeIntake:
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
        interruption: Interruption,
        playback: PlaybackEstimate,
        hold_replies_until: Callable[[float], None],
        next_turn: Callable[[], int],
        session_ended: Callable[[], bool],
        endpoint_silence_s: float = 1.2,
        turn_model: TurnScorer | None = None,
        last_question: Callable[[], str] = lambda: "",
    ) -> None:
        self.answers = answers
        self.stt = stt
        self.language = language
        self.budget = budget
        self.limits = limits
        self.runtime = runtime
        self.send = send
        self.interruption = interruption
        self.playback = playback
        self.hold_replies_until = hold_replies_until
        self.next_turn = next_turn
        self.session_ended = session_ended
        self.endpoint = EndpointConfig(silence_s=endpoint_silence_s)
        self.turn_model = turn_model
        self.last_question = last_question  # what the interviewer said last (open or closed question?)
        # Held from feeding the listener to handling its events, and while a score arriving between
        # feeds ends the answer: the two never interleave.
        self.stepping = asyncio.Lock()
        self.pauses = PauseSignals(
            runtime=runtime, stepping=self.stepping, turn_model=turn_model, ended=self._ended_between
        )
        self.backlog = Backlog(self._feed, lock=self.stepping)
        self._question_of: str | None = None  # the interviewer's words the listener's question kind is of
        self.listener: Listener | None = None
        self._lost = False  # the stream broke (bad_audio said): chunks wait for a new recording
        self.utterance: Utterance | None = None
        self.ended: Ended | None = None
        self.echo_prone = False  # the interviewer's voice was heard in the microphone

    # --- the stream --------------------------------------------------------------------------

    async def feed(self, data: bytes) -> None:
        """Feed the listener (now, or with the chunks after it if it is busy); speech start, barge-in
        and end of answer come out as events."""
        self.backlog.put(data)

    async def _feed(self, data: bytes) -> None:
        if self.listener is None:
            if sniff_audio_mime(data[:16]) is None:
                await self._stream_lost(gettext_noop("The microphone stream is not audio we can use."))
                return
            self._lost = False
            # A listener holds no model of its own (interviews/vad.py): made here, without a hand-off.
            listener = Listener(language=self.language, config=self.endpoint)
            listener.scores_pauses = self.turn_model is not None
            self.listener = listener
        listener = self.listener
        if (question := self.last_question()) is not self._question_of:
            self._question_of = question
            listener.question = question_kind(question, language=self.language)
        if (utterance := self.utterance) is not None and utterance.stream is not None:
            listener.partial_covers_s = _words_cover(utterance)
        # Speech that starts now talks over the interviewer, unless the interviewer has not made
        # a sound yet in reply to an answer the candidate is only pausing in (that answer reopens).
        listener.interviewer_speaking = self.interruption.busy() and self.reopenable() is None
        try:
            events, added = await self.runtime.off_loop(LISTENING.hear(listener, data))
        except AudioDecodeError:
            if listener.in_utterance:  # what was said before the damage is an answer
                await self._speech_ended(listener.force_end())
            await self.runtime.to_thread(listener.close)
            self.listener, self.utterance = None, None
            await self._stream_lost(gettext_noop("The microphone stream could not be decoded."))
            return
        for event in events:
            if event.kind == "start":
                await self._speech_started(event)
        utterance = self.utterance
        partial = None
        if utterance is not None and utterance.stream is not None and len(added):
            partial = await self._feed_pcm(utterance.stream, added)
        if partial and utterance is not None:
            await self._words(utterance, partial)
        for event in events:
            if event.kind == "barge_in":
                await self._barge_in(event)
            elif event.kind == "pause":
                recognised = utterance.stream.pause_heard() if utterance and utterance.stream else None
                if recognised is not None and utterance is not None:
                    self.pauses.words(listener, recognised, lambda words: self._words(utterance, words))
                self.pauses.score(listener, event)
            elif event.kind == "end":
                await self._speech_ended(event)
        await self._end_at_limit()

    async def _stream_lost(self, words: str) -> None:
        """The stream cannot be read on: said once, and its later chunks are dropped until a new
        recording (its header) begins a new listener; the page starts one when it hears this."""
        if not self._lost:
            self._lost = True
            await self.send(ErrorFrame(ErrorCode.BAD_AUDIO, words))

    async def _words(self, utterance: Utterance, partial: str) -> None:
        """The latest words of the utterance: for the listener's end of turn, and the page's subtitle."""
        if self.listener is None or utterance is not self.utterance:
            return
        self.listener.partial = partial
        self.listener.partial_covers_s = _words_cover(utterance)
        turn = utterance.continues.index if utterance.continues is not None else self.next_turn()
        await self.send(UserTranscript(text=partial, turn=turn, final=False))

    async def _ended_between(self, listener: Listener, event: ListenerEvent) -> None:
        if self.listener is listener:
            await self._speech_ended(event)

    async def end(self) -> None:
        """An explicit end (e.g. a push-to-talk release) ends the utterance without waiting."""
        await self.backlog.drained()
        async with self.stepping:
            if self.listener is not None and self.listener.in_utterance:
                await self._speech_ended(self.listener.force_end())
            else:
                await self.send(ErrorFrame(ErrorCode.NO_SPEECH, "No audio arrived for this answer."))

    def answer_heard(self) -> None:
        """The reply to the last answer made its first sound: that answer is closed."""
        self.ended = None

    def reopenable(self) -> Ended | None:
        """The last answer, if its reply is still being prepared and has not made a sound."""
        ended = self.ended
        if ended is None or ended.task is None or ended.task.done() or self.session_ended():
            return None
        speech = self.interruption.speech
        if speech is not None and (speech.index < ended.index or speech.audio):
            return None
        return ended

    # --- events ------------------------------------------------------------------------------

    async def _speech_started(self, event: ListenerEvent) -> None:
        if not event.overlapping and (ended := self.reopenable()) is not None:
            await self._reopen(ended, event)
            return
        if not event.overlapping and (refusal := self.budget.refusal()) is not None:
            assert self.listener is not None
            self.listener.drop_utterance()  # the interview records no more answers
            await self.send(refusal)
            return
        self.utterance = utterance = Utterance(started_at=datetime.now(UTC), overlapping=event.overlapping)
        if not event.overlapping:
            utterance.stream = self._open_stream()
            await self.send(SpeechStarted(overlapping=False))
            return
        # Over the interviewer: the page holds its playback at once (it stops within one chunk of
        # the voice), until the voice proves a barge-in (flush) or ends as a backchannel (go on).
        # Where holds keep being false alarms (echo, a noisy room), it only lowers the volume.
        speech = self.interruption.speech or self.interruption.last
        interruptible = speech is None or speech.interruptible
        utterance.held = interruptible and not self.echo_prone and self.playback.released_holds < MAX_HOLDS_PER_TURN
        if utterance.held:
            self.playback.hold(self.runtime.now())
        await self.send(SpeechStarted(overlapping=True, hold=utterance.held))

    async def _reopen(self, ended: Ended, event: ListenerEvent) -> None:
        """The candidate resumed before the reply was heard: withdraw it and go on with the answer."""
        self.ended = None
        assert ended.task is not None
        await self.interruption.withdraw(ended.task, answer_index=ended.index)
        self.utterance = utterance = Utterance(started_at=ended.started_at, overlapping=False, continues=ended)
        before = self._joined(ended, np.zeros(0, dtype=np.float32), event.at_s)
        if self.listener is not None:
            self.listener.continue_utterance(ended.voiced_s, before)
        utterance.stream = self._open_stream()
        if utterance.stream is not None:
            # The stream hears the whole answer again, so the words before the pause are in its
            # transcript (the local engine recognises them while the candidate goes on).
            utterance.stream_offset_s = len(before) / RECOGNITION_RATE
            await self._feed_pcm(utterance.stream, before)
        await self.send(SpeechStarted(overlapping=False, continues_turn=ended.index))

    async def _barge_in(self, event: ListenerEvent) -> None:
        utterance = self.utterance
        if utterance is None or not utterance.overlapping or utterance.confirmed:
            return
        if await self._is_echo(event.pcm):
            # The interviewer's own voice leaking into the microphone: not the candidate.
            assert self.listener is not None
            self.listener.drop_utterance()
            self.utterance = None
            await self._ignore(utterance, "echo")
            return
        utterance.confirmed = True
        await self.interruption.interrupt(CancelReason.BARGE_IN)
        utterance.stream = self._open_stream()
        if utterance.stream is not None and event.pcm is not None:
            await self._feed_pcm(utterance.stream, event.pcm)

    async def _speech_ended(self, event: ListenerEvent) -> None:
        utterance, self.utterance = self.utterance, None
        if utterance is None:
            return
        if utterance.overlapping and not utterance.confirmed:
            # Too short to be a barge-in ("mm-hm", a cough): neither an interruption nor an answer.
            # A short burst of the interviewer's own voice (its playback stopped by the hold) is
            # echo, and from then on only lowers the volume.
            await self._ignore(utterance, "echo" if await self._is_echo(event.pcm) else "backchannel")
            return
        await self.send(SpeechEnded(ignored=False))
        assert event.pcm is not None
        pcm, continues = event.pcm, None
        if (ended := utterance.continues) is not None:
            pcm = self._joined(ended, event.pcm, event.at_s - len(event.pcm) / RECOGNITION_RATE)
            continues = ended.index
        answer = RecordedAnswer(
            started_at=utterance.started_at,
            audio=bytearray(pcm_to_wav(pcm)),
            mime="audio/wav",
            stream=utterance.stream,
            continues=continues,
        )
        self.hold_replies_until(self.runtime.now() + event.speak_after_s)
        task = self.answers.end(answer)
        index = continues if continues is not None else self.next_turn() - 1
        self.ended = Ended(index, pcm, utterance.started_at, event.at_s, task, voiced_s=event.voiced_s)

    async def _ignore(self, utterance: Utterance, reason: str) -> None:
        if reason == "echo":
            self.echo_prone = True
        if utterance.held:
            speeches = [s for s in (self.interruption.speech, self.interruption.last) if s is not None]
            self.playback.release(self.runtime.now(), speeches)
        await self.send(SpeechEnded(ignored=True, reason=reason))

    async def _end_at_limit(self) -> None:
        """An answer that reaches a length limit ends there, and is answered like any other."""
        utterance, listener = self.utterance, self.listener
        if utterance is None or listener is None or (utterance.overlapping and not utterance.confirmed):
            return
        max_seconds, max_bytes, code = self.budget.answer_limits(self.limits)
        limit_s = min(max_seconds, wav_seconds(max_bytes))
        if (ended := utterance.continues) is not None:
            limit_s -= len(ended.pcm) / RECOGNITION_RATE + MAX_JOINED_PAUSE_S  # joined to the earlier part
        if listener.utterance_s < max(0.0, limit_s):
            return
        event = listener.force_end()
        assert event.pcm is not None
        event.pcm = event.pcm[: max(0, int(limit_s * RECOGNITION_RATE))]
        await self.send(self.budget.limit_error(code))
        await self._speech_ended(event)

    # --- helpers -----------------------------------------------------------------------------

    def _joined(self, ended: Ended, pcm: np.ndarray, at_s: float) -> np.ndarray:
        """An answer reopened: its audio so far, the pause (capped), then what came after."""
        pause_s = min(MAX_JOINED_PAUSE_S, max(0.0, at_s - ended.end_s))
        pause = np.zeros(int(pause_s * RECOGNITION_RATE), dtype=np.float32)
        return np.concatenate([ended.pcm, pause, pcm])

    async def _is_echo(self, pcm: np.ndarray | None) -> bool:
        reference = self.interruption.recent_audio()
        if not reference or pcm is None:
            return False
        return await self.runtime.to_thread(_is_echo_of, pcm, reference)

    def _open_stream(self) -> PcmTranscriptionStream | None:
        stream = self.stt.open_stream(language=self.language)
        # An engine that cannot take decoded audio transcribes the utterance at its end instead.
        return stream if isinstance(stream, PcmTranscriptionStream) else None

    async def _feed_pcm(self, stream: PcmTranscriptionStream, pcm: np.ndarray) -> str | None:
        try:
            return await stream.feed_pcm(pcm)
        except ProviderError:
            return None  # the final transcription reports it

    async def take_unfinished(self, reason: str) -> None:
        try:
            await self.backlog.drained()  # the audio still queued belongs to the answer
        except Exception:
            logger.exception("hands-free audio could not be fed before the answer was taken")
        utterance, listener = self.utterance, self.listener
        self.utterance = None
        if utterance is None or listener is None:
            return
        pcm = listener.current_pcm()
        listener.drop_utterance()
        if utterance.stream is not None:
            await utterance.stream.aclose()
        if utterance.overlapping and not utterance.confirmed:
            return
        continues = None
        if (ended := utterance.continues) is not None:
            began_s = (listener.samples_seen - len(pcm)) / RECOGNITION_RATE
            pcm, continues = self._joined(ended, pcm, began_s), ended.index
        answer = RecordedAnswer(
            started_at=utterance.started_at,
            audio=bytearray(pcm_to_wav(pcm)),
            mime="audio/wav",
            continues=continues,
            error=reason,
        )
        await self.answers.store_unfinished(answer)

    async def close(self) -> None:
        self.backlog.cancel()
        for task in (self.pauses.scoring, self.pauses.catching_up):
            if task is not None:
                task.cancel()
        if self.listener is not None:
            await self.runtime.to_thread(self.listener.close)


def _words_cover(utterance: Utterance) -> float | None:
    """Seconds of the utterance its stream's partial transcript covers (None: no partials)."""
    covered_s = utterance.stream.covered_s if utterance.stream is not None else None
    return None if covered_s is None else covered_s - utterance.stream_offset_s


def _is_echo_of(mic_pcm: np.ndarray, interviewer_mp3: bytes) -> bool:
    return is_echo(mic_pcm, decode_to_pcm(interviewer_mp3))
