"""A plan from a job description: drafted by the language model (structured output) or offline, edited
by the recruiter, saved as the template's next version, never over a plan without confirmation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from interviews.exceptions import InterviewError
from interviews.models import InterviewTemplate, RubricCriterion, TemplateQuestion
from interviews.recruiting import plans
from interviews.recruiting.question_library import CRITERIA, FAMILIES, role_family, skills_in
from interviews.recruiting.services import template_plan_apply, template_plan_draft
from interviews.testing.fakes.openai_server import FakeOpenAI, schema_example
from tests.factories import make_template

DEMO_EN = (
    "Design, build and operate the Python and Go services behind our payments platform: APIs, data pipelines, "
    "PostgreSQL, Redis and queues, with on-call rotation."
)
DEMO_KO = (
    "결제 플랫폼을 뒷받침하는 Python/Go 서비스의 설계, 개발, 운영: API, 데이터 파이프라인, PostgreSQL, Redis, "
    "메시지 큐, 온콜 포함."
)


# --- offline -----------------------------------------------------------------------------------------


def test_skills_are_found_in_the_order_the_description_names_them():
    names = [skill.name for skill in skills_in(DEMO_EN)]
    assert names[:4] == ["Python", "Go", "payments", "APIs"]
    assert {"PostgreSQL", "Redis", "data pipelines", "on-call", "message queues"} <= set(names)
    assert [s.name for s in skills_in("Go-to-market strategy; let's go. JavaScript and TypeScript.")] == [
        "JavaScript",
        "TypeScript",
    ]
    assert [s.name for s in skills_in("C++ and C#, Node.js")] == ["C++", "C#", "Node.js"]


@pytest.mark.parametrize(
    ("role", "description", "family"),
    [
        ("Senior Backend Engineer", DEMO_EN, "software"),
        ("Data Engineer", "Build data pipelines in Airflow and dbt.", "data"),
        ("Product Manager", "Own the roadmap and work with engineers.", "product"),
        ("UX Designer", "Prototype in Figma.", "design"),
        ("Account Executive", "Close deals, own the sales pipeline.", "customer"),
        ("Office Manager", "Keep the office running.", "general"),
        ("시니어 백엔드 엔지니어", DEMO_KO, "software"),
    ],
)
def test_the_role_family_comes_from_the_title_first(role, description, family):
    assert role_family(role=role, job_description=description).key == family


def test_an_offline_draft_asks_about_the_descriptions_skills_and_fills_every_anchor():
    draft = plans.draft_offline(role="Senior Backend Engineer", job_description=DEMO_EN, language="en")
    assert draft.drafted_by == "offline"
    assert plans.plan_problems(draft.questions, draft.criteria) == []  # 5-8 questions, 3-5 criteria
    texts = [q.text for q in draft.questions]
    assert texts[0].startswith("To start")
    assert "Tell me about a project where you used Python." in texts[1]
    assert "Tell me about a project where you used Go." in texts[2]
    assert [c.name for c in draft.criteria] == ["Technical depth", "Problem solving", "Communication", "Ownership"]
    assert draft.criteria[0].weight == 2.0
    assert "In particular: Python, Go, payments, APIs." in draft.criteria[0].description
    assert all(len(c.anchors) == c.scale_max == 5 for c in draft.criteria)
    assert "Skills found in the job description: Python, Go" in " ".join(draft.notes)


def test_an_offline_draft_for_a_korean_template_is_in_korean():
    draft = plans.draft_offline(role="시니어 백엔드 엔지니어", job_description=DEMO_KO, language="ko")
    assert plans.plan_problems(draft.questions, draft.criteria) == []
    # The description names 결제 (payments) first, then Python.
    assert draft.questions[1].text.startswith("결제 시스템 관련 프로젝트")
    assert draft.questions[2].text.startswith("Python 관련 프로젝트")
    assert draft.criteria[0].name == "기술 깊이"
    assert all(c.anchors == CRITERIA_KO[c.name] for c in draft.criteria)


CRITERIA_KO = {pattern.name["ko"]: pattern.anchors["ko"] for pattern in CRITERIA.values()}


def test_every_family_gives_a_valid_draft_in_both_languages_even_without_skills():
    for family in FAMILIES:
        role = family.keywords[0] if family.keywords else "Office Manager"
        for language in ("en", "ko"):
            draft = plans.draft_offline(role=role, job_description="", language=language)
            assert plans.plan_problems(draft.questions, draft.criteria) == [], (family.key, language)


def test_plan_problems_are_said_in_words():
    question = plans.DraftQuestion(text="Why?")
    criterion = plans.DraftCriterion(name="Depth", description="", anchors=("a", "b"))
    problems = plans.plan_problems([question], [criterion, criterion])
    assert "it has 1 questions; between 5 and 8 are needed" in problems
    assert "it has 2 criteria; between 3 and 5 are needed" in problems
    assert "criterion 1 (Depth): 2 anchors for a 5-point scale (one per point, or none)" in problems
    assert "criterion 2 (Depth): the name is used twice" in problems
    assert (
        plans.plan_problems([question], [plans.DraftCriterion(name="Depth", description="")], strict_counts=False) == []
    )


# --- with the language model (the fake OpenAI) ---------------------------------------------------------

LLM_PLAN = {
    "questions": [{"text": f"Question {n} about payments?", "follow_up_depth": n % 3} for n in range(1, 7)],
    "criteria": [
        {
            "name": name,
            "description": f"{name} for a payments engineer.",
            "weight": weight,
            "anchors": [f"{name} level {point}" for point in range(1, 6)],
        }
        for name, weight in [("System design", 2.0), ("Reliability", 1.5), ("Communication", 1.0)]
    ],
}


def plan_requests(fake: FakeOpenAI) -> list[dict[str, Any]]:
    return [
        r.body
        for r in fake.requests_to("chat")
        if (r.body.get("response_format") or {}).get("json_schema", {}).get("name") == plans.SCHEMA_NAME
    ]


@pytest.mark.django_db
def test_with_a_model_configured_the_plan_is_structured_output(cloud_providers, fake_openai):
    fake_openai.chat_handler = lambda payload: json.dumps(LLM_PLAN)
    template = make_template(language="ko", job_description=DEMO_KO, role="백엔드 엔지니어")
    draft = template_plan_draft(template=template)
    assert draft.drafted_by == "llm"
    assert [q.text for q in draft.questions] == [f"Question {n} about payments?" for n in range(1, 7)]
    assert draft.criteria[1] == plans.DraftCriterion(
        name="Reliability",
        description="Reliability for a payments engineer.",
        weight=1.5,
        anchors=tuple(f"Reliability level {p}" for p in range(1, 6)),
    )
    (request,) = plan_requests(fake_openai)
    response_format = request["response_format"]["json_schema"]
    assert response_format["strict"] is True
    assert response_format["schema"]["properties"]["questions"]["minItems"] == 5
    system, user = request["messages"]
    assert "Write everything in Korean." in system["content"]
    assert DEMO_KO in user["content"]


@pytest.mark.django_db
def test_an_invalid_plan_is_shown_to_the_model_with_what_is_wrong(cloud_providers, fake_openai):
    short = {**LLM_PLAN, "questions": LLM_PLAN["questions"][:3]}
    fake_openai.configure(chat_replies=[json.dumps(short), json.dumps(LLM_PLAN)])
    draft = template_plan_draft(template=make_template(job_description=DEMO_EN))
    assert draft.drafted_by == "llm"
    _first, second = plan_requests(fake_openai)
    assert "it has 3 questions; between 5 and 8 are needed" in second["messages"][-1]["content"]


@pytest.mark.django_db
def test_when_the_model_gives_no_usable_plan_the_offline_draft_says_so(cloud_providers, fake_openai):
    # The fake answers every structured request with a minimal schema example: one question, one criterion.
    assert len(schema_example(plans.plan_schema())["questions"]) == 1
    draft = template_plan_draft(template=make_template(job_description=DEMO_EN))
    assert draft.drafted_by == "offline"
    assert "The language model gave no usable plan after 3 attempt(s)" in draft.notes[0]
    assert len(plan_requests(fake_openai)) == 3

    fake_openai.reset()
    fake_openai.fail_next("chat", status=500, count=5)
    draft = template_plan_draft(template=make_template(job_description=DEMO_EN))
    assert draft.drafted_by == "offline" and "gave no usable plan" in draft.notes[0]


@pytest.mark.django_db
def test_a_template_without_a_job_description_cannot_be_drafted():
    with pytest.raises(InterviewError, match="Add a job description"):
        template_plan_draft(template=make_template(job_description=" "))


# --- saving ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_replaces_the_plan_only_when_confirmed_and_makes_a_new_version():
    template = make_template()
    draft = plans.draft_offline(role=template.role, job_description=DEMO_EN, language="en")
    with pytest.raises(InterviewError, match="already has 3 question"):
        template_plan_apply(
            template_id=template.pk,
            questions=list(draft.questions),
            criteria=list(draft.criteria),
            based_on_version=1,
            replace_existing=False,
        )
    assert template.questions.count() == 3
    saved = template_plan_apply(
        template_id=template.pk,
        questions=list(draft.questions),
        criteria=list(draft.criteria),
        based_on_version=1,
        replace_existing=True,
    )
    assert saved.version == 2
    assert [q.text for q in saved.questions.all()] == [q.text for q in draft.questions]
    assert list(saved.criteria.values_list("name", flat=True)) == [c.name for c in draft.criteria]
    assert saved.criteria.first().anchors == list(draft.criteria[0].anchors)
    with pytest.raises(InterviewError, match="changed \\(now version 2\\) since this draft was made from version 1"):
        template_plan_apply(
            template_id=template.pk,
            questions=list(draft.questions),
            criteria=list(draft.criteria),
            based_on_version=1,
            replace_existing=True,
        )


def edited_form(page_context: Any, **changes: Any) -> dict[str, Any]:
    """The draft page's form as the browser would submit it, with `changes` on top."""
    data: dict[str, Any] = {"step": "save", "based_on_version": page_context["save_form"].initial["based_on_version"]}
    for formset in (page_context["questions"], page_context["criteria"]):
        management = formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{formset.prefix}-{name}"] = management.initial[name]
        for form in formset.forms:
            for name, field in form.fields.items():
                if name == "DELETE":
                    continue
                value = form.initial.get(name, field.initial)
                data[f"{form.prefix}-{name}"] = "" if value is None else value
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_draft_page_drafts_offline_then_saves_the_recruiters_edits(staff_client, settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    template = make_template(job_description=DEMO_EN)
    url = reverse("admin:interviews_interviewtemplate_draft_plan", args=[template.pk])
    page = staff_client.get(url).content.decode()
    assert "No language model is configured" in page
    assert "Draft the questions and rubric" in page
    drafted = staff_client.post(url, {"step": "draft"})
    text = drafted.content.decode()
    assert "Role family: Software engineering." in text
    assert "This template already has 3 question(s) and" in text
    assert TemplateQuestion.objects.filter(template=template).count() == 3  # a draft changes nothing

    edits = edited_form(
        drafted.context,
        **{
            "questions-0-text": "Walk me through the payments API you are proudest of.",
            "questions-1-DELETE": "on",
            "questions-7-text": "What would you automate first here?",  # the empty row, filled in
            "criteria-3-DELETE": "on",
        },
    )
    not_confirmed = staff_client.post(url, edits).content.decode()
    assert "Tick “Replace the current plan” to replace them." in not_confirmed
    template.refresh_from_db()
    assert template.version == 1

    response = staff_client.post(url, {**edits, "replace_existing": "on"})
    assert response["Location"] == reverse("admin:interviews_interviewtemplate_change", args=[template.pk])
    template.refresh_from_db()
    assert template.version == 2
    questions = list(template.questions.values_list("text", flat=True))
    assert questions[0] == "Walk me through the payments API you are proudest of."
    assert questions[-1] == "What would you automate first here?"
    assert len(questions) == 7  # 7 drafted, one removed, one added
    criteria = list(RubricCriterion.objects.filter(template=template))
    assert [c.name for c in criteria] == ["Technical depth", "Problem solving", "Communication"]
    assert len(criteria[0].anchors) == 5
    assert "Saved 7 questions and 3 criteria as version 2." in staff_client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_draft_page_uses_the_configured_model(staff_client, cloud_providers, fake_openai):
    fake_openai.chat_handler = lambda payload: json.dumps(LLM_PLAN)
    template = InterviewTemplate.objects.create(
        slug="new", title="Payments engineer", role="Backend Engineer", job_description=DEMO_EN
    )
    url = reverse("admin:interviews_interviewtemplate_draft_plan", args=[template.pk])
    drafted = staff_client.post(url, {"step": "draft"})
    assert "Drafted by the language model" in drafted.content.decode()
    assert "already has" not in drafted.content.decode()  # nothing to replace: no confirmation needed
    response = staff_client.post(url, edited_form(drafted.context))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.version == 2
    assert template.questions.count() == 6 and template.criteria.count() == 3


@pytest.mark.django_db
def test_a_bad_edit_is_shown_on_the_page_and_nothing_is_saved(staff_client, settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    template = make_template(job_description=DEMO_EN)
    url = reverse("admin:interviews_interviewtemplate_draft_plan", args=[template.pk])
    drafted = staff_client.post(url, {"step": "draft"})
    page = staff_client.post(
        url,
        edited_form(drafted.context, **{"criteria-1-name": "Technical depth", "replace_existing": "on"}),
    ).content.decode()
    assert "the name is used twice" in page
    page = staff_client.post(
        url, edited_form(drafted.context, **{"criteria-0-anchors": "only\ntwo", "replace_existing": "on"})
    ).content.decode()
    assert "2 anchors for a 5-point scale" in page
    template.refresh_from_db()
    assert template.version == 1 and template.questions.count() == 3
