// The interview socket client: the seed's StreamingInterviewClient API (connect, startRecording,
// stopRecording, endInterview, on) plus resume-on-reconnect, push-to-talk `audio_end`, the
// hands-free continuous stream (startStreaming / pause / resume), interruptions and connection /
// activity states. It knows nothing of the page: the page listens to its events (ClientEvent).
// Every type, reason and code on the wire comes from protocol.js.
import { Emitter } from "./events.js";
import {
  AudioEndReason,
  BinaryAudio,
  ClientMessage,
  CloseCode,
  ErrorCode,
  HistoryRole,
  Mode,
  ServerFrame,
  Speaker,
} from "./protocol.js";

export { Mode };

/**
 * Close codes after which reconnecting cannot help. The others reconnect with backoff: 1011 (a
 * server fault while starting: the interview resumes), 4503 (server busy: retry later), and any
 * drop of the network. 1000 comes after `interview_ended`, which has already ended the client.
 */
export const FATAL_CLOSE_CODES = new Set([
  CloseCode.REPLACED,
  CloseCode.PROTOCOL_ABUSE,
  CloseCode.FORBIDDEN,
  CloseCode.NOT_FOUND,
  CloseCode.FINISHED,
  CloseCode.GONE,
  CloseCode.NEEDS_CONSENT,
]);

/** What the client tells the page (`client.on(ClientEvent.X, handler)`). */
export const ClientEvent = Object.freeze({
  CONNECTION: "connection", // {state, code?, reason?, fatal?, attempt?, delayMs?}
  ACTIVITY: "activity", // {state}: what the interviewer is doing (Activity)
  RECORDING: "recording", // {recording, paused?, aborted?}
  CONNECTED: "connected", // the session_state frame, with `resumed`
  // One event per server frame, named as the frame (the seed's page listened to these names).
  SESSION_STATE: ServerFrame.SESSION_STATE, // the frame, with `resumed`
  USER_TRANSCRIPT: ServerFrame.USER_TRANSCRIPT,
  AI_TRANSCRIPT: "ai_transcript", // an ai_transcript_chunk frame (the seed's event name), of a turn not dropped
  AI_AUDIO_CHUNK: ServerFrame.AI_AUDIO_CHUNK, // of a turn not dropped (markFlushed)
  AI_AUDIO_END: ServerFrame.AI_AUDIO_END, // the frame, `reason` always set (AudioEndReason)
  SPEECH_STARTED: ServerFrame.SPEECH_STARTED, // {overlapping, hold, continuesTurn}
  SPEECH_ENDED: ServerFrame.SPEECH_ENDED, // {ignored, reason}
  INTERVIEW_ENDED: ServerFrame.INTERVIEW_ENDED,
  ERROR: "error", // {code, message, fatal}: an error frame, or one of the client's own (ClientError)
  MESSAGE: "message", // a frame of a type this page does not know
});

/** Error codes of the client's own; the server's are ErrorCode in protocol.js. */
export const ClientError = Object.freeze({
  UNREADABLE: "bad_frame", // the server sent something that is neither JSON nor a BinaryAudio frame
  RECONNECT_FAILED: "reconnect_failed", // gave up reconnecting
  UNKNOWN: "error", // an error frame without a code
});

export const Connection = Object.freeze({
  IDLE: "idle",
  CONNECTING: "connecting",
  LIVE: "live",
  RECONNECTING: "reconnecting",
  ENDED: "ended",
});

// Hands-free chunks are short: the server's voice detection (and so holding the interviewer when the
// candidate talks over it) can only be as quick as the audio arrives. Benchmarks and tests stream at
// the same pace (STREAM_TIMESLICE_S in interviews/turn_taking.py). At 50 ms Chromium sends the
// header's first byte as a chunk of its own; the server joins it to the next.
const HANDS_FREE_TIMESLICE_MS = 50;
// A hands-free stream the server can no longer read (`bad_audio`) is recorded afresh, at most this
// often: a new recording begins with its header, which the server takes as a new stream.
const STREAM_RESTART_MIN_INTERVAL_MS = 5000;

/** What the interviewer is doing (the candidate's own speech is tracked by the page). */
export const Activity = Object.freeze({
  LISTENING: "listening",
  THINKING: "thinking",
  SPEAKING: "speaking",
});

const RECORDER_MIME_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

