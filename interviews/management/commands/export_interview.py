"""Exports one interview as JSON (everything), Markdown or printable HTML, and optionally its audio as one MP3."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interviews import reports, selectors
from interviews.compliance.models import AuditEntry
from interviews.compliance.services import audit_record
from interviews.exceptions import InterviewError
from interviews.models import Turn


class Command(BaseCommand):
    help = "Export an interview (template, turns with timings, evaluation) as JSON, Markdown or HTML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("interview", help="interview id or invite token")
        parser.add_argument("--format", choices=["json", "md", "html"], default="json")
        parser.add_argument("-o", "--output", help="write to this file instead of standard output")
        parser.add_argument("--audio", metavar="OUT.mp3", help="also write both sides' audio as one MP3")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            interview = selectors.interview_get(ident=options["interview"])
            data = reports.interview_export(interview_id=interview.pk)
        except InterviewError as exc:
            raise CommandError(exc.message) from exc
        # A command has no staff user: the operating-system account that ran it is named instead.
        audit_record(
            user=f"system:export_interview ({getpass.getuser()})",
            action=AuditEntry.Action.EXPORT,
            interview_id=interview.pk,
            detail=f"command {options['format']}" + (" with audio" if options["audio"] else ""),
        )
        if options["format"] == "json":
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        elif options["format"] == "md":
            text = reports.render_markdown(data)
        else:
            text = reports.render_html(data)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {options['format']} export of interview {interview.pk} to {options['output']}")
        else:
            self.stdout.write(text, ending="")
        if options["audio"]:
            turns = list(Turn.objects.filter(interview_id=interview.pk).order_by("index"))
            try:
                mixed = reports.interview_audio_mix(turns=turns)
            except InterviewError as exc:
                raise CommandError(f"Interview {interview.pk}: {exc.message}") from exc
            Path(options["audio"]).write_bytes(mixed.mp3)
            skipped = f", {mixed.turns_skipped} undecodable turn(s) left out" if mixed.turns_skipped else ""
            self.stderr.write(
                f"Wrote {mixed.duration_ms / 1000:.1f} s of audio from {mixed.turns_included} turn(s){skipped} "
                f"to {options['audio']}"
            )
