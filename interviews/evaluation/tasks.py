"""Evaluation in the background: a daemon thread per interview, started once its end is committed,
so an evaluation never runs on an interview's event loop."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections, transaction

from interviews.evaluation.services import evaluation_request, evaluation_run

logger = logging.getLogger(__name__)

_threads: set[threading.Thread] = set()


def _run_in_thread(interview_id: int) -> None:
    try:
        evaluation_run(interview_id=interview_id)
    except Exception:
        logger.exception("background evaluation failed", extra={"interview_id": interview_id})
    finally:
        close_old_connections()
        connections.close_all()  # this thread's connections only
        _threads.discard(threading.current_thread())


def evaluation_start(*, interview_id: int) -> threading.Thread:
    """Evaluate in a daemon thread now (the admin's re-run); the row says "pending" until it runs."""
    evaluation_request(interview_id=interview_id)
    thread = threading.Thread(target=_run_in_thread, args=(interview_id,), name=f"evaluate-{interview_id}", daemon=True)
    _threads.add(thread)
    thread.start()
    return thread


def auto_evaluate() -> bool:
    """Whether an interview's end starts its evaluation (INTERVIEW_EVALUATE_ON_FINISH, on by default)."""
    return bool(settings.INTERVIEW_EVALUATE_ON_FINISH)


def evaluation_schedule(*, interview_id: int) -> None:
    """Evaluate in a daemon thread once the current transaction commits (called when an interview ends)."""
    if not auto_evaluate():
        return
    transaction.on_commit(lambda: evaluation_start(interview_id=interview_id))


def wait_for_background_evaluations(timeout_s: float = 30.0) -> None:
    """For tests and shutdown: join the evaluation threads started so far."""
    for thread in list(_threads):
        thread.join(timeout_s)
