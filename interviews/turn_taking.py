"""Hands-free turn-taking: voice activity on the incoming stream, patient endpointing, barge-in, echo.

The browser streams one continuous WebM/Opus recording. It is decoded incrementally to 16 kHz PCM,
Silero VAD scores every 32 ms window, and an endpointer turns those scores into events: speech
started, long enough to interrupt the interviewer, and the answer ended. Pure logic apart from the
decoder and the VAD, so it is tested on scripted audio without a socket.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from interviews.audio import RECOGNITION_RATE
from interviews.end_of_turn import Decision, Question, TurnConfig, decide
from interviews.microphone import Heard, Microphone, hear_together
from interviews.vad import WINDOW

# The page's MediaRecorder timeslice in hands-free mode (HANDS_FREE_TIMESLICE_MS in client.js): voice
# detection, and so holding the interviewer when the candidate talks over it, waits for each slice.
STREAM_TIMESLICE_S = 0.05
WINDOW_S = WINDOW / RECOGNITION_RATE
TURN_MODEL_WINDOW_S = 8.0  # the end-of-turn model hears the last 8 s (turn_model.py)


@dataclass(frozen=True)
class EndpointConfig(TurnConfig):
    """The listener's thresholds; when an answer is finished is end_of_turn.TurnConfig's part."""

    speech_threshold: float = 0.5  # VAD probability that counts as voice
    min_speech_s: float = 0.15  # voiced time before "speech started"
    # Over the interviewer, the first voiced window starts the utterance (and so holds the
    # interviewer): stopping quickly matters more there, and a false start costs only a short hold
    # (and after two in one turn, or the interviewer's own echo, the page only ducks).
    overlap_min_speech_s: float = WINDOW_S
    barge_in_s: float = 0.6  # voiced time over the interviewer before it stops: backchannels are shorter
    # Over the interviewer, the page holds its playback as soon as voice starts; a pause this long
    # ends an utterance that never became a barge-in ("mm-hm", a cough), and the interviewer goes on.
    release_s: float = 0.4
    preroll_s: float = 0.3  # audio kept from before speech was detected, so first syllables are not cut


@dataclass
class ListenerEvent:
    kind: str  # "start" | "barge_in" | "pause" | "end"
    # The whole utterance, for "barge_in" (so far) and "end". A "pause" (a short silence in an answer,
    # once, when the recogniser should catch up) carries, if the end-of-turn model is to score it, the
    # audio up to the pause (the last 8 s), and `pause` its number (see Listener.finished); else None.
    pcm: np.ndarray | None = None
    pause: int = 0
    voiced_s: float = 0.0
    overlapping: bool = False  # the utterance began while the interviewer was speaking
    # Where the utterance's audio begins ("start") or ends ("end"), in seconds of the whole stream.
    at_s: float = 0.0
    # "end": further silence before the reply may be heard (the patience not yet run out).
    speak_after_s: float = 0.0


@dataclass
class _Utterance:
    pcm: list[np.ndarray] = field(default_factory=list)
    voiced_s: float = 0.0
    silence_s: float = 0.0
    barge_in_sent: bool = False
    overlapping: bool = False
    # A reopened answer: its audio before the pause, which the end-of-turn model hears too.
    earlier: np.ndarray | None = None


class Listener:
    """Feed the continuous recording; get turn-taking events and the current utterance's new audio."""

    def __init__(self, *, language: str, config: EndpointConfig | None = None) -> None:
        self.language = language
        self.config = config or EndpointConfig()
        # Its stream's decoder and VAD state, when they are in this process (a listening worker
        # process keeps its own: pipeline/listening.py); closed with the listener.
        self.microphone = Microphone()
        # Held while audio is processed: close() waits for a feed in progress (a feed's worker thread
        # may outlive a cancelled caller).
        self._busy = threading.RLock()
        self._preroll: list[np.ndarray] = []
        self._onset_s = 0.0  # voiced time before the utterance counts as started
        self._utterance: _Utterance | None = None
        self.partial = ""  # the latest partial transcript, for patient endpointing
        # Seconds of the utterance the partial transcript covers; None when the engine gives none.
        # While the words before a pause are not yet recognised, the pause is given the full
        # patience: the transcript may show the candidate is mid-sentence.
        self.partial_covers_s: float | None = None
        self.samples_seen = 0
        # Set by the caller before each feed: speech that starts now overlaps the interviewer.
        self.interviewer_speaking = False
        # The end-of-turn model (set by the caller): with `scores_pauses`, a pause in an answer that
        # the model's score could end emits a "pause" event with its audio, and the caller hands the
        # model's probability for it (pause number `pause`) to `scored`; a pause the voice ended is
        # forgotten.
        self.scores_pauses = False
        self.finished: float | None = None
        self.pause = 0
        self.question = Question.OPEN  # the interviewer's last question, open or closed
        self._pause_scored = False
        self._pause_noted = False  # a "pause" event went out for the current pause

    @property
    def in_utterance(self) -> bool:
        return self._utterance is not None

    def pausing(self, pause: int) -> bool:
        """Pause number `pause` of the current utterance is still going on (no voice since)."""
        return self.pause == pause and self._pause_scored and self._utterance is not None

    def feed(self, chunk: bytes) -> tuple[list[ListenerEvent], np.ndarray]:
        """Blocking (decode + VAD, ~ms): events, and the audio this chunk added to the current utterance."""
        (result,) = feed_together([self], [chunk])
        if isinstance(result, Exception):
            raise result
        return result

    def push_pcm(self, pcm: np.ndarray) -> tuple[list[ListenerEvent], np.ndarray]:
        with self._busy:
            (heard,) = hear_together([self.microphone], [pcm])
            if isinstance(heard, Exception):
                raise heard
            return self._steps(*heard)

    def heard(self, heard: Heard) -> Fed:
        """Blocking (waits for a feed in progress): the events of windows heard elsewhere (a
        listening worker process) from this listener's stream."""
        with self._busy:
            self.microphone.stream()  # raises once the listener is closed
            return self._steps(*heard)

    def _steps(self, windows: np.ndarray, probabilities: np.ndarray) -> tuple[list[ListenerEvent], np.ndarray]:
        events: list[ListenerEvent] = []
        added: list[np.ndarray] = []
        for window, probability in zip(windows, probabilities.tolist(), strict=True):
            self.samples_seen += WINDOW
            event = self._step(window, probability >= self.config.speech_threshold, added)
            if event is not None:
                events.append(event)
        return events, (np.concatenate(added) if added else np.zeros(0, dtype=np.float32))

    def _step(self, window: np.ndarray, voiced: bool, added: list[np.ndarray]) -> ListenerEvent | None:
        config = self.config
        utterance = self._utterance
        if utterance is None:
            self._preroll.append(window)
            keep = max(1, round((config.preroll_s + config.min_speech_s) / WINDOW_S))
            del self._preroll[:-keep]
            self._onset_s = self._onset_s + WINDOW_S if voiced else 0.0
            needed = config.overlap_min_speech_s if self.interviewer_speaking else config.min_speech_s
            if self._onset_s < needed - 1e-9:
                return None
            self._utterance = utterance = _Utterance(
                pcm=list(self._preroll), voiced_s=self._onset_s, overlapping=self.interviewer_speaking
            )
            added.extend(self._preroll)
            at_s = (self.samples_seen - WINDOW * len(self._preroll)) / RECOGNITION_RATE
            self._preroll = []
            self._onset_s = 0.0
            self.partial = ""
            self.partial_covers_s = None
            self.finished, self._pause_scored, self._pause_noted = None, False, False
            return ListenerEvent("start", voiced_s=utterance.voiced_s, overlapping=utterance.overlapping, at_s=at_s)
        utterance.pcm.append(window)
        added.append(window)
        if voiced:
            utterance.voiced_s += WINDOW_S
            utterance.silence_s = 0.0
            self.finished, self._pause_scored, self._pause_noted = None, False, False
        else:
            utterance.silence_s += WINDOW_S
        if not utterance.barge_in_sent and utterance.voiced_s >= config.barge_in_s:
            utterance.barge_in_sent = True
            return ListenerEvent("barge_in", pcm=np.concatenate(utterance.pcm), voiced_s=utterance.voiced_s)
        decision, awaits_score = self._decision(utterance)
        answering = not (utterance.overlapping and not utterance.barge_in_sent)
        if (
            answering
            and utterance.silence_s >= config.assess_after_s - 1e-9
            and not self._pause_scored
            and (awaits_score or not self._pause_noted)
        ):
            self._pause_noted = True
            if not awaits_score:
                return ListenerEvent("pause", pause=self.pause)  # for the words alone (no score)
            self._pause_scored = True
            self.pause += 1
            # The model hears the utterance as it was when the pause began, however late it is asked
            # (the words may catch up late): more trailing silence makes anything sound finished.
            heard = utterance.pcm[
                : len(utterance.pcm) - round((utterance.silence_s - config.assess_after_s) / WINDOW_S)
            ]
            recent = np.concatenate(heard[-int(TURN_MODEL_WINDOW_S / WINDOW_S) :])
            if utterance.earlier is not None and len(recent) < TURN_MODEL_WINDOW_S * RECOGNITION_RATE:
                recent = np.concatenate([utterance.earlier, recent])[-int(TURN_MODEL_WINDOW_S * RECOGNITION_RATE) :]
            return ListenerEvent("pause", pcm=recent, pause=self.pause)
        return self._end_if_over(utterance, decision)

    def scored(self, pause: int, probability: float) -> ListenerEvent | None:
        """Blocking (waits for a feed in progress): the end-of-turn model's score for pause number
        `pause`. The "end" event if, with it, the silence heard so far already ends the answer: a
        score is not left waiting for the next audio chunk (nor for one that never comes)."""
        with self._busy:
            utterance = self._utterance
            if utterance is None or not self.pausing(pause):
                return None
            self.finished = probability
            return self._end_if_over(utterance, self._decision(utterance)[0])

    def reassess(self) -> ListenerEvent | None:
        """Blocking, like `scored`: the words (`partial`, `partial_covers_s`) changed during a pause;
        the "end" event if with them the silence heard so far ends the answer."""
        with self._busy:
            utterance = self._utterance
            if utterance is None or utterance.silence_s <= 0:
                return None
            return self._end_if_over(utterance, self._decision(utterance)[0])

    def _end_if_over(self, utterance: _Utterance, decision: Decision) -> ListenerEvent | None:
        if utterance.silence_s < decision.end_after_s - 1e-9:
            return None
        self._utterance = None
        pcm = np.concatenate(utterance.pcm)
        # Drop the trailing silence but keep a little, as a recorder would.
        keep_tail = int((utterance.silence_s - 0.3) * RECOGNITION_RATE)
        if keep_tail > 0:
            pcm = pcm[:-keep_tail]
        at_s = self.samples_seen / RECOGNITION_RATE - max(0, keep_tail) / RECOGNITION_RATE
        return ListenerEvent(
            "end",
            pcm=pcm,
            voiced_s=utterance.voiced_s,
            overlapping=utterance.overlapping,
            at_s=at_s,
            speak_after_s=max(0.0, decision.heard_after_s - utterance.silence_s),
        )

    def _decision(self, utterance: _Utterance) -> tuple[Decision, bool]:
        """After how much silence the utterance ends, as things stand; and whether the end-of-turn
        model's score for this pause could change that and is not in.

        A score costs ~80 ms of CPU (turn_model.py): it is not asked for where the decision is the
        same whatever it says (a short answer to an open question, words that say "wait"). Where it
        can change the decision, the pause waits for it as for an unfinished answer: words that catch
        up late in a long pause ("first..., second...") must not end it by silence alone before the
        sound has had its say."""
        config = self.config
        if utterance.overlapping and not utterance.barge_in_sent:
            # Not (yet) an interruption: let the interviewer go on soon.
            return Decision(config.release_s, config.release_s), False
        speech_end_s = len(utterance.pcm) * WINDOW_S - utterance.silence_s
        words_lag = self.partial_covers_s is not None and self.partial_covers_s < speech_end_s - 0.1
        if not self.scores_pauses or self.finished is not None:
            return self._decide(utterance, self.finished, words_lag), False
        # Whether the score matters is judged on the words as they will be, not as they lag behind the
        # pause ("...caught every" before "mismatch."): the score is then in when they catch up, not
        # asked for only then.
        hoped = "." if words_lag else self.partial
        if self._decide(utterance, 0.0, False, hoped) != self._decide(utterance, 1.0, False, hoped):
            return self._decide(utterance, 0.0, words_lag), True
        return self._decide(utterance, None, words_lag), False

    def _decide(
        self, utterance: _Utterance, finished: float | None, words_lag: bool, partial: str | None = None
    ) -> Decision:
        return decide(
            voiced_s=utterance.voiced_s,
            partial=self.partial if partial is None else partial,
            language=self.language,
            finished=finished,
            question=self.question,
            words_lag=words_lag,
            config=self.config,
        )

    def force_end(self) -> ListenerEvent:
        """End the current utterance now (the client said the answer is over)."""
        pcm = self.current_pcm()
        utterance, self._utterance = self._utterance, None
        return ListenerEvent(
            "end",
            pcm=pcm,
            voiced_s=utterance.voiced_s if utterance is not None else 0.0,
            overlapping=utterance is not None and utterance.overlapping,
            at_s=self.samples_seen / RECOGNITION_RATE,
        )

    @property
    def utterance_s(self) -> float:
        """How long the current utterance is so far (0 when there is none), without joining its audio."""
        if self._utterance is None:
            return 0.0
        return len(self._utterance.pcm) * WINDOW_S  # every part is one VAD window

    def current_pcm(self) -> np.ndarray:
        """The utterance heard so far (empty when none)."""
        if self._utterance is None or not self._utterance.pcm:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self._utterance.pcm)

    def continue_utterance(self, voiced_s: float, earlier: np.ndarray | None = None) -> None:
        """The current utterance goes on with an answer taken as ended too soon: its voice counts,
        so a reopened answer is no longer "short" because of what came after the pause, and the
        end-of-turn model scores its pauses with `earlier` (the audio before) in front, as it does
        any answer: "Sorry," alone sounds like a whole turn."""
        if self._utterance is not None:
            self._utterance.voiced_s += voiced_s
            self._utterance.earlier = earlier

    def drop_utterance(self) -> None:
        """Forget the current utterance (echo or a backchannel): it is neither an answer nor a turn."""
        self._utterance = None

    def close(self) -> None:
        """Blocking (waits for a feed in progress): stop decoding; feeding it again is an error."""
        with self._busy:
            self.microphone.close()


