// The interviewer as a 3D head: any GLB drawn with three.js, framed automatically, its mouth following
// the interviewer's voice, blinking, breathing a little, listening, glancing away while thinking.
// avatar.js imports this module only when the page has WebGL, so the page never waits for it.
import {
  Box3,
  DirectionalLight,
  Group,
  HemisphereLight,
  NeutralToneMapping,
  PerspectiveCamera,
  Quaternion,
  Euler,
  Scene,
  SRGBColorSpace,
  TextureLoader,
  Vector3,
  WebGLRenderer,
} from "../vendor/three/build/three.module.js";
import { GLTFLoader } from "../vendor/three/examples/jsm/loaders/GLTFLoader.js";
import { LipSync, approach } from "./lipsync.js";
import { FaceShapes, MouthMode } from "./shapes.js";

// Framing: the head is the top HEAD_BAND_M of the meshes that carry mouth shapes (chin to crown is
// about 23 cm), the pivot for nods and breathing sits at the neck, NECK_BELOW_TOP_M under the crown.
const HEAD_BAND_M = 0.3;
const NECK_BELOW_TOP_M = 0.27;
// A software renderer (no GPU) draws at one pixel per CSS pixel, without multisampling, and at most
// this often: enough for lips while speaking and for blinks otherwise, and it leaves the processor
// to the audio, the microphone and the socket (measured in BENCHMARKS.md).
const SOFTWARE_FPS = { speaking: 15, other: 8 };
// Blinks: every 2.2-5.5 s (people blink about every 4 s in conversation), 70 ms down, 110 ms up;
// sometimes twice.
const BLINK_EVERY_S = [2.2, 5.5];
const BLINK_CLOSE_S = 0.07;
const BLINK_OPEN_S = 0.11;
const DOUBLE_BLINK_CHANCE = 0.15;
// Thinking: a glance up and aside after a moment, held, then back to the candidate, repeated.
const GLANCE_AFTER_S = 0.25;
const GLANCE_HOLD_S = 1.1;
const GLANCE_BACK_S = 1.6;
// How each status looks: a little smile, brows, head tilt (rad), and a slow nod while the candidate talks.
const POSES = {
  listening: { smile: 0.14, brows: 0.06, tilt: 0.035, nod: 0 },
  candidate: { smile: 0.1, brows: 0.12, tilt: 0.045, nod: 1 },
  muted: { smile: 0.1, brows: 0.04, tilt: 0.03, nod: 0 },
  thinking: { smile: 0.03, brows: 0.16, tilt: 0.02, nod: 0 },
  speaking: { smile: 0.06, brows: 0.02, tilt: 0.015, nod: 0 },
};
const POSE_S = 0.25; // seconds to settle into a new status

function random(low, high) {
  return low + Math.random() * (high - low);
}

/**
 * A GLTFLoader plugin that decodes a GLB's embedded images through <img> (TextureLoader) rather than
 * fetch() + createImageBitmap (ImageBitmapLoader, three.js's choice in Chromium). Both read the image
 * from a blob: URL; <img> falls under the policy's img-src, which has blob: already, whereas fetch()
 * would need blob: in connect-src, and the page's connect-src stays 'self'. The images are small (the
 * bundled head's is 30 KB), so decoding them on the main thread costs nothing a candidate sees.
 */
function imagesThroughImg(parser) {
  const loader = new TextureLoader(parser.options.manager);
  loader.setCrossOrigin(parser.options.crossOrigin);
  parser.textureLoader = loader;
  return { name: "interviewer_images_through_img" };
}

function findBone(root, pattern) {
  let found = null;
  root.traverse((object) => {
    if (!found && object.isBone && pattern.test(object.name)) found = object;
  });
  return found;
}

