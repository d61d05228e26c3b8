"""The Opus packets of a browser's growing WebM stream, cut from its Matroska framing as its bytes
arrive: what decoding (webm_opus.WebmOpusDecoder) and measuring an answer (streaming.AudioMeter)
both read, without FFmpeg's demuxer."""

from __future__ import annotations

import logging

from interviews.audio.pcm import AudioDecodeError

logger = logging.getLogger(__name__)

EBML_MAGIC = b"\x1aE\xdf\xa3"  # how a WebM/Matroska stream begins
# Matroska element ids (with their length markers, as they appear in the stream).
_SEGMENT, _CLUSTER, _TRACKS, _TRACK_ENTRY = 0x18538067, 0x1F43B675, 0x1654AE6B, 0xAE
_BLOCK_GROUP, _SIMPLE_BLOCK, _BLOCK, _CODEC_ID, _CODEC_PRIVATE = 0xA0, 0xA3, 0xA1, 0x86, 0x63A2
_DISCARD_PADDING = 0x75A2
_WALK_INTO = {_SEGMENT, _CLUSTER, _TRACKS, _TRACK_ENTRY, _BLOCK_GROUP}  # masters whose children we read
_KEEP = {_SIMPLE_BLOCK, _BLOCK, _CODEC_ID, _CODEC_PRIVATE, _DISCARD_PADDING}  # leaves we read; all else is skipped


class NotPlainOpus(Exception):
    """The stream holds another codec, or laced blocks, before its first Opus packet: FFmpeg's
    demuxer has to read it (no browser writes either)."""


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


class WebmOpusPackets:
    """A live recording's framing is simple (a header, then clusters of one Opus packet per block):
    `feed` takes the next bytes and returns the Opus packets completed by them. The track's OpusHead
    (CodecPrivate) is in `opus_head` once the header has been read, and `discarded` counts the samples
    (at 48 kHz) that blocks' DiscardPadding marks as padding to drop (a file's last packet; a live
    recording has none)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skip = 0  # bytes of a skipped element still to come
        self._codec_id = b""
        self.opus_head = b""
        self.started = False  # an Opus packet has come out
        self.discarded = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        """The packets complete so far; NotPlainOpus before the first packet of a stream it cannot
        cut (a laced block after it is skipped); AudioDecodeError for a broken element header."""
        self._buffer += chunk
        data, at, packets = self._buffer, 0, []
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
                self.opus_head = body
            elif element_id == _DISCARD_PADDING:  # nanoseconds, a signed integer
                self.discarded += max(0, round(int.from_bytes(body, "big", signed=True) * 48000 / 1e9))
            elif (packet := _block_frame(body)) is not None and self._codec_id == b"A_OPUS":
                packets.append(packet)
                self.started = True
            elif not self.started:
                raise NotPlainOpus(f"codec {self._codec_id.decode(errors='replace') or 'unknown'}, or a laced block")
            else:
                logger.debug("skipping a laced block")
        del data[:at]
        return packets


def _block_frame(body: bytes) -> bytes | None:
    """A (Simple)Block's one frame, or None when it is laced (several frames in one block)."""
    track = _vint(body, 0, keep_marker=False)
    if track is None:
        return None
    flags_at = track[1] + 2  # after the track number and the 16-bit relative timecode
    if flags_at >= len(body) or body[flags_at] & 0x06:
        return None
    return body[flags_at + 1 :]
