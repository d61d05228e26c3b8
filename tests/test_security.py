"""Rules enforced at the edges: the WebSocket handshake (exact Origin; TLS in production) and the
Content-Security-Policy of every page."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import websockets
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interview_project.asgi import application
from interviews.models import Interview, InterviewTemplate
from interviews.testing.live import LiveServer
from tests.factories import make_interview
from tests.recruiter_factories import add_conversation, finished

PORT = settings.PORT
# Under pytest: the public origin http://localhost:8000 and this server by its local names.
ACCEPTED = [origin.encode() for origin in settings.ALLOWED_ORIGINS]
REFUSED = [
    f"http://localhost:{PORT + 1}".encode(),  # the same host on another port
    f"http://127.0.0.1:{PORT + 1}".encode(),
    b"https://127.0.0.1",  # https (port 443) for an http server
    f"https://localhost:{PORT}".encode(),  # the right port, the wrong scheme
    b"http://evil.example",
    b"null",  # a sandboxed frame or a file:// page
    None,  # no Origin header at all
]


def origin_headers(origin: bytes | None, cookie: bytes | None = None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", origin)] if origin is not None else []
    return [*headers, (b"cookie", cookie)] if cookie else headers


@database_sync_to_async
def consented_interview() -> Interview:
    # Greeted already, so an accepted socket stays quiet after its session_state.
    return make_interview(consented_at=timezone.now(), greeting_spoken=True)


@database_sync_to_async
def staff_cookie() -> bytes:
    user = User.objects.create_superuser(f"staff-{secrets.token_hex(4)}", "staff@example.com", "pw")
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


# --- Origin: scheme, host and port -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", REFUSED, ids=lambda o: repr(o))
async def test_an_interview_socket_from_any_other_origin_is_refused_at_the_handshake(origin):
    interview = await consented_interview()
    comm = WebsocketCommunicator(application, f"/ws/interview/{interview.invite_token}/", origin_headers(origin))
    connected, _ = await comm.connect()
    assert not connected
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", ACCEPTED, ids=lambda o: o.decode())
async def test_an_interview_socket_from_the_public_origin_or_this_server_by_a_local_name_opens(origin, settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    interview = await consented_interview()
    comm = WebsocketCommunicator(application, f"/ws/interview/{interview.invite_token}/", origin_headers(origin))
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=5))["type"] == "session_state"
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_staff_cookie_from_another_origin_does_not_open_the_monitor():
    cookie = await staff_cookie()
    foreign = WebsocketCommunicator(application, "/ws/monitor/", origin_headers(REFUSED[0], cookie))
    assert (await foreign.connect())[0] is False
    await foreign.disconnect()
    own = WebsocketCommunicator(application, "/ws/monitor/", origin_headers(ACCEPTED[0], cookie))
    assert (await own.connect())[0] is True
    await own.disconnect()


# --- production: TLS or nothing ----------------------------------------------------------------

PUBLIC = "https://interviews.example.test"


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real daphne with DJANGO_PRODUCTION=1, reached as if through a TLS proxy at PUBLIC."""
    env = {
        "DJANGO_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "PUBLIC_BASE_URL": PUBLIC,
        "DJANGO_SSL_REDIRECT": "0",  # the proxy redirects; the start-up check polls plain http
    }
    live = LiveServer(data_dir=tmp_path_factory.mktemp("production") / "data", env=env).prepare().start()
    yield live
    live.stop()


async def handshake_status(url: str, *, origin: str, headers: dict[str, str] | None = None) -> int:
    """101 when the socket opens, else the HTTP status the server refused the upgrade with."""
    try:
        async with websockets.connect(url, origin=origin, additional_headers=headers or {}):  # type: ignore[arg-type]
            return 101
    except websockets.InvalidStatus as refused:
        return refused.response.status_code


@pytest.mark.slow
async def test_in_production_a_socket_opens_only_when_the_proxy_says_https(production_server: LiveServer):
    token = production_server.create_interview(consent=False)["token"]  # the handshake comes first
    url = f"{production_server.ws_url}/ws/interview/{token}/"
    assert await handshake_status(url, origin=PUBLIC) == 403  # plain ws://, nobody vouching for TLS
    assert await handshake_status(url, origin=PUBLIC, headers={"X-Forwarded-Proto": "http"}) == 403
    assert await handshake_status(url, origin=PUBLIC, headers={"X-Forwarded-Proto": "https"}) == 101
    # The proxy nearest the client comes first in a list, as Django's own check reads it.
    assert await handshake_status(url, origin=PUBLIC, headers={"X-Forwarded-Proto": "https, http"}) == 101


