"""Evaluates one finished interview against its template's rubric now, in the foreground."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interviews import selectors
from interviews.evaluation import HEURISTIC_NOTICE, evaluation_run
from interviews.exceptions import InterviewError
from interviews.models import Evaluation, Interview


class Command(BaseCommand):
    help = "Evaluate an interview against its rubric (language model if configured, else the offline heuristic)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("interview", help="interview id or invite token")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            interview = selectors.interview_get(ident=options["interview"])
        except InterviewError as exc:
            raise CommandError(exc.message) from exc
        if interview.status in Interview.OPEN_STATUSES:
            raise CommandError(f"Interview {interview.pk} has not ended yet ({interview.status}).")
        evaluation = evaluation_run(interview_id=interview.pk)
        if evaluation.status == Evaluation.Status.FAILED:
            raise CommandError(f"The evaluation of interview {interview.pk} failed: {evaluation.error}")
        if evaluation.status != Evaluation.Status.DONE:
            raise CommandError(f"The evaluation of interview {interview.pk} is {evaluation.status} elsewhere.")
        if evaluation.evaluator == Evaluation.Evaluator.HEURISTIC:
            self.stdout.write(HEURISTIC_NOTICE)
        overall = "no criterion assessed" if evaluation.overall_score is None else f"{evaluation.overall_score}%"
        self.stdout.write(
            f"Interview {interview.pk}: {overall} ({evaluation.recommendation}) "
            f"by {evaluation.model_name}, rubric version {evaluation.rubric_version}"
        )
        for score in evaluation.scores.all():
            verified = len(score.verified_evidence)
            shown = "not assessed" if score.score is None else f"{score.score}/{score.scale_max}"
            self.stdout.write(f"  {score.criterion}: {shown} ({verified} verified quote(s))")
