"""The plan-driven local interviewer: greeting, follow-ups on the candidate's words, closing."""

import dataclasses

import pytest

from interviews.providers.base import END_MARKER, InterviewContext, LanguageModel, Message, PlannedQuestion
from interviews.providers.local_llm import LocalInterviewer, extract_key_phrase

PLAN = (
    PlannedQuestion("Tell me about a system you designed.", follow_up_depth=1),
    PlannedQuestion("How do you handle production incidents?", follow_up_depth=1),
    PlannedQuestion("Why do you want this role?", follow_up_depth=0),
)
CONTEXT = InterviewContext(
    title="Backend interview", role="Backend Engineer", language="en", candidate_name="Dana", questions=PLAN
)
ANSWERS = [
    "I led the migration of our payments service to Kubernetes last year, keeping the ledger consistent.",
    "We used dual writes with a nightly reconciliation job that compared both ledgers.",
    "On call.",
    "I start with the dashboards, then keep a timeline in the incident channel and pull in the owners.",
    "We ran a blameless postmortem and added alerting on queue depth, which caught two later issues.",
    "Because I love building reliable payment platforms for small businesses.",
]


async def ask(interviewer: LocalInterviewer, conversation: list[Message], context: InterviewContext) -> str:
    # The pipeline sends the system prompt plus the last 10 messages.
    messages = [Message("system", "You are an interviewer."), *conversation[-10:]]
    pieces = [piece async for piece in interviewer.stream(messages, context=context)]
    assert len(pieces) > 3  # streamed word by word, like a model
    return "".join(pieces)


async def walk(context: InterviewContext, answers: list[str], *, seed: int = 0) -> list[str]:
    interviewer = LocalInterviewer(seed=seed)
    conversation: list[Message] = []
    said: list[str] = []
    for answer in [*answers, *["I have nothing to add."] * 10]:
        text = await ask(interviewer, conversation, context)
        said.append(text)
        if text.endswith(END_MARKER):
            return said
        conversation += [Message("assistant", text), Message("user", answer)]
    raise AssertionError(f"the interview never ended: {said}")


def test_implements_the_protocol():
    assert isinstance(LocalInterviewer(), LanguageModel)


async def test_walks_the_plan_with_follow_ups_on_the_candidates_words():
    said = await walk(CONTEXT, ANSWERS)
    greeting, follow_up_1, question_2, more, follow_up_2, question_3, closing = said
    assert "Dana" in greeting and "Backend Engineer" in greeting and PLAN[0].text in greeting
    assert "payments service" in follow_up_1
    assert PLAN[1].text in question_2
    assert "more" in more.lower() or "detail" in more.lower() or "expand" in more.lower()
    assert "incident channel" in follow_up_2 or "dashboards" in follow_up_2
    assert PLAN[2].text in question_3  # follow_up_depth=0: no follow-up after this one
    assert closing.endswith(END_MARKER) and "Dana" in closing and "next steps" in closing
    assert sum(text.count(END_MARKER) for text in said) == 1
    assert sum("thanks for joining" in text or "welcome" in text for text in said) == 1  # greets once


async def test_same_seed_same_words_other_seed_other_phrasing():
    assert await walk(CONTEXT, ANSWERS, seed=3) == await walk(CONTEXT, ANSWERS, seed=3)
    variants = {tuple(await walk(CONTEXT, ANSWERS, seed=seed)) for seed in range(4)}
    assert len(variants) > 1


async def test_closing_when_time_is_up():
    conversation = [Message("assistant", PLAN[0].text), Message("user", ANSWERS[0])]
    text = await ask(LocalInterviewer(), conversation, dataclasses.replace(CONTEXT, closing=True))
    assert text.endswith(END_MARKER) and "out of time" in text


async def test_second_short_answer_moves_on():
    conversation = [Message("assistant", PLAN[0].text), Message("user", "Not much.")]
    more = await ask(LocalInterviewer(), conversation, CONTEXT)
    conversation += [Message("assistant", more), Message("user", "Really nothing.")]
    assert PLAN[1].text in await ask(LocalInterviewer(), conversation, CONTEXT)


async def test_full_transcript_wins_over_the_bounded_messages():
    transcript = (Message("assistant", f"Hello. {PLAN[1].text}"), Message("user", ANSWERS[3]))
    context = dataclasses.replace(CONTEXT, transcript=transcript)
    messages = [Message("system", "prompt")]  # deliberately uninformative
    text = "".join([piece async for piece in LocalInterviewer().stream(messages, context=context)])
    assert "incident channel" in text or "dashboards" in text


async def test_korean_phrasing_and_follow_up():
    plan = (
        PlannedQuestion("설계한 시스템에 대해 말씀해 주세요."),
        PlannedQuestion("장애 대응 경험을 말씀해 주세요.", follow_up_depth=0),
    )
    context = dataclasses.replace(CONTEXT, language="ko", candidate_name="민수", role="백엔드 개발자", questions=plan)
    said = await walk(
        context,
        [
            "저는 작년에 결제 서비스를 쿠버네티스로 이전하는 작업을 이끌었습니다.",
            "데이터 정합성을 맞추기 위해 이중 쓰기를 했습니다.",
            "네",
            "대시보드를 먼저 확인하고 담당자를 불렀습니다.",
        ],
    )
    greeting, follow_up, question_2, more, closing = said
    assert "민수님" in greeting and "안녕하세요" in greeting and plan[0].text in greeting
    assert "결제 서비스" in follow_up
    assert plan[1].text in question_2
    assert "자세히" in more or "설명" in more
    assert closing.endswith(END_MARKER) and "감사합니다" in closing


@pytest.mark.parametrize(
    ("answer", "language", "expected"),
    [
        ("I led the migration of our payments service to Kubernetes.", "en", "your payments service"),
        ("We built a real-time fraud detection pipeline with Kafka.", "en", "the real-time fraud detection pipeline"),
        ("Yes.", "en", ""),
        ("주로 파이썬과 장고를 사용해서 백엔드 개발을 했습니다.", "ko", "백엔드 개발"),
    ],
)
def test_key_phrase(answer, language, expected):
    assert extract_key_phrase(answer, language=language) == expected
