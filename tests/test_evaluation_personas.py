"""The offline evaluation of the scripted candidates (tests/personas.py) as a recruiter reads it.

Each persona is stored as a finished interview of the demo template in its language (seed_demo):
the interviewer asks each planned question, follows up after every answer but the last one on it,
and the evaluation runs as it does without keys (the offline heuristic).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.core.management import call_command

from interviews.evaluation import evaluation_run
from interviews.evaluation.evidence import normalise_for_match
from interviews.models import Evaluation, Interview, InterviewTemplate
from tests.factories import make_interview
from tests.personas import PERSONAS, Persona, persona
from tests.recruiter_factories import add_turn, finished

pytestmark = pytest.mark.django_db

FOLLOW_UP = {"en": "Could you tell me a bit more about that?", "ko": "조금 더 자세히 말씀해 주시겠어요?"}
NEXT = {"en": "Thank you. Next question: {question}", "ko": "감사합니다. 다음 질문입니다. {question}"}


@pytest.fixture(autouse=True)
def offline(settings: Any) -> None:
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}


def stored(candidate: Persona) -> Interview:
    """The persona's interview on its demo template, stored as the interviewer would have written it."""
    call_command("seed_demo", verbosity=0)
    template = InterviewTemplate.objects.get(slug=candidate.template_slug)
    questions = [q.text for q in template.questions.all()]
    language = candidate.template_language
    interview = make_interview(template=template)
    index = 0

    def say(speaker: str, text: str, **fields: Any) -> None:
        nonlocal index
        add_turn(interview, index=index, speaker=speaker, text=text, **fields)
        index += 1

    say("interviewer", questions[0], is_greeting=True, plan_question=1)
    for number, answers in enumerate(candidate.per_question):
        for position, answer in enumerate(answers):
            say("candidate", answer)
            if position < len(answers) - 1:
                say("interviewer", FOLLOW_UP[language], follow_up=True)
            elif number + 1 < len(questions):
                say("interviewer", NEXT[language].format(question=questions[number + 1]), plan_question=number + 2)
    return finished(interview)


def evaluated(candidate: Persona) -> Evaluation:
    evaluation = evaluation_run(interview_id=stored(candidate).pk)
    assert evaluation.status == Evaluation.Status.DONE, evaluation.error
    return evaluation


def scores(evaluation: Evaluation) -> dict[str, int | None]:
    return {s.criterion: s.score for s in evaluation.scores.all()}


def quotes(evaluation: Evaluation) -> list[str]:
    return [item["quote"] for s in evaluation.scores.all() for item in s.evidence]


def said_in(quote: str, answers: list[str] | tuple[str, ...] | frozenset[str]) -> bool:
    return any(normalise_for_match(quote) in normalise_for_match(answer) for answer in answers)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_strong_candidate_is_at_least_15_points_above_the_weak_the_stuffer_and_the_injector(language):
    evaluations = {kind: evaluated(persona(kind, language)) for kind in ("strong", "weak", "stuffer", "injector")}
    overall = {kind: evaluation.overall_score for kind, evaluation in evaluations.items()}
    for kind in ("weak", "stuffer", "injector"):
        assert overall[kind] is not None and overall["strong"] >= overall[kind] + 15, overall
        assert evaluations[kind].recommendation not in ("yes", "strong_yes"), kind


@pytest.mark.parametrize("language", ["en", "ko"])
def test_echoing_the_rubric_or_talking_to_the_evaluator_earns_nothing_over_a_weak_candidate(language):
    weak = evaluated(persona("weak", language)).overall_score
    for kind in ("stuffer", "injector"):
        assert evaluated(persona(kind, language)).overall_score <= weak + 10


def test_the_offline_evaluator_never_recommends_hiring():
    for candidate in PERSONAS:
        evaluation = evaluated(candidate)
        assert evaluation.recommendation == Evaluation.Recommendation.NEEDS_REVIEW, candidate.name


