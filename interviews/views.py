"""Candidate pages: fetch the interview, call one service, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from interviews import selectors, services
from interviews.compliance.strings import RIGHTS_STRINGS
from interviews.languages import language_base
from interviews.models import Interview
from interviews.selectors import LinkState

# Every word the candidate reads, per interview language. The interview page gets the same dict as
# a JSON <script> block, so the JavaScript never hard-codes a sentence.
UI_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "skip_to_content": "Skip to content",
        "controls": "Controls",
        "page_title_invite": "Your interview",
        "role": "Role",
        "language": "Language",
        "duration": "Duration",
        "minutes": "{n} minutes",
        "what_happens_title": "What will happen",
        "what_happens_1": "You will talk with an interviewer by voice, in your browser.",
        "what_happens_2": "The interviewer asks a question; press the microphone button (or hold Space) "
        "while you answer and release it when you are done.",
        "what_happens_2_hands_free": "The interviewer asks a question and you simply answer out loud; a short "
        "pause tells it you are done. You can mute your microphone or interrupt the interviewer at any time.",
        "what_happens_3": "Subtitles and a transcript are shown as you go; a timer shows the time left.",
        "what_happens_4": "You can end the interview at any time. If your connection drops, open this link "
        "again and you will continue where you left off.",
        "ai_notice_title": "Before you start",
        "ai_notice": "The interviewer is an AI, not a person. Your voice and the conversation are recorded "
        "and transcribed, and the recruiter reviews the recording, the transcript and an AI-written "
        "evaluation of your answers.",
        "consent_label": "I understand that the interviewer is an AI and I agree that my audio is recorded, "
        "transcribed and reviewed by the recruiter.",
        "consent_required": "Please tick the box to agree before you start.",
        "consent_given": "You agreed on {date}.",
        "start": "Start the interview",
        "continue": "Continue the interview",
        "checks_title": "Check your microphone and speakers",
        "mic_check": "Test microphone",
        "mic_check_hint": "Say something: the bar should move.",
        "mic_level": "Microphone level",
        "mic_ok": "Your microphone works.",
        "mic_denied": "The browser could not use a microphone: {reason}. Allow microphone access in the "
        "address bar and try again.",
        "mic_unsupported": "This browser cannot record audio. Please use a current Chrome, Edge, Firefox or Safari.",
        "speaker_check": "Play a test tone",
        "speaker_check_hint": "You should hear a short beep.",
        "speaker_done": "Tone played. If you heard nothing, check your volume.",
        "link_unknown_title": "This link does not work",
        "link_unknown": "We could not find an interview for this link. Please check that you copied the whole "
        "link from your invitation, or ask the recruiter for a new one.",
        "link_expired_title": "This link has expired",
        "link_expired": "The time to take this interview has passed. Please ask the recruiter for a new link.",
        "link_ended_title": "This interview has ended",
        "link_ended": "This interview is over and cannot be started again. Thank you for your time.",
        "link_failed": "This interview could not be completed because of a technical problem. Please contact "
        "the recruiter.",
        # interview page
        "page_title_live": "Interview in progress",
        "join_title": "Ready when you are",
        "join_text": "When you join, the interviewer greets you. Use headphones if you can.",
        "join": "Join the interview",
        "interviewer": "Interviewer",
        "you": "You",
        "transcript": "Transcript",
        "time_left": "Time left",
        "conn_connecting": "Connecting…",
        "conn_live": "Live",
        "conn_reconnecting": "Reconnecting…",
        "conn_ended": "Ended",
        "act_listening": "Listening",
        "act_thinking": "Thinking…",
        "act_speaking": "Speaking",
        "mic_start": "Answer",
        "mic_stop": "Done answering",
        "mic_hint": "Click the button or hold Space while you speak.",
        "mic_recording": "Recording — release Space or click when you are done.",
        "mic_disabled_speaking": "Wait until the interviewer has finished speaking.",
        "mic_disabled_thinking": "The interviewer is preparing the next question.",
        "mic_disabled_offline": "Not connected — the microphone is off until the connection is back.",
        "mic_disabled_ended": "The interview has ended.",
        "mic_disabled_nomic": "No microphone available: {reason}",
        # hands-free mode (the server detects when an answer starts and ends)
        "join_text_hands_free": "When you join, the interviewer greets you and then listens: just speak, and "
        "pause when you are done. Use headphones if you can.",
        "act_candidate": "You're speaking",
        "act_muted": "Muted",
        "hf_listening": "Listening — just speak. Pause when you are done and the interviewer will answer.",
        "hf_muted": "Your microphone is muted — the interviewer cannot hear you. Unmute to answer.",
        "mute": "Mute microphone",
        "unmute": "Unmute microphone",
        "interrupt": "Interrupt",
        "interrupt_hint": "Esc",
        "camera_on": "Show my camera",
        "camera_off": "Hide my camera",
        "camera_denied": "Camera not available ({reason}); the interview continues without video.",
        "end": "End interview",
        "end_confirm_title": "End the interview?",
        "end_confirm_text": "You cannot continue the interview after ending it.",
        "end_confirm_yes": "Yes, end it",
        "end_confirm_no": "Keep going",
        "ending": "Ending the interview…",
        "time_up": "Time is up — the interview is ending.",
        "reconnect_failed": "Could not reconnect. Check your internet connection and reload this page.",
        "replaced": "This interview was opened in another window or tab.",
        "error_prefix": "Problem",
        "resumed": "Reconnected — continuing where you left off.",
        "no_audio_autoplay": "Click anywhere to hear the interviewer.",
        # finished page
        "page_title_done": "Interview finished",
        "done_title": "Thank you!",
        "done_text": "Your interview is finished and has been sent to the recruiter. You can close this page.",
        "done_not_finished": "Your interview is not finished yet.",
        "back_to_interview": "Back to the interview",
    },
    "ko": {
        "language_name": "한국어",
        "skip_to_content": "본문으로 건너뛰기",
        "controls": "조작",
        "page_title_invite": "면접 안내",
        "role": "직무",
        "language": "언어",
        "duration": "소요 시간",
        "minutes": "{n}분",
        "what_happens_title": "진행 방식",
        "what_happens_1": "브라우저에서 면접관과 음성으로 대화합니다.",
        "what_happens_2": "면접관이 질문하면 답변하는 동안 마이크 버튼을 누르거나 스페이스 바를 누르고 있다가, "
        "답변이 끝나면 놓으세요.",
        "what_happens_2_hands_free": "면접관이 질문하면 그냥 소리 내어 답변하세요. 잠시 말을 멈추면 답변이 끝난 "
        "것으로 알아듣습니다. 언제든지 마이크를 음소거하거나 면접관의 말을 끊을 수 있습니다.",
        "what_happens_3": "진행 중에 자막과 대화 기록이 표시되고, 타이머가 남은 시간을 보여 줍니다.",
        "what_happens_4": "언제든지 면접을 끝낼 수 있습니다. 연결이 끊기면 이 링크를 다시 열어 이어서 진행하세요.",
        "ai_notice_title": "시작하기 전에",
        "ai_notice": "면접관은 사람이 아닌 AI입니다. 음성과 대화 내용은 녹음되고 텍스트로 변환되며, 채용 담당자가 "
        "녹음, 대화 기록, AI가 작성한 답변 평가를 검토합니다.",
        "consent_label": "면접관이 AI라는 것을 이해했으며, 제 음성이 녹음되고 텍스트로 변환되어 채용 담당자가 "
        "검토하는 것에 동의합니다.",
        "consent_required": "시작하려면 동의란에 체크해 주세요.",
        "consent_given": "{date}에 동의하셨습니다.",
        "start": "면접 시작",
        "continue": "면접 계속하기",
        "checks_title": "마이크와 스피커 확인",
        "mic_check": "마이크 테스트",
        "mic_check_hint": "말을 해 보세요. 막대가 움직여야 합니다.",
        "mic_level": "마이크 입력 수준",
        "mic_ok": "마이크가 작동합니다.",
        "mic_denied": "브라우저에서 마이크를 사용할 수 없습니다: {reason}. 주소 표시줄에서 마이크 권한을 허용한 뒤 "
        "다시 시도하세요.",
        "mic_unsupported": "이 브라우저는 오디오를 녹음할 수 없습니다. 최신 Chrome, Edge, Firefox 또는 Safari를 "
        "사용하세요.",
        "speaker_check": "테스트 음 재생",
        "speaker_check_hint": "짧은 삐 소리가 들려야 합니다.",
        "speaker_done": "테스트 음을 재생했습니다. 아무 소리도 들리지 않았다면 음량을 확인하세요.",
        "link_unknown_title": "유효하지 않은 링크",
        "link_unknown": "이 링크에 해당하는 면접을 찾을 수 없습니다. 초대 메일의 링크 전체를 복사했는지 확인하거나 "
        "채용 담당자에게 새 링크를 요청하세요.",
        "link_expired_title": "만료된 링크",
        "link_expired": "이 면접의 응시 기간이 지났습니다. 채용 담당자에게 새 링크를 요청하세요.",
        "link_ended_title": "종료된 면접",
        "link_ended": "이 면접은 이미 끝나서 다시 시작할 수 없습니다. 시간 내 주셔서 감사합니다.",
        "link_failed": "기술적인 문제로 면접을 마치지 못했습니다. 채용 담당자에게 문의하세요.",
        "page_title_live": "면접 진행 중",
        "join_title": "준비되면 시작하세요",
        "join_text": "입장하면 면접관이 인사합니다. 가능하면 헤드폰을 사용하세요.",
        "join": "면접 입장",
        "interviewer": "면접관",
        "you": "나",
        "transcript": "대화 기록",
        "time_left": "남은 시간",
        "conn_connecting": "연결 중…",
        "conn_live": "연결됨",
        "conn_reconnecting": "다시 연결 중…",
        "conn_ended": "종료됨",
        "act_listening": "듣는 중",
        "act_thinking": "생각 중…",
        "act_speaking": "말하는 중",
        "mic_start": "답변하기",
        "mic_stop": "답변 완료",
        "mic_hint": "말하는 동안 버튼을 클릭하거나 스페이스 바를 누르고 있으세요.",
        "mic_recording": "녹음 중 — 답변이 끝나면 스페이스 바를 놓거나 버튼을 클릭하세요.",
        "mic_disabled_speaking": "면접관의 말이 끝날 때까지 기다려 주세요.",
        "mic_disabled_thinking": "면접관이 다음 질문을 준비하고 있습니다.",
        "mic_disabled_offline": "연결되지 않았습니다. 연결이 복구될 때까지 마이크가 꺼집니다.",
        "mic_disabled_ended": "면접이 종료되었습니다.",
        "mic_disabled_nomic": "사용할 수 있는 마이크가 없습니다: {reason}",
        "join_text_hands_free": "입장하면 면접관이 인사한 뒤 듣기 시작합니다. 그냥 말씀하시고, 답변이 끝나면 잠시 "
        "멈추세요. 가능하면 헤드폰을 사용하세요.",
        "act_candidate": "말씀하시는 중",
        "act_muted": "음소거됨",
        "hf_listening": "듣고 있습니다. 그냥 말씀하세요. 답변이 끝나고 잠시 멈추면 면접관이 이어서 말합니다.",
        "hf_muted": "마이크가 음소거되어 면접관에게 들리지 않습니다. 답변하려면 음소거를 해제하세요.",
        "mute": "마이크 음소거",
        "unmute": "음소거 해제",
        "interrupt": "말 끊기",
        "interrupt_hint": "Esc",
        "camera_on": "내 카메라 보기",
        "camera_off": "카메라 숨기기",
        "camera_denied": "카메라를 사용할 수 없습니다({reason}). 영상 없이 면접을 계속합니다.",
        "end": "면접 종료",
        "end_confirm_title": "면접을 종료할까요?",
        "end_confirm_text": "종료한 뒤에는 면접을 이어서 진행할 수 없습니다.",
        "end_confirm_yes": "네, 종료합니다",
        "end_confirm_no": "계속하기",
        "ending": "면접을 종료하는 중…",
        "time_up": "시간이 다 되어 면접을 종료합니다.",
        "reconnect_failed": "다시 연결하지 못했습니다. 인터넷 연결을 확인하고 페이지를 새로 고치세요.",
        "replaced": "이 면접이 다른 창이나 탭에서 열렸습니다.",
        "error_prefix": "문제",
        "resumed": "다시 연결되었습니다. 이어서 진행합니다.",
        "no_audio_autoplay": "면접관의 음성을 들으려면 화면을 클릭하세요.",
        "page_title_done": "면접 완료",
        "done_title": "감사합니다!",
        "done_text": "면접이 끝났으며 채용 담당자에게 전달되었습니다. 이 페이지를 닫으셔도 됩니다.",
        "done_not_finished": "면접이 아직 끝나지 않았습니다.",
        "back_to_interview": "면접으로 돌아가기",
    },
}

ENDED_STATUSES = (Interview.Status.COMPLETED, Interview.Status.ABANDONED, Interview.Status.FAILED)


def ui_strings(language: str) -> dict[str, str]:
    """The UI text for an interview language, falling back to English (and per key to English)."""
    base = language_base(language)
    rights = RIGHTS_STRINGS  # the candidate's rights (interviews/compliance/strings.py)
    return {**UI_STRINGS["en"], **rights["en"], **UI_STRINGS.get(base, {}), **rights.get(base, {})}


def _page_context(interview: Interview, **extra: Any) -> dict[str, Any]:
    language = interview.template.language
    return {
        "interview": interview,
        "template": interview.template,
        "ui": ui_strings(language),
        "lang": language,
        **extra,
    }


def _interview(request: HttpRequest, token: str) -> Interview | None:
    """The interview for an invite token. A staff preview ("Preview this template") is for staff
    only: to anyone else its link does not exist. Its socket needs the consent given on these
    pages, so it is staff-only too."""
    interview = selectors.interview_get_by_token(token=token)
    if interview is not None and interview.is_test and not request.user.is_staff:
        return None
    return interview


def _link_problem(request: HttpRequest, interview: Interview | None) -> HttpResponse | None:
    """The page for a link that cannot be used (unknown, expired, ended), or None if it is open."""
    state = selectors.interview_link_state(interview=interview)
    if state == LinkState.UNKNOWN:
        return render(request, "interviews/link_unknown.html", {"ui": ui_strings("en"), "lang": "en"}, status=404)
    assert interview is not None
    if state == LinkState.ENDED:
        # 410 Gone: the link existed, and will never work again.
        failed = interview.status == Interview.Status.FAILED
        return render(request, "interviews/link_ended.html", _page_context(interview, failed=failed), status=410)
    if state == LinkState.EXPIRED:
        return render(request, "interviews/link_expired.html", _page_context(interview), status=410)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    interview = _interview(request, token)
    problem = _link_problem(request, interview)
    if problem is not None:
        return problem
    assert interview is not None
    if request.method == "POST":
        if request.POST.get("consent") != "yes":
            context = _page_context(interview, consent_error=True)
            return render(request, "interviews/invite.html", context, status=400)
        services.interview_consent(interview=interview)
        return redirect("interviews:live", token=interview.invite_token)
    return render(request, "interviews/invite.html", _page_context(interview))


@require_GET
def live(request: HttpRequest, token: str) -> HttpResponse:
    interview = _interview(request, token)
    if interview is not None and interview.status in ENDED_STATUSES and interview.consented_at is not None:
        return redirect("interviews:done", token=interview.invite_token)
    problem = _link_problem(request, interview)
    if problem is not None:
        return problem
    assert interview is not None
    if interview.consented_at is None:
        return redirect("interviews:invite", token=interview.invite_token)
    time_limit_seconds = interview.template.time_limit_minutes * 60
    remaining = interview.remaining_seconds
    client_config = {
        "token": interview.invite_token,
        "wsPath": f"/ws/interview/{interview.invite_token}/",
        "doneUrl": reverse("interviews:done", kwargs={"token": interview.invite_token}),
        "inviteUrl": reverse("interviews:invite", kwargs={"token": interview.invite_token}),
        "language": interview.template.language,
        "timeLimitSeconds": time_limit_seconds,
        "remainingSeconds": remaining if remaining is not None else time_limit_seconds,
        "started": interview.started_at is not None,
        # The socket's session_state says the same; the page needs it before connecting to lay itself out.
        "mode": "hands_free" if interview.template.hands_free else "push_to_talk",
        "strings": ui_strings(interview.template.language),
        # The interviewer's 3D head (static/interviews/avatar.js); none: the 2D face only.
        "avatar": {
            "url": settings.AVATAR_MODEL_URL,
            "cameraPosition": settings.AVATAR_CAMERA_POSITION,
            "cameraFov": settings.AVATAR_CAMERA_FOV,
        }
        if settings.AVATAR_MODEL_URL
        else None,
    }
    return render(request, "interviews/interview.html", _page_context(interview, client_config=client_config))


@require_GET
def done(request: HttpRequest, token: str) -> HttpResponse:
    interview = _interview(request, token)
    if interview is None or interview.status not in ENDED_STATUSES:
        # Unknown or expired links get their own page; a finished interview always gets this one.
        problem = _link_problem(request, interview)
        if problem is not None:
            return problem
    assert interview is not None
    if interview.consented_at is None and interview.status not in ENDED_STATUSES:
        return redirect("interviews:invite", token=interview.invite_token)
    # The page is reached right after `interview_ended`; the status write may still be in flight,
    # so an open interview still gets the thank-you page, with a way back in case it was a mistake.
    still_open = interview.status in Interview.OPEN_STATUSES and interview.ended_at is None
    return render(request, "interviews/done.html", _page_context(interview, still_open=still_open))
