"""The interview's language, through Django's translation framework: the words of the candidate's
pages, socket and voice come from the catalogues in locale/ (docs/LANGUAGES.md), in the language of
the interview, never the browser's."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from interviews.languages import language_base


def interview_languages() -> list[tuple[str, str]]:
    """The languages a template may be in (settings.INTERVIEW_LANGUAGES): the model's choices, read
    when a form is built, so adding a language needs no migration."""
    return [(code, language["name"]) for code, language in settings.INTERVIEW_LANGUAGES.items()]


def interview_language(code: str) -> str:
    """The configured language an interview in `code` speaks ("ja-JP" -> "ja"; unknown -> English)."""
    base = language_base(code)
    return base if base in settings.INTERVIEW_LANGUAGES else settings.LANGUAGE_CODE


def interview_language_name(code: str) -> str:
    """The English name of the language (settings.INTERVIEW_LANGUAGES), for the model's instructions;
    a language not configured is named by its code."""
    configured = settings.INTERVIEW_LANGUAGES.get(language_base(code))
    return configured["name"] if configured else code


def translate(message: str, language: str) -> str:
    """`message` (an English message id) in `language`; the id itself where the catalogue has none."""
    if not message:
        return message  # gettext("") is the catalogue's header
    with translation.override(interview_language(language)):
        return translation.gettext(message)
