// The two status lines: the connection (header) and what is happening now (under the avatar).
import { Activity, Connection } from "./client.js";
import { PageEvent } from "./events.js";

/** What the page shows is happening: the interviewer's Activity, or in hands-free mode the candidate's side. */
export const Status = Object.freeze({
  ...Activity,
  CANDIDATE: "candidate", // hands-free: the candidate is speaking
  MUTED: "muted", // hands-free: the candidate paused the microphone
});

/** The status to show. In hands-free mode the candidate's own speech and mute show, unless the interviewer speaks. */
export function pageStatus({ activity, handsFree, candidateSpeaking, muted }) {
  if (!handsFree || activity === Activity.SPEAKING) return activity;
  if (candidateSpeaking && !muted) return Status.CANDIDATE;
  if (activity === Activity.THINKING) return activity;
  return muted ? Status.MUTED : activity;
}

export class StatusLine {
  /**
   * @param {object} options
   * @param {HTMLElement} options.connection  the connection indicator (with a .connection-text)
   * @param {HTMLElement} options.activity    the status line under the avatar
   * @param {object} options.ui               the page's strings
   * @param {import("./events.js").Emitter} options.bus  hears PageEvent.STATUS
   */
  constructor({ connection, activity, ui, bus }) {
    this._connection = connection;
    this._activity = activity;
    this._bus = bus;
    this._connectionText = {
      [Connection.IDLE]: ui.conn_connecting,
      [Connection.CONNECTING]: ui.conn_connecting,
      [Connection.LIVE]: ui.conn_live,
      [Connection.RECONNECTING]: ui.conn_reconnecting,
      [Connection.ENDED]: ui.conn_ended,
    };
    this._statusText = {
      [Status.LISTENING]: ui.act_listening,
      [Status.THINKING]: ui.act_thinking,
      [Status.SPEAKING]: ui.act_speaking,
      [Status.CANDIDATE]: ui.act_candidate,
      [Status.MUTED]: ui.act_muted,
    };
  }

  showConnection(state) {
    this._connection.dataset.state = state;
    this._connection.querySelector(".connection-text").textContent = this._connectionText[state] || state;
    document.body.dataset.connection = state;
  }

  showStatus(status) {
    this._bus.emit(PageEvent.STATUS, { status });
    this._activity.dataset.state = status;
    this._activity.textContent = this._statusText[status] || status;
    document.body.dataset.activity = status;
  }
}
