// The interview page: wires the socket client, the streaming player, the microphone and the page.
// Two modes, chosen by the interview's template: push-to-talk (a button or Space per answer) and
// hands-free (one continuous recording; the server tells the page when the candidate starts and
// stops speaking, and when the candidate's voice cut the interviewer off).
import { Activity, Connection, Mode, StreamingInterviewClient, base64ToBytes, interviewSocketUrl } from "./client.js";
import { MediaSourcePlayer, WebAudioPlayer, mediaSourceSupportsMp3 } from "./player.js";
import { MIC_CONSTRAINTS, analyserLevel, attachLevelMeter, audioContext, fill, mediaErrorReason } from "./audio-tools.js";

const config = JSON.parse(document.getElementById("interview-config").textContent);
const ui = config.strings;
const $ = (id) => document.getElementById(id);

const elements = {
  join: $("join"),
  joinButton: $("join-button"),
  stage: $("stage"),
  connection: $("connection"),
  timer: $("timer"),
  timerBox: $("timer-box"),
  errors: $("errors"),
  avatar: $("avatar"),
  activity: $("activity"),
  subtitleAi: $("subtitle-ai").querySelector(".text"),
  subtitleUser: $("subtitle-user").querySelector(".text"),
  micButton: $("mic-button"),
  listeningOrb: $("listening-orb"),
  muteButton: $("mute-button"),
  interruptButton: $("interrupt-button"),
  micLabel: $("mic-button").querySelector(".mic-label"),
  micMeter: $("mic-meter"),
  micReason: $("mic-reason"),
  cameraButton: $("camera-button"),
  cameraStatus: $("camera-status"),
  pip: $("pip"),
  cameraVideo: $("camera-video"),
  endButton: $("end-button"),
  endDialog: $("end-dialog"),
  transcript: $("transcript"),
  audio: $("interviewer-audio"),
};

const state = {
  micStream: null,
  micError: null,
  stopMicMeter: null,
  spaceHeld: false,
  ending: false,
  cameraStream: null,
  remainingSeconds: config.remainingSeconds,
  remainingAnchorMs: performance.now(),
  timerRunning: false,
  entries: new Map(), // turn -> {speaker, text, element}
  playbackLevel: 0,
  mode: config.mode === Mode.HANDS_FREE ? Mode.HANDS_FREE : Mode.PUSH_TO_TALK,
  muted: false, // hands-free: the candidate paused the microphone
  candidateSpeaking: false, // hands-free: between speech_started and speech_ended
  outputGain: null, // the interviewer's volume (ducked while the candidate talks over it)
};

// While the candidate talks over the interviewer, the interviewer gets this quiet at once.
const DUCKED_VOLUME = 0.25;

// Test and debugging hook: the e2e test reads these (it never needs them to drive the page).
const debug = {
  config,
  client: null,
  player: null,
  stats: {
    sessionStates: 0,
    aiTextChunks: {},
    aiAudioChunks: {},
    playbackStarted: [],
    playbackEnded: [],
    maxPlaybackLevel: 0,
    errors: [],
    // hands-free and interruptions
    statuses: [], // every status the status line showed, in order
    speechStarted: 0,
    speechStartedOverlapping: 0,
    speechIgnored: { echo: 0, backchannel: 0 },
    answersEnded: 0,
    partialTranscripts: 0,
    interruptedTurns: [], // turns the server ended with ai_audio_end interrupted:true
    withdrawnTurns: [], // replies withdrawn before a sound (the candidate went on with the answer)
    holds: 0, // times the page held the interviewer's playback for the candidate's voice
    answersContinued: 0, // answers the candidate went on with after a pause
    localInterrupts: 0,
    flushes: [], // {turn, currentTime, bufferedEnd} when the page dropped the interviewer's audio
    volume: 1,
    minVolume: 1,
    maxMicLevel: 0,
  },
};
window.__interview = debug;
debug.syncTimer = (seconds) => syncTimer(seconds);

