"""Every page works in real Chromium under its Content-Security-Policy: no violation, and its scripts ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviews.testing.fakes.openai_server import FakeOpenAI
from interviews.testing.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GREETING = "Hello and welcome. Could you start by telling me about a system you built?"
WAIT_MS = 20_000
# Runs in every document before its own scripts (injected by the browser's debugger, which CSP does
# not govern): every violation the page reports reaches the console, whichever page it happens on.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def test_candidate_recruiter_and_admin_pages_run_under_the_policy_without_a_violation(
    daphne_server: LiveServer, browser_context: object, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    fake_openai.configure(chat_replies=[GREETING])
    daphne_server.set_hands_free("backend-engineer-en", False)
    interview = daphne_server.create_interview(candidate="Casey Policy", consent=False)
    token = interview["token"]
    template_id = daphne_server.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; User.objects.create_superuser('csp', 'csp@example.com', 'pw'); "
        "from interviews.models import InterviewTemplate; "
        "print(InterviewTemplate.objects.get(slug='backend-engineer-en').pk)",
    ).split()[-1]
    browser_context.add_init_script(REPORT_VIOLATIONS)
    problems: list[str] = []
    csp_headers: dict[str, str] = {}

    def watch(page: object) -> object:
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        def on_console(message: object) -> None:
            # Django admin declares no icon, so the browser's own /favicon.ico request is a 404.
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                problems.append(f"{message.text} ({message.location.get('url')})")

        page.on("console", on_console)

        def on_response(response: object) -> None:
            if response.status >= 400:
                problems.append(f"{response.status} {response.url}")
            if response.request.resource_type == "document":
                csp_headers[response.url] = response.headers.get("content-security-policy", "")

        page.on("response", on_response)
        return page

    page = watch(browser_context.new_page())

    # --- the candidate: invite page (a module script), then the live page and its socket -------------
    page.goto(f"{daphne_server.url}/i/{token}/")
    page.click("#mic-check")  # invite.js: the level meter follows the fake microphone
    page.wait_for_function("() => Number(document.querySelector('#mic-meter').getAttribute('aria-valuenow')) > 5")
    page.check("#consent")
    page.click("#start")
    page.wait_for_url(f"**/i/{token}/live/")
    page.click("#join-button")  # interview.js: the socket opens (connect-src) and the greeting plays (blob:)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(page.locator("#subtitle-ai .text")).to_have_text(GREETING, timeout=WAIT_MS)
    page.wait_for_function("() => document.querySelector('#interviewer-audio').currentTime > 0.2", timeout=WAIT_MS)
    expect(page.locator("#activity")).to_have_attribute("data-state", "listening", timeout=WAIT_MS)  # greeting stored

    # --- the recruiter, while the interview is in progress -------------------------------------------
    staff = watch(browser_context.new_page())
    staff.goto(f"{daphne_server.url}/admin/login/")
    staff.fill("#id_username", "csp")
    staff.fill("#id_password", "pw")
    staff.click("input[type=submit]")
    staff.wait_for_url(f"{daphne_server.url}/admin/")
    # Django admin's own scripts ran: theme.js marks the document's theme.
    expect(staff.locator("html")).to_have_attribute("data-theme", "auto")

    staff.goto(f"{daphne_server.url}/admin/interviews/interview/{interview['id']}/change/")
    expect(staff.locator("html")).to_have_attribute("data-theme", "auto")
    expect(staff.locator(".chat .turn").first).to_contain_text(GREETING, timeout=WAIT_MS)
    # The review's stylesheet applied (static/recruiter/review.css, not an inline <style>).
    assert staff.evaluate("() => getComputedStyle(document.querySelector('.chat')).maxWidth") != "none"

    # The recruiter's pages (issue 18): invite, copy the link, CSV preview, plan draft, confirmations,
    # comparison and overview; the template page's object tools (recruiter.css styles its POST button).
    staff.goto(f"{daphne_server.url}/admin/interviews/interviewtemplate/{template_id}/change/")
    expect(staff.locator("#preview-template")).to_be_visible()
    assert staff.evaluate("() => getComputedStyle(document.querySelector('#preview-template')).borderRadius") != "0px"
    staff.goto(f"{daphne_server.url}/admin/interviews/interview/add/?template={template_id}")
    staff.fill("#id_candidate_name", "Robin Invite")
    staff.click("input[type=submit]")
    staff.click("#copy-invite")  # static/recruiter/invite-link.js, on the interview's change page
    expect(staff.locator("#copy-status")).not_to_be_empty()
    staff.goto(f"{daphne_server.url}/admin/interviews/interview/links/revoke/?ids={interview['id']}")
    expect(staff.locator("input[name=confirm]")).to_be_visible()
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("name,email\nAda,ada@example.com\nBo,not-an-email\n")
    staff.goto(f"{daphne_server.url}/admin/interviews/interview/bulk-invite/?template={template_id}")
    staff.set_input_files("#id_file", str(candidates))
    staff.click("input[type=submit]")
    expect(staff.locator("#bulk-errors")).to_contain_text("not a valid email address")
    staff.click("#create-invites")
    expect(staff.locator("#bulk-created")).to_be_visible()
    staff.goto(f"{daphne_server.url}/admin/interviews/interviewtemplate/{template_id}/draft-plan/")
    staff.click("#draft-button")  # the fake's minimal plan is refused three times: the offline draft
    expect(staff.locator("#plan-questions textarea").first).not_to_be_empty(timeout=WAIT_MS)
    staff.goto(f"{daphne_server.url}/recruiter/templates/{template_id}/compare/")
    expect(staff.locator(f'#compare tr[data-interview="{interview["id"]}"]')).to_contain_text("In Progress")
    staff.goto(f"{daphne_server.url}/recruiter/overview/")
    expect(staff.locator(f'#overview tr[data-template="{template_id}"]')).to_be_visible()

    staff.goto(f"{daphne_server.url}/recruiter/monitor/")  # static/recruiter/monitor-list.js
    expect(staff.locator("#monitor-connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(staff.locator(f'tr[data-interview="{interview["id"]}"]')).to_contain_text("Casey Policy")

    staff.goto(f"{daphne_server.url}/recruiter/monitor/{interview['id']}/")  # monitor-detail.js
    expect(staff.locator("#transcript .turn.interviewer")).to_contain_text(GREETING, timeout=WAIT_MS)
    expect(staff.locator("#status")).to_have_text("in_progress")

    visited = [url for url in csp_headers if "/static/" not in url]
    assert len(visited) >= 16, visited
    assert all("script-src 'self'" in header for header in csp_headers.values()), csp_headers
    assert problems == []
