"""Stored conversations with real audio, for the recruiter tools' tests (review, export, replay, retention)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone

from interviews.models import Interview, Turn
from interviews.testing.fakes.elevenlabs_server import mp3_frames

ANSWERS = [
    "I built a payments service in Go that handled 3000 requests per second. We used PostgreSQL and Kafka.",
    "The data model was event sourced. I designed the ledger tables and the outbox so retries were safe.",
]
REPLIES = [
    "Hello Jamie! Tell me about a backend system you built.",
    "Thanks. How did you design its data model?",
    "Great, thank you for your time today.",
]


@cache
def real_mp3(duration_ms: int = 400) -> bytes:
    return b"".join(mp3_frames(duration_ms))


@cache
def real_webm(duration_ms: int = 400) -> bytes:
    from interviews.testing.webm import make_test_webm

    rate = 16000
    t = np.arange(int(rate * duration_ms / 1000)) / rate
    return make_test_webm((0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)


def add_turn(
    interview: Interview,
    *,
    index: int,
    speaker: str,
    text: str,
    audio: bytes = b"",
    mime: str = "",
    **fields: object,
) -> Turn:
    started = (interview.started_at or timezone.now()) + timedelta(seconds=5 * index)
    turn = Turn(
        interview=interview,
        index=index,
        speaker=speaker,
        text=text,
        audio_mime=mime if audio else "",
        started_at=started,
        ended_at=started + timedelta(seconds=4),
        **fields,
    )
    if audio:
        extension = "mp3" if mime == "audio/mpeg" else "webm"
        turn.audio.save(f"{index:04d}-{speaker}.{extension}", ContentFile(audio), save=False)
    turn.save()
    return turn


def add_conversation(
    interview: Interview,
    *,
    answers: list[str] | None = None,
    audio: bool = True,
    candidate_audio: bytes | None = None,
) -> list[Turn]:
    """Greeting, then answer/reply pairs; interviewer turns carry timings, both sides carry real audio."""
    answers = ANSWERS if answers is None else answers
    if interview.started_at is None:
        interview.started_at = timezone.now() - timedelta(minutes=10)
        interview.save(update_fields=["started_at"])
    mp3 = real_mp3() if audio else b""
    webm = (candidate_audio if candidate_audio is not None else real_webm()) if audio else b""
    turns = [
        add_turn(
            interview, index=0, speaker="interviewer", text=REPLIES[0], audio=mp3, mime="audio/mpeg", is_greeting=True
        )
    ]
    for number, answer in enumerate(answers):
        turns.append(
            add_turn(interview, index=2 * number + 1, speaker="candidate", text=answer, audio=webm, mime="audio/webm")
        )
        base = 100.0 * (number + 1)
        turns.append(
            add_turn(
                interview,
                index=2 * number + 2,
                speaker="interviewer",
                text=REPLIES[min(number + 1, len(REPLIES) - 1)],
                audio=mp3,
                mime="audio/mpeg",
                transcript_ms=base,
                llm_first_token_ms=base + 200,
                first_clause_ms=base + 300,
                tts_first_byte_ms=base + 450,
                first_audio_sent_ms=base + 460,
                playback_started_ms=base + 520,
                provider_floor_ms=base + 440,
            )
        )
    return turns


def finished(interview: Interview, *, days_ago: float = 0) -> Interview:
    interview.status = Interview.Status.COMPLETED
    interview.end_reason = "plan_complete"
    interview.ended_at = timezone.now() - timedelta(days=days_ago)
    interview.consented_at = interview.consented_at or interview.ended_at - timedelta(minutes=15)
    interview.save()
    return interview
