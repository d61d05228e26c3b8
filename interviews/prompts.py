"""The interviewer's instructions, built from the template, and the few fixed things it says."""

from __future__ import annotations

from interviews.languages import language_base
from interviews.providers.base import END_MARKER, InterviewContext, Message

LANGUAGE_NAMES = {"en": "English", "ko": "Korean"}

PHRASES = {
    "en": {
        "repeat": "Sorry, I didn't catch that. Could you say it again?",
        "technical_problem": "Sorry, I had a technical problem just now. Could you please repeat your answer?",
        "resume_repeat": "It looks like we were disconnected. Could you please repeat your last answer?",
        "greeting_request": "(The candidate has joined the call. Greet them and ask the first question.)",
        "closing_request": "(The time is up. Thank the candidate warmly, say what happens next, and close.)",
        "closing_fallback": "We're out of time. Thank you very much for your answers today; "
        "the team will review the interview and get back to you. Goodbye!",
        "limit_closing": "We have reached the end of what this interview can record. Thank you very much for "
        "your answers today; the team will review the interview and get back to you. Goodbye!",
    },
    "ko": {
        "repeat": "죄송합니다, 잘 듣지 못했어요. 다시 한 번 말씀해 주시겠어요?",
        "technical_problem": "죄송합니다, 잠시 기술적인 문제가 있었어요. 방금 답변을 다시 말씀해 주시겠어요?",
        "resume_repeat": "연결이 잠시 끊겼던 것 같아요. 마지막 답변을 다시 말씀해 주시겠어요?",
        "greeting_request": "(지원자가 입장했습니다. 인사하고 첫 번째 질문을 하세요.)",
        "closing_request": "(시간이 다 되었습니다. 지원자에게 감사 인사를 하고 다음 절차를 안내한 뒤 마무리하세요.)",
        "closing_fallback": "시간이 다 되었습니다. 오늘 답변해 주셔서 정말 감사합니다. "
        "검토 후 연락드리겠습니다. 안녕히 계세요!",
        "limit_closing": "이번 면접에서 녹음할 수 있는 분량이 모두 찼습니다. 오늘 답변해 주셔서 정말 감사합니다. "
        "검토 후 연락드리겠습니다. 안녕히 계세요!",
    },
}


def phrase(language: str, key: str) -> str:
    return PHRASES.get(language_base(language), PHRASES["en"])[key]


def system_prompt(context: InterviewContext) -> str:
    language = LANGUAGE_NAMES.get(language_base(context.language), context.language)
    plan = "\n".join(
        f"{number}. {q.text} (up to {q.follow_up_depth} follow-up question(s))"
        for number, q in enumerate(context.questions, start=1)
    )
    rubric = "\n".join(f"- {c.name}: {c.description}" for c in context.criteria)
    remaining = (
        f"About {int(context.remaining_seconds // 60)} minute(s) remain."
        if context.remaining_seconds is not None
        else ""
    )
    parts = [
        f"You are a friendly, professional interviewer running a spoken job interview for the role "
        f"of {context.role} ({context.title}). Speak only {language}.",
        f"Job description:\n{context.job_description}" if context.job_description else "",
        f"The candidate's first name may be used: {context.candidate_name}." if context.candidate_name else "",
        f"Interview plan, in order:\n{plan}" if plan else "",
        f"What the recruiter will assess (do not mention scores):\n{rubric}" if rubric else "",
        context.persona,
        "Rules: your words are spoken aloud, so write plain sentences without lists, markdown or emoji. "
        "Say one or two short sentences of acknowledgement at most, then ask exactly one question. "
        "Build follow-ups on what the candidate just said, then move on through the plan. "
        "Greet the candidate only once, at the start. "
        f"When the plan is complete or the time is up, thank the candidate, close politely, and end "
        f"your final message with {END_MARKER}.",
        remaining,
    ]
    return "\n\n".join(part for part in parts if part)


def build_messages(
    context: InterviewContext,
    history: list[Message],
    *,
    limit: int,
    greeting: bool = False,
    closing: bool = False,
) -> list[Message]:
    """System prompt plus the last `limit` messages (everything is persisted; the LLM sees a bounded tail)."""
    messages = (
        [Message("system", system_prompt(context)), *history[-limit:]]
        if limit
        else [Message("system", system_prompt(context))]
    )
    if greeting:
        messages.append(Message("user", phrase(context.language, "greeting_request")))
    if closing:
        messages.append(Message("user", phrase(context.language, "closing_request")))
    return messages
