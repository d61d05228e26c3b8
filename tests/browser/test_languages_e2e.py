"""The invite and live pages of a Korean and a Japanese interview in headless Chromium: every word
comes from that language's catalogue (locale/<code>/LC_MESSAGES/django.po), no English is left,
and the Korean and Japanese text is drawn with a CJK font (Debian's fonts-noto-cjk)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from interviews.client_strings import client_strings
from interviews.prompts import PHRASES
from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.openai_server import FakeOpenAI
from interviews.testing.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 20_000


@dataclass(frozen=True)
class Language:
    code: str
    template: str
    candidate: str
    name_local: str  # what the invite page names the interview's language
    cjk_font: str  # the fonts-noto-cjk face this language's text is drawn in on Debian
    greeting: str
    answer: str  # what the fake transcription hears
    follow_up: str


LANGUAGES = [
    Language(
        code="ko",
        template="backend-engineer-ko",
        candidate="김민지",
        name_local="한국어",
        cjk_font="Noto Sans CJK KR",
        greeting="안녕하세요, 민준입니다. 먼저 최근에 만드신 백엔드 시스템에 대해 말씀해 주시겠어요?",
        answer="결제 서비스를 만들었고 초당 수천 건의 요청을 처리했습니다.",
        follow_up="감사합니다. 부하가 높을 때 그 서비스를 어떻게 안정적으로 유지하셨나요?",
    ),
    Language(
        code="ja",
        template="backend-engineer-ja",
        candidate="山田花子",
        name_local="日本語",
        cjk_font="Noto Sans CJK JP",
        greeting="こんにちは、さくらです。まず、最近作ったバックエンドのシステムについて教えていただけますか?",
        answer="決済サービスを作り、毎秒数千件のリクエストを処理しました。",
        follow_up="ありがとうございます。高い負荷の下で、そのサービスをどのように安定させましたか?",
    ),
]
BY_CODE = pytest.mark.parametrize("language", LANGUAGES, ids=[language.code for language in LANGUAGES])

# Words of the invite page (message ids as in templates/interviews/invite.html and
# templates/compliance/_request_form.html): each is shown translated, and never in English.
INVITE_MESSAGES = {
    "heading": "Your interview",
    "what_heading": "What will happen",
    "push_to_talk_step": "The interviewer asks a question; press the microphone button (or hold Space) while you "
    "answer and release it when you are done.",
    "checks_heading": "Check your microphone and speakers",
    "mic_check": "Test microphone",
    "speaker_check": "Play a test tone",
    "consent_heading": "Before you start",
    "ai_notice": "The interviewer is an AI, not a person. Your voice and the conversation are recorded and "
    "transcribed, and the recruiter reviews the recording, the transcript and an AI-written evaluation of your "
    "answers.",
    "consent": "I understand that the interviewer is an AI and I agree that my audio is recorded, transcribed and "
    "reviewed by the recruiter.",
    "start": "Start the interview",
    "rights_heading": "Prefer a person, or need an accommodation?",
    "rights_text": "You can ask for a human interviewer instead of the AI, or for an accommodation (for example more "
    "time, captions, or another format). A person at the company reads every request. Asking never counts against "
    "you.",
    "rights_human": "I'd prefer a human interviewer",
    "rights_send": "Send my request",
    "rights_during": 'During the interview you can also say "I want to talk to a person": the interview ends '
    "politely, everything is kept, and the recruiter is asked to contact you.",
}
# Words of the live page's template (templates/interviews/interview.html).
LIVE_MESSAGES = {
    "time_left": "Time left",
    "ready": "Ready when you are",
    "join": "Join the interview",
    "end": "End interview",
    "camera": "Show my camera",
    "transcript": "Transcript",
    "interviewer": "Interviewer",
    "you": "You",
    "end_title": "End the interview?",
    "end_text": "You cannot continue the interview after ending it.",
    "keep_going": "Keep going",
    "end_confirm": "Yes, end it",
}
DONE_MESSAGES = {
    "thanks": "Thank you!",
    "finished": "Your interview is finished and has been sent to the recruiter. You can close this page.",
}

# Two English words in a row: an English phrase left on a Korean or Japanese page (a single Latin
# word such as "AI", "Esc" or a product name is fine there).
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’-]+[A-Za-z]{2,})+")
# Hangul syllables and jamo, kana, and CJK ideographs: the characters a CJK font has to draw.
CJK_CHARACTER = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")

# Every text the candidate can see or hear read out on the page, hidden parts too (the end dialog,
# the join screen): text nodes outside scripts, the title, and the attributes a screen reader reads.
PAGE_TEXTS_JS = """() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest("script, style") && node.textContent.trim()) texts.push(node.textContent.trim());
  }
  for (const element of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      if (element.getAttribute(name)) texts.push(element.getAttribute(name));
    }
  }
  return texts;
}"""

# Glyph bitmaps of a few characters in an element's font: with no font for them, Chromium draws the
# same missing-glyph box (or nothing) for each, so distinct, inked bitmaps mean real glyphs.
GLYPHS_JS = """([selector, characters]) => {
  const style = getComputedStyle(document.querySelector(selector));
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 64;
  document.body.append(canvas);  // so the canvas text takes the page's lang, as the element's does
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.font = `${style.fontWeight} 40px ${style.fontFamily}`;
  const bitmap = (character) => {
    context.clearRect(0, 0, 64, 64);
    context.fillText(character, 8, 48);
    const alpha = context.getImageData(0, 0, 64, 64).data.filter((_, index) => index % 4 === 3);
    return { inked: alpha.some((value) => value > 0), key: alpha.join(",") };
  };
  const result = { missing: bitmap("\\uFFFF"), glyphs: [...characters].map(bitmap) };
  canvas.remove();
  return result;
}"""

# What the live page's status lines and banners showed, as they changed.
WATCH_TEXTS_JS = """() => {
  window.__shownTexts = [];
  for (const selector of ["#connection .connection-text", "#activity", "#mic-reason", ".mic-label", "#errors"]) {
    const element = document.querySelector(selector);
    new MutationObserver(() => window.__shownTexts.push([selector, element.textContent]))
      .observe(element, { childList: true, characterData: true, subtree: true });
  }
}"""


def translated(message: str, language: str) -> str:
    """`message` from the catalogue of `language`; a message the catalogue lacks fails here, not on the page."""
    with translation.override(language):
        text = translation.gettext(message)
    assert text != message, f"locale/{language} has no translation of {message!r} (compilemessages?)"
    return text


def collect_page_errors(page: object) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def assert_in_its_language(page: object, language: Language, messages: dict[str, str]) -> None:
    """The page is marked as `language`, shows each of `messages` translated, and no English phrase."""
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", language.code)
    texts = page.evaluate(PAGE_TEXTS_JS)
    shown = " ".join(" ".join(text.split()) for text in texts)
    for message in messages.values():
        assert " ".join(translated(message, language.code).split()) in shown, message
        assert message not in shown, f"English left on the {language.code} page: {message!r}"
    leaks = [text for text in texts if ENGLISH_PHRASE.search(text)]
    assert not leaks, f"English on the {language.code} page: {leaks}"


def assert_drawn_with_a_cjk_font(page: object, selector: str, language: str, cjk_font: str) -> None:
    """The element's Korean or Japanese characters are drawn as real glyphs, in fonts-noto-cjk's face
    for `language` (asked of Chromium itself through the DevTools protocol)."""
    text = page.locator(selector).inner_text()
    cjk_characters = CJK_CHARACTER.findall(text)
    assert len(cjk_characters) >= 3, f"{selector} holds no {language} text: {text!r}"
    session = page.context.new_cdp_session(page)
    try:
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        session.detach()
    glyphs_by_font = {font["familyName"]: font["glyphCount"] for font in fonts}
    assert glyphs_by_font.get(cjk_font, 0) >= len(cjk_characters), (
        f"{selector} ({language}) is not drawn with {cjk_font}: {glyphs_by_font}"
    )

    sample = list(dict.fromkeys(cjk_characters))[:3]
    drawn = page.evaluate(GLYPHS_JS, [selector, "".join(sample)])
    assert all(glyph["inked"] for glyph in drawn["glyphs"]), f"{sample} draw nothing"
    keys = {glyph["key"] for glyph in drawn["glyphs"]}
    assert len(keys) == len(sample) and drawn["missing"]["key"] not in keys, f"{sample} draw as missing glyphs"


@BY_CODE
def test_the_invite_page_of_a_korean_or_japanese_interview_is_in_its_language(
    language: Language, daphne_server: LiveServer, browser_context: object, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    interview = daphne_server.create_interview(template=language.template, candidate=language.candidate, consent=False)
    token = interview["token"]
    page = browser_context.new_page()  # the browser says en-US: the interview's language wins
    page_errors = collect_page_errors(page)
    page.goto(f"{daphne_server.url}/i/{token}/")

    assert_in_its_language(page, language, INVITE_MESSAGES)
    assert translated("Your interview", language.code) in page.title()
    expect(page.get_by_test_id("language")).to_have_text(language.name_local)
    with translation.override(language.code):
        duration = translation.ngettext("%(minutes)s minute", "%(minutes)s minutes", 20) % {"minutes": 20}
    expect(page.get_by_test_id("duration")).to_have_text(duration)
    expect(page.get_by_test_id("ai-notice")).to_have_text(translated(INVITE_MESSAGES["ai_notice"], language.code))
    expect(page.locator("#start")).to_have_text(translated(INVITE_MESSAGES["start"], language.code))
    expect(page.locator("#request-heading")).to_have_text(translated(INVITE_MESSAGES["rights_heading"], language.code))

    # The page script's messages come from the JSON catalogue the page received, in the same language.
    page.click("#mic-check")
    expect(page.locator("#mic-status")).to_have_text(translated("Your microphone works.", language.code))
    page.click("#speaker-check")
    expect(page.locator("#speaker-status")).to_have_text(
        translated("Tone played. If you heard nothing, check your volume.", language.code), timeout=5000
    )

    assert_drawn_with_a_cjk_font(page, ".ai-notice strong", language.code, language.cjk_font)
    assert_drawn_with_a_cjk_font(page, "#start", language.code, language.cjk_font)
    page.screenshot(path=str(screenshots / f"language-{language.code}-01-invite.png"), full_page=True)

    page.check("#consent")
    page.click("#start")
    page.wait_for_url(f"**/i/{token}/live/")
    expect(page.locator("html")).to_have_attribute("lang", language.code)
    assert not page_errors, page_errors


@BY_CODE
def test_the_live_page_of_a_korean_or_japanese_interview_is_in_its_language(
    language: Language,
    daphne_server: LiveServer,
    browser_context: object,
    fake_openai: FakeOpenAI,
    fake_elevenlabs: FakeElevenLabs,
    screenshots: Path,
) -> None:
    from playwright.sync_api import expect

    fake_openai.configure(chat_replies=[language.greeting, language.follow_up], transcripts=[language.answer])
    token = daphne_server.create_interview(template=language.template, candidate=language.candidate)["token"]
    page = browser_context.new_page()
    page_errors = collect_page_errors(page)
    page.goto(f"{daphne_server.url}/i/{token}/live/")
    with translation.override(language.code):
        ui = client_strings()
    # The page script's words: the JSON catalogue it received is the one of the interview's language.
    assert page.evaluate("() => window.__interview.config.strings") == ui
    assert_in_its_language(page, language, LIVE_MESSAGES)
    page.evaluate(WATCH_TEXTS_JS)

    # --- joining: the greeting, asked for and spoken in the interview's language -------------------
    page.click("#join-button")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(page.locator("#connection")).to_have_text(ui["conn_live"])
    expect(page.locator("#subtitle-ai .text")).to_have_text(language.greeting, timeout=WAIT_MS)
    expect(page.locator("#subtitle-ai .who")).to_have_text(ui["interviewer"])
    expect(page.locator(".timer-label")).to_have_text(translated("Time left", language.code))
    expect(page.locator("#timer")).to_have_text(re.compile(r"(19|20):\d\d"))
    expect(page.locator("#end-button")).to_have_text(translated("End interview", language.code))
    # Both demo templates are push-to-talk: the answer button shows, hands-free's mute button does not.
    expect(page.locator("#mic-button .mic-label")).to_have_text(ui["mic_start"])
    expect(page.locator("#mute-button")).to_be_hidden()
    greeting_request = next(r.body for r in fake_openai.requests_to("chat") if r.response_text == language.greeting)
    # The instructions are English and name the language to speak (settings.INTERVIEW_LANGUAGES).
    assert settings.INTERVIEW_LANGUAGES[language.code]["name"] in greeting_request["messages"][0]["content"]
    assert greeting_request["messages"][-1] == {
        "role": "user",
        "content": translated(PHRASES["greeting_request"], language.code),
    }
    spoken = fake_elevenlabs.wait_for(lambda request: request.text is not None, timeout_s=WAIT_MS / 1000)
    assert spoken.body.get("language_code") == language.code, spoken.body
    assert CJK_CHARACTER.search(spoken.text), spoken.text
    assert_drawn_with_a_cjk_font(page, "#subtitle-ai .text", language.code, language.cjk_font)
    page.wait_for_function("() => window.__interview.stats.playbackStarted.includes(0)", timeout=WAIT_MS)
    page.screenshot(path=str(screenshots / f"language-{language.code}-02-greeting.png"), full_page=True)

    # --- a push-to-talk answer: transcribed in the interview's language ----------------------------
    expect(page.locator("#activity")).to_have_text(ui["act_listening"], timeout=WAIT_MS)
    expect(page.locator("#mic-reason")).to_have_text(ui["mic_hint"])
    page.click("#mic-button")
    expect(page.locator("#mic-button .mic-label")).to_have_text(ui["mic_stop"])
    expect(page.locator("#mic-reason")).to_have_text(ui["mic_recording"])
    page.wait_for_timeout(1200)  # a second of the fake microphone's speech
    page.click("#mic-button")
    expect(page.locator("#subtitle-user .text")).to_have_text(language.answer, timeout=WAIT_MS)
    expect(page.locator("#subtitle-ai .text")).to_have_text(language.follow_up, timeout=WAIT_MS)
    assert [request.body.get("language") for request in fake_openai.requests_to("transcription")] == [language.code]
    expect(page.locator("#activity")).to_have_text(ui["act_listening"], timeout=WAIT_MS)

    # --- the connection drops and comes back: the page says so in the interview's language ---------
    page.evaluate("() => window.__interview.client.socket.close()")
    expect(page.locator("#errors")).to_contain_text(ui["resumed"], timeout=WAIT_MS)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    page.screenshot(path=str(screenshots / f"language-{language.code}-03-resumed.png"), full_page=True)

    shown = page.evaluate("() => window.__shownTexts")
    status_texts = {text for selector, text in shown if selector != "#errors" and text}
    assert status_texts <= set(ui.values()), f"status texts not from the {language.code} catalogue: {status_texts}"
    for key in ("conn_connecting", "conn_reconnecting", "conn_live", "act_speaking", "act_thinking"):
        assert ui[key] in status_texts, (key, status_texts)
    assert ui["mic_disabled_speaking"] in status_texts or ui["mic_disabled_thinking"] in status_texts, status_texts
    assert_in_its_language(page, language, LIVE_MESSAGES)

    # --- ending: the dialog and the page after it --------------------------------------------------
    page.click("#end-button")
    expect(page.locator("#end-dialog h2")).to_have_text(translated("End the interview?", language.code))
    page.click("#end-confirm")
    page.wait_for_url(f"**/i/{token}/done/", timeout=WAIT_MS)
    assert_in_its_language(page, language, DONE_MESSAGES)
    assert_drawn_with_a_cjk_font(page, "#done-heading", language.code, language.cjk_font)
    page.screenshot(path=str(screenshots / f"language-{language.code}-04-done.png"), full_page=True)
    assert not page_errors, page_errors
