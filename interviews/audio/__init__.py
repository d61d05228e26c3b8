"""Codec work, in-process with PyAV: browser WebM/Opus in, 16 kHz mono PCM for recognition, MP3 out.

Modules: pcm (whole recordings to PCM, resampling, WAV), streaming (a growing stream decoded as it
arrives, on FFmpeg's demuxer: IncrementalDecoder, and AudioMeter for an answer's length), webm_opus
(a browser's WebM/Opus stream cut and decoded in the caller's thread), mp3 (the interviewer's speech
out). The names below are the package's public face.
"""

from __future__ import annotations

from interviews.audio.mp3 import MP3_BITRATE_KBPS, Mp3Encoder, encode_mp3
from interviews.audio.pcm import (
    RECOGNITION_RATE,
    AudioDecodeError,
    cut_recording,
    decode_to_pcm,
    pcm_duration_s,
    pcm_to_wav,
    resample_pcm,
    wav_seconds,
)
from interviews.audio.streaming import AudioMeter, IncrementalDecoder
from interviews.audio.webm_opus import WebmOpusDecoder

__all__ = [
    "MP3_BITRATE_KBPS",
    "RECOGNITION_RATE",
    "AudioDecodeError",
    "AudioMeter",
    "IncrementalDecoder",
    "Mp3Encoder",
    "WebmOpusDecoder",
    "cut_recording",
    "decode_to_pcm",
    "encode_mp3",
    "pcm_duration_s",
    "pcm_to_wav",
    "resample_pcm",
    "wav_seconds",
]
