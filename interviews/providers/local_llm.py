"""A plan-driven interviewer that needs no model and no network: the default when no LLM key is set."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass

from interviews.languages import language_base
from interviews.providers.base import END_MARKER, InterviewContext, Message, PlannedQuestion, ProviderInfo

# An answer shorter than this (English words / Korean eojeol) earns a "could you say more?".
SHORT_ANSWER_WORDS = {"en": 6, "ko": 3}
# With less time left than this, follow-ups are skipped in favour of the remaining planned questions.
FOLLOW_UP_MIN_REMAINING_S = 60.0

_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "greeting": (
            "Hi{name}, thanks for joining this interview{for_role}. I'll ask a few questions; take your time "
            "with each answer. Let's start.",
            "Hello{name}, and welcome to this interview{for_role}. We'll go through a few questions together, "
            "so answer in as much detail as you like. First question.",
        ),
        "acknowledge": (
            "Thank you.",
            "That's helpful, thanks.",
            "Got it, thanks for explaining.",
            "Great, thanks for walking me through that.",
            "Understood.",
        ),
        "transition": ("Next question. {question}", "Let's move on. {question}", "{question}"),
        "follow_up": (
            "You mentioned {phrase} — what was the hardest decision there?",
            "Tell me more about {phrase}: what exactly was your part in it?",
            "You brought up {phrase}. What would you do differently if you did it again?",
            "Let's stay on {phrase} for a moment. What trade-offs did you have to weigh?",
            "How did you know that {phrase} worked out? What did you measure?",
        ),
        "more": (
            "Could you say a bit more about that? A concrete example would help.",
            "Could you expand on that a little? What did you do, specifically?",
            "Can you walk me through that in a bit more detail?",
        ),
        "repeat": ("Let me repeat the question. {question}",),
        "closing": (
            "Thank you{name}, that's all my questions. The hiring team will review this conversation and get "
            "back to you about next steps soon. Have a great day!",
        ),
        "time_up": (
            "We're out of time, so let's stop here. Thank you{name} for your answers. The hiring team will review "
            "this conversation and get back to you about next steps soon. Have a great day!",
        ),
        "default_questions": (
            "Could you tell me a little about yourself and your recent work?",
            "What is a project you are proud of, and what was your role in it?",
            "Tell me about a difficult problem you solved recently. How did you approach it?",
        ),
    },
    "ko": {
        "greeting": (
            "안녕하세요{name}. {role_phrase}면접에 참여해 주셔서 감사합니다. 몇 가지 질문을 드릴 테니 편하게 "
            "답변해 주세요. 첫 번째 질문입니다.",
            "안녕하세요{name}, 반갑습니다. {role_phrase}면접을 시작하겠습니다. 천천히 생각하고 답변해 주셔도 "
            "괜찮습니다. 첫 번째 질문입니다.",
        ),
        "acknowledge": ("감사합니다.", "잘 알겠습니다.", "좋은 답변 감사합니다.", "네, 이해했습니다."),
        "transition": ("다음 질문입니다. {question}", "이제 다음 주제로 넘어가겠습니다. {question}", "{question}"),
        "follow_up": (
            "{phrase}에 대해 말씀하셨는데요, 그때 가장 어려웠던 결정은 무엇이었나요?",
            "{phrase}에 대해 조금 더 자세히 말씀해 주시겠어요? 구체적으로 어떤 역할을 하셨나요?",
            "{phrase}에 대해 말씀하셨는데, 다시 한다면 무엇을 다르게 하시겠어요?",
            "{phrase}에 대해 조금 더 여쭤볼게요. 어떤 점들을 고민하셨나요?",
        ),
        "more": (
            "조금 더 자세히 말씀해 주시겠어요? 구체적인 예를 들어 주시면 좋겠습니다.",
            "그 부분을 조금 더 설명해 주실 수 있을까요? 직접 어떤 일을 하셨나요?",
        ),
        "repeat": ("질문을 다시 드리겠습니다. {question}",),
        "closing": (
            "{name_lead}준비한 질문은 여기까지입니다. 오늘 시간 내주셔서 감사합니다. 채용 담당자가 면접 내용을 "
            "검토한 뒤 다음 단계를 안내해 드릴 예정입니다. 좋은 하루 보내세요!",
        ),
        "time_up": (
            "시간이 다 되어 여기서 마무리하겠습니다. {name_lead}답변해 주셔서 감사합니다. 채용 담당자가 면접 "
            "내용을 검토한 뒤 다음 단계를 안내해 드릴 예정입니다. 좋은 하루 보내세요!",
        ),
        "default_questions": (
            "간단하게 자기소개와 최근에 하신 일을 말씀해 주시겠어요?",
            "가장 자랑스러운 프로젝트는 무엇이고, 그 안에서 어떤 역할을 하셨나요?",
            "최근에 해결한 어려운 문제에 대해 이야기해 주세요. 어떻게 접근하셨나요?",
        ),
    },
}


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_STOP_WORDS = _word_set(
    """
    a about above actually after again against all also am an and any are around as at back basically be because
    been before being below between both but by can could did do does doing done down during each either else
    even ever every few for from further get got had has have having he her here hers him his how however i if in
    into is it its itself just kind know let like lot lots made make many maybe me might more most much must my
    myself no nor not now of off on once one only or other our ours out over own part pretty quite rather really
    right said same say says see she should so some something sort still such sure than that the their them then
    there these they thing things think this those though through thus to too took under until up us use used
    using very was way we well went were what when where which while who whom why will with would yeah yes yet
    you your yours um uh okay ok mean guess basically stuff lot year years last first time times work worked
    working job team teams also new good great big small able bit really try tried trying going want wanted
    thank thanks question answer hardest main whole different day days week weeks month months company
    fine bad nice hard easy mostly usually probably definitely especially generally
    """
)
# Words that open a noun phrase: what follows them is more likely the thing the candidate talks about.
_EN_PHRASE_OPENERS = _word_set("a an the our my their his her its this that these those of with on for in about")
_EN_DETERMINERS = {"the": "the", "our": "your", "my": "your", "a": "the", "an": "the", "this": "that", "their": "their"}
# A run of content words ending in an adjective ("the database consistent") is cut before it.
_EN_ADJECTIVE_END = re.compile(r"(?<!m)(?:ent|ant|ive|ous|ful|able|ible|ic|ical)$")

_KO_STOP_WORDS = _word_set(
    """
    저 저는 제가 저희 저희는 제 나 나는 내가 우리 우리는 그 그리고 그래서 그런데 하지만 그러나 또 또한 정말 너무 아주
    매우 좀 조금 많이 것 거 수 때 때문에 등 및 이 이런 그런 저런 어떤 아마 네 예 음 어 그냥 진짜 항상 주로 대부분
    작년 올해 당시 그때 처음 가장 다른 같은 여러 모든 통해 대해 위해 관련
    """
)
_KO_PARTICLES = tuple(
    sorted(
        _word_set(
            "은 는 이 가 을 를 에 에서 에게 께 으로 로 와 과 도 의 만 까지 부터 이라는 라는 이나 나 에는 에서는 으로는 "
            "로는 과의 와의 이랑 랑 하고"
        ),
        key=len,
        reverse=True,
    )
)
# Endings that make an eojeol a verb or adjective form rather than a noun phrase.
_KO_VERB_ENDINGS = (
    "다",
    "요",
    "고",
    "서",
    "며",
    "면",
    "지만",
    "는데",
    "니다",
    "었",
    "했",
    "하는",
    "했던",
    "하던",
    "한",
    "된",
    "되는",
    "있는",
    "없는",
    "던",
    "게",
    "지",
)

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#.'-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
_SENTENCE_BREAK = re.compile(r"[.!?;:,()\[\]\"—–]+|\s-\s")


@dataclass(frozen=True, slots=True)
class _Position:
    """Where the conversation is in the plan."""

    question_index: int  # -1 = no planned question asked yet
    follow_ups: int  # follow-ups asked about the current question
    last_was_more: bool  # the last interviewer message asked for a longer answer
    answer: str  # the candidate's answer since the interviewer last spoke ("" = none)
    interviewer_turns: int


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _language(context: InterviewContext) -> str:
    primary = language_base(context.language)
    return primary if primary in _TEMPLATES else "en"


def extract_key_phrase_en(answer: str) -> str:
    """The most specific run of content words in an English answer ("payments service"), or ""."""
    candidates: list[tuple[float, int, str]] = []
    position = 0

    def add(run: list[str], opener: str) -> None:
        nonlocal position
        words = run[-4:]
        if len(words) > 1 and _EN_ADJECTIVE_END.search(words[-1].lower()):
            words = words[:-1]
        content = [w for w in words if not w.isdigit()]
        if not content:
            return
        score = sum(min(len(w), 10) for w in content) + 4.0 * (len(words) - 1) + (4.0 if opener else 0.0)
        # Proper nouns and acronyms (Kubernetes, SQL) are specific: prefer them.
        score += 3.0 * sum(1 for w in words[1:] if w[:1].isupper())
        score += 3.0 * sum(1 for w in words if len(w) > 1 and w.isupper())
        # "our payments service" is "your payments service" when the interviewer says it back.
        determiner = _EN_DETERMINERS.get(opener, "") if len(words) == len(run[-4:]) else ""
        candidates.append((score, -position, " ".join([determiner, *words]).strip()))
        position += 1

    for clause in _SENTENCE_BREAK.split(answer):
        run: list[str] = []
        previous = ""
        opener = ""
        for token in [*_WORD.findall(clause), ""]:
            word = token.lower().strip("'.-")
            if token and word not in _EN_STOP_WORDS and not word.endswith("'s") and (len(word) > 2 or word.isdigit()):
                if not run:
                    opener = previous if previous in _EN_PHRASE_OPENERS else ""
                run.append(token.strip("."))
            elif run:
                add(run, opener)
                run = []
            previous = word
    if not candidates:
        return ""
    best = max(candidates)[2]
    # A capital only because the word starts a sentence is no name: "Payments service" -> "payments service".
    if best.split(" ")[0] in _EN_DETERMINERS.values():
        return best
    first, *rest = best.split(" ")
    at_sentence_start = re.search(rf"(?:^|[.!?]\s+){re.escape(first)}\b", answer.strip())
    if first[:1].isupper() and first[1:].islower() and at_sentence_start:
        first = first.lower()
    return " ".join([first, *rest])


def _strip_particle(eojeol: str) -> tuple[str, bool]:
    for particle in _KO_PARTICLES:
        if eojeol.endswith(particle) and len(eojeol) - len(particle) >= 2:
            return eojeol[: -len(particle)], True
    return eojeol, False


def extract_key_phrase_ko(answer: str) -> str:
    """The longest noun-like run of eojeol in a Korean answer ("결제 서비스"), or ""."""
    candidates: list[tuple[int, int, str]] = []
    position = 0
    for clause in re.split(r"[.!?,;:()\"'…]+", answer):
        run: list[str] = []
        for eojeol in [*clause.split(), ""]:
            word = re.sub(r"[^\w]", "", eojeol)
            stem, had_particle = _strip_particle(word)
            is_noun_like = (
                word
                and word not in _KO_STOP_WORDS
                and stem not in _KO_STOP_WORDS
                and len(stem) >= 2
                and (had_particle or not stem.endswith(_KO_VERB_ENDINGS))
            )
            if is_noun_like:
                run.append(stem)
                if had_particle:  # a particle closes the noun phrase: "결제 서비스를" -> "결제 서비스"
                    candidates.append(
                        (sum(len(w) for w in run[-3:]) + 2 * (len(run[-3:]) - 1), -position, " ".join(run[-3:]))
                    )
                    position += 1
                    run = []
                continue
            if run:
                candidates.append(
                    (sum(len(w) for w in run[-3:]) + 2 * (len(run[-3:]) - 1), -position, " ".join(run[-3:]))
                )
                position += 1
            run = []
    return max(candidates)[2] if candidates else ""


def extract_key_phrase(answer: str, *, language: str) -> str:
    return extract_key_phrase_ko(answer) if language == "ko" else extract_key_phrase_en(answer)


def _word_count(answer: str, language: str) -> int:
    if language == "ko":
        return len(answer.split())
    return len(_WORD.findall(answer))


class LocalInterviewer:
    """LanguageModel that runs the interview plan by rules: greeting, planned questions, follow-ups built
    on the candidate's own words, a nudge after very short answers, and a closing with END_MARKER.

    It keeps no state: where the interview stands is read from the conversation each turn, so reconnects,
    replays and several workers all agree. Phrasing varies with `seed` and the turn number, and is the
    same for the same inputs.
    """

    info = ProviderInfo(stage="llm", name="local", detail="plan-driven interviewer")

    def __init__(self, *, seed: int = 0, token_delay_s: float = 0.0) -> None:
        self.seed = seed
        self.token_delay_s = token_delay_s

    async def stream(self, messages: list[Message], *, context: InterviewContext) -> AsyncGenerator[str, None]:
        text = self.reply(messages, context=context)
        ended = text.endswith(END_MARKER)
        body = text.removesuffix(END_MARKER)
        for piece in re.findall(r"\S+\s*", body):
            if self.token_delay_s:
                await asyncio.sleep(self.token_delay_s)
            yield piece
        if ended:
            yield END_MARKER

    # -- the rules --------------------------------------------------------------------------------

    def reply(self, messages: Sequence[Message], *, context: InterviewContext) -> str:
        """The whole next interviewer message (ending with END_MARKER when the interview is over)."""
        language = _language(context)
        templates = _TEMPLATES[language]
        questions = self._questions(context, language)
        position = self._position(self._conversation(messages, context), questions)
        rng = random.Random(self.seed * 1_000_003 + position.interviewer_turns)

        def pick(kind: str, **values: str) -> str:
            return rng.choice(templates[kind]).format(**values)

        names = self._name_values(context, language)
        if context.closing:
            return pick("time_up", **names) + END_MARKER
        if position.interviewer_turns == 0 or position.question_index < 0:
            greeting = pick("greeting", **names) if position.interviewer_turns == 0 else ""
            return f"{greeting} {questions[0].text}".strip()

        current = questions[position.question_index]
        if not position.answer.strip():
            return pick("repeat", question=current.text)
        short = _word_count(position.answer, language) < SHORT_ANSWER_WORDS[language]
        if short and not position.last_was_more:
            return pick("more")
        time_left = context.remaining_seconds is None or context.remaining_seconds >= FOLLOW_UP_MIN_REMAINING_S
        if not short and time_left and position.follow_ups < current.follow_up_depth:
            phrase = extract_key_phrase(position.answer, language=language)
            if phrase:
                return pick("follow_up", phrase=phrase)

        next_index = position.question_index + 1
        acknowledgement = pick("acknowledge")
        if next_index >= len(questions):
            return f"{acknowledgement} {pick('closing', **names)}{END_MARKER}"
        return f"{acknowledgement} {pick('transition', question=questions[next_index].text)}"

    @staticmethod
    def _questions(context: InterviewContext, language: str) -> tuple[PlannedQuestion, ...]:
        if context.questions:
            return context.questions
        return tuple(PlannedQuestion(text=text) for text in _TEMPLATES[language]["default_questions"])

    @staticmethod
    def _name_values(context: InterviewContext, language: str) -> dict[str, str]:
        name = context.candidate_name.strip()
        role = (context.role or context.title).strip()
        if language == "ko":
            return {
                "name": f", {name}님" if name else "",
                "name_lead": f"{name}님, " if name else "",
                "role_phrase": f"{role} " if role else "",
            }
        return {"name": f", {name}" if name else "", "for_role": f" for the {role} role" if role else ""}

    @staticmethod
    def _conversation(messages: Sequence[Message], context: InterviewContext) -> list[Message]:
        # The pipeline sends the model only the last messages; the full transcript, when the context
        # carries it, says reliably where the plan stands.
        source = context.transcript or messages
        return [message for message in source if message.role in ("user", "assistant")]

    def _position(self, conversation: list[Message], questions: Sequence[PlannedQuestion]) -> _Position:
        assistant_indexes = [i for i, message in enumerate(conversation) if message.role == "assistant"]
        answer_parts: list[str] = []
        for message in reversed(conversation):
            if message.role == "assistant":
                break
            answer_parts.append(message.content)
        answer = " ".join(reversed(answer_parts)).strip()

        normalised_questions = [_normalise(question.text) for question in questions]
        question_index, asked_at = -1, -1
        for i in reversed(assistant_indexes):
            said = _normalise(conversation[i].content)
            # The latest planned question the interviewer spoke is the current one.
            matches = [q for q, text in enumerate(normalised_questions) if text and text in said]
            if matches:
                question_index, asked_at = max(matches), i
                break
        more_prompts = {_normalise(text) for text in _TEMPLATES["en"]["more"] + _TEMPLATES["ko"]["more"]}
        after = [conversation[i] for i in assistant_indexes if i > asked_at] if question_index >= 0 else []
        follow_ups = sum(1 for message in after if _normalise(message.content) not in more_prompts)
        last_was_more = (
            bool(assistant_indexes) and _normalise(conversation[assistant_indexes[-1]].content) in more_prompts
        )
        return _Position(
            question_index=question_index,
            follow_ups=follow_ups,
            last_was_more=last_was_more,
            answer=answer,
            interviewer_turns=len(assistant_indexes),
        )