@pytest.mark.slow
async def test_in_production_the_local_origins_are_not_allowed(production_server: LiveServer):
    token = production_server.create_interview(consent=False)["token"]  # the handshake comes first
    url = f"{production_server.ws_url}/ws/interview/{token}/"
    https = {"X-Forwarded-Proto": "https"}
    assert await handshake_status(url, origin=production_server.url, headers=https) == 403
    assert await handshake_status(url, origin=f"http://localhost:{production_server.port}", headers=https) == 403


# --- Content-Security-Policy -------------------------------------------------------------------


def policy_of(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


class InlineCode(HTMLParser):
    """What a strict policy would block in a page: inline scripts, handlers, styles and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.style_nonces: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src") and values.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style":
            self.style_nonces.append(values.get("nonce"))
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")


def assert_strict_page(response: Any) -> None:
    assert response.status_code in {200, 400, 404, 410}, response.status_code
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in value for values in policy.values() for value in values), policy
    page = InlineCode()
    page.feed(response.content.decode())
    assert page.found == [], (response.request["PATH_INFO"], page.found)
    # An inline <style> is allowed only with this response's nonce (the printable report).
    for nonce in page.style_nonces:
        assert nonce and f"'nonce-{nonce}'" in policy["style-src"], (response.request["PATH_INFO"], nonce)


@pytest.mark.django_db
def test_every_candidate_page_carries_a_strict_policy():
    client = Client()
    interview = make_interview()
    invite = reverse("interviews:invite", args=[interview.invite_token])
    assert_strict_page(client.get(invite))
    assert_strict_page(client.post(invite, {}))  # consent missing: the page again, with the error
    assert client.post(invite, {"consent": "yes"}).status_code == 302
    assert_strict_page(client.get(reverse("interviews:live", args=[interview.invite_token])))
    assert_strict_page(client.get(reverse("interviews:done", args=[interview.invite_token])))
    assert_strict_page(client.get(reverse("interviews:invite", args=["no-such-token"])))  # 404
    expired = make_interview(expires_at=timezone.now() - timedelta(days=1))
    assert_strict_page(client.get(reverse("interviews:invite", args=[expired.invite_token])))  # 410


@pytest.mark.django_db
def test_every_recruiter_and_admin_page_carries_a_strict_policy():
    assert_strict_page(Client().get(reverse("admin:login")))
    client = Client()
    client.force_login(User.objects.create_superuser("recruiter", "recruiter@example.com", "pw"))
    interview = make_interview(status=Interview.Status.IN_PROGRESS)
    add_conversation(interview, audio=False)
    reviewed = make_interview()
    add_conversation(reviewed, audio=False)
    finished(reviewed)
    template = InterviewTemplate.objects.first()
    assert template is not None
    for url in [
        reverse("admin:index"),
        reverse("admin:interviews_interview_changelist"),
        reverse("admin:interviews_interview_change", args=[interview.pk]),
        reverse("admin:interviews_interview_change", args=[reviewed.pk]),
        reverse("admin:interviews_interviewtemplate_changelist"),
        reverse("admin:interviews_interviewtemplate_change", args=[template.pk]),
        reverse("admin:interviews_interview_add"),
        reverse("admin:interviews_interview_bulk_invite"),
        reverse("admin:interviews_interview_links", args=["revoke"]) + f"?ids={interview.pk}",
        reverse("admin:interviews_interview_links", args=["extend"]) + f"?ids={reviewed.pk}",
        reverse("admin:interviews_interviewtemplate_draft_plan", args=[template.pk]),
        reverse("recruiter:template_compare", args=[template.pk]),
        reverse("recruiter:overview"),
        reverse("admin:interviews_evaluation_changelist"),
        reverse("admin:interviews_turn_changelist"),
        reverse("recruiter:interview_report", args=[reviewed.pk]),  # inline CSS under a nonce
        reverse("recruiter:monitor_list"),
        reverse("recruiter:monitor_detail", args=[interview.pk]),
    ]:
        assert_strict_page(client.get(url))
    invite_form = reverse("admin:interviews_interview_add")
    created = client.post(
        invite_form, {"template": template.pk, "candidate_name": "Ada Lovelace", "expires_in_days": 3}, follow=True
    )
    assert b"Copy link" in created.content
    assert_strict_page(created)
    # The plan draft with its forms, the CSV preview with a bad row, and its result page.
    assert_strict_page(
        client.post(reverse("admin:interviews_interviewtemplate_draft_plan", args=[template.pk]), {"step": "draft"})
    )
    uploaded = client.post(
        reverse("admin:interviews_interview_bulk_invite"),
        {
            "template": template.pk,
            "expires_in_days": 7,
            "file": SimpleUploadedFile("c.csv", b"name,email\nAda,ada@example.com\nBo,nope\n", "text/csv"),
        },
    )
    assert_strict_page(client.get(uploaded["Location"]))
    assert_strict_page(client.post(uploaded["Location"], {"expected": 1}, follow=True))
