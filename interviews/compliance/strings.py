"""What the candidate reads about their rights, per interview language (merged into views.ui_strings)."""

from __future__ import annotations

RIGHTS_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "request_title": "Prefer a person, or need an accommodation?",
        "request_intro": "You can ask for a human interviewer instead of the AI, or for an accommodation (for "
        "example more time, captions, or another format). A person at the company reads every request. Asking "
        "never counts against you.",
        "request_kind_label": "What do you need?",
        "request_kind_human": "I'd prefer a human interviewer",
        "request_kind_accommodation": "I need an accommodation",
        "request_text_label": "Tell us more (how we can reach you, what would help)",
        "request_send": "Send my request",
        "request_sent": "Your request was sent. A person will answer it; you do not have to take the AI "
        "interview in the meantime.",
        "request_error": "Please say what you need in the box below.",
        "request_in_interview": 'During the interview you can also say "I want to talk to a person": the interview '
        "ends politely, everything is kept, and the recruiter is asked to contact you.",
        "about_title": "Optional: about you",
        "about_intro": "These questions are voluntary and help the company check that its hiring is fair to "
        "every group. Your answers are stored apart from your interview: the evaluation and the people "
        "reviewing your interview never see them. Leave any question blank if you prefer.",
        "about_sex": "Sex",
        "about_race": "Race or ethnicity",
        "about_send": "Send",
        "about_sent": "Thank you. Your answers were stored apart from your interview.",
    },
    "ko": {
        "request_title": "사람 면접관을 원하시거나 편의 제공이 필요하신가요?",
        "request_intro": "AI 대신 사람 면접관을 요청하거나, 편의 제공(예: 시간 연장, 자막, 다른 방식)을 요청할 수 "
        "있습니다. 모든 요청은 회사 담당자가 직접 읽습니다. 요청했다고 불이익을 받지 않습니다.",
        "request_kind_label": "무엇이 필요하신가요?",
        "request_kind_human": "사람 면접관을 원합니다",
        "request_kind_accommodation": "편의 제공이 필요합니다",
        "request_text_label": "자세히 알려 주세요 (연락 방법, 필요한 도움)",
        "request_send": "요청 보내기",
        "request_sent": "요청을 보냈습니다. 담당자가 답변할 것이며, 그동안 AI 면접을 보지 않으셔도 됩니다.",
        "request_error": "아래 칸에 필요한 내용을 적어 주세요.",
        "request_in_interview": '면접 중에도 "사람과 이야기하고 싶어요"라고 말씀하시면 면접이 정중히 끝나고, 모든 '
        "내용이 보관되며, 채용 담당자에게 연락을 요청합니다.",
        "about_title": "선택 사항: 지원자 정보",
        "about_intro": "아래 질문은 선택 사항이며, 회사가 모든 집단에 공정하게 채용하는지 확인하는 데 쓰입니다. "
        "답변은 면접 기록과 따로 보관되며, 평가와 면접 검토자는 볼 수 없습니다. 원하지 않으면 비워 두세요.",
        "about_sex": "성별",
        "about_race": "인종 또는 민족",
        "about_send": "보내기",
        "about_sent": "감사합니다. 답변은 면접 기록과 따로 보관되었습니다.",
    },
}