@pytest.mark.parametrize("language", ["en", "ko"])
def test_no_evidence_is_quoted_from_text_addressed_to_the_evaluator(language):
    injector = persona("injector", language)
    evaluation = evaluated(injector)
    cited = quotes(evaluation)
    assert cited  # the thin real answers are still read
    assert not [quote for quote in cited if said_in(quote, injector.injections)]
    assert any("7" in concern and ("evaluator" in concern or "평가자" in concern) for concern in evaluation.concerns)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_criterion_nothing_bears_on_is_not_assessed_rather_than_scored_low(language):
    # The weak candidate said only "I don't know" to the incident question, the one that names ownership.
    weak = evaluated(persona("weak", language))
    ownership = weak.scores.get(position=3)
    assert ownership.score is None
    assert ownership.evidence == []
    assert "Not assessed" in ownership.rationale or "평가 안 됨" in ownership.rationale
    assert [s for s in scores(weak).values() if s is not None]  # what they did say is still scored
    assert weak.overall_score == pytest.approx(
        100
        * sum(s.weight * s.score / s.scale_max for s in weak.scores.all() if s.score is not None)
        / sum(s.weight for s in weak.scores.all() if s.score is not None),
        abs=0.1,
    )  # the criterion not assessed is left out, not counted as zero


@pytest.mark.parametrize("language", ["en", "ko"])
def test_answers_in_another_language_are_no_evidence_and_say_so(language):
    evaluation = evaluated(persona("wrong_language", language))
    assert set(scores(evaluation).values()) == {None}
    assert evaluation.overall_score is None
    assert quotes(evaluation) == []
    said = {"en": "10 answer(s) were not in English", "ko": "답변 10개가 한국어가 아니었습니다"}[language]
    assert any(said in concern for concern in evaluation.concerns), evaluation.concerns


@pytest.mark.parametrize("kind", ["strong", "repeat"])
def test_korean_answers_are_not_penalised_against_the_same_answers_in_english(kind):
    english = evaluated(persona(kind, "en"))
    korean = evaluated(persona(kind, "ko"))
    assert korean.overall_score >= english.overall_score - 5
    assert [s or 0 for s in scores(korean).values()] >= [max(0, (s or 0) - 1) for s in scores(english).values()]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_answering_more_follow_ups_never_lowers_a_score(language):
    strong = persona("strong", language)
    extra = {
        "en": ("Yes, exactly.", "We ran it on two nodes."),
        "ko": ("네, 맞습니다.", "두 대의 서버에서 돌렸습니다."),
    }
    more = replace(strong, per_question=tuple((*answers, *extra[language]) for answers in strong.per_question))
    before, after = evaluated(strong), evaluated(more)
    assert after.overall_score >= before.overall_score
    for criterion, score in scores(before).items():
        assert (scores(after)[criterion] or 0) >= (score or 0)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_asking_to_hear_the_question_again_costs_nothing(language):
    asking = persona("repeat", language)
    requests = asking.repeat_requests
    plain = replace(
        asking, per_question=tuple(tuple(a for a in answers if a not in requests) for answers in asking.per_question)
    )
    assert len(requests) == 3 and len(plain.answers) == len(asking.answers) - 3
    with_requests, without = evaluated(asking), evaluated(plain)
    assert with_requests.overall_score == without.overall_score
    assert scores(with_requests) == scores(without)
    assert not [quote for quote in quotes(with_requests) if said_in(quote, requests)]
    assert (
        "3 asking to hear the question again" in with_requests.summary
        or "질문을 다시 요청 3개" in with_requests.summary
    )


@pytest.mark.parametrize("language", ["en", "ko"])
def test_echoing_the_rubric_never_raises_a_score(language):
    from interviews.management.commands.seed_demo import RUBRIC

    strong = persona("strong", language)
    echo = " ".join(description for _name, description, _weight in RUBRIC[language])
    echoing = replace(
        strong, per_question=tuple((*answers[:-1], f"{answers[-1]} {echo}") for answers in strong.per_question)
    )
    weak = persona("weak", language)
    weak_echoing = replace(
        weak, per_question=tuple((*answers[:-1], f"{answers[-1]} {echo}") for answers in weak.per_question)
    )
    assert scores(evaluated(echoing)) == scores(evaluated(strong))
    before, after = evaluated(weak), evaluated(weak_echoing)
    for criterion, score in scores(after).items():
        assert (score or 0) <= (scores(before)[criterion] or 1)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_evidence_for_a_criterion_comes_from_the_answers_that_bear_on_it(language):
    strong = persona("strong", language)
    evaluation = evaluated(strong)
    by_position = {s.position: s for s in evaluation.scores.all()}
    # Technical depth is named by questions 1 and 2 (systems built, data model); ownership by question 3.
    depth, ownership = by_position[0], by_position[3]
    assert depth.evidence and all(
        said_in(q["quote"], strong.per_question[0] + strong.per_question[1]) for q in depth.evidence
    )
    assert ownership.evidence and all(said_in(q["quote"], strong.per_question[2]) for q in ownership.evidence)
    assert all(item["verified"] for s in evaluation.scores.all() for item in s.evidence)
