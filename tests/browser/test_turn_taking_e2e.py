"""Hands-free turn-taking in headless Chromium: holding the interviewer for the candidate's voice,
a backchannel that lets it go on, a barge-in that stops it, an answer the candidate goes on with
after a pause (the reply is withdrawn), and hands-free answers after a reconnect.

The fake microphone is a WAV file (espeak-ng speech and silence) that Chromium plays once from when
the page opens the microphone; timings below are chosen with a wide margin for a slow, shared
machine, and the assertions are about behaviour and order, not milliseconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.openai_server import FakeOpenAI
from interviews.testing.live import LiveServer
from tests.browser.chromium import chromium_with_mic
from tests.browser.test_hands_free_e2e import (
    QUESTION,
    hands_free_interview,
    open_interview,
    silence,
    speech,
    state,
    write_mic,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 30_000
# About 15 s of the fake interviewer's voice (0.06 s a character), streamed slowly enough that it
# is still talking when the candidate's voice comes in.
LONG_GREETING = "Hello and welcome to this interview. " + "Let me tell you a little about the team first. " * 5
FOLLOW_UP = "Thanks. How did you make that payments service reliable under load?"

# Test instrumentation, installed right after the page joins (the client exists by then): every
# server frame but audio, with the <audio> element's state once the page has handled it, and the
# element's own pause / playing events with the page's counters at that moment.
INSTRUMENT = """() => {
  const debug = window.__interview;
  const audio = document.querySelector('#interviewer-audio');
  const frames = (window.__frames = []);
  const media = (window.__media = []);
  const client = debug.client;
  const ctx = debug.player.kind === 'webaudio' ? debug.player.ctx : null;
  // MediaSource mode holds by pausing the element; the Web Audio fallback by suspending its context
  // (asynchronously: its statechange events below show when it really stopped and went on).
  const paused = () => (ctx ? debug.player.held : audio.paused);
  const playhead = () => (ctx ? ctx.currentTime : audio.currentTime);
  const handle = client._onMessage.bind(client);
  client._onMessage = (event) => {
    let frame = null;
    if (typeof event.data === 'string') {
      try { frame = JSON.parse(event.data); } catch { frame = null; }
    }
    handle(event);
    if (frame && frame.type !== 'ai_audio_chunk') {
      frames.push({...frame, pausedAfter: paused(), currentTime: playhead(), at: performance.now()});
    }
    if (frame && frame.type === 'speech_started' && frame.hold && window.__dropOnHold) {
      window.__dropOnHold = false;
      client.socket.close(); // the connection drops in the middle of a hold
    }
  };
  // The Web Audio fallback's context state changes are logged as the element's events would be.
  // Its clock stands still while suspended, so where it went on from is its time when resume() was
  // called: statechange comes later, after the clock has already moved on (by tens of ms under load).
  if (ctx) {
    let resumedFrom = null;
    const resume = ctx.resume.bind(ctx);
    ctx.resume = () => { resumedFrom = ctx.currentTime; return resume(); };
    ctx.addEventListener('statechange', () => media.push({
      type: ctx.state === 'running' ? 'playing' : 'pause',
      currentTime: ctx.state === 'running' && resumedFrom !== null ? resumedFrom : ctx.currentTime,
      holds: debug.stats.holds,
      ignored: debug.stats.speechIgnored.backchannel + debug.stats.speechIgnored.echo,
      flushes: debug.stats.flushes.length,
      at: performance.now(),
    }));
  }
  for (const type of ['pause', 'playing']) {
    audio.addEventListener(type, () => media.push({
      type,
      currentTime: audio.currentTime,
      holds: debug.stats.holds,
      ignored: debug.stats.speechIgnored.backchannel + debug.stats.speechIgnored.echo,
      flushes: debug.stats.flushes.length,
      at: performance.now(),
    }));
  }
}"""


def instrumented(context: object, server: LiveServer, token: str, *, query: str = "") -> tuple[object, list[str]]:
    if query:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{server.url}/i/{token}/live/?{query}")
        page.click("#join-button")
    else:
        page, errors = open_interview(context, server, token)
    page.wait_for_function("() => window.__interview && window.__interview.client", timeout=WAIT_MS)
    page.evaluate(INSTRUMENT)
    return page, errors


def frames(page: object) -> list[dict]:
    return state(page, "window.__frames")


def media_events(page: object) -> list[dict]:
    return state(page, "window.__media")


def diagnosis(page: object) -> str:
    """What to print when an assertion fails: the page's counters and the frames it got."""
    stats = state(page, "window.__interview.stats")
    seen = [{k: v for k, v in f.items() if k not in ("history", "data")} for f in frames(page)]
    return json.dumps({"stats": stats, "frames": seen, "media": media_events(page)}, indent=1, default=str)