/** Where the head is: its crown (max Y), its front (max Z near the crown) and its middle (X). */
export function headFrame(root) {
  root.updateMatrixWorld(true);
  const meshes = [];
  root.traverse((object) => {
    if (object.isMesh) meshes.push(object);
  });
  const talking = meshes.filter((mesh) => mesh.morphTargetDictionary && Object.keys(mesh.morphTargetDictionary).length);
  const chosen = talking.length ? talking : meshes;
  const point = new Vector3();
  const each = (visit) => {
    for (const mesh of chosen) {
      const count = mesh.geometry.attributes.position.count;
      for (let i = 0; i < count; i += 1) visit(mesh.getVertexPosition(i, point).applyMatrix4(mesh.matrixWorld));
    }
  };
  let top = -Infinity;
  each((p) => {
    if (p.y > top) top = p.y;
  });
  const band = new Box3();
  each((p) => {
    if (p.y > top - HEAD_BAND_M) band.expandByPoint(p);
  });
  return { top, front: band.max.z, middle: (band.min.x + band.max.x) / 2 };
}

export class Head3D {
  /**
   * @param {object} options
   * @param {HTMLCanvasElement} options.canvas
   * @param {WebGL2RenderingContext} options.context  made by the caller, who checked WebGL quietly
   * @param {boolean} options.software  drawn without a GPU: fewer frames, fewer pixels
   * @param {{position: number[], fov: number}} options.camera  offset from the crown / front, and vertical FOV
   * @param {boolean} options.reducedMotion  prefers-reduced-motion: no breathing, sway or head turns
   * @param {() => void} options.onLost  the GPU context was lost: the page goes back to the 2D face
   */
  constructor({ canvas, context, software, camera, reducedMotion, onLost }) {
    this.canvas = canvas;
    this.cameraSetting = camera;
    this.reducedMotion = reducedMotion;
    this.lips = new LipSync();
    this.stats = { loadMs: 0, firstFrameMs: 0, frames: 0, renderMs: 0, mode: MouthMode.NONE, software: false };
    this._status = "listening";
    this._pose = { ...POSES.listening };
    this._onScreen = false;
    this._running = false;
    this._paused = false;
    this._renderer = new WebGLRenderer({ canvas, context });
    this._renderer.outputColorSpace = SRGBColorSpace;
    this._renderer.toneMapping = NeutralToneMapping;
    this._parallelCompile = Boolean(context.getExtension("KHR_parallel_shader_compile"));
    this.stats.software = software;
    /** Frames per second at most (tests and the benchmark may lift it); none for a GPU. */
    this.maxFps = this.stats.software ? SOFTWARE_FPS.other : Infinity;
    this._renderer.setPixelRatio(this.stats.software ? 1 : Math.min(window.devicePixelRatio || 1, 2));
    canvas.addEventListener("webglcontextlost", () => {
      this.stop();
      onLost();
    });
    this._scene = new Scene();
    this._scene.add(new HemisphereLight(0xfff4ea, 0x3a3f4a, 1.2));
    const key = new DirectionalLight(0xffffff, 2.2);
    key.position.set(-0.6, 0.8, 1.2);
    const fill = new DirectionalLight(0xdfe8ff, 0.8);
    fill.position.set(0.8, 0.1, 0.8);
    const rim = new DirectionalLight(0xffffff, 1.0);
    rim.position.set(0.2, 0.6, -1);
    this._scene.add(key, fill, rim);
    this.camera = new PerspectiveCamera(camera.fov, 1, 0.01, 20);
  }

