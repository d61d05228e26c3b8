// The interviewer's face. Its interface is setState (the page's status) and setLevel (the voice's
// level), plus listenTo (the voice's analyser, for lip-sync) and pause/resume (hold still while the
// interview connects). Two faces stand behind it:
// - the 3D head (avatar/head.js, three.js): a GLB, by default the bundled head, loaded while the
//   candidate reads the join screen, shown once its first frame is drawn;
// - the 2D face below, a canvas drawing in the colour of the page's status, shown until then, and for
//   good where there is no WebGL or the model does not load. That fallback is quiet: a console.info,
//   nothing on the page.
import { Status } from "./status-line.js";

// How long the head's canvas sits in the page's corner on the join screen (see _warmUp): a few of the
// compositor's frames, measured enough for a software renderer (BENCHMARKS.md).
const WARM_UP_MS = 300;

const HALO_RADIUS = 78;
const FACE_RADIUS = 70;
const FALLBACK_COLOUR = "#3b82f6";

/** The 2D face: a circle with eyes and a mouth that opens with the level, in the status's colour. */
class Face2D {
  /** @param {HTMLCanvasElement} canvas  drawn on every animation frame while it is on screen */
  constructor(canvas) {
    this._canvas = canvas;
    this._ctx = canvas.getContext("2d");
    this._state = Status.LISTENING;
    this._level = 0;
    this._onScreen = true;
    if (window.IntersectionObserver) {
      // Not drawn while hidden (the join screen, or while the 3D head stands in for it).
      new IntersectionObserver((entries) => {
        this._onScreen = entries.some((entry) => entry.isIntersecting);
      }).observe(canvas);
    }
    const draw = (time) => {
      if (this._onScreen) this._draw(time);
      requestAnimationFrame(draw);
    };
    requestAnimationFrame(draw);
  }

