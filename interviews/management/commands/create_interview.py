"""Creates an interview for a candidate and prints its invite link and WebSocket URL."""

import json
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from interviews import selectors, services
from interviews.exceptions import InterviewError

_DURATION = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: str) -> timedelta:
    match = _DURATION.match(value.strip().lower())
    if not match:
        raise CommandError(f"--expires-in {value!r} is not a duration like 30m, 12h or 7d.")
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise CommandError("--expires-in must be greater than zero.")
    return timedelta(**{_UNITS[unit]: amount})


class Command(BaseCommand):
    help = "Create an interview from a template and print the candidate's invite link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--template", required=True, help="template id or slug")
        parser.add_argument("--candidate", required=True, help="the candidate's name")
        parser.add_argument("--email", default="", help="the candidate's email")
        parser.add_argument("--expires-in", default=f"{settings.INTERVIEW['DEFAULT_EXPIRY_DAYS']}d")
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")

    def handle(self, *args: Any, **options: Any) -> None:
        expires_in = parse_duration(options["expires_in"])
        try:
            template = selectors.template_get(ident=options["template"])
            interview = services.interview_create(
                template=template,
                candidate_name=options["candidate"],
                candidate_email=options["email"],
                expires_in=expires_in,
            )
        except InterviewError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        base = settings.PUBLIC_BASE_URL
        ws_base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        result = {
            "id": interview.pk,
            "token": interview.invite_token,
            "candidate": interview.candidate_name,
            "template": template.slug,
            "expires_at": interview.expires_at.isoformat(),
            "invite_url": base + reverse("interviews:invite", args=[interview.invite_token]),
            "websocket_url": f"{ws_base}/ws/interview/{interview.invite_token}/",
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Interview {result['id']} for {result['candidate']} ({result['template']})")
            self.stdout.write(f"Invite link: {result['invite_url']}")
            self.stdout.write(f"WebSocket:   {result['websocket_url']}")
            self.stdout.write(f"Expires:     {result['expires_at']}")
