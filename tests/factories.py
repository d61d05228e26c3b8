"""Model factories for tests."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from interviews.models import Interview, InterviewTemplate, RubricCriterion, TemplateQuestion

_sequence = itertools.count(1)

QUESTIONS = [
    "Tell me about a backend system you built.",
    "How did you design its data model?",
    "Tell me about an incident you handled.",
]


def make_template(*, language: str = "en", questions: list[str] | None = None, **fields: Any) -> InterviewTemplate:
    number = next(_sequence)
    values: dict[str, Any] = {
        "slug": f"template-{number}",
        "title": f"Backend Engineer {number}",
        "role": "Backend Engineer",
        "job_description": "Build APIs in Python.",
        "language": language,
        "time_limit_minutes": 20,
        "hands_free": False,
    }
    values.update(fields)
    template = InterviewTemplate.objects.create(**values)
    for position, text in enumerate(QUESTIONS if questions is None else questions):
        TemplateQuestion.objects.create(template=template, position=position, text=text, follow_up_depth=1)
    RubricCriterion.objects.create(template=template, position=0, name="Technical depth", description="Depth.")
    return template


def make_interview(*, template: InterviewTemplate | None = None, **fields: Any) -> Interview:
    values: dict[str, Any] = {
        "template": template or make_template(),
        "candidate_name": "Jamie Doe",
        "candidate_email": "jamie@example.com",
        "expires_at": timezone.now() + timedelta(days=7),
        "consented_at": timezone.now(),  # as after the invite page; tests of consent set None
    }
    values.update(fields)
    return Interview.objects.create(**values)
