// Lip-sync from the interviewer's playback: the Web Audio analyser the page already has gives the
// loudness (how far the jaw opens) and the spectrum (rounded lips for "oo"/"oh", spread for "ee",
// teeth for "s"). It works for every voice and language because it listens to the sound, not the words.
// No Three.js here: numbers in, numbers out.

// Frequency bands (Hz): where open vowels' first formants sit, where "a" has its second, where "i"/"e"
// put theirs, and where fricatives hiss.
const BANDS = { low: [200, 900], mid: [900, 2000], high: [2000, 4000], hiss: [4000, 8000] };
// Seconds to move 63 % of the way: the mouth opens within a syllable's onset and closes a little more
// slowly, so it does not flutter. The analyser hears the sound before the speakers play it (their
// output latency, 10-40 ms), so the mouth trails the sound by about its 21 ms window + 25 ms + a frame,
// less that: under the ~45 ms by which sound may lead the picture before people notice (ITU-R BT.1359).
const ATTACK_S = 0.025;
const RELEASE_S = 0.07;
const SHAPE_S = 0.06; // rounded / spread / hiss change a little slower than the jaw
// Levels (the page's 0..1 loudness curve) under QUIET are silence; LOUD opens the jaw fully.
const QUIET = 0.08;
const LOUD = 0.62;
// The analyser's own smoothing blurs the spectrum over ~100 ms at its default (0.8): too slow for lips.
const SPECTRUM_SMOOTHING = 0.3;
// Rounded and spread are judged against the voice itself: how bright a vowel is depends on the voice
// (measured on this project's voices, "father" puts 35 % of its 200-4000 Hz energy above 900 Hz in
// espeak-ng and 14 % in Piper's "joe"). A running mean and spread of the brightness over the last few
// seconds of voiced sound make "oo" darker and "ee" brighter than that voice's average, whatever it is.
const VOICE_MEMORY_S = 3;
const BRIGHTNESS_PRIOR = { mean: -0.8, sd: 0.3 }; // log10((mid + high) / low), between the two voices

function clamp01(x) {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

export function smoothstep(edge0, edge1, x) {
  const t = clamp01((x - edge0) / (edge1 - edge0));
  return t * t * (3 - 2 * t);
}

/** Move `current` toward `target` by time constant `seconds` over `dt` (frame-rate independent). */
export function approach(current, target, seconds, dt) {
  return current + (target - current) * (1 - Math.exp(-dt / seconds));
}

/** A running mean and standard deviation with a time constant (seconds of updates). */
export class RunningStats {
  constructor({ mean, sd }, seconds) {
    this.mean = mean;
    this.variance = sd * sd;
    this._seconds = seconds;
  }

  update(x, dt) {
    const rate = 1 - Math.exp(-dt / this._seconds);
    const delta = x - this.mean;
    this.mean += rate * delta;
    this.variance += rate * (delta * delta - this.variance);
  }

  z(x) {
    return (x - this.mean) / Math.sqrt(Math.max(this.variance, 1e-4));
  }
}

/** log10 of the energy above 900 Hz over the energy below: higher for "ee", lower for "oo". */
export function brightness({ low, mid, high }) {
  return Math.log10((mid + high + 1e-12) / (low + 1e-12));
}

/**
 * Mouth features from a 0..1 level, band energies (any unit), and how bright the sound is against the
 * voice's own average (`z`, in standard deviations). Pure; exported for the tests.
 */
export function mouthFeatures({ level, low, mid, high, hiss }, z) {
  const voiced = low + mid + high + 1e-12;
  const loud = smoothstep(QUIET, LOUD, level);
  if (loud === 0) return { open: 0, round: 0, spread: 0, hiss: 0 };
  const hissing = smoothstep(0.08, 0.25, hiss / (voiced + hiss));
  const spread = smoothstep(0.3, 1.4, z) * (1 - hissing);
  const round = smoothstep(0.3, 1.4, -z) * (1 - hissing);
  // "a" (bright in the middle band, not a hiss) drops the jaw further than "i" or "u".
  const wide = smoothstep(-0.6, 0.6, z) * (1 - smoothstep(0.6, 1.6, z));
  return { open: loud * (0.65 + 0.35 * wide), round, spread, hiss: loud * hissing };
}

export class LipSync {
  constructor() {
    this.open = 0;
    this.round = 0;
    this.spread = 0;
    this.hiss = 0;
    this.level = 0;
    this._analyser = null;
    this._externalLevel = 0;
    this.voice = new RunningStats(BRIGHTNESS_PRIOR, VOICE_MEMORY_S);
  }

  /** Follow an AnalyserNode (the interviewer's voice after its volume). */
  listenTo(analyser) {
    this._analyser = analyser;
    // Only the frequency data is smoothed by this; the page's level meter reads the time domain.
    analyser.smoothingTimeConstant = SPECTRUM_SMOOTHING;
    this._wave = new Float32Array(analyser.fftSize);
    this._spectrum = new Float32Array(analyser.frequencyBinCount);
    const hzPerBin = analyser.context.sampleRate / analyser.fftSize;
    this._bins = Object.fromEntries(
      Object.entries(BANDS).map(([name, [from, to]]) => [name, [Math.round(from / hzPerBin), Math.round(to / hzPerBin)]]),
    );
  }

  /** Without an analyser (no Web Audio), the page's smoothed level still moves the jaw. */
  setLevel(level) {
    this._externalLevel = level;
  }

  /** Read the analyser and move the features; `dt` in seconds. */
  update(dt) {
    const target = this._analyser ? this._read(dt) : mouthFeatures({ level: this._externalLevel, low: 1, mid: 0, high: 0, hiss: 0 }, 0);
    this.open = approach(this.open, target.open, target.open > this.open ? ATTACK_S : RELEASE_S, dt);
    this.round = approach(this.round, target.round, SHAPE_S, dt);
    this.spread = approach(this.spread, target.spread, SHAPE_S, dt);
    this.hiss = approach(this.hiss, target.hiss, SHAPE_S, dt);
    return this;
  }

  _read(dt) {
    const analyser = this._analyser;
    analyser.getFloatTimeDomainData(this._wave);
    let sum = 0;
    for (let i = 0; i < this._wave.length; i += 1) sum += this._wave[i] * this._wave[i];
    // The same loudness curve as the page's level meter (audio-tools.js analyserLevel).
    this.level = Math.min(1, Math.sqrt(Math.sqrt(sum / this._wave.length) * 4));
    analyser.getFloatFrequencyData(this._spectrum);
    const energy = {};
    for (const [name, [from, to]] of Object.entries(this._bins)) {
      let total = 0;
      for (let bin = from; bin < to; bin += 1) {
        const decibels = this._spectrum[bin];
        if (Number.isFinite(decibels)) total += 10 ** (decibels / 10);
      }
      energy[name] = total;
    }
    const bright = brightness(energy);
    const z = this.voice.z(bright);
    // Learn the voice from its voiced, unhissed sound only.
    if (this.level > 0.3 && energy.hiss < 0.2 * (energy.low + energy.mid + energy.high)) this.voice.update(bright, dt);
    return mouthFeatures({ level: this.level, ...energy }, z);
  }
}
