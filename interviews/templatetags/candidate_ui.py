"""Template helpers for the candidate pages' UI strings."""

import re

from django import template

register = template.Library()

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@register.filter
def subst(text: str, value: object) -> str:
    """Fill the `{name}` placeholder of a UI string: {{ ui.minutes|subst:20 }} -> "20 minutes"."""
    return _PLACEHOLDER.sub(lambda _match: str(value), str(text), count=1)
