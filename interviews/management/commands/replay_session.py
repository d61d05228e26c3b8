"""Replays a stored interview: the conversation with timestamps and per-turn latency.

--rerun feeds the stored candidate audio through the currently configured providers (STT, then the
LLM and TTS for the reply, as the live pipeline chains them) and compares transcripts and latency;
--audio renders both sides' stored audio as one MP3.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from interviews import reports, selectors
from interviews.chunker import ClauseChunker, MarkerFilter
from interviews.exceptions import InterviewError
from interviews.i18n import translate
from interviews.models import Interview, Turn
from interviews.prompts import build_messages
from interviews.provider_settings import fresh_providers
from interviews.providers.base import InterviewContext, Message, ProviderError, Voice
from interviews.providers.registry import Providers

STAGES = (
    ("transcript_ms", "transcript"),
    ("llm_first_token_ms", "LLM first token"),
    ("first_clause_ms", "first clause"),
    ("tts_first_byte_ms", "TTS first byte"),
)


@dataclass(frozen=True)
class StoredAnswer:
    """One candidate answer to re-run, with what the stored interview did next."""

    index: int
    audio: bytes
    mime: str
    stored_text: str
    history_before: tuple[Message, ...]
    stored_reply: Turn | None


@dataclass
class RerunResult:
    transcript: str = ""
    reply: str = ""
    timings: dict[str, float | None] | None = None
    error: str = ""


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "  --:--.-"
    minutes, secs = divmod(max(seconds, 0.0), 60)
    return f"+{int(minutes):02d}:{secs:04.1f}"


def _timing_line(values: dict[str, float | None]) -> str:
    return ", ".join(f"{label} {_fmt_ms(values.get(name))}" for name, label in STAGES)


async def rerun_answer(
    answer: StoredAnswer, *, providers: Providers, context: InterviewContext, voice: Voice, history_limit: int
) -> RerunResult:
    """STT on the stored audio, then the reply streamed through LLM -> clause chunker -> TTS, each stage timed.

    Times count from the moment the (whole) answer is handed to STT, the replay's "end of answer".
    """
    result = RerunResult(timings={name: None for name, _label in STAGES})
    timings = result.timings
    assert timings is not None
    start = time.perf_counter()

    def since() -> float:
        return round((time.perf_counter() - start) * 1000, 1)

    try:
        result.transcript = await providers.stt.transcribe(answer.audio, language=context.language, mime=answer.mime)
    except ProviderError as exc:
        result.error = f"STT failed: {exc.message}"
        return result
    timings["transcript_ms"] = since()
    history = [*answer.history_before, Message("user", result.transcript)]
    turn_context = replace(context, transcript=tuple(history))
    messages = build_messages(turn_context, history, limit=history_limit, translate=translate)
    chunker, marker = ClauseChunker(), MarkerFilter()
    pieces: list[str] = []
    tts_task: asyncio.Task[None] | None = None

    async def first_clause_speech(text: str) -> None:
        # Only the first byte is timed; closing the stream then stops the synthesis.
        async with contextlib.aclosing(providers.tts.stream(text, voice=voice)) as speech:
            async for chunk in speech:
                if chunk:
                    timings["tts_first_byte_ms"] = since()
                    break

    try:
        async for token in providers.llm.stream(messages, context=turn_context):
            if timings["llm_first_token_ms"] is None:
                timings["llm_first_token_ms"] = since()
            text = marker.feed(token)
            pieces.append(text)
            clauses = chunker.feed(text)
            if clauses and tts_task is None:
                timings["first_clause_ms"] = since()
                tts_task = asyncio.create_task(first_clause_speech(clauses[0]))
        tail = chunker.flush() if tts_task is None else None
        pieces.append(marker.flush())
        if tail:
            timings["first_clause_ms"] = since()
            tts_task = asyncio.create_task(first_clause_speech(tail))
        if tts_task is not None:
            await tts_task
    except ProviderError as exc:
        result.error = f"{exc.stage.upper()} failed: {exc.message}"
    finally:
        if tts_task is not None and not tts_task.done():
            tts_task.cancel()
    result.reply = "".join(pieces).strip()
    return result


class Command(BaseCommand):
    help = "Print a stored interview with timestamps and latency; --rerun it through the current providers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("interview", help="interview id or invite token")
        parser.add_argument(
            "--rerun", action="store_true", help="feed the stored candidate audio through the configured providers"
        )
        parser.add_argument("--audio", metavar="OUT.mp3", help="render both sides' stored audio as one MP3")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            interview = selectors.interview_get(ident=options["interview"])
        except InterviewError as exc:
            raise CommandError(exc.message) from exc
        turns = list(Turn.objects.filter(interview_id=interview.pk).order_by("index"))
        if not turns:
            raise CommandError(f"Interview {interview.pk} has no turns to replay.")
        self._print_conversation(interview, turns)
        if options["rerun"]:
            self._rerun(interview, turns)
        if options["audio"]:
            try:
                mixed = reports.interview_audio_mix(turns=turns)
            except InterviewError as exc:
                raise CommandError(f"Interview {interview.pk}: {exc.message}") from exc
            Path(options["audio"]).write_bytes(mixed.mp3)
            self.stdout.write(
                f"\nWrote {mixed.duration_ms / 1000:.1f} s of audio from {mixed.turns_included} turn(s) "
                f"to {options['audio']}"
                + (f" ({mixed.turns_skipped} undecodable turn(s) left out)" if mixed.turns_skipped else "")
            )

    def _print_conversation(self, interview: Interview, turns: list[Turn]) -> None:
        origin = interview.started_at or next((t.started_at for t in turns if t.started_at), None)
        self.stdout.write(
            f"Interview {interview.pk}: {interview.candidate_name} — {interview.template.title} "
            f"[{interview.status}{', ' + interview.end_reason if interview.end_reason else ''}]"
        )
        if origin is not None:
            self.stdout.write(f"Started {origin:%Y-%m-%d %H:%M:%S} UTC")
        for turn in turns:
            offset = (turn.started_at - origin).total_seconds() if origin and turn.started_at else None
            speaker = "Interviewer" if turn.speaker == Turn.Speaker.INTERVIEWER else "Candidate"
            flags = "".join([" (greeting)" if turn.is_greeting else "", " (interrupted)" if turn.interrupted else ""])
            self.stdout.write(f"{_clock(offset)}  #{turn.index} {speaker}{flags}: {turn.text or '(no text)'}")
            if turn.speaker == Turn.Speaker.INTERVIEWER and not turn.is_greeting:
                parts = [f"{label} {_fmt_ms(getattr(turn, name))}" for name, label in reports.LATENCY_FIELDS]
                self.stdout.write(f"            latency: {', '.join(parts)}")
            if turn.error:
                self.stdout.write(f"            error: {turn.error}")
        summary = reports.latency_summary(turns)
        self.stdout.write("\nLatency over the interviewer's turns after the greeting (p50 / p95):")
        for name, label in reports.LATENCY_FIELDS:
            stats = summary[name]
            if stats["count"]:
                self.stdout.write(f"  {label:<18} {_fmt_ms(stats['p50']):>9} / {_fmt_ms(stats['p95']):>9}")

    def _stored_answers(self, interview: Interview, turns: list[Turn]) -> list[StoredAnswer]:
        answers: list[StoredAnswer] = []
        for position, turn in enumerate(turns):
            if turn.speaker != Turn.Speaker.CANDIDATE or not turn.audio:
                continue
            try:
                with turn.audio.open("rb") as handle:
                    audio = handle.read()
            except OSError as exc:
                raise CommandError(f"Interview {interview.pk}: the audio of turn {turn.index} is missing.") from exc
            history = tuple(
                Message("assistant" if t.speaker == Turn.Speaker.INTERVIEWER else "user", t.text)
                for t in turns[:position]
                if t.text.strip()
            )
            reply = next((t for t in turns[position + 1 :] if t.speaker == Turn.Speaker.INTERVIEWER), None)
            answers.append(
                StoredAnswer(
                    index=turn.index,
                    audio=audio,
                    mime=turn.audio_mime or "audio/webm",
                    stored_text=turn.text,
                    history_before=history,
                    stored_reply=reply,
                )
            )
        return answers

    def _rerun(self, interview: Interview, turns: list[Turn]) -> None:
        answers = self._stored_answers(interview, turns)
        if not answers:
            raise CommandError(f"Interview {interview.pk} has no stored candidate audio to re-run.")
        context = selectors.interview_context(interview=interview)
        voice = Voice(language=context.language, voice_id=interview.template.voice_id)
        limit = settings.INTERVIEW["HISTORY_MESSAGES"]

        async def run_all() -> tuple[str, list[RerunResult]]:
            providers = fresh_providers()  # for this command's one event loop, closed with it
            try:
                results = [
                    await rerun_answer(
                        answer, providers=providers, context=context, voice=voice, history_limit=int(limit)
                    )
                    for answer in answers
                ]
            finally:
                await providers.aclose()
            return providers.describe(), results

        described, results = asyncio.run(run_all())
        self.stdout.write(f"\nRe-run through the current providers: {described}")
        for answer, result in zip(answers, results, strict=True):
            stored = {name: getattr(answer.stored_reply, name, None) for name, _label in STAGES}
            self.stdout.write(f"\n#{answer.index} Candidate")
            self.stdout.write(f"  stored transcript: {answer.stored_text or '(none)'}")
            self.stdout.write(f"  new transcript:    {result.transcript or '(none)'}")
            same = " ".join(answer.stored_text.split()).casefold() == " ".join(result.transcript.split()).casefold()
            self.stdout.write(f"  transcripts {'match' if same else 'differ'}")
            self.stdout.write(f"  stored latency: {_timing_line(stored)}")
            self.stdout.write(f"  new latency:    {_timing_line(result.timings or {})}")
            if result.reply:
                self.stdout.write(f"  new reply: {result.reply}")
            if result.error:
                self.stdout.write(f"  error: {result.error}")