  /** Parse the GLB, frame it, compile its shaders and draw one frame (the page still shows the 2D face). */
  async load(bytes, url) {
    const started = performance.now();
    const base = new URL(".", new URL(url, window.location.href)).href;
    const loader = new GLTFLoader();
    loader.register(imagesThroughImg);
    const gltf = await loader.parseAsync(bytes, base);
    const root = gltf.scene;
    const frame = headFrame(root);
    // Rotate about the neck: a rig group there, the model hung from it.
    this._rig = new Group();
    this._rig.position.set(frame.middle, frame.top - NECK_BELOW_TOP_M, frame.front - 0.1);
    root.position.sub(this._rig.position);
    this._rig.add(root);
    this._scene.add(this._rig);
    this._rigY = this._rig.position.y;
    this._headBone = findBone(root, /^(mixamorig:?)?head$/i);
    this._headRest = this._headBone ? this._headBone.quaternion.clone() : null;
    const meshes = [];
    root.traverse((object) => {
      if (object.isMesh) meshes.push(object);
    });
    this.shapes = new FaceShapes(meshes);
    this.stats.mode = this.shapes.mode;
    // The camera as the original page had it: at an offset from the head (crown height, face front),
    // looking straight ahead.
    const [x, y, z] = this.cameraSetting.position;
    this.camera.position.set(frame.middle + x, frame.top + y, frame.front + z);
    this._resize();
    this.stats.loadMs = performance.now() - started;
    // Compile the shaders now, off the main thread where the browser can (three.js warns otherwise).
    if (this._parallelCompile) await this._renderer.compileAsync(this._scene, this.camera);
    else this._renderer.compile(this._scene, this.camera);
    this._clock = performance.now();
    this._startBehaviour(this._clock / 1000);
    this._draw(this._clock);
    this.stats.firstFrameMs = performance.now() - started;
    this._observe();
    return this;
  }

  setState(status) {
    if (status === this._status) return;
    this._status = status;
    if (this.stats.software && this.maxFps !== Infinity) {
      this.maxFps = status === "speaking" ? SOFTWARE_FPS.speaking : SOFTWARE_FPS.other;
    }
    if (status === "thinking") this._glanceAt = this._now + GLANCE_AFTER_S;
  }

  setLevel(level) {
    this.lips.setLevel(level);
  }

  listenTo(analyser) {
    this.lips.listenTo(analyser);
  }

  /** The model's shape weights now, by shape key (tests read them). */
  influences() {
    return this.shapes.read();
  }

  /** The head's height (m) and rotation (a quaternion's x, y, z, w) now (tests read it). */
  pose() {
    return [this._rig.position.y, ...(this._headBone || this._rig).quaternion.toArray()];
  }

  /** Hold still (the last frame stays) until resume(): while the interview connects, say. */
  pause() {
    this._paused = true;
  }

  resume() {
    this._paused = false;
  }

  start() {
    if (this._running) return;
    this._running = true;
    const loop = (now) => {
      if (!this._running) return;
      this._raf = requestAnimationFrame(loop);
      if (!this._onScreen || this._paused) return;
      if (now - this._lastDrawAt < 1000 / this.maxFps - 2) return;
      this._draw(now);
    };
    this._raf = requestAnimationFrame(loop);
  }

  stop() {
    this._running = false;
    cancelAnimationFrame(this._raf);
  }

  dispose() {
    this.stop();
    if (this._observer) this._observer.disconnect();
    if (this._resizeObserver) this._resizeObserver.disconnect();
    this._renderer.dispose();
  }

  // --- drawing ---------------------------------------------------------------------------------

  _observe() {
    this._observer = new IntersectionObserver((entries) => {
      this._onScreen = entries.some((entry) => entry.isIntersecting);
    });
    this._observer.observe(this.canvas);
    this._resizeObserver = new ResizeObserver(() => this._resize());
    this._resizeObserver.observe(this.canvas);
  }

  _resize() {
    // Hidden (the join screen), the canvas has no layout size: keep its width and height attributes.
    const width = this.canvas.clientWidth || this.canvas.width;
    const height = this.canvas.clientHeight || this.canvas.height;
    this._renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
  }

  _draw(now) {
    const dt = Math.min(0.1, Math.max(0, (now - (this._lastDrawAt ?? now)) / 1000));
    this._lastDrawAt = now;
    this._update(dt, now / 1000);
    const started = performance.now();
    this._renderer.render(this._scene, this.camera);
    const took = performance.now() - started;
    this.stats.renderMs = this.stats.frames ? this.stats.renderMs * 0.9 + took * 0.1 : took;
    this.stats.frames += 1;
  }

  // --- behaviour -------------------------------------------------------------------------------

  _startBehaviour(now) {
    this._now = now;
    this._blinkAt = now + random(...BLINK_EVERY_S);
    this._blinks = [];
    this._glanceAt = Infinity;
    this._glance = { up: 0, side: 0, turn: 0 };
    this._glanceSide = 1;
    this._openSlow = 0;
  }

