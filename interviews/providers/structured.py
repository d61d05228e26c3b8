"""One structured-output request, validated, and asked again with what was wrong.

The evaluation and the plan drafter both ask a model for JSON to a schema and check it in code;
an invalid reply is shown back to the model with the reason ("That reply was not valid: ...") and
retried at once, a transient provider fault with backoff.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from interviews.providers.base import Message, ProviderError, StructuredLanguageModel, StructuredOutputError
from interviews.retry import retry_with_backoff

logger = logging.getLogger(__name__)

T = TypeVar("T")


class _Invalid(Exception):
    def __init__(self, reason: str, *, content: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.content = content


class StructuredFailure(Exception):
    """No valid reply came: `problem` says why (in words for a recruiter), after `attempts` tries."""

    def __init__(self, problem: str, *, attempts: int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class Validated(Generic[T]):
    value: T
    model: str  # the model that wrote it
    attempts: int


async def complete_validated(
    model: StructuredLanguageModel,
    messages: list[Message],
    *,
    schema: dict[str, Any],
    name: str,
    validate: Callable[[dict[str, Any]], T],
    what: str,
    max_retries: int,
    backoff_s: float,
    shown_chars: int = 4000,
) -> Validated[T]:
    """`validate(reply.data)` of the model's reply (ValueError: invalid, with the reason); `what` names
    the reply in the log and in the correction ("evaluation", "plan"). StructuredFailure when none."""
    attempts = 0

    async def attempt() -> Validated[T]:
        nonlocal attempts
        attempts += 1
        try:
            reply = await model.complete(messages, schema=schema, name=name)
        except StructuredOutputError as exc:
            raise _Invalid(exc.message, content=exc.content) from exc
        try:
            return Validated(validate(reply.data), model=reply.model, attempts=attempts)
        except ValueError as exc:
            raise _Invalid(str(exc), content=json.dumps(reply.data, ensure_ascii=False)) from exc

    def on_retry(exc: Exception, _attempt: int) -> None:
        nonlocal messages
        if isinstance(exc, _Invalid):
            logger.warning("%s output rejected: %s", what, exc.reason)
            # Tell the model what was wrong; it usually fixes it on the next try.
            messages = [
                *messages,
                Message(role="assistant", content=exc.content[:shown_chars]),
                Message(role="user", content=f"That {what} was not valid: {exc.reason}. Reply again with JSON only."),
            ]
        else:
            logger.warning("%s request failed: %s", what, exc)

    try:
        return await retry_with_backoff(
            attempt,
            attempts=max_retries + 1,
            base_s=backoff_s,
            retry_if=lambda exc: isinstance(exc, _Invalid) or (isinstance(exc, ProviderError) and exc.retryable),
            backoff_if=lambda exc: not isinstance(exc, _Invalid),
            on_retry=on_retry,
        )
    except _Invalid as exc:
        raise StructuredFailure(f"its {what} was not valid ({exc.reason})", attempts=attempts) from exc
    except ProviderError as exc:
        raise StructuredFailure(exc.message, attempts=attempts) from exc
