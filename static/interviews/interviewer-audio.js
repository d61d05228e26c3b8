// The interviewer's voice on the page: the streaming player, the volume (lowered while the
// candidate talks over the interviewer), and the level of the voice that the avatar follows.
import { analyserLevel, audioContext } from "./audio-tools.js";
import { PageEvent } from "./events.js";
import { MediaSourcePlayer, WebAudioPlayer, mediaSourceSupportsMp3 } from "./player.js";

// While the candidate talks over the interviewer, the interviewer gets this quiet at once.
export const DUCKED_VOLUME = 0.25;
// How much of the previous frame's level is kept: the face moves with syllables, not samples.
const LEVEL_SMOOTHING = 0.7;

export class InterviewerAudio {
  /**
   * Call from a user gesture (the AudioContext and the media element need one).
   * @param {object} options
   * @param {HTMLAudioElement} options.audio  the page's <audio> element
   * @param {boolean} options.forceWebAudio   use the Web Audio fallback even where MediaSource plays MP3
   * @param {import("./events.js").Emitter} options.bus  hears HELD, FLUSHED, VOLUME, PLAYBACK_LEVEL
   */
  constructor({ audio, forceWebAudio, bus }) {
    this._audio = audio;
    this._bus = bus;
    this.volume = 1;
    this._gain = null;
    /** The interviewer's voice after its volume, for the avatar's lip-sync; null without Web Audio. */
    this.analyser = null;
    let ctx = null;
    let analyser = null;
    try {
      ctx = audioContext();
      analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      analyser.connect(ctx.destination);
      // interviewer audio -> gain (ducking) -> analyser (avatar) -> speakers
      this._gain = ctx.createGain();
      this._gain.connect(analyser);
    } catch (error) {
      console.warn("No Web Audio; the avatar stays still.", error);
    }
    if (mediaSourceSupportsMp3() && !forceWebAudio) {
      this.player = new MediaSourcePlayer(audio);
      if (ctx && analyser) {
        // The element's sound goes through the analyser to the speakers, so the avatar follows it.
        ctx.createMediaElementSource(audio).connect(this._gain);
      }
    } else {
      this.player = new WebAudioPlayer(this._gain || undefined);
    }
    if (analyser) this._followLevel(analyser);
    this.analyser = analyser;
  }

  /** Pause where it is (the candidate's voice over the interviewer); release() goes on. */
  hold() {
    this._bus.emit(PageEvent.HELD);
    this.player.hold();
  }

  release() {
    this.player.release();
  }

  /** Only lower the volume (where holding keeps being a false alarm). */
  duck() {
    if (this.volume !== DUCKED_VOLUME) this._setVolume(DUCKED_VOLUME);
  }

  restoreVolume() {
    if (this.volume !== 1) this._setVolume(1);
  }

  /**
   * Drop everything buffered of `turn` and what follows, and stop at once. `report`: the player
   * says the turn ended (the page then tells the server), for a turn the server did not cut itself.
   */
  flush({ turn, report }) {
    const audio = this._audio;
    this._bus.emit(PageEvent.FLUSHED, {
      turn,
      report,
      currentTime: audio.currentTime,
      bufferedEnd: audio.buffered.length ? audio.buffered.end(audio.buffered.length - 1) : 0,
    });
    this.player.stop({ silent: !report });
    this.restoreVolume();
  }

  _setVolume(volume) {
    this.volume = volume;
    this._bus.emit(PageEvent.VOLUME, { volume });
    if (this._gain) {
      const { context } = this._gain;
      this._gain.gain.cancelScheduledValues(context.currentTime);
      this._gain.gain.setTargetAtTime(volume, context.currentTime, 0.015);
    } else {
      this._audio.volume = volume;
    }
  }

  _followLevel(analyser) {
    const buffer = new Float32Array(analyser.fftSize);
    let smooth = 0;
    const follow = () => {
      smooth = smooth * LEVEL_SMOOTHING + analyserLevel(analyser, buffer) * (1 - LEVEL_SMOOTHING);
      this._bus.emit(PageEvent.PLAYBACK_LEVEL, smooth);
      requestAnimationFrame(follow);
    };
    requestAnimationFrame(follow);
  }
}
