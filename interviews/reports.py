"""Recruiter-facing views of one interview: latency statistics, JSON/Markdown/HTML export, one audio file."""

from __future__ import annotations

import html
import io
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from interviews import selectors
from interviews.evaluation import HEURISTIC_NOTICE, evaluation_to_dict
from interviews.exceptions import InterviewError
from interviews.models import Evaluation, Interview, Turn

logger = logging.getLogger(__name__)

# Per-turn latency columns, in pipeline order (ms from the end of the candidate's answer).
LATENCY_FIELDS = (
    ("transcript_ms", "Transcript"),
    ("llm_first_token_ms", "LLM first token"),
    ("first_clause_ms", "First clause"),
    ("tts_first_byte_ms", "TTS first byte"),
    ("first_audio_sent_ms", "First audio sent"),
    ("playback_started_ms", "Playback started"),
    ("provider_floor_ms", "Provider floor"),
    ("overhead_ms", "Overhead"),
)
AUDIO_FORMATS = {"audio/webm": "webm", "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/ogg": "ogg"}
GAP_BETWEEN_TURNS_MS = 300


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear-interpolated percentile (fraction in 0..1) of the values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 1)


def measured_turns(turns: list[Turn]) -> list[Turn]:
    """Interviewer turns that answer the candidate: the greeting has no answer to count from."""
    return [t for t in turns if t.speaker == Turn.Speaker.INTERVIEWER and not t.is_greeting]


def latency_summary(turns: list[Turn]) -> dict[str, dict[str, float | int | None]]:
    """p50/p95 of each latency column over the interview's measured turns."""
    measured = measured_turns(turns)
    summary: dict[str, dict[str, float | int | None]] = {}
    for name, _label in LATENCY_FIELDS:
        values = [v for v in (getattr(t, name) for t in measured) if v is not None]
        summary[name] = {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95), "count": len(values)}
    return summary


def median_first_audio_ms(values: list[float | None]) -> float | None:
    return percentile([v for v in values if v is not None], 0.5)


def duration_seconds(interview: Interview) -> float | None:
    if interview.started_at is None:
        return None
    end = interview.ended_at or timezone.now()
    return round((end - interview.started_at).total_seconds(), 1)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


# --- export ------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def turn_to_dict(turn: Turn) -> dict[str, Any]:
    return {
        "index": turn.index,
        "speaker": turn.speaker,
        "text": turn.text,
        "is_greeting": turn.is_greeting,
        "interrupted": turn.interrupted,
        "started_at": _iso(turn.started_at),
        "ended_at": _iso(turn.ended_at),
        "has_audio": bool(turn.audio),
        "audio_mime": turn.audio_mime,
        "error": turn.error,
        "timings_ms": {name: getattr(turn, name) for name, _label in LATENCY_FIELDS},
    }


def interview_export(*, interview_id: int) -> dict[str, Any]:
    """Everything about one interview as plain JSON-ready data (the invite token is left out: it is a key)."""
    interview = selectors.interview_get_for_review(interview_id=interview_id)
    template = interview.template
    turns = list(interview.turns.all())
    evaluation = selectors.interview_evaluation(interview=interview)
    return {
        "format": "interview-export/1",
        "exported_at": timezone.now().isoformat(),
        "template": {
            "id": template.pk,
            "slug": template.slug,
            "title": template.title,
            "role": template.role,
            "language": template.language,
            "version": template.version,
            "time_limit_minutes": template.time_limit_minutes,
            "job_description": template.job_description,
            "persona": template.persona,
            "questions": [
                {"position": q.position, "text": q.text, "follow_up_depth": q.follow_up_depth}
                for q in template.questions.all()
            ],
            "rubric": [
                {"name": c.name, "description": c.description, "weight": c.weight, "scale_max": c.scale_max}
                for c in template.criteria.all()
            ],
        },
        "interview": {
            "id": interview.pk,
            "candidate_name": interview.candidate_name,
            "candidate_email": interview.candidate_email,
            "status": interview.status,
            "end_reason": interview.end_reason,
            "template_version": interview.template_version,
            "created_at": _iso(interview.created_at),
            "consented_at": _iso(interview.consented_at),
            "started_at": _iso(interview.started_at),
            "ended_at": _iso(interview.ended_at),
            "duration_s": duration_seconds(interview),
            "recruiter_decision": interview.recruiter_decision,
            "recruiter_notes": interview.recruiter_notes,
        },
        "turns": [turn_to_dict(t) for t in turns],
        "latency": latency_summary(turns),
        "evaluation": evaluation_to_dict(evaluation),
    }


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


