"""Rubric evaluation: the language model with structured output (fake OpenAI), the offline heuristic, failures."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from interviews import provider_settings, services
from interviews.evaluation import (
    HEURISTIC_NOTICE,
    evaluation_run,
    quote_is_verified,
    redact_name,
    wait_for_background_evaluations,
)
from interviews.evaluation.llm import LLM_MIN_TIMEOUT_S, run_on_evaluation_loop
from interviews.models import Evaluation, Interview, RubricCriterion
from tests.factories import make_interview, make_template
from tests.recruiter_factories import ANSWERS, add_conversation, finished

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview() -> Interview:
    template = make_template()
    RubricCriterion.objects.create(
        template=template, position=1, name="Communication", description="Clear, structured answers.", scale_max=10
    )
    interview = make_interview(template=template)
    add_conversation(interview, audio=False)
    return finished(interview)


def llm_reply(**overrides: Any) -> str:
    reply: dict[str, Any] = {
        "candidate_language": "en",
        "scores": {
            "Technical depth": {
                "evidence": ["handled 3000 requests per second", "I invented the internet"],
                "rationale": "Concrete numbers and design choices.",
                "score": 4,
            },
            "Communication": {
                "evidence": ["  i DESIGNED the ledger\ntables  "],
                "rationale": "Structured.",
                "score": 8,
            },
        },
        "summary": "A solid backend engineer.",
        "strengths": ["Concrete examples"],
        "concerns": ["Little on testing"],
    }
    reply.update(overrides)
    return json.dumps(reply)


# --- pure parts ----------------------------------------------------------------------------------


def test_the_candidates_name_and_email_are_removed_from_what_is_scored():
    text = "Hi Jamie! JAMIE DOE (jamie@example.com) said Doe's team, not Jamieson."
    assert redact_name(text, name="Jamie Doe", email="jamie@example.com") == (
        "Hi the candidate! the candidate (the candidate) said the candidate's team, not Jamieson."
    )


def test_quotes_are_verified_ignoring_case_spacing_and_punctuation_but_not_words():
    said = "I built a payments service in Go, that handled 3000 requests per second."
    assert quote_is_verified("built a PAYMENTS service in go that", said)
    assert quote_is_verified("  handled\n3000 requests  ", said)
    assert not quote_is_verified("built a billing service", said)
    assert not quote_is_verified("uilt a pay", said)  # whole words only
    assert not quote_is_verified("", said)


# --- the language model ---------------------------------------------------------------------------


def test_llm_evaluation_scores_each_criterion_with_verified_evidence(interview, cloud_providers, fake_openai):
    fake_openai.chat_replies = [llm_reply()]
    evaluation = evaluation_run(interview_id=interview.pk)

    assert evaluation.status == Evaluation.Status.DONE
    assert evaluation.evaluator == Evaluation.Evaluator.LLM
    assert evaluation.model_name
    assert evaluation.rubric_version == interview.template.version
    assert evaluation.recommendation == "yes"  # 80 %: from the scores, by the thresholds
    assert evaluation.strengths == ["Concrete examples"]
    scores = {s.criterion: s for s in evaluation.scores.all()}
    assert (scores["Technical depth"].score, scores["Technical depth"].scale_max) == (4, 5)
    assert (scores["Communication"].score, scores["Communication"].scale_max) == (8, 10)
    assert scores["Technical depth"].evidence == [
        {"quote": "handled 3000 requests per second", "verified": True},
        {"quote": "I invented the internet", "verified": False},
    ]
    assert scores["Technical depth"].verified_evidence == ["handled 3000 requests per second"]
    assert scores["Communication"].evidence[0]["verified"] is True
    assert evaluation.overall_score == pytest.approx(80.0)  # (4/5 + 8/10) / 2

    request = fake_openai.requests_to("chat")[0].body
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["strict"] is True
    schema = request["response_format"]["json_schema"]["schema"]["properties"]["scores"]
    assert schema["required"] == ["Technical depth", "Communication"]
    assert schema["properties"]["Communication"]["properties"]["score"]["anyOf"][0]["maximum"] == 10
    sent = json.dumps(request["messages"])
    assert "Jamie" not in sent and "Doe" not in sent and "jamie@example.com" not in sent
    assert "the candidate" in sent
    assert ANSWERS[0][:40] in sent


def test_invalid_json_is_retried_and_the_valid_reply_is_used(interview, cloud_providers, fake_openai):
    fake_openai.chat_replies = ["not json", llm_reply()]
    evaluation = evaluation_run(interview_id=interview.pk)
    assert evaluation.status == Evaluation.Status.DONE
    assert evaluation.attempts == 2
    retry = fake_openai.requests_to("chat")[1].body["messages"]
    assert retry[-2] == {"role": "assistant", "content": "not json"}
    assert "not valid" in retry[-1]["content"]


def test_a_score_off_the_scale_or_a_missing_criterion_is_invalid_output(interview, cloud_providers, fake_openai):
    off_scale = json.loads(llm_reply())
    off_scale["scores"]["Technical depth"]["score"] = 9
    missing = json.loads(llm_reply())
    del missing["scores"]["Communication"]
    fake_openai.chat_replies = [json.dumps(off_scale), json.dumps(missing), llm_reply()]
    evaluation = evaluation_run(interview_id=interview.pk)
    assert evaluation.status == Evaluation.Status.DONE
    assert evaluation.attempts == 3


def test_output_still_invalid_after_two_retries_fails_without_scores(interview, cloud_providers, fake_openai):
    fake_openai.chat_replies = ["not json", "{}", "still not json"]
    evaluation = evaluation_run(interview_id=interview.pk)
    assert evaluation.status == Evaluation.Status.FAILED
    assert "after 3 attempt(s)" in evaluation.error
    assert "its evaluation was not valid" in evaluation.error
    assert evaluation.scores.count() == 0
    assert evaluation.overall_score is None
    assert evaluation.recommendation == ""
    assert len(fake_openai.requests_to("chat")) == 3


def test_a_failing_provider_gives_a_failed_evaluation_never_made_up_scores(interview, cloud_providers, fake_openai):
    fake_openai.chat_replies = [llm_reply()]
    assert evaluation_run(interview_id=interview.pk).scores.count() == 2  # an earlier, good run
    fake_openai.fail_next("chat", status=500, count=5)
    evaluation = evaluation_run(interview_id=interview.pk)
    assert evaluation.status == Evaluation.Status.FAILED
    assert "500" in evaluation.error
    assert evaluation.scores.count() == 0
    assert evaluation.overall_score is None and evaluation.summary == ""


def test_evaluations_share_one_model_and_client_whichever_thread_starts_them(cloud_providers):
    async def model() -> Any:
        return provider_settings.structured_model(min_timeout_s=LLM_MIN_TIMEOUT_S)

    from_here = run_on_evaluation_loop(model())
    from_a_thread: list[Any] = []
    thread = threading.Thread(target=lambda: from_a_thread.append(run_on_evaluation_loop(model())))
    thread.start()
    thread.join(10)
    assert from_a_thread == [from_here]
    assert from_here.client.timeout.read == LLM_MIN_TIMEOUT_S  # a whole interview takes longer than a turn


def test_an_interview_without_answers_is_not_scored(cloud_providers, fake_openai):
    interview = finished(make_interview())
    evaluation = evaluation_run(interview_id=interview.pk)
    assert evaluation.status == Evaluation.Status.FAILED
    assert "no answers" in evaluation.error
    assert fake_openai.requests_to("chat") == []


# --- the offline heuristic --------------------------------------------------------------------------


def test_without_keys_the_heuristic_evaluator_scores_and_says_so(interview, settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    evaluation = evaluation_run(interview_id=interview.pk)
    assert evaluation.status == Evaluation.Status.DONE
    assert evaluation.evaluator == Evaluation.Evaluator.HEURISTIC
    assert evaluation.summary.startswith(HEURISTIC_NOTICE)
    assert "not a language model" in evaluation.summary
    assert evaluation.recommendation == Evaluation.Recommendation.NEEDS_REVIEW
    first = [(s.criterion, s.score, s.evidence) for s in evaluation.scores.all()]
    for criterion, score, evidence in first:
        scale = 5 if criterion == "Technical depth" else 10
        assert 1 <= score <= scale
        assert evidence and all(item["verified"] for item in evidence)
        assert all(item["quote"] in " ".join(ANSWERS) for item in evidence)  # real sentences, verbatim
    again = evaluation_run(interview_id=interview.pk)
    assert [(s.criterion, s.score, s.evidence) for s in again.scores.all()] == first  # deterministic


def test_longer_more_specific_answers_score_higher_with_the_heuristic(settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    vague = make_interview()
    add_conversation(vague, answers=["I worked on a backend at my last job.", "It had some tables."], audio=False)
    detailed = make_interview()
    add_conversation(detailed, audio=False)
    low = evaluation_run(interview_id=finished(vague).pk)
    high = evaluation_run(interview_id=finished(detailed).pk)
    assert high.overall_score > low.overall_score
    assert any("little substance" in concern for concern in low.concerns)


def test_answers_too_short_to_say_anything_are_no_evidence(settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    terse = make_interview()
    add_conversation(terse, answers=["Yes.", "I did some stuff."], audio=False)
    evaluation = evaluation_run(interview_id=finished(terse).pk)
    assert evaluation.status == Evaluation.Status.DONE
    assert [s.score for s in evaluation.scores.all()] == [None]  # not assessed, not "1 of 5"
    assert evaluation.overall_score is None
    assert "2 too short to assess" in evaluation.summary


def test_asking_for_a_person_is_no_evidence_and_no_concern(settings):
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    asked = make_interview()
    add_conversation(asked, answers=[ANSWERS[0], "Sorry, I would like to talk to a real person instead."], audio=False)
    evaluation = evaluation_run(interview_id=finished(asked).pk)
    assert "1 asking for a human interviewer" in evaluation.summary
    quotes = [item["quote"] for score in evaluation.scores.all() for item in score.evidence]
    assert quotes and not any("person" in quote for quote in quotes)
    assert not any("person" in concern or "short" in concern for concern in evaluation.concerns)


# --- in the background ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_finishing_an_interview_evaluates_it_in_a_background_thread(settings):
    settings.INTERVIEW_EVALUATE_ON_FINISH = True
    settings.INTERVIEW_PROVIDERS = {"stt": ["local"], "llm": ["local"], "tts": ["local"]}
    interview = make_interview(status=Interview.Status.IN_PROGRESS)
    add_conversation(interview, audio=False)
    services.interview_finish(interview_id=interview.pk, reason="plan_complete")
    wait_for_background_evaluations()
    evaluation = Evaluation.objects.get(interview=interview)
    assert evaluation.status == Evaluation.Status.DONE
    assert evaluation.scores.count() == 1


def test_the_command_evaluates_and_reports_failures_as_errors(interview, cloud_providers, fake_openai, capsys):
    fake_openai.chat_replies = [llm_reply()]
    call_command("evaluate_interview", str(interview.pk))
    assert "80.0% (yes)" in capsys.readouterr().out
    fake_openai.fail_next("chat", status=500, count=5)
    with pytest.raises(CommandError, match="failed"):
        call_command("evaluate_interview", interview.invite_token)
    with pytest.raises(CommandError, match="No interview"):
        call_command("evaluate_interview", "999999")
