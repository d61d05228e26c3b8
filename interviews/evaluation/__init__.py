"""Rubric evaluation of a finished interview: a language model with structured output, or an offline heuristic.

Runs in the background (a daemon thread started after the interview's end is committed, the
`evaluate_interview` command, or the admin's re-run action), never on the interview's event loop.

Modules: evidence (redaction, quote checks), heuristic (the offline evaluator, and the live
monitor's reading of one answer), answers (how the heuristic reads an answer: evidence or not, and
its substance) and text (how it reads English and Korean), llm (the language-model evaluator),
selectors and services (the evaluation's reads and writes), tasks (running it in the background),
data (the plain values they pass, the overall score, the recommendation thresholds, the default
anchors), forms (a criterion's anchors as a recruiter edits them), views (the recruiter's guide,
docs/EVALUATION.md). The names below are the package's public face.
"""

from __future__ import annotations

from interviews.evaluation.data import EvaluationInput, EvaluationResult, ScoredCriterion, TranscriptLine
from interviews.evaluation.evidence import check_evidence, quote_is_verified, redact_name
from interviews.evaluation.heuristic import assess_answer, evaluate_heuristically
from interviews.evaluation.heuristic_report import HEURISTIC_NOTICE
from interviews.evaluation.llm import evaluate_with_llm
from interviews.evaluation.selectors import evaluation_to_dict
from interviews.evaluation.services import evaluation_request, evaluation_run
from interviews.evaluation.tasks import evaluation_schedule, evaluation_start, wait_for_background_evaluations

__all__ = [
    "HEURISTIC_NOTICE",
    "EvaluationInput",
    "EvaluationResult",
    "ScoredCriterion",
    "TranscriptLine",
    "assess_answer",
    "check_evidence",
    "evaluate_heuristically",
    "evaluate_with_llm",
    "evaluation_request",
    "evaluation_run",
    "evaluation_schedule",
    "evaluation_start",
    "evaluation_to_dict",
    "quote_is_verified",
    "redact_name",
    "wait_for_background_evaluations",
]