# Markdown markup a value could carry: emphasis, code, links and images, table cells, strikethrough, and
# the escape character itself. HTML's own characters become entities, so no tag, comment or autolink
# from a value is ever raw HTML in a renderer that passes HTML through.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]|~])")
# What makes a line a heading, a list item or a setext underline when it starts the line (a quote's
# ">" is already an entity): the marker is escaped, or the dot of "1." / "1)".
_MARKDOWN_LINE_START = re.compile(r"^[#+\-=]")
_MARKDOWN_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")


def md_text(value: object) -> str:
    """Words from a candidate, a recruiter or a model as inert Markdown on one line: HTML escaped, markup
    characters backslash-escaped, line breaks and indentation folded into single spaces."""
    if value is None:
        return ""
    text = html.escape(" ".join(str(value).split()), quote=False)
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    text = _MARKDOWN_LINE_START.sub(lambda match: "\\" + match.group(0), text)
    return _MARKDOWN_ORDERED_ITEM.sub(r"\1\\\2", text)


def md_block(value: object) -> str:
    """Multi-line words (recruiter notes) as inert Markdown paragraphs: md_text per line, blank lines kept."""
    return "\n".join(md_text(line) for line in str(value).splitlines())


def _overall(evaluation: dict[str, Any]) -> str:
    """The overall score as a recruiter reads it: over how many criteria, or none assessed."""
    if evaluation["overall_score"] is None:
        return "— (no criterion could be assessed)"
    assessed, total = evaluation["criteria_assessed"], evaluation["criteria_total"]
    over = f" (over {assessed} of {total} criteria; the rest not assessed)" if assessed < total else ""
    return f"{evaluation['overall_score']}%{over}"


