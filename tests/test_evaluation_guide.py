"""How the recruiter reads the evaluation: the guide (docs/EVALUATION.md) behind a staff login, linked from
the evaluation block; "not assessed" shown as such; anchors edited in the admin; the live monitor's reading."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interviews import reports
from interviews.evaluation import assess_answer
from interviews.evaluation import data as evaluation_data
from interviews.evaluation.views import render_guide
from interviews.models import CriterionScore, Evaluation, Interview, InterviewTemplate
from tests.factories import make_interview, make_template
from tests.recruiter_factories import add_conversation, finished

pytestmark = pytest.mark.django_db

GUIDE = Path(django_settings.BASE_DIR, "docs", "EVALUATION.md").read_text(encoding="utf-8")


@pytest.fixture
def half_assessed() -> Interview:
    """A finished interview whose evaluation scored one criterion and could not assess the other."""
    interview = make_interview()
    add_conversation(interview, audio=False)
    finished(interview)
    evaluation = Evaluation.objects.create(
        interview=interview,
        status=Evaluation.Status.DONE,
        evaluator=Evaluation.Evaluator.HEURISTIC,
        model_name="heuristic-v2",
        rubric_version=1,
        summary="Summary.",
        recommendation=Evaluation.Recommendation.NEEDS_REVIEW,
        overall_score=60.0,
        finished_at=timezone.now(),
    )
    CriterionScore.objects.create(evaluation=evaluation, position=0, criterion="Technical depth", score=3, scale_max=5)
    CriterionScore.objects.create(
        evaluation=evaluation, position=1, criterion="Ownership", score=None, scale_max=5, rationale="Not assessed."
    )
    return interview


def test_staff_read_the_guide_as_a_page_and_others_are_sent_to_log_in(staff_client):
    url = reverse("recruiter:evaluation_guide")
    page = staff_client.get(url).content.decode()
    assert "<h1>How to read the evaluation</h1>" in page
    assert "<strong>advice for\nyou, not a decision</strong>" not in page  # paragraphs are joined
    assert "<strong>advice for you, not a decision</strong>" in page
    assert "<td>90 % or more</td><td>Strong yes</td>" in page
    assert "<li><strong>which answers bear on each criterion</strong>" in page
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous["Location"]
    non_staff = Client()
    non_staff.force_login(User.objects.create_user("candidate", password="pw"))
    assert non_staff.get(url).status_code == 302


def test_the_guide_renderer_escapes_what_it_does_not_write_itself():
    html = render_guide("# A <b>title</b>\n\nSee [this](javascript:alert(1)) and [that](https://example.com) `<i>`.")
    assert "<h1>A &lt;b&gt;title&lt;/b&gt;</h1>" in html
    assert "javascript:" not in html and '<a href="https://example.com">that</a>' in html
    assert "<code>&lt;i&gt;</code>" in html


def test_the_guide_states_the_thresholds_and_default_anchors_the_code_uses():
    for threshold in (evaluation_data.STRONG_YES_FROM, evaluation_data.YES_FROM, evaluation_data.LEAN_NO_FROM):
        assert f"{threshold:g} %" in GUIDE
    share = evaluation_data.MIN_ASSESSED_SHARE
    assert share == pytest.approx(2 / 3) and "more than a third of the rubric's weight" in GUIDE
    for point, anchor in enumerate(evaluation_data.default_anchors(5), start=1):
        assert f"| {point} | {anchor} |" in GUIDE


def test_the_evaluation_block_links_the_guide_and_shows_not_assessed_as_such(staff_client, half_assessed):
    page = staff_client.get(reverse("admin:interviews_interview_change", args=[half_assessed.pk])).content.decode()
    assert f'href="{reverse("recruiter:evaluation_guide")}">How to read this evaluation</a>' in page
    assert "<td><em>not assessed</em></td>" in page
    assert "0/5" not in page and "None/5" not in page
    assert "60.0% over the 1 of 2 criteria that could be assessed" in page
    assert "Needs human review" in page


def test_exports_show_not_assessed_and_the_recommendations_name(half_assessed):
    data = reports.interview_export(interview_id=half_assessed.pk)
    ownership = data["evaluation"]["scores"][1]
    assert (ownership["score"], ownership["assessed"], ownership["score_label"]) == (None, False, "not assessed")
    markdown = reports.render_markdown(json.loads(json.dumps(data)))
    assert "| Ownership | not assessed |" in markdown
    assert "60.0% (over 1 of 2 criteria; the rest not assessed) — recommendation: Needs human review" in markdown
    assert "<em>not assessed</em>" in reports.render_html(data)


def _criteria_form(template: InterviewTemplate, anchors: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": template.title,
        "slug": template.slug,
        "role": template.role,
        "language": template.language,
        "time_limit_minutes": template.time_limit_minutes,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "criteria-TOTAL_FORMS": 1,
        "criteria-INITIAL_FORMS": 1,
    }
    criterion = template.criteria.get()
    for field in ("position", "name", "description", "weight", "scale_max"):
        data[f"criteria-0-{field}"] = getattr(criterion, field)
    data |= {"criteria-0-id": criterion.pk, "criteria-0-template": template.pk, "criteria-0-anchors": anchors}
    return data


def test_a_recruiter_writes_a_criterions_anchors_one_line_per_point(staff_client):
    template = make_template(questions=[])
    url = reverse("admin:interviews_interviewtemplate_change", args=[template.pk])
    form = staff_client.get(url).content.decode()
    assert 'name="criteria-0-anchors"' in form and "one line per point" in form
    too_few = staff_client.post(url, _criteria_form(template, "Weak\nStrong"))
    assert too_few.status_code == 200
    assert "5 lines for a scale of 1 to 5 (there are 2)" in too_few.content.decode()
    anchors = ["No grasp.", "Vague.", "Some depth.", "Solid depth.", "Deep, with trade-offs."]
    saved = staff_client.post(url, _criteria_form(template, "\n".join(anchors) + "\n\n"))
    assert saved.status_code == 302, re.findall(r'class="errorlist[^"]*">.*?</ul>', saved.content.decode())
    assert template.criteria.get().anchors == anchors
    assert staff_client.post(url, _criteria_form(template, "")).status_code == 302
    assert template.criteria.get().anchors == []  # blank: the defaults


def test_the_live_monitor_reads_non_answers_as_such_and_never_counts_rubric_words():
    from interviews.providers.base import Criterion

    rubric = (Criterion(name="Ownership", description="Takes responsibility for outcomes, learns from incidents."),)
    assert assess_answer("I don't know, sorry.", rubric=rubric)["label"] == "dont_know"
    assert assess_answer("Could you repeat the question?", rubric=rubric)["label"] == "repeat"
    assert assess_answer("잘 모르겠어요.")["label"] == "dont_know"
    echo = assess_answer("I take responsibility for outcomes and I learn from incidents, always.", rubric=rubric)
    assert echo["score"] == 0 and echo["rubric_terms"]  # shown, not counted
