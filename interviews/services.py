"""Writes of interviews and turns: an interview made, its live session's lease, its end, its turns
as they finish, and the pipeline's Store over them. An invite link's later life (extended, revoked,
replaced) is in recruiting/links.py, the retention purge in compliance/retention.py."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from interviews import selectors
from interviews.events import SessionClaim, SessionSnapshot, SessionSuperseded, TurnRecord
from interviews.exceptions import InterviewError
from interviews.models import Interview, InterviewTemplate, Turn
from interviews.selectors import LinkState

# A live session marks the interview as seen at least this often (the conversation's heartbeat):
# a claim finding the live session silent for longer does not wait for it to hand over.
LIVE_SESSION_SILENCE = timedelta(seconds=75)

# Message ids: the consumer sends them in the interview's language (i18n.translate).
LINK_REFUSALS = {
    LinkState.UNKNOWN: ("not_found", gettext_noop("This interview link is not valid.")),
    LinkState.ENDED: ("finished", gettext_noop("This interview has already ended.")),
    LinkState.EXPIRED: ("expired", gettext_noop("This interview link has expired.")),
    LinkState.NEEDS_CONSENT: (
        "consent_required",
        gettext_noop("Please agree to the recording on the invite page before the interview starts."),
    ),
}

logger = logging.getLogger(__name__)

AUDIO_EXTENSIONS = {"audio/webm": "webm", "audio/mpeg": "mp3", "audio/wav": "wav", "audio/ogg": "ogg"}


def template_bump_version(*, template: InterviewTemplate) -> InterviewTemplate:
    """Give an edited template its next version: evaluations store the rubric version they scored
    against, and interviews the version they were created from, so an edit must not reuse one."""
    # F(): two recruiters saving at once get two versions, not one lost increment.
    InterviewTemplate.objects.filter(pk=template.pk).update(version=F("version") + 1)
    template.refresh_from_db(fields=["version"])
    return template


def interview_create(
    *,
    template: InterviewTemplate,
    candidate_name: str,
    candidate_email: str = "",
    expires_in: timedelta | None = None,
    is_test: bool = False,
    retake_of: Interview | None = None,
) -> Interview:
    candidate_name = candidate_name.strip()
    if not candidate_name:
        raise InterviewError("The candidate's name must not be empty.")
    if len(candidate_name) > 200:
        raise InterviewError("The candidate's name is longer than 200 characters.")
    if expires_in is None:
        expires_in = timedelta(days=settings.INTERVIEW["DEFAULT_EXPIRY_DAYS"])
    check_expires_in(expires_in)
    interview = Interview(
        template=template,
        template_version=template.version,
        candidate_name=candidate_name,
        candidate_email=candidate_email.strip(),
        expires_at=timezone.now() + expires_in,
        is_test=is_test,
        retake_of=retake_of,
    )
    interview.full_clean()
    interview.save()
    return interview


# A link is for one hiring round: a year is already generous, and a typo of 3650 days is caught.
MAX_EXPIRY = timedelta(days=365)


def check_expires_in(expires_in: timedelta) -> None:
    if expires_in <= timedelta(0):
        raise InterviewError("The link's expiry must be in the future.")
    if expires_in > MAX_EXPIRY:
        raise InterviewError(f"A link can be valid for at most {MAX_EXPIRY.days} days.")


def interview_consent(*, interview: Interview) -> Interview:
    if interview.consented_at is None:
        interview.consented_at = timezone.now()
        interview.save(update_fields=["consented_at"])
    return interview


def _check_link(interview: Interview | None) -> None:
    state = selectors.interview_link_state(interview=interview)
    if state != LinkState.OPEN:
        code, message = LINK_REFUSALS[state]
        raise InterviewError(message, code=code)


def interview_claim_session(*, interview_id: int, channel: str) -> SessionClaim:
    """A new connection lines up to hold the interview: it gets the next epoch, and learns which
    live session (if any) must hand over before it may read the interview (interview_start).

    Only the newest claimant can ever start, so any number of simultaneous connections leave one.
    """
    with transaction.atomic():
        interview = Interview.objects.select_for_update().filter(pk=interview_id).first()
        _check_link(interview)
        assert interview is not None
        live_channel = interview.live_channel
        silent_since = timezone.now() - LIVE_SESSION_SILENCE
        if live_channel and (interview.last_seen_at is None or interview.last_seen_at < silent_since):
            live_channel = ""  # its process died without a word: nobody is left to hand over
        interview.session_epoch += 1
        interview.save(update_fields=["session_epoch"])
    return SessionClaim(epoch=interview.session_epoch, live_channel=live_channel)


def interview_start(*, interview_id: int, epoch: int | None = None, channel: str = "") -> SessionSnapshot:
    """Open (or resume) an interview for a live connection; the deadline is set once, on first start.

    With `epoch` (from interview_claim_session), the session becomes the one that may write, unless a
    newer connection has claimed the interview since (SessionSuperseded).
    """
    with transaction.atomic():
        interview = Interview.objects.select_for_update().select_related("template").get(pk=interview_id)
        _check_link(interview)
        if epoch is not None:
            if interview.session_epoch != epoch:
                raise SessionSuperseded(f"epoch {epoch} is not the newest ({interview.session_epoch})")
            interview.live_epoch = epoch
            interview.live_channel = channel
        now = timezone.now()
        if interview.started_at is None:
            interview.started_at = now
            interview.deadline_at = now + timedelta(minutes=interview.template.time_limit_minutes)
        interview.status = Interview.Status.IN_PROGRESS
        interview.last_seen_at = now
        interview.save(
            update_fields=["started_at", "deadline_at", "status", "last_seen_at", "live_epoch", "live_channel"]
        )
    return selectors.interview_snapshot(interview_id=interview_id)


def interview_release_session(*, interview_id: int, channel: str) -> None:
    """A session has stopped (closed or handed over): a new connection need not wait for it."""
    Interview.objects.filter(pk=interview_id, live_channel=channel).update(live_channel="")


def _fence(interview_id: int, epoch: int | None) -> None:
    """Inside a transaction: refuse a write from a session that a newer one has replaced."""
    if epoch is None:
        return
    if not Interview.objects.select_for_update().filter(pk=interview_id, live_epoch=epoch).exists():
        raise SessionSuperseded(f"interview {interview_id}: epoch {epoch} no longer holds it")


def interview_claim_greeting(*, interview_id: int, epoch: int | None = None) -> bool:
    """True for exactly one caller per interview, whatever the number of connections."""
    interviews = Interview.objects.filter(pk=interview_id, greeting_spoken=False)
    if epoch is not None:
        interviews = interviews.filter(live_epoch=epoch)
    return interviews.update(greeting_spoken=True) == 1


def interview_finish(*, interview_id: int, reason: str, status: str = Interview.Status.COMPLETED) -> int:
    """End an open interview (1) or do nothing if it already ended (0); schedules its evaluation."""
    ended = Interview.objects.filter(pk=interview_id, status__in=Interview.OPEN_STATUSES).update(
        status=status, end_reason=reason[:32], ended_at=timezone.now()
    )
    if ended and reason == "human_requested":
        from interviews.compliance.services import candidate_request_from_interview

        # The candidate asked for a person: staff see it in the queue of candidate requests.
        candidate_request_from_interview(interview_id=interview_id)
    if ended:
        from interviews.evaluation import evaluation_schedule

        # A daemon thread after commit: the rubric evaluation never runs on the interview's event loop.
        evaluation_schedule(interview_id=interview_id)
    return ended


def interview_sweep(*, abandon_after: timedelta, now: datetime | None = None) -> dict[str, int]:
    """Close interviews nobody will finish: expired invites, and sessions whose candidate never came back."""
    now = now or timezone.now()
    expired = Interview.objects.filter(status=Interview.Status.INVITED, expires_at__lte=now).update(
        status=Interview.Status.EXPIRED, end_reason="link_expired", ended_at=now
    )
    stale = Interview.objects.filter(status=Interview.Status.IN_PROGRESS, last_seen_at__lt=now - abandon_after)
    abandoned = 0
    for interview_id in stale.values_list("pk", flat=True):
        # Through interview_finish, so what the candidate did answer is still evaluated.
        abandoned += interview_finish(
            interview_id=interview_id, reason="candidate_left", status=Interview.Status.ABANDONED
        )
    return {"expired": expired, "abandoned": abandoned}


def interview_touch(*, interview_id: int, epoch: int | None = None) -> None:
    interviews = Interview.objects.filter(pk=interview_id)
    if epoch is not None:
        interviews = interviews.filter(live_epoch=epoch)
    if not interviews.update(last_seen_at=timezone.now()) and epoch is not None:
        raise SessionSuperseded(f"interview {interview_id}: epoch {epoch} no longer holds it")


def turn_record(*, record: TurnRecord, epoch: int | None = None) -> Turn:
    """Store one finished turn with its audio and timings (refused once a newer session holds it)."""
    timings = record.timings
    turn = Turn(
        interview_id=record.interview_id,
        index=record.index,
        speaker=record.speaker,
        text=record.text,
        audio_mime=record.audio_mime if record.audio else "",
        started_at=record.started_at,
        ended_at=record.ended_at,
        interrupted=record.interrupted,
        is_greeting=record.is_greeting,
        plan_question=record.plan_question,
        follow_up=record.follow_up,
        error=record.error[:200],
        audio_seconds=record.audio_seconds,
        audio_bytes=len(record.audio),
        transcript_ms=timings.transcript_ms,
        llm_first_token_ms=timings.llm_first_token_ms,
        first_clause_ms=timings.first_clause_ms,
        tts_first_byte_ms=timings.tts_first_byte_ms,
        first_audio_sent_ms=timings.first_audio_sent_ms,
        provider_floor_ms=timings.provider_floor_ms,
    )
    if record.replaces and (previous := _stored_turn(record)) is not None:
        turn.pk, turn.started_at = previous.pk, previous.started_at
        old_audio = previous.audio.name
    else:
        old_audio = ""
    if record.audio:
        extension = AUDIO_EXTENSIONS.get(record.audio_mime, "bin")
        turn.audio.save(f"{record.index:04d}-{record.speaker}.{extension}", ContentFile(record.audio), save=False)
    if turn.pk is not None:
        with transaction.atomic():
            interview_touch(interview_id=record.interview_id, epoch=epoch)
            turn.save(force_update=True)
        if old_audio and old_audio != turn.audio.name:
            turn.audio.storage.delete(old_audio)
        return turn
    try:
        with transaction.atomic():
            # The fence and the interview's last sign of life in one statement: on SQLite a write
            # after the transaction was a second commit (and fsync) for every turn.
            interview_touch(interview_id=record.interview_id, epoch=epoch)
            turn.save()
    except SessionSuperseded:
        if turn.audio:
            turn.audio.delete(save=False)
        raise
    except IntegrityError:
        # Stored already: a write retried after a failure that had in fact committed. Keep the first.
        if turn.audio:
            turn.audio.delete(save=False)
        existing = Turn.objects.get(interview_id=record.interview_id, index=record.index)
        if existing.speaker != record.speaker:
            raise
        logger.warning("turn already stored", extra={"interview_id": record.interview_id, "turn": record.index})
        return existing
    return turn


def _stored_turn(record: TurnRecord) -> Turn | None:
    return Turn.objects.filter(interview_id=record.interview_id, index=record.index, speaker=record.speaker).first()


def turn_update_transcript(
    *, interview_id: int, index: int, text: str, transcript_ms: float | None, error: str = "", epoch: int | None = None
) -> None:
    """The transcript of an answer whose audio was stored when the answer ended."""
    with transaction.atomic():
        _fence(interview_id, epoch)
        Turn.objects.filter(interview_id=interview_id, index=index, speaker=Turn.Speaker.CANDIDATE).update(
            text=text, transcript_ms=transcript_ms, error=error[:200]
        )


def turn_mark_interrupted(*, interview_id: int, index: int, text: str, epoch: int | None = None) -> None:
    """An interviewer turn the candidate talked over after it was stored: keep what was heard."""
    with transaction.atomic():
        _fence(interview_id, epoch)
        Turn.objects.filter(interview_id=interview_id, index=index, speaker=Turn.Speaker.INTERVIEWER).update(
            text=text, interrupted=True
        )


def turn_playback_started(*, interview_id: int, index: int, latency_ms: float) -> None:
    Turn.objects.filter(interview_id=interview_id, index=index, playback_started_ms__isnull=True).update(
        playback_started_ms=latency_ms
    )


class InterviewStore:
    """The pipeline's Store (interviews.pipeline.ports.Store) for one interview: these services,
    async, bound to the session's epoch, so its writes are refused once a newer session holds the
    interview (SessionSuperseded). The pipeline never imports Django; this is its adapter."""

    def __init__(self, *, interview_id: int, epoch: int | None = None) -> None:
        self.interview_id = interview_id
        self.epoch = epoch

    async def claim_greeting(self) -> bool:
        return await database_sync_to_async(interview_claim_greeting)(interview_id=self.interview_id, epoch=self.epoch)

    async def finish(self, *, reason: str) -> None:
        await database_sync_to_async(interview_finish)(interview_id=self.interview_id, reason=reason)

    async def record_turn(self, record: TurnRecord) -> None:
        await database_sync_to_async(turn_record)(record=record, epoch=self.epoch)

    async def update_transcript(self, *, index: int, text: str, transcript_ms: float | None, error: str) -> None:
        await database_sync_to_async(turn_update_transcript)(
            interview_id=self.interview_id,
            index=index,
            text=text,
            transcript_ms=transcript_ms,
            error=error,
            epoch=self.epoch,
        )

    async def mark_interrupted(self, *, index: int, text: str) -> None:
        await database_sync_to_async(turn_mark_interrupted)(
            interview_id=self.interview_id, index=index, text=text, epoch=self.epoch
        )

    async def touch(self) -> None:
        await database_sync_to_async(interview_touch)(interview_id=self.interview_id, epoch=self.epoch)

    async def playback_started(self, *, index: int, latency_ms: float) -> None:
        await database_sync_to_async(turn_playback_started)(
            interview_id=self.interview_id, index=index, latency_ms=latency_ms
        )