// --- transcript and subtitles ----------------------------------------------------------------

function speakerLabel(speaker) {
  return speaker === "interviewer" ? ui.interviewer : ui.you;
}

function upsertEntry(turn, speaker, text, { append = false, final = true } = {}) {
  let entry = state.entries.get(turn);
  if (!entry) {
    const element = document.createElement("li");
    element.className = `entry entry-${speaker}`;
    element.dataset.turn = String(turn);
    element.dataset.speaker = speaker;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = speakerLabel(speaker);
    const body = document.createElement("span");
    body.className = "text";
    element.append(who, body);
    entry = { speaker, text: "", element, body };
    state.entries.set(turn, entry);
    // Keep the list in turn order, whatever order the frames arrive in.
    const later = [...elements.transcript.children].find((child) => Number(child.dataset.turn) > turn);
    elements.transcript.insertBefore(element, later || null);
  }
  entry.text = append ? entry.text + text : text;
  entry.body.textContent = entry.text;
  entry.element.classList.toggle("partial", !final);
  elements.transcript.scrollTop = elements.transcript.scrollHeight;
  return entry;
}

function removeEntry(turn) {
  const entry = state.entries.get(turn);
  if (!entry) return;
  entry.element.remove();
  state.entries.delete(turn);
  if (elements.subtitleAi.textContent === entry.text) elements.subtitleAi.textContent = "";
}

function renderHistory(history) {
  // History is the truth for finished turns; a turn still streaming (not in history yet) is kept.
  const lastStored = history.length ? Math.max(...history.map((item) => item.turn)) : -1;
  const inFlight = [...state.entries.entries()].filter(([turn]) => turn > lastStored);
  state.entries.clear();
  elements.transcript.replaceChildren();
  for (const item of history) upsertEntry(item.turn, speakerOf(item), item.content || "");
  for (const [turn, entry] of inFlight) upsertEntry(turn, entry.speaker, entry.text);
  const newestFirst = [...history].reverse();
  const lastAi = newestFirst.find((item) => speakerOf(item) === "interviewer");
  const lastUser = newestFirst.find((item) => speakerOf(item) === "candidate");
  const aiInFlight = inFlight.some(([, entry]) => entry.speaker === "interviewer");
  if (lastAi && !aiInFlight) elements.subtitleAi.textContent = lastAi.content || "";
  if (lastUser) elements.subtitleUser.textContent = lastUser.content || "";
}

/** Hands-free: the candidate started an answer; "…" until the first words are recognised. */
function showAnswerPlaceholder() {
  const subtitle = elements.subtitleUser;
  if (subtitle.dataset.placeholder) return;
  subtitle.dataset.placeholder = subtitle.textContent;
  subtitle.textContent = "…";
}

function clearAnswerPlaceholder({ restore }) {
  const subtitle = elements.subtitleUser;
  if (subtitle.dataset.placeholder === undefined) return;
  if (restore) subtitle.textContent = subtitle.dataset.placeholder;
  delete subtitle.dataset.placeholder;
}

function speakerOf(item) {
  return item.speaker || (item.role === "assistant" ? "interviewer" : "candidate");
}

// --- status displays -------------------------------------------------------------------------

function showError(message, { fatal = false, code = "" } = {}) {
  debug.stats.errors.push({ message, fatal, code });
  const item = document.createElement("p");
  item.className = `error-banner${fatal ? " fatal" : ""}`;
  item.dataset.code = code;
  item.textContent = `${ui.error_prefix}: ${message}`;
  elements.errors.append(item);
  if (!fatal) setTimeout(() => item.remove(), 10000);
}

function showNotice(message) {
  const item = document.createElement("p");
  item.className = "notice-banner";
  item.textContent = message;
  elements.errors.append(item);
  setTimeout(() => item.remove(), 5000);
}