def stored_turns(server: LiveServer, token: str) -> list[dict]:
    """The interview's turns as the server stored them."""
    out = server.manage(
        "shell",
        "-c",
        "import json; from interviews.models import Turn; "
        f"print(json.dumps(list(Turn.objects.filter(interview__invite_token={token!r}).order_by('index')"
        ".values('index', 'speaker', 'text', 'interrupted'))))",
    )
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("player", ["mediasource", "webaudio"])
def test_a_backchannel_holds_the_interviewer_and_then_lets_it_finish(
    daphne_server: LiveServer, fake_openai: FakeOpenAI, tmp_path: Path, screenshots: Path, player: str
) -> None:
    """A short "yeah" over the interviewer: playback pauses at once, then goes on from there to the end.

    Both players: the <audio> element fed by MediaSource, and the Web Audio fallback (`?webaudio`).
    """
    fake_openai.configure(chat_replies=[LONG_GREETING], per_token_delay_s=0.04)
    token = hands_free_interview(daphne_server)
    # Quiet while the greeting starts, then a short "yeah" (well under the 0.6 s of a barge-in),
    # then silence: the greeting plays on for several seconds after it.
    mic = write_mic(tmp_path / "mic.wav", silence(6.0), speech("yeah"), silence(12.0))
    with chromium_with_mic(mic, loop=False, camera=False) as context:
        page, errors = instrumented(context, daphne_server, token, query="webaudio" if player == "webaudio" else "")
        assert state(page, "window.__interview.player.kind") == player
        page.wait_for_function("() => window.__interview.stats.speechIgnored.backchannel > 0", timeout=WAIT_MS)
        page.wait_for_function("() => window.__interview.stats.playbackEnded.includes(0)", timeout=WAIT_MS)
        page.screenshot(path=str(screenshots / f"tt-01-backchannel-{player}.png"), full_page=True)
        why = diagnosis(page)
        stats = state(page, "window.__interview.stats")

        # The page held the interviewer for the voice: the server asked, the element paused.
        assert stats["holds"] >= 1 and stats["speechStartedOverlapping"] >= 1, why
        seen = frames(page)
        held = [f for f in seen if f["type"] == "speech_started" and f.get("hold")]
        assert held and all(f["overlapping"] for f in held), why
        assert held[0]["pausedAfter"], f"the interviewer played on through the hold\n{why}"
        released = [f for f in seen if f["type"] == "speech_ended" and f.get("ignored")]
        assert released and released[0]["reason"] == "backchannel", why
        assert seen.index(held[0]) < seen.index(released[0]), why
        # While held, the playhead stood still; after the release it went on from that very place.
        assert abs(released[0]["currentTime"] - held[0]["currentTime"]) < 0.05, why
        assert not released[0]["pausedAfter"], f"the release did not resume playback\n{why}"
        media = media_events(page)
        pause = next((m for m in media if m["type"] == "pause" and m["holds"] >= 1), None)
        assert pause is not None, f"playback never stopped for the hold\n{why}"
        resumed = next((m for m in media[media.index(pause) :] if m["type"] == "playing"), None)
        assert resumed is not None, f"playback never went on after the hold\n{why}"
        assert resumed["ignored"] >= 1 and resumed["flushes"] == 0, why
        assert abs(resumed["currentTime"] - pause["currentTime"]) < 0.05, why

        # Not an interruption: nothing flushed, nothing ducked, and the turn played to its end.
        assert 0 not in stats["interruptedTurns"] and stats["flushes"] == [], why
        assert stats["minVolume"] == 1 and stats["localInterrupts"] == 0, why
        assert stats["answersEnded"] == 0, why
        assert stats["playbackEnded"].count(0) == 1, why
        if player == "mediasource":
            timeline = state(
                page,
                """(() => { const a = document.querySelector('#interviewer-audio');
                return {end: a.buffered.end(a.buffered.length - 1), now: a.currentTime}; })()""",
            )
            assert timeline["end"] - timeline["now"] < 0.1, (timeline, why)
        else:
            assert state(page, "window.__interview.player.ctx.state") == "running", why
        page.wait_for_function("() => document.querySelector('#activity').dataset.state === 'listening'")
        assert page.locator("#transcript .entry[data-turn='0'] .text").inner_text() == LONG_GREETING.strip()
        assert page.locator("#transcript .entry").count() == 1
        assert fake_openai.requests_to("transcription") == [], "a backchannel is not an answer"
        assert not errors, errors
    # The server kept the whole greeting, as said, not cut to an interruption.
    turns = stored_turns(daphne_server, token)
    assert [(t["index"], t["speaker"], t["interrupted"]) for t in turns] == [(0, "interviewer", False)], turns
    assert turns[0]["text"] == LONG_GREETING.strip(), turns


