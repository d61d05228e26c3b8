"""Deletes audit entries older than the minimum retention (COMPLIANCE_AUDIT_LOG_MIN_DAYS); nothing younger."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from interviews.compliance import selectors
from interviews.compliance.services import audit_prune


class Command(BaseCommand):
    help = "Delete audit entries older than COMPLIANCE_AUDIT_LOG_MIN_DAYS (--dry-run counts them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.COMPLIANCE["AUDIT_LOG_MIN_DAYS"]
        if options["dry_run"]:
            count = selectors.audit_entries_prunable().count()
            self.stdout.write(f"Would delete {count} audit entr(y/ies) older than {days} days.")
            return
        self.stdout.write(f"Deleted {audit_prune()} audit entr(y/ies) older than {days} days.")
