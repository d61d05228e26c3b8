"""Database side of the benchmarks, run as a subprocess with the benchmark's own environment.

`create --count N` makes N interviews (one template each, so each session has its own TTS voice id
and candidate name: the fakes' records can then be matched to sessions) and prints them as JSON;
`turns --ids 1,2` prints the interviewer turns of those interviews with their stored timings.
Django is set up here and not in the benchmark process, which may talk to several databases.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402 (after django.setup())
from django.utils import timezone  # noqa: E402 (after django.setup())

from interviews.models import Interview, InterviewTemplate, RubricCriterion, TemplateQuestion, Turn  # noqa: E402 (after django.setup())

QUESTIONS = [
    "Tell me about a backend system you built.",
    "How did you design its data model?",
    "Tell me about an incident you handled.",
]
TIMING_FIELDS = [
    "transcript_ms",
    "llm_first_token_ms",
    "first_clause_ms",
    "tts_first_byte_ms",
    "first_audio_sent_ms",
    "provider_floor_ms",
]


def create(count: int, language: str, *, hands_free: bool = False) -> list[dict[str, object]]:
    made = []
    with transaction.atomic():
        for _ in range(count):
            uid = secrets.token_hex(4)
            template = InterviewTemplate.objects.create(
                slug=f"bench-{uid}",
                title="Backend Engineer (bench)",
                role="Backend Engineer",
                job_description="Build APIs in Python.",
                language=language,
                time_limit_minutes=60,
                hands_free=hands_free,
                voice_id=f"bench-{uid}",
            )
            for position, text in enumerate(QUESTIONS):
                TemplateQuestion.objects.create(template=template, position=position, text=text, follow_up_depth=1)
            RubricCriterion.objects.create(template=template, position=0, name="Technical depth", description="Depth.")
            interview = Interview.objects.create(
                template=template,
                candidate_name=f"Bench-{uid}",
                expires_at=timezone.now() + timedelta(days=1),
                consented_at=timezone.now(),  # as after the invite page
            )
            made.append({"id": interview.pk, "token": interview.invite_token, "uid": uid})
    return made


def turns(ids: list[int]) -> list[dict[str, object]]:
    rows = Turn.objects.filter(interview_id__in=ids, speaker="interviewer").order_by("interview_id", "index")
    return [
        {"interview_id": t.interview_id, "index": t.index, **{f: getattr(t, f) for f in TIMING_FIELDS}} for t in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create")
    make.add_argument("--count", type=int, required=True)
    make.add_argument("--language", default="en")
    make.add_argument("--hands-free", action="store_true", help="hands-free templates (the server listens)")
    read = sub.add_parser("turns")
    read.add_argument("--ids", required=True, help="comma-separated interview ids")
    args = parser.parse_args()
    if args.command == "create":
        print(json.dumps(create(args.count, args.language, hands_free=args.hands_free)))
    else:
        print(json.dumps(turns([int(i) for i in args.ids.split(",") if i])))


if __name__ == "__main__":
    main()
