// Which face shapes (morph targets) a model has, and how an expression becomes their weights.
// Mouths, in order of preference: Ready Player Me's Oculus visemes (viseme_aa, viseme_O, ...), else the
// ARKit set (jawOpen, mouthFunnel, mouthPucker, mouthSmileLeft, ...; also spelt mouthSmile_L), else a
// single mouthOpen. Eyes and brows use ARKit names where the model has them, else Ready Player Me's
// simple ones (eyesClosed, eyesLookUp, mouthSmile). No Three.js here: any object with
// morphTargetDictionary and morphTargetInfluences will do.

export const MouthMode = Object.freeze({ VISEMES: "visemes", ARKIT: "arkit", OPEN: "mouthOpen", NONE: "none" });

/** One spelling for every exporter's: "mouthSmile_L", "MouthSmileLeft", "mouth_smile_left" -> "mouthsmileleft". */
export function shapeKey(name) {
  return String(name)
    .replace(/[_.\s-]L$/i, "Left")
    .replace(/[_.\s-]R$/i, "Right")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

const VISEMES = ["visemeaa", "visemeo", "visemeu", "visemee", "visemei", "visemess", "visemepp"];

/** The weights of one frame, by shape key, for a model whose mouth works in `mode`. Pure. */
export function shapeWeights(mode, available, expression) {
  const { open, round, spread, hiss, smile, blink, look, brows, squint } = expression;
  const speaking = Math.min(1, open / 0.15);
  const weights = {};
  const set = (key, value) => {
    if (available.has(key)) weights[key] = Math.max(0, Math.min(1, value));
  };
  const pair = (key, left, right) => {
    set(`${key}left`, left);
    set(`${key}right`, right === undefined ? left : right);
  };
  if (mode === MouthMode.VISEMES) {
    set("visemeaa", open * (1 - round) * (1 - spread));
    set("visemeo", open * round);
    set("visemeu", round * speaking * (1 - open));
    set("visemee", 0.8 * open * spread);
    set("visemei", 0.7 * spread * speaking * (1 - open));
    set("visemess", hiss);
    set("visemepp", 0);
  } else if (mode === MouthMode.ARKIT) {
    // Face Units' jawOpen at 1 drops the chin 4 cm: speech rarely needs half of that.
    set("jawopen", 0.45 * open);
    set("mouthfunnel", 0.55 * round * speaking);
    set("mouthpucker", 0.4 * round * speaking * (1 - open));
    pair("mouthstretch", 0.3 * spread * speaking + 0.15 * hiss);
    pair("mouthlowerdown", 0.35 * open * (1 - round));
    pair("mouthupperup", 0.2 * open * spread * (1 - round) + 0.2 * hiss);
  } else if (mode === MouthMode.OPEN) {
    set("mouthopen", 0.8 * open);
  }
  const smiling = smile + 0.2 * spread * speaking;
  if (available.has("mouthsmileleft")) pair("mouthsmile", smiling);
  else set("mouthsmile", smiling);
  if (available.has("eyeblinkleft")) pair("eyeblink", blink[0], blink[1]);
  else set("eyesclosed", Math.max(blink[0], blink[1]));
  pair("eyesquint", squint);
  // Gaze: `look.side` > 0 is toward the model's own left (+X when it faces +Z).
  const left = Math.max(0, look.side);
  const right = Math.max(0, -look.side);
  if (available.has("eyelookupleft")) {
    pair("eyelookup", Math.max(0, look.up));
    pair("eyelookdown", Math.max(0, -look.up));
    set("eyelookoutleft", left);
    set("eyelookinright", left);
    set("eyelookinleft", right);
    set("eyelookoutright", right);
  } else {
    set("eyeslookup", Math.max(0, look.up));
    set("eyeslookdown", Math.max(0, -look.up));
  }
  set("browinnerup", brows.inner);
  pair("browouterup", brows.outer);
  return weights;
}

export class FaceShapes {
  /** @param {Array<{morphTargetDictionary: object, morphTargetInfluences: number[]}>} meshes */
  constructor(meshes) {
    this._targets = new Map(); // shape key -> [[influences, index], ...] across the model's meshes
    for (const mesh of meshes) {
      if (!mesh.morphTargetDictionary || !mesh.morphTargetInfluences) continue;
      for (const [name, index] of Object.entries(mesh.morphTargetDictionary)) {
        const key = shapeKey(name);
        if (!this._targets.has(key)) this._targets.set(key, []);
        this._targets.get(key).push([mesh.morphTargetInfluences, index]);
      }
    }
    this.available = new Set(this._targets.keys());
    if (VISEMES.some((key) => this.available.has(key))) this.mode = MouthMode.VISEMES;
    else if (this.available.has("jawopen")) this.mode = MouthMode.ARKIT;
    else if (this.available.has("mouthopen")) this.mode = MouthMode.OPEN;
    else this.mode = MouthMode.NONE;
    this._driven = new Set();
  }

  /** Set this frame's weights; shapes driven last frame and not now go back to 0. */
  apply(expression) {
    const weights = shapeWeights(this.mode, this.available, expression);
    for (const key of this._driven) if (!(key in weights)) this._write(key, 0);
    this._driven = new Set(Object.keys(weights));
    for (const [key, value] of Object.entries(weights)) this._write(key, value);
    return weights;
  }

  /** The current weight of every shape the model has, by its shape key (for tests and debugging). */
  read() {
    const values = {};
    for (const [key, [[influences, index]]] of this._targets) values[key] = influences[index];
    return values;
  }

  _write(key, value) {
    for (const [influences, index] of this._targets.get(key) || []) influences[index] = value;
  }
}