def test_a_barge_in_holds_the_interviewer_at_once_and_then_flushes_it(
    daphne_server: LiveServer, fake_openai: FakeOpenAI, tmp_path: Path, screenshots: Path
) -> None:
    """Real talking over the interviewer: held on the first voice (not ducked), flushed once it is a
    barge-in, and the candidate's speech becomes the answer; Escape stops the interviewer too."""
    from playwright.sync_api import expect

    question = QUESTION
    # The greeting's words stream slowly, so the interviewer is still talking (and its words still
    # arriving) when the candidate cuts in.
    fake_openai.configure(chat_replies=[LONG_GREETING, FOLLOW_UP], per_token_delay_s=0.1, transcripts=[question])
    token = hands_free_interview(daphne_server)
    mic = write_mic(tmp_path / "mic.wav", silence(4.5), speech(question))
    with chromium_with_mic(mic, loop=False, camera=False) as context:
        page, errors = instrumented(context, daphne_server, token)
        page.wait_for_function("() => window.__interview.stats.interruptedTurns.includes(0)", timeout=WAIT_MS)
        # The barge-in flushed what the hold kept: the playhead jumped over the unplayed greeting...
        flush = state(page, "window.__interview.stats.flushes[0]")
        assert flush["turn"] == 0 and not flush["report"], flush
        assert flush["bufferedEnd"] - flush["currentTime"] > 0.5, flush
        # ... and playback stopped at once: the playhead sits at the end of what was buffered.
        first = state(page, "document.querySelector('#interviewer-audio').currentTime")
        page.wait_for_timeout(400)
        second = state(page, "document.querySelector('#interviewer-audio').currentTime")
        assert abs(second - first) < 0.05, (first, second)
        assert first >= flush["bufferedEnd"] - 0.05, (first, flush)
        expect(page.locator("#activity")).to_have_attribute("data-state", "candidate")
        expect(page.locator("#interrupt-button")).to_be_hidden()
        expect(page.locator("#subtitle-user .text")).to_have_text("…")
        page.screenshot(path=str(screenshots / "hf-03-barge-in.png"), full_page=True)

        # The candidate's question is the answer; the interviewer replies to it.
        expect(page.locator("#subtitle-user .text")).to_have_text(question, timeout=WAIT_MS)
        expect(page.locator("#subtitle-ai .text")).to_have_text(FOLLOW_UP, timeout=WAIT_MS)
        page.wait_for_function("() => window.__interview.stats.playbackStarted.includes(2)", timeout=WAIT_MS)
        why = diagnosis(page)
        stats = state(page, "window.__interview.stats")
        seen = frames(page)
        first_voice = next(f for f in seen if f["type"] == "speech_started")
        cut = next(f for f in seen if f["type"] == "ai_audio_end" and f.get("reason") == "interrupted")
        # The very first sound of the candidate's voice paused the interviewer, before the barge-in.
        assert first_voice["overlapping"] and first_voice["hold"], why
        assert first_voice["pausedAfter"], why
        assert seen.index(first_voice) < seen.index(cut) and cut["turn"] == 0, why
        assert stats["holds"] >= 1 and stats["minVolume"] == 1 and stats["volume"] == 1, why
        assert stats["speechStartedOverlapping"] >= 1, why
        assert 0 not in stats["playbackEnded"], "a flushed turn must not be reported as played"
        assert stats["answersEnded"] == 1, why
        assert page.locator("#transcript .entry[data-turn='1'] .text").inner_text() == question
        cut_text = page.locator("#transcript .entry[data-turn='0'] .text").inner_text()
        assert len(cut_text) < len(LONG_GREETING.strip()), cut_text

        # The candidate can also stop the interviewer on purpose: Escape (or the Interrupt button).
        expect(page.locator("#interrupt-button")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("#activity")).to_have_attribute("data-state", "listening")
        flush = state(page, "window.__interview.stats.flushes.at(-1)")
        assert flush["turn"] == 2, flush
        stopped_at = state(page, "document.querySelector('#interviewer-audio').currentTime")
        page.wait_for_timeout(300)
        assert state(page, "document.querySelector('#interviewer-audio').currentTime") == stopped_at
        assert state(page, "window.__interview.stats.localInterrupts") == 1
        assert not errors, errors
    turns = stored_turns(daphne_server, token)
    assert [(t["index"], t["speaker"], t["interrupted"]) for t in turns[:2]] == [
        (0, "interviewer", True),
        (1, "candidate", False),
    ], turns
    # Stored as heard up to the hold: the start of the greeting, not all of it.
    assert turns[0]["text"].startswith("Hello") and len(turns[0]["text"]) < len(LONG_GREETING.strip()), turns


