"""Hands-free interviews in headless Chromium: the fake microphone talks, nobody presses a button."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from interviews.audio import RECOGNITION_RATE, decode_to_pcm, encode_mp3, pcm_to_wav, resample_pcm
from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.openai_server import DEFAULT_TRANSCRIPT, FakeOpenAI
from interviews.testing.live import LiveServer
from tests.browser.chromium import chromium_with_mic

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER = "I built a payments service in Go, and it handled many requests every day."
QUESTION = "Sorry, can I ask what the team size would be for this role?"
FOLLOW_UP = "Thanks. How did you make that payments service reliable under load?"
WAIT_MS = 20_000
# Chromium plays the fake microphone's file once from when the page opens the microphone (%noloop,
# honoured by Chromium 156: checked), then silence; the tail gives the endpointer its pause.
TAIL_S = 3.0


def state(page: object, expression: str) -> object:
    return page.evaluate(f"() => {expression}")


def speech(text: str) -> np.ndarray:
    """`text` spoken by espeak-ng, as 16 kHz float PCM."""
    espeak = shutil.which("espeak-ng") or shutil.which("espeak")
    if espeak is None:
        pytest.skip("espeak-ng is needed to speak into the fake microphone")
    result = subprocess.run([espeak, "--stdout", "-s", "150", text], check=True, capture_output=True, timeout=30)
    return decode_to_pcm(result.stdout)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RECOGNITION_RATE), dtype=np.float32)


def write_mic(path: Path, *parts: np.ndarray) -> Path:
    path.write_bytes(pcm_to_wav(np.concatenate([*parts, silence(TAIL_S)])))
    return path


def hands_free_interview(server: LiveServer) -> str:
    """A consented interview on the English demo template, switched to hands-free; its token."""
    server.set_hands_free("backend-engineer-en", True)
    return server.create_interview(candidate="Hands Free")["token"]


def greeting_then_follow_up(server: LiveServer, fake_openai: FakeOpenAI) -> tuple[str, str]:
    """A hands-free interview whose interviewer greets, then asks FOLLOW_UP: (its token, the greeting)."""
    greeting = "Hello, welcome."
    fake_openai.configure(chat_replies=[greeting, FOLLOW_UP], per_token_delay_s=0.02)
    return hands_free_interview(server), greeting


def open_live_interview(context: object, server: LiveServer, token: str) -> tuple[object, list[str]]:
    """The page joined and its socket live."""
    from playwright.sync_api import expect

    page, errors = open_interview(context, server, token)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    return page, errors


def open_interview(context: object, server: LiveServer, token: str) -> tuple[object, list[str]]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{server.url}/i/{token}/live/")
    page.click("#join-button")
    return page, errors


def test_a_hands_free_answer_needs_no_button(
    daphne_server: LiveServer, fake_openai: FakeOpenAI, tmp_path: Path, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    token, greeting = greeting_then_follow_up(daphne_server, fake_openai)
    # Quiet while the short greeting plays, then the answer, then a long pause. The microphone's
    # file starts when the page opens it, before the greeting is written: on a loaded machine the
    # greeting's sound can end 3 s later, and an answer over it is (rightly) a barge-in.
    mic = write_mic(tmp_path / "mic.wav", silence(6.0), speech(ANSWER))
    with chromium_with_mic(mic, loop=False, camera=False) as context:
        page, errors = open_live_interview(context, daphne_server, token)
        expect(page.locator("#mic-button")).to_be_hidden()
        expect(page.locator("#mute-button")).to_be_visible()
        expect(page.locator("#subtitle-ai .text")).to_have_text(greeting, timeout=WAIT_MS)
        expect(page.locator("#mic-reason")).to_contain_text("just speak", timeout=WAIT_MS)

        # The candidate just talks: partial subtitles may come, the final one replaces them.
        expect(page.locator("#subtitle-user .text")).to_have_text(DEFAULT_TRANSCRIPT, timeout=WAIT_MS)
        expect(page.locator("#subtitle-ai .text")).to_have_text(FOLLOW_UP, timeout=WAIT_MS)
        reply_turn = 2
        page.wait_for_function(
            f"() => window.__interview.stats.playbackStarted.includes({reply_turn})", timeout=WAIT_MS
        )
        page.screenshot(path=str(screenshots / "hf-01-answered.png"), full_page=True)
        expect(page.locator("#activity")).to_have_attribute("data-state", "listening", timeout=WAIT_MS)

        stats = state(page, "window.__interview.stats")
        statuses = stats["statuses"]
        # Listening -> You're speaking -> Thinking -> Speaking, in that order.
        heard = statuses.index("candidate")
        thinking = statuses.index("thinking", heard)
        assert "speaking" in statuses[thinking:], statuses
        assert stats["answersEnded"] == 1, stats
        assert stats["interruptedTurns"] == [] and stats["maxMicLevel"] > 0.05, stats
        # The server cut the answer out of the one continuous recording.
        transcription = fake_openai.requests_to("transcription")
        assert len(transcription) == 1
        assert transcription[0].file_bytes[:4] == b"RIFF"
        assert state(page, "window.__interview.client.recorder.state") == "recording"

        # Mute pauses the recording, and the page says the interviewer cannot hear.
        page.click("#mute-button")
        expect(page.locator("#mute-button")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#activity")).to_have_attribute("data-state", "muted")
        expect(page.locator("#mic-reason")).to_contain_text("muted")
        assert state(page, "window.__interview.client.recorder.state") == "paused"
        page.screenshot(path=str(screenshots / "hf-02-muted.png"), full_page=True)
        page.click("#mute-button")
        expect(page.locator("#activity")).to_have_attribute("data-state", "listening")
        assert state(page, "window.__interview.client.recorder.state") == "recording"
        assert not errors, errors


def test_the_interviewers_own_voice_in_the_microphone_does_not_interrupt(
    daphne_server: LiveServer,
    fake_openai: FakeOpenAI,
    fake_elevenlabs: FakeElevenLabs,
    tmp_path: Path,
) -> None:
    """Speakers leaking into the microphone: the server recognises the echo, the page keeps playing."""
    voice = speech("Thanks for joining. I would like to hear about a system you designed recently.")
    fake_elevenlabs.speech_mp3 = encode_mp3(resample_pcm(voice, rate=RECOGNITION_RATE, to_rate=44100), rate=44100)
    # Three sentences: three syntheses of the same speech, back to back (about 15 s).
    greeting = "Hello and welcome. Thanks for your time today. Let us begin with your work."
    fake_openai.configure(chat_replies=[greeting])
    token = hands_free_interview(daphne_server)
    # The microphone hears part of the interviewer's voice, quieter, while it plays.
    mic = write_mic(tmp_path / "mic.wav", silence(1.5), 0.4 * voice[: int(2.5 * RECOGNITION_RATE)])
    with chromium_with_mic(mic, loop=False, camera=False) as context:
        page, errors = open_interview(context, daphne_server, token)
        page.wait_for_function("() => window.__interview.stats.playbackEnded.includes(0)", timeout=30_000)
        stats = state(page, "window.__interview.stats")
        assert stats["speechStartedOverlapping"] >= 1, stats
        assert stats["speechIgnored"]["echo"] >= 1, stats
        assert stats["interruptedTurns"] == [] and stats["flushes"] == [], stats
        assert stats["answersEnded"] == 0 and stats["volume"] == 1, stats
        assert fake_openai.requests_to("transcription") == []
        assert not errors, errors


def test_a_microphone_stream_the_server_cannot_read_is_recorded_afresh_and_heard(
    daphne_server: LiveServer, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """Damage in the stream (bytes no WebM has, sent as the page's own): one `bad_audio`, and the
    page records afresh; damaged again at once, it records afresh once the interval is over. The
    answer after that is heard and replied to."""
    from playwright.sync_api import expect

    token, _ = greeting_then_follow_up(daphne_server, fake_openai)
    mic = write_mic(tmp_path / "mic.wav", silence(13.0), speech(ANSWER))
    with chromium_with_mic(mic, loop=False, camera=False) as context:
        page, errors = open_live_interview(context, daphne_server, token)
        new_recording = (
            "() => { const recorder = window.__interview.client.recorder;"
            " return recorder?.state === 'recording' && !(window.__damaged || []).includes(recorder); }"
        )
        restarted_at = []
        for damage in (1, 2):
            page.wait_for_function(new_recording, timeout=WAIT_MS)
            restarted_at.append(state(page, "window.__interview.client._streamRestartedAt"))
            page.wait_for_timeout(500)  # the recording's header and a few slices are up
            page.evaluate(
                "() => { const client = window.__interview.client; (window.__damaged ||= []).push(client.recorder);"
                " client._send(new Uint8Array([0, 0, 0, 0]).buffer); }"
            )
            page.wait_for_function(
                f"() => window.__interview.stats.errors.filter((e) => e.code === 'bad_audio').length === {damage}",
                timeout=WAIT_MS,
            )
        # The second restart waits for the interval (5 s after the first), then the page records afresh.
        page.wait_for_function(new_recording, timeout=WAIT_MS)
        restarted_at.append(state(page, "window.__interview.client._streamRestartedAt"))
        assert restarted_at[2] - restarted_at[1] >= 5000 - 1, restarted_at  # not sooner than the interval
        expect(page.locator("#subtitle-user .text")).to_have_text(DEFAULT_TRANSCRIPT, timeout=WAIT_MS)
        expect(page.locator("#subtitle-ai .text")).to_have_text(FOLLOW_UP, timeout=WAIT_MS)
        stats = state(page, "window.__interview.stats")
        assert [error["code"] for error in stats["errors"]] == ["bad_audio", "bad_audio"], stats["errors"]
        assert stats["answersEnded"] == 1, stats
        assert len(fake_openai.requests_to("transcription")) == 1
        assert not errors, errors
