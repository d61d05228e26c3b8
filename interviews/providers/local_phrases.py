"""What the offline interviewer says, per language: a few ways to say each kind of sentence.

Placeholders: {name} / {name_lead} / {for_role} / {role_phrase} (the greeting and closing),
{question} (a planned question), {phrase} (the candidate's own words), {next_steps}, {language}.
Acknowledgements are neutral on purpose: they never praise or judge an answer.
"""

from __future__ import annotations

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "greeting": (
            "Hi{name}, thanks for joining this interview{for_role}. I'm an AI interviewer; I'll ask a few "
            "questions, so take your time with each answer. Let's start.",
            "Hello{name}, and welcome to this interview{for_role}. I'm the AI interviewer. We'll go through a "
            "few questions together, so answer in as much detail as you like. First question.",
        ),
        "acknowledge": ("Thank you.", "Okay.", "I see.", "All right, thank you.", "Understood."),
        "transition": ("Next question. {question}", "Let's move on. {question}", "{question}"),
        "move_on": (
            "That's fine, let's move on. {question}",
            "No problem, we can leave that one. {question}",
        ),
        "follow_up": (
            "You mentioned {phrase}. What was the hardest decision there?",
            "Tell me more about {phrase}: what exactly was your part in it?",
            "You brought up {phrase}. What would you do differently if you did it again?",
            "Let's stay on {phrase} for a moment. What trade-offs did you have to weigh?",
            "About {phrase}: how did you know it worked, and what did you measure?",
        ),
        "more": (
            "Could you say a bit more about that? A concrete example would help.",
            "Could you expand on that a little? What did you do, specifically?",
        ),
        "repeat": ("Let me repeat the question. {question}",),
        "repeat_request": ("Of course. {question}", "Sure, here it is again. {question}"),
        "dont_know": (
            "That's all right, take a moment. Any example works, even a small one from a side project or your "
            "studies. {question}",
        ),
        "deferral": (
            "That's a good question for the recruiter; they will follow up with you on it after the interview.",
        ),
        "wrong_language": ("This interview is in English, so please answer in English. {question}",),
        "stay_on_topic": ("Let's stay with the interview questions. {question}",),
        "closing": (
            "Thank you{name}, that's all my questions. {next_steps} Have a good day!",
            "That was my last question. Thank you{name} for your time. {next_steps} Goodbye!",
        ),
        "time_up": ("We're out of time, so let's stop here. Thank you{name} for your answers. {next_steps} Goodbye!",),
        "next_steps": ("The hiring team will review this conversation and get back to you about next steps.",),
        "default_questions": (
            "Could you tell me a little about yourself and your recent work?",
            "What is a project you are proud of, and what was your role in it?",
            "Tell me about a difficult problem you solved recently. How did you approach it?",
        ),
    },
    "ko": {
        "greeting": (
            "안녕하세요{name}. {role_phrase}면접에 참여해 주셔서 감사합니다. 저는 AI 면접관입니다. 몇 가지 질문을 드릴 "
            "테니 편하게 답변해 주세요. 첫 번째 질문입니다.",
            "안녕하세요{name}, 반갑습니다. 저는 AI 면접관이고, {role_phrase}면접을 시작하겠습니다. 천천히 생각하고 "
            "답변해 주셔도 괜찮습니다. 첫 번째 질문입니다.",
        ),
        "acknowledge": ("감사합니다.", "네, 알겠습니다.", "그렇군요.", "네."),
        "transition": ("다음 질문입니다. {question}", "이제 다음 주제로 넘어가겠습니다. {question}", "{question}"),
        "move_on": ("괜찮습니다. 다음 질문으로 넘어가겠습니다. {question}",),
        "follow_up": (
            "{phrase}에 대해 말씀하셨는데요, 그때 가장 어려웠던 결정은 무엇이었나요?",
            "{phrase}에 대해 조금 더 자세히 말씀해 주시겠어요? 구체적으로 어떤 역할을 하셨나요?",
            "{phrase}에 대해 말씀하셨는데, 다시 한다면 무엇을 다르게 하시겠어요?",
            "{phrase}에 대해 조금 더 여쭤볼게요. 어떤 점들을 고민하셨나요?",
        ),
        "more": (
            "조금 더 자세히 말씀해 주시겠어요? 구체적인 예를 들어 주시면 좋겠습니다.",
            "그 부분을 조금 더 설명해 주실 수 있을까요? 직접 어떤 일을 하셨나요?",
        ),
        "repeat": ("질문을 다시 드리겠습니다. {question}",),
        "repeat_request": ("네, 다시 말씀드리겠습니다. {question}",),
        "dont_know": (
            "괜찮습니다. 천천히 생각해 보세요. 개인 프로젝트나 학교에서의 작은 경험이라도 좋습니다. {question}",
        ),
        "deferral": ("좋은 질문입니다. 그 부분은 면접이 끝난 뒤 채용 담당자가 따로 안내해 드릴 것입니다.",),
        "wrong_language": ("이 면접은 한국어로 진행됩니다. 한국어로 답변해 주세요. {question}",),
        "stay_on_topic": ("면접 질문으로 돌아가겠습니다. {question}",),
        "closing": (
            "{name_lead}준비한 질문은 여기까지입니다. 오늘 시간 내주셔서 감사합니다. {next_steps} 좋은 하루 보내세요!",
        ),
        "time_up": (
            "시간이 다 되어 여기서 마무리하겠습니다. {name_lead}답변해 주셔서 감사합니다. {next_steps} "
            "좋은 하루 보내세요!",
        ),
        "next_steps": ("채용 담당자가 면접 내용을 검토한 뒤 다음 단계를 안내해 드릴 예정입니다.",),
        "default_questions": (
            "간단하게 자기소개와 최근에 하신 일을 말씀해 주시겠어요?",
            "가장 자랑스러운 프로젝트는 무엇이고, 그 안에서 어떤 역할을 하셨나요?",
            "최근에 해결한 어려운 문제에 대해 이야기해 주세요. 어떻게 접근하셨나요?",
        ),
    },
}

# An answer shorter than this (English words / Korean eojeol) earns one "could you say more?".
SHORT_ANSWER_WORDS = {"en": 6, "ko": 3}
