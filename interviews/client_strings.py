"""The words the candidate pages' scripts show (static/interviews/*.js), as a catalogue the page
receives as JSON: each key's text in the interview's language (Django's translation framework; the
translations are in locale/<code>/LC_MESSAGES/django.po). {reason} is filled in by the script."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CLIENT_STRINGS = {
    "act_candidate": _("You're speaking"),
    "act_listening": _("Listening"),
    "act_muted": _("Muted"),
    "act_speaking": _("Speaking"),
    "act_thinking": _("Thinking…"),
    "camera_denied": _("Camera not available ({reason}); the interview continues without video."),
    "camera_off": _("Hide my camera"),
    "camera_on": _("Show my camera"),
    "conn_connecting": _("Connecting…"),
    "conn_ended": _("Ended"),
    "conn_live": _("Live"),
    "conn_reconnecting": _("Reconnecting…"),
    "ending": _("Ending the interview…"),
    "error_prefix": _("Problem"),
    "hf_listening": _("Listening — just speak. Pause when you are done and the interviewer will answer."),
    "hf_muted": _("Your microphone is muted — the interviewer cannot hear you. Unmute to answer."),
    "interviewer": _("Interviewer"),
    "mic_denied": _(
        "The browser could not use a microphone: {reason}. Allow microphone access in the address bar and try again."
    ),
    "mic_disabled_ended": _("The interview has ended."),
    "mic_disabled_nomic": _("No microphone available: {reason}"),
    "mic_disabled_offline": _("Not connected — the microphone is off until the connection is back."),
    "mic_disabled_speaking": _("Wait until the interviewer has finished speaking."),
    "mic_disabled_thinking": _("The interviewer is preparing the next question."),
    "mic_hint": _("Click the button or hold Space while you speak."),
    "mic_ok": _("Your microphone works."),
    "mic_recording": _("Recording — release Space or click when you are done."),
    "mic_start": _("Answer"),
    "mic_stop": _("Done answering"),
    "mic_unsupported": _("This browser cannot record audio. Please use a current Chrome, Edge, Firefox or Safari."),
    "mute": _("Mute microphone"),
    "no_audio_autoplay": _("Click anywhere to hear the interviewer."),
    "reconnect_failed": _("Could not reconnect. Check your internet connection and reload this page."),
    "replaced": _("This interview was opened in another window or tab."),
    "resumed": _("Reconnected — continuing where you left off."),
    "speaker_done": _("Tone played. If you heard nothing, check your volume."),
    "time_up": _("Time is up — the interview is ending."),
    "unmute": _("Unmute microphone"),
    "you": _("You"),
}


def client_strings() -> dict[str, str]:
    """The scripts' words in the active language (views activate the interview's)."""
    return {key: str(text) for key, text in CLIENT_STRINGS.items()}