  _update(dt, now) {
    this._now = now;
    const lips = this.lips.update(dt);
    const target = POSES[this._status] || POSES.listening;
    for (const name of Object.keys(this._pose)) this._pose[name] = approach(this._pose[name], target[name], POSE_S, dt);
    const blink = this._blink(now);
    const look = this._look(now, dt);
    // Brows lift a little on the voice's onsets, as people's do on stressed syllables.
    this._openSlow = approach(this._openSlow, lips.open, 0.3, dt);
    const emphasis = Math.max(0, lips.open - this._openSlow);
    const smile = this._pose.smile;
    this.shapes.apply({
      open: lips.open,
      round: lips.round,
      spread: lips.spread,
      hiss: lips.hiss,
      smile,
      blink: [blink, blink],
      look,
      brows: { inner: this._pose.brows + 0.5 * emphasis, outer: 0.6 * emphasis },
      squint: 0.4 * smile,
    });
    this._move(now, lips, look);
  }

  _blink(now) {
    if (now >= this._blinkAt) {
      this._blinks.push(now);
      if (Math.random() < DOUBLE_BLINK_CHANCE) this._blinks.push(now + 0.28);
      this._blinkAt = now + random(...BLINK_EVERY_S);
    }
    let closed = 0;
    this._blinks = this._blinks.filter((start) => now - start < BLINK_CLOSE_S + BLINK_OPEN_S + 0.3);
    for (const start of this._blinks) {
      const t = now - start;
      if (t < 0) continue;
      const value = t < BLINK_CLOSE_S ? t / BLINK_CLOSE_S : Math.max(0, 1 - (t - BLINK_CLOSE_S) / BLINK_OPEN_S);
      closed = Math.max(closed, value);
    }
    return closed;
  }

  _look(now, dt) {
    // While thinking: look up and aside for a moment, then back; people look away to think.
    let target = { up: 0, side: 0, turn: 0 };
    if (this._status === "thinking" && now >= this._glanceAt) {
      const phase = now - this._glanceAt;
      if (phase < GLANCE_HOLD_S) {
        if (!this._glancing) {
          this._glancing = true;
          this._blinks.push(now); // a blink with the gaze shift
        }
        target = { up: 0.35, side: 0.45 * this._glanceSide, turn: 0.07 * this._glanceSide };
      } else {
        if (this._glancing) {
          this._glancing = false;
          this._glanceSide = -this._glanceSide;
        }
        if (phase > GLANCE_HOLD_S + GLANCE_BACK_S) this._glanceAt = now;
      }
    } else {
      this._glancing = false;
    }
    for (const name of ["up", "side", "turn"]) this._glance[name] = approach(this._glance[name], target[name], 0.12, dt);
    return this._glance;
  }

  _move(now, lips, look) {
    let pitch = 0;
    let yaw = 0;
    let roll = this._pose.tilt;
    let rise = 0;
    if (!this.reducedMotion) {
      // Breathing (~13 a minute) and a slow sway, so the head is never frozen.
      rise = 0.0016 * Math.sin((2 * Math.PI * now) / 4.6);
      pitch += 0.004 * Math.sin((2 * Math.PI * now) / 4.6 + 0.6) + 0.006 * Math.sin(now * 0.37);
      yaw += 0.012 * Math.sin(now * 0.23) + 0.006 * Math.sin(now * 0.61) + look.turn;
      roll += 0.006 * Math.sin(now * 0.29);
      // Speaking moves the head with the voice; listening to the candidate, a slow nod now and then.
      pitch -= 0.03 * this._openSlow;
      yaw += 0.012 * this._openSlow * Math.sin(now * 1.3);
      pitch += 0.025 * this._pose.nod * Math.max(0, Math.sin(now * 2.2)) ** 6;
    }
    this._rig.position.y = this._rigY + rise;
    const turn = new Quaternion().setFromEuler(new Euler(pitch, yaw, roll, "YXZ"));
    if (this._headBone) this._headBone.quaternion.copy(this._headRest).multiply(turn);
    else this._rig.quaternion.copy(turn);
  }
}
