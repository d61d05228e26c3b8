"""Retention: deletes the audio (and with --transcripts the words) of interviews that ended long enough ago."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from interviews.services import interview_purge_recordings


class Command(BaseCommand):
    help = "Delete turn audio of interviews that ended more than N days ago (--dry-run changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, required=True, metavar="N")
        parser.add_argument("--transcripts", action="store_true", help="also clear turn texts and quoted evidence")
        parser.add_argument("--dry-run", action="store_true", help="report what would be deleted, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than_days"]
        if days < 0:
            raise CommandError("--older-than-days must be zero or more.")
        cutoff = timezone.now() - timedelta(days=days)
        counts = interview_purge_recordings(
            ended_before=cutoff, transcripts=options["transcripts"], dry_run=options["dry_run"]
        )
        verb = "Would delete" if options["dry_run"] else "Deleted"
        lines = [
            f"Interviews that ended before {cutoff:%Y-%m-%d %H:%M} UTC: {counts['interviews']}",
            f"{verb} {counts['audio_files']} audio file(s), {counts['audio_bytes'] / 1_000_000:.1f} MB",
        ]
        if options["transcripts"]:
            verb_texts = "Would clear" if options["dry_run"] else "Cleared"
            lines.append(f"{verb_texts} {counts['texts']} turn text(s) and the evaluations' quoted evidence")
        if options["dry_run"]:
            lines.append("Dry run: nothing was changed.")
        self.stdout.write("\n".join(lines))
