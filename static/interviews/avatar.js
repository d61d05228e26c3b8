// The interviewer's face: a 2D canvas drawing in the colour of the page's status, whose halo and
// mouth follow the interviewer's voice. Its whole interface is setState and setLevel, so another
// face (a 3D head) can take its place without the page changing.
import { Status } from "./status-line.js";

const HALO_RADIUS = 78;
const FACE_RADIUS = 70;
const FALLBACK_COLOUR = "#3b82f6";

export class Avatar {
  /** @param {HTMLCanvasElement} canvas  drawn on every animation frame from now on */
  constructor(canvas) {
    this._canvas = canvas;
    this._ctx = canvas.getContext("2d");
    this._state = Status.LISTENING;
    this._level = 0;
    const draw = (time) => {
      this._draw(time);
      requestAnimationFrame(draw);
    };
    requestAnimationFrame(draw);
  }

  /** The page's status (listening, thinking, speaking, candidate, muted): the face's colour and motion. */
  setState(state) {
    this._state = state;
  }

  /** How loud the interviewer is now, 0..1 (already smoothed). */
  setLevel(level) {
    this._level = level;
  }

  _draw(time) {
    const ctx = this._ctx;
    const level = this._level;
    const { width, height } = this._canvas;
    const cx = width / 2;
    const cy = height / 2;
    ctx.clearRect(0, 0, width, height);
    const styles = getComputedStyle(document.documentElement);
    const accent = styles.getPropertyValue(`--avatar-${this._state}`).trim() || FALLBACK_COLOUR;
    // Halo: grows with the voice level; breathes slowly while thinking.
    const breathe = this._state === Status.THINKING ? 0.06 * (1 + Math.sin(time / 300)) : 0;
    const halo = HALO_RADIUS + 40 * level + 30 * breathe;
    ctx.beginPath();
    ctx.arc(cx, cy, halo, 0, Math.PI * 2);
    ctx.fillStyle = `${accent}33`;
    ctx.fill();
    ctx.beginPath();
    ctx.arc(cx, cy, FACE_RADIUS, 0, Math.PI * 2);
    ctx.fillStyle = accent;
    ctx.fill();
    // Eyes and a mouth that opens with the level.
    ctx.fillStyle = "#ffffff";
    for (const dx of [-22, 22]) {
      ctx.beginPath();
      ctx.arc(cx + dx, cy - 16, 7, 0, Math.PI * 2);
      ctx.fill();
    }
    const mouthOpen = 3 + 26 * level;
    ctx.beginPath();
    ctx.ellipse(cx, cy + 24, 24, mouthOpen / 2 + 1, 0, 0, Math.PI * 2);
    ctx.fill();
  }
}