const CONNECTION_TEXT = {
  idle: ui.conn_connecting,
  connecting: ui.conn_connecting,
  live: ui.conn_live,
  reconnecting: ui.conn_reconnecting,
  ended: ui.conn_ended,
};
const STATUS_TEXT = {
  listening: ui.act_listening,
  thinking: ui.act_thinking,
  speaking: ui.act_speaking,
  candidate: ui.act_candidate,
  muted: ui.act_muted,
};

function isHandsFree() {
  return state.mode === Mode.HANDS_FREE;
}

/** The status line: the interviewer's activity, and in hands-free mode the candidate's side too. */
function currentStatus() {
  const activity = debug.client ? debug.client.activity : Activity.LISTENING;
  if (!isHandsFree() || activity === Activity.SPEAKING) return activity;
  if (state.candidateSpeaking && !state.muted) return "candidate";
  if (activity === Activity.THINKING) return activity;
  return state.muted ? "muted" : activity;
}

function renderConnection(connectionState) {
  elements.connection.dataset.state = connectionState;
  elements.connection.querySelector(".connection-text").textContent = CONNECTION_TEXT[connectionState] || connectionState;
  document.body.dataset.connection = connectionState;
  updateMicButton();
}

function renderActivity() {
  const status = currentStatus();
  if (elements.activity.dataset.state !== status || !debug.stats.statuses.length) {
    debug.stats.statuses.push(status);
  }
  elements.activity.dataset.state = status;
  elements.activity.textContent = STATUS_TEXT[status] || status;
  document.body.dataset.activity = status;
  updateMicButton();
}

function applyMode(mode) {
  state.mode = mode === Mode.HANDS_FREE ? Mode.HANDS_FREE : Mode.PUSH_TO_TALK;
  const handsFree = isHandsFree();
  elements.stage.dataset.mode = state.mode;
  elements.micButton.hidden = handsFree;
  elements.listeningOrb.hidden = !handsFree;
  elements.muteButton.hidden = !handsFree;
  renderActivity();
}

function micAvailability(client) {
  if (state.ending || client.ended || client.connectionState === Connection.ENDED) return [false, ui.mic_disabled_ended];
  if (state.micError) return [false, fill(ui.mic_disabled_nomic, state.micError)];
  if (client.recording) return [true, ui.mic_recording];
  if (client.connectionState !== Connection.LIVE) return [false, ui.mic_disabled_offline];
  if (client.activity === Activity.SPEAKING) return [false, ui.mic_disabled_speaking];
  if (client.activity === Activity.THINKING) return [false, ui.mic_disabled_thinking];
  return [true, ui.mic_hint];
}

function handsFreeAvailability(client) {
  if (state.ending || client.ended || client.connectionState === Connection.ENDED) return [false, ui.mic_disabled_ended];
  if (state.micError) return [false, fill(ui.mic_disabled_nomic, state.micError)];
  if (client.connectionState !== Connection.LIVE) return [false, ui.mic_disabled_offline];
  if (state.muted) return [false, ui.hf_muted];
  return [true, ui.hf_listening];
}

function updateHandsFreeControls(client) {
  const [listening, reason] = handsFreeAvailability(client);
  if (elements.micReason.textContent !== reason) elements.micReason.textContent = reason;
  elements.micReason.classList.toggle("blocked", !listening);
  elements.listeningOrb.dataset.state = listening ? (state.candidateSpeaking ? "hearing" : "listening") : "off";
  elements.micMeter.classList.toggle("muted", state.muted);
  elements.muteButton.setAttribute("aria-pressed", String(state.muted));
  elements.muteButton.textContent = state.muted ? ui.unmute : ui.mute;
  elements.muteButton.disabled = Boolean(state.micError) || state.ending || client.ended;
}

