"""The offline plan drafter's library: role families, a skills vocabulary, question patterns and
criteria with per-point anchors, in English and Korean.

It is the plan a recruiter starts from when no language model is configured, so it favours
questions that work for most people in a role family (behavioural, "tell me about a time") over
clever ones, and anchors that describe observable evidence, lowest point first.

The skills vocabulary is code (each skill is a pattern); the criteria and the role families are
data, in data/criteria.json and data/role_families.json, read once when this module is imported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

# --- skills found in a job description -----------------------------------------------------------


@dataclass(frozen=True)
class Skill:
    name: str  # as it is written in a question (English and Korean alike, unless `name_ko`)
    pattern: re.Pattern[str]
    name_ko: str = ""
    technical: bool = True  # a tool or technique (asked about as "a project where you used ...")

    def display(self, language: str) -> str:
        return self.name_ko if language == "ko" and self.name_ko else self.name


def _skill(name: str, *aliases: str, name_ko: str = "", technical: bool = True, case: bool = False) -> Skill:
    words = [re.escape(word) for word in (name, *aliases)]
    # Letters next to the match end it (so "Java" is not found in "JavaScript"), symbols do not
    # ("C++", "Node.js", "Python/Go").
    pattern = re.compile(rf"(?<![\w+#.])(?:{'|'.join(words)})(?![\w+#])", 0 if case else re.IGNORECASE)
    return Skill(name=name, pattern=pattern, name_ko=name_ko, technical=technical)


SKILLS: tuple[Skill, ...] = (
    _skill("Python"),
    # "Go" only with its capital and not as the verb in "Go-to-market": case-sensitive, and Golang.
    Skill(name="Go", pattern=re.compile(r"(?<![\w.])(?:Go(?![\w-])|[Gg]olang)")),
    _skill("Java"),
    _skill("JavaScript"),
    _skill("TypeScript"),
    _skill("C++"),
    _skill("C#"),
    _skill("Kotlin"),
    _skill("Swift"),
    _skill("Rust"),
    _skill("Ruby"),
    _skill("PHP"),
    _skill("Scala"),
    _skill("SQL"),
    _skill("PostgreSQL", "Postgres"),
    _skill("MySQL"),
    _skill("MongoDB"),
    _skill("Redis"),
    _skill("Kafka"),
    _skill("RabbitMQ"),
    _skill("message queues", "queues", "메시지 큐", name_ko="메시지 큐"),
    _skill("Elasticsearch"),
    _skill("Spark"),
    _skill("Airflow"),
    _skill("dbt"),
    _skill("Snowflake"),
    _skill("BigQuery"),
    _skill("data pipelines", "data pipeline", "데이터 파이프라인", name_ko="데이터 파이프라인"),
    _skill("AWS"),
    _skill("GCP", "Google Cloud"),
    _skill("Azure"),
    _skill("Kubernetes", "k8s"),
    _skill("Docker"),
    _skill("Terraform"),
    _skill("Linux"),
    _skill("CI/CD"),
    _skill("React"),
    _skill("Vue"),
    _skill("Angular"),
    _skill("Node.js", "NodeJS"),
    _skill("Django"),
    _skill("FastAPI"),
    _skill("Spring"),
    _skill("GraphQL"),
    _skill("APIs", "API", "REST"),
    _skill("microservices"),
    _skill("payments", "결제", name_ko="결제 시스템"),
    _skill("security", "보안", name_ko="보안"),
    _skill("on-call", "온콜", name_ko="온콜 대응"),
    _skill("machine learning", "ML", "머신러닝", name_ko="머신러닝"),
    _skill("deep learning", "딥러닝", name_ko="딥러닝"),
    _skill("PyTorch"),
    _skill("TensorFlow"),
    _skill("statistics", "statistical", "통계", name_ko="통계"),
    _skill("A/B testing", "A/B tests", "experimentation", "A/B 테스트", name_ko="A/B 테스트"),
    _skill("Tableau"),
    _skill("Power BI"),
    _skill("Excel"),
    _skill("Figma"),
    _skill("user research", "사용자 리서치", name_ko="사용자 리서치"),
    _skill("prototyping", "prototypes", "프로토타입", name_ko="프로토타이핑"),
    _skill("design systems", "design system", "디자인 시스템", name_ko="디자인 시스템"),
    _skill("Salesforce"),
    _skill("HubSpot"),
    _skill("CRM"),
    _skill("SEO"),
    _skill("roadmaps", "roadmap", "로드맵", name_ko="로드맵", technical=False),
    _skill("stakeholder management", "stakeholders", "이해관계자", name_ko="이해관계자 관리", technical=False),
    _skill("negotiation", "negotiating", "협상", name_ko="협상", technical=False),
    _skill("prospecting", "pipeline generation", name_ko="잠재 고객 발굴", technical=False),
    _skill("agile", "Scrum", "애자일", name_ko="애자일", technical=False),
)


def skills_in(text: str) -> list[Skill]:
    """The vocabulary's skills that `text` mentions, in the order it first mentions them."""
    found = [(match.start(), skill) for skill in SKILLS if (match := skill.pattern.search(text))]
    return [skill for _position, skill in sorted(found, key=lambda item: item[0])]


