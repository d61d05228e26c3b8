"""Codec work: whole and incremental WebM/Opus decoding, MP3 encoding, test recordings."""

import ctypes
import io
import logging
import threading
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from interviews.audio import (
    RECOGNITION_RATE,
    AudioDecodeError,
    AudioMeter,
    IncrementalDecoder,
    Mp3Encoder,
    WebmOpusDecoder,
    decode_to_pcm,
    encode_mp3,
    opus,
    pcm_duration_s,
)
from interviews.audio.pcm import mono_resampler, resample_frame, resample_frames
from interviews.testing.webm import make_test_webm, webm_chunks

FIXTURES = Path(__file__).parent / "fixtures"


def tone(seconds: float, *, rate: int = 16000, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * hz * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 1.3 * t))).astype(np.float32)


def chunks_of(data: bytes, count: int) -> list[bytes]:
    """Arbitrary byte cuts, as MediaRecorder's timeslice blobs are (only the first has the header)."""
    step = len(data) // count + 1
    return [data[i : i + step] for i in range(0, len(data), step)]


def test_decode_wav_to_16k_mono():
    pcm = tone(1.0, rate=22050)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes((pcm * 32767).astype("<i2").tobytes())
    decoded = decode_to_pcm(buffer.getvalue())
    assert decoded.dtype == np.float32
    assert abs(pcm_duration_s(decoded) - 1.0) < 0.01
    assert 0.25 < float(np.abs(decoded).max()) < 0.35


def test_webm_round_trip_keeps_duration_and_signal():
    pcm = tone(2.0)
    webm = make_test_webm(pcm, 16000)
    assert webm[:4] == b"\x1a\x45\xdf\xa3"  # EBML magic
    decoded = decode_to_pcm(webm)
    assert abs(pcm_duration_s(decoded) - 2.0) < 0.03
    # Opus is lossy but a tone survives: correlate over the middle (no edge effects).
    middle = slice(4000, 28000)
    assert np.corrcoef(decoded[middle], pcm[middle])[0, 1] > 0.9


def test_decode_rejects_noise_and_accepts_empty():
    with pytest.raises(AudioDecodeError):
        decode_to_pcm(np.random.default_rng(1).bytes(4000))
    assert len(decode_to_pcm(b"")) == 0


@pytest.mark.parametrize("live", [True, False])
def test_incremental_decoder_matches_whole_decode(live):
    webm = make_test_webm(tone(3.0), 16000, live=live)
    whole = decode_to_pcm(webm)
    decoder = IncrementalDecoder()
    pieces = [decoder.feed(chunk) for chunk in chunks_of(webm, 12)]
    pieces.append(decoder.flush())
    incremental = np.concatenate(pieces)
    # Audio comes out while the stream grows, not only at the end.
    assert sum(len(piece) for piece in pieces[:6]) > 16000 * 0.8
    assert abs(len(incremental) - len(whole)) <= 16000 * 0.005
    n = min(len(incremental), len(whole))
    assert float(np.max(np.abs(incremental[:n] - whole[:n]))) < 1e-3
    assert decoder.samples_total == len(incremental)


def test_incremental_decoder_on_recorded_speech_in_tiny_chunks():
    webm = (FIXTURES / "answer_en.webm").read_bytes()
    whole = decode_to_pcm(webm)
    decoder = IncrementalDecoder()
    incremental = np.concatenate([*(decoder.feed(chunk) for chunk in chunks_of(webm, 200)), decoder.flush()])
    n = min(len(incremental), len(whole))
    assert abs(len(incremental) - len(whole)) <= 80
    assert float(np.max(np.abs(incremental[:n] - whole[:n]))) < 1e-3


def test_incremental_decoder_rejects_noise_and_closes():
    decoder = IncrementalDecoder()

    def feed_and_flush() -> np.ndarray:
        return np.concatenate([decoder.feed(np.random.default_rng(2).bytes(4000)), decoder.flush()])

    with pytest.raises(AudioDecodeError):
        feed_and_flush()
    abandoned = IncrementalDecoder()
    abandoned.feed((FIXTURES / "answer_en.webm").read_bytes()[:3000])
    abandoned.close()  # must not hang


@pytest.fixture(params=["libopus", "ffmpeg"])
def opus_decoding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Microphone streams are decoded by libopus at 16 kHz, or (without libopus) by FFmpeg at 48 kHz
    and resampled: both must give the recording's samples, in time."""
    assert opus.LIBOPUS is not None  # CI has it (scripts/system-deps.sh): the first case is real
    if request.param == "ffmpeg":
        monkeypatch.setattr(opus, "LIBOPUS", None)
    return str(request.param)