  setState(state) {
    this._state = state;
  }

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

async function fetchModel(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return response.arrayBuffer();
}

/**
 * Is WebGL 2 drawn in software here (SwiftShader, llvmpipe: no GPU)? Asked of a throwaway context,
 * so the head's own context can be made without multisampling, which costs a software renderer
 * four times the work. null: no WebGL 2 at all.
 */
function softwareRenderer() {
  const probe = document.createElement("canvas").getContext("webgl2");
  if (!probe) return null;
  const info = probe.getExtension("WEBGL_debug_renderer_info");
  const name = info ? String(probe.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  // Left to the garbage collector: losing it on purpose makes the browser log a warning.
  return /swiftshader|llvmpipe|software/i.test(name);
}

function prefersReducedMotion() {
  return Boolean(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
}

export class Avatar {
  /**
   * @param {HTMLCanvasElement} canvas  the 2D face's canvas
   * @param {object} [options]
   * @param {{url: string, cameraPosition: number[], cameraFov: number} | null} [options.model]
   *   the 3D head to load now (settings AVATAR_MODEL_URL, AVATAR_CAMERA_POSITION, AVATAR_CAMERA_FOV);
   *   without it (or without `headCanvas`) the 2D face is the face
   * @param {HTMLCanvasElement} [options.headCanvas]  where the 3D head draws, hidden until it is ready
   */
  constructor(canvas, { model = null, headCanvas = null } = {}) {
    this._faceCanvas = canvas;
    this._headCanvas = headCanvas;
    this._face = new Face2D(canvas);
    this._state = Status.LISTENING;
    this._level = 0;
    this._analyser = null;
    this._paused = false;
    /** "2d" or "3d": which face the candidate sees. */
    this.kind = "2d";
    /** The 3D head once it is shown (tests and the benchmark read its stats and influences). */
    this.head = null;
    /** When the 3D head replaced the 2D face (ms since navigation), or null. */
    this.shownAt = null;
    /** Resolves to the face the candidate will see ("2d" or "3d") once the head is loaded and warmed up. */
    this.ready = model && model.url && headCanvas ? this._loadHead(model) : Promise.resolve(this.kind);
  }

  /** The page's status (listening, thinking, speaking, candidate, muted): the face's colour and manner. */
  setState(state) {
    this._state = state;
    this._face.setState(state);
    if (this._headCanvas) this._headCanvas.dataset.state = state;
    if (this.head) this.head.setState(state);
  }

  /** How loud the interviewer is now, 0..1 (already smoothed). */
  setLevel(level) {
    this._level = level;
    this._face.setLevel(level);
    if (this.head) this.head.setLevel(level);
  }

  /**
   * Hold the 3D head still (its last frame stays) until resume(), so its drawing does not compete with
   * the interview's start for the processor; the 2D face is cheap and goes on.
   */
  pause() {
    this._paused = true;
    this._endWarmUp();
    if (this.head) this.head.pause();
  }

  resume() {
    this._paused = false;
    if (this.head) this.head.resume();
  }

  /** The interviewer's voice as an AnalyserNode: the 3D mouth reads its spectrum, not just the level. */
  listenTo(analyser) {
    this._analyser = analyser;
    if (this.head) this.head.listenTo(analyser);
  }

  async _loadHead(model) {
    // The context is made here, not by three.js, so a browser without WebGL costs one console line at
    // info level rather than three.js's error.
    const software = softwareRenderer();
    const context =
      software === null
        ? null
        : this._headCanvas.getContext("webgl2", { antialias: !software, alpha: true, powerPreference: "low-power" });
    if (!context) {
      console.info("Interviewer: no WebGL 2 in this browser, so the 2D face is shown.");
      return this.kind;
    }
    let head = null;
    try {
      const [{ Head3D }, bytes] = await Promise.all([import("./avatar/head.js"), fetchModel(model.url)]);
      head = new Head3D({
        canvas: this._headCanvas,
        context,
        software,
        camera: { position: model.cameraPosition, fov: model.cameraFov },
        reducedMotion: prefersReducedMotion(),
        onLost: () => this._backTo2d(),
      });
      await head.load(bytes, model.url);
    } catch (error) {
      console.info("Interviewer: the 3D head could not be shown, so the 2D face is.", error);
      if (head) head.dispose();
      return this.kind;
    }
    head.setState(this._state);
    head.setLevel(this._level);
    if (this._analyser) head.listenTo(this._analyser);
    if (this._paused) head.pause();
    this.head = head;
    this.kind = "3d";
    this.shownAt = performance.now();
    this._headCanvas.dataset.state = this._state;
    this._headCanvas.hidden = false;
    this._faceCanvas.hidden = true;
    head.start();
    if (!this._paused && this._headCanvas.offsetParent === null) await this._warmUp();
    return this.kind;
  }

  /**
   * Let the compositor meet the head's canvas while the candidate reads the join screen. The first
   * time a WebGL canvas is shown, a software renderer (no GPU) spends about 120 ms of a shared
   * processor on it; paid when "Join" is pressed, that made the interview start later (BENCHMARKS.md).
   * So the canvas sits for a moment in the page's corner at 1 % opacity (avatar.css .avatar-warming:
   * fully transparent would be skipped), then goes back to its place in the hidden stage.
   */
  async _warmUp() {
    const canvas = this._headCanvas;
    this._warmingFrom = [canvas.parentNode, canvas.nextSibling];
    canvas.classList.add("avatar-warming");
    document.body.append(canvas);
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    this._endWarmUp();
  }

  _endWarmUp() {
    if (!this._warmingFrom) return;
    const [parent, next] = this._warmingFrom;
    this._warmingFrom = null;
    parent.insertBefore(this._headCanvas, next);
    this._headCanvas.classList.remove("avatar-warming");
  }

  _backTo2d() {
    console.info("Interviewer: the graphics context was lost, so the 2D face is shown.");
    this.head = null;
    this.kind = "2d";
    this._headCanvas.hidden = true;
    this._faceCanvas.hidden = false;
  }
}
