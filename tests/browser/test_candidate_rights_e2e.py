"""A candidate asks for an accommodation from the invite page in headless Chromium, and staff find it queued."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interviews.testing.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REQUEST = "I have a stammer; could I answer in writing, or talk to a person instead?"
STORED = """
import json
from interviews.compliance.models import CandidateRequest
print("REQUESTS=" + json.dumps([
    {"kind": r.kind, "source": r.source, "text": r.text, "days": (r.due_at - r.received_at).days,
     "open": r.resolved_at is None, "token": r.interview.invite_token}
    for r in CandidateRequest.objects.select_related("interview")
]))
"""


def stored_requests(server: LiveServer) -> list[dict[str, object]]:
    line = next(line for line in server.manage("shell", "-c", STORED).splitlines() if line.startswith("REQUESTS="))
    return json.loads(line.removeprefix("REQUESTS="))


def test_a_candidate_asks_for_an_accommodation_from_the_invite_page(
    daphne_server: LiveServer, browser_context: object, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    token = daphne_server.create_interview(candidate="Request Candidate", consent=False)["token"]
    page = browser_context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{daphne_server.url}/i/{token}/")
    section = page.get_by_test_id("request-section")
    expect(section).to_contain_text("Prefer a person, or need an accommodation?")

    # An empty request is refused by the browser before it is sent (the field is required).
    page.click("#request-send")
    assert page.url.endswith(f"/i/{token}/")
    assert stored_requests(daphne_server) == []

    page.get_by_label("I need an accommodation").check()
    page.fill("#request-text", REQUEST)
    page.click("#request-send")
    expect(page.get_by_test_id("request-sent")).to_contain_text("Your request was sent")
    assert page.url.endswith(f"/i/{token}/?request=sent#request")
    page.screenshot(path=str(screenshots / "rights-01-request-sent.png"), full_page=True)

    stored = stored_requests(daphne_server)
    assert stored == [
        {"kind": "accommodation", "source": "invite_page", "text": REQUEST, "days": 7, "open": True, "token": token}
    ]
    # The candidate can still go on to the AI interview if they wish: consent is untouched.
    expect(page.locator("#consent")).not_to_be_checked()
    assert page_errors == []