/** The interview's socket; the interviewer's audio comes as binary frames (BinaryAudio). */
export function interviewSocketUrl(token, location = window.location) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = `${BinaryAudio.PARAMETER}=${BinaryAudio.VALUE}`;
  return `${scheme}//${location.host}/ws/interview/${encodeURIComponent(token)}/?${query}`;
}

export class StreamingInterviewClient {
  /**
   * @param {object} options
   * @param {string} options.token      the invite token
   * @param {string} [options.url]      full WebSocket URL (default: derived from the token and page)
   * @param {number} [options.timesliceMs=250]  MediaRecorder chunk length (push-to-talk; hands-free
   *   streams HANDS_FREE_TIMESLICE_MS chunks so the server hears the candidate start talking sooner)
   * @param {number} [options.backoffBaseMs=500], [options.backoffMaxMs=10000], [options.maxReconnectAttempts=12]
   * @param {boolean} [options.binaryAudio=true]  raw binary frames (else base64 `audio_chunk`)
   */
  constructor(options) {
    this.token = options.token;
    this.url = options.url || interviewSocketUrl(options.token);
    this.timesliceMs = options.timesliceMs ?? 250;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 10000;
    this.maxReconnectAttempts = options.maxReconnectAttempts ?? 12;
    this.binaryAudio = options.binaryAudio ?? true;

    this.socket = null;
    this.connectionState = Connection.IDLE;
    this.activity = Activity.LISTENING;
    this.ended = false;
    this.sessionCount = 0; // session_state frames seen; >1 means we resumed
    this.reconnectAttempts = 0;
    this.recorder = null;
    this.recording = false;
    this.paused = false; // hands-free mute: the recorder is paused, nothing is sent
    this.mode = options.mode || Mode.PUSH_TO_TALK;
    this.currentAiTurn = null;
    // Turns whose audio the page dropped (barge-in or Interrupt): late frames of them are ignored.
    this.flushedTurns = new Set();
    // Turns the server finished streaming (a plain ai_audio_end arrived).
    this.streamedTurns = new Set();
    this._events = new Emitter("interview client");
    this._streamRestartedAt = -Infinity;
    this._streamRestartTimer = null;
    this._reconnectTimer = null;
    this._closingOnPurpose = false;
    this._fatal = false;
    this._thinkingTimer = null;
    this._onOnline = () => {
      if (this.connectionState === Connection.RECONNECTING) this._reconnectNow();
    };
    window.addEventListener("online", this._onOnline);
  }

  // --- events --------------------------------------------------------------------------------

  /** Listen to a ClientEvent; returns a function that stops listening. */
  on(event, handler) {
    return this._events.on(event, handler);
  }

  _emit(event, payload) {
    this._events.emit(event, payload);
  }

  _setConnection(state, detail = {}) {
    if (this.connectionState === state) return;
    this.connectionState = state;
    this._emit(ClientEvent.CONNECTION, { state, ...detail });
  }

  /** Set the interviewer's activity; the page also calls this when playback of a turn ends. */
  setActivity(state) {
    clearTimeout(this._thinkingTimer);
    if (state === Activity.THINKING) {
      // Never leave the candidate locked out if the server goes quiet without an error.
      this._thinkingTimer = setTimeout(() => this.setActivity(Activity.LISTENING), 45000);
    }
    if (this.activity === state) return;
    this.activity = state;
    this._emit(ClientEvent.ACTIVITY, { state });
  }

  // --- connection ----------------------------------------------------------------------------

  /** Open the socket; resolves when it is open (the server then sends `session_state`). */
  connect() {
    if (this.ended) return Promise.reject(new Error("The interview has ended."));
    clearTimeout(this._reconnectTimer);
    this._closingOnPurpose = false;
    this._setConnection(this.sessionCount > 0 ? Connection.RECONNECTING : Connection.CONNECTING);
    return new Promise((resolve, reject) => {
      let opened = false;
      const socket = new WebSocket(this.url);
      socket.binaryType = "arraybuffer";
      this.socket = socket;
      socket.addEventListener("open", () => {
        opened = true;
        resolve();
      });
      socket.addEventListener("message", (event) => this._onMessage(event));
      socket.addEventListener("close", (event) => {
        if (!opened) reject(new Error(`WebSocket closed before opening (code ${event.code}).`));
        this._onClose(socket, event);
      });
      socket.addEventListener("error", () => {
        // The close event that always follows carries the code; nothing to do here.
      });
    });
  }

