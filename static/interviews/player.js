// Gapless playback of the interviewer's streamed MP3: one MediaSource on an <audio> element, one
// 'audio/mpeg' SourceBuffer in sequence mode, so every sentence (and every turn) is appended right
// after the previous one on the same media timeline. Where MediaSource cannot take MP3, a Web Audio
// fallback decodes whole MP3 frames and schedules them back to back on the AudioContext clock.
//
// Events (via on()): "started" {turn}, "ended" {turn}, "idle", "error" {message}.
// stop() ends what is playing now and drops everything buffered; stop({ silent: true }) does so
// without "ended" events (a turn the server itself cut off needs no playback report).
// hold() pauses where it is (the candidate started talking over the interviewer) and keeps
// buffering what arrives; release() goes on from there; stop() also ends a hold.

import { audioContext } from "./audio-tools.js";
import { Emitter } from "./events.js";

const MP3_MIME = "audio/mpeg";
// A turn counts as played when the playhead is this close to its end (MP3 frame ~26 ms).
const END_SLACK_S = 0.05;

export function mediaSourceSupportsMp3() {
  return Boolean(window.MediaSource) && window.MediaSource.isTypeSupported(MP3_MIME);
}

/** Per-turn bookkeeping: where the turn sits on the playback timeline, and what was reported. */
class TurnSpan {
  constructor(turn) {
    this.turn = turn;
    this.start = null; // seconds on the element's (or AudioContext's) timeline
    this.end = null; // known once ai_audio_end arrived and every chunk was appended
    this.audioEnded = false;
    this.pending = 0; // chunks queued but not yet appended/scheduled
    this.startedReported = false;
    this.endedReported = false;
  }
}

export class MediaSourcePlayer extends Emitter {
  /** @param {HTMLAudioElement} audio */
  constructor(audio) {
    super("player");
    this.kind = "mediasource";
    this.audio = audio;
    this.queue = []; // [{turn, bytes}]
    this.spans = new Map();
    this.order = [];
    this.sourceBuffer = null;
    this.broken = false;
    this.held = false;
    this.mediaSource = new MediaSource();
    this._ready = new Promise((resolve) => {
      this.mediaSource.addEventListener(
        "sourceopen",
        () => {
          this.sourceBuffer = this.mediaSource.addSourceBuffer(MP3_MIME);
          this.sourceBuffer.mode = "sequence";
          this.sourceBuffer.addEventListener("updateend", () => this._pump());
          this.sourceBuffer.addEventListener("error", () => this._fail("The audio could not be decoded."));
          resolve();
        },
        { once: true },
      );
    });
    audio.src = URL.createObjectURL(this.mediaSource);
    audio.preload = "auto";
    audio.addEventListener("error", () => this._fail(audio.error ? audio.error.message || "media error" : "media error"));
    // The playhead is checked on every frame while something is queued or playing.
    this._raf = 0;
    this._watch = () => {
      this._check();
      this._raf = requestAnimationFrame(this._watch);
    };
    this._raf = requestAnimationFrame(this._watch);
    audio.addEventListener("timeupdate", () => this._check());
  }

  /** Call from a user gesture: lets the element play once data arrives (autoplay policy). */
  unlock() {
    const attempt = this.audio.play();
    if (attempt && attempt.catch) attempt.catch(() => {});
  }

  _span(turn) {
    let span = this.spans.get(turn);
    if (!span) {
      span = new TurnSpan(turn);
      this.spans.set(turn, span);
      this.order.push(turn);
    }
    return span;
  }

  /** Queue one chunk of a turn's MP3. */
  appendChunk(turn, bytes) {
    if (this.broken) return;
    const span = this._span(turn);
    if (span.endedReported) return; // a late chunk of a turn we already finished (e.g. interrupted)
    span.pending += 1;
    this.queue.push({ turn, bytes });
    this._ready.then(() => this._pump());
  }

  /** The server sent ai_audio_end for this turn. */
  endTurn(turn) {
    const span = this._span(turn);
    span.audioEnded = true;
    this._ready.then(() => {
      this._pump();
      this._check();
    });
  }

  _bufferedEnd() {
    const ranges = this.sourceBuffer.buffered;
    return ranges.length ? ranges.end(ranges.length - 1) : 0;
  }

  _pump() {
    const buffer = this.sourceBuffer;
    if (!buffer || buffer.updating || this.broken) return;
    // After an append completes, settle the end of any turn whose chunks are all in.
    for (const turn of this.order) {
      const span = this.spans.get(turn);
      if (span.audioEnded && span.pending === 0 && span.end === null) {
        // A turn that never got audio (e.g. speech synthesis failed) is an empty span.
        if (span.start === null) span.start = this._bufferedEnd();
        span.end = this._bufferedEnd();
      }
    }
    const next = this.queue.shift();
    if (!next) {
      this._check();
      return;
    }
    const span = this._span(next.turn);
    if (span.start === null) {
      // In sequence mode the next append lands exactly at the end of what is buffered.
      span.start = this._bufferedEnd();
      if (span.start < this.audio.currentTime) span.start = this.audio.currentTime;
    }
    try {
      this._appending = span;
      buffer.appendBuffer(next.bytes);
      span.pending -= 1;
    } catch (error) {
      if (error.name === "QuotaExceededError") {
        // Drop what has already been played and retry this chunk.
        this.queue.unshift(next);
        const keepFrom = Math.max(0, this.audio.currentTime - 2);
        if (keepFrom > 1) buffer.remove(0, keepFrom);
        return;
      }
      this._fail(`Could not queue audio: ${error.message}`);
      return;
    }
    if (this.audio.paused && !this.held) this._play();
  }

