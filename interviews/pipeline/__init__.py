"""The conversation loop: one interview's live session, from the candidate's audio to the
interviewer's speech. It knows nothing of Django or the socket (see ports.py). One module per concern:

- session.py       lifecycle, the turn lock, the client's messages (a `match`), resume
- config.py        its settings
- intake.py        the intake interface; push_to_talk.py and hands_free.py behind it
- answering.py     a finished answer: stored, measured and cut at a limit, transcribed, answered
- reply.py         the reply streamer: chunker, TTS prefetch, ordered audio, gated subtitles
- interruption.py  how a reply is cancelled (barge-in, Interrupt, withdrawal, closing), what is kept
- playback.py      where the browser's playback is, and what was heard
- timings.py       per-turn timings and the provider floor
- writer.py        the turn writer: ordered, retried, fenced writes
- limits.py        recording limits on audio
- timers.py        the deadline and the heartbeat
- history.py       the conversation so far, and turn numbers
- tasks.py         the session's tasks and its turn lock
- ports.py         what it is given: Store, Runtime, Send, Observer
- events.py        typed events inside the pipeline
"""

from interviews.pipeline.config import SessionConfig
from interviews.pipeline.events import InterviewFinished, SessionEvent, TurnHeard
from interviews.pipeline.session import Session

__all__ = ["InterviewFinished", "Session", "SessionConfig", "SessionEvent", "TurnHeard"]
