"""Codec work, in-process with PyAV: browser WebM/Opus in, 16 kHz mono PCM for recognition, MP3 out."""

from __future__ import annotations

import io
import logging
import threading
import wave
from fractions import Fraction

import av
import numpy as np

logger = logging.getLogger(__name__)

# What speech recognition wants: 16 kHz mono float32 in [-1, 1].
RECOGNITION_RATE = 16000
MP3_BITRATE_KBPS = 64
# libmp3lame's native frame; anything else gets buffered until a whole frame exists.
_MP3_FRAME_SAMPLES = 1152


class AudioDecodeError(ValueError):
    """The bytes are not audio that FFmpeg can decode (wrong format, truncated header, noise)."""


def pcm_duration_s(pcm: np.ndarray, *, rate: int = RECOGNITION_RATE) -> float:
    return len(pcm) / float(rate)


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.float32)


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return _empty()
    return np.concatenate(parts).astype(np.float32, copy=False)


def _resampler(rate: int) -> av.AudioResampler:
    return av.AudioResampler(format="flt", layout="mono", rate=rate)


def _resample(resampler: av.AudioResampler, frame: av.AudioFrame | None) -> list[np.ndarray]:
    # Packed float mono: to_ndarray() has shape (1, samples).
    return [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]


def decode_to_pcm(data: bytes, *, rate: int = RECOGNITION_RATE) -> np.ndarray:
    """A whole recording (WebM/Opus as MediaRecorder makes it, or WAV/MP3/OGG...) -> mono float32 PCM."""
    if not data:
        return _empty()
    parts: list[np.ndarray] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioDecodeError("the recording has no audio stream")
            resampler = _resampler(rate)
            try:
                for frame in container.decode(container.streams.audio[0]):
                    parts.extend(_resample(resampler, frame))
            except av.FFmpegError as exc:
                # A recording cut short mid-packet still has a usable beginning.
                if not parts:
                    raise
                logger.debug("audio decode stopped early: %s", exc)
            parts.extend(_resample(resampler, None))
    except av.FFmpegError as exc:
        raise AudioDecodeError(f"cannot decode audio ({len(data)} bytes): {exc}") from exc
    return _concat(parts)


class _GrowingInput:
    """A file-like object that FFmpeg's demuxer reads from while the bytes are still arriving.

    `read` blocks while there is nothing new, so the demuxer never sees a false end of file; it only
    sees EOF once `close_input` says the stream has ended. It has no seek/tell, so PyAV treats it as
    a live, non-seekable stream, the way FFmpeg reads a pipe.
    """

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.pending = bytearray()
        self.ended = False
        self.aborted = False
        self.starved = False  # the reader is waiting for bytes: everything fed so far is consumed

    def append(self, data: bytes) -> None:
        with self.cond:
            self.pending += data
            self.starved = False
            self.cond.notify_all()

    def close_input(self, *, abort: bool = False) -> None:
        with self.cond:
            self.ended = True
            self.aborted = self.aborted or abort
            self.cond.notify_all()

    def read(self, size: int = -1) -> bytes:
        with self.cond:
            while not self.pending and not self.ended:
                self.starved = True
                self.cond.notify_all()
                self.cond.wait()
            if self.aborted:
                return b""  # a plain end of file: raising here only makes PyAV print the exception
            self.starved = False
            count = len(self.pending) if size < 0 else min(size, len(self.pending))
            data = bytes(self.pending[:count])
            del self.pending[:count]
            return data


