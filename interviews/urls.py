"""Candidate-facing pages (the invite, the interview, the end)."""

from django.urls import path

from interviews import views
from interviews.compliance import views as rights_views

app_name = "interviews"
urlpatterns = [
    path("i/<str:token>/", views.invite, name="invite"),
    path("i/<str:token>/live/", views.live, name="live"),
    path("i/<str:token>/done/", views.done, name="done"),
    path("i/<str:token>/request/", rights_views.request_person, name="request_person"),
    path("i/<str:token>/about-you/", rights_views.about_you, name="about_you"),
]