def render_markdown(data: dict[str, Any]) -> str:
    """The report as Markdown; every value that came from a person or a model goes through md_text."""
    interview, template = data["interview"], data["template"]
    end_reason = f" ({md_text(interview['end_reason'])})" if interview["end_reason"] else ""
    lines = [
        f"# Interview: {md_text(interview['candidate_name'])} — {md_text(template['title'])}",
        "",
        f"- Role: {md_text(template['role'])} (template version {interview['template_version']}, "
        f"language {md_text(template['language'])})",
        f"- Status: {md_text(interview['status'])}{end_reason}",
        f"- Consent given: {interview['consented_at'] or 'not recorded'}",
        f"- Started: {interview['started_at'] or '—'}; ended: {interview['ended_at'] or '—'}; "
        f"duration: {format_duration(interview['duration_s'])}",
        f"- Recruiter decision: {md_text(interview['recruiter_decision']) or 'none yet'}",
    ]
    if interview["recruiter_notes"]:
        lines += ["", "## Recruiter notes", "", md_block(interview["recruiter_notes"])]
    lines += ["", "## Evaluation", ""]
    evaluation = data["evaluation"]
    if evaluation is None:
        lines.append("Not evaluated yet.")
    elif evaluation["status"] == Evaluation.Status.FAILED:
        lines.append(f"**The evaluation failed:** {md_text(evaluation['error'])}")
    elif evaluation["status"] != Evaluation.Status.DONE:
        lines.append(f"Evaluation {md_text(evaluation['status'])}.")
    else:
        if evaluation["evaluator_notice"]:
            lines += [f"> {md_text(evaluation['evaluator_notice'])}", ""]
        lines += [
            f"- Overall score: {_overall(evaluation)} — recommendation: "
            f"{md_text(evaluation['recommendation_label'] or evaluation['recommendation'])}",
            f"- Evaluated by {md_text(evaluation['model_name'])} against rubric version {evaluation['rubric_version']}",
            "",
            md_text(evaluation["summary"]),
            "",
            "| Criterion | Score | Evidence | Rationale |",
            "|---|---|---|---|",
        ]
        for score in evaluation["scores"]:
            evidence = "<br>".join(
                f"“{md_text(e['quote'])}”" + ("" if e["verified"] else " (not found in the transcript)")
                for e in score["evidence"]
            )
            lines.append(
                f"| {md_text(score['criterion'])} | {score['score_label']} | {evidence or '—'} | "
                f"{md_text(score['rationale'])} |"
            )
        for title, key in (("Strengths", "strengths"), ("Concerns", "concerns")):
            if evaluation[key]:
                lines += ["", f"### {title}", "", *(f"- {md_text(item)}" for item in evaluation[key])]
    lines += ["", "## Transcript", ""]
    for turn in data["turns"]:
        speaker = "Interviewer" if turn["speaker"] == Turn.Speaker.INTERVIEWER else "Candidate"
        latency = turn["timings_ms"]["first_audio_sent_ms"]
        suffix = f" _(first audio {latency:.0f} ms)_" if latency is not None and not turn["is_greeting"] else ""
        lines.append(f"**{turn['index']}. {speaker}**{suffix}: {md_text(turn['text']) or '_(no text)_'}")
        lines.append("")
    lines += [
        "## Latency (ms, interviewer turns after the greeting)",
        "",
        "| Stage | p50 | p95 | n |",
        "|---|---|---|---|",
    ]
    labels = dict(LATENCY_FIELDS)
    for name, stats in data["latency"].items():
        lines.append(f"| {labels[name]} | {_ms(stats['p50'])} | {_ms(stats['p95'])} | {stats['count']} |")
    return "\n".join(lines) + "\n"


def render_html(data: dict[str, Any], *, request: HttpRequest | None = None) -> str:
    """The printable report, one self-contained page. Served (`request` given), its inline CSS carries
    the response's CSP nonce; saved as a file, it has no policy to meet."""
    labels = dict(LATENCY_FIELDS)
    latency_rows = [{"label": labels[name], **stats} for name, stats in data["latency"].items()]
    return render_to_string(
        "recruiter/report.html",
        {"data": data, "latency_rows": latency_rows, "heuristic_notice": HEURISTIC_NOTICE},
        request=request,
    )


# --- audio -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MixedAudio:
    mp3: bytes
    duration_ms: int
    turns_included: int
    turns_skipped: int


def interview_audio_mix(*, turns: list[Turn], bitrate: str = "64k") -> MixedAudio:
    """Both sides' turn audio, in turn order with a short pause between turns, as one MP3 (pydub + ffmpeg)."""
    from pydub import AudioSegment

    gap = AudioSegment.silent(duration=GAP_BETWEEN_TURNS_MS, frame_rate=24000)
    combined = AudioSegment.empty()
    included = skipped = 0
    for turn in turns:
        if not turn.audio:
            continue
        try:
            with turn.audio.open("rb") as handle:
                raw = handle.read()
            audio_format = AUDIO_FORMATS.get(turn.audio_mime.split(";")[0])
            segment = AudioSegment.from_file(io.BytesIO(raw), format=audio_format)
        except Exception as exc:  # a missing file or one ffmpeg cannot decode: keep the rest
            logger.warning(
                "turn audio skipped: %s",
                type(exc).__name__,
                extra={"interview_id": turn.interview_id, "turn": turn.index},
            )
            skipped += 1
            continue
        segment = segment.set_channels(1).set_frame_rate(24000)
        combined += (gap if included else AudioSegment.empty()) + segment
        included += 1
    if not included:
        raise InterviewError("This interview has no playable audio.", code="no_audio")
    buffer = io.BytesIO()
    combined.export(buffer, format="mp3", bitrate=bitrate)
    return MixedAudio(mp3=buffer.getvalue(), duration_ms=len(combined), turns_included=included, turns_skipped=skipped)
