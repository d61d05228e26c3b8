"""The end-of-turn decision from scripted signals: the sound (model), the words, the silence."""

from __future__ import annotations

import pytest

from interviews.end_of_turn import (
    Decision,
    Question,
    TurnConfig,
    Words,
    closes_sentence,
    decide,
    only_a_comma,
    question_kind,
    words_signal,
)

CONFIG = TurnConfig()
PATIENT = Decision(CONFIG.patient_silence_s - CONFIG.prepare_ahead_s, CONFIG.patient_silence_s)


@pytest.mark.parametrize(
    ("partial", "language", "words"),
    [
        ("I built the payments service in Go.", "en", Words.DONE),
        ("And then we", "en", Words.WAIT),
        ("We tried caching and", "en", Words.WAIT),
        ("First, we measured the latency, second,", "en", Words.WAIT),
        ("So, um", "en", Words.WAIT),
        ("we tried...", "en", Words.WAIT),
        ("", "en", Words.UNKNOWN),
        ("결제 서비스를 만들었습니다.", "ko", Words.DONE),
        ("데이터를 옮겼는데 그래서", "ko", Words.WAIT),
        ("첫째", "ko", Words.WAIT),
        # Korean trails off in a connective ending, with or without the full stop a recogniser adds
        ("결제 서비스를 만들었고", "ko", Words.WAIT),
        ("결제 서비스를 만들었고.", "ko", Words.WAIT),
        ("처음에는 잘 됐는데", "ko", Words.WAIT),
        ("창고를 옮겼습니다.", "ko", Words.DONE),
    ],
)
def test_the_words_say_whether_the_speaker_trails_off_or_ended_a_sentence(partial, language, words):
    assert words_signal(partial, language=language) == words


@pytest.mark.parametrize(
    ("question", "language", "kind"),
    [
        ("Have you ever been on call? ", "en", Question.CLOSED),
        ("Thanks. How many people were on that team?", "en", Question.CLOSED),
        ("To start, could you walk me through a backend system you built?", "en", Question.OPEN),
        ("Tell me about an incident you handled.", "en", Question.OPEN),
        ("How did you design the data model?", "en", Question.OPEN),
        ("Hello! Could you start by telling me about yourself?", "en", Question.OPEN),
        ("Could you talk me through the incident?", "en", Question.OPEN),
        ("Can you share an example?", "en", Question.OPEN),
        ("Could you work on site twice a week?", "en", Question.CLOSED),
        ("온콜을 해 보신 적이 있나요?", "ko", Question.CLOSED),
        ("팀은 몇 명이었나요?", "ko", Question.CLOSED),
        ("최근에 만든 백엔드 시스템을 설명해 주시겠어요?", "ko", Question.OPEN),
    ],
)
def test_a_question_asks_for_a_story_or_a_short_fact(question, language, kind):
    assert question_kind(question, language=language) == kind


def decision(**signals: object) -> Decision:
    values: dict[str, object] = {
        "voiced_s": 4.0,
        "partial": "I built it and ran it for three years.",
        "language": "en",
        "finished": None,
        "question": Question.OPEN,
        "words_lag": False,
        "config": CONFIG,
    }
    values.update(signals)
    return decide(**values)  # type: ignore[arg-type]


def test_without_the_model_the_silence_and_the_words_decide_as_before():
    assert decision() == Decision(1.2, 1.2)
    assert decision(voiced_s=1.0) == PATIENT  # short: likely a preamble
    assert decision(words_lag=True) == PATIENT  # the words before the pause are not known yet
    # ... or known and ending no sentence (as while the model's score for the pause is not in yet)
    assert decision(partial="First, we measured the latency, second, we added caching") == PATIENT
    assert decision(partial="") == Decision(1.2, 1.2)  # cloud transcription: no words while speaking


def test_sound_and_words_agreeing_on_finished_end_a_long_answer_after_a_short_pause():
    fast = decision(finished=0.93)
    assert fast.end_after_s == CONFIG.assess_after_s and fast.heard_after_s == CONFIG.assess_after_s
    assert decision(finished=0.93, partial="") == fast  # cloud transcription: the sound decides


def test_the_sound_alone_does_not_end_an_answer_whose_words_say_otherwise_or_lag():
    # Words that neither end a sentence nor trail off, or that do not reach the pause yet: the full
    # patience, until the words catch up (decide runs again on every window).
    assert decision(finished=0.93, words_lag=True) == PATIENT
    assert decision(finished=0.93, partial="We built the payment service") == PATIENT
    assert decision(finished=0.93, partial="요게 서비스 뵐 마음드.고", language="ko", voiced_s=2.2) == PATIENT


