"""What a candidate's answer is, before anyone treats it as an answer: pure rules, no I/O.

The offline interviewer reacts to it (a repeat request gets the question again, "I don't know" a
hint, a question back a deferral), and the offline evaluation takes only real answers as evidence.
English, Korean and Japanese; other languages fall back to the English rules.
"""

from __future__ import annotations

import re
from enum import StrEnum

from interviews.languages import language_base


class Intent(StrEnum):
    ANSWER = "answer"
    EMPTY = "empty"  # nothing was recognised
    REPEAT = "repeat"  # "could you repeat the question?"
    DONT_KNOW = "dont_know"  # "I don't know", and little else
    QUESTION = "question"  # a question to the interviewer (pay, team, the process...)
    WRONG_LANGUAGE = "wrong_language"  # mostly not the interview's language
    META = "meta"  # talk to the machine instead of an answer: instructions, requests for a score
    HUMAN = "human"  # the candidate asks for a person instead of the AI interviewer


_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
_CJK_KANA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

_PATTERNS: dict[str, dict[Intent, tuple[str, ...]]] = {
    "en": {
        Intent.REPEAT: (
            r"\b(repeat|rephrase|say (that|it) again|come again|pardon)\b",
            r"\bwhat was the question\b",
            r"\b(didn'?t|did not|couldn'?t|could not) (catch|hear|understand) (that|the question|you)\b",
            r"\bsorry\W*what\W*$",
        ),
        Intent.DONT_KNOW: (
            r"\bi (really )?(don'?t|do not) know\b",
            r"\bno idea\b",
            r"\bnot sure\b",
            r"\bi (can'?t|cannot) (remember|recall|think of|answer)\b",
            r"\bi('ve| have) (never|not) (done|worked|had)\b",
            r"\b(no|don'?t have any) experience\b",
            r"\bpass\b",
        ),
        Intent.META: (
            r"\b(ignore|forget|disregard|override) (all |any |the |your |of |my )*(previous |prior |above |earlier "
            r"|original )*(instructions|prompts?|rules|rubric|guidelines)\b",
            r"\b(system prompt|your instructions|developer message)\b",
            r"\byou are now\b",
            r"\b(mark|rate|score|grade|evaluate|recommend) (me|this candidate|the candidate)\b",
            r"\bstrong[ _]?yes\b",
            r"\b(give|assign) (me |this candidate |the candidate )?(a )?(high|perfect|top|full|maximum) "
            r"(score|rating|marks)\b",
            r"\b(give|rate|score|mark)\b.{0,40}\b(five|5|ten|10) out of (five|5|ten|10)\b",
            r"\bas an ai( language model)?\b",
            r"\b(note|message|instruction)s? (for|to) the (evaluator|grader|reviewer|model|ai)\b",
            r"\b(write|say|note|report|state) that (the|this) candidate\b",
            r"\b(evaluation|recommendation|assessment) (should|must) (say|read)\b",
            r"\b(evaluation|recommendation) (should|must) be (a )?(strong|yes|hire|positive)\b",
            r"\bfinal recommendation\b",
        ),
        Intent.WRONG_LANGUAGE: (  # asking to change the language is no answer either
            r"\b(can|could|may|should) (i|we) (answer|speak|continue|talk|reply|do (this|it)) in (korean|japanese"
            r"|chinese|spanish|french|german|another language|my (own |native )?language)\b",
            r"\bmy english (is|isn'?t) (not )?(so |very |that )?(good|great|bad|poor|weak)\b",
        ),
        Intent.QUESTION: (
            r"\b(salary|pay|paid|compensation|bonus|equity|stock|benefits|vacation|holidays)\b",
            r"\b(remote|hybrid|office|relocat\w*|visa|start date|working hours)\b",
            r"\b(what|who|how many|how big|which) .*\b(team|company|you|your)\b.*\?",
            r"\b(next steps?|hear back|the process|how long will)\b.*\?",
            r"\b(can|could|may) i ask\b",
            r"\bare you (a |an )?(real )?(human|person|bot|ai|robot)\b",
        ),
    },
    "ko": {
        Intent.REPEAT: (
            r"다시 (한 ?번 )?(말씀|말해|얘기|질문)",
            r"질문을? 다시",
            r"(잘 )?못 들었",
            r"뭐라고(요| 하셨)",
            r"무슨 질문",
        ),
        Intent.DONT_KNOW: (
            r"(잘 )?모르겠",
            r"잘 모르",
            r"기억이 (안|나지)",
            r"경험이 없",
            r"해 ?본 적이 없",
            r"답(을|변을)? (드리기|하기) 어렵",
        ),
        Intent.META: (
            r"(이전|앞의|위의) (지시|명령|지침)",
            r"(지시|명령|지침|프롬프트|루브릭|평가 기준)(은|는|을|를)? ?(모두 )?(무시|잊)",
            r"시스템 프롬프트",
            r"(점수|평가)(를|는|은)? ?(높게|최고|만점)",
            r"만점",
            r"합격(으로|시켜)",
            r"strong[ _]?yes",
            r"평가자(에게|님)",
            r"최종 추천",
            r"이 지원자(를|는|가|에게|의)",
            r"인공지능으로서",
        ),
        Intent.WRONG_LANGUAGE: (
            r"(영어|일본어|중국어|다른 언어|모국어)로 (답변|대답|말|얘기|이야기|진행)?(해도|하면|할 수|드려도)",
            r"한국어(가|를|는)? ?(서툴|잘 못|못 해)",
        ),
        Intent.QUESTION: (
            r"(연봉|급여|월급|보상|복지|성과급|스톡옵션|휴가)",
            r"(재택|원격|출근|근무 시간|입사일|비자)",
            r"(팀|회사)(은|는|이|가)? .*(어떻|몇|무엇|뭐).*\?",
            r"(다음 (단계|절차)|결과는? 언제)",
            r"(사람|인공지능|AI)(이세요|인가요|이에요)",
        ),
    },
    "ja": {
        Intent.REPEAT: (
            r"もう(一|1)度",
            r"(聞き|ききと)(取れ|とれ)(ません|なかった)",
            r"質問を?(繰り返|くりかえ)",
            r"(なん|何)と(おっしゃ|言)いました",
        ),
        Intent.DONT_KNOW: (
            r"(わから|分から|わかりませ|分かりませ)",
            r"(思い出せ|覚えてい?ません)",
            r"経験が(ありません|ない)",
            r"(やった|した)こと(が|は)(ありません|ない)",
            r"(答え|こたえ)(るのは|られ)(難し|ません)",
        ),
        Intent.META: (
            r"(以前|前|上)の(指示|命令|プロンプト)",
            r"(指示|命令|プロンプト|評価基準)を?(すべて|全部)?(無視|忘れ)",
            r"システムプロンプト",
            r"(点数|評価|スコア)を?(高く|満点|最高)",
            r"満点",
            r"合格(に|させ)",
            r"strong[ _]?yes",
            r"評価者(へ|に|さん)",
        ),
        Intent.WRONG_LANGUAGE: (
            r"(英語|韓国語|中国語|別の言語|母国語)で(答え|話し|回答)(ても|て(も)?いい|られ)",
            r"日本語(が|は)(苦手|下手|あまり)",
        ),
        Intent.QUESTION: (
            r"(給料|給与|年収|報酬|福利厚生|ボーナス|ストックオプション|休暇)",
            r"(リモート|在宅|出社|勤務時間|入社日|ビザ)",
            r"(次の(ステップ|段階)|結果は?いつ)",
            r"(人間|AI|ロボット)(です|なん)(か|でしょうか)",
        ),
    },
}

