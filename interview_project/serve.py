"""`python -m interview_project.serve [daphne options] APP`: daphne's own command line, with this project's
transport settings. Every place that starts the server uses it (Makefile, Dockerfile, docker-compose.yml,
tests/live.py, bench/harness.py).

- The access log (stdout at daphne's default verbosity) shows invite paths with the token, a bearer
  credential, replaced: `/i/[redacted]/live/`, `/ws/interview/[redacted]/`.
- The WebSocket message and frame limits default to a transport limit derived from the app's own
  INTERVIEW_MAX_FRAME_BYTES (see TRANSPORT_LIMIT_FACTOR); explicit options still override them.
"""

from __future__ import annotations

import os
from typing import Any

# daphne.server installs Twisted's asyncio reactor when imported: before anything else imports Twisted.
from daphne.cli import CommandLineInterface
from daphne.server import Server
from django.conf import settings

from interview_project.redaction import redact_invite_tokens

# daphne's transport limit, as a multiple of the app's frame limit. Twice: a frame a little over the
# app's limit still reaches the app, which answers with its own `frame_too_large` error frame and keeps
# the session open (daphne's 1 MiB default cut the socket with 1009 for binary frames over 1 MiB, under
# the app's 1,000,000 bytes for text). The app counts a text frame in characters and daphne in bytes;
# JSON with base64 audio is ASCII, so 2x leaves room for every frame a real client sends. It still
# bounds what one connection can make the server buffer (2 MB by default).
TRANSPORT_LIMIT_FACTOR = 2


def transport_limit_bytes() -> int:
    """daphne's default limit for one WebSocket message and one frame."""
    return TRANSPORT_LIMIT_FACTOR * int(settings.INTERVIEW["MAX_FRAME_BYTES"])


class RedactingServer(Server):
    """daphne's server, whose access log never shows an invite token."""

    def log_action(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        if isinstance(details.get("path"), str):
            details = {**details, "path": redact_invite_tokens(details["path"])}
        super().log_action(protocol, action, details)


class ServeCommand(CommandLineInterface):
    description = "daphne serving the AI voice interviewer (daphne's options, with the project's defaults)"
    server_class = RedactingServer

    def __init__(self) -> None:
        super().__init__()
        limit = transport_limit_bytes()
        self.parser.set_defaults(websocket_max_message_size=limit, websocket_max_frame_size=limit)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")
    ServeCommand.entrypoint()