class IncrementalDecoder:
    """Decodes a growing MediaRecorder stream (header only in the first chunk) chunk by chunk.

    One demuxer, one decoder and one resampler live for the whole stream, each packet is decoded
    once, and the samples come out exactly as `decode_to_pcm` of the whole recording would give
    them (re-decoding a growing buffer does not: Opus decoder state and resampler phase differ).

    FFmpeg's demuxer wants to pull bytes, while we get them pushed, so it runs in its own thread
    reading from a blocking buffer; `feed` hands over a chunk and returns once the demuxer is
    waiting for more, i.e. every complete packet in the chunk is decoded. `feed` and `flush`
    block for about a millisecond of decoding: call them from a worker thread in async code.
    """

    def __init__(self, *, rate: int = RECOGNITION_RATE) -> None:
        self.rate = rate
        self._input = _GrowingInput()
        self._out_lock = threading.Lock()
        self._out: list[np.ndarray] = []
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._samples_total = 0
        self._flushed = False

    @property
    def samples_total(self) -> int:
        """Samples returned so far by feed/flush."""
        return self._samples_total

    def _run(self) -> None:
        try:
            # Formats are probed from the first bytes, so WebM, Ogg or fragmented MP4 all work.
            with av.open(self._input, mode="r", buffer_size=4096) as container:
                if not container.streams.audio:
                    raise AudioDecodeError("the stream has no audio track")
                resampler = _resampler(self.rate)
                for packet in container.demux(container.streams.audio[0]):
                    try:
                        frames = packet.decode()
                    except av.FFmpegError as exc:  # one damaged packet: skip it, keep the stream
                        logger.debug("skipping undecodable packet: %s", exc)
                        continue
                    for frame in frames:
                        pcm = _resample(resampler, frame)
                        with self._out_lock:
                            self._out.extend(pcm)
                tail = _resample(resampler, None)
                with self._out_lock:
                    self._out.extend(tail)
        except EOFError:
            pass  # aborted by close()
        except BaseException as exc:  # handed to the caller by feed/flush
            self._error = exc
        finally:
            self._done.set()
            with self._input.cond:
                self._input.cond.notify_all()

    def _take(self) -> np.ndarray:
        with self._out_lock:
            parts, self._out = self._out, []
        pcm = _concat(parts)
        self._samples_total += len(pcm)
        return pcm

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            error = self._error
            if isinstance(error, AudioDecodeError):
                raise error
            raise AudioDecodeError(f"cannot decode audio stream: {error}") from error

    def feed(self, chunk: bytes) -> np.ndarray:
        """The next bytes of the stream -> the new samples they complete (may be empty)."""
        if self._flushed:
            raise RuntimeError("feed() after flush()")
        if chunk:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audio-decoder", daemon=True)
                self._thread.start()
            self._input.append(chunk)
            with self._input.cond:
                self._input.cond.wait_for(lambda: self._input.starved or self._done.is_set())
        self._raise_if_failed()
        return self._take()

    def flush(self) -> np.ndarray:
        """The stream ended: the remaining samples (decoder and resampler tails)."""
        self._flushed = True
        self._input.close_input()
        if self._thread is not None:
            self._thread.join()
        self._raise_if_failed()
        return self._take()

    def close(self) -> None:
        """Abandon the stream and stop the demuxer thread."""
        self._flushed = True
        self._input.close_input(abort=True)
        if self._thread is not None:
            self._thread.join(timeout=5)


# Matroska element ids (with their length markers, as they appear in the stream).
_SEGMENT, _CLUSTER, _TRACKS, _TRACK_ENTRY = 0x18538067, 0x1F43B675, 0x1654AE6B, 0xAE
_BLOCK_GROUP, _SIMPLE_BLOCK, _BLOCK, _CODEC_ID, _CODEC_PRIVATE = 0xA0, 0xA3, 0xA1, 0x86, 0x63A2
_WALK_INTO = {_SEGMENT, _CLUSTER, _TRACKS, _TRACK_ENTRY, _BLOCK_GROUP}  # masters whose children we read
_KEEP = {_SIMPLE_BLOCK, _BLOCK, _CODEC_ID, _CODEC_PRIVATE}  # leaves we read; all else is skipped


