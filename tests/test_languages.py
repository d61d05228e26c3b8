"""Language codes: every part keys its tables by the primary subtag that language_base gives."""

from __future__ import annotations

import pytest

from interviews.languages import language_base


@pytest.mark.parametrize(
    ("code", "base"),
    [
        ("en", "en"),
        ("en-US", "en"),
        ("ko-KR", "ko"),
        ("ko_KR", "ko"),
        ("EN-gb", "en"),
        (" ko ", "ko"),
        ("zh-Hant-TW", "zh"),
    ],
)
def test_a_tag_comes_down_to_its_primary_language_in_lower_case(code, base):
    assert language_base(code) == base


@pytest.mark.parametrize("code", ["", None, "-US", "_"])
def test_no_language_falls_back_to_the_default(code):
    assert language_base(code) == "en"
    assert language_base(code, default="ko") == "ko"