# Asking for a person is honoured in any language (a candidate may not manage the interview's).
_HUMAN = (
    r"\b(talk|speak|chat) (to|with) (a |an |some )?(real |actual )?(person|human|people|somebody|someone real)\b",
    r"\b(want|prefer|need|like) (a |an )?(real |human )?(person|human|human interviewer|real interviewer)\b",
    r"\b(don'?t|do not) want to (talk|speak) to (an? )?(ai|bot|robot|machine|computer)\b",
    r"\b(speak|talk) (to|with) (the )?recruiter\b",
    r"사람(과|하고|이랑|이랑은|하고는)? ?(이야기|얘기|대화|면접|통화)",
    r"(사람|실제) 면접관",
    r"담당자(와|하고|랑)? ?(통화|연결|이야기|얘기)",
    r"(AI|인공지능|기계)(와|하고|랑)는? .*(싫|원하지 않)",
    r"(人|人間|担当者|採用担当)と(話|はな)したい",
    r"(人間|本物)の面接官",
)


def asks_for_a_person(text: str) -> bool:
    lowered = text.lower()
    return any(re.search(pattern, lowered) for pattern in _HUMAN)


# Words that carry no content of an answer (for "is there anything besides 'I don't know'?").
_FILLER = {
    "en": set(
        [
            "i",
            "i'm",
            "im",
            "me",
            "my",
            "you",
            "the",
            "a",
            "an",
            "and",
            "or",
            "but",
            "so",
            "um",
            "uh",
            "er",
            "hmm",
            "well",
            "like",
            "just",
            "really",
            "actually",
            "sorry",
            "don't",
            "dont",
            "do",
            "not",
            "know",
            "no",
            "idea",
            "sure",
            "it",
            "that",
            "this",
            "is",
            "was",
            "be",
            "can't",
            "cannot",
            "think",
            "remember",
            "maybe",
            "probably",
            "guess",
            "kind",
            "of",
            "sort",
            "yeah",
            "yes",
            "okay",
            "ok",
            "oh",
            "honestly",
            "to",
        ]
    ),
    "ko": set(["음", "어", "그", "저", "좀", "잘", "그냥", "진짜", "아", "네", "예", "솔직히", "사실", "아마"]),
    "ja": set(["えー", "えっと", "あの", "その", "まあ", "ちょっと", "たぶん", "はい", "いいえ", "うーん"]),
}
# Japanese has no spaces: a run of one script (kanji, hiragana, katakana) stands for a word.
_WORDS = re.compile(
    r"[\u4e00-\u9fff々]+|[\u3041-\u309fー]+|[\u30a0-\u30ffー]+|[^\W_\u3041-\u30ff\u4e00-\u9fff々]+(?:'[^\W_]+)?",
    re.UNICODE,
)


