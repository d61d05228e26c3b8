"""The translation catalogues are complete: every configured language has one, every entry is
translated and none is fuzzy, and every message the code marks is in each of them (and nothing stale
is). Checked with gettext's own tools (msgfmt, msgcmp) on what `makemessages` extracts today."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
# Where the candidate's words are marked: makemessages reads these, and nothing else (no installed
# packages, no tests).
SOURCES = ["interview_project", "interviews", "templates"]


def _catalogue(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The messages the code and templates mark today, as makemessages writes them: run in a folder
    that links to the sources, so it writes there and never touches locale/."""
    work = tmp_path_factory.mktemp("extracted")
    for name in SOURCES:
        (work / name).symlink_to(ROOT / name)
    (work / "locale").mkdir()
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[work / "locale"]):
        patch.chdir(work)
        call_command("makemessages", locale=["en"], symlinks=True, no_location=True, verbosity=0)
    return work / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", list(settings.INTERVIEW_LANGUAGES))
def test_every_entry_of_a_catalogue_is_translated_and_none_is_fuzzy(language):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(_catalogue(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "translated messages" in result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.mark.parametrize("language", list(settings.INTERVIEW_LANGUAGES))
def test_every_message_the_code_marks_is_in_the_catalogue(language, extracted):
    result = subprocess.run(
        ["msgcmp", "--use-untranslated", "--use-fuzzy", str(_catalogue(language)), str(extracted)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        f"missing from locale/{language}: run makemessages (docs/LANGUAGES.md)\n{result.stderr}"
    )


@pytest.mark.parametrize("language", list(settings.INTERVIEW_LANGUAGES))
def test_a_catalogue_holds_no_message_the_code_no_longer_uses(language, extracted):
    result = subprocess.run(
        ["msgcmp", "--use-untranslated", "--use-fuzzy", str(extracted), str(_catalogue(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"stale in locale/{language}:\n{result.stderr}"


def test_every_configured_language_is_a_language_django_can_activate():
    assert [(code, spec["name"]) for code, spec in settings.INTERVIEW_LANGUAGES.items()] == settings.LANGUAGES
    for code in settings.INTERVIEW_LANGUAGES:
        assert _catalogue(code).exists(), code
