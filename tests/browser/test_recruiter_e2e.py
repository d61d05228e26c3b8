"""A recruiter's day in headless Chromium, with only a browser: a plan drafted from the job description,
ten candidates invited from a CSV, one of them interviewed, and the candidates compared and reviewed."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interviews.testing.fakes.openai_server import DEFAULT_TRANSCRIPT, FakeOpenAI, schema_example
from interviews.testing.live import ROOT, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 20_000
GREETING = "Hello and welcome. Could you start by telling me about a system you built?"
FOLLOW_UP = "Thanks. How did you make that payments service reliable under load?"
CLOSING = "Thank you for your time today. That is all from me."
PLAN = {
    "questions": [
        {"text": "Walk me through a payments service you built and your part in it.", "follow_up_depth": 1},
        {"text": "How did you keep payments correct when a request was retried?", "follow_up_depth": 2},
        {"text": "Tell me about an incident in production and what you changed afterwards.", "follow_up_depth": 2},
        {"text": "How do you design an API that other teams can rely on?", "follow_up_depth": 1},
        {"text": "How do you review code and help teammates grow?", "follow_up_depth": 1},
    ],
    "criteria": [
        {
            "name": name,
            "description": description,
            "weight": weight,
            "anchors": [f"{name}: level {point} evidence." for point in range(1, 6)],
        }
        for name, description, weight in [
            ("Payments depth", "Understands idempotency, ledgers and failure modes.", 2.0),
            ("Reliability", "Designs for and learns from failure.", 1.5),
            ("Communication", "Answers clearly and concisely.", 1.0),
        ]
    ],
}
# Two more candidates who finished, stored as the database would hold them: the comparison has rows to
# compare (one interview through the browser is enough to show the path works).
FINISHED_ELSEWHERE = """
from datetime import timedelta
from django.utils import timezone
from interviews.models import Interview, Turn
answers = {
    "candidate2@example.com": ["I designed the ledger tables and an outbox so retries were idempotent; we measured "
        "p99 latency and cut it from 800 to 120 milliseconds by batching writes in PostgreSQL.",
        "After an incident where a queue backed up I wrote the runbook, added alerts and led the postmortem."],
    "candidate3@example.com": ["I mostly fixed small bugs.", "Not sure."],
}
for email, said in answers.items():
    interview = Interview.objects.get(candidate_email=email)
    start = timezone.now() - timedelta(minutes=30)
    texts = ["Hello! Tell me about a system you built."] + [t for a in said for t in (a, "Thank you.")]
    for index, text in enumerate(texts):
        Turn.objects.create(interview=interview, index=index, text=text, is_greeting=index == 0,
            speaker="interviewer" if index % 2 == 0 else "candidate", started_at=start + timedelta(minutes=index))
    Interview.objects.filter(pk=interview.pk).update(status="completed", end_reason="plan_complete",
        consented_at=start, started_at=start, ended_at=start + timedelta(minutes=14))
    print("finished", interview.pk)
"""


def interviewer(replies: list[str]) -> Any:
    """The fake model: the drafted plan for a plan request, the interviewer's lines in order otherwise."""
    remaining = list(replies)

    def reply(payload: dict[str, Any]) -> str:
        response_format = payload.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            if response_format["json_schema"]["name"] == "interview_plan":
                return json.dumps(PLAN)
            return json.dumps(schema_example(response_format["json_schema"]["schema"]))
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return reply


