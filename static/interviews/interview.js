// The interview page's composition root: it builds the page's modules, joins the interview, and turns
// the socket client's events (the server's frames) into what each module shows or does.
// Two modes, chosen by the interview's template: push-to-talk (a button or Space per answer) and
// hands-free (one continuous recording; the server tells the page when the candidate starts and
// stops speaking, and when the candidate's voice cut the interviewer off).
//
// The modules:
//   client.js             the socket: frames in, recordings and messages out (protocol.js names the wire)
//   interviewer-audio.js  the interviewer's voice: the player, its volume, the level the avatar follows
//   avatar.js             the interviewer's face (setState, setLevel, listenTo, pause): a 3D head, or the 2D face
//   turn-taking.js        the candidate's voice against the interviewer's: hold, duck, flush, interrupt
//   transcript-view.js    the transcript and the subtitles
//   microphone.js         the candidate's microphone and its controls, in both modes
//   status-line.js        the connection and status lines
//   timer.js, camera.js, notices.js   the countdown, the self-view, the banners
//   debug-stats.js        window.__interview.stats, an observer only
//   events.js             the one emitter; the page bus carries PageEvent between modules
import { Avatar } from "./avatar.js";
import { bindCamera } from "./camera.js";
import {
  Activity,
  ClientError,
  ClientEvent,
  Connection,
  StreamingInterviewClient,
  interviewSocketUrl,
} from "./client.js";
import { DebugStats } from "./debug-stats.js";
import { Emitter, PageEvent } from "./events.js";
import { InterviewerAudio } from "./interviewer-audio.js";
import { Microphone } from "./microphone.js";
import { Notices, PageError } from "./notices.js";
import { CloseCode, InterviewStatus, Mode, PlaybackEvent } from "./protocol.js";
import { StatusLine, pageStatus } from "./status-line.js";
import { Countdown } from "./timer.js";
import { TranscriptView } from "./transcript-view.js";
import { TurnTaking } from "./turn-taking.js";

const config = JSON.parse(document.getElementById("interview-config").textContent);
const ui = config.strings;
const $ = (id) => document.getElementById(id);

const elements = {
  join: $("join"),
  joinButton: $("join-button"),
  stage: $("stage"),
  interruptButton: $("interrupt-button"),
  cameraButton: $("camera-button"),
  endButton: $("end-button"),
  endDialog: $("end-dialog"),
  audio: $("interviewer-audio"),
};

// What more than one module needs to know. Modules read it; this file changes it, and turn-taking.js
// candidateSpeaking.
const page = {
  mode: config.mode === Mode.HANDS_FREE ? Mode.HANDS_FREE : Mode.PUSH_TO_TALK,
  ending: false, // the candidate ended the interview, or it ended: nothing more is recorded
  leaving: false, // on the way to the done page
  candidateSpeaking: false, // hands-free: between speech_started and speech_ended
};
const OPEN_STATUSES = [InterviewStatus.IN_PROGRESS, InterviewStatus.INVITED];
// Let the interviewer finish a closing sentence that is already playing, but not for ever.
const CLOSING_WORDS_MAX_WAIT_MS = 8000;
// The 3D head holds still from Join until the interviewer's first word, or this long after the session
// is live (the greeting usually starts within a few hundred ms).
const HEAD_STILL_AFTER_SESSION_MS = 1500;

const bus = new Emitter("page");
const stats = new DebugStats(bus);
const notices = new Notices($("errors"), { errorPrefix: ui.error_prefix, bus });
const statusLine = new StatusLine({ connection: $("connection"), activity: $("activity"), ui, bus });
const transcript = new TranscriptView({
  list: $("transcript"),
  subtitleAi: $("subtitle-ai").querySelector(".text"),
  subtitleUser: $("subtitle-user").querySelector(".text"),
  labels: { interviewer: ui.interviewer, candidate: ui.you },
});
const countdown = new Countdown({
  clock: $("timer"),
  box: $("timer-box"),
  remainingSeconds: config.remainingSeconds,
  onTimeUp: () => notices.notice(ui.time_up), // the server ends the interview at its deadline
});
const microphone = new Microphone({
  elements: {
    micButton: $("mic-button"),
    micLabel: $("mic-button").querySelector(".mic-label"),
    micMeter: $("mic-meter"),
    micReason: $("mic-reason"),
    listeningOrb: $("listening-orb"),
    muteButton: $("mute-button"),
    stage: elements.stage,
    endDialog: elements.endDialog,
  },
  ui,
  page,
  notices,
  bus,
});
// The interviewer's face is made at once, so its 3D head loads while the candidate reads the join
// screen (the 2D face stands in until it has drawn, and for good without WebGL).
const avatar = new Avatar($("avatar"), { headCanvas: $("avatar-3d"), model: config.avatar });
// From joining on: the socket client, the interviewer's audio, the turn-taking between them.
let client = null;
let voice = null;
let turnTaking = null;

