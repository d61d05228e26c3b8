"""Django settings: every value is read from the environment here, once, and validated."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = os.environ


def env_bool(name: str, default: bool = False) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1/0, true/false, yes/no.")


def env_float(name: str, default: float) -> float:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from exc


def env_int(name: str, default: int) -> int:
    return int(env_float(name, default))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env.get(name, default).split(",") if item.strip()]


# --- core -------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)
DATA_DIR = Path(env.get("DATA_DIR") or BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _dev_secret_key() -> str:
    # A generated key kept on disk so sessions survive restarts of the embedded default.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


PRODUCTION = env_bool("DJANGO_PRODUCTION", False)
SECRET_KEY = env.get("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_PRODUCTION=1.")
    SECRET_KEY = _dev_secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
PORT = env_int("PORT", 8000)
# The base URL printed in invite links; defaults to the local server.
PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", f"http://localhost:{PORT}").rstrip("/")


def web_origin(url: str, *, variable: str) -> str:
    """`scheme://host[:port]` of an http(s) URL, lower-cased; anything vaguer is a configuration error.

    WebSocket origins are compared exactly (scheme, host and port), so a wildcard, or a bare host name
    (which channels' OriginValidator would match on the host alone), is refused here.
    """
    parts = urlsplit(url.strip())
    try:
        _ = parts.port  # raises ValueError when the port is not a number
        port_is_a_number = True
    except ValueError:
        port_is_a_number = False
    host = parts.hostname or ""
    exact = host and not host.startswith(".") and "*" not in host and "@" not in parts.netloc
    if parts.scheme not in {"http", "https"} or not exact or not port_is_a_number:
        raise ImproperlyConfigured(
            f"{variable}: {url!r} is not an exact web origin; write it as scheme://host[:port], "
            "e.g. https://interviews.example.com."
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _allowed_origins() -> list[str]:
    """The page origins a WebSocket may come from: DJANGO_ALLOWED_ORIGINS, else the public origin and
    the CSRF-trusted ones, plus (outside production) this server reached by a local name."""
    if env.get("DJANGO_ALLOWED_ORIGINS", "").strip():
        return [web_origin(o, variable="DJANGO_ALLOWED_ORIGINS") for o in env_list("DJANGO_ALLOWED_ORIGINS")]
    origins = [web_origin(PUBLIC_BASE_URL, variable="PUBLIC_BASE_URL")]
    # A wildcard CSRF origin stops start-up here too: name the exact ones in DJANGO_ALLOWED_ORIGINS.
    csrf = "DJANGO_CSRF_TRUSTED_ORIGINS (unless DJANGO_ALLOWED_ORIGINS is set)"
    origins += [web_origin(o, variable=csrf) for o in CSRF_TRUSTED_ORIGINS]
    if not PRODUCTION:
        origins += [f"http://{host}:{PORT}" for host in ("localhost", "127.0.0.1", "[::1]")]
    return list(dict.fromkeys(origins))


# Checked at the WebSocket handshake (interview_project/security.py); HTTP forms have CSRF instead.
ALLOWED_ORIGINS = _allowed_origins()

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "interviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "interview_project.urls"
ASGI_APPLICATION = "interview_project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database and channel layer ---------------------------------------------------------------

DATABASE_URL = env.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            # Keep each thread's connection: opening SQLite for every call cost ~4 % under load.
            "CONN_MAX_AGE": None,
            # SQLite is shared by the event loop's worker threads; wait rather than fail on a lock.
            # Write-ahead logging: a commit appends to the log with one fsync (the rollback journal
            # took two or more), and recruiters reading in the admin never wait for an interview's
            # writes. synchronous=FULL keeps every committed turn across a power cut. At 50 hands-free
            # sessions: ~7 % less CPU per turn (BENCHMARKS.md, #22, session 14).
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
            },
        }
    }

REDIS_URL = env.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 times a socket read out after 5 s, exactly as long as channels_redis blocks
            # waiting for a message: every session idle for 5 s was closed (1011). No read timeout.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- i18n, static, media ----------------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# What a candidate reads and hears comes from the catalogues locale/<code>/LC_MESSAGES/django.po
# (compiled by `make run` / `make test`), in the interview's language, not the browser's.
LOCALE_PATHS = [BASE_DIR / "locale"]

# The languages an interview can be in: a template's language is one of these codes. Adding one is a
# catalogue plus an entry here (docs/LANGUAGES.md). Per language:
#   name: shown to recruiters;
#   elevenlabs_voice: the ElevenLabs voice id ("": ELEVENLABS_VOICE_ID; the default model,
#     eleven_flash_v2_5, is multilingual, so one voice can speak every language);
#   espeak_voice: the offline voice (espeak-ng -v; English speaks with Piper unless a template's voice
#     is "espeak:<voice>").
# Speech-to-text takes the code itself (Whisper and OpenAI transcription both know ISO 639-1).
INTERVIEW_LANGUAGES: dict[str, dict[str, Any]] = {
    "en": {"name": "English", "elevenlabs_voice": "", "espeak_voice": "en-us"},
    "ko": {"name": "Korean", "elevenlabs_voice": "", "espeak_voice": "ko"},
    "ja": {"name": "Japanese", "elevenlabs_voice": "", "espeak_voice": "ja"},
}
LANGUAGES = [(code, language["name"]) for code, language in INTERVIEW_LANGUAGES.items()]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.get("STATIC_ROOT") or DATA_DIR / "staticfiles")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from STATICFILES_DIRS too, so `collectstatic` is optional for the embedded default.
WHITENOISE_USE_FINDERS = True
# Audio is personal data: it lives under MEDIA_ROOT and is served only by permission-checked
# views, never by a public MEDIA_URL.
MEDIA_ROOT = Path(env.get("MEDIA_ROOT") or DATA_DIR / "media")
MEDIA_URL = "/media-not-public/"

# --- the interviewer's face (issue #17) -----------------------------------------------------------

# The interview page shows the interviewer as a 3D head drawn with three.js (vendored under
# static/interviews/vendor/three), or as a 2D face where the browser has no WebGL or the model does
# not load. AVATAR_MODEL_URL picks the GLB: empty for the bundled head
# (static/interviews/avatar/head.glb); a path among the static files; a path on this site
# ("/avatars/me.glb", served by your proxy); an http(s) URL (e.g. a Ready Player Me export: that host
# must allow this site by CORS, and its origin joins connect-src); or "none" for the 2D face only.
# The camera sits at an offset from the top and front of the head and looks straight ahead, as the
# system this replaces placed it: [0, -0.2, 0.35] m with a 50 degree field of view.
AVATAR_BUNDLED_MODEL = "interviews/avatar/head.glb"


def _avatar_model_url() -> str:
    raw = env.get("AVATAR_MODEL_URL", "").strip()
    if not raw:
        return f"{STATIC_URL}{AVATAR_BUNDLED_MODEL}"
    if raw.lower() == "none":
        return ""
    parts = urlsplit(raw)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return raw
    if parts.scheme or parts.netloc or "\\" in raw:
        raise ImproperlyConfigured(
            f"AVATAR_MODEL_URL={raw!r} is not a model the page can load; use an http(s) URL, a path "
            "starting with /, a path among the static files, or none."
        )
    return raw if raw.startswith("/") else f"{STATIC_URL}{raw}"


def _avatar_camera_position() -> list[float]:
    raw = env.get("AVATAR_CAMERA_POSITION", "").strip() or "0,-0.2,0.35"
    try:
        position = [float(value) for value in raw.split(",")]
    except ValueError:
        position = []
    if len(position) != 3:
        raise ImproperlyConfigured(
            f"AVATAR_CAMERA_POSITION={raw!r} is not three numbers x,y,z in metres, e.g. 0,-0.2,0.35."
        )
    return position


AVATAR_MODEL_URL = _avatar_model_url()
AVATAR_CAMERA_POSITION = _avatar_camera_position()
AVATAR_CAMERA_FOV = env_float("AVATAR_CAMERA_FOV", 50.0)
if not 10 <= AVATAR_CAMERA_FOV <= 120:
    raise ImproperlyConfigured(
        f"AVATAR_CAMERA_FOV={AVATAR_CAMERA_FOV:g} is not a field of view from 10 to 120 degrees."
    )
# The model's host, when it is not this site, for connect-src.
AVATAR_MODEL_ORIGINS = [web_origin(AVATAR_MODEL_URL, variable="AVATAR_MODEL_URL")] if "://" in AVATAR_MODEL_URL else []

# --- security (production) --------------------------------------------------------------------

SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("DJANGO_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp): no inline script anywhere, no inline
# style either (Django admin needs none; our pages keep their CSS in static/). The printable report,
# also saved as a standalone file, keeps its CSS inline under a per-response nonce.
# 'self' in connect-src covers the page's own ws:/wss: origin; blob: is the MediaSource the
# interviewer's voice plays from; data: is the empty favicon. The avatar decodes a GLB's embedded
# textures through <img> from blob: URLs (img-src), not fetch() (avatar/head.js), so connect-src stays
# 'self'; only an AVATAR_MODEL_URL on another host adds that one origin, for the page to fetch it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF, CSP_NONCE],
        "connect-src": [CSP_SELF, *AVATAR_MODEL_ORIGINS],
        "img-src": [CSP_SELF, "data:", "blob:"],
        "media-src": [CSP_SELF, "blob:"],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        "form-action": [CSP_SELF],
    }
}

# --- email (invites) ------------------------------------------------------------------------------

# Django's email framework. The default prints each email to the server's output, invite tokens
# redacted (they are bearer credentials and never reach a log); set EMAIL_BACKEND=smtp to send.
EMAIL_BACKENDS = {
    "console": "interview_project.mail.RedactingConsoleBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def _email_backend() -> str:
    name = env.get("EMAIL_BACKEND", "").strip().lower() or "console"
    if name not in EMAIL_BACKENDS:
        valid = ", ".join(EMAIL_BACKENDS)
        raise ImproperlyConfigured(f"EMAIL_BACKEND={name!r} is not a known email backend; choose from: {valid}.")
    return EMAIL_BACKENDS[name]


EMAIL_BACKEND = _email_backend()
EMAIL_HOST = env.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are both set; use one (TLS for port 587, SSL for 465).")
# A mail server that does not answer must not hold a recruiter's page for minutes.
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT_S", 10.0)
EMAIL_FILE_PATH = str(Path(env.get("EMAIL_FILE_PATH") or DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "Interviews <interviews@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- providers (see docs/DESIGN.md, "Environment contract") -----------------------------------

OPENAI_API_KEY = env.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = env.get("OPENAI_BASE_URL", "") or None
# gpt-4o (the seed's model) is marked deprecated by the installed SDK; gpt-5.4-mini is current and fast.
OPENAI_MODEL = env.get("OPENAI_MODEL", "gpt-5.4-mini")
OPENAI_STT_MODEL = env.get("OPENAI_STT_MODEL", "gpt-transcribe")
ELEVENLABS_API_KEY = env.get("ELEVENLABS_API_KEY", "")
ELEVENLABS_BASE_URL = env.get("ELEVENLABS_BASE_URL", "") or None
ELEVENLABS_VOICE_ID = env.get("ELEVENLABS_VOICE_ID", "21m00Tcm4TlvDq8ikWAM")
ELEVENLABS_MODEL_ID = env.get("ELEVENLABS_MODEL_ID", "eleven_flash_v2_5")
PROVIDER_TIMEOUT_S = env_float("PROVIDER_TIMEOUT_S", 30.0)
PROVIDER_CONNECT_TIMEOUT_S = env_float("PROVIDER_CONNECT_TIMEOUT_S", 5.0)

PROVIDER_CHOICES = {
    "stt": {"openai": "OPENAI_API_KEY", "local": None},
    "llm": {"openai": "OPENAI_API_KEY", "local": None},
    "tts": {"elevenlabs": "ELEVENLABS_API_KEY", "local": None},
}
_CLOUD_DEFAULT = {"stt": "openai", "llm": "openai", "tts": "elevenlabs"}


def _providers(stage: str, variable: str) -> list[str]:
    """The stage's provider chain: explicit (comma list = fallbacks) or cloud if keyed, else local."""
    raw = env.get(variable, "").strip()
    if not raw:
        cloud = _CLOUD_DEFAULT[stage]
        return [cloud] if env.get(PROVIDER_CHOICES[stage][cloud] or "") else ["local"]
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    for name in names:
        if name not in PROVIDER_CHOICES[stage]:
            valid = ", ".join(PROVIDER_CHOICES[stage])
            raise ImproperlyConfigured(f"{variable}={name!r} is not a known provider; choose from: {valid}.")
        key = PROVIDER_CHOICES[stage][name]
        if key and not env.get(key):
            raise ImproperlyConfigured(f"{variable}={name} needs {key} to be set.")
    return names


INTERVIEW_PROVIDERS = {
    "stt": _providers("stt", "STT_PROVIDER"),
    "llm": _providers("llm", "LLM_PROVIDER"),
    "tts": _providers("tts", "TTS_PROVIDER"),
}
# Evaluate each interview against its rubric in the background when it ends.
INTERVIEW_EVALUATE_ON_FINISH = env_bool("INTERVIEW_EVALUATE_ON_FINISH", True)
# Models fetched at setup (scripts/fetch_models.py), outside DATA_DIR so a data volume never hides
# them: the end-of-turn model.
MODELS_DIR = Path(env.get("MODELS_DIR") or BASE_DIR / "models")
# Load and warm local models when the server starts, so the first candidate does not pay for it.
WARM_PROVIDERS = env_bool("WARM_PROVIDERS", True)

# --- interview behaviour and limits -----------------------------------------------------------

INTERVIEW: dict[str, Any] = {
    "HISTORY_MESSAGES": env_int("INTERVIEW_HISTORY_MESSAGES", 10),
    # Seed-protocol clients never send audio_end: an answer ends after this long without a chunk.
    "ANSWER_GAP_S": env_float("INTERVIEW_ANSWER_GAP_S", 1.0),
    # Hands-free: the pause that ends a complete-sounding answer (longer after hesitation).
    "ENDPOINT_SILENCE_S": env_float("INTERVIEW_ENDPOINT_SILENCE_S", 1.2),
    "MAX_FRAME_BYTES": env_int("INTERVIEW_MAX_FRAME_BYTES", 1_000_000),
    "MAX_ANSWER_BYTES": env_int("INTERVIEW_MAX_ANSWER_BYTES", 12_000_000),
    # Per answer, in seconds of decoded audio (not arrival time) and in stored bytes.
    "MAX_ANSWER_SECONDS": env_float("INTERVIEW_MAX_ANSWER_SECONDS", 300.0),
    # Per interview: answers, and the candidate's stored audio (seconds are also capped by the
    # template's time limit). An answer reaching a limit is cut there, answered, and the interview closes.
    "MAX_ANSWERS": env_int("INTERVIEW_MAX_ANSWERS", 300),
    "MAX_INTERVIEW_AUDIO_SECONDS": env_float("INTERVIEW_MAX_INTERVIEW_AUDIO_SECONDS", 4 * 3600.0),
    "MAX_INTERVIEW_AUDIO_BYTES": env_int("INTERVIEW_MAX_INTERVIEW_AUDIO_BYTES", 512_000_000),
    # Messages from one socket: this many a second on average, and this many at once (a loaded server
    # reads a stalled socket's queued audio chunks in one go; the page sends 20 a second).
    "MAX_MESSAGES_PER_SECOND": env_float("INTERVIEW_MAX_MESSAGES_PER_SECOND", 50.0),
    "MAX_MESSAGE_BURST": env_int("INTERVIEW_MAX_MESSAGE_BURST", 250),
    "MAX_SESSIONS": env_int("INTERVIEW_MAX_SESSIONS", 500),
    # Hands-free microphones are decoded and their voice detected in this many worker processes
    # beside each server process, off its GIL (0: in threads of the server process).
    "LISTENING_PROCESSES": env_int("INTERVIEW_LISTENING_PROCESSES", 1),
    "DEFAULT_EXPIRY_DAYS": env_int("INTERVIEW_DEFAULT_EXPIRY_DAYS", 7),
    # An interview in progress with no connection for this long becomes "abandoned".
    "ABANDON_AFTER_MINUTES": env_float("INTERVIEW_ABANDON_AFTER_MINUTES", 30.0),
}

# --- candidate rights and records (docs/COMPLIANCE.md) -------------------------------------------


def env_days_or_none(name: str) -> int | None:
    """A number of days, or None (keep) when unset; never negative."""
    if not env.get(name):
        return None
    days = env_int(name, 0)
    if days < 0:
        raise ImproperlyConfigured(f"{name}={days} must be zero or more days (or unset: keep).")
    return days


COMPLIANCE: dict[str, Any] = {
    # When a candidate's request must be answered: a copy or erasure of their data (Illinois' AI
    # Video Interview Act: 30 days; GDPR: one month), a human interviewer or an accommodation, a
    # reconsideration.
    "DATA_REQUEST_DUE_DAYS": env_int("COMPLIANCE_DATA_REQUEST_DUE_DAYS", 30),
    "ALTERNATIVE_REQUEST_DUE_DAYS": env_int("COMPLIANCE_ALTERNATIVE_REQUEST_DUE_DAYS", 7),
    "RECONSIDERATION_DUE_DAYS": env_int("COMPLIANCE_RECONSIDERATION_DUE_DAYS", 30),
    # Audit entries are kept at least this long (the EU AI Act asks for at least six months of logs).
    "AUDIT_LOG_MIN_DAYS": env_int("COMPLIANCE_AUDIT_LOG_MIN_DAYS", 183),
    # The deployment's retention (a template's RetentionPolicy overrides it); unset: keep until erased.
    "RETENTION_AUDIO_DAYS": env_days_or_none("RETENTION_AUDIO_DAYS"),
    "RETENTION_TRANSCRIPT_DAYS": env_days_or_none("RETENTION_TRANSCRIPT_DAYS"),
}
if COMPLIANCE["AUDIT_LOG_MIN_DAYS"] < 1:
    raise ImproperlyConfigured("COMPLIANCE_AUDIT_LOG_MIN_DAYS must be at least 1.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Invite tokens are bearer credentials: paths in log lines (e.g. django.request's "Gone: /i/...")
    # show them as [redacted]. daphne's access log is redacted by interview_project/serve.py.
    "filters": {"invite_tokens": {"()": "interview_project.redaction.RedactInviteTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["invite_tokens"]}},
    "root": {"handlers": ["console"], "level": env.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"level": "INFO"},
        # The SDKs' HTTP clients log every request at INFO: noise, and a cost on the hot path.
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "faster_whisper": {"level": "WARNING"},
    },
}