def test_webm_opus_decoder_matches_whole_decode_in_the_callers_thread(opus_decoding):
    webm = (FIXTURES / "answer_en.webm").read_bytes()
    whole = decode_to_pcm(webm)
    threads = threading.active_count()
    decoder = WebmOpusDecoder()
    pieces = [decoder.feed(chunk) for chunk in chunks_of(webm, 200)]
    assert threading.active_count() == threads  # no demuxer thread
    assert isinstance(decoder._codec, opus.OpusDecoder) == (opus_decoding == "libopus")
    decoded = np.concatenate([*pieces, decoder.flush()])
    # FFmpeg's demuxer also trims the encoder's padding after the last packet (under 15 ms).
    assert 0 <= len(decoded) - len(whole) <= 16000 * 0.015
    # The same samples at the same times: FFmpeg's resampler (the whole decode's) and libopus's own
    # filter differ by a few thousandths; a sample's shift either way would cost ~0.04 of correlation.
    tolerance = 1e-3 if opus_decoding == "ffmpeg" else 1e-2
    assert float(np.max(np.abs(decoded[: len(whole)] - whole))) < tolerance
    assert np.corrcoef(decoded[: len(whole)], whole)[0, 1] > 0.9999
    assert decoder.samples_total == len(decoded)


def test_webm_opus_decoder_skips_a_damaged_packet_and_goes_on(opus_decoding, caplog):
    pcm = tone(1.0)
    chunks = webm_chunks(pcm, chunk_s=0.05)
    plain = WebmOpusDecoder()
    expected = np.concatenate([plain.feed(chunk) for chunk in chunks])
    decoder = WebmOpusDecoder()
    first = decoder.feed(chunks[0])
    # A block whose Opus packet is malformed (a code-3 packet claiming 63 frames in 3 bytes).
    damaged = b"\xa3\x87\x81\x00\x00\x80" + b"\xff\xff\xff"
    with caplog.at_level(logging.DEBUG, logger="interviews.audio.webm_opus"):
        assert len(decoder.feed(damaged)) == 0
    assert "skipping undecodable packet" in caplog.text
    rest = np.concatenate([decoder.feed(chunk) for chunk in chunks[1:]])
    assert len(first) + len(rest) == len(expected)
    assert np.array_equal(np.concatenate([first, rest]), expected)


def test_an_opus_decoder_refuses_rates_libopus_does_not_have():
    with pytest.raises(ValueError, match="22050"):
        opus.OpusDecoder(rate=22050)
    decoder = WebmOpusDecoder(rate=22050)  # decoded by FFmpeg and resampled instead
    decoded = decoder.feed(b"".join(webm_chunks(tone(0.5), chunk_s=0.05)))
    assert not isinstance(decoder._codec, opus.OpusDecoder) and len(decoded) > 22050 * 0.3


def test_resampling_a_chunks_frames_together_gives_the_samples_of_one_call_per_frame():
    with av.open(str(FIXTURES / "answer_en.webm")) as container:
        frames = list(container.decode(audio=0))
    assert len(frames) > 100
    one_by_one, together = mono_resampler(RECOGNITION_RATE), mono_resampler(RECOGNITION_RATE)
    expected = [part for frame in frames for part in resample_frame(one_by_one, frame)]
    got = [part for start in range(0, len(frames), 3) for part in resample_frames(together, frames[start : start + 3])]
    expected += resample_frame(one_by_one, None)
    got += resample_frame(together, None)
    assert np.array_equal(np.concatenate(got), np.concatenate(expected))


def test_webm_opus_decoder_hands_over_each_timeslice_as_it_arrives():
    # FFmpeg's demuxer probes the first ~1.5 s before it decodes anything; cutting the packets out
    # of the stream here decodes every slice from the first one on.
    pcm = np.random.default_rng(4).normal(0, 0.1, RECOGNITION_RATE * 2).astype(np.float32)
    decoder, decoded = WebmOpusDecoder(), 0
    for index, chunk in enumerate(webm_chunks(pcm, chunk_s=0.05)[:-1]):
        decoded += len(decoder.feed(chunk))
        lag_s = (index + 1) * 0.05 - decoded / RECOGNITION_RATE
        assert 0.0 <= lag_s < 0.07, (index, lag_s)  # only the encoder's lookahead is missing


def test_webm_opus_decoder_skips_elements_it_does_not_need_across_chunks():
    chunks = webm_chunks(tone(1.0), chunk_s=0.05)
    void = b"\xec\x42\x00" + bytes(0x200)  # an EBML Void element of 512 bytes between two clusters
    stream = b"".join(chunks[:10]) + void + b"".join(chunks[10:])
    decoder = WebmOpusDecoder()
    with_void = np.concatenate([*(decoder.feed(piece) for piece in chunks_of(stream, 60)), decoder.flush()])
    plain = WebmOpusDecoder()
    without = np.concatenate([plain.feed(b"".join(chunks)), plain.flush()])
    assert len(with_void) == len(without) > 16000 * 0.9
    assert float(np.max(np.abs(with_void - without))) < 1e-6


def measured(chunks: list[bytes], *, framing: bool = True) -> float | None:
    meter = AudioMeter(framing=framing)
    for chunk in chunks:
        meter.push(chunk)
    return meter.finish()


