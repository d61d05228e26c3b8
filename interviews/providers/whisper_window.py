"""One Whisper pass on CTranslate2 in an encoder window fitted to the audio, not Whisper's 30 s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from interviews.audio import RECOGNITION_RATE

# Whisper's encoder was trained on 30 s windows, and faster-whisper pads every pass to one: ~0.3 s of
# tiny.en's 0.45 s pass (and ~1 s of base's 1.5 s) is spent encoding that padding. CTranslate2 runs
# the encoder on fewer frames, so audio up to FIT_MAX_S is encoded in a window that fits it: the
# audio, then at least FIT_TAIL_S of silence (Whisper hears a pause, as padding gave it), rounded up
# to FIT_STEP_S, and never under FIT_MIN_S (in 4-6 s windows, audio cut mid-word made Whisper loop on
# a phrase in 3-8 of 30 cases; from 8 s, in none). Longer audio, or a pass that still reads like a
# loop, takes faster-whisper's 30 s windows. bench/stt_window.py measures both.
FIT_MAX_S = 26.0
FIT_MIN_S = 10.0
FIT_TAIL_S = 1.0
FIT_STEP_S = 2.0
# More letters than this per second of audio (English is spoken at ~15, Japanese kana ~8) is faster than
# anyone speaks: the decoder is repeating itself.
LOOPING_LETTERS_PER_S = 25.0
MAX_TOKENS = 224  # per window, as Whisper's own decoding (half the decoder's context)
HOP = 160  # samples per feature frame
SILENT_TAIL_S = 0.1  # a segment starting in the last this much of the audio, or after it, is not heard


@dataclass(frozen=True, slots=True)
class Segment:
    end_s: float
    text: str


def fitted_segments(model: Any, pcm: np.ndarray, language: str) -> list[Segment]:
    """One greedy Whisper pass over `pcm` (<= FIT_MAX_S) with the encoder's window fitted to it: the
    decoding LocalSpeechToText asks of faster-whisper's transcribe() (greedy, timestamps,
    no_repeat_ngram_size=3, blank and non-speech tokens suppressed, the first timestamp within 1 s),
    on fewer frames."""
    import ctranslate2
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    step = int(FIT_STEP_S * RECOGNITION_RATE)
    window = max(int(FIT_MIN_S * RECOGNITION_RATE), -(-(len(pcm) + int(FIT_TAIL_S * RECOGNITION_RATE)) // step) * step)
    features = model.feature_extractor(pcm, padding=window - len(pcm))[:, : window // HOP]
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
    (result,) = model.model.generate(
        ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32)),
        [list(tokenizer.sot_sequence)],
        beam_size=1,
        max_length=MAX_TOKENS,
        no_repeat_ngram_size=3,
        suppress_blank=True,
        suppress_tokens=list(get_suppressed_tokens(tokenizer, (-1,)) or ()),
        max_initial_timestamp_index=50,
    )
    duration_s = len(pcm) / RECOGNITION_RATE
    segments: list[Segment] = []
    words: list[int] = []
    start_s = 0.0
    for token in result.sequences_ids[0]:
        if token < tokenizer.timestamp_begin:
            if token < tokenizer.eot:
                words.append(token)
            continue
        at_s = (token - tokenizer.timestamp_begin) * 0.02
        if not words:  # a timestamp before words opens a segment
            start_s = at_s
            continue
        # A segment that begins after the audio has ended is Whisper making up words in the silence
        # it was given (seen: a sentence repeated "at 28 s" of a 10 s window): not heard, dropped.
        if start_s < duration_s - SILENT_TAIL_S:
            segments.append(Segment(end_s=min(duration_s, at_s), text=tokenizer.decode(words)))
        words = []
    if words and start_s < duration_s - SILENT_TAIL_S:
        segments.append(Segment(end_s=duration_s, text=tokenizer.decode(words)))
    return segments


def looped(segments: list[Segment], seconds: float) -> bool:
    """More letters than anyone says in `seconds`: the decoder repeated itself."""
    letters = sum(len("".join(segment.text.split())) for segment in segments)
    return letters > 10 + LOOPING_LETTERS_PER_S * seconds