def test_any_signal_of_an_unfinished_thought_waits_the_full_patience():
    assert decision(finished=0.2) == PATIENT  # the sound says unfinished
    assert decision(finished=0.93, partial="We tried caching and") == PATIENT  # the words do
    assert decision(finished=0.93, partial="데이터를 옮겼는데 그래서", language="ko") == PATIENT


def test_a_short_answer_is_whole_after_a_closed_question_and_a_preamble_after_an_open_one():
    assert decision(finished=0.95, voiced_s=0.8, partial="Yes, twice.", question=Question.OPEN) == PATIENT
    closed = decision(finished=0.95, voiced_s=0.8, partial="Yes, twice.", question=Question.CLOSED)
    assert closed == Decision(CONFIG.assess_after_s, CONFIG.short_heard_after_s)
    assert decision(finished=0.95, voiced_s=0.8, partial="", question=Question.CLOSED) == closed  # cloud: no words


def test_a_short_fragment_after_a_closed_question_is_heard_after_the_silence_not_the_patience():
    # Recognisers often leave a fragment unpunctuated: "4 Engineers". A sure sound ends it once a
    # full stop could have come (0.8 s), and the plain silence, not the patience, lets it be heard.
    fragment = {"voiced_s": 1.1, "partial": "4 Engineers", "question": Question.CLOSED}
    assert decision(finished=0.99, **fragment) == Decision(CONFIG.short_heard_after_s, CONFIG.silence_s)
    # Not when the sound is unsure, the words lag or trail off, the question was open, or the answer long.
    assert decision(finished=0.3, **fragment) == PATIENT
    assert decision(finished=0.99, words_lag=True, **fragment) == PATIENT
    assert decision(finished=0.99, **{**fragment, "partial": "4 engineers and"}) == PATIENT
    assert decision(finished=0.99, **{**fragment, "question": Question.OPEN}) == PATIENT
    assert decision(finished=0.99, **{**fragment, "voiced_s": 4.0}) == PATIENT


def test_a_korean_sentence_closed_by_its_verb_ending_is_decided_by_the_silence_whatever_the_sound_says():
    ko = {"language": "ko", "voiced_s": 4.0}
    assert closes_sentence("저는 결제 서비스를 삼 년 동안 운영했습니다.", language="ko")
    assert closes_sentence("네, 좋아요.", language="ko")
    assert not closes_sentence("결제 서비스를 만들었고.", language="ko")  # "and...": goes on
    assert not closes_sentence("결제 서비스를 운영했습니다", language="ko")  # no full stop heard yet
    assert not closes_sentence("I ran it for three years.", language="en")  # English ends by sound alone
    assert decision(finished=0.3, partial="삼 년 동안 운영했습니다.", **ko) == Decision(1.2, 1.2)
    assert decision(finished=0.3, partial="삼 년 동안 운영했고.", **ko) == PATIENT
    assert decision(finished=0.3, partial="I ran it for three years.") == PATIENT
    # A short answer to an open question is still most likely a preamble.
    assert decision(finished=0.3, partial="네, 맞습니다.", language="ko", voiced_s=1.0) == PATIENT


def test_a_final_comma_alone_against_a_sure_sound_lets_the_silence_decide():
    # Whisper sometimes closes a finished answer with a comma: patience then waited 3 s after it.
    done = "I led a team of four, two of them were new graduates,"
    assert only_a_comma(done, language="en")
    assert decision(finished=0.97, partial=done) == Decision(CONFIG.silence_s, CONFIG.silence_s)
    # Not when the sound is less than sure, or the words lag behind the pause.
    assert decision(finished=0.8, partial=done) == PATIENT
    assert decision(finished=None, partial=done) == PATIENT
    assert decision(finished=0.97, partial=done, words_lag=True) == PATIENT
    # Not when the words trail off by more than the comma: a conjunction, a filler, "...", a Korean connective.
    for partial, language in [
        ("We tried caching and,", "en"),
        ("So, um,", "en"),
        ("we tried...", "en"),
        ("결제 서비스를 만들었고,", "ko"),
    ]:
        assert not only_a_comma(partial, language=language), partial
        assert decision(finished=0.97, partial=partial, language=language) == PATIENT, partial
    assert only_a_comma("창고를 옮겼습니다,", language="ko")