def _vint(data: bytearray | bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `at`: (value, length), or None if it is not all there yet."""
    if at >= len(data):
        return None
    first = data[at]
    length = 9 - first.bit_length() if first else 9
    if length > 8:
        raise AudioDecodeError("not a WebM stream (bad element header)")
    if at + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        value = -1  # unknown size (a live recording's Segment and Clusters)
    return value, length


class WebmOpusDecoder:
    """A growing MediaRecorder WebM/Opus stream decoded chunk by chunk in the caller's thread.

    Same results as IncrementalDecoder, without its demuxer thread: the Matroska framing of a live
    recording is simple (a header, then clusters of one Opus packet per block), so its blocks are
    cut out here and handed to FFmpeg's Opus decoder directly. That spares every chunk two thread
    hand-offs, and the start-up probe that holds back the first second and a half. Any other codec
    in WebM, or laced blocks (no browser writes them) at the start, go to IncrementalDecoder with the
    bytes so far.
    """

    def __init__(self, *, rate: int = RECOGNITION_RATE) -> None:
        self.rate = rate
        self._buffer = bytearray()
        self._skip = 0  # bytes of a skipped element still to come
        self._seen = bytearray()  # the stream until its first block, for a fallback
        self._codec_id = b""
        self._codec_private = b""
        self._codec: av.AudioCodecContext | None = None
        self._resampler = _resampler(rate)
        self._fallback: IncrementalDecoder | None = None
        self._samples_total = 0

    @property
    def samples_total(self) -> int:
        return self._fallback.samples_total if self._fallback is not None else self._samples_total

    def feed(self, chunk: bytes) -> np.ndarray:
        if self._fallback is not None:
            return self._fallback.feed(chunk)
        if self._codec is None:
            self._seen += chunk
        self._buffer += chunk
        parts: list[np.ndarray] = []
        for frame in self._frames():
            if self._fallback is not None:
                return self._fallback.feed(b"")
            try:
                decoded = self._opus().decode(av.Packet(frame))
            except av.FFmpegError as exc:  # one damaged packet: skip it, keep the stream
                logger.debug("skipping undecodable packet: %s", exc)
                continue
            for out in decoded:
                parts.extend(_resample(self._resampler, out))
        pcm = _concat(parts)
        self._samples_total += len(pcm)
        return pcm

    def flush(self) -> np.ndarray:
        if self._fallback is not None:
            return self._fallback.flush()
        parts = _resample(self._resampler, None) if self._codec is not None else []
        pcm = _concat(parts)
        self._samples_total += len(pcm)
        return pcm

    def close(self) -> None:
        if self._fallback is not None:
            self._fallback.close()

    def _opus(self) -> av.AudioCodecContext:
        if self._codec is None:
            codec = av.CodecContext.create("opus", "r")
            codec.extradata = self._codec_private or None  # OpusHead: channels, pre-skip
            self._codec, self._seen = codec, bytearray()
        return self._codec

    def _fall_back(self) -> None:
        self._fallback = IncrementalDecoder(rate=self.rate)
        self._fallback.feed(bytes(self._seen))
        self._buffer = self._seen = bytearray()

    def _frames(self) -> list[bytes]:
        """The Opus packets complete in the buffer; consumes what it has read."""
        data, at, frames = self._buffer, 0, []
        if self._skip:
            at = min(self._skip, len(data))
            self._skip -= at
        while at < len(data):
            element = _vint(data, at, keep_marker=True)
            if element is None or (size := _vint(data, at + element[1], keep_marker=False)) is None:
                break
            (element_id, id_length), (length, size_length) = element, size
            start = at + id_length + size_length
            if element_id in _WALK_INTO:
                at = start
                continue
            if length < 0:
                raise AudioDecodeError("not a WebM stream (unknown size of a leaf element)")
            if element_id not in _KEEP:
                at = start + length
                if at > len(data):
                    self._skip = at - len(data)
                    at = len(data)
                continue
            if start + length > len(data):
                break  # wait for the rest of it
            body = bytes(data[start : start + length])
            at = start + length
            if element_id == _CODEC_ID:
                self._codec_id = body
            elif element_id == _CODEC_PRIVATE:
                self._codec_private = body
            elif (block := _block_frame(body)) is not None and self._codec_id == b"A_OPUS":
                frames.append(block)
            elif self._codec is None:  # not Opus, or laced: FFmpeg's demuxer takes the stream over
                self._fall_back()
                return [b""]
            else:
                logger.debug("skipping a laced block")
        del data[:at]
        return frames


def _block_frame(body: bytes) -> bytes | None:
    """A (Simple)Block's one frame, or None when it is laced (several frames in one block)."""
    track = _vint(body, 0, keep_marker=False)
    if track is None:
        return None
    flags_at = track[1] + 2  # after the track number and the 16-bit relative timecode
    if flags_at >= len(body) or body[flags_at] & 0x06:
        return None
    return body[flags_at + 1 :]


class Mp3Encoder:
    """Mono PCM -> MP3 frames, one encoder for a whole reply so sentences join without gaps.

    The output is a bare MP3 elementary stream (no ID3/Xing header): any run of whole frames plays,
    and the frames of successive `encode` calls concatenate into one continuous stream.
    """

    def __init__(self, *, rate: int, bitrate_kbps: int = MP3_BITRATE_KBPS) -> None:
        self.rate = rate
        self._codec = av.CodecContext.create("libmp3lame", "w")
        self._codec.sample_rate = rate
        self._codec.layout = "mono"
        self._codec.format = "fltp"
        self._codec.bit_rate = bitrate_kbps * 1000
        self._codec.time_base = Fraction(1, rate)
        self._codec.open()
        self._fifo = av.AudioFifo()
        self._pts = 0
        self._flushed = False

    def _frame(self, pcm: np.ndarray) -> av.AudioFrame:
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(pcm, dtype=np.float32).reshape(1, -1), format="fltp", layout="mono"
        )
        frame.sample_rate = self.rate
        frame.time_base = Fraction(1, self.rate)
        frame.pts = self._pts
        self._pts += frame.samples
        return frame

    def _encode_fifo(self, *, final: bool) -> bytes:
        out = bytearray()
        frame_samples = self._codec.frame_size or _MP3_FRAME_SAMPLES
        while self._fifo.samples >= frame_samples or (final and self._fifo.samples):
            frame = self._fifo.read(min(frame_samples, self._fifo.samples))
            for packet in self._codec.encode(frame):
                out += bytes(packet)
        return bytes(out)

    def encode(self, pcm: np.ndarray) -> bytes:
        """More samples (float32, this encoder's rate) -> the MP3 frames completed so far (may be b"")."""
        if self._flushed:
            raise RuntimeError("encode() after flush()")
        if len(pcm) == 0:
            return b""
        self._fifo.write(self._frame(np.clip(pcm, -1.0, 1.0)))
        return self._encode_fifo(final=False)

    def flush(self) -> bytes:
        """The last frames, including the encoder's look-ahead."""
        if self._flushed:
            return b""
        self._flushed = True
        out = bytearray(self._encode_fifo(final=True))
        for packet in self._codec.encode(None):
            out += bytes(packet)
        return bytes(out)


