"""The offline evaluator's report, in the interview's language: every sentence it writes."""

from __future__ import annotations

HEURISTIC_NOTICE = "Scored by the offline heuristic evaluator, not a language model."

REPORT_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "notice": HEURISTIC_NOTICE,
        "method": (
            "It finds the answers that bear on each criterion and counts, in them, the candidate's own content "
            "words (not the rubric's or the question's), concrete details (numbers, names of things) and "
            "sentences that give reasons or results. It cannot tell whether an answer was right, so it never "
            "recommends hiring: a person must read the transcript and decide."
        ),
        "answers": "The candidate gave {answers} answer(s); {usable} held something to assess.",
        "none_usable": "Nothing the candidate said could be assessed.",
        "empty": "{n} empty",
        "dont_know": '{n} "I don\'t know"',
        "repeat": "{n} asking to hear the question again",
        "question": "{n} question(s) back to the interviewer",
        "wrong_language": "{n} in another language than {language}",
        "to_the_evaluator": "{n} addressed to the evaluator",
        "about_language": "{n} about the interview's language",
        "asked_for_a_person": "{n} asking for a human interviewer",
        "thin": "{n} too short to assess",
        "no_evidence": "No evidence in: {parts}.",
        "rationale": (
            "From {answers} answer(s) ({questions}): {content} content word(s) of their own, {details} concrete "
            "detail(s){detail_list}, {reasons} sentence(s) giving reasons or results."
        ),
        "questions": "question(s) {numbers}",
        "silent": "The answers to {n} other question(s) that bear on it held no evidence and are not counted.",
        "all_questions": "every question: no question names this criterion",
        "not_assessed": "Not assessed: no answer held evidence for it.",
        "not_assessed_named": "Not assessed: the answers to question(s) {numbers}, which bear on it, held no evidence.",
        "strength": "{criterion}: concrete, reasoned answers ({score}/{scale}).",
        "concern_low": "{criterion}: little substance in the answers that bear on it ({score}/{scale}).",
        "concern_not_assessed": "{criterion}: not assessed; ask about it in the next interview.",
        "concern_meta": (
            "{n} answer(s) spoke to the evaluator (e.g. asking for a score or to ignore instructions); they were "
            "not scored. Read them in the transcript."
        ),
        "concern_language": (
            "{n} answer(s) were not in {language}; the offline evaluator cannot read them. Have someone who "
            "speaks the candidate's language review the recording."
        ),
        "concern_dont_know": '{n} answer(s) were "I don\'t know" or similar.',
    },
    "ko": {
        "notice": "오프라인 휴리스틱 평가기가 채점했습니다. 언어 모델이 아닙니다.",
        "method": (
            "각 항목과 관련된 답변을 찾아, 그 안에서 지원자 자신의 내용어(루브릭과 질문의 단어는 제외), 구체적인 "
            "정보(숫자, 이름), 이유나 결과를 말하는 문장을 셉니다. 답이 맞는지는 판단할 수 없으므로 채용을 "
            "추천하지 않습니다. 사람이 녹취록을 읽고 결정해야 합니다."
        ),
        "answers": "지원자는 {answers}번 답변했고, 그중 {usable}개에 평가할 내용이 있었습니다.",
        "none_usable": "지원자의 말 중 평가할 수 있는 내용이 없었습니다.",
        "empty": "빈 답변 {n}개",
        "dont_know": '"모르겠습니다" {n}개',
        "repeat": "질문을 다시 요청 {n}개",
        "question": "면접관에게 되물은 질문 {n}개",
        "wrong_language": "{language}가 아닌 언어 {n}개",
        "to_the_evaluator": "평가자에게 하는 말 {n}개",
        "about_language": "면접 언어에 관한 말 {n}개",
        "asked_for_a_person": "사람 면접관 요청 {n}개",
        "thin": "평가하기에 너무 짧은 답변 {n}개",
        "no_evidence": "근거가 없는 답변: {parts}.",
        "rationale": (
            "답변 {answers}개({questions})에서: 지원자 자신의 내용어 {content}개, 구체적인 정보 {details}개"
            "{detail_list}, 이유나 결과를 말한 문장 {reasons}개."
        ),
        "questions": "질문 {numbers}",
        "silent": "이 항목과 관련된 다른 질문 {n}개의 답변에는 근거가 없어 세지 않았습니다.",
        "all_questions": "모든 질문: 이 항목을 직접 다루는 질문이 없음",
        "not_assessed": "평가 안 됨: 이 항목의 근거가 되는 답변이 없었습니다.",
        "not_assessed_named": "평가 안 됨: 이 항목과 관련된 질문 {numbers}에 대한 답변에 근거가 없었습니다.",
        "strength": "{criterion}: 구체적이고 근거 있는 답변 ({score}/{scale}).",
        "concern_low": "{criterion}: 관련 답변에 내용이 거의 없음 ({score}/{scale}).",
        "concern_not_assessed": "{criterion}: 평가 안 됨. 다음 면접에서 물어보세요.",
        "concern_meta": (
            "답변 {n}개가 평가자에게 하는 말이었습니다(점수를 요구하거나 지시를 무시하라는 등). 채점하지 "
            "않았으니 녹취록에서 직접 읽어 보세요."
        ),
        "concern_language": (
            "답변 {n}개가 {language}가 아니었습니다. 오프라인 평가기는 읽을 수 없으니 지원자의 언어를 아는 사람이 "
            "녹음을 검토하세요."
        ),
        "concern_dont_know": '답변 {n}개가 "모르겠습니다" 같은 답이었습니다.',
    },
}
