"""Language codes and words: the one place that turns a template's BCP-47 tag into what each part
needs, and how the parts that know nothing of Django say things in the interview's language."""

from __future__ import annotations

from collections.abc import Callable

# (message, language) -> the message in that language. The Django side passes interviews.i18n.translate
# (the catalogues in locale/); the pipeline and the providers only ever hold English message ids.
Translate = Callable[[str, str], str]


def language_base(code: str | None, *, default: str = "en") -> str:
    """The primary language subtag, lower case: "en-US" -> "en", "ko_KR" -> "ko", "" -> `default`.

    Providers, prompts and phrase tables are keyed by it; region variants share their language's.
    """
    base = (code or "").replace("_", "-").split("-", 1)[0].strip().lower()
    return base or default


def gettext_noop(message: str) -> str:
    """Marks `message` as a message id for `makemessages` (the same name Django's tools look for);
    it is translated later, where the interview's language is known."""
    return message


def untranslated(message: str, language: str) -> str:
    """A Translate that keeps the English message ids (tests of the pure parts, tools)."""
    return message
