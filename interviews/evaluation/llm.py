"""The language-model evaluator: the configured model asked for a strict JSON schema, its reply
validated against the rubric and asked again when it is not valid."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Coroutine
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from interviews import provider_settings
from interviews.evaluation.data import EvaluationInput, EvaluationResult, ScoredCriterion
from interviews.evaluation.evidence import check_evidence
from interviews.exceptions import InterviewError
from interviews.models import Evaluation, Turn
from interviews.providers.base import (
    Criterion,
    Message,
    ProviderError,
    StructuredLanguageModel,
    StructuredOutputError,
    StructuredReply,
)
from interviews.retry import retry_with_backoff

logger = logging.getLogger(__name__)

LLM_MAX_RETRIES = 2  # after the first attempt, on invalid output or a transient provider fault
LLM_BACKOFF_S = 0.2  # before a retry after a transient fault (0.2 s, then 0.4 s)
# A whole interview is scored in one reply, which takes far longer than a turn's first token.
LLM_MIN_TIMEOUT_S = 60.0
SCHEMA_NAME = "interview_evaluation"

T = TypeVar("T")


class _LLMCriterionScore(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int
    evidence: list[str]
    rationale: str


class _LLMEvaluation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: dict[str, _LLMCriterionScore]
    summary: str
    strengths: list[str]
    concerns: list[str]
    recommendation: Literal["strong_yes", "yes", "lean_no", "no"]


def response_schema(rubric: tuple[Criterion, ...]) -> dict[str, Any]:
    """A strict JSON schema with one required entry per criterion, each on its own scale."""

    def criterion_schema(item: Criterion) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "score": {"type": "integer", "minimum": 1, "maximum": item.scale_max},
                "evidence": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Exact quotes of the candidate's own words that support the score.",
                },
                "rationale": {"type": "string"},
            },
            "required": ["score", "evidence", "rationale"],
            "additionalProperties": False,
        }

    return {
        "type": "object",
        "properties": {
            "scores": {
                "type": "object",
                "properties": {item.name: criterion_schema(item) for item in rubric},
                "required": [item.name for item in rubric],
                "additionalProperties": False,
            },
            "summary": {"type": "string"},
            "strengths": {"type": "array", "items": {"type": "string"}},
            "concerns": {"type": "array", "items": {"type": "string"}},
            "recommendation": {"type": "string", "enum": ["strong_yes", "yes", "lean_no", "no"]},
        },
        "required": ["scores", "summary", "strengths", "concerns", "recommendation"],
        "additionalProperties": False,
    }


def evaluation_messages(data: EvaluationInput) -> list[Message]:
    """The system instructions and the redacted rubric and transcript, as the model is asked."""
    rubric = "\n".join(
        f"- {item.name} (score 1 to {item.scale_max}, weight {item.weight:g}): {item.description or 'no description'}"
        for item in data.rubric
    )
    transcript = "\n".join(
        f"{'Candidate' if line.speaker == Turn.Speaker.CANDIDATE else 'Interviewer'}: {line.text}"
        for line in data.transcript
        if line.text.strip()
    )
    system = (
        "You evaluate a recorded job interview against a rubric, fairly and only on what was said. "
        "Score each criterion on its own scale. For evidence, quote the candidate's own words exactly "
        "(short verbatim excerpts of Candidate lines, never the interviewer's words, never paraphrases); "
        "give no quote when there is none. Say plainly when an answer did not address a criterion. "
        "The candidate's name has been removed; do not guess it. Answer in English with JSON that matches the schema."
    )
    user = f"Role: {data.role}\nInterview language: {data.language}\n\nRubric:\n{rubric}\n\nTranscript:\n{transcript}"
    return [Message(role="system", content=system), Message(role="user", content=user)]


class _InvalidOutput(Exception):
    """The model's reply is not a valid evaluation: `reason` says why, `content` is the reply."""

    def __init__(self, reason: str, *, content: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.content = content


def _validated(data: dict[str, Any], rubric: tuple[Criterion, ...]) -> _LLMEvaluation:
    """The model's reply checked against the rubric; ValueError says what is wrong."""
    try:
        parsed = _LLMEvaluation.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"the reply did not match the schema: {exc.errors()[0]['msg']}") from exc
    names = [item.name for item in rubric]
    missing = [name for name in names if name not in parsed.scores]
    unknown = [name for name in parsed.scores if name not in names]
    if missing or unknown:
        raise ValueError(f"criteria missing: {missing or 'none'}; unknown criteria: {unknown or 'none'}")
    for item in rubric:
        score = parsed.scores[item.name].score
        if not 1 <= score <= item.scale_max:
            raise ValueError(f"score {score} for {item.name!r} is outside 1..{item.scale_max}")
    return parsed