def evaluate_offline(server: LiveServer, interview_id: str) -> None:
    """`evaluate_interview`, with the offline evaluator (it scores the words; no fake model needed)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "evaluate_interview", interview_id],
        cwd=ROOT,
        env={**server.env, "LLM_PROVIDER": "local"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_recruiter_drafts_a_plan_invites_ten_from_a_csv_and_compares_them(
    daphne_server: LiveServer, browser_context: Any, fake_openai: FakeOpenAI, screenshots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    fake_openai.chat_handler = interviewer([GREETING, FOLLOW_UP, CLOSING])
    daphne_server.set_hands_free("backend-engineer-en", False)
    template_id = daphne_server.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; User.objects.create_superuser('rec', 'rec@example.com', 'pw'); "
        "from interviews.models import InterviewTemplate; "
        "print(InterviewTemplate.objects.get(slug='backend-engineer-en').pk)",
    ).split()[-1]
    base = daphne_server.url
    problems: list[str] = []

    def watch(page: Any) -> Any:
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        return page

    staff = watch(browser_context.new_page())
    staff.set_viewport_size({"width": 1440, "height": 900})  # the comparison's columns, for the README's picture
    staff.goto(f"{base}/admin/login/")
    staff.fill("#id_username", "rec")
    staff.fill("#id_password", "pw")
    staff.click("input[type=submit]")
    staff.wait_for_url(f"{base}/admin/")

    # --- 1. a plan from the job description, edited and saved ------------------------------------------
    staff.goto(f"{base}/admin/interviews/interviewtemplate/{template_id}/change/")
    staff.click("#draft-plan-link")
    staff.click("#draft-button")
    expect(staff.locator("#id_questions-0-text")).to_have_value(PLAN["questions"][0]["text"], timeout=WAIT_MS)
    expect(staff.locator("#id_criteria-0-anchors")).to_have_value(
        "\n".join(PLAN["criteria"][0]["anchors"])  # type: ignore[index, arg-type]
    )
    staff.fill("#id_questions-0-text", "To start, walk me through a payments service you built.")
    staff.screenshot(path=str(screenshots / "recruiter-01-draft.png"), full_page=True)
    staff.click("#save-plan")  # the template has a plan already: not without confirmation
    expect(staff.locator("#plan-error")).to_contain_text("Replace the current plan")
    staff.check("#id_replace_existing")
    staff.click("#save-plan")
    expect(staff.locator(".messagelist")).to_contain_text("Saved 5 questions and 3 criteria as version 2")

    # --- 2. try it: the preview opens the candidate's invite page --------------------------------------
    staff.click("#preview-template")
    staff.wait_for_url("**/i/*/")
    expect(staff.get_by_test_id("ai-notice")).to_contain_text("The interviewer is an AI")

    # --- 3. ten candidates from a CSV (and one bad row), previewed, then created; the links back --------
    candidates = tmp_path / "candidates.csv"
    rows = [f"Candidate {n},candidate{n}@example.com" for n in range(1, 11)]
    candidates.write_text("name,email\n" + "\n".join([*rows[:5], "Typo Person,typo-at-example.com", *rows[5:]]) + "\n")
    staff.goto(f"{base}/admin/interviews/interview/bulk-invite/?template={template_id}")
    staff.set_input_files("#id_file", str(candidates))
    staff.click("input[type=submit]")
    expect(staff.locator("#bulk-summary")).to_contain_text("10 of 11 row(s) can be invited")
    expect(staff.locator("#bulk-errors")).to_contain_text("'typo-at-example.com' is not a valid email address")
    staff.screenshot(path=str(screenshots / "recruiter-02-csv-preview.png"), full_page=True)
    staff.click("#create-invites")
    expect(staff.locator("#bulk-created")).to_contain_text("Created 10 invite(s)")
    with staff.expect_download() as download:
        staff.click("#download-links")
    with open(download.value.path(), encoding="utf-8-sig") as file:
        links = {row["email"]: row["invite_link"] for row in csv.DictReader(file)}
    assert len(links) == 10 and all(link.startswith(f"{base}/i/") for link in links.values())

    # --- 4. the first candidate takes the interview ------------------------------------------------------
    candidate = watch(browser_context.new_page())
    candidate.goto(links["candidate1@example.com"])
    candidate.check("#consent")
    candidate.click("#start")
    candidate.wait_for_url("**/live/")
    candidate.click("#join-button")
    expect(candidate.locator("#subtitle-ai .text")).to_have_text(GREETING, timeout=WAIT_MS)
    expect(candidate.locator("#mic-button")).to_have_attribute("aria-disabled", "false", timeout=WAIT_MS)
    candidate.click("#mic-button")
    candidate.wait_for_timeout(1500)
    candidate.click("#mic-button")
    expect(candidate.locator("#subtitle-user .text")).to_have_text(DEFAULT_TRANSCRIPT, timeout=WAIT_MS)
    expect(candidate.locator("#subtitle-ai .text")).to_have_text(FOLLOW_UP, timeout=WAIT_MS)
    expect(candidate.locator("#mic-button")).to_have_attribute("aria-disabled", "false", timeout=WAIT_MS)
    candidate.click("#end-button")
    candidate.click("#end-confirm")
    candidate.wait_for_url("**/done/", timeout=WAIT_MS)
    candidate.close()

    interviewed = daphne_server.manage(
        "shell",
        "-c",
        "from interviews.models import Interview; "
        "print(Interview.objects.get(candidate_email='candidate1@example.com', is_test=False).pk)",
    ).split()[-1]
    evaluate_offline(daphne_server, interviewed)
    for line in daphne_server.manage("shell", "-c", FINISHED_ELSEWHERE).splitlines():
        if line.startswith("finished "):
            evaluate_offline(daphne_server, line.split()[1])

    # --- 5. side by side: filter, sort, review, decide ----------------------------------------------------
    staff.goto(f"{base}/recruiter/overview/")
    expect(staff.locator(f'#overview tr[data-template="{template_id}"]')).to_contain_text("Compare candidates")
    staff.locator(f'#overview tr[data-template="{template_id}"] a', has_text="Compare candidates").click()
    table = staff.locator("#compare tbody tr")
    expect(table).to_have_count(10)  # the preview is not a candidate
    staff.select_option("#filter-status", "completed")
    staff.click("#compare-filters button[type=submit]")
    expect(table).to_have_count(3)
    staff.click("#compare th >> text=Candidate")
    expect(table.first).to_contain_text("Candidate 1")
    expect(table.first).to_contain_text("Heuristic")
    expect(table.first.locator(".overall")).to_have_text(re.compile(r"^(\d+%|not assessed)$"))
    table.first.get_by_role("link", name="Review").click()
    expect(staff.locator(".chat")).to_contain_text(DEFAULT_TRANSCRIPT)
    staff.select_option("#id_recruiter_decision", "advance")
    staff.fill("#id_decision_reason", "Clear ownership of the payments data model.")  # every decision has one (#21)
    staff.click("input[name=_save]")
    expect(staff.locator(".messagelist")).to_contain_text("was changed successfully")
    staff.goto(f"{base}/recruiter/templates/{template_id}/compare/?status=completed&sort=-overall")
    expect(staff.locator('#compare tbody tr:has-text("Candidate 1") .decision')).to_have_text("Advance")
    staff.screenshot(path=str(screenshots / "recruiter-03-compare.png"), full_page=True)
    with staff.expect_download() as export:
        staff.click("#compare-csv")
    with open(export.value.path(), encoding="utf-8-sig") as file:
        exported = list(csv.DictReader(file))
    assert [row["Candidate"] for row in exported].count("Candidate 1") == 1 and len(exported) == 3
    assert problems == [], problems
