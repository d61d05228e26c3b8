"""How the offline evaluator reads text, per language (English and Korean; others read as English).

An English word and a Korean eojeol (a space-separated word with its particles) carry about the same
content: "결제 서비스를 Go로 만들었습니다" says in four eojeol what "built the payment service in Go"
says in six words, two of which are function words. So content is counted in content units: English
words that are not function words, Korean eojeol with their particles and endings removed, and not
function words either. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviews.languages import language_base

_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")

_EN_STOP = frozenset(
    str.split(
        "a an and are as at be been being but by can could did do does doing done for from had has have having "
        "he her here him his how i if in into is it its itself just me my myself of on once only or other our "
        "ours out over own same she should so some such than that the their theirs them then there these they "
        "this those through to too under until up very was we were what when where which while who whom why "
        "will with would you your yours about also really more most much well get got go going gone lot lots "
        "thing things stuff kind sort yeah yes no not okay ok oh um uh er hmm like actually basically maybe "
        "probably guess sure think know mean say said tell told want wanted let us one ones every each all any "
        "many few bit little quite pretty always never often usually sometimes just still even again ever "
        "i'm i've i'd i'll it's that's there's we're we've we'd they're they've you're you've don't didn't "
        "doesn't isn't wasn't aren't weren't haven't hasn't hadn't can't couldn't won't wouldn't shouldn't "
        "let's what's who's sorry thanks thank please"
    )
)
# Korean function words, compared after particles and endings are removed (see _ko_stem).
_KO_STOP = frozenset(
    str.split(
        "저 제 저희 우리 나 내 그 이 저것 그것 이것 것 거 걸 게 수 때 등 및 또 또한 그리고 하지만 그런데 근데 "
        "그냥 좀 잘 더 많이 아주 매우 정말 진짜 너무 약간 이제 뭐 음 어 아 네 예 아니요 있 없 하 했 한 할 해 "
        "되 된 될 돼 같 같은 정도 부분 경우 생각 그런 이런 저런 어떤 무슨 어떻게 왜 뭔가 그게 이게 다 모두 "
        "항상 보통 가끔 먼저 그다음 다음 그래서 그러면 그럼 그러니까 솔직히 사실 아마 혹시 이렇게 그렇게 "
        "있었 있습니다 했습니다 합니다 했어요 해요 했고 하고 해서 하는 있는 있고 없는 감사합니다 죄송합니다 "
        "가지 가지고 가집 갖고 통해 대해 관련 위 안 중 전 후 때문 것 거예요 거였어요 거든요"
    )
)
# Endings and particles stripped from the end of an eojeol, longest first; a stem keeps a syllable.
_KO_SUFFIXES = tuple(
    sorted(
        set(
            str.split(
                "했습니다 하였습니다 했었습니다 합니다 했어요 해요 했고 하고 해서 하는 했던 하면 하며 했다 한다 "
                "했는데 하는데 하게 하기 하려고 하려면 할 한 했 됩니다 되는 되어 돼서 됐 된 되고 되면 되었 "
                "하면서 면서 해야 하겠습니다 겠습니다 하겠 었고 았고 였고 다는 라는 는데 지만 "
                "었습니다 았습니다 였습니다 습니다 니다 어요 아요 에요 예요 이에요 였어요 였고 입니다 이었 이고 "
                "이며 이라 라고 고요 거든요 네요 죠 요 였 었 았 "
                "에서는 에서 에게 으로는 으로 로는 로 은 는 이 가 을 를 의 에 와 과 도 만 까지 부터 처럼 보다 "
                "랑 이랑 께서 이나 나 라도 이라도 마다 씩"
            )
        ),
        key=len,
        reverse=True,
    )
)
_EN_SUFFIXES = ("ings", "ing", "ied", "ies", "ed", "es", "s", "ly")
# Two English words share a root when they share this many first letters ("communicate", "communication").
_EN_ROOT_LETTERS = 7

# Sentences that give a reason, weigh a choice, measure a result or draw a lesson.
_REASONING = {
    "en": re.compile(
        r"\b(because|since|so (that|we|i|now)|that's why|which (meant|means|cut|reduced|brought|would)|"
        r"that meant|the reason|in order to|to (avoid|prevent|make sure)|instead|rather than|otherwise|"
        r"however|although|unless|(we|i) (chose|picked|decided|went with|moved to|switched|compared|noticed)|"
        r"measur\w*|found|turned out|brought (it|them)|cut (it|the)|dropped|reduced|improved|from about|"
        r"next time|in hindsight|(i'd|i would) (change|use|do)|what i (took|learned)|lessons?|since then)\b",
        re.IGNORECASE,
    ),
    "ko": re.compile(
        r"(때문|왜냐하면|그래서|따라서|그러므로|위해|위해서|하려고|도록|니까|바람에|덕분|대신|보다는|반면|"
        r"하지만|그런데|결정|골랐|선택했|측정|찾아서|알게 됐|알게 되|알아채|알아차|발견|봤더니|결과|줄였|"
        r"줄었|늘었|늘렸|개선|도입|지금이라면|다시 한다면|다음에는|그 뒤로|이후로|교훈)"
    ),
}
_NOT_NAMES = frozenset(("i", "i'm", "i've", "i'd", "i'll", "ok", "okay"))
_EN_NUMBER_WORDS = frozenset(
    str.split(
        "two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty hundred "
        "thousand million billion half twice dozen"
    )
)
_KO_COUNTED = re.compile(
    r"(한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)\s?(명|배|번|개|달|주|시간|분|초|대|건)|(절반|수백|수천|수만|수십)"
)


def language_of(language: str) -> str:
    """The rules to read `language` with: "ko", or "en" for everything else."""
    return "ko" if language_base(language) == "ko" else "en"


_LANGUAGE_NAMES = {
    "en": {
        "en": "English",
        "ko": "Korean",
        "ja": "Japanese",
        "zh": "Chinese",
        "es": "Spanish",
        "fr": "French",
        "de": "German",
    },
    "ko": {
        "en": "영어",
        "ko": "한국어",
        "ja": "일본어",
        "zh": "중국어",
        "es": "스페인어",
        "fr": "프랑스어",
        "de": "독일어",
    },
}


def language_name(code: str, *, in_language: str = "en") -> str:
    """The name of the language `code`, written in `in_language` (English or Korean); else the code."""
    base = language_base(code)
    return _LANGUAGE_NAMES[language_of(in_language)].get(base, base)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def tokens(text: str) -> list[str]:
    """Words as written (English words, Korean eojeol), without punctuation."""
    return _TOKEN.findall(text.replace("’", "'"))


def _ko_stem(token: str) -> str:
    word = token.lower()
    if _LATIN.search(word) or _DIGIT.search(word):
        # "Redis를", "PostgreSQL과", "120밀리초로": the Latin or numeric part is the content.
        head = re.match(r"[a-z0-9.\-']+", word)
        if head:
            return head.group()
    # Endings stack on particles ("해결이었습니다" = 해결 + 이 + 었습니다): strip up to three layers.
    for _layer in range(3):
        suffix = next((s for s in _KO_SUFFIXES if word.endswith(s) and len(word) > len(s)), "")
        if not suffix:
            break
        word = word[: -len(suffix)]
    return word


def _en_stem(token: str) -> str:
    word = token.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _EN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def stem(token: str, *, language: str) -> str:
    """The token's stem for matching: particles and endings (Korean) or suffixes (English) removed."""
    if _HANGUL.search(token):
        return _ko_stem(token)
    return _en_stem(token)