  _play() {
    const attempt = this.audio.play();
    if (attempt && attempt.catch) attempt.catch((error) => this.emit("autoplay_blocked", { error }));
  }

  hold() {
    this.held = true;
    if (!this.audio.paused) this.audio.pause();
  }

  release() {
    if (!this.held) return;
    this.held = false;
    if (this.sourceBuffer && this._bufferedEnd() > this.audio.currentTime) this._play();
  }

  _check() {
    if (!this.sourceBuffer) return;
    const now = this.audio.currentTime;
    for (const turn of this.order) {
      const span = this.spans.get(turn);
      if (span.endedReported) continue;
      if (span.end !== null && span.end - span.start < END_SLACK_S) {
        // Nothing playable in this turn: hand the floor back straight away.
        span.endedReported = true;
        this.emit("ended", { turn, empty: true });
        if (this.isIdle()) this.emit("idle");
        continue;
      }
      // Strictly past the start: the playhead must have moved into this turn's audio, not just be
      // parked at the end of the previous one when the first chunk lands.
      if (!span.startedReported && span.start !== null && now > span.start && !this.audio.paused) {
        span.startedReported = true;
        this.emit("started", { turn });
      }
      if (span.end !== null && span.startedReported && now >= span.end - END_SLACK_S) {
        span.endedReported = true;
        this.emit("ended", { turn });
        if (this.isIdle()) this.emit("idle");
      }
    }
  }

  isIdle() {
    return this.queue.length === 0 && [...this.spans.values()].every((span) => span.endedReported);
  }

  /** A new session began: turns of the old connection will get no more audio; play out what came. */
  endOpenTurns() {
    for (const span of this.spans.values()) if (!span.audioEnded) this.endTurn(span.turn);
  }

  /** Stop speaking now (the candidate interrupted, or the interview ended). */
  stop({ silent = false } = {}) {
    this.held = false;
    this.queue = [];
    for (const span of this.spans.values()) {
      if (span.startedReported && !span.endedReported && !silent) {
        span.endedReported = true;
        this.emit("ended", { turn: span.turn, interrupted: true });
      }
      span.endedReported = true;
    }
    if (this.sourceBuffer) {
      // A half-appended chunk is dropped too (abort() resets the parser for the next turn's audio).
      if (this.sourceBuffer.updating) this.sourceBuffer.abort();
      // Skip to the end of what is buffered: nothing left plays, and the next turn (appended right
      // after it in sequence mode) starts as soon as it arrives.
      const end = this._bufferedEnd();
      if (end > this.audio.currentTime) this.audio.currentTime = end;
    }
    this.emit("idle");
  }

  _fail(message) {
    if (this.broken) return;
    this.broken = true;
    this.emit("error", { message });
  }

  destroy() {
    cancelAnimationFrame(this._raf);
  }
}

// --- Web Audio fallback ---------------------------------------------------------------------------

