"""Key phrases: what a candidate talked about, in their own words, for a follow-up question."""

from __future__ import annotations

import re

from interviews.providers import japanese


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
    don't dont didn't didnt doesn't doesnt isn't isnt wasn't wasnt weren't aren't haven't havent hasn't hadn't
    can't cant couldn't couldnt won't wont wouldn't shouldn't i'm im i've ive i'd i'll we're we've we'd it's
    that's there's they're you're not never nothing anything everything someone something anyone idea sorry
    remember recall honestly exactly question questions repeat again always often sometimes
    look looked say tell told give gave take taken put keep kept start started help helped need needed feel felt
    find found show showed ask asked check checked learn learned learnt understand understood explain explained
    adapt communicate approve approved matter matters happen happened needs wants add added adding
    today yesterday tomorrow earlier later soon recently lately
    candidate candidates evaluator interviewer interview rubric score scores rating recommendation instructions
    instruction prompt criterion criteria
    """
)
# A run right after a subject starts with its verb: "I look at the code" is not about "look".
_EN_SUBJECTS = _word_set("i we you they he she it who")
# Words that open a noun phrase: what follows them is more likely the thing the candidate talks about.
_EN_PHRASE_OPENERS = _word_set("a an the our my their his her its this that these those of with on for in about")
_EN_DETERMINERS = {"the": "the", "our": "your", "my": "your", "a": "the", "an": "the", "this": "that", "their": "their"}
# A run of content words ending in an adjective ("the database consistent") is cut before it.
_EN_ADJECTIVE_END = re.compile(r"(?<!m)(?:ent|ant|ive|ous|ful|able|ible|ic|ical)$")
# ...and one ending in a past tense is a clause ("the certificate expired"), cut before the verb.
_EN_PAST_TENSE_END = re.compile(r"^[a-z]{3,}(?<!e)ed$")

_KO_STOP_WORDS = _word_set(
    """
    저 저는 제가 저희 저희는 제 나 나는 내가 우리 우리는 그 그리고 그래서 그런데 하지만 그러나 또 또한 정말 너무 아주
    매우 좀 조금 많이 것 거 수 때 때문에 등 및 이 이런 그런 저런 어떤 아마 네 예 음 어 그냥 진짜 항상 주로 대부분
    작년 올해 당시 그때 처음 가장 다른 같은 여러 모든 통해 대해 위해 관련
    회사 일 경험 부분 생각 정도 이야기 얘기 질문 답변 면접 지원자 평가 평가자 점수 항목 지시 지침 추천 프롬프트
    위 아래 안 밖 중 동안 후 전 뒤 앞 사이 때 쪽 곳 번 더 잘 못 꼭 늘 다 곧 왜 뭐
    바로 그날 다음 그다음 먼저 이후 나중 요즘 최근 만든 만들던 쓰던 쓴 본 하던
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
    "데",
    "니까",
    "더니",
    "면서",
    "려고",
    "도록",
    "어서",
    "아서",
    "해서",
    "았",
    "였",
    "겠",
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


def key_phrases_en(answer: str) -> list[str]:
    """Runs of content words in an English answer, the most specific first ("payments service")."""
    candidates: list[tuple[float, int, str]] = []
    position = 0

    def add(run: list[str], opener: str) -> None:
        nonlocal position
        words = run[-4:]
        if len(words) > 1 and _EN_ADJECTIVE_END.search(words[-1].lower()):
            words = words[:-1]
        if len(words) > 1 and _EN_PAST_TENSE_END.search(words[-1]):
            words = words[:-1]  # "the warehouse sync stopped": the verb after its subject
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
                    if previous in _EN_SUBJECTS:
                        previous = word
                        continue  # the verb: the phrase starts after it
                run.append(token.strip("."))
            elif run:
                add(run, opener)
                run = []
            previous = word
    return [_lower_sentence_start(phrase, answer) for _, _, phrase in sorted(candidates, reverse=True)]


