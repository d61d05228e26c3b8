"""WebSocket routes."""

from django.urls import path

from interviews.consumers import InterviewConsumer

websocket_urlpatterns = [
    path("ws/interview/<str:token>/", InterviewConsumer.as_asgi()),
]
