"""Model constraints and small properties."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from interviews.models import Interview, Turn
from interviews.selectors import interview_get_by_token
from tests.factories import make_interview, make_template

pytestmark = pytest.mark.django_db


def test_invite_tokens_are_unguessable_and_unique():
    first, second = make_interview(), make_interview()
    assert first.invite_token != second.invite_token
    assert len(first.invite_token) >= 32
    with pytest.raises(IntegrityError), transaction.atomic():
        make_interview(invite_token=first.invite_token)


def test_turn_index_is_unique_per_interview():
    interview = make_interview()
    Turn.objects.create(interview=interview, index=0, speaker="interviewer", text="Hello")
    Turn.objects.create(interview=make_interview(), index=0, speaker="interviewer", text="Hello")
    with pytest.raises(IntegrityError), transaction.atomic():
        Turn.objects.create(interview=interview, index=0, speaker="candidate", text="Hi")


def test_question_positions_and_criterion_names_are_unique_per_template():
    template = make_template()
    with pytest.raises(IntegrityError), transaction.atomic():
        template.questions.create(position=0, text="Again?")
    with pytest.raises(IntegrityError), transaction.atomic():
        template.criteria.create(name="Technical depth")


def test_a_template_in_use_cannot_be_deleted():
    interview = make_interview()
    with pytest.raises(Exception, match="protected"):
        interview.template.delete()


def test_open_and_remaining_time():
    interview = make_interview()
    assert interview.is_open and interview.remaining_seconds is None
    interview.deadline_at = timezone.now() + timedelta(minutes=5)
    assert 299 <= interview.remaining_seconds <= 300
    interview.expires_at = timezone.now() - timedelta(seconds=1)
    assert not interview.is_open
    interview.status = Interview.Status.COMPLETED
    assert not interview.is_open


def test_turn_overhead_is_first_audio_minus_provider_floor():
    turn = Turn(first_audio_sent_ms=480.0, provider_floor_ms=455.5)
    assert turn.overhead_ms == pytest.approx(24.5)
    assert Turn(first_audio_sent_ms=480.0).overhead_ms is None


def test_lookup_by_token_rejects_unknown_and_oversized_tokens():
    interview = make_interview()
    assert interview_get_by_token(token=interview.invite_token) == interview
    assert interview_get_by_token(token="x" * 500) is None
    assert interview_get_by_token(token="") is None
