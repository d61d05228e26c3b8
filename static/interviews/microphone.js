// The candidate's microphone: opening it, the level meter, and its controls in each mode.
// Push-to-talk: the mic button (pressed to start, again to finish) or Space (held) records one answer. Hands-free:
// one continuous recording while the session is live, with a mute button and a listening orb.
import { Activity, Connection } from "./client.js";
import { MIC_CONSTRAINTS, attachLevelMeter, fill, mediaErrorReason } from "./audio-tools.js";
import { PageEvent } from "./events.js";
import { PageError } from "./notices.js";
import { Mode } from "./protocol.js";

function isTypingTarget(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

export class Microphone {
  /**
   * @param {object} options
   * @param {object} options.elements  micButton, micLabel, micMeter, micReason, listeningOrb, muteButton,
   *   stage (Space works only on the stage) and endDialog (nor while it is open)
   * @param {object} options.ui        the page's strings
   * @param {{mode: string, ending: boolean, candidateSpeaking: boolean}} options.page  the page's state (read only)
   * @param {import("./notices.js").Notices} options.notices
   * @param {import("./events.js").Emitter} options.bus  hears MUTE_CHANGED and MIC_LEVEL
   */
  constructor({ elements, ui, page, notices, bus }) {
    this._el = elements;
    this._ui = ui;
    this._page = page;
    this._notices = notices;
    this._bus = bus;
    this._client = null;
    this._stream = null;
    this._error = null; // why there is no microphone, in words
    this._stopMeter = null;
    this._spaceHeld = false;
    this.muted = false; // hands-free: the candidate paused the microphone
  }

  /** The socket client the recordings go to (once the candidate joined). */
  attach(client) {
    this._client = client;
  }

  /** Ask for the microphone (once, on joining); a refusal is shown and the controls say why. */
  async open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      this._error = this._ui.mic_unsupported;
      return;
    }
    try {
      this._stream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
      this._error = null;
    } catch (error) {
      this._error = mediaErrorReason(error);
      this._notices.error(fill(this._ui.mic_denied, this._error), { code: PageError.MICROPHONE });
    }
  }

  get _handsFree() {
    return this._page.mode === Mode.HANDS_FREE;
  }

  /** Show the controls of the current mode (page.mode) and hide the others'. */
  showMode() {
    const handsFree = this._handsFree;
    this._el.micButton.hidden = handsFree;
    this._el.listeningOrb.hidden = !handsFree;
    this._el.muteButton.hidden = !handsFree;
  }

  /** Focus the control of the current mode. */
  focus() {
    (this._handsFree ? this._el.muteButton : this._el.micButton).focus();
  }

  // --- state of the controls -----------------------------------------------------------------

  _availability() {
    const { _client: client, _ui: ui } = this;
    if (this._page.ending || client.ended || client.connectionState === Connection.ENDED) return [false, ui.mic_disabled_ended];
    if (this._error) return [false, fill(ui.mic_disabled_nomic, this._error)];
    if (client.recording) return [true, ui.mic_recording];
    if (client.connectionState !== Connection.LIVE) return [false, ui.mic_disabled_offline];
    if (client.activity === Activity.SPEAKING) return [false, ui.mic_disabled_speaking];
    if (client.activity === Activity.THINKING) return [false, ui.mic_disabled_thinking];
    return [true, ui.mic_hint];
  }

  _handsFreeAvailability() {
    const { _client: client, _ui: ui } = this;
    if (this._page.ending || client.ended || client.connectionState === Connection.ENDED) return [false, ui.mic_disabled_ended];
    if (this._error) return [false, fill(ui.mic_disabled_nomic, this._error)];
    if (client.connectionState !== Connection.LIVE) return [false, ui.mic_disabled_offline];
    if (this.muted) return [false, ui.hf_muted];
    return [true, ui.hf_listening];
  }

  /** Bring the controls up to date with the client and the page. */
  render() {
    const client = this._client;
    if (!client) return;
    const el = this._el;
    if (this._handsFree) {
      const [listening, reason] = this._handsFreeAvailability();
      if (el.micReason.textContent !== reason) el.micReason.textContent = reason;
      el.micReason.classList.toggle("blocked", !listening);
      el.listeningOrb.dataset.state = listening ? (this._page.candidateSpeaking ? "hearing" : "listening") : "off";
      el.micMeter.classList.toggle("muted", this.muted);
      el.muteButton.setAttribute("aria-pressed", String(this.muted));
      el.muteButton.textContent = this.muted ? this._ui.unmute : this._ui.mute;
      el.muteButton.disabled = Boolean(this._error) || this._page.ending || client.ended;
      return;
    }
    const [enabled, reason] = this._availability();
    // aria-disabled rather than `disabled`: the button keeps keyboard focus while it is unavailable.
    el.micButton.setAttribute("aria-disabled", String(!enabled));
    el.micButton.classList.toggle("recording", client.recording);
    el.micButton.setAttribute("aria-pressed", String(client.recording));
    el.micLabel.textContent = client.recording ? this._ui.mic_stop : this._ui.mic_start;
    if (el.micReason.textContent !== reason) el.micReason.textContent = reason;
    el.micReason.classList.toggle("blocked", !enabled);
  }

  // --- push-to-talk --------------------------------------------------------------------------

  startAnswer() {
    const client = this._client;
    const [enabled] = this._availability();
    if (!enabled || client.recording || !this._stream) return;
    try {
      client.startRecording(this._stream);
    } catch (error) {
      this._notices.error(String(error.message || error), { code: PageError.RECORDING });
      return;
    }
    this._stopMeter = attachLevelMeter(this._stream, this._el.micMeter);
    this.render();
  }

  async finishAnswer() {
    const client = this._client;
    if (!client.recording) return;
    if (this._stopMeter) this._stopMeter();
    this._stopMeter = null;
    await client.stopRecording();
    this.render();
  }

  toggleAnswer() {
    if (this._client.recording) this.finishAnswer();
    else this.startAnswer();
  }

  // --- hands-free ----------------------------------------------------------------------------

  /** (Re)start the continuous recording, e.g. after a reconnect; its meter runs throughout. */
  startListening() {
    const client = this._client;
    if (!this._stream) return;
    if (!this._stopMeter) {
      this._stopMeter = attachLevelMeter(this._stream, this._el.micMeter, (level) => {
        this._bus.emit(PageEvent.MIC_LEVEL, level);
        this._el.listeningOrb.style.setProperty("--level", this.muted ? "0" : level.toFixed(3));
      });
    }
    if (client.recording || !client.isOpen) return;
    try {
      client.startStreaming(this._stream, { paused: this.muted });
    } catch (error) {
      this._notices.error(String(error.message || error), { code: PageError.RECORDING });
    }
    this.render();
  }

  toggleMute() {
    const client = this._client;
    this.muted = !this.muted;
    if (client && client.recording) {
      if (this.muted) client.pauseRecording();
      else client.resumeRecording();
    }
    this._bus.emit(PageEvent.MUTE_CHANGED, { muted: this.muted });
  }

  // --- keyboard and buttons ------------------------------------------------------------------

  _spaceApplies(event) {
    const el = this._el;
    if (event.code !== "Space" || el.endDialog.open || isTypingTarget(event.target)) return false;
    if (this._handsFree) return false;
    // Space on another button activates that button, as usual.
    const onOtherButton = event.target instanceof HTMLButtonElement && event.target !== el.micButton;
    return !onOtherButton && !el.stage.hidden;
  }

  bindControls() {
    this._el.micButton.addEventListener("click", (event) => {
      if (event.detail === 0 && this._spaceHeld) return; // keyboard click synthesised by Space
      this.toggleAnswer();
    });
    document.addEventListener("keydown", (event) => {
      if (!this._spaceApplies(event)) return;
      event.preventDefault();
      if (event.repeat || this._spaceHeld) return;
      this._spaceHeld = true;
      if (!this._client.recording) this.startAnswer();
    });
    document.addEventListener("keyup", (event) => {
      if (event.code !== "Space" || !this._spaceHeld) return;
      event.preventDefault();
      this._spaceHeld = false;
      this.finishAnswer();
    });
    this._el.muteButton.addEventListener("click", () => this.toggleMute());
    window.addEventListener("blur", () => {
      if (this._spaceHeld) {
        this._spaceHeld = false;
        this.finishAnswer();
      }
    });
  }
}