const MP3_BITRATES = {
  // [version][layer] -> kbps table (index 1..14); version 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  low1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  low23: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_SAMPLE_RATES = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Length in bytes of the MPEG audio frame starting at `i`, or 0 if there is no valid header. */
export function mp3FrameLength(bytes, i) {
  if (i + 4 > bytes.length || bytes[i] !== 0xff || (bytes[i + 1] & 0xe0) !== 0xe0) return 0;
  const version = (bytes[i + 1] >> 3) & 3;
  const layerBits = (bytes[i + 1] >> 1) & 3;
  const bitrateIndex = bytes[i + 2] >> 4;
  const rateIndex = (bytes[i + 2] >> 2) & 3;
  const padding = (bytes[i + 2] >> 1) & 1;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return 0;
  const layer = 4 - layerBits;
  const table = version === 3 ? MP3_BITRATES[layer] : layer === 1 ? MP3_BITRATES.low1 : MP3_BITRATES.low23;
  const bitrate = table[bitrateIndex] * 1000;
  const sampleRate = MP3_SAMPLE_RATES[version][rateIndex];
  if (layer === 1) return Math.floor((12 * bitrate) / sampleRate + padding) * 4;
  const samplesPerFrame = layer === 3 && version !== 3 ? 576 : 1152;
  return Math.floor((samplesPerFrame / 8) * bitrate / sampleRate) + padding;
}

/** Split off the complete MP3 frames at the front of `bytes`; returns [complete, rest]. */
export function splitCompleteFrames(bytes) {
  let i = 0;
  // Skip an ID3v2 tag if present.
  if (bytes.length >= 10 && bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) {
    const size = ((bytes[6] & 0x7f) << 21) | ((bytes[7] & 0x7f) << 14) | ((bytes[8] & 0x7f) << 7) | (bytes[9] & 0x7f);
    if (bytes.length < 10 + size) return [new Uint8Array(0), bytes];
    i = 10 + size;
  }
  const start = i;
  let end = i;
  while (i < bytes.length) {
    const length = mp3FrameLength(bytes, i);
    if (length === 0) {
      i += 1; // resync
      end = Math.max(end, start);
      continue;
    }
    if (i + length > bytes.length) break;
    i += length;
    end = i;
  }
  return [bytes.subarray(start, end), bytes.subarray(end)];
}

export class WebAudioPlayer extends Emitter {
  constructor(destination) {
    super("player");
    this.kind = "webaudio";
    this.ctx = audioContext();
    this.destination = destination || this.ctx.destination;
    this.nextTime = 0;
    this.spans = new Map();
    this.carry = new Map(); // turn -> leftover bytes (an incomplete frame)
    this.decodeChain = Promise.resolve();
    this.sources = new Set();
    this.held = false;
    this._timer = setInterval(() => this._check(), 50);
  }

  // The context's clock stops while suspended, so the schedule simply resumes where it was.
  hold() {
    this.held = true;
    this.ctx.suspend().catch(() => {});
  }

  release() {
    if (!this.held) return;
    this.held = false;
    this.ctx.resume().catch(() => {});
  }

  unlock() {
    this.ctx.resume().catch(() => {});
  }

  _span(turn) {
    let span = this.spans.get(turn);
    if (!span) {
      span = new TurnSpan(turn);
      this.spans.set(turn, span);
    }
    return span;
  }

  appendChunk(turn, bytes) {
    const span = this._span(turn);
    if (span.endedReported) return;
    span.pending += 1;
    const previous = this.carry.get(turn) || new Uint8Array(0);
    const joined = new Uint8Array(previous.length + bytes.length);
    joined.set(previous);
    joined.set(bytes, previous.length);
    const [complete, rest] = splitCompleteFrames(joined);
    this.carry.set(turn, rest);
    this._schedule(span, complete);
  }

  endTurn(turn) {
    const span = this._span(turn);
    span.ending = true;
    const rest = this.carry.get(turn);
    this.carry.delete(turn);
    if (rest && rest.length) {
      span.pending += 1;
      this._schedule(span, rest);
    }
    this.decodeChain = this.decodeChain.then(() => {
      span.audioEnded = true;
      span.end = span.start === null ? this.ctx.currentTime : this.nextTime;
      if (span.start === null) span.start = span.end;
    });
  }

  _schedule(span, bytes) {
    this.decodeChain = this.decodeChain.then(async () => {
      span.pending -= 1;
      if (!bytes.length || span.endedReported) return;
      let buffer;
      try {
        // decodeAudioData detaches its input, so it gets a copy.
        buffer = await this.ctx.decodeAudioData(bytes.slice().buffer);
      } catch (error) {
        this.emit("error", { message: `Could not decode audio: ${error.message || error}` });
        return;
      }
      const source = this.ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(this.destination);
      const at = Math.max(this.nextTime, this.ctx.currentTime + 0.02);
      if (span.start === null) span.start = at;
      source.start(at);
      this.nextTime = at + buffer.duration;
      this.sources.add(source);
      source.addEventListener("ended", () => this.sources.delete(source));
    });
  }

  _check() {
    const now = this.ctx.currentTime;
    for (const span of this.spans.values()) {
      if (span.endedReported) continue;
      if (!span.startedReported && span.start !== null && now >= span.start) {
        span.startedReported = true;
        this.emit("started", { turn: span.turn });
      }
      if (span.audioEnded && span.end !== null && now >= span.end - END_SLACK_S) {
        if (!span.startedReported) {
          span.startedReported = true;
          this.emit("started", { turn: span.turn });
        }
        span.endedReported = true;
        this.emit("ended", { turn: span.turn });
        if (this.isIdle()) this.emit("idle");
      }
    }
  }

  isIdle() {
    return [...this.spans.values()].every((span) => span.endedReported);
  }

  /** A new session began: turns of the old connection will get no more audio; play out what came. */
  endOpenTurns() {
    for (const span of [...this.spans.values()]) if (!span.audioEnded && !span.ending) this.endTurn(span.turn);
  }

  stop({ silent = false } = {}) {
    this.release();
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {
        // already stopped
      }
    }
    this.sources.clear();
    this.nextTime = 0;
    for (const span of this.spans.values()) {
      if (span.startedReported && !span.endedReported && !silent) {
        this.emit("ended", { turn: span.turn, interrupted: true });
      }
      span.endedReported = true;
    }
    this.emit("idle");
  }

  destroy() {
    clearInterval(this._timer);
  }
}

/** The best player this browser supports. */
export function createPlayer(audioElement, { forceWebAudio = false } = {}) {
  if (!forceWebAudio && mediaSourceSupportsMp3()) return new MediaSourcePlayer(audioElement);
  return new WebAudioPlayer();
}
