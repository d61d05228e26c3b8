"""Retention: deletes the audio (and the words) of interviews past their retention, never under a legal hold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from interviews.compliance.retention import retention_purge


class Command(BaseCommand):
    help = (
        "Delete turn audio (and transcripts) past the retention policy: a template's own policy, else "
        "--older-than-days N, else RETENTION_AUDIO_DAYS / RETENTION_TRANSCRIPT_DAYS. Interviews under a "
        "legal hold are kept. --dry-run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, metavar="N", help="instead of the deployment's policy")
        parser.add_argument("--transcripts", action="store_true", help="with N: also clear turn texts and evidence")
        parser.add_argument("--dry-run", action="store_true", help="report what would be deleted, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than_days"]
        if days is not None and days < 0:
            raise CommandError("--older-than-days must be zero or more.")
        policy = settings.COMPLIANCE
        if days is None and policy["RETENTION_AUDIO_DAYS"] is None and policy["RETENTION_TRANSCRIPT_DAYS"] is None:
            self.stderr.write(
                "No --older-than-days and no RETENTION_AUDIO_DAYS / RETENTION_TRANSCRIPT_DAYS: only templates "
                "with their own retention policy are purged."
            )
        now = timezone.now()
        report = retention_purge(
            older_than_days=days, transcripts=options["transcripts"], dry_run=options["dry_run"], now=now
        )
        verb = "Would delete" if options["dry_run"] else "Deleted"
        if days is not None:
            scope = f"Interviews that ended before {now - timedelta(days=days):%Y-%m-%d %H:%M} UTC"
        else:
            scope = "Interviews past their retention"
        lines = [
            f"{scope} (or their template's own policy): {report.interviews}",
            f"{verb} {report.audio_files} audio file(s), {report.audio_bytes / 1_000_000:.1f} MB",
        ]
        if options["transcripts"] or report.texts:
            verb_texts = "Would clear" if options["dry_run"] else "Cleared"
            lines.append(f"{verb_texts} {report.texts} turn text(s) and the evaluations' quoted evidence")
        if report.held:
            lines.append(f"Kept under a legal hold: {report.held} interview(s)")
        if options["dry_run"]:
            lines.append("Dry run: nothing was changed.")
        self.stdout.write("\n".join(lines))
