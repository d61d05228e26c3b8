"""WebSocket routes."""

from typing import Any

from django.urls import path

from interviews.consumers import InterviewConsumer
from interviews.monitor import MonitorConsumer

# channels' URLRouter routes to ASGI applications; django-stubs types path() for views only.
websocket_urlpatterns: list[Any] = [
    path("ws/interview/<str:token>/", InterviewConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/monitor/", MonitorConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/monitor/<int:interview_id>/", MonitorConsumer.as_asgi()),  # type: ignore[arg-type]
]
