"""Where the browser's playback of the interviewer probably is, and what the candidate has heard.

The server sends MP3 faster than it plays; the page reports when a turn starts and ends playing,
and holds the playback while the candidate talks over it. From those and the audio sent, this
estimates until when the interviewer is audible (so speech then is talking over it) and, for a turn
cut off, which of its words were heard (stored as the turn's text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interviews.pipeline.reply import Speech

# Interviewer audio is MP3 at 64 kbit/s from every provider we configure (see providers).
MP3_BYTES_PER_S = 8000
# The page's buffering and the audio element's start, on top of the audio itself.
PLAYBACK_SLACK_S = 0.3


class PlaybackEstimate:
    def __init__(self) -> None:
        self.audible_until = 0.0  # clock value until which the client is probably still playing
        self.held_at: float | None = None  # the page holds the interviewer since (clock value)
        self.released_holds = 0  # holds in this interviewer turn that were not barge-ins

    def audible(self, now: float) -> bool:
        return now < self.audible_until

    def new_turn(self) -> None:
        self.released_holds = 0

    def end_estimate(self, speech: Speech, now: float) -> float:
        marks = speech.marks
        started = marks.playback_started_at or marks.first_audio_sent_at or now
        return started + speech.held_s + speech.audio_bytes / MP3_BYTES_PER_S + PLAYBACK_SLACK_S

    def sent(self, speech: Speech, now: float) -> None:
        """More of `speech` went to the client."""
        self.audible_until = max(self.audible_until, self.end_estimate(speech, now))

    def started(self, speech: Speech, now: float) -> None:
        """The page started playing `speech`: the estimate counts from there."""
        speech.marks.playback_started_at = now
        self.audible_until = self.end_estimate(speech, now)

    def finished(self) -> None:
        """The page has played everything it got."""
        self.audible_until = 0.0

    def hold(self, now: float) -> None:
        """The page paused the interviewer for the candidate's voice."""
        self.held_at = now

    def release(self, now: float, speeches: list[Speech]) -> None:
        """The page goes on playing: the interviewer's timeline moves by the time it was held."""
        if self.held_at is None:
            return
        held_s, self.held_at = now - self.held_at, None
        self.released_holds += 1
        for speech in {id(s): s for s in speeches}.values():
            speech.held_s += held_s
        if self.audible_until:
            self.audible_until += held_s

    def heard_text(self, speech: Speech, now: float) -> str:
        """The part of a cut-off turn the candidate actually heard (by audio duration per clause)."""
        started = speech.marks.playback_started_at or speech.marks.first_audio_sent_at
        if started is None:
            return ""
        # While the page held the playback, nothing more was heard.
        stopped = self.held_at if self.held_at is not None else now
        played_bytes = (stopped - started - speech.held_s) * MP3_BYTES_PER_S
        heard: list[str] = []
        for clause, size in speech.clause_audio:
            if played_bytes <= 0:
                break
            if played_bytes >= size:
                heard.append(clause)
            else:
                words = clause.split()
                heard.append(" ".join(words[: max(1, round(len(words) * played_bytes / size))]) + "…")
            played_bytes -= size
        return " ".join(heard)
