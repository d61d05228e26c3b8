// The page's side of turn-taking: the candidate's voice against the interviewer's. Hands-free, the
// server says when the candidate starts and stops speaking: the page holds (or only lowers) the
// interviewer, then goes on (speech that did not count) or drops what is left (an answer, a
// barge-in). In either mode the candidate can interrupt, and the server can cut a turn off or take
// back a reply never heard (`ai_audio_end.reason`).
import { Activity, ClientEvent, Connection } from "./client.js";
import { PageEvent } from "./events.js";
import { AudioEndReason } from "./protocol.js";

export class TurnTaking {
  /**
   * Listens to the client's speech and audio-end events from now on.
   * @param {object} options
   * @param {import("./client.js").StreamingInterviewClient} options.client
   * @param {import("./interviewer-audio.js").InterviewerAudio} options.voice
   * @param {import("./transcript-view.js").TranscriptView} options.transcript
   * @param {{ending: boolean, candidateSpeaking: boolean}} options.page  sets candidateSpeaking
   * @param {import("./events.js").Emitter} options.bus  hears LOCAL_INTERRUPT
   * @param {() => void} options.renderActivity  redraw the status line and the controls
   */
  constructor({ client, voice, transcript, page, bus, renderActivity }) {
    this._client = client;
    this._voice = voice;
    this._transcript = transcript;
    this._page = page;
    this._bus = bus;
    this._renderActivity = renderActivity;
    client.on(ClientEvent.SPEECH_STARTED, (event) => this._speechStarted(event));
    client.on(ClientEvent.SPEECH_ENDED, (event) => this._speechEnded(event));
    client.on(ClientEvent.AI_AUDIO_END, (message) => this._audioEnded(message));
  }

  /**
   * A new session: nothing of the old one is ducked or held (its server will never release a
   * hold), and the server starts listening afresh. Audio of a turn cut off by a reconnect will not
   * continue: what arrived plays, then the turn ends.
   */
  newSession({ resumed }) {
    this._page.candidateSpeaking = false;
    this._voice.restoreVolume();
    this._voice.release();
    if (resumed) this._voice.player.endOpenTurns();
  }

  canInterrupt() {
    const client = this._client;
    return !this._page.ending && client.connectionState === Connection.LIVE && client.activity === Activity.SPEAKING;
  }

  /** The candidate stops the interviewer (button or Escape), in either mode. */
  interrupt() {
    if (!this.canInterrupt()) return false;
    const client = this._client;
    const turn = client.currentAiTurn;
    this._bus.emit(PageEvent.LOCAL_INTERRUPT);
    // Still streaming: the server cancels it and knows it stopped. Fully sent: only the page knows.
    const serverDone = client.streamedTurns.has(turn);
    client.interrupt();
    this._flush({ report: serverDone });
    return true;
  }

  /**
   * Drop everything the interviewer has buffered and stop at once. `report`: tell the server the turn
   * stopped playing (only when it does not know: it cut the turn off itself otherwise).
   */
  _flush({ report }) {
    const client = this._client;
    const turn = client.currentAiTurn;
    client.markFlushed(turn);
    this._voice.flush({ turn, report });
    if (client.activity === Activity.SPEAKING) client.setActivity(Activity.LISTENING);
    this._renderActivity();
  }

  _speechStarted({ overlapping, hold, continuesTurn }) {
    this._page.candidateSpeaking = true;
    // continuesTurn: the candidate was only pausing; the server withdrew its reply and the answer goes on.
    if (continuesTurn === null && !overlapping) this._transcript.showAnswerPlaceholder();
    if (overlapping) {
      // Over the interviewer: stop at once (or only get quieter, where the server says holding
      // keeps being a false alarm), until it proves a barge-in (flush) or is ignored (go on).
      if (hold) this._voice.hold();
      else this._voice.duck();
    }
    this._renderActivity();
  }

  _speechEnded({ ignored }) {
    this._page.candidateSpeaking = false;
    if (ignored) {
      this._transcript.clearAnswerPlaceholder({ restore: true });
      this._voice.release();
    } else if (!this._voice.player.isIdle()) {
      // The answer counts: whatever of the interviewer's last turn is still playing is moot now.
      this._flush({ report: true });
    }
    this._voice.restoreVolume();
    this._renderActivity();
  }

  _audioEnded({ turn, reason }) {
    switch (reason) {
      case AudioEndReason.WITHDRAWN:
        // A reply never heard: the candidate went on with the answer before it made a sound.
        this._transcript.withdraw(turn);
        break;
      case AudioEndReason.INTERRUPTED:
        // The candidate barged in (or asked to interrupt): drop this turn's audio now, report nothing.
        this._flush({ report: false });
        if (this._page.candidateSpeaking) this._transcript.showAnswerPlaceholder();
        break;
      default:
        this._voice.player.endTurn(turn);
    }
  }
}
