// The banners above the stage: errors (a fatal one stays) and short notices.
import { PageEvent } from "./events.js";

/** `data-code` of the page's own error banners; the server's codes are ErrorCode in protocol.js. */
export const PageError = Object.freeze({
  REPLACED: "replaced", // the interview went on in another tab (close code 4001)
  RECORDING: "recording", // the recorder would not start
  MICROPHONE: "microphone", // no microphone, or access refused
  OFFLINE: "offline", // the server cannot be told now
  PLAYBACK: "playback", // the interviewer's audio would not play
});

const ERROR_SHOWN_MS = 10000;
const NOTICE_SHOWN_MS = 5000;

export class Notices {
  /**
   * @param {HTMLElement} container
   * @param {object} options
   * @param {string} options.errorPrefix  the words before every error ("Error")
   * @param {import("./events.js").Emitter} options.bus  hears PageEvent.ERROR_SHOWN
   */
  constructor(container, { errorPrefix, bus }) {
    this._container = container;
    this._errorPrefix = errorPrefix;
    this._bus = bus;
    this.fatalShown = false;
  }

  error(message, { fatal = false, code = "" } = {}) {
    this._bus.emit(PageEvent.ERROR_SHOWN, { message, fatal, code });
    if (fatal) this.fatalShown = true;
    const item = document.createElement("p");
    item.className = `error-banner${fatal ? " fatal" : ""}`;
    item.dataset.code = code;
    item.textContent = `${this._errorPrefix}: ${message}`;
    this._container.append(item);
    if (!fatal) setTimeout(() => item.remove(), ERROR_SHOWN_MS);
  }

  notice(message) {
    const item = document.createElement("p");
    item.className = "notice-banner";
    item.textContent = message;
    this._container.append(item);
    setTimeout(() => item.remove(), NOTICE_SHOWN_MS);
  }
}