def words(text: str) -> list[str]:
    """The words of an answer (English words, Korean eojeol, Japanese runs of one script), lower
    case, without punctuation."""
    return [w.lower() for w in _WORDS.findall(text)]


def content_words(text: str, *, language: str) -> list[str]:
    """Words that say something (not fillers, not "I don't know")."""
    filler = _FILLER.get(language_base(language), _FILLER["en"])
    return [w for w in words(text) if w not in filler and len(w) > 1]


def in_language(text: str, *, language: str) -> bool:
    """Whether the answer is (mostly) in `language`, judged by its script."""
    base = language_base(language)
    hangul, latin, kana = len(_HANGUL.findall(text)), len(_LATIN.findall(text)), len(_CJK_KANA.findall(text))
    total = hangul + latin + kana
    if total < 4:
        return True  # too little to tell
    if base == "ko":
        return hangul >= 0.3 * total
    if base == "ja":
        return kana >= 0.3 * total
    return latin >= 0.5 * total


def _matches(text: str, language: str, intent: Intent) -> bool:
    patterns = _PATTERNS.get(language_base(language), _PATTERNS["en"])[intent]
    lowered = text.lower()
    return any(re.search(pattern, lowered) for pattern in patterns)


# An answer with at least this many content words is an answer, whatever else it says.
SUBSTANTIAL_WORDS = {"en": 12, "ko": 6, "ja": 14}


def classify(text: str, *, language: str) -> Intent:
    """The candidate's answer as one intent (see Intent)."""
    text = text.strip()
    if not words(text):
        return Intent.EMPTY
    base = language_base(language)
    rules = base if base in _PATTERNS else "en"
    if asks_for_a_person(text):
        return Intent.HUMAN
    if not in_language(text, language=base):
        return Intent.WRONG_LANGUAGE
    if _matches(text, rules, Intent.META):
        return Intent.META  # never evidence, however long: it talks to the machine
    if _matches(text, rules, Intent.WRONG_LANGUAGE) and len(words(text)) <= 2 * SUBSTANTIAL_WORDS[rules]:
        return Intent.WRONG_LANGUAGE  # "can I answer in Korean?": the same one sentence as an answer in it
    substantial = len(content_words(text, language=rules)) >= SUBSTANTIAL_WORDS[rules]
    if substantial:
        return Intent.ANSWER
    if _matches(text, rules, Intent.REPEAT):
        return Intent.REPEAT
    if _matches(text, rules, Intent.QUESTION) and (text.rstrip().endswith(("?", "？")) or len(words(text)) <= 12):
        return Intent.QUESTION
    if _matches(text, rules, Intent.DONT_KNOW):
        return Intent.DONT_KNOW
    return Intent.ANSWER