def content_stems(text: str, *, language: str) -> list[str]:
    """The stems of the words that carry content, in order (function words and fillers left out)."""
    rules = language_of(language)
    out: list[str] = []
    for token in tokens(text):
        lowered = token.lower()
        if _HANGUL.search(token):
            word = _ko_stem(token)
            if word in _KO_STOP or lowered in _KO_STOP:
                continue
        else:
            if lowered in _EN_STOP or (len(lowered) < 2 and not lowered.isdigit()):
                continue
            word = _en_stem(token) if rules == "en" or _LATIN.search(token) else lowered
        out.append(word)
    return out


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Words whose echo is no evidence (the rubric's, the question's), matched by stem or root."""

    stems: frozenset[str]
    korean_text: str  # Hangul stems match as substrings of this: Korean words carry their endings

    @classmethod
    def of(cls, *texts: str, language: str) -> Vocabulary:
        joined = " ".join(texts)
        stems = frozenset(stem(t, language=language) for t in tokens(joined))
        return cls(stems=stems, korean_text=re.sub(r"\s+", "", joined))

    def echoes(self, word_stem: str, *, exact: bool = False) -> bool:
        """Whether the word is one of these (`exact`: by stem or, in Korean, as written; else also by
        root or by a Korean verb's other conjugation, which catches more echoes and a few coincidences)."""
        if word_stem in self.stems or _en_stem(word_stem) in self.stems:
            return True
        if exact:
            return bool(_HANGUL.search(word_stem)) and len(word_stem) >= 2 and word_stem in self.korean_text
        if _HANGUL.search(word_stem):
            # Two syllables or more: "모델" in "데이터모델,장애양상" is the rubric's word; and a verb
            # conjugated otherwise ("배웠", "배웁" for "배운다") by its first syllable and the next one's
            # first consonant.
            if len(word_stem) < 2:
                return False
            if word_stem in self.korean_text:
                return True
            first, initial = word_stem[0], _initial_consonant(word_stem[1])
            return initial is not None and any(
                _initial_consonant(self.korean_text[at + 1]) == initial
                for at in _find_all(self.korean_text[:-1], first)
            )
        if len(word_stem) >= _EN_ROOT_LETTERS:
            root = word_stem[:_EN_ROOT_LETTERS]
            return any(s.startswith(root) for s in self.stems if len(s) >= _EN_ROOT_LETTERS)
        return False


def _initial_consonant(syllable: str) -> int | None:
    code = ord(syllable) - 0xAC00
    return code // 588 if 0 <= code < 11172 else None


def _find_all(text: str, char: str) -> list[int]:
    return [at for at, found in enumerate(text) if found == char]


def specifics(text: str, *, language: str) -> set[str]:
    """Concrete details: numbers (with their units), names of things and technical names (capitalised in
    mid-sentence, mixed case, letters with digits, any Latin word inside Korean), counted once each."""
    found: set[str] = set()
    for sentence in sentences(text):
        words = tokens(sentence)
        for position, word in enumerate(words):
            lowered = word.lower()
            has_hangul = bool(_HANGUL.search(word))
            if _DIGIT.search(word):
                found.add(stem(word, language=language) if has_hangul else lowered)
            elif has_hangul:
                if _LATIN.search(word):
                    found.add(_ko_stem(word))
            elif lowered in _EN_NUMBER_WORDS:
                found.add(lowered)
            elif _LATIN.search(word) and lowered not in _NOT_NAMES:
                mixed_case = any(ch.isupper() for ch in word[1:]) and any(ch.islower() for ch in word)
                acronym = len(word) >= 2 and word.isupper()
                # Capitalised in mid-sentence: a name, even of a common word ("in Go", "on Kafka").
                name = position > 0 and word[:1].isupper()
                if not (mixed_case or acronym or name) and lowered in _EN_STOP:
                    continue
                # In a Korean answer every Latin word is a name of something ("Kafka", "k6").
                if mixed_case or acronym or name or language_of(language) == "ko":
                    found.add(lowered)
        if language_of(language) == "ko":
            found.update(match.group() for match in _KO_COUNTED.finditer(sentence))
    return found


def reasons(text: str, *, language: str) -> list[str]:
    """The sentences that give a reason, weigh a choice, measure a result or draw a lesson."""
    pattern = _REASONING[language_of(language)]
    return [s for s in sentences(text) if pattern.search(s)]