# --- criteria and role families, read from data/ --------------------------------------------------


@dataclass(frozen=True)
class CriterionPattern:
    name: dict[str, str]
    description: dict[str, str]
    anchors: dict[str, tuple[str, str, str, str, str]]  # scale points 1..5, lowest first


@dataclass(frozen=True)
class RoleFamily:
    key: str
    label: str
    keywords: tuple[str, ...]  # lower case; matched as words in the role title (x3) and the description
    questions: dict[str, tuple[str, ...]]  # asked in this order; the first one opens the interview
    skill_question: dict[str, str]  # "{skill}" is replaced by a skill from the job description
    criteria: tuple[tuple[str, float], ...]  # (key in CRITERIA, weight)


def _read(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _anchors(points: list[str]) -> tuple[str, str, str, str, str]:
    lowest, low, middle, high, highest = points  # a five-point scale: exactly five, or the file is wrong
    return lowest, low, middle, high, highest


def _criterion(entry: dict[str, Any]) -> CriterionPattern:
    return CriterionPattern(
        name=dict(entry["name"]),
        description=dict(entry["description"]),
        anchors={language: _anchors(points) for language, points in entry["anchors"].items()},
    )


def _family(entry: dict[str, Any]) -> RoleFamily:
    unknown = [key for key, _weight in entry["criteria"] if key not in CRITERIA]
    if unknown:
        raise ValueError(f"role family {entry['key']!r} names unknown criteria {unknown} (data/criteria.json)")
    return RoleFamily(
        key=entry["key"],
        label=entry["label"],
        keywords=tuple(entry["keywords"]),
        questions={language: tuple(texts) for language, texts in entry["questions"].items()},
        skill_question=dict(entry["skill_question"]),
        criteria=tuple((key, float(weight)) for key, weight in entry["criteria"]),
    )


CRITERIA: dict[str, CriterionPattern] = {key: _criterion(entry) for key, entry in _read("criteria.json").items()}
FAMILIES: tuple[RoleFamily, ...] = tuple(_family(entry) for entry in _read("role_families.json"))
GENERAL = FAMILIES[-1]  # the one without keywords, for a role that no other family's words describe


def _mentions(text: str, keyword: str) -> int:
    # Korean words take particles ("개발자를"), so they are matched as a prefix; Latin ones as words.
    if keyword.isascii():
        return len(re.findall(rf"(?<![\w-]){re.escape(keyword)}(?![\w-])", text))
    return text.count(keyword)


def role_family(*, role: str, job_description: str) -> RoleFamily:
    """The family whose words the role title (counted three times) and the description use most;
    the general family when none of them appears. Longer phrases count for more, so "data engineer"
    is data work even though "engineer" alone would be software."""
    role_text, description = role.lower(), job_description.lower()
    best, best_score = GENERAL, 0
    for family in FAMILIES:
        score = sum(
            (3 * _mentions(role_text, keyword) + _mentions(description, keyword)) * len(keyword.split())
            for keyword in family.keywords
        )
        if score > best_score:
            best, best_score = family, score
    return best