function updateMicButton() {
  const client = debug.client;
  if (!client) return;
  updateInterruptButton();
  if (isHandsFree()) {
    updateHandsFreeControls(client);
    return;
  }
  const [enabled, reason] = micAvailability(client);
  // aria-disabled rather than `disabled`: the button keeps keyboard focus while it is unavailable.
  elements.micButton.setAttribute("aria-disabled", String(!enabled));
  elements.micButton.classList.toggle("recording", client.recording);
  elements.micButton.setAttribute("aria-pressed", String(client.recording));
  elements.micLabel.textContent = client.recording ? ui.mic_stop : ui.mic_start;
  if (elements.micReason.textContent !== reason) elements.micReason.textContent = reason;
  elements.micReason.classList.toggle("blocked", !enabled);
}

// --- timer -----------------------------------------------------------------------------------

function formatClock(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

function remainingNow() {
  if (!state.timerRunning) return state.remainingSeconds;
  return state.remainingSeconds - (performance.now() - state.remainingAnchorMs) / 1000;
}

function syncTimer(remainingSeconds) {
  if (typeof remainingSeconds !== "number") return;
  state.remainingSeconds = remainingSeconds;
  state.remainingAnchorMs = performance.now();
  state.timerRunning = true;
  renderTimer();
}

let timeUpAnnounced = false;
function renderTimer() {
  const remaining = remainingNow();
  elements.timer.textContent = formatClock(remaining);
  elements.timerBox.classList.toggle("warning", remaining <= 60);
  if (state.timerRunning && remaining <= 0 && !timeUpAnnounced) {
    // The server ends the interview at its deadline and sends interview_ended; we only say so.
    timeUpAnnounced = true;
    elements.timerBox.classList.add("ending");
    showNotice(ui.time_up);
  }
}

// --- avatar ----------------------------------------------------------------------------------

function startAvatar(analyser) {
  const canvas = elements.avatar;
  const ctx2d = canvas.getContext("2d");
  const buffer = analyser ? new Float32Array(analyser.fftSize) : null;
  let smooth = 0;
  const draw = (time) => {
    const level = analyser ? analyserLevel(analyser, buffer) : 0;
    smooth = smooth * 0.7 + level * 0.3;
    state.playbackLevel = smooth;
    if (smooth > debug.stats.maxPlaybackLevel) debug.stats.maxPlaybackLevel = smooth;
    const activity = elements.activity.dataset.state || "listening";
    const { width, height } = canvas;
    const cx = width / 2;
    const cy = height / 2;
    ctx2d.clearRect(0, 0, width, height);
    const styles = getComputedStyle(document.documentElement);
    const accent = styles.getPropertyValue(`--avatar-${activity}`).trim() || "#3b82f6";
    // Halo: grows with the voice level; breathes slowly while thinking.
    const breathe = activity === "thinking" ? 0.06 * (1 + Math.sin(time / 300)) : 0;
    const halo = 78 + 40 * smooth + 30 * breathe;
    ctx2d.beginPath();
    ctx2d.arc(cx, cy, halo, 0, Math.PI * 2);
    ctx2d.fillStyle = `${accent}33`;
    ctx2d.fill();
    ctx2d.beginPath();
    ctx2d.arc(cx, cy, 70, 0, Math.PI * 2);
    ctx2d.fillStyle = accent;
    ctx2d.fill();
    // Eyes and a mouth that opens with the level.
    ctx2d.fillStyle = "#ffffff";
    for (const dx of [-22, 22]) {
      ctx2d.beginPath();
      ctx2d.arc(cx + dx, cy - 16, 7, 0, Math.PI * 2);
      ctx2d.fill();
    }
    const mouthOpen = 3 + 26 * smooth;
    ctx2d.beginPath();
    ctx2d.ellipse(cx, cy + 24, 24, mouthOpen / 2 + 1, 0, 0, Math.PI * 2);
    ctx2d.fill();
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);
}

// --- audio output ----------------------------------------------------------------------------

function createPlayer() {
  let ctx = null;
  let analyser = null;
  let gain = null;
  try {
    ctx = audioContext();
    analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    analyser.connect(ctx.destination);
    // interviewer audio -> gain (ducking) -> analyser (avatar) -> speakers
    gain = ctx.createGain();
    gain.connect(analyser);
    state.outputGain = gain;
  } catch (error) {
    console.warn("No Web Audio; the avatar stays still.", error);
  }
  let player;
  const forceWebAudio = new URLSearchParams(window.location.search).has("webaudio");
  if (mediaSourceSupportsMp3() && !forceWebAudio) {
    player = new MediaSourcePlayer(elements.audio);
    if (ctx && analyser) {
      // The element's sound goes through the analyser to the speakers, so the avatar follows it.
      ctx.createMediaElementSource(elements.audio).connect(gain);
    }
  } else {
    player = new WebAudioPlayer(gain || undefined);
  }
  startAvatar(analyser);
  return player;
}

// --- ducking, flushing, interrupting --------------------------------------------------------

function setOutputVolume(volume) {
  debug.stats.volume = volume;
  debug.stats.minVolume = Math.min(debug.stats.minVolume, volume);
  if (state.outputGain) {
    const { context } = state.outputGain;
    state.outputGain.gain.cancelScheduledValues(context.currentTime);
    state.outputGain.gain.setTargetAtTime(volume, context.currentTime, 0.015);
  } else {
    elements.audio.volume = volume;
  }
}

function duck() {
  if (debug.stats.volume !== DUCKED_VOLUME) setOutputVolume(DUCKED_VOLUME);
}

function restoreVolume() {
  if (debug.stats.volume !== 1) setOutputVolume(1);
}

/**
 * Drop everything the interviewer has buffered and stop at once. `report`: tell the server the turn
 * stopped playing (only when it does not know: it cut the turn off itself otherwise).
 */
function flushPlayback({ report }) {
  const { client, player } = debug;
  const turn = client.currentAiTurn;
  client.markFlushed(turn);
  const audio = elements.audio;
  debug.stats.flushes.push({
    turn,
    report,
    currentTime: audio.currentTime,
    bufferedEnd: audio.buffered.length ? audio.buffered.end(audio.buffered.length - 1) : 0,
  });
  player.stop({ silent: !report });
  restoreVolume();
  if (client.activity === Activity.SPEAKING) client.setActivity(Activity.LISTENING);
  renderActivity();
}

function canInterrupt() {
  const client = debug.client;
  return Boolean(client) && !state.ending && client.connectionState === Connection.LIVE && client.activity === Activity.SPEAKING;
}

function updateInterruptButton() {
  elements.interruptButton.hidden = !canInterrupt();
}

/** The candidate stops the interviewer (button or Escape), in either mode. */
function interruptInterviewer() {
  if (!canInterrupt()) return;
  const client = debug.client;
  const turn = client.currentAiTurn;
  debug.stats.localInterrupts += 1;
  // Still streaming: the server cancels it and knows it stopped. Fully sent: only the page knows.
  const serverDone = client.streamedTurns.has(turn);
  client.interrupt();
  flushPlayback({ report: serverDone });
  if (!isHandsFree()) elements.micButton.focus();
}

// --- microphone ------------------------------------------------------------------------------

async function openMicrophone() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
    state.micError = ui.mic_unsupported;
    return;
  }
  try {
    state.micStream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
    state.micError = null;
  } catch (error) {
    state.micError = mediaErrorReason(error);
    showError(fill(ui.mic_denied, state.micError), { code: "microphone" });
  }
}