def encode_mp3(pcm: np.ndarray, *, rate: int, bitrate_kbps: int = MP3_BITRATE_KBPS) -> bytes:
    encoder = Mp3Encoder(rate=rate, bitrate_kbps=bitrate_kbps)
    return encoder.encode(pcm) + encoder.flush()


def resample_pcm(pcm: np.ndarray, *, rate: int, to_rate: int) -> np.ndarray:
    """Mono float32 PCM from one sample rate to another (FFmpeg's resampler)."""
    if rate == to_rate or len(pcm) == 0:
        return np.asarray(pcm, dtype=np.float32)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(pcm, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = rate
    resampler = _resampler(to_rate)
    return _concat(_resample(resampler, frame) + _resample(resampler, None))


class AudioMeter:
    """How long a growing recording is, in seconds of decoded audio, measured as its bytes arrive.

    Limits count audio, not arrival time: 400 s of Opus fit in one 700 KB frame. `push` never
    blocks: a thread of its own decodes behind the arrivals (at the stream's own rate, without
    resampling), and `seconds` is what it has decoded so far; `finish` waits for the rest. Bytes
    that do not decode leave the length unknown (None); the transcriber then reports what is wrong.
    """

    def __init__(self) -> None:
        self._input = _GrowingInput()
        self._thread: threading.Thread | None = None
        self._seconds = 0.0
        self._failed = False

    @property
    def seconds(self) -> float | None:
        return None if self._failed else self._seconds

    def push(self, chunk: bytes) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="audio-meter", daemon=True)
            self._thread.start()
        self._input.append(chunk)

    def finish(self) -> float | None:
        """Blocking: the stream ended; its whole length (call it from a worker thread)."""
        self._input.close_input()
        if self._thread is not None:
            self._thread.join()
        return self.seconds

    def close(self) -> None:
        """Blocking: abandon the measurement and stop its thread."""
        self._input.close_input(abort=True)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            with av.open(self._input, mode="r", buffer_size=4096) as container:
                if not container.streams.audio:
                    raise AudioDecodeError("the stream has no audio track")
                for packet in container.demux(container.streams.audio[0]):
                    try:
                        frames = packet.decode()
                    except av.FFmpegError:
                        continue  # one damaged packet: the rest still counts
                    for frame in frames:
                        self._seconds += frame.samples / frame.sample_rate
        except EOFError:
            pass  # aborted by close()
        except Exception:
            self._failed = True


def pcm_to_wav(pcm: np.ndarray, *, rate: int = RECOGNITION_RATE) -> bytes:
    """16-bit mono WAV: what an utterance cut from a stream is stored and transcribed as."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(pcm, -1.0, 1.0) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def wav_seconds(size_bytes: int, *, rate: int = RECOGNITION_RATE) -> float:
    """The length of a pcm_to_wav recording of `size_bytes` (44-byte header, 2 bytes a sample)."""
    return max(0, size_bytes - 44) / (2 * rate)


def cut_recording(data: bytes, *, seconds: float, rate: int = RECOGNITION_RATE) -> bytes:
    """The first `seconds` of a recording, as WAV (what an answer cut at a limit keeps)."""
    return pcm_to_wav(decode_to_pcm(data, rate=rate)[: int(seconds * rate)], rate=rate)
