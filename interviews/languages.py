"""Language codes: the one place that turns a template's BCP-47 tag into what each part needs."""

from __future__ import annotations


def language_base(code: str | None, *, default: str = "en") -> str:
    """The primary language subtag, lower case: "en-US" -> "en", "ko_KR" -> "ko", "" -> `default`.

    Providers, prompts and phrase tables are keyed by it; region variants share their language's.
    """
    base = (code or "").replace("_", "-").split("-", 1)[0].strip().lower()
    return base or default