// Test and debugging hook: the e2e tests read these (they never need them to drive the page).
const debug = {
  config,
  client: null,
  player: null,
  avatar,
  stats: stats.values,
  syncTimer: (seconds) => countdown.sync(seconds),
};
window.__interview = debug;

const handsFree = () => page.mode === Mode.HANDS_FREE;

// --- what the page shows ---------------------------------------------------------------------

function renderControls() {
  if (!turnTaking) return;
  elements.interruptButton.hidden = !turnTaking.canInterrupt();
  microphone.render();
}

function renderConnection(connectionState) {
  statusLine.showConnection(connectionState);
  renderControls();
}

function renderActivity() {
  const activity = client ? client.activity : Activity.LISTENING;
  const { candidateSpeaking } = page;
  statusLine.showStatus(pageStatus({ activity, handsFree: handsFree(), candidateSpeaking, muted: microphone.muted }));
  renderControls();
}

function applyMode(mode) {
  page.mode = mode === Mode.HANDS_FREE ? Mode.HANDS_FREE : Mode.PUSH_TO_TALK;
  elements.stage.dataset.mode = page.mode;
  microphone.showMode();
  renderActivity();
}

function interruptInterviewer() {
  if (turnTaking && turnTaking.interrupt() && !handsFree()) microphone.focus();
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
  if (page.leaving) return;
  page.leaving = true;
  page.ending = true;
  renderControls();
  await whenPlayerIdle(voice && voice.player, CLOSING_WORDS_MAX_WAIT_MS);
  window.location.assign(config.doneUrl);
}

function askToEnd() {
  if (page.ending) return;
  elements.endDialog.returnValue = "";
  elements.endDialog.showModal();
}

function onEndDialogClosed() {
  if (elements.endDialog.returnValue !== "confirm") return;
  page.ending = true;
  renderControls();
  if (voice) voice.player.stop();
  if (!client || !client.endInterview()) {
    // Not connected: the server cannot be told now; the link still resumes later.
    page.ending = false;
    notices.error(ui.mic_disabled_offline, { code: PageError.OFFLINE });
    renderControls();
    return;
  }
  notices.notice(ui.ending);
}

// --- the server's frames, as the client's events ---------------------------------------------

function onConnection({ state: connectionState, code }) {
  renderConnection(connectionState);
  if (connectionState !== Connection.ENDED || client.ended || page.ending) return;
  if (code === CloseCode.FINISHED) {
    goToDonePage();
  } else if (code === CloseCode.NEEDS_CONSENT) {
    window.location.assign(config.inviteUrl); // consent first, on the invite page
  } else if (code === CloseCode.REPLACED && !notices.fatalShown) {
    notices.error(ui.replaced, { fatal: true, code: PageError.REPLACED });
  }
}

function onSessionState(message) {
  // Live: the head moves again from the interviewer's first word, or after a moment if none comes
  // (a resumed interview waits for the candidate). Until then its drawing would compete with the
  // greeting's start for a processor without a GPU.
  setTimeout(() => avatar.resume(), HEAD_STILL_AFTER_SESSION_MS);
  if (message.mode && message.mode !== page.mode) applyMode(message.mode);
  turnTaking.newSession({ resumed: message.resumed });
  transcript.showHistory(Array.isArray(message.history) ? message.history : []);
  countdown.sync(message.remaining_seconds);
  if (message.resumed) notices.notice(ui.resumed);
  if (message.status && !OPEN_STATUSES.includes(message.status)) goToDonePage();
  else if (handsFree()) microphone.startListening();
  renderActivity();
}

