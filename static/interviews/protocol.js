// The wire contract of /ws/interview/<invite token>/ (docs/DESIGN.md, "Wire protocol"), as the
// server defines it in interviews/protocol.py: the page names every type, reason and code from here
// and nowhere else. tests/test_client_contract.py reads this file and checks it against the server,
// so keep to its shape: `export const Name = Object.freeze({ KEY: "value" or number, ... });`, one
// entry a line.

/** Frames the server sends (interviews/protocol.py SERVER_FRAMES); the key is the type in capitals. */
export const ServerFrame = Object.freeze({
  SESSION_STATE: "session_state",
  USER_TRANSCRIPT: "user_transcript",
  AI_TRANSCRIPT_CHUNK: "ai_transcript_chunk",
  AI_AUDIO_CHUNK: "ai_audio_chunk",
  AI_AUDIO_END: "ai_audio_end",
  SPEECH_STARTED: "speech_started",
  SPEECH_ENDED: "speech_ended",
  INTERVIEW_ENDED: "interview_ended",
  ERROR: "error",
});

/** The interviewer's audio as binary frames, asked for in the socket's URL (`?audio=binary`): a
 * header of HEADER_BYTES (KIND, then the turn and seq as unsigned 32-bit big-endian numbers) and the
 * MP3 bytes, in place of `ai_audio_chunk`'s base64 (interviews/protocol.py AiAudioChunk.binary). */
export const BinaryAudio = Object.freeze({
  PARAMETER: "audio",
  VALUE: "binary",
  KIND: 1,
  HEADER_BYTES: 9,
});

/** Messages the page sends (CLIENT_MESSAGE_TYPES); audio also goes up as binary frames. */
export const ClientMessage = Object.freeze({
  AUDIO_CHUNK: "audio_chunk",
  AUDIO_END: "audio_end",
  END_INTERVIEW: "end_interview",
  INTERRUPT: "interrupt",
  PLAYBACK: "playback",
});

/** `ai_audio_end.reason`: why the interviewer's audio for a turn ended (AudioEndReason). */
export const AudioEndReason = Object.freeze({
  COMPLETE: "complete", // said to its end: play out what is buffered
  INTERRUPTED: "interrupted", // the candidate barged in or pressed Interrupt: drop its audio now
  WITHDRAWN: "withdrawn", // taken back before a sound (the candidate went on): drop its subtitles
});

/** `error.code` (ErrorCode). */
export const ErrorCode = Object.freeze({
  MALFORMED: "malformed_frame",
  UNKNOWN_TYPE: "unknown_type",
  MISSING_FIELD: "missing_field",
  BAD_AUDIO: "bad_audio",
  TOO_LARGE: "frame_too_large",
  ANSWER_TOO_LONG: "answer_too_long",
  RATE_LIMITED: "rate_limited",
  NOT_READY: "not_ready",
  STT_FAILED: "stt_failed",
  LLM_FAILED: "llm_failed",
  TTS_FAILED: "tts_failed",
  NO_SPEECH: "no_speech",
  INTERVIEW_LIMIT: "interview_limit",
  CONSENT_REQUIRED: "consent_required",
  SERVER_BUSY: "server_busy",
  ENDED: "interview_ended",
  INTERNAL: "internal_error",
});

/** WebSocket close codes (CloseCode); one set for the interview socket and the staff monitor socket. */
export const CloseCode = Object.freeze({
  NORMAL: 1000, // the interview ended (after interview_ended)
  INTERNAL_ERROR: 1011, // a server fault while starting: reconnect, the interview resumes
  REPLACED: 4001, // another tab or window took over this interview
  PROTOCOL_ABUSE: 4008, // flood or repeated oversized frames
  FORBIDDEN: 4403, // the monitor socket without a staff session
  NOT_FOUND: 4404, // unknown invite link
  FINISHED: 4409, // the interview has already ended
  GONE: 4410, // the link expired before the interview started
  NEEDS_CONSENT: 4412, // the candidate has not agreed on the invite page: go back there
  BUSY: 4503, // the server is at its session cap: retry later
});

/** `session_state.mode`. */
export const Mode = Object.freeze({
  PUSH_TO_TALK: "push_to_talk",
  HANDS_FREE: "hands_free",
});

/** `playback.event`: the browser started or finished playing a turn. */
export const PlaybackEvent = Object.freeze({
  STARTED: "started",
  ENDED: "ended",
});

/** `session_state.status` (the interview's status, interviews.models.Interview.Status). */
export const InterviewStatus = Object.freeze({
  INVITED: "invited",
  IN_PROGRESS: "in_progress",
  COMPLETED: "completed",
  EXPIRED: "expired",
  ABANDONED: "abandoned",
  FAILED: "failed",
});

/** `history[].speaker`. */
export const Speaker = Object.freeze({
  INTERVIEWER: "interviewer",
  CANDIDATE: "candidate",
});

/** `history[].role`, as the seed's history had it. */
export const HistoryRole = Object.freeze({
  ASSISTANT: "assistant",
  USER: "user",
});
