// The one event emitter of the interview page: the socket client, the player and the page's own bus
// are all Emitters. A failing handler is logged and never stops the others.

export class Emitter {
  /** @param {string} [name] how the log names this emitter when a handler fails */
  constructor(name = "events") {
    this._name = name;
    this._handlers = new Map();
  }

  /** Call `handler(payload)` on every `event`; returns a function that stops it. */
  on(event, handler) {
    if (!this._handlers.has(event)) this._handlers.set(event, new Set());
    this._handlers.get(event).add(handler);
    return () => this._handlers.get(event).delete(handler);
  }

  emit(event, payload) {
    for (const handler of this._handlers.get(event) || []) {
      try {
        handler(payload);
      } catch (error) {
        console.error(`${this._name}: "${event}" handler failed`, error);
      }
    }
  }
}

/**
 * What the page's modules tell each other on the page bus (interview.js creates it). These are
 * things that happened on the page; the server's frames arrive as the client's events (ClientEvent).
 */
export const PageEvent = Object.freeze({
  STATUS: "status", // {status}: the status line was drawn (listening, thinking, speaking, candidate, muted)
  ERROR_SHOWN: "error_shown", // {message, fatal, code}: an error banner went up
  MUTE_CHANGED: "mute_changed", // {muted}: hands-free, the candidate paused or resumed the microphone
  MIC_LEVEL: "mic_level", // level 0..1 of the candidate's microphone (hands-free)
  PLAYBACK_LEVEL: "playback_level", // level 0..1 of the interviewer's voice, smoothed (the avatar's)
  VOLUME: "volume", // {volume}: the interviewer's volume was set (ducked or restored)
  HELD: "held", // the interviewer's playback was paused for the candidate's voice
  FLUSHED: "flushed", // {turn, report, currentTime, bufferedEnd}: the interviewer's audio was dropped
  LOCAL_INTERRUPT: "local_interrupt", // the candidate pressed Interrupt (button or Escape)
});
