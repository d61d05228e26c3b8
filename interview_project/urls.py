"""Top-level URLs: the candidate pages, recruiter admin and tools, and health check."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from interviews import monitor, recruiter_views
from interviews.evaluation import views as evaluation_views
from interviews.recruiting import views as recruiting_views


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


# Staff-only review, audio and live monitoring (permission-checked; audio is never a public file).
recruiter_patterns = [
    path("turns/<int:turn_id>/audio/", recruiter_views.turn_audio, name="turn_audio"),
    path(
        "interviews/<int:interview_id>/recording.mp3", recruiter_views.interview_recording, name="interview_recording"
    ),
    path("interviews/<int:interview_id>/report/", recruiter_views.interview_report, name="interview_report"),
    path("evaluation-guide/", evaluation_views.evaluation_guide, name="evaluation_guide"),
    path("templates/<int:template_id>/compare/", recruiting_views.template_compare, name="template_compare"),
    path("overview/", recruiting_views.overview, name="overview"),
    path("monitor/", monitor.monitor_list, name="monitor_list"),
    path("monitor/<int:interview_id>/", monitor.monitor_detail, name="monitor_detail"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("recruiter/", include((recruiter_patterns, "recruiter"))),
    path("", include("interviews.urls")),
]
