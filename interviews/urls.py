"""Candidate-facing pages (the invite, the interview, the end)."""

from django.urls import path

from interviews import views

app_name = "interviews"
urlpatterns = [
    path("i/<str:token>/", views.invite, name="invite"),
    path("i/<str:token>/live/", views.live, name="live"),
    path("i/<str:token>/done/", views.done, name="done"),
]
