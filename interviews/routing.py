"""WebSocket routes."""

from django.urls import path

from interviews.consumers import InterviewConsumer
from interviews.monitor import MonitorConsumer

websocket_urlpatterns = [
    path("ws/interview/<str:token>/", InterviewConsumer.as_asgi()),
    path("ws/monitor/", MonitorConsumer.as_asgi()),
    path("ws/monitor/<int:interview_id>/", MonitorConsumer.as_asgi()),
]