  /** A binary frame: a piece of the interviewer's audio (BinaryAudio's header, then MP3 bytes). */
  _onBinaryFrame(buffer) {
    const view = new DataView(buffer);
    if (buffer.byteLength < BinaryAudio.HEADER_BYTES || view.getUint8(0) !== BinaryAudio.KIND) {
      this._unreadable();
      return;
    }
    const audio = new Uint8Array(buffer, BinaryAudio.HEADER_BYTES);
    this._onAiAudio({ turn: view.getUint32(1), seq: view.getUint32(5), audio });
  }

  _unreadable() {
    this._emit(ClientEvent.ERROR, {
      code: ClientError.UNREADABLE,
      message: "The server sent an unreadable message.",
      fatal: false,
    });
  }

  /** A piece of the interviewer's speech ({turn, seq, audio: Uint8Array}), however it came. */
  _onAiAudio(chunk) {
    if (this.flushedTurns.has(chunk.turn)) return;
    this._startAiTurn(chunk.turn);
    this._emit(ClientEvent.AI_AUDIO_CHUNK, chunk);
  }

  /** One frame from the server. Every ServerFrame type has its case here (tests/test_client_contract.py). */
  _onMessage(event) {
    if (event.data instanceof ArrayBuffer) {
      this._onBinaryFrame(event.data);
      return;
    }
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      this._unreadable();
      return;
    }
    switch (message.type) {
      case ServerFrame.SESSION_STATE:
        this._onSessionState(message);
        break;
      case ServerFrame.USER_TRANSCRIPT:
        this._emit(ClientEvent.USER_TRANSCRIPT, message);
        if (message.final) this.setActivity(Activity.THINKING);
        break;
      case ServerFrame.AI_TRANSCRIPT_CHUNK:
        if (this.flushedTurns.has(message.turn)) break;
        this._startAiTurn(message.turn);
        this._emit(ClientEvent.AI_TRANSCRIPT, message);
        break;
      case ServerFrame.AI_AUDIO_CHUNK: // base64, when the URL did not ask for binary frames
        this._onAiAudio({ turn: message.turn, seq: message.seq, audio: base64ToBytes(message.data || "") });
        break;
      case ServerFrame.AI_AUDIO_END:
        this._onAudioEnd(message);
        break;
      case ServerFrame.SPEECH_STARTED:
        // Hands-free: the server heard the candidate's voice (overlapping: over the interviewer;
        // hold: pause the interviewer now; continues_turn: the candidate went on with that answer).
        if (message.continues_turn !== undefined && message.continues_turn !== null) this.setActivity(Activity.LISTENING);
        this._emit(ClientEvent.SPEECH_STARTED, {
          overlapping: Boolean(message.overlapping),
          hold: Boolean(message.hold),
          continuesTurn: message.continues_turn ?? null,
        });
        break;
      case ServerFrame.SPEECH_ENDED:
        if (!message.ignored) this.setActivity(Activity.THINKING);
        this._emit(ClientEvent.SPEECH_ENDED, { ignored: Boolean(message.ignored), reason: message.reason || "" });
        break;
      case ServerFrame.INTERVIEW_ENDED:
        this.ended = true;
        this._emit(ClientEvent.INTERVIEW_ENDED, message);
        this._shutdown();
        break;
      case ServerFrame.ERROR:
        this._onError(message);
        break;
      default:
        // Unknown additions to the protocol are ignored so old pages keep working.
        this._emit(ClientEvent.MESSAGE, message);
    }
  }

  _onSessionState(message) {
    this.sessionCount += 1;
    if (message.mode) this.mode = message.mode;
    this.reconnectAttempts = 0;
    const resumed = this.sessionCount > 1;
    this._setConnection(Connection.LIVE);
    this._emit(ClientEvent.SESSION_STATE, { ...message, resumed });
    this._emit(ClientEvent.CONNECTED, { ...message, resumed });
    const history = Array.isArray(message.history) ? message.history : [];
    const last = history[history.length - 1];
    const lastIsAnswer = last && (last.speaker === Speaker.CANDIDATE || last.role === HistoryRole.USER);
    if ((history.length === 0 && !resumed) || lastIsAnswer) {
      // The server speaks next: the greeting of a fresh interview, or the reply to a stored answer.
      this.setActivity(Activity.THINKING);
    } else if (this.activity !== Activity.SPEAKING) {
      this.setActivity(Activity.LISTENING);
    }
  }

  _onAudioEnd(message) {
    // A server older than `reason` sent none for a turn said to its end; an unknown one is read so too.
    const known = Object.values(AudioEndReason).includes(message.reason);
    const reason = known ? message.reason : AudioEndReason.COMPLETE;
    switch (reason) {
      case AudioEndReason.WITHDRAWN:
        // Never heard (the candidate went on with the answer): the next reply reuses the number.
        this.streamedTurns.delete(message.turn);
        if (this.currentAiTurn === message.turn) this.currentAiTurn = null;
        break;
      case AudioEndReason.INTERRUPTED: {
        // The server stopped this turn (the candidate barged in, or asked to interrupt).
        const turn = message.turn ?? this.currentAiTurn;
        if (turn !== null && turn !== undefined) this.flushedTurns.add(turn);
        break;
      }
      default:
        this.streamedTurns.add(message.turn);
    }
    this._emit(ClientEvent.AI_AUDIO_END, { ...message, reason });
  }

  _startAiTurn(turn) {
    if (this.currentAiTurn !== turn) {
      this.currentAiTurn = turn;
    }
    if (this.activity !== Activity.SPEAKING) this.setActivity(Activity.SPEAKING);
  }

  _onError(message) {
    const error = {
      code: message.code || ClientError.UNKNOWN,
      message: message.message || "Something went wrong.",
      fatal: Boolean(message.fatal),
    };
    if (error.fatal) this._fatal = true;
    // A failed turn hands the floor back to the candidate.
    if (!error.fatal && this.activity === Activity.THINKING) this.setActivity(Activity.LISTENING);
    if (error.code === ErrorCode.BAD_AUDIO && this.mode === Mode.HANDS_FREE) this._restartStream();
    this._emit(ClientEvent.ERROR, error);
  }

  /** Hands-free: the server cannot read the stream on; a new recording (with its header) starts it again. */
  _restartStream() {
    const recorder = this.recorder;
    if (!this.recording || !recorder || !this.isOpen || this._streamRestartTimer) return;
    const wait = this._streamRestartedAt + STREAM_RESTART_MIN_INTERVAL_MS - performance.now();
    if (wait > 0) {
      // Broken again soon after a restart: once more when the interval is over, not never.
      this._streamRestartTimer = setTimeout(() => {
        this._streamRestartTimer = null;
        this._restartStream();
      }, wait);
      return;
    }
    this._streamRestartedAt = performance.now();
    const paused = this.paused;
    this._abortRecording();
    this.startStreaming(recorder.stream, { paused });
  }

  _onClose(socket, event) {
    if (socket !== this.socket) return; // an old socket that we already replaced
    this.socket = null;
    if (this.recording) this._abortRecording();
    const fatal = this._fatal || FATAL_CLOSE_CODES.has(event.code);
    if (this.ended || this._closingOnPurpose || fatal) {
      this._shutdown({ code: event.code, reason: event.reason, fatal });
      return;
    }
    this._scheduleReconnect(event);
  }

  _scheduleReconnect(event) {
    if (this.reconnectAttempts >= this.maxReconnectAttempts) {
      this._shutdown({ code: event.code, reason: ClientError.RECONNECT_FAILED, fatal: true });
      this._emit(ClientEvent.ERROR, { code: ClientError.RECONNECT_FAILED, message: "Could not reconnect.", fatal: true });
      return;
    }
    // Exponential backoff with jitter: 0.5 s, 1 s, 2 s, ... up to backoffMaxMs.
    const exp = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** this.reconnectAttempts);
    const delay = Math.round(exp * (0.75 + Math.random() * 0.5));
    this.reconnectAttempts += 1;
    this._setConnection(Connection.RECONNECTING, { attempt: this.reconnectAttempts, delayMs: delay, code: event.code });
    this._reconnectTimer = setTimeout(() => this._reconnectNow(), delay);
  }

  _reconnectNow() {
    clearTimeout(this._reconnectTimer);
    if (this.ended || this._fatal || this.socket) return;
    this.connect().catch(() => {
      // The close handler already scheduled the next attempt.
    });
  }

  _shutdown(detail = {}) {
    clearTimeout(this._reconnectTimer);
    clearTimeout(this._thinkingTimer);
    window.removeEventListener("online", this._onOnline);
    if (this.recording) this._abortRecording();
    this._setConnection(Connection.ENDED, detail);
  }

  /** Close the socket without reconnecting (page unload). */
  close() {
    this._closingOnPurpose = true;
    if (this.socket) this.socket.close(CloseCode.NORMAL, "client closed");
  }

  get isOpen() {
    return Boolean(this.socket) && this.socket.readyState === WebSocket.OPEN;
  }

  _send(frame) {
    if (!this.isOpen) return false;
    this.socket.send(typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame));
    return true;
  }

  // --- candidate actions ---------------------------------------------------------------------

  /** Record the candidate's answer from a microphone stream; chunks go up as they are produced. */
  startRecording(stream) {
    if (this.recording) return;
    if (!this.isOpen) throw new Error("Not connected.");
    const mimeType = RECORDER_MIME_TYPES.find((type) => window.MediaRecorder.isTypeSupported(type));
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    this.recorder = recorder;
    this.recording = true;
    // Chunks are sent in order; each Blob is read before the next one is sent.
    let sendChain = Promise.resolve();
    recorder.addEventListener("dataavailable", (event) => {
      // An aborted recording's last slice belongs to a stream that is over (a restart's new one may be under way).
      if (!event.data || event.data.size === 0 || this.recorder !== recorder) return;
      sendChain = sendChain.then(() => this._sendAudio(event.data));
    });
    this._recorderDone = new Promise((resolve) => {
      recorder.addEventListener("stop", () => resolve(sendChain), { once: true });
    });
    recorder.start(this.mode === Mode.HANDS_FREE ? HANDS_FREE_TIMESLICE_MS : this.timesliceMs);
    this._emit(ClientEvent.RECORDING, { recording: true });
  }

  async _sendAudio(blob) {
    const bytes = await blob.arrayBuffer();
    if (this.binaryAudio) {
      this._send(bytes);
    } else {
      this._send({ type: ClientMessage.AUDIO_CHUNK, data: bytesToBase64(new Uint8Array(bytes)) });
    }
  }

  /**
   * Hands-free: one continuous recording for the whole session, also while the interviewer speaks;
   * the server finds where answers start and end, so there is never an `audio_end`. A restart (after
   * a reconnect) begins a new WebM stream, which the server recognises by its header.
   */
  startStreaming(stream, { paused = false } = {}) {
    this.paused = false;
    this.startRecording(stream);
    if (paused) this.pauseRecording();
  }

  /** Hands-free mute: stop sending without ending the stream. */
  pauseRecording() {
    this.paused = true;
    if (this.recorder && this.recorder.state === "recording") this.recorder.pause();
    this._emit(ClientEvent.RECORDING, { recording: this.recording, paused: true });
  }

  resumeRecording() {
    this.paused = false;
    if (this.recorder && this.recorder.state === "paused") this.recorder.resume();
    this._emit(ClientEvent.RECORDING, { recording: this.recording, paused: false });
  }

  /** Hands-free: stop the continuous recording (no `audio_end`: the server does its own endpointing). */
  stopStreaming() {
    if (!this.recording) return;
    this._abortRecording();
  }

  /** Stop recording; after the final chunk is sent, tell the server the answer is complete. */
  async stopRecording() {
    if (!this.recording || !this.recorder) return;
    const recorder = this.recorder;
    this.recording = false;
    if (recorder.state !== "inactive") recorder.stop();
    await this._recorderDone;
    this.recorder = null;
    this._emit(ClientEvent.RECORDING, { recording: false });
    if (this._send({ type: ClientMessage.AUDIO_END })) this.setActivity(Activity.THINKING);
  }

  _abortRecording() {
    const recorder = this.recorder;
    this.recording = false;
    this.recorder = null;
    if (recorder && recorder.state !== "inactive") recorder.stop();
    this._emit(ClientEvent.RECORDING, { recording: false, aborted: true });
  }

  /** The candidate stops the interviewer; the page flushes the turn's audio (see markFlushed). */
  interrupt() {
    return this._send({ type: ClientMessage.INTERRUPT });
  }

  /** The page dropped this turn's audio: ignore any frame of it still on the way. */
  markFlushed(turn) {
    if (turn !== null && turn !== undefined) this.flushedTurns.add(turn);
  }

  /** Report when the browser actually started / finished playing a turn (for true latency). */
  reportPlayback(turn, event) {
    return this._send({ type: ClientMessage.PLAYBACK, turn, event });
  }

  endInterview() {
    if (this.recording) this._abortRecording();
    return this._send({ type: ClientMessage.END_INTERVIEW });
  }
}

export function bytesToBase64(bytes) {
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + step));
  }
  return btoa(binary);
}

export function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