function startAnswer() {
  const client = debug.client;
  const [enabled] = micAvailability(client);
  if (!enabled || client.recording || !state.micStream) return;
  try {
    client.startRecording(state.micStream);
  } catch (error) {
    showError(String(error.message || error), { code: "recording" });
    return;
  }
  state.stopMicMeter = attachLevelMeter(state.micStream, elements.micMeter);
  updateMicButton();
}

async function finishAnswer() {
  const client = debug.client;
  if (!client.recording) return;
  if (state.stopMicMeter) state.stopMicMeter();
  state.stopMicMeter = null;
  await client.stopRecording();
  updateMicButton();
}

/** Hands-free: (re)start the continuous recording, e.g. after a reconnect; its meter runs throughout. */
function startListening() {
  const client = debug.client;
  if (!state.micStream) return;
  if (!state.stopMicMeter) {
    state.stopMicMeter = attachLevelMeter(state.micStream, elements.micMeter, (level) => {
      if (level > debug.stats.maxMicLevel) debug.stats.maxMicLevel = level;
      elements.listeningOrb.style.setProperty("--level", state.muted ? "0" : level.toFixed(3));
    });
  }
  if (client.recording || !client.isOpen) return;
  try {
    client.startStreaming(state.micStream, { paused: state.muted });
  } catch (error) {
    showError(String(error.message || error), { code: "recording" });
  }
  updateMicButton();
}

