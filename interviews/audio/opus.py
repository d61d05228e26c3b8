"""Opus packets decoded by libopus itself, straight to the rate recognition wants.

FFmpeg's Opus decoders (PyAV's `opus` and `libopus`) always give 48 kHz, which then has to be
resampled to 16 kHz. libopus decodes at 16 kHz directly (SILK runs at that rate, and CELT's
synthesis is decimated inside the decoder): a browser's microphone stream takes about half the CPU
of FFmpeg's decoding and resampling together (BENCHMARKS.md #22), for every hands-free session all
the time. The samples differ from FFmpeg's path only by the resampling filter (a correlation of
0.9999 on the speech fixture).

libopus is Debian's libopus0, which FFmpeg's libraries depend on (scripts/system-deps.sh installs
both). Where it cannot be loaded, `LIBOPUS` is None and the caller decodes with PyAV instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import struct

import numpy as np

from interviews.audio.pcm import AudioDecodeError

logger = logging.getLogger(__name__)

RATES = (8000, 12000, 16000, 24000, 48000)  # the rates libopus decodes to
MAX_FRAME_S = 0.12  # the longest Opus packet (120 ms)
OPUS_HEAD = b"OpusHead"


def _load() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("opus")
    try:
        library = ctypes.CDLL(name or "libopus.so.0")
    except OSError:
        logger.warning("libopus is not installed: microphone streams are decoded by FFmpeg and resampled")
        return None
    library.opus_decoder_create.restype = ctypes.c_void_p
    library.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    library.opus_decode_float.restype = ctypes.c_int
    library.opus_decode_float.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int32,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
    ]
    library.opus_decoder_destroy.restype = None
    library.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    library.opus_strerror.restype = ctypes.c_char_p
    library.opus_strerror.argtypes = [ctypes.c_int]
    return library


LIBOPUS = _load()


def pre_skip(opus_head: bytes) -> int:
    """The samples (at 48 kHz) the encoder's delay puts before the audio, from the stream's OpusHead
    (RFC 7845 section 5.1); 0 without one."""
    if len(opus_head) < 12 or not opus_head.startswith(OPUS_HEAD):
        return 0
    return int(struct.unpack_from("<H", opus_head, 10)[0])


# Samples (at 48 kHz) in one frame of each of the 32 configurations a packet's first byte names
# (RFC 6716 section 3.1): SILK 10/20/40/60 ms, hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
_FRAME_SAMPLES = (480, 960, 1920, 2880) * 3 + (480, 960) * 2 + (120, 240, 480, 960) * 4


def packet_samples(packet: bytes) -> int:
    """The samples (at 48 kHz) an Opus packet holds, read from its table of contents without
    decoding it (RFC 6716 section 3.1), as libopus's opus_packet_get_nb_samples reads them;
    AudioDecodeError for a packet that cannot be one."""
    if not packet:
        raise AudioDecodeError("an empty Opus packet")
    toc = packet[0]
    match toc & 0x03:
        case 0:
            frames = 1
        case 1 | 2:
            frames = 2
        case _ if len(packet) < 2:
            raise AudioDecodeError("an Opus packet without its frame count")
        case _:
            frames = packet[1] & 0x3F
    samples = frames * _FRAME_SAMPLES[toc >> 3]
    if samples > 48000 * MAX_FRAME_S:
        raise AudioDecodeError("an Opus packet longer than 120 ms")
    return samples


class OpusDecoder:
    """One Opus stream's packets to mono float32 PCM at `rate` (one of RATES), its pre-skip dropped
    as FFmpeg drops it. Stereo streams are mixed down by libopus."""

    def __init__(self, *, rate: int, opus_head: bytes = b"") -> None:
        self._state: int | None = None
        if LIBOPUS is None or rate not in RATES:
            raise ValueError(f"libopus cannot decode to {rate} Hz here")
        error = ctypes.c_int()
        self._state = LIBOPUS.opus_decoder_create(rate, 1, ctypes.byref(error))
        if error.value != 0 or not self._state:
            raise AudioDecodeError(f"libopus: {LIBOPUS.opus_strerror(error.value).decode()}")
        self._skip = round(pre_skip(opus_head) * rate / 48000)
        self._out = np.empty(round(rate * MAX_FRAME_S), dtype=np.float32)

    def decode(self, packet: bytes) -> np.ndarray:
        """One packet's samples (a copy); AudioDecodeError for a packet libopus refuses."""
        assert LIBOPUS is not None
        if not self._state:
            raise RuntimeError("the Opus decoder is closed")
        count = LIBOPUS.opus_decode_float(self._state, packet, len(packet), self._out.ctypes.data, len(self._out), 0)
        if count < 0:
            raise AudioDecodeError(f"libopus: {LIBOPUS.opus_strerror(count).decode()}")
        skipped = min(self._skip, count)
        self._skip -= skipped
        return self._out[skipped:count].copy()

    def close(self) -> None:
        if self._state and LIBOPUS is not None:
            LIBOPUS.opus_decoder_destroy(self._state)
        self._state = None

    def __del__(self) -> None:
        self.close()
