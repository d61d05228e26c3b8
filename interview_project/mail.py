"""The default email backend: Django's console backend, with invite tokens redacted.

Invite links are bearer credentials, and the server's output ends up in logs; the recruiter has the
link in admin already. Set EMAIL_BACKEND=smtp to send real email.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.mail.backends.console import EmailBackend

from interview_project.redaction import redact_invite_tokens


class RedactingConsoleBackend(EmailBackend):
    def write_message(self, message: Any) -> None:
        stream, buffer = self.stream, io.StringIO()
        self.stream = buffer
        try:
            super().write_message(message)
        finally:
            self.stream = stream
        self.stream.write(redact_invite_tokens(buffer.getvalue()))
