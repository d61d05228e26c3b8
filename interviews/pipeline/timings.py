"""Per-turn timings and the provider floor (docs/DESIGN.md, "Turn pipeline and its latency").

Every mark is a Runtime.now() value; what is stored is milliseconds from the end of the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from interviews.events import TurnTimings


def ms_between(since: float, at: float | None) -> float | None:
    return None if at is None else round((at - since) * 1000, 1)


@dataclass
class ReplyMarks:
    """When each stage of one interviewer turn first happened."""

    reference: float  # the end of the candidate's answer (or the start of an unprompted turn)
    llm_requested_at: float | None = None
    first_token_at: float | None = None
    first_clause_at: float | None = None
    tts_requested_at: float | None = None
    tts_first_byte_at: float | None = None
    first_audio_sent_at: float | None = None
    playback_started_at: float | None = None  # the browser said it started playing

    @property
    def playback_started_ms(self) -> float | None:
        return ms_between(self.reference, self.playback_started_at)

    def stamp(self, timings: TurnTimings) -> TurnTimings:
        """`timings` (the transcript's, from the answer) completed with this turn's stages.

        The provider floor is the providers' own time on the critical path: the transcription call
        alone, the language model from its request to the clause that went to speech, and the
        voice from its request to its first byte. What the app adds on top is the overhead.
        """
        reference = self.reference
        timings.llm_first_token_ms = ms_between(reference, self.first_token_at)
        timings.first_clause_ms = ms_between(reference, self.first_clause_at)
        timings.tts_first_byte_ms = ms_between(reference, self.tts_first_byte_at)
        timings.first_audio_sent_ms = ms_between(reference, self.first_audio_sent_at)
        if self.llm_requested_at is not None and self.first_clause_at is not None and self.tts_requested_at:
            llm_ms = (self.first_clause_at - self.llm_requested_at) * 1000
            tts_ms = 0.0
            if self.tts_first_byte_at is not None:
                tts_ms = (self.tts_first_byte_at - self.tts_requested_at) * 1000
            timings.provider_floor_ms = round((timings.stt_ms or 0.0) + llm_ms + tts_ms, 1)
        return timings