def test_an_answer_resumed_after_a_long_pause_is_one_answer_with_one_reply(
    daphne_server: LiveServer,
    fake_openai: FakeOpenAI,
    fake_elevenlabs: FakeElevenLabs,
    tmp_path: Path,
    screenshots: Path,
) -> None:
    """The candidate pauses long enough to end the answer, then goes on before the reply is heard."""
    # A complete-sounding answer of some length. When the end-of-turn model hears it as finished it
    # ends after a short pause and its reply's words are shown at once; when the model does not, it
    # is taken as ended 2.2 s into the pause with its reply held (words and voice) until 3 s. Either
    # way the candidate goes on before the reply makes a sound, and it is withdrawn.
    first_part = "I built a payments service in Go, and it handled many requests every day."
    second_part = "Later we moved it to Kubernetes and added queues."
    whole = f"{first_part} {second_part}"
    withdrawn = "Interesting, so what language did you use for it?"
    greeting = "Hello, welcome."
    fake_openai.configure(
        chat_replies=[greeting, withdrawn, FOLLOW_UP], per_token_delay_s=0.01, transcripts=[first_part, whole]
    )
    # The reply's voice comes 4 s after it is asked for: the candidate goes on before it.
    fake_elevenlabs.configure(first_byte_delay_s=4.0)
    token = hands_free_interview(daphne_server)
    # The pause is past the 2.2 s at which even a patient answer is taken as ended, within the 3 s
    # before a held reply is shown, and well before the reply's voice.
    mic = write_mic(tmp_path / "mic.wav", silence(8.0), speech(first_part), silence(2.6), speech(second_part))
    with chromium_with_mic(mic, loop=False, camera=False) as context:
        page, errors = instrumented(context, daphne_server, token)
        page.wait_for_function("() => window.__interview.stats.playbackEnded.includes(0)", timeout=WAIT_MS)
        page.wait_for_function("() => window.__interview.stats.withdrawnTurns.length > 0", timeout=WAIT_MS)
        page.wait_for_function("() => window.__interview.stats.playbackEnded.includes(2)", timeout=WAIT_MS)
        page.wait_for_timeout(500)  # nothing more is coming: no second reply, no other turn
        page.screenshot(path=str(screenshots / "tt-02-answer-continued.png"), full_page=True)
        why = diagnosis(page)
        stats = state(page, "window.__interview.stats")
        seen = frames(page)

        assert stats["withdrawnTurns"] == [2] and stats["answersContinued"] == 1, why
        assert stats["interruptedTurns"] == [] and stats["holds"] == 0, why
        # The order on the wire: the answer ended, the reply was withdrawn unheard, and the answer
        # went on as the same turn; one answer end after it, one reply.
        kinds = [
            (f["type"], f.get("turn"), f.get("reason") == "withdrawn", f.get("continues_turn"))
            for f in seen
            if f["type"] in ("speech_ended", "ai_audio_end", "speech_started")
            or (f["type"] == "ai_transcript_chunk" and f["turn"] == 2)
        ]
        withdrawal = kinds.index(("ai_audio_end", 2, True, None))
        resumed = kinds.index(("speech_started", None, False, 1))
        assert withdrawal < resumed, why
        ended = [k for k in kinds if k[0] == "speech_ended"]
        assert len(ended) == 2, why  # the first part, then the whole answer
        assert kinds.index(ended[0]) < withdrawal < resumed < kinds.index(ended[1], resumed), why
        replies = [
            f for f in seen if f["type"] == "ai_audio_end" and f.get("turn") == 2 and f.get("reason") != "withdrawn"
        ]
        assert len(replies) == 1 and replies[0].get("reason") == "complete", why
        assert stats["playbackStarted"] == [0, 2] and stats["playbackEnded"] == [0, 2], why

        # The page's transcript: greeting, ONE answer (the whole of it), ONE reply; the withdrawn
        # reply's words are gone (a stale entry would also glue them to the real reply's).
        entries = page.locator("#transcript .entry")
        assert entries.count() == 3, why
        rows = [
            (
                entries.nth(i).get_attribute("data-turn"),
                entries.nth(i).get_attribute("data-speaker"),
                entries.nth(i).locator(".text").inner_text(),
            )
            for i in range(3)
        ]
        assert rows == [("0", "interviewer", greeting), ("1", "candidate", whole), ("2", "interviewer", FOLLOW_UP)], (
            rows,
            why,
        )
        assert withdrawn not in page.locator("#transcript").inner_text()
        assert page.locator("#subtitle-ai .text").inner_text() == FOLLOW_UP
        assert not errors, errors

    # The second transcription heard the whole answer, pause included, as one recording.
    transcriptions = fake_openai.requests_to("transcription")
    assert len(transcriptions) == 2, transcriptions
    assert len(transcriptions[1].file_bytes) > len(transcriptions[0].file_bytes) * 1.5
    turns = stored_turns(daphne_server, token)
    assert [(t["index"], t["speaker"], t["text"]) for t in turns] == [
        (0, "interviewer", greeting),
        (1, "candidate", whole),
        (2, "interviewer", FOLLOW_UP),
    ], turns


