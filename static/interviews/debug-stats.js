// Test and debugging hook: counters of what the page heard and did, read by the browser tests as
// window.__interview.stats (they never need them to drive the page). Only an observer: it listens
// to the client, the player and the page bus, and nothing on the page reads it back.
import { ClientEvent } from "./client.js";
import { PageEvent } from "./events.js";
import { AudioEndReason } from "./protocol.js";

function countTurn(counts, turn) {
  counts[turn] = (counts[turn] || 0) + 1;
}

export class DebugStats {
  /** @param {import("./events.js").Emitter} bus  the page bus */
  constructor(bus) {
    const stats = {
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
      interruptedTurns: [], // turns the server ended with ai_audio_end reason "interrupted"
      withdrawnTurns: [], // replies withdrawn before a sound (the candidate went on with the answer)
      holds: 0, // times the page held the interviewer's playback for the candidate's voice
      answersContinued: 0, // answers the candidate went on with after a pause
      localInterrupts: 0,
      flushes: [], // {turn, report, currentTime, bufferedEnd} when the page dropped the interviewer's audio
      volume: 1,
      minVolume: 1,
      maxMicLevel: 0,
    };
    this.values = stats;

    bus.on(PageEvent.STATUS, ({ status }) => {
      if (stats.statuses.at(-1) !== status || !stats.statuses.length) stats.statuses.push(status);
    });
    bus.on(PageEvent.ERROR_SHOWN, ({ message, fatal, code }) => stats.errors.push({ message, fatal, code }));
    bus.on(PageEvent.PLAYBACK_LEVEL, (level) => {
      if (level > stats.maxPlaybackLevel) stats.maxPlaybackLevel = level;
    });
    bus.on(PageEvent.MIC_LEVEL, (level) => {
      if (level > stats.maxMicLevel) stats.maxMicLevel = level;
    });
    bus.on(PageEvent.VOLUME, ({ volume }) => {
      stats.volume = volume;
      stats.minVolume = Math.min(stats.minVolume, volume);
    });
    bus.on(PageEvent.HELD, () => {
      stats.holds += 1;
    });
    bus.on(PageEvent.FLUSHED, (flush) => stats.flushes.push(flush));
    bus.on(PageEvent.LOCAL_INTERRUPT, () => {
      stats.localInterrupts += 1;
    });
  }

  /** Count the socket client's events; call before the page subscribes, so counts lead the page's work. */
  watchClient(client) {
    const stats = this.values;
    client.on(ClientEvent.SESSION_STATE, () => {
      stats.sessionStates += 1;
    });
    client.on(ClientEvent.USER_TRANSCRIPT, (message) => {
      if (message.final === false) stats.partialTranscripts += 1;
    });
    client.on(ClientEvent.AI_TRANSCRIPT, (message) => countTurn(stats.aiTextChunks, message.turn));
    client.on(ClientEvent.AI_AUDIO_CHUNK, (message) => {
      if (message.audio.length) countTurn(stats.aiAudioChunks, message.turn);
    });
    client.on(ClientEvent.AI_AUDIO_END, ({ turn, reason }) => {
      if (reason === AudioEndReason.WITHDRAWN) stats.withdrawnTurns.push(turn);
      else if (reason === AudioEndReason.INTERRUPTED) stats.interruptedTurns.push(turn);
    });
    client.on(ClientEvent.SPEECH_STARTED, ({ overlapping, continuesTurn }) => {
      stats.speechStarted += 1;
      if (continuesTurn !== null) stats.answersContinued += 1;
      if (overlapping) stats.speechStartedOverlapping += 1;
    });
    client.on(ClientEvent.SPEECH_ENDED, ({ ignored, reason }) => {
      if (ignored) stats.speechIgnored[reason] = (stats.speechIgnored[reason] || 0) + 1;
      else stats.answersEnded += 1;
    });
  }

  /** Count when the interviewer's turns really started and stopped playing. */
  watchPlayer(player) {
    const stats = this.values;
    player.on("started", ({ turn }) => stats.playbackStarted.push(turn));
    player.on("ended", ({ turn }) => stats.playbackEnded.push(turn));
  }
}
