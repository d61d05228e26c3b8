"""Invite tokens are bearer credentials: log lines show invite paths with the token replaced."""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# A path separator, also percent-encoded (Django routes `/i%2F<token>/` to the invite page too).
_SEPARATOR = r"(?:/|%2[Ff])"
# `/i/<token>/...` (the candidate's pages) and `/ws/interview/<token>/` (the candidate's socket).
_INVITE_PATH = re.compile(rf"({_SEPARATOR}(?:i|ws{_SEPARATOR}interview){_SEPARATOR})(?:(?!%2[Ff])[^/?#\s])+")


def redact_invite_tokens(text: str) -> str:
    """`text` with the token of every invite path in it replaced by [redacted]."""
    return _INVITE_PATH.sub(lambda match: match.group(1) + REDACTED, text)


class RedactInviteTokens(logging.Filter):
    """A logging filter (settings.LOGGING) that redacts invite paths in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_invite_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_invite_tokens(a) if isinstance(a, str) else a for a in record.args)
        return True
