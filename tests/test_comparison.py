"""Candidates side by side per template, and the overview: what they show, sorting, filters, CSV, and
a fixed number of queries however many interviews there are."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interviews.models import CriterionScore, Evaluation, Interview, InterviewTemplate, RubricCriterion
from interviews.recruiting.selectors import template_comparison
from tests.factories import make_interview, make_template
from tests.recruiter_factories import add_conversation, finished

pytestmark = pytest.mark.django_db


def evaluate(
    interview: Interview,
    scores: dict[str, int | None],
    *,
    overall: float | None,
    recommendation: str,
    evaluator: str = Evaluation.Evaluator.LLM,
    status: str = Evaluation.Status.DONE,
) -> Evaluation:
    evaluation = Evaluation.objects.create(
        interview=interview,
        status=status,
        evaluator=evaluator,
        model_name="gpt-test" if evaluator == Evaluation.Evaluator.LLM else "heuristic",
        overall_score=overall,
        recommendation=recommendation,
    )
    CriterionScore.objects.bulk_create(
        CriterionScore(evaluation=evaluation, position=n, criterion=name, score=score, scale_max=5)
        for n, (name, score) in enumerate(scores.items())
    )
    return evaluation


@pytest.fixture
def pool() -> InterviewTemplate:
    """A template with two criteria and candidates in every state; a preview, left out."""
    template = make_template(title="Payments Engineer")
    RubricCriterion.objects.create(template=template, position=1, name="Communication")
    ada = finished(make_interview(template=template, candidate_name="Ada", recruiter_decision="advance"))
    ada.started_at = ada.ended_at - timedelta(minutes=12)
    ada.save()
    evaluate(ada, {"Technical depth": 4, "Communication": None}, overall=80.0, recommendation="yes")
    bo = finished(make_interview(template=template, candidate_name="Bo"))
    bo.started_at = bo.ended_at - timedelta(minutes=8)
    bo.save()
    evaluate(
        bo,
        {"Technical depth": 2, "Communication": 3, "Legacy criterion": 5},  # scored against an older rubric
        overall=50.0,
        recommendation=Evaluation.Recommendation.NEEDS_REVIEW,
        evaluator=Evaluation.Evaluator.HEURISTIC,
    )
    make_interview(template=template, candidate_name="Cy")  # invited, never started
    make_interview(template=template, candidate_name="Di", status="in_progress", started_at=timezone.now())
    failed = make_interview(template=template, candidate_name="Ed", status="abandoned", recruiter_decision="reject")
    Evaluation.objects.create(interview=failed, status=Evaluation.Status.FAILED, error="boom")
    preview = finished(make_interview(template=template, candidate_name="Preview by recruiter", is_test=True))
    evaluate(preview, {"Technical depth": 5}, overall=100.0, recommendation="strong_yes")
    return template


def names(comparison) -> list[str]:
    return [row.interview.candidate_name for row in comparison.rows]


def test_one_row_per_candidate_with_scores_not_assessed_and_needs_review(pool, staff_client):
    url = reverse("recruiter:template_compare", args=[pool.pk])
    response = staff_client.get(url)
    page = response.content.decode()
    comparison = response.context["comparison"]
    assert names(comparison) == ["Ada", "Bo", "Ed", "Di", "Cy"]  # best overall first; unscored: newest first
    assert "Preview by recruiter" not in page
    assert comparison.criteria == ["Technical depth", "Communication", "Legacy criterion"]
    ada, bo = comparison.rows[0], comparison.rows[1]
    assert [cell.label for cell in ada.scores] == ["4/5", "not assessed", "—"]
    assert [cell.label for cell in bo.scores] == ["2/5", "3/5", "5/5"]
    assert (ada.overall_label, ada.evaluator, ada.recommendation_label) == ("80%", "LLM", "Yes")
    assert (bo.evaluator, bo.recommendation_label) == ("Heuristic", "Needs human review")
    assert ada.duration_label == "12:00"
    ed = next(row for row in comparison.rows if row.interview.candidate_name == "Ed")
    assert (ed.overall_label, ed.interview.get_recruiter_decision_display()) == ("failed", "Reject")
    assert reverse("admin:interviews_interview_change", args=[ada.interview.pk]) in page
    assert 'class="number score not-assessed">not assessed<' in page
    assert "Needs human review" in page and "Advance" in page


def test_every_column_sorts_both_ways_with_empty_values_last(pool):
    def sorted_by(sort: str) -> list[str]:
        return names(template_comparison(template_id=pool.pk, sort=sort))

    assert sorted_by("overall")[:2] == ["Bo", "Ada"]
    assert sorted_by("candidate") == ["Ada", "Bo", "Cy", "Di", "Ed"]
    assert sorted_by("-candidate") == ["Ed", "Di", "Cy", "Bo", "Ada"]
    assert sorted_by("-c0")[:2] == ["Ada", "Bo"]  # technical depth 4 before 2
    assert sorted_by("-c1")[0] == "Bo"  # Ada's communication was not assessed: after the scored
    assert sorted_by("c1")[0] == "Bo"
    assert sorted_by("-decision")[:2] == ["Ada", "Ed"]
    assert sorted_by("-recommendation")[0] == "Ada"  # "needs review" is no grade
    assert sorted_by("status")[:2] == ["Bo", "Ada"]  # completed first; a tie: the newest invite first
    assert sorted_by("-duration")[:2] == ["Ada", "Bo"]
    assert sorted_by("nonsense") == sorted_by("-overall")


def test_the_column_links_toggle_the_order_and_keep_the_filters(pool, staff_client):
    url = reverse("recruiter:template_compare", args=[pool.pk])
    page = staff_client.get(url, {"status": "completed", "sort": "-overall"}).content.decode()
    assert '<th scope="col" aria-sort="descending"><a href="?status=completed&amp;sort=overall">Overall</a>' in page
    assert 'href="?status=completed&amp;sort=candidate">Candidate<' in page


def test_filters_by_status_and_decision(pool, staff_client):
    url = reverse("recruiter:template_compare", args=[pool.pk])

    def shown(**params: str) -> list[str]:
        return names(staff_client.get(url, params).context["comparison"])

    assert shown(status="completed") == ["Ada", "Bo"]
    assert shown(decision="advance") == ["Ada"]
    assert shown(decision="none") == ["Bo", "Di", "Cy"]
    assert shown(status="abandoned", decision="reject") == ["Ed"]
    assert shown(status="bogus", decision="bogus") == ["Ada", "Bo", "Ed", "Di", "Cy"]
    page = staff_client.get(url, {"status": "completed"}).content.decode()
    assert "5 interview(s): 2 completed, 1 in progress, 1 invited, 1 abandoned." in page


def test_the_csv_has_the_pages_rows_and_order_and_is_safe_to_open(pool, staff_client, settings):
    settings.PUBLIC_BASE_URL = "https://jobs.example.com"
    make_interview(template=pool, candidate_name='=HYPERLINK("http://evil")')
    url = reverse("recruiter:template_compare", args=[pool.pk])
    response = staff_client.get(url, {"format": "csv", "sort": "candidate"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="candidates-' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    assert [row["Candidate"] for row in rows][:2] == ['\'=HYPERLINK("http://evil")', "Ada"]
    ada = rows[1]
    assert (ada["Technical depth"], ada["Communication"], ada["Overall (%)"]) == ("4/5", "not assessed", "80.0")
    assert (ada["Evaluator"], ada["Model"], ada["Recommendation"], ada["Decision"]) == (
        "LLM",
        "gpt-test",
        "Yes",
        "Advance",
    )
    assert ada["Review"].startswith("https://jobs.example.com/admin/interviews/interview/")
    completed = staff_client.get(url, {"format": "csv", "status": "completed"}).content.decode()
    assert completed.count("\n") == 3  # header and two rows


def test_the_comparison_takes_the_same_queries_for_few_and_many_candidates(staff_client):
    template = make_template()

    def add(count: int) -> None:
        for number in range(count):
            interview = finished(make_interview(template=template, candidate_name=f"Candidate {number}"))
            evaluate(interview, {"Technical depth": 3}, overall=60.0, recommendation="yes")

    url = reverse("recruiter:template_compare", args=[template.pk])
    add(2)
    staff_client.get(url)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    add(7)
    with CaptureQueriesContext(connection) as many:
        assert len(staff_client.get(url).context["comparison"].rows) == 9
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as csv_queries:
        staff_client.get(url, {"format": "csv"})
    assert len(csv_queries) <= len(few)


def test_the_overview_counts_rates_scores_and_this_weeks_latency(pool, staff_client):
    other = make_template(title="Data Analyst")
    recent = finished(make_interview(template=other, candidate_name="Recent"))
    add_conversation(recent, audio=False)  # first audio 560 and 660 ms, started 10 minutes ago
    old = make_interview(template=other, candidate_name="Old", status="completed", ended_at=timezone.now())
    old.started_at = timezone.now() - timedelta(days=10)
    old.save()
    add_conversation(old, audio=False)
    old.turns.filter(speaker="interviewer").update(first_audio_sent_ms=9_000)  # last week's: left out
    response = staff_client.get(reverse("recruiter:overview"))
    overview = response.context["overview"]
    rows = {row.template.title: row for row in overview.templates}
    payments = rows["Payments Engineer"]
    assert payments.counts == {"completed": 2, "invited": 1, "in_progress": 1, "abandoned": 1}  # no preview
    assert payments.total == 5
    assert payments.completion_rate == pytest.approx(2 / 3)  # completed of the three closed
    assert payments.median_score == 65.0  # 80 and 50 (the preview's 100 left out)
    assert payments.median_first_audio_ms is None
    analyst = rows["Data Analyst"]
    assert analyst.completion_rate == 1.0
    assert analyst.median_first_audio_ms == 610.0
    assert overview.median_first_audio_ms == 610.0
    page = response.content.decode()
    assert "67%" in page and "65%" in page and "610 ms" in page
    assert reverse("recruiter:template_compare", args=[pool.pk]) in page


def test_the_overview_takes_the_same_queries_for_few_and_many_templates(staff_client):
    def add(count: int) -> None:
        for _ in range(count):
            template = make_template()
            interview = finished(make_interview(template=template))
            add_conversation(interview, audio=False)
            evaluate(interview, {"Technical depth": 3}, overall=60.0, recommendation="yes")

    url = reverse("recruiter:overview")
    add(1)
    staff_client.get(url)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    add(5)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(url)
    assert len(many) == len(few)


def test_an_unknown_template_is_404(staff_client):
    assert staff_client.get(reverse("recruiter:template_compare", args=[999_999])).status_code == 404


def test_the_admin_links_to_the_comparison_and_overview(pool, staff_client):
    templates = staff_client.get(reverse("admin:interviews_interviewtemplate_changelist")).content.decode()
    assert reverse("recruiter:template_compare", args=[pool.pk]) in templates
    index = staff_client.get(reverse("admin:index")).content.decode()
    assert reverse("recruiter:overview") in index and reverse("admin:interviews_interview_bulk_invite") in index
    change = staff_client.get(reverse("admin:interviews_interviewtemplate_change", args=[pool.pk])).content.decode()
    for text in ("Draft questions and rubric from the job description", "Preview this template", "Compare candidates"):
        assert text in change