def test_hands_free_answers_go_on_after_a_reconnect(
    daphne_server: LiveServer, fake_openai: FakeOpenAI, tmp_path: Path, screenshots: Path
) -> None:
    """Answer, lose the connection, answer again: no button, a fresh recorder, a reply to each."""
    greeting = "Hello, welcome."
    first_answer = "I built a payments service in Go, and it handled many requests every day."
    second_answer = "We added retries with backoff and a queue in front of the database."
    follow_up = "Thanks. What did you test first?"
    second_follow_up = "Good. Tell me about the queue."
    fake_openai.configure(
        chat_replies=[greeting, follow_up, second_follow_up],
        per_token_delay_s=0.02,
        transcripts=["I built a payments service in Go.", "We added retries and a queue."],
    )
    token = hands_free_interview(daphne_server)
    # The second answer comes long after the first reply, so the reconnect is over well before it.
    mic = write_mic(tmp_path / "mic.wav", silence(3.0), speech(first_answer), silence(16.0), speech(second_answer))
    with chromium_with_mic(mic, loop=False, camera=False) as context:
        page, errors = instrumented(context, daphne_server, token)
        page.wait_for_function("() => window.__interview.stats.playbackEnded.includes(2)", timeout=WAIT_MS)
        first_recorder = page.evaluate_handle("() => window.__interview.client.recorder")
        assert state(page, "window.__interview.stats.answersEnded") == 1

        # The connection drops; the page reconnects on its own and resumes the session.
        page.evaluate("() => window.__interview.client.socket.close()")
        page.wait_for_function("() => window.__interview.client.connectionState === 'reconnecting'", timeout=5000)
        page.wait_for_function(
            "() => window.__interview.stats.sessionStates === 2 && window.__interview.client.recording",
            timeout=WAIT_MS,
        )
        why = diagnosis(page)
        # Still before the second answer (else this test would not show what it claims).
        assert state(page, "window.__interview.stats.speechStarted") == 1, why
        resumed = [f for f in frames(page) if f["type"] == "session_state"][-1]
        assert resumed["mode"] == "hands_free" and resumed["status"] == "in_progress", why
        # A new recorder: its first chunk carries a new WebM header for the server's new listener.
        assert page.evaluate("(old) => window.__interview.client.recorder !== old", first_recorder)
        assert state(page, "window.__interview.client.recorder.state") == "recording"
        assert state(page, "document.querySelector('#connection').dataset.state") == "live"

        # The candidate just goes on talking; nobody touches a button.
        page.wait_for_function("() => window.__interview.stats.playbackEnded.includes(4)", timeout=WAIT_MS)
        page.screenshot(path=str(screenshots / "tt-03-after-reconnect.png"), full_page=True)
        why = diagnosis(page)
        stats = state(page, "window.__interview.stats")
        assert stats["answersEnded"] == 2 and stats["speechStarted"] == 2, why
        assert stats["interruptedTurns"] == [] and stats["withdrawnTurns"] == [], why
        entries = page.locator("#transcript .entry")
        rows = [
            (entries.nth(i).get_attribute("data-turn"), entries.nth(i).locator(".text").inner_text())
            for i in range(entries.count())
        ]
        assert rows == [
            ("0", greeting),
            ("1", "I built a payments service in Go."),
            ("2", follow_up),
            ("3", "We added retries and a queue."),
            ("4", second_follow_up),
        ], (rows, why)
        assert not errors, errors

    # Both answers reached the transcriber as audio cut from the stream, and each got one reply.
    transcriptions = fake_openai.requests_to("transcription")
    assert len(transcriptions) == 2 and all(t.file_bytes[:4] == b"RIFF" for t in transcriptions)
    greetings = [r for r in fake_openai.requests_to("chat") if r.response_text == greeting]
    assert len(greetings) == 1, "the resumed session greeted again"
    turns = stored_turns(daphne_server, token)
    assert [(t["index"], t["speaker"]) for t in turns] == [
        (0, "interviewer"),
        (1, "candidate"),
        (2, "interviewer"),
        (3, "candidate"),
        (4, "interviewer"),
    ], turns


