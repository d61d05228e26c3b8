"""ASGI entry point: HTTP through Django, WebSockets through Channels behind the handshake checks."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")
# Django must be set up before the consumers (and their models) are imported.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 (Django is set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 (Django is set up first)

from interview_project.security import websocket_handshake_checks  # noqa: E402 (Django is set up first)
from interviews.heap import freeze_start_up  # noqa: E402 (Django is set up first)
from interviews.routing import websocket_urlpatterns  # noqa: E402 (Django is set up first)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin (scheme, host, port) and, in production, TLS are checked outermost, before the
        # session is read; the session user is needed by the staff monitor socket.
        "websocket": websocket_handshake_checks(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Nothing is live yet: what importing made is kept for good (interviews/heap.py).
freeze_start_up()