function wireClient() {
  const player = voice.player;
  client.on(ClientEvent.CONNECTION, onConnection);
  client.on(ClientEvent.ACTIVITY, () => renderActivity());
  client.on(ClientEvent.RECORDING, () => renderControls());
  client.on(ClientEvent.SESSION_STATE, onSessionState);
  client.on(ClientEvent.USER_TRANSCRIPT, (message) => {
    transcript.candidateSaid(message.turn, message.text || "", { final: message.final !== false });
  });
  client.on(ClientEvent.AI_TRANSCRIPT, (message) => transcript.interviewerSaid(message.turn, message.text || ""));
  client.on(ClientEvent.AI_AUDIO_CHUNK, (message) => {
    if (message.audio.length) player.appendChunk(message.turn, message.audio);
  });
  client.on(ClientEvent.INTERVIEW_ENDED, (message) => {
    if (Array.isArray(message.history)) transcript.showHistory(message.history);
    notices.notice(ui.ending);
    goToDonePage();
  });
  client.on(ClientEvent.ERROR, (error) => {
    const text = error.code === ClientError.RECONNECT_FAILED ? ui.reconnect_failed : error.message;
    notices.error(text, { fatal: error.fatal, code: error.code });
    if (!error.fatal && player.isIdle() && client.activity !== Activity.LISTENING) client.setActivity(Activity.LISTENING);
  });

  player.on("started", ({ turn }) => {
    client.reportPlayback(turn, PlaybackEvent.STARTED);
    client.setActivity(Activity.SPEAKING);
  });
  player.on("ended", ({ turn }) => {
    client.reportPlayback(turn, PlaybackEvent.ENDED);
    if (player.isIdle() && client.activity === Activity.SPEAKING) client.setActivity(Activity.LISTENING);
  });
  player.on("autoplay_blocked", () => {
    notices.notice(ui.no_audio_autoplay);
    document.addEventListener("click", () => player.unlock(), { once: true });
  });
  player.on("error", ({ message }) => notices.error(message, { code: PageError.PLAYBACK }));
}

// --- joining ---------------------------------------------------------------------------------

async function join() {
  elements.joinButton.disabled = true;
  // The head holds still until the interview is live: the processor goes to connecting first.
  avatar.pause();
  // Everything that needs a user gesture happens here: the AudioContext and the media element.
  const forceWebAudio = new URLSearchParams(window.location.search).has("webaudio");
  voice = new InterviewerAudio({ audio: elements.audio, forceWebAudio, bus });
  if (voice.analyser) avatar.listenTo(voice.analyser);
  voice.player.on("started", () => avatar.resume());
  voice.player.unlock();
  debug.player = voice.player;
  client = new StreamingInterviewClient({ token: config.token, url: interviewSocketUrl(config.token), mode: page.mode });
  debug.client = client;
  microphone.attach(client);
  stats.watchClient(client);
  stats.watchPlayer(voice.player);
  turnTaking = new TurnTaking({ client, voice, transcript, page, bus, renderActivity });
  wireClient();
  elements.join.hidden = true;
  elements.stage.hidden = false;
  renderConnection(Connection.CONNECTING);
  applyMode(page.mode);
  await microphone.open();
  renderControls();
  client.connect().catch(() => {
    // Reconnection is scheduled by the client; the indicator already says so.
  });
  microphone.focus();
}

function init() {
  countdown.start();
  bus.on(PageEvent.PLAYBACK_LEVEL, (level) => avatar.setLevel(level));
  bus.on(PageEvent.STATUS, ({ status }) => avatar.setState(status));
  microphone.bindControls();
  bus.on(PageEvent.MUTE_CHANGED, () => renderActivity());
  document.addEventListener("keydown", (event) => {
    // Escape inside the end dialog closes the dialog, as usual.
    if (event.key !== "Escape" || elements.endDialog.open || elements.stage.hidden) return;
    if (!turnTaking || !turnTaking.canInterrupt()) return;
    event.preventDefault();
    interruptInterviewer();
  });
  elements.interruptButton.addEventListener("click", interruptInterviewer);
  elements.joinButton.addEventListener("click", join);
  bindCamera({ button: elements.cameraButton, status: $("camera-status"), pip: $("pip"), video: $("camera-video"), ui });
  elements.endButton.addEventListener("click", askToEnd);
  elements.endDialog.addEventListener("close", onEndDialogClosed);
  window.addEventListener("pagehide", () => {
    if (client) client.close();
  });
}

init();