function toggleMute() {
  const client = debug.client;
  state.muted = !state.muted;
  if (client && client.recording) {
    if (state.muted) client.pauseRecording();
    else client.resumeRecording();
  }
  renderActivity();
}

function toggleAnswer() {
  if (debug.client.recording) finishAnswer();
  else startAnswer();
}

function isTypingTarget(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function spaceApplies(event) {
  if (event.code !== "Space" || elements.endDialog.open || isTypingTarget(event.target)) return false;
  if (isHandsFree()) return false;
  // Space on another button activates that button, as usual.
  const onOtherButton = event.target instanceof HTMLButtonElement && event.target !== elements.micButton;
  return !onOtherButton && !elements.stage.hidden;
}

function bindMicrophoneControls() {
  elements.micButton.addEventListener("click", (event) => {
    if (event.detail === 0 && state.spaceHeld) return; // keyboard click synthesised by Space
    toggleAnswer();
  });
  document.addEventListener("keydown", (event) => {
    if (!spaceApplies(event)) return;
    event.preventDefault();
    if (event.repeat || state.spaceHeld) return;
    state.spaceHeld = true;
    if (!debug.client.recording) startAnswer();
  });
  document.addEventListener("keyup", (event) => {
    if (event.code !== "Space" || !state.spaceHeld) return;
    event.preventDefault();
    state.spaceHeld = false;
    finishAnswer();
  });
  document.addEventListener("keydown", (event) => {
    // Escape inside the end dialog closes the dialog, as usual.
    if (event.key !== "Escape" || elements.endDialog.open || elements.stage.hidden || !canInterrupt()) return;
    event.preventDefault();
    interruptInterviewer();
  });
  elements.interruptButton.addEventListener("click", interruptInterviewer);
  elements.muteButton.addEventListener("click", toggleMute);
  window.addEventListener("blur", () => {
    if (state.spaceHeld) {
      state.spaceHeld = false;
      finishAnswer();
    }
  });
}

// --- camera ----------------------------------------------------------------------------------

async function toggleCamera() {
  if (state.cameraStream) {
    state.cameraStream.getTracks().forEach((track) => track.stop());
    state.cameraStream = null;
    elements.cameraVideo.srcObject = null;
    elements.pip.hidden = true;
    elements.cameraButton.setAttribute("aria-pressed", "false");
    elements.cameraButton.textContent = ui.camera_on;
    return;
  }
  try {
    state.cameraStream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 320 }, height: { ideal: 240 }, facingMode: "user" },
      audio: false,
    });
  } catch (error) {
    elements.cameraStatus.textContent = fill(ui.camera_denied, mediaErrorReason(error));
    return;
  }
  elements.cameraStatus.textContent = "";
  elements.cameraVideo.srcObject = state.cameraStream;
  elements.pip.hidden = false;
  elements.cameraButton.setAttribute("aria-pressed", "true");
  elements.cameraButton.textContent = ui.camera_off;
}

