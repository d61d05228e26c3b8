// The countdown in the header. The server keeps the time (session_state.remaining_seconds) and ends
// the interview at its deadline; the page only counts down between syncs and says when time is up.

const TICK_MS = 250;
const WARNING_S = 60;

export function formatClock(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

export class Countdown {
  /**
   * @param {object} options
   * @param {HTMLElement} options.clock  shows m:ss
   * @param {HTMLElement} options.box    gets `warning` in the last minute, `ending` at zero
   * @param {number|null} options.remainingSeconds  as the page was rendered (the clock is still until synced)
   * @param {() => void} options.onTimeUp  once, when the running clock reaches zero
   */
  constructor({ clock, box, remainingSeconds, onTimeUp }) {
    this._clock = clock;
    this._box = box;
    this._onTimeUp = onTimeUp;
    this._remainingSeconds = remainingSeconds;
    this._anchorMs = performance.now();
    this._running = false;
    this._timeUpAnnounced = false;
  }

  start() {
    this.render();
    setInterval(() => this.render(), TICK_MS);
  }

  /** The server's word on the time left; the clock runs from here. */
  sync(remainingSeconds) {
    if (typeof remainingSeconds !== "number") return;
    this._remainingSeconds = remainingSeconds;
    this._anchorMs = performance.now();
    this._running = true;
    this.render();
  }

  remaining() {
    if (!this._running) return this._remainingSeconds;
    return this._remainingSeconds - (performance.now() - this._anchorMs) / 1000;
  }

  render() {
    const remaining = this.remaining();
    this._clock.textContent = formatClock(remaining);
    this._box.classList.toggle("warning", remaining <= WARNING_S);
    if (this._running && remaining <= 0 && !this._timeUpAnnounced) {
      this._timeUpAnnounced = true;
      this._box.classList.add("ending");
      this._onTimeUp();
    }
  }
}
