"""Evidence the evaluators may cite: the candidate's name redacted, quotes checked against what was said."""

from __future__ import annotations

import re
from typing import Any

REDACTED_NAME = "the candidate"

_NOT_WORD = re.compile(r"[^\w\s]", re.UNICODE)


def redact_name(text: str, *, name: str, email: str = "") -> str:
    """The text with the candidate's name (whole, or any part of it) and email replaced by "the candidate"."""
    variants = [name.strip(), *name.split()]
    if email:
        variants.append(email.strip())
    # Longest first, so "Jamie Doe" goes before "Jamie" leaves a stray "Doe".
    for variant in sorted({v for v in variants if len(v) >= 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(variant)}(?!\w)", REDACTED_NAME, text, flags=re.IGNORECASE)
    return text


def normalise_for_match(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form used to check quotes against the transcript."""
    text = text.casefold().replace("’", "'")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def quote_is_verified(quote: str, candidate_text: str) -> bool:
    """True when the quote occurs in what the candidate said (ignoring case, punctuation and spacing)."""
    needle = normalise_for_match(quote)
    return bool(needle) and f" {needle} " in f" {normalise_for_match(candidate_text)} "


def check_evidence(quotes: list[str], candidate_text: str) -> list[dict[str, Any]]:
    """Each distinct quote, stripped of its quotation marks, with whether the candidate really said it."""
    evidence: list[dict[str, Any]] = []
    seen: set[str] = set()
    for quote in quotes:
        quote = quote.strip().strip("\"“”'").strip()
        if not quote or normalise_for_match(quote) in seen:
            continue
        seen.add(normalise_for_match(quote))
        evidence.append({"quote": quote, "verified": quote_is_verified(quote, candidate_text)})
    return evidence