// --- ending ----------------------------------------------------------------------------------

function whenPlayerIdle(player, maxWaitMs) {
  return new Promise((resolve) => {
    if (!player || player.isIdle()) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, maxWaitMs);
    player.on("idle", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function goToDonePage() {
  if (state.leaving) return;
  state.leaving = true;
  state.ending = true;
  updateMicButton();
  // Let the interviewer finish a closing sentence that is already playing.
  await whenPlayerIdle(debug.player, 8000);
  window.location.assign(config.doneUrl);
}

function askToEnd() {
  if (state.ending) return;
  elements.endDialog.returnValue = "";
  elements.endDialog.showModal();
}

// --- wiring ----------------------------------------------------------------------------------

function wireClient(client, player) {
  client.on("connection", ({ state: connectionState, code }) => {
    renderConnection(connectionState);
    if (connectionState === Connection.ENDED && !client.ended && !state.ending) {
      if (code === 4409) {
        goToDonePage();
      } else if (code === 4412) {
        window.location.assign(config.inviteUrl); // consent first, on the invite page
      } else if (code === 4001 && !debug.stats.errors.some((error) => error.fatal)) {
        showError(ui.replaced, { fatal: true, code: "replaced" });
      }
    }
  });
  client.on("activity", () => renderActivity());
  client.on("recording", () => updateMicButton());
  client.on("session_state", (message) => {
    debug.stats.sessionStates += 1;
    if (message.mode && message.mode !== state.mode) applyMode(message.mode);
    // A new session: nothing of the old one is ducked or held (its server will never release a
    // hold), and the server starts listening afresh.
    state.candidateSpeaking = false;
    restoreVolume();
    player.release();
    // Audio of a turn cut off by the reconnect will not continue: play what arrived, then finish.
    if (message.resumed) player.endOpenTurns();
    renderHistory(Array.isArray(message.history) ? message.history : []);
    syncTimer(message.remaining_seconds);
    if (message.resumed) showNotice(ui.resumed);
    if (message.status && message.status !== "in_progress" && message.status !== "invited") goToDonePage();
    else if (isHandsFree()) startListening();
    renderActivity();
  });
  client.on("speech_started", ({ overlapping, hold, continuesTurn }) => {
    debug.stats.speechStarted += 1;
    state.candidateSpeaking = true;
    if (continuesTurn !== null) {
      // The candidate was only pausing: the server withdrew its reply and the answer goes on.
      debug.stats.answersContinued += 1;
    } else if (!overlapping) {
      showAnswerPlaceholder();
    }
    if (overlapping) {
      // Over the interviewer: stop at once (or only get quieter, where the server says holding
      // keeps being a false alarm), until it proves a barge-in (flush) or is ignored (go on).
      debug.stats.speechStartedOverlapping += 1;
      if (hold) {
        debug.stats.holds += 1;
        player.hold();
      } else {
        duck();
      }
    }
    renderActivity();
  });
  client.on("speech_ended", ({ ignored, reason }) => {
    state.candidateSpeaking = false;
    if (ignored) {
      debug.stats.speechIgnored[reason] = (debug.stats.speechIgnored[reason] || 0) + 1;
      clearAnswerPlaceholder({ restore: true });
      player.release();
    } else {
      debug.stats.answersEnded += 1;
      // The answer counts: whatever of the interviewer's last turn is still playing is moot now.
      if (!player.isIdle()) flushPlayback({ report: true });
    }
    restoreVolume();
    renderActivity();
  });
  client.on("user_transcript", (message) => {
    const final = message.final !== false;
    if (!final) debug.stats.partialTranscripts += 1;
    clearAnswerPlaceholder({ restore: false });
    upsertEntry(message.turn, "candidate", message.text || "", { final });
    elements.subtitleUser.textContent = message.text || "";
  });
  client.on("ai_transcript", (message) => {
    debug.stats.aiTextChunks[message.turn] = (debug.stats.aiTextChunks[message.turn] || 0) + 1;
    const entry = upsertEntry(message.turn, "interviewer", message.text || "", { append: true });
    elements.subtitleAi.textContent = entry.text;
  });
  client.on("ai_audio_chunk", (message) => {
    if (!message.data) return;
    debug.stats.aiAudioChunks[message.turn] = (debug.stats.aiAudioChunks[message.turn] || 0) + 1;
    player.appendChunk(message.turn, base64ToBytes(message.data));
  });
  client.on("ai_audio_end", (message) => {
    if (message.withdrawn) {
      // A reply never heard: the candidate went on with the answer before it made a sound.
      debug.stats.withdrawnTurns.push(message.turn);
      removeEntry(message.turn);
    } else if (message.interrupted) {
      // The candidate barged in (or asked to interrupt): drop this turn's audio now, report nothing.
      debug.stats.interruptedTurns.push(message.turn);
      flushPlayback({ report: false });
      if (state.candidateSpeaking) showAnswerPlaceholder();
    } else {
      player.endTurn(message.turn);
    }
  });
  client.on("interview_ended", (message) => {
    if (Array.isArray(message.history)) renderHistory(message.history);
    showNotice(ui.ending);
    goToDonePage();
  });
  client.on("error", (error) => {
    const text = error.code === "reconnect_failed" ? ui.reconnect_failed : error.message;
    showError(text, { fatal: error.fatal, code: error.code });
    if (!error.fatal && player.isIdle() && client.activity !== Activity.LISTENING) client.setActivity(Activity.LISTENING);
  });

  player.on("started", ({ turn }) => {
    debug.stats.playbackStarted.push(turn);
    client.reportPlayback(turn, "started");
    client.setActivity(Activity.SPEAKING);
  });
  player.on("ended", ({ turn }) => {
    debug.stats.playbackEnded.push(turn);
    client.reportPlayback(turn, "ended");
    if (player.isIdle() && client.activity === Activity.SPEAKING) client.setActivity(Activity.LISTENING);
  });
  player.on("autoplay_blocked", () => {
    showNotice(ui.no_audio_autoplay);
    document.addEventListener("click", () => player.unlock(), { once: true });
  });
  player.on("error", ({ message }) => showError(message, { code: "playback" }));
}

async function join() {
  elements.joinButton.disabled = true;
  // Everything that needs a user gesture happens here: the AudioContext and the media element.
  const player = createPlayer();
  player.unlock();
  debug.player = player;
  const client = new StreamingInterviewClient({
    token: config.token,
    url: interviewSocketUrl(config.token),
    mode: state.mode,
  });
  debug.client = client;
  wireClient(client, player);
  elements.join.hidden = true;
  elements.stage.hidden = false;
  renderConnection(Connection.CONNECTING);
  applyMode(state.mode);
  await openMicrophone();
  updateMicButton();
  client.connect().catch(() => {
    // Reconnection is scheduled by the client; the indicator already says so.
  });
  (isHandsFree() ? elements.muteButton : elements.micButton).focus();
}

function init() {
  renderTimer();
  setInterval(renderTimer, 250);
  bindMicrophoneControls();
  elements.joinButton.addEventListener("click", join);
  elements.cameraButton.addEventListener("click", toggleCamera);
  elements.endButton.addEventListener("click", askToEnd);
  elements.endDialog.addEventListener("close", () => {
    if (elements.endDialog.returnValue !== "confirm") return;
    state.ending = true;
    updateMicButton();
    if (debug.player) debug.player.stop();
    if (!debug.client || !debug.client.endInterview()) {
      // Not connected: the server cannot be told now; the link still resumes later.
      state.ending = false;
      showError(ui.mic_disabled_offline, { code: "offline" });
      updateMicButton();
      return;
    }
    showNotice(ui.ending);
  });
  window.addEventListener("pagehide", () => {
    if (debug.client) debug.client.close();
  });
}

init();
