"""Marks expired invites and abandoned interviews (the server also does this every minute)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from interviews import services


class Command(BaseCommand):
    help = "Expire unused invite links and mark interviews whose candidate never came back as abandoned."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--abandon-after-minutes", type=float, default=settings.INTERVIEW["ABANDON_AFTER_MINUTES"])

    def handle(self, *args: Any, **options: Any) -> None:
        counts = services.interview_sweep(abandon_after=timedelta(minutes=options["abandon_after_minutes"]))
        self.stdout.write(f"expired {counts['expired']}, abandoned {counts['abandoned']}")
