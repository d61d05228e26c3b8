"""Streams decoded as their bytes arrive: FFmpeg's demuxer on a growing input, for recognition
(IncrementalDecoder) and for measuring an answer's length (AudioMeter)."""

from __future__ import annotations

import logging
import threading

import av
import numpy as np

from interviews.audio.matroska import EBML_MAGIC, NotPlainOpus, WebmOpusPackets
from interviews.audio.opus import packet_samples, pre_skip
from interviews.audio.pcm import RECOGNITION_RATE, AudioDecodeError, concat_pcm, mono_resampler, resample_frame

logger = logging.getLogger(__name__)


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

    def unread(self, data: bytes) -> None:
        """Put bytes already read back in front, for the next reader (the one reader's thread only)."""
        with self.cond:
            self.pending[:0] = data

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
                resampler = mono_resampler(self.rate)
                for packet in container.demux(container.streams.audio[0]):
                    try:
                        frames = packet.decode()
                    except av.FFmpegError as exc:  # one damaged packet: skip it, keep the stream
                        logger.debug("skipping undecodable packet: %s", exc)
                        continue
                    for frame in frames:
                        pcm = resample_frame(resampler, frame)
                        with self._out_lock:
                            self._out.extend(pcm)
                tail = resample_frame(resampler, None)
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
        pcm = concat_pcm(parts)
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


class AudioMeter:
    """How long a growing recording is, in seconds of decoded audio, measured as its bytes arrive.

    Limits count audio, not arrival time: 400 s of Opus fit in one 700 KB frame. `push` never
    blocks: a thread of its own reads behind the arrivals, and `seconds` is what it has counted so
    far; `finish` waits for the rest. A browser's WebM/Opus is not decoded: each Opus packet says
    how long it is (opus.packet_samples), which takes ~1 % of the CPU of decoding it (BENCHMARKS.md
    #22); other streams (`framing=False`, or another container or codec) are decoded by FFmpeg, at
    their own rate, without resampling. Bytes that do not decode leave the length unknown (None); the
    transcriber then reports what is wrong.
    """

    def __init__(self, *, framing: bool = True) -> None:
        self._framing = framing
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
            if not (self._framing and self._count_opus_packets()):
                self._decode()
        except EOFError:
            pass  # aborted by close()
        except Exception:
            self._failed = True

    def _count_opus_packets(self) -> bool:
        """Count a WebM/Opus stream's samples from its packets' tables of contents. False, with every
        byte read put back, for a stream FFmpeg has to read: not WebM, another codec, no packet at
        all, or framing broken on the way (FFmpeg's demuxer finds the next cluster)."""
        framing, seen, samples = WebmOpusPackets(), bytearray(), 0
        while data := self._input.read():
            seen += data
            if not seen.startswith(EBML_MAGIC[: len(seen)]):
                break
            try:
                packets = framing.feed(data)
            except (NotPlainOpus, AudioDecodeError):
                break
            for packet in packets:
                try:
                    samples += packet_samples(packet)
                except AudioDecodeError:
                    continue  # one damaged packet: the rest still counts, as FFmpeg's decoder skips it
            # FFmpeg drops the encoder's delay (the pre-skip) from the first decoded samples, and
            # the padding a file's last packet is marked with.
            self._seconds = max(0, samples - pre_skip(framing.opus_head) - framing.discarded) / 48000
        else:
            if framing.started:
                return True
        self._input.unread(bytes(seen))
        return False

    def _decode(self) -> None:
        self._seconds = 0.0
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
