"""The offline interviewer: runs the template's plan by rules, with no model and no network.

It first asks what the candidate's answer is (interviews.intents): a request to repeat gets the
question again, "I don't know" one hint and then a neutral move on, a question back a deferral to
the recruiter, an answer in another language one request to use the interview's language, talk to
the machine ("ignore your instructions") is no answer. Only real answers are followed up, on the
candidate's own words (providers.key_phrases), within the question's follow-up budget and time,
and never on a topic a later planned question will ask anyway.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass

from interviews.chunker import FOLLOW_UP_MARKER, QUESTION_MARKER
from interviews.intents import Intent, classify, words
from interviews.languages import Translate, language_base, untranslated
from interviews.providers.base import END_MARKER, InterviewContext, Message, PlannedQuestion, ProviderInfo
from interviews.providers.key_phrases import content_terms, key_phrases
from interviews.providers.local_phrases import FOR_ROLE, NAME, PHRASES, SHORT_ANSWER_WORDS

# With less time left than this, follow-ups are skipped in favour of the remaining planned questions.
FOLLOW_UP_MIN_REMAINING_S = 60.0
# Replies on one question that were neither the question nor a follow-up (repeats, hints,
# deferrals, reminders) before the interviewer moves on whatever the candidate says.
MAX_ASIDES = 3
# An answer with fewer content words than this says next to nothing: it gets the one nudge.
THIN_ANSWER_TERMS = 3
# Streamed a word at a time, as a model would: a word ends at a space, or after a comma, stop or
# question mark (Japanese writes no spaces).
_PIECES = re.compile(r"[^\s、。！？?!]*[、。！？?!]\s*|[^\s、。！？?!]+\s*")


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _is_kind(line: str, templates: Sequence[str]) -> bool:
    """Whether the interviewer's `line` is one of these sentences (placeholders match anything)."""
    said = _normalise(line)
    for template in templates:
        parts = [_normalise(part) for part in re.split(r"\{\w+\}", template)]
        pattern = r".*".join(re.escape(part) for part in parts if part)
        if pattern and re.search(pattern, said):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Since:
    """The conversation since the current planned question was first asked."""

    interviewer: list[str]  # what the interviewer said after asking it
    answers: list[str]  # each of the candidate's answers since
    latest: str  # the candidate's words since the interviewer last spoke ("" = none)