def _lower_sentence_start(phrase: str, answer: str) -> str:
    # A capital only because the word starts a sentence is no name: "Payments service" -> "payments service".
    if phrase.split(" ")[0] in _EN_DETERMINERS.values():
        return phrase
    first, *rest = phrase.split(" ")
    at_sentence_start = re.search(rf"(?:^|[.!?]\s+){re.escape(first)}\b", answer.strip())
    if first[:1].isupper() and first[1:].islower() and at_sentence_start:
        first = first.lower()
    return " ".join([first, *rest])


def _strip_particle(eojeol: str) -> tuple[str, bool]:
    for particle in _KO_PARTICLES:
        if eojeol.endswith(particle) and len(eojeol) > len(particle):
            return eojeol[: -len(particle)], True
    return eojeol, False


_LATIN_TERM = re.compile(r"^[A-Za-z][A-Za-z0-9+#.-]*$")


def key_phrases_ko(answer: str) -> list[str]:
    """Noun phrases of a Korean answer, the longest first ("결제 서비스").

    Without a morphological analyser a phrase is only trusted where a particle closes it ("결제
    서비스를" -> "결제 서비스"), or where it is a Latin technical term ("PostgreSQL"): a run of
    eojeol that ends otherwise is usually a verb form ("바꿀 수도 있을", "처리 중인데")."""
    candidates: list[tuple[int, int, str]] = []

    def add(run: list[str]) -> None:
        words = run[-3:]
        if sum(len(w) for w in words) >= 2 and any(len(w) >= 2 for w in words):
            candidates.append((sum(len(w) for w in words) + 2 * (len(words) - 1), -len(candidates), " ".join(words)))

    for clause in re.split(r"[.!?,;:()\"'…]+", answer):
        run: list[str] = []
        for eojeol in clause.split():
            word = re.sub(r"[^\w]", "", eojeol)
            stem, had_particle = _strip_particle(word)
            if _LATIN_TERM.match(stem) and stem.lower() not in _EN_STOP_WORDS:
                if had_particle:
                    add([*run, stem])
                    run = []
                else:
                    add([stem])
                    run.append(stem)
                continue
            is_noun_like = (
                bool(word)
                and "_" not in word  # "strong_yes": a label typed at the evaluator, not something spoken about
                and word not in _KO_STOP_WORDS
                and stem not in _KO_STOP_WORDS
                and not stem.endswith(_KO_VERB_ENDINGS)
                and (had_particle or len(stem) >= 2 or bool(re.match(r"[가-힣]$", stem)))
            )
            if not is_noun_like:
                run = []
                continue
            run.append(stem)
            if had_particle:  # a particle closes the noun phrase
                add(run)
                run = []
    return [phrase for _, _, phrase in sorted(candidates, reverse=True)]


# Nouns of any answer about work: nothing to follow up on.
_JA_GENERIC = frozenset(["会社", "仕事", "感じ", "部分", "経験", "自分", "以前", "全部", "色々"])


def _ja_topics(text: str) -> list[str]:
    return [p for p in japanese.noun_phrases(text) if len(p) >= 2 and p not in _JA_GENERIC]


def key_phrases_ja(answer: str) -> list[str]:
    """Noun phrases of a Japanese answer (its morphemes, providers.japanese), the longest first."""
    return sorted(dict.fromkeys(_ja_topics(answer)), key=len, reverse=True)


def key_phrases(answer: str, *, language: str) -> list[str]:
    """What the candidate talked about, the most specific first: the topics a follow-up can be on."""
    if language == "ja":
        return key_phrases_ja(answer)
    return key_phrases_ko(answer) if language == "ko" else key_phrases_en(answer)


def extract_key_phrase(answer: str, *, language: str) -> str:
    """The most specific phrase, or ""."""
    return next(iter(key_phrases(answer, language=language)), "")


def content_terms(text: str, *, language: str) -> set[str]:
    """The content words of a text (to tell whether a follow-up would ask a planned question again)."""
    if language == "ja":
        return {phrase.lower() for phrase in _ja_topics(text)}
    if language == "ko":
        terms = set()
        for word in re.sub(r"[^\w\s]", " ", text).split():
            stem, had_particle = _strip_particle(word)
            if len(word) >= 2 and (had_particle or not stem.endswith(_KO_VERB_ENDINGS)):  # no verb forms
                terms.add(stem)
        return terms - _KO_STOP_WORDS
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _EN_STOP_WORDS and len(w) > 2}
