"""A candidate's whole interview in headless Chromium against daphne and the fake providers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.openai_server import DEFAULT_TRANSCRIPT, FakeOpenAI
from interviews.testing.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GREETING = "Hello and welcome. Could you start by telling me about a system you built?"
FOLLOW_UP = "Thanks. How did you make that payments service reliable under load?"
SECOND_FOLLOW_UP = "Good. What would you change about it today?"

WAIT_MS = 20_000


def state(page: object, expression: str) -> object:
    return page.evaluate(f"() => {expression}")


def test_candidate_interview_end_to_end(
    daphne_server: LiveServer,
    browser_context: object,
    fake_openai: FakeOpenAI,
    fake_elevenlabs: FakeElevenLabs,
    screenshots: Path,
) -> None:
    from playwright.sync_api import expect

    fake_openai.configure(chat_replies=[GREETING, FOLLOW_UP, SECOND_FOLLOW_UP], per_token_delay_s=0.02)
    daphne_server.set_hands_free("backend-engineer-en", False)  # this is the push-to-talk scenario
    interview = daphne_server.create_interview(candidate="Test Candidate", consent=False)
    token = interview["token"]
    page = browser_context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("console", lambda message: page_errors.append(message.text) if message.type == "error" else None)
    page.on(
        "response",
        lambda response: page_errors.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )

    # --- the invite: facts, AI notice, device checks, consent ------------------------------------
    page.goto(f"{daphne_server.url}/i/{token}/")
    expect(page.get_by_test_id("ai-notice")).to_contain_text("The interviewer is an AI")
    expect(page.get_by_test_id("duration")).to_have_text("20 minutes")
    page.click("#mic-check")
    # The fake microphone plays the WAV: the level meter moves.
    page.wait_for_function("() => Number(document.querySelector('#mic-meter').getAttribute('aria-valuenow')) > 5")
    page.click("#speaker-check")
    expect(page.locator("#speaker-status")).to_contain_text("Tone played", timeout=5000)
    page.screenshot(path=str(screenshots / "01-invite.png"), full_page=True)

    # The interview page cannot be reached before consent.
    page.goto(f"{daphne_server.url}/i/{token}/live/")
    assert page.url.endswith(f"/i/{token}/")
    page.check("#consent")
    page.click("#start")
    page.wait_for_url(f"**/i/{token}/live/")

    # --- joining: the greeting is heard and shown ------------------------------------------------
    page.click("#join-button")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(page.locator("#subtitle-ai .text")).to_have_text(GREETING, timeout=WAIT_MS)
    page.wait_for_function("() => document.querySelector('#interviewer-audio').currentTime > 0.5", timeout=WAIT_MS)
    expect(page.locator("#activity")).to_have_attribute("data-state", "speaking")
    expect(page.locator("#mic-button")).to_have_attribute("aria-disabled", "true")
    assert state(page, "window.__interview.stats.maxPlaybackLevel") > 0.01, "the avatar did not follow the voice"
    page.screenshot(path=str(screenshots / "02-greeting.png"), full_page=True)

    # The timer counts down from the server's remaining time.
    first_clock = page.locator("#timer").inner_text()
    assert re.fullmatch(r"(19|20):\d\d", first_clock), first_clock
    page.wait_for_timeout(1300)
    assert page.locator("#timer").inner_text() != first_clock

    # --- answer with push-to-talk ----------------------------------------------------------------
    expect(page.locator("#activity")).to_have_attribute("data-state", "listening", timeout=WAIT_MS)
    expect(page.locator("#mic-button")).to_have_attribute("aria-disabled", "false")
    page.click("#mic-button")
    expect(page.locator("#mic-button")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(1500)
    page.click("#mic-button")
    expect(page.locator("#subtitle-user .text")).to_have_text(DEFAULT_TRANSCRIPT, timeout=WAIT_MS)
    # The interviewer's reply streams in pieces, and plays.
    expect(page.locator("#subtitle-ai .text")).to_have_text(FOLLOW_UP, timeout=WAIT_MS)
    reply_turn = state(page, "Math.max(...Object.keys(window.__interview.stats.aiTextChunks).map(Number))")
    assert state(page, f"window.__interview.stats.aiTextChunks[{reply_turn}]") > 1
    page.wait_for_function(f"() => window.__interview.stats.playbackStarted.includes({reply_turn})", timeout=WAIT_MS)
    transcription = fake_openai.requests_to("transcription")
    assert len(transcription) == 1
    assert transcription[0].file_bytes and transcription[0].file_bytes[:4] == b"\x1a\x45\xdf\xa3"  # WebM
    expect(page.locator("#activity")).to_have_attribute("data-state", "listening", timeout=WAIT_MS)
    # Gapless: greeting and reply sit back to back on one media timeline, and all of it was played.
    timeline = state(
        page,
        """(() => { const a = document.querySelector('#interviewer-audio');
        return {ranges: a.buffered.length, end: a.buffered.end(0), now: a.currentTime}; })()""",
    )
    assert timeline["ranges"] == 1, timeline
    assert timeline["end"] - timeline["now"] < 0.1, timeline
    # The camera is optional picture-in-picture.
    page.click("#camera-button")
    expect(page.locator("#pip")).to_be_visible()
    page.screenshot(path=str(screenshots / "03-answered.png"), full_page=True)
    page.click("#camera-button")
    expect(page.locator("#pip")).to_be_hidden()

    # --- the connection drops; the page resumes without a second greeting -------------------------
    chat_requests_before = len(fake_openai.requests_to("chat"))
    page.evaluate("() => window.__interview.client.socket.close()")
    expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting", timeout=5000)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    assert state(page, "window.__interview.stats.sessionStates") == 2
    page.wait_for_timeout(1500)
    assert len(fake_openai.requests_to("chat")) == chat_requests_before, "the resumed session asked the LLM again"
    greetings = [r for r in fake_openai.requests_to("chat") if r.response_text == GREETING]
    assert len(greetings) == 1
    transcript = page.locator("#transcript .entry")
    expect(transcript.filter(has_text=GREETING)).to_have_count(1)
    expect(transcript.filter(has_text=DEFAULT_TRANSCRIPT)).to_have_count(1)
    expect(transcript.filter(has_text=FOLLOW_UP)).to_have_count(1)
    expect(page.locator("#mic-button")).to_have_attribute("aria-disabled", "false")

    # A second answer after the reconnect, this time holding Space.
    page.locator("#mic-button").focus()
    page.keyboard.down("Space")
    expect(page.locator("#mic-button")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(1200)
    page.keyboard.up("Space")
    expect(page.locator("#subtitle-ai .text")).to_have_text(SECOND_FOLLOW_UP, timeout=WAIT_MS)
    expect(transcript.filter(has_text=GREETING)).to_have_count(1)
    page.screenshot(path=str(screenshots / "04-resumed.png"), full_page=True)

    # --- end the interview -------------------------------------------------------------------------
    page.click("#end-button")
    expect(page.locator("#end-dialog")).to_be_visible()
    page.click("#end-confirm")
    page.wait_for_url(f"**/i/{token}/done/", timeout=WAIT_MS)
    expect(page.locator("h1")).to_have_text("Thank you!")
    page.screenshot(path=str(screenshots / "05-done.png"), full_page=True)

    assert not page_errors, page_errors
    # The browser told the server when each interviewer turn started playing.
    reported = daphne_server.manage(
        "shell",
        "-c",
        "from interviews.models import Turn; "
        "print(sorted(Turn.objects.filter(speaker='interviewer', playback_started_ms__isnull=False)"
        ".values_list('index', flat=True)))",
    )
    assert reported.strip().splitlines()[-1] == "[0, 2, 4]", reported

    # The link is spent.
    response = page.goto(f"{daphne_server.url}/i/{token}/")
    assert response is not None and response.status == 410


def test_korean_interview_on_a_phone_with_web_audio_playback(
    daphne_server: LiveServer, browser_context: object, fake_openai: FakeOpenAI, screenshots: Path
) -> None:
    """Korean UI text, a phone-sized screen, and the Web Audio fallback player (?webaudio)."""
    from playwright.sync_api import expect

    greeting = "안녕하세요. 먼저 최근에 만든 시스템에 대해 말씀해 주시겠어요?"
    fake_openai.configure(chat_replies=[greeting])
    interview = daphne_server.create_interview(template="backend-engineer-ko", candidate="테스트", consent=False)
    page = browser_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    page.goto(f"{daphne_server.url}/i/{interview['token']}/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_test_id("ai-notice")).to_contain_text("면접관은 사람이 아닌 AI입니다")
    page.click("#start")  # without consent the browser refuses to submit
    assert page.url.endswith(f"/i/{interview['token']}/")
    page.check("#consent")
    page.click("#start")
    page.wait_for_url("**/live/")
    page.goto(page.url + "?webaudio")
    page.click("#join-button")
    expect(page.locator("#connection")).to_contain_text("연결됨", timeout=WAIT_MS)
    expect(page.locator("#subtitle-ai .text")).to_have_text(greeting, timeout=WAIT_MS)
    assert state(page, "window.__interview.player.kind") == "webaudio"
    page.wait_for_function("() => window.__interview.stats.playbackStarted.includes(0)", timeout=WAIT_MS)
    expect(page.locator("#activity")).to_have_text("말하는 중")
    page.screenshot(path=str(screenshots / "06-korean-phone.png"), full_page=True)
    page.wait_for_function("() => window.__interview.stats.playbackEnded.includes(0)", timeout=WAIT_MS)
    expect(page.locator("#activity")).to_have_text("듣는 중")
    expect(page.locator("#mic-reason")).to_contain_text("스페이스 바")
    # The page fits the phone's width: nothing scrolls sideways.
    assert state(page, "document.documentElement.scrollWidth <= window.innerWidth")
    assert not page_errors, page_errors

    # The last minute is shown as a warning; at zero the page says the interview is ending.
    page.evaluate("() => window.__interview.syncTimer(59)")
    expect(page.locator("#timer-box")).to_have_class(re.compile(r"\bwarning\b"))
    expect(page.locator("#timer")).to_have_text(re.compile(r"0:5\d"))
    page.evaluate("() => window.__interview.syncTimer(0)")
    expect(page.locator("#timer-box")).to_have_class(re.compile(r"\bending\b"))
    expect(page.locator("#errors")).to_contain_text("시간이 다 되어")

    # Opening the interview in a second tab takes it over; the first tab says so and stays closed.
    second = browser_context.new_page()
    second.goto(page.url)
    second.click("#join-button")
    expect(second.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(page.locator("#connection")).to_have_attribute("data-state", "ended", timeout=WAIT_MS)
    # The error frame is in the interview's language too.
    expect(page.locator("#errors .error-banner.fatal")).to_contain_text("다른 창이나 탭에서 열렸습니다")
    expect(page.locator("#mic-button")).to_have_attribute("aria-disabled", "true")
    page.wait_for_timeout(1500)
    expect(page.locator("#connection")).to_have_attribute("data-state", "ended")
    assert state(page, "window.__interview.stats.sessionStates") == 1
    second.close()


# The page's socket client given frames by hand: a binary audio frame (BinaryAudio: kind 1, turn and
# seq big-endian, then the bytes), the seed's base64 `ai_audio_chunk`, and two binary frames it cannot
# read (another kind; a cut header). What it tells the page is returned instead of reaching it.
FEED_AUDIO_FRAMES = """() => {
  const client = window.__interview.client;
  const told = [];
  const emit = client._emit;
  client._emit = (event, payload) => told.push([event, payload]);
  try {
    client._onMessage({ data: new Uint8Array([1, 0, 0, 0, 99, 0, 0, 1, 2, 73, 68, 51]).buffer });
    client._onMessage({ data: JSON.stringify({ type: 'ai_audio_chunk', data: btoa('ID3'), turn: 99, seq: 259 }) });
    client._onMessage({ data: new Uint8Array([2, 0, 0, 0, 99, 0, 0, 0, 0, 73]).buffer });
    client._onMessage({ data: new Uint8Array([1, 0, 0]).buffer });
  } finally {
    client._emit = emit;
  }
  return told
    .filter(([event]) => event === 'ai_audio_chunk' || event === 'error')
    .map(([event, p]) => (event === 'error' ? [event, p.code] : [event, p.turn, p.seq, Array.from(p.audio)]));
}"""


# Counts the binary frames that reach the page's sockets (before the page's own code runs).
COUNT_BINARY_FRAMES = """(() => {
  const Native = window.WebSocket;
  window.__binaryFrames = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') window.__binaryFrames += 1;
      });
    }
  };
})()"""


def test_the_page_asks_for_the_interviewers_audio_in_binary_and_reads_either_form(
    daphne_server: LiveServer, browser_context: object, fake_openai: FakeOpenAI
) -> None:
    from playwright.sync_api import expect

    fake_openai.configure(chat_replies=[GREETING])
    token = daphne_server.create_interview()["token"]
    page = browser_context.new_page()
    page.add_init_script(COUNT_BINARY_FRAMES)
    page.goto(f"{daphne_server.url}/i/{token}/live/")
    page.click("#join-button")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    # The greeting came in binary frames (the socket's URL asks for them) and played.
    assert state(page, "window.__interview.client.url").endswith(f"/ws/interview/{token}/?audio=binary")
    page.wait_for_function("() => document.querySelector('#interviewer-audio').currentTime > 0.5", timeout=WAIT_MS)
    # Read at one moment: every audio chunk the page counted came in a binary frame.
    binary, chunks = state(page, "[window.__binaryFrames, window.__interview.stats.aiAudioChunks[0]]")
    assert binary == chunks > 1

    assert page.evaluate(FEED_AUDIO_FRAMES) == [
        ["ai_audio_chunk", 99, 258, [73, 68, 51]],
        ["ai_audio_chunk", 99, 259, [73, 68, 51]],
        ["error", "bad_frame"],
        ["error", "bad_frame"],
    ]
