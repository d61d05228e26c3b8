"""The WebSocket handshake's own checks, outermost in asgi.py: where the page came from, and TLS in production.

A socket that fails either is denied at the handshake (daphne answers the upgrade with HTTP 403; a
browser sees close code 1006), before any consumer, session or database work.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings

Scope = dict[str, Any]


def _forwarded_as_https(scope: Scope) -> bool:
    """The proxy says the browser used TLS: the header of SECURE_PROXY_SSL_HEADER, read as Django reads it."""
    if not settings.SECURE_PROXY_SSL_HEADER:
        return False
    meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
    header = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
    for name, value in scope.get("headers", []):
        if name == header:
            # As HttpRequest.is_secure: the first value of a comma list (the proxy nearest the client).
            return value.decode("latin1").split(",", 1)[0].strip() == secure_value
    return False


class SecureWebSocketOnly:
    """Refuses a `ws://` socket when `required` (production): it must be `wss`, or arrive through a TLS
    proxy that says so in SECURE_PROXY_SSL_HEADER (daphne sets no scheme in a WebSocket scope, so behind
    a proxy the header is the only sign)."""

    def __init__(self, application: Any, *, required: bool) -> None:
        self.application = application
        self.required = required

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.required and scope.get("scheme", "ws") != "wss" and not _forwarded_as_https(scope):
            await WebsocketDenier()(scope, receive, send)  # type: ignore[arg-type]  # an ASGI scope dict
            return
        await self.application(scope, receive, send)


def websocket_handshake_checks(application: Any) -> Any:
    """`application` behind the TLS check (production) and the exact Origin check.

    channels' OriginValidator compares scheme, host and port when the allowed origins carry a scheme,
    which settings.ALLOWED_ORIGINS always do (settings.web_origin refuses anything else); its
    AllowedHostsOriginValidator compared host names only, so another port or http for https passed.
    """
    return SecureWebSocketOnly(OriginValidator(application, settings.ALLOWED_ORIGINS), required=settings.PRODUCTION)
