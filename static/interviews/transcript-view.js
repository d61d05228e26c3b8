// What was said: the transcript list (one entry a turn, kept in turn order) and the two subtitle
// lines under the avatar (the interviewer's latest words, the candidate's latest answer).
import { HistoryRole, Speaker } from "./protocol.js";

/** A history item's speaker; the seed's items had only `role`. */
function speakerOf(item) {
  return item.speaker || (item.role === HistoryRole.ASSISTANT ? Speaker.INTERVIEWER : Speaker.CANDIDATE);
}

export class TranscriptView {
  /**
   * @param {object} options
   * @param {HTMLElement} options.list          the transcript <ol>
   * @param {HTMLElement} options.subtitleAi    the interviewer's subtitle text
   * @param {HTMLElement} options.subtitleUser  the candidate's subtitle text
   * @param {{interviewer: string, candidate: string}} options.labels  who said it, in the page's language
   */
  constructor({ list, subtitleAi, subtitleUser, labels }) {
    this._list = list;
    this._subtitleAi = subtitleAi;
    this._subtitleUser = subtitleUser;
    this._labels = labels;
    this._entries = new Map(); // turn -> {speaker, text, element, body}
  }

  /** The server's history is the truth for finished turns; a turn still streaming is kept. */
  showHistory(history) {
    const lastStored = history.length ? Math.max(...history.map((item) => item.turn)) : -1;
    const inFlight = [...this._entries.entries()].filter(([turn]) => turn > lastStored);
    this._entries.clear();
    this._list.replaceChildren();
    for (const item of history) this._upsert(item.turn, speakerOf(item), item.content || "");
    for (const [turn, entry] of inFlight) this._upsert(turn, entry.speaker, entry.text);
    const newestFirst = [...history].reverse();
    const lastAi = newestFirst.find((item) => speakerOf(item) === Speaker.INTERVIEWER);
    const lastUser = newestFirst.find((item) => speakerOf(item) === Speaker.CANDIDATE);
    const aiInFlight = inFlight.some(([, entry]) => entry.speaker === Speaker.INTERVIEWER);
    if (lastAi && !aiInFlight) this._subtitleAi.textContent = lastAi.content || "";
    if (lastUser) this._subtitleUser.textContent = lastUser.content || "";
  }

  /** The candidate's words for a turn, all of them so far (`final: false` for a partial transcript). */
  candidateSaid(turn, text, { final }) {
    this.clearAnswerPlaceholder({ restore: false });
    this._upsert(turn, Speaker.CANDIDATE, text, { final });
    this._subtitleUser.textContent = text;
  }

  /** The next piece of the interviewer's words for a turn. */
  interviewerSaid(turn, text) {
    const entry = this._upsert(turn, Speaker.INTERVIEWER, text, { append: true });
    this._subtitleAi.textContent = entry.text;
  }

  /** A reply taken back before it was heard: its words go. */
  withdraw(turn) {
    const entry = this._entries.get(turn);
    if (!entry) return;
    entry.element.remove();
    this._entries.delete(turn);
    if (this._subtitleAi.textContent === entry.text) this._subtitleAi.textContent = "";
  }

  /** Hands-free: the candidate started an answer; "…" until the first words are recognised. */
  showAnswerPlaceholder() {
    const subtitle = this._subtitleUser;
    if (subtitle.dataset.placeholder) return;
    subtitle.dataset.placeholder = subtitle.textContent;
    subtitle.textContent = "…";
  }

  /** `restore`: the speech did not count, so the subtitle shows the previous answer again. */
  clearAnswerPlaceholder({ restore }) {
    const subtitle = this._subtitleUser;
    if (subtitle.dataset.placeholder === undefined) return;
    if (restore) subtitle.textContent = subtitle.dataset.placeholder;
    delete subtitle.dataset.placeholder;
  }

  _upsert(turn, speaker, text, { append = false, final = true } = {}) {
    let entry = this._entries.get(turn);
    if (!entry) {
      const element = document.createElement("li");
      element.className = `entry entry-${speaker}`;
      element.dataset.turn = String(turn);
      element.dataset.speaker = speaker;
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = speaker === Speaker.INTERVIEWER ? this._labels.interviewer : this._labels.candidate;
      const body = document.createElement("span");
      body.className = "text";
      element.append(who, body);
      entry = { speaker, text: "", element, body };
      this._entries.set(turn, entry);
      // Keep the list in turn order, whatever order the frames arrive in.
      const later = [...this._list.children].find((child) => Number(child.dataset.turn) > turn);
      this._list.insertBefore(element, later || null);
    }
    entry.text = append ? entry.text + text : text;
    entry.body.textContent = entry.text;
    entry.element.classList.toggle("partial", !final);
    this._list.scrollTop = this._list.scrollHeight;
    return entry;
  }
}
