"""Where the interview stands in its plan: the question being asked, its follow-ups, its time.

The interviewer marks the turn that asks planned question n (`<<Qn>>`) and its follow-ups (`<<F>>`);
the marks are stored with the turns, so the position survives reconnects and is the same for the
language model and the offline interviewer. Both are told it every turn (prompts.progress_line).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from interviews.events import HistoryItem
from interviews.pipeline.history import INTERVIEWER
from interviews.providers.base import PlannedQuestion, PlanProgress


def plan_progress(
    history: Sequence[HistoryItem],
    questions: Sequence[PlannedQuestion],
    *,
    now: datetime,
    seconds_left: float | None,
) -> PlanProgress:
    question, asked_at, follow_ups = 0, None, 0
    for item in history:
        if item.speaker != INTERVIEWER:
            continue
        if item.plan_question is not None and item.plan_question != question:
            question, asked_at, follow_ups = item.plan_question, item.started_at, 0
        elif item.follow_up and question:
            follow_ups += 1
    planned = questions[question - 1] if 0 < question <= len(questions) else None
    return PlanProgress(
        question=question,
        questions=len(questions),
        follow_ups=follow_ups,
        follow_up_limit=planned.follow_up_depth if planned is not None else 0,
        seconds_left=seconds_left,
        question_seconds=None if asked_at is None else max(0.0, (now - asked_at).total_seconds()),
        question_limit_s=(
            float(planned.time_limit_seconds) if planned is not None and planned.time_limit_seconds else None
        ),
    )
