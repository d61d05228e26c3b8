"""Settings come from the environment, switch services by URL, and fail early with one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; from django.db import connection; "
    "sqlite = lambda: connection.vendor == 'sqlite' and [connection.cursor().execute(f'PRAGMA {p}').fetchone()[0] "
    "for p in ('journal_mode', 'synchronous')]; "
    "django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], "
    "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], 'providers': settings.INTERVIEW_PROVIDERS, "
    "'debug': settings.DEBUG, 'media': str(settings.MEDIA_ROOT), 'sqlite': sqlite()}))"
)
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("OPENAI", "ELEVENLABS", "DATABASE_URL", "REDIS_URL", "STT_", "LLM_", "TTS_", "DJANGO_"))
}


def probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "interview_project.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_are_embedded_sqlite_in_memory_layer_and_local_engines(tmp_path):
    result = probe(tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.sqlite3"
    # Write-ahead logging, every commit synced (2 = FULL): cheaper commits, nothing committed lost.
    assert values["sqlite"] == ["wal", 2]
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["providers"] == {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    assert values["debug"] is False
    assert values["media"] == str(tmp_path / "media")
    assert (tmp_path / "secret_key").exists()  # a generated dev key, kept for restarts


def test_urls_switch_to_postgresql_and_redis_and_keys_to_cloud_providers(tmp_path):
    result = probe(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        OPENAI_API_KEY="k",
        ELEVENLABS_API_KEY="k",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.postgresql"
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"
    assert values["providers"] == {"stt": ["openai"], "llm": ["openai"], "tts": ["elevenlabs"]}


def test_explicit_providers_win_and_form_fallback_chains(tmp_path):
    result = probe(
        tmp_path, OPENAI_API_KEY="k", ELEVENLABS_API_KEY="k", TTS_PROVIDER="elevenlabs,local", STT_PROVIDER="local"
    )
    values = json.loads(result.stdout)
    assert values["providers"] == {"stt": ["local"], "llm": ["openai"], "tts": ["elevenlabs", "local"]}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TTS_PROVIDER": "acme"}, "TTS_PROVIDER='acme' is not a known provider; choose from: elevenlabs, local."),
        ({"LLM_PROVIDER": "openai"}, "LLM_PROVIDER=openai needs OPENAI_API_KEY to be set."),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG='maybe' is not a boolean"),
        ({"DJANGO_PRODUCTION": "1"}, "DJANGO_SECRET_KEY must be set when DJANGO_PRODUCTION=1."),
        ({"DJANGO_ALLOWED_ORIGINS": "*"}, "DJANGO_ALLOWED_ORIGINS: '*' is not an exact web origin"),
        ({"DJANGO_ALLOWED_ORIGINS": "example.com"}, "DJANGO_ALLOWED_ORIGINS: 'example.com' is not an exact web origin"),
        (
            {"DJANGO_CSRF_TRUSTED_ORIGINS": "https://*.example.com"},
            "'https://*.example.com' is not an exact web origin",
        ),
        (
            {"EMAIL_BACKEND": "pigeon"},
            "EMAIL_BACKEND='pigeon' is not a known email backend; choose from: console, smtp, file, locmem, dummy.",
        ),
        ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "EMAIL_USE_TLS and EMAIL_USE_SSL are both set"),
        # the interviewer's 3D face (issue #17)
        ({"AVATAR_MODEL_URL": "javascript:alert(1)"}, "AVATAR_MODEL_URL='javascript:alert(1)' is not a model"),
        ({"AVATAR_MODEL_URL": "//cdn.example.com/x.glb"}, "is not a model the page can load"),
        ({"AVATAR_MODEL_URL": "ftp://example.com/x.glb"}, "is not a model the page can load"),
        ({"AVATAR_CAMERA_POSITION": "0,0.35"}, "AVATAR_CAMERA_POSITION='0,0.35' is not three numbers"),
        ({"AVATAR_CAMERA_POSITION": "a,b,c"}, "is not three numbers"),
        ({"AVATAR_CAMERA_FOV": "170"}, "AVATAR_CAMERA_FOV=170 is not a field of view"),
    ],
)
def test_misconfiguration_fails_at_start_up_with_one_clear_line(tmp_path, env, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**CLEAN, "DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **CLEAN,
            "DATA_DIR": str(tmp_path),
            "DJANGO_PRODUCTION": "1",
            "DJANGO_SECRET_KEY": "x" * 60 + "production-secret-key-with-enough-entropy",
            "DJANGO_ALLOWED_HOSTS": "interviews.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


EMAIL_PROBE = (
    "import json, django; from django.conf import settings; from django.db import connection; "
    "sqlite = lambda: connection.vendor == 'sqlite' and [connection.cursor().execute(f'PRAGMA {p}').fetchone()[0] "
    "for p in ('journal_mode', 'synchronous')]; "
    "django.setup(); "
    "print(json.dumps([settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, "
    "settings.DEFAULT_FROM_EMAIL]))"
)


def test_email_prints_to_the_console_by_default_and_sends_by_smtp_when_configured(tmp_path):
    def email_settings(**env: str) -> list[object]:
        result = subprocess.run(
            [sys.executable, "-c", EMAIL_PROBE],
            cwd=ROOT,
            env={**CLEAN, "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "interview_project.settings", **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    clean = {k: "" for k in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL")}
    assert email_settings(**clean)[0] == "interview_project.mail.RedactingConsoleBackend"
    assert email_settings(
        EMAIL_BACKEND="smtp",
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="Hiring <hiring@example.com>",
    ) == ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.com", 587, True, "Hiring <hiring@example.com>"]


ORIGINS_PROBE = (
    "import json, django; from django.conf import settings; from django.db import connection; "
    "sqlite = lambda: connection.vendor == 'sqlite' and [connection.cursor().execute(f'PRAGMA {p}').fetchone()[0] "
    "for p in ('journal_mode', 'synchronous')]; "
    "import json, django; from django.conf import settings; django.setup(); print(json.dumps(settings.ALLOWED_ORIGINS))"
)


def allowed_origins(tmp_path: Path, **env: str) -> list[str]:
    """settings.ALLOWED_ORIGINS as a process started with `env` (on top of a clean environment) sees it."""
    result = subprocess.run(
        [sys.executable, "-c", ORIGINS_PROBE],
        cwd=ROOT,
        env={**CLEAN, "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "interview_project.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_socket_origins_are_the_public_and_csrf_origins_plus_local_names_outside_production(tmp_path):
    env = {
        "PUBLIC_BASE_URL": "https://Jobs.Example.com/interviews/",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://admin.example.com",
        "PORT": "9000",
    }
    assert allowed_origins(tmp_path, **env) == [
        "https://jobs.example.com",
        "https://admin.example.com",
        "http://localhost:9000",
        "http://127.0.0.1:9000",
        "http://[::1]:9000",
    ]
    production = {**env, "DJANGO_PRODUCTION": "1", "DJANGO_SECRET_KEY": "x" * 50}
    assert allowed_origins(tmp_path, **production) == ["https://jobs.example.com", "https://admin.example.com"]
    explicit = {**production, "DJANGO_ALLOWED_ORIGINS": "https://a.example.com, https://b.example.com:8443"}
    assert allowed_origins(tmp_path, **explicit) == ["https://a.example.com", "https://b.example.com:8443"]
