// Small Web Audio helpers shared by the invite page and the interview page.

let sharedContext = null;

/** One AudioContext per page; browsers limit how many may exist. */
export function audioContext() {
  if (!sharedContext) {
    const Ctor = window.AudioContext || window.webkitAudioContext;
    sharedContext = new Ctor();
  }
  if (sharedContext.state === "suspended") {
    sharedContext.resume().catch(() => {});
  }
  return sharedContext;
}

/** The microphone constraints every recording uses. */
export const MIC_CONSTRAINTS = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
  video: false,
};

/** A 0..1 level (RMS of the time-domain signal, scaled) read from an AnalyserNode. */
export function analyserLevel(analyser, buffer) {
  analyser.getFloatTimeDomainData(buffer);
  let sum = 0;
  for (let i = 0; i < buffer.length; i += 1) sum += buffer[i] * buffer[i];
  const rms = Math.sqrt(sum / buffer.length);
  // Speech RMS is usually 0.02..0.3; a square-root curve makes quiet voices visible.
  return Math.min(1, Math.sqrt(rms * 4));
}

/**
 * Drive a level meter element (role=meter with a .meter-fill child) from a media stream.
 * Returns a stop() function.
 */
export function attachLevelMeter(stream, meterElement, onLevel) {
  const ctx = audioContext();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const buffer = new Float32Array(analyser.fftSize);
  const fill = meterElement ? meterElement.querySelector(".meter-fill") : null;
  let frame = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    const level = analyserLevel(analyser, buffer);
    if (fill) fill.style.transform = `scaleX(${level.toFixed(3)})`;
    if (meterElement) meterElement.setAttribute("aria-valuenow", String(Math.round(level * 100)));
    if (onLevel) onLevel(level);
    frame = requestAnimationFrame(tick);
  };
  tick();
  return () => {
    running = false;
    cancelAnimationFrame(frame);
    source.disconnect();
    if (fill) fill.style.transform = "scaleX(0)";
    if (meterElement) meterElement.setAttribute("aria-valuenow", "0");
  };
}

/** Play a short, soft two-note tone so the candidate can check the speakers. */
export function playTestTone() {
  const ctx = audioContext();
  const start = ctx.currentTime + 0.05;
  const notes = [
    [660, start, 0.25],
    [880, start + 0.3, 0.35],
  ];
  for (const [frequency, at, length] of notes) {
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(0.25, at + 0.02);
    gain.gain.setValueAtTime(0.25, at + length - 0.05);
    gain.gain.linearRampToValueAtTime(0, at + length);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(at);
    oscillator.stop(at + length + 0.01);
  }
  return new Promise((resolve) => setTimeout(resolve, 750));
}

/** Fill the {name} placeholder of a UI string. */
export function fill(text, value) {
  return String(text).replace(/\{[a-z_]+\}/, String(value));
}

/** A short readable reason for a getUserMedia failure. */
export function mediaErrorReason(error) {
  if (!error) return "unknown error";
  return error.name ? `${error.name}${error.message ? ` — ${error.message}` : ""}` : String(error);
}