class LocalInterviewer:
    """LanguageModel that runs the plan by rules. It keeps no state: where the interview stands comes
    from the pipeline (context.progress, kept from the markers it writes) and the conversation, so
    reconnects, replays and several workers agree. Phrasing varies with `seed` and the turn number;
    the words are the interview language's, through `translate` (interviews.i18n.translate)."""

    info = ProviderInfo(stage="llm", name="local", detail="plan-driven interviewer")

    def __init__(self, *, seed: int = 0, token_delay_s: float = 0.0, translate: Translate = untranslated) -> None:
        self.seed = seed
        self.token_delay_s = token_delay_s
        self.translate = translate

    async def stream(self, messages: list[Message], *, context: InterviewContext) -> AsyncGenerator[str, None]:
        for piece in _PIECES.findall(self.reply(messages, context=context)):
            if self.token_delay_s:
                await asyncio.sleep(self.token_delay_s)
            yield piece

    def reply(self, messages: Sequence[Message], *, context: InterviewContext) -> str:
        """The whole next interviewer message, with its markers (chunker.MarkerFilter removes them)."""
        language = language_base(context.language)
        phrases = {kind: tuple(self.translate(text, language) for text in texts) for kind, texts in PHRASES.items()}
        questions = self._questions(context, phrases)
        conversation = [m for m in (context.transcript or messages) if m.role in ("user", "assistant")]
        interviewer_turns = sum(1 for m in conversation if m.role == "assistant")
        rng = random.Random(self.seed * 1_000_003 + interviewer_turns)
        names = self._name_values(context, language)
        next_steps = context.what_happens_next.strip() or phrases["next_steps"][0]

        def pick(kind: str, **values: str) -> str:
            return rng.choice(phrases[kind]).format(**names, next_steps=next_steps, **values)

        if context.closing:
            return pick("time_up") + END_MARKER
        number = context.progress.question if context.progress else self._asked(conversation, questions)
        if number == 0:
            greeting = pick("greeting") if interviewer_turns == 0 else ""
            return f"{QUESTION_MARKER.format(number=1)} {greeting} {questions[0].text}".strip()

        current = questions[number - 1]
        since = self._since(conversation, questions, number - 1)

        def said(kind: str) -> int:
            """How often the interviewer said a sentence of this kind since asking the question."""
            return sum(1 for line in since.interviewer if _is_kind(line, phrases[kind]))

        follow_ups = context.progress.follow_ups if context.progress else said("follow_up")
        asides = len(since.interviewer) - follow_ups

        def advance(kind: str = "transition") -> str:
            if number >= len(questions):
                return f"{pick('acknowledge')} {pick('closing')}{END_MARKER}"
            lead = "" if kind == "move_on" else pick("acknowledge") + " "
            return f"{QUESTION_MARKER.format(number=number + 1)} {lead}{pick(kind, question=questions[number].text)}"

        def go_on() -> str:
            """After a real answer: one nudge if it was very short, a follow-up, or the next question."""
            progress, remaining = context.progress, context.remaining_seconds
            time_up = (progress is not None and progress.question_time_up) or (
                remaining is not None and remaining < FOLLOW_UP_MIN_REMAINING_S
            )
            # Very short, or with next to nothing in it ("some backend stuff... it was fine").
            short = (
                len(words(since.latest)) < SHORT_ANSWER_WORDS.get(language, SHORT_ANSWER_WORDS["en"])
                or len(content_terms(since.latest, language=language)) < THIN_ANSWER_TERMS
            )
            if short and not said("more") and not time_up:
                return pick("more")
            if follow_ups < current.follow_up_depth and not time_up:
                taken = [content_terms(q.text, language=language) for q in questions[number - 1 :]]
                answers = [a for a in since.answers if classify(a, language=language) == Intent.ANSWER]
                for phrase in key_phrases(" ".join(reversed(answers)), language=language):
                    terms = content_terms(phrase, language=language)
                    if terms and not any(terms & asked for asked in taken):
                        return f"{FOLLOW_UP_MARKER} {pick('follow_up', phrase=phrase)}"
            return advance()

        intent = classify(since.latest, language=language)
        if asides >= MAX_ASIDES and intent != Intent.ANSWER:
            return advance("move_on")
        match intent:
            case Intent.EMPTY:
                return pick("repeat", question=current.text)
            case Intent.REPEAT:
                return pick("repeat_request", question=self._last_question(since, current, phrases))
            case Intent.META:
                return advance("move_on") if said("stay_on_topic") else pick("stay_on_topic", question=current.text)
            case Intent.WRONG_LANGUAGE:
                return advance("move_on") if said("wrong_language") else pick("wrong_language", question=current.text)
            case Intent.DONT_KNOW:
                return advance("move_on") if said("dont_know") else pick("dont_know", question=current.text)
            case Intent.QUESTION:
                answered = any(classify(a, language=language) == Intent.ANSWER for a in since.answers)
                return f"{pick('deferral')} {go_on() if answered else current.text}"
        return go_on()

    @staticmethod
    def _last_question(since: _Since, current: PlannedQuestion, phrases: dict[str, tuple[str, ...]]) -> str:
        """What "could you repeat that?" asks for: the follow-up if one was the last question, else the
        planned question (repeats of either are skipped)."""
        for line in reversed(since.interviewer):
            if _is_kind(line, phrases["repeat_request"]) or _is_kind(line, phrases["repeat"]):
                continue
            return line.strip() if _is_kind(line, phrases["follow_up"]) else current.text
        return current.text

    @staticmethod
    def _questions(context: InterviewContext, phrases: dict[str, tuple[str, ...]]) -> tuple[PlannedQuestion, ...]:
        if context.questions:
            return context.questions
        return tuple(PlannedQuestion(text=text) for text in phrases["default_questions"])

    def _name_values(self, context: InterviewContext, language: str) -> dict[str, str]:
        """The greeting's and closing's {name} and {for_role}, written as the language writes them."""
        name = context.candidate_name.strip()
        role = (context.role or context.title).strip()
        return {
            "name": self.translate(NAME, language).format(name=name) if name else "",
            "for_role": self.translate(FOR_ROLE, language).format(role=role) if role else "",
        }

    @staticmethod
    def _asked(conversation: Sequence[Message], questions: Sequence[PlannedQuestion]) -> int:
        """Without the pipeline's progress (a replay): the latest planned question the interviewer spoke."""
        texts = [_normalise(q.text) for q in questions]
        for message in reversed(conversation):
            if message.role == "assistant":
                said = _normalise(message.content)
                matches = [number for number, text in enumerate(texts, start=1) if text and text in said]
                if matches:
                    return max(matches)
        return 0

    @staticmethod
    def _since(conversation: Sequence[Message], questions: Sequence[PlannedQuestion], index: int) -> _Since:
        current = _normalise(questions[index].text)
        others = [_normalise(q.text) for i, q in enumerate(questions) if i != index]
        start = len(conversation)
        for i in range(len(conversation) - 1, -1, -1):
            message = conversation[i]
            if message.role != "assistant":
                continue
            said = _normalise(message.content)
            if current and current in said:
                start = i  # keep going back: the first time it was asked
            elif any(other and other in said for other in others) and start < len(conversation):
                break
        window = list(conversation[start + 1 :]) if start < len(conversation) else []
        latest: list[str] = []
        for message in reversed(conversation):
            if message.role == "assistant":
                break
            latest.append(message.content)
        return _Since(
            interviewer=[m.content for m in window if m.role == "assistant"],
            answers=[m.content for m in window if m.role == "user"],
            latest=" ".join(reversed(latest)).strip(),
        )