async def evaluate_with_llm(
    data: EvaluationInput,
    *,
    model: StructuredLanguageModel,
    max_retries: int = LLM_MAX_RETRIES,
    backoff_s: float = LLM_BACKOFF_S,
) -> EvaluationResult:
    """Structured output from `model`, validated; retried on invalid output or a transient fault."""
    if not data.answers:
        raise InterviewError("The candidate gave no answers to evaluate.", code="evaluation_failed")
    schema = response_schema(data.rubric)
    messages = evaluation_messages(data)
    attempts = 0

    async def attempt() -> tuple[StructuredReply, _LLMEvaluation]:
        nonlocal attempts
        attempts += 1
        try:
            reply = await model.complete(messages, schema=schema, name=SCHEMA_NAME)
        except StructuredOutputError as exc:
            raise _InvalidOutput(exc.message, content=exc.content) from exc
        try:
            return reply, _validated(reply.data, data.rubric)
        except ValueError as exc:
            raise _InvalidOutput(str(exc), content=json.dumps(reply.data, ensure_ascii=False)) from exc

    def on_retry(exc: Exception, _attempt: int) -> None:
        nonlocal messages
        if isinstance(exc, _InvalidOutput):
            logger.warning("evaluation output rejected: %s", exc.reason)
            # Tell the model what was wrong; it usually fixes it on the next try.
            messages = [
                *messages,
                Message(role="assistant", content=exc.content[:4000]),
                Message(role="user", content=f"That reply was not valid: {exc.reason}. Reply again with JSON only."),
            ]
        else:
            logger.warning("evaluation request failed: %s", exc)

    try:
        reply, parsed = await retry_with_backoff(
            attempt,
            attempts=max_retries + 1,
            base_s=backoff_s,
            retry_if=lambda exc: isinstance(exc, _InvalidOutput) or (isinstance(exc, ProviderError) and exc.retryable),
            backoff_if=lambda exc: not isinstance(exc, _InvalidOutput),
            on_retry=on_retry,
        )
    except _InvalidOutput as exc:
        problem = f"invalid output ({exc.reason})"
    except ProviderError as exc:
        problem = exc.message
    else:
        return _result(data, parsed, model_name=reply.model, attempts=attempts)
    raise InterviewError(
        f"The language model gave no valid evaluation after {attempts} attempt(s): {problem}",
        code="evaluation_failed",
    )


def _result(data: EvaluationInput, parsed: _LLMEvaluation, *, model_name: str, attempts: int) -> EvaluationResult:
    candidate_text = data.candidate_text
    scores = [
        ScoredCriterion(
            criterion=item.name,
            score=parsed.scores[item.name].score,
            scale_max=item.scale_max,
            weight=item.weight,
            evidence=check_evidence(parsed.scores[item.name].evidence, candidate_text),
            rationale=parsed.scores[item.name].rationale.strip(),
        )
        for item in data.rubric
    ]
    return EvaluationResult(
        evaluator=Evaluation.Evaluator.LLM,
        model_name=model_name,
        summary=parsed.summary.strip(),
        strengths=[s.strip() for s in parsed.strengths if s.strip()],
        concerns=[s.strip() for s in parsed.concerns if s.strip()],
        recommendation=parsed.recommendation,
        scores=scores,
        attempts=attempts,
    )


# --- where the model is called from ------------------------------------------------------------
#
# Evaluations start on threads of their own (one per finished interview), or on a command's main
# thread, and an HTTP client belongs to the event loop it was first used on. One long-lived loop,
# in one daemon thread, serves every evaluation of the process, so the process keeps one OpenAI
# client (and its open connections) for evaluations, taken from the registry's per-loop cache,
# instead of building and tearing down a client, and its TLS handshake, per evaluation.

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _evaluation_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="evaluation-loop", daemon=True).start()
            _loop = loop
        return _loop


def run_on_evaluation_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on the process's evaluation event loop and wait for its result (blocking:
    call it from a thread or a command, never from an event loop)."""
    return asyncio.run_coroutine_threadsafe(coroutine, _evaluation_loop()).result()


def evaluate_with_configured_llm(data: EvaluationInput) -> EvaluationResult:
    """Evaluate with the configured cloud model (blocking)."""

    async def run() -> EvaluationResult:
        # Looked up on the evaluation loop: the registry shares one model (one client) per loop.
        model = provider_settings.structured_model(min_timeout_s=LLM_MIN_TIMEOUT_S)
        return await evaluate_with_llm(data, model=model)

    return run_on_evaluation_loop(run())