def test_an_opus_packets_length_is_read_as_libopus_reads_it():
    assert opus.LIBOPUS is not None  # CI has it (scripts/system-deps.sh): the oracle is real
    count = opus.LIBOPUS.opus_packet_get_nb_samples
    count.restype, count.argtypes = ctypes.c_int, [ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]
    rng = np.random.default_rng(7)
    for size in [0, 1, 2, 3] * 5000:
        packet = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        expected = count(packet, len(packet), 48000)
        if expected < 0:
            with pytest.raises(AudioDecodeError):
                opus.packet_samples(packet)
        else:
            assert opus.packet_samples(packet) == expected, packet.hex()


@pytest.mark.parametrize("recording", ["answer_en.webm", "answer_ko.webm", "live timeslices"])
def test_an_answer_is_measured_from_its_packets_as_long_as_ffmpeg_decodes_it(recording, monkeypatch):
    if recording == "live timeslices":
        chunks = [chunk for chunk in webm_chunks(tone(3.0), chunk_s=0.25) if chunk]
    else:
        chunks = chunks_of((FIXTURES / recording).read_bytes(), 40)
    decoded = measured(chunks, framing=False)
    assert decoded is not None and decoded > 2.9

    def no_decoding(self: AudioMeter) -> None:
        raise AssertionError("decoded, not counted")

    monkeypatch.setattr(AudioMeter, "_decode", no_decoding)
    threads = threading.active_count()
    assert measured(chunks) == pytest.approx(decoded, abs=1e-9)  # the pre-skip and end padding dropped, as FFmpeg does
    assert threading.active_count() == threads  # its thread is done


def test_a_damaged_packet_is_left_out_of_the_length_as_ffmpeg_leaves_it_out():
    chunks = webm_chunks(tone(1.0), chunk_s=0.05)
    # A block whose Opus packet is malformed (a code-3 packet claiming 63 frames in 3 bytes).
    damaged = [chunks[0], b"\xa3\x87\x81\x00\x00\x80" + b"\xff\xff\xff", *chunks[1:]]
    counted = measured(damaged)
    assert counted == pytest.approx(measured(damaged, framing=False), abs=1e-9)
    assert counted == pytest.approx(measured(chunks), abs=1e-9)


def test_streams_the_packets_cannot_measure_are_decoded_by_ffmpeg():
    wav = io.BytesIO()
    with wave.open(wav, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((tone(1.5) * 32767).astype("<i2").tobytes())
    assert measured(chunks_of(wav.getvalue(), 7)) == pytest.approx(1.5, abs=0.01)  # not WebM
    # Framing broken on the way (an element header of nine bytes): FFmpeg's demuxer reads past it.
    chunks = webm_chunks(tone(2.0), chunk_s=0.05)
    broken = [*chunks[:10], b"\x00\x00\x00", *chunks[10:]]
    assert measured(broken) == pytest.approx(measured(broken, framing=False), abs=1e-9)
    assert measured([b"\x1aE\xdf\xa3"]) == measured([b"\x1aE\xdf\xa3"], framing=False)  # a header and no packet
    assert measured([b"not audio at all"]) is None


def test_mp3_encoder_streams_frames_that_join_into_one_stream():
    rate = 22050
    pcm = tone(1.5, rate=rate)
    encoder = Mp3Encoder(rate=rate)
    parts = [encoder.encode(pcm[i : i + 4000]) for i in range(0, len(pcm), 4000)]
    parts.append(encoder.flush())
    non_empty = [part for part in parts if part]
    assert len(non_empty) >= 3  # bytes flow before the end
    for part in non_empty:
        assert part[0] == 0xFF and part[1] & 0xE0 == 0xE0  # each piece starts on an MP3 frame
    mp3 = b"".join(parts)
    with av.open(io.BytesIO(mp3)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name in ("mp3", "mp3float")
        assert stream.codec_context.sample_rate == rate
    decoded = decode_to_pcm(mp3, rate=rate)
    # LAME adds its delay and padding (under 0.1 s) but nothing more.
    assert 1.5 <= pcm_duration_s(decoded, rate=rate) < 1.6
    assert len(encode_mp3(pcm, rate=rate)) == len(mp3)


def test_webm_chunks_hand_over_the_recording_by_time_like_a_media_recorder():
    # Uniform slices of time, not of bytes: silence is a few dozen bytes a slice, noise hundreds.
    rng = np.random.default_rng(3)
    pcm = np.concatenate(
        [np.zeros(RECOGNITION_RATE, dtype=np.float32), rng.normal(0, 0.1, RECOGNITION_RATE * 2).astype(np.float32)]
    )
    chunks = webm_chunks(pcm, chunk_s=0.05)
    assert abs(len(chunks) - 60) <= 1
    assert len(decode_to_pcm(b"".join(chunks))) == len(decode_to_pcm(make_test_webm(pcm)))  # one whole recording
    decoder = IncrementalDecoder(rate=RECOGNITION_RATE)
    decoded = 0
    for index, chunk in enumerate(chunks[:-1]):
        decoded += len(decoder.feed(chunk))
        if index >= 30:  # past the demuxer's start-up probe: each slice is decodable when it arrives
            lag_s = (index + 1) * 0.05 - decoded / RECOGNITION_RATE
            assert 0.0 <= lag_s < 0.07, (index, lag_s)  # only the encoder's lookahead is missing
    decoder.close()