def test_a_hold_cut_short_by_a_reconnect_does_not_silence_the_interviewer(
    daphne_server: LiveServer, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """The connection drops while the page holds the interviewer: the new session's server knows
    nothing of the hold and will never release it, so the page lets go itself and plays on."""
    fake_openai.configure(chat_replies=[LONG_GREETING], per_token_delay_s=0.04)
    token = hands_free_interview(daphne_server)
    mic = write_mic(tmp_path / "mic.wav", silence(6.0), speech("yeah"), silence(12.0))
    with chromium_with_mic(mic, loop=False, camera=False) as context:
        page, errors = instrumented(context, daphne_server, token)
        page.evaluate("() => { window.__dropOnHold = true; }")
        page.wait_for_function("() => window.__interview.stats.holds === 1", timeout=WAIT_MS)
        page.wait_for_function("() => window.__interview.stats.sessionStates === 2", timeout=WAIT_MS)
        why = diagnosis(page)
        held = next(f for f in frames(page) if f["type"] == "speech_started")
        assert held["hold"] and held["pausedAfter"], why
        # The greeting goes on from where it was held, and plays to its end.
        page.wait_for_function("() => window.__interview.stats.playbackEnded.includes(0)", timeout=WAIT_MS)
        page.wait_for_function("() => document.querySelector('#activity').dataset.state === 'listening'")
        why = diagnosis(page)
        stats = state(page, "window.__interview.stats")
        assert stats["flushes"] == [] and stats["interruptedTurns"] == [], why
        media = media_events(page)
        pause = next(m for m in media if m["type"] == "pause" and m["holds"] >= 1)
        resumed = next((m for m in media[media.index(pause) :] if m["type"] == "playing"), None)
        assert resumed is not None and abs(resumed["currentTime"] - pause["currentTime"]) < 0.05, why
        assert not state(page, "window.__interview.player.held"), why
        assert not errors, errors
