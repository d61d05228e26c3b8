"""Parsing of client frames: every kind of bad input is a ProtocolError with a code, never a crash."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interviews.protocol import (
    BINARY_AUDIO_HEADER_BYTES,
    AiAudioChunk,
    AudioChunk,
    AudioEnd,
    EndInterview,
    ErrorCode,
    Interrupt,
    Playback,
    ProtocolError,
    parse_binary_frame,
    parse_text_frame,
)

LIMIT = 10_000


def parse(frame: object) -> object:
    return parse_text_frame(json.dumps(frame), max_bytes=LIMIT)


def test_valid_frames():
    assert parse({"type": "audio_chunk", "data": base64.b64encode(b"abc").decode()}) == AudioChunk(b"abc")
    assert parse({"type": "audio_end"}) == AudioEnd()
    assert parse({"type": "end_interview"}) == EndInterview()
    assert parse({"type": "interrupt"}) == Interrupt()
    assert parse({"type": "playback", "turn": 3, "event": "started"}) == Playback(turn=3, event="started")
    assert parse_binary_frame(b"\x1a\x45", max_bytes=LIMIT) == AudioChunk(b"\x1a\x45")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{", ErrorCode.MALFORMED),
        ('"audio_end"', ErrorCode.MALFORMED),
        ("{}", ErrorCode.MISSING_FIELD),
        ('{"type": 5}', ErrorCode.MISSING_FIELD),
        ('{"type": "sing"}', ErrorCode.UNKNOWN_TYPE),
        ('{"type": "audio_chunk", "data": 5}', ErrorCode.MISSING_FIELD),
        ('{"type": "audio_chunk", "data": "%%%"}', ErrorCode.BAD_AUDIO),
        ('{"type": "playback", "turn": -1, "event": "started"}', ErrorCode.MISSING_FIELD),
        ('{"type": "playback", "turn": true, "event": "started"}', ErrorCode.MISSING_FIELD),
        ('{"type": "playback", "turn": 1, "event": "paused"}', ErrorCode.MISSING_FIELD),
        ("[" * 100_000 + "]" * 100_000, ErrorCode.TOO_LARGE),
    ],
)
def test_bad_frames_have_codes_and_words(text, code):
    with pytest.raises(ProtocolError) as caught:
        parse_text_frame(text, max_bytes=LIMIT)
    assert caught.value.code == code
    assert caught.value.message


def test_deeply_nested_json_within_the_limit_is_malformed_not_a_crash():
    with pytest.raises(ProtocolError) as caught:
        parse_text_frame("[" * 5000 + "]" * 5000, max_bytes=LIMIT * 10)
    assert caught.value.code == ErrorCode.MALFORMED


def test_binary_frames_are_bounded_and_not_empty():
    with pytest.raises(ProtocolError, match="too large"):
        parse_binary_frame(b"x" * (LIMIT + 1), max_bytes=LIMIT)
    with pytest.raises(ProtocolError, match="Empty"):
        parse_binary_frame(b"", max_bytes=LIMIT)


@given(audio=st.binary(max_size=600), turn=st.integers(0, 2**32 - 1), seq=st.integers(0, 2**32 - 1))
def test_the_interviewers_audio_reads_back_from_its_binary_frame(audio, turn, seq):
    chunk = AiAudioChunk(audio=audio, turn=turn, seq=seq)
    frame = chunk.binary()
    assert len(frame) == BINARY_AUDIO_HEADER_BYTES + len(audio)
    assert AiAudioChunk.from_binary(frame) == chunk


def test_a_binary_audio_frame_is_laid_out_as_the_page_reads_it():
    """static/interviews/client.js reads byte 0 as the kind, then turn and seq big-endian."""
    frame = AiAudioChunk(audio=b"ID3mp3", turn=0x01020304, seq=258).binary()
    assert frame == bytes([1, 1, 2, 3, 4, 0, 0, 1, 2]) + b"ID3mp3"
    with pytest.raises(ValueError, match="header"):
        AiAudioChunk.from_binary(frame[:8])
    with pytest.raises(ValueError, match="kind 2"):
        AiAudioChunk.from_binary(b"\x02" + frame[1:])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def outcome(text: str) -> object:
    """The parsed message, or the error code: anything else (a crash) fails the test."""
    try:
        return parse_text_frame(text, max_bytes=LIMIT)
    except ProtocolError as exc:
        return exc.code


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_protocol_error(text):
    assert outcome(text) is not None


@given(
    st.dictionaries(st.sampled_from(["type", "data", "turn", "event", "x"]), json_values, max_size=4)
    | st.fixed_dictionaries(
        {"type": st.sampled_from(["audio_chunk", "audio_end", "playback", "interrupt", "end_interview"])},
        optional={"data": json_values, "turn": json_values, "event": json_values},
    )
)
def test_any_json_object_parses_or_raises_protocol_error(frame):
    result = outcome(json.dumps(frame))
    assert isinstance(result, (ErrorCode, AudioChunk, AudioEnd, EndInterview, Interrupt, Playback))