Fed = tuple[list[ListenerEvent], np.ndarray]  # a chunk's events, and the audio it added to the utterance


def feed_together(listeners: list[Listener], chunks: list[bytes]) -> list[Fed | Exception]:
    """Blocking: each listener fed its chunk (all listeners different), their VAD windows scored
    together (microphone.hear_together). What a listener's own feed raises (a stream that does not
    decode, a closed listener) is its result."""
    held: list[Listener] = []
    try:
        for listener in sorted(listeners, key=id):  # one order for every thread: no deadlock
            listener._busy.acquire()
            held.append(listener)
        heard = hear_together([listener.microphone for listener in listeners], list(chunks))
        return [
            result if isinstance(result, Exception) else listener._steps(*result)
            for listener, result in zip(listeners, heard, strict=True)
        ]
    finally:
        for listener in held:
            listener._busy.release()


def is_echo(mic: np.ndarray, reference: np.ndarray, *, threshold: float = 20.0, template_s: float = 1.0) -> bool:
    """True when the microphone is replaying the interviewer's own voice (speakers leaking into it).

    Generalised cross-correlation with partial phase transform (GCC-PHAT, beta 0.5) of the last
    `template_s` of the microphone against the interviewer's recent audio: a replayed voice, even
    through codecs, a room's reverberation and noise, gives one sharp peak at its delay (measured
    here at 30-57 times the correlation's spread), other speech, the same synthetic voice saying
    something else included, stays under 15. Under half a second of microphone audio is never
    called echo.
    """
    template = mic[-int(template_s * RECOGNITION_RATE) :]
    if len(template) < RECOGNITION_RATE // 2 or len(reference) < len(template) or not template.any():
        return False
    size = 1 << (len(template) + len(reference) - 1).bit_length()
    spectrum = np.fft.rfft(reference, size) * np.conj(np.fft.rfft(template, size))
    spectrum /= np.sqrt(np.abs(spectrum) + 1e-9)
    correlation = np.fft.irfft(spectrum, size)
    return bool(correlation.max() / (correlation.std() + 1e-12) >= threshold)
