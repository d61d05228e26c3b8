"""The interviewer's face by settings: AVATAR_MODEL_URL picks the GLB (the bundled head by default, any
http(s) URL, a static path, or none), the camera settings default to the original system's view, a bad
value stops start-up with one line, and the interview page carries them to the browser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.factories import make_interview

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'url': settings.AVATAR_MODEL_URL, 'camera': settings.AVATAR_CAMERA_POSITION, "
    "'fov': settings.AVATAR_CAMERA_FOV, "
    "'connect': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src']}))"
)
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("AVATAR_", "DJANGO_"))}


def settings_with(tmp_path: Path, **env: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "interview_project.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout)
    return values


def test_the_default_is_the_bundled_head_seen_as_the_original_system_saw_its_avatar(tmp_path: Path) -> None:
    values = settings_with(tmp_path)
    assert values["url"] == "/static/interviews/avatar/head.glb"
    assert values["camera"] == [0, -0.2, 0.35]
    assert values["fov"] == 50
    # A same-site model widens nothing: its textures are decoded through img-src's blob:, not fetch().
    assert values["connect"] == ["'self'"]


def test_the_bundled_head_is_a_static_file() -> None:
    assert finders.find("interviews/avatar/head.glb")


def test_a_recruiters_model_on_another_host_is_allowed_to_be_fetched(tmp_path: Path) -> None:
    url = "https://models.example.com/avatars/64f1.glb?morphTargets=ARKit,Oculus%20Visemes"
    values = settings_with(
        tmp_path, AVATAR_MODEL_URL=url, AVATAR_CAMERA_POSITION="0, -0.1, 0.6", AVATAR_CAMERA_FOV="35"
    )
    assert values["url"] == url
    assert values["camera"] == [0, -0.1, 0.6]
    assert values["fov"] == 35
    assert values["connect"] == ["'self'", "https://models.example.com"]


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("none", ""),
        ("None", ""),
        ("avatars/me.glb", "/static/avatars/me.glb"),
        ("/avatars/me.glb", "/avatars/me.glb"),
    ],
)
def test_a_model_can_be_a_static_file_a_site_path_or_none(tmp_path: Path, value: str, url: str) -> None:
    values = settings_with(tmp_path, AVATAR_MODEL_URL=value)
    assert values["url"] == url
    assert values["connect"] == ["'self'"]


@pytest.mark.django_db
def test_the_interview_page_carries_the_avatar_settings(client: Client, settings: Any) -> None:
    settings.AVATAR_MODEL_URL = "https://models.example.com/me.glb"
    settings.AVATAR_CAMERA_POSITION = [0.0, -0.15, 0.4]
    settings.AVATAR_CAMERA_FOV = 42.0
    interview = make_interview()

    response = client.get(reverse("interviews:live", kwargs={"token": interview.invite_token}))

    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["client_config"]["avatar"] == {
        "url": "https://models.example.com/me.glb",
        "cameraPosition": [0.0, -0.15, 0.4],
        "cameraFov": 42.0,
    }
    # Both faces are on the page: the 2D one shown, the 3D one's canvas hidden until it has drawn.
    assert 'id="avatar"' in page
    assert 'id="avatar-3d"' in page
    assert "interviews/avatar/avatar.css" in page


@pytest.mark.django_db
def test_with_no_model_the_page_asks_for_the_2d_face_only(client: Client, settings: Any) -> None:
    settings.AVATAR_MODEL_URL = ""
    interview = make_interview()

    response = client.get(reverse("interviews:live", kwargs={"token": interview.invite_token}))

    assert response.context["client_config"]["avatar"] is None
