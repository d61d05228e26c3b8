"""A question plan and rubric drafted from a job description: by the configured language model
(structured output, validated, asked again when invalid), or offline from the description's skills
and the question library. Either way a draft: the recruiter edits it before anything is saved."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from interviews.exceptions import InterviewError
from interviews.i18n import interview_language_name
from interviews.languages import language_base
from interviews.providers.base import Message, StructuredLanguageModel
from interviews.providers.structured import StructuredFailure, complete_validated
from interviews.recruiting.question_library import CRITERIA, role_family, skills_in

logger = logging.getLogger(__name__)

# What the issue asks of a draft, and what keeps an interview of 20-30 minutes on track: a few
# questions each with room for follow-ups, and a rubric short enough to score consistently.
QUESTIONS_MIN, QUESTIONS_MAX = 5, 8
CRITERIA_MIN, CRITERIA_MAX = 3, 5
FOLLOW_UP_MAX = 3  # in a draft; a recruiter may raise it to the model's limit (5) by hand
WEIGHT_MIN, WEIGHT_MAX = 0.5, 3.0
SCALE = 5  # drafts score on 1-5, with one anchor per point
DESCRIPTION_MAX_CHARS = 10_000  # the template's own limit on a job description

LLM_MAX_RETRIES = 2  # after the first attempt, on an invalid plan or a transient provider fault
LLM_BACKOFF_S = 0.5
# One reply holds a whole plan with 15-25 anchors: far longer than a turn's first token.
LLM_MIN_TIMEOUT_S = 90.0
SCHEMA_NAME = "interview_plan"


@dataclass(frozen=True)
class DraftQuestion:
    text: str
    follow_up_depth: int = 1


@dataclass(frozen=True)
class DraftCriterion:
    name: str
    description: str
    weight: float = 1.0
    scale_max: int = SCALE
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanDraft:
    questions: tuple[DraftQuestion, ...]
    criteria: tuple[DraftCriterion, ...]
    drafted_by: str  # "llm" or "offline"
    model_name: str = ""
    notes: tuple[str, ...] = field(default=())  # what the recruiter should know about how it was made


def plan_problems(
    questions: tuple[DraftQuestion, ...] | list[DraftQuestion],
    criteria: tuple[DraftCriterion, ...] | list[DraftCriterion],
    *,
    strict_counts: bool = True,
) -> list[str]:
    """What is wrong with a plan, in words (empty: nothing). `strict_counts` holds a model's draft
    to 5-8 questions and 3-5 criteria; a recruiter saving their edits needs only one of each."""
    problems: list[str] = []
    low_q, high_q = (QUESTIONS_MIN, QUESTIONS_MAX) if strict_counts else (1, 30)
    low_c, high_c = (CRITERIA_MIN, CRITERIA_MAX) if strict_counts else (1, 12)
    if not low_q <= len(questions) <= high_q:
        problems.append(f"it has {len(questions)} questions; between {low_q} and {high_q} are needed")
    if not low_c <= len(criteria) <= high_c:
        problems.append(f"it has {len(criteria)} criteria; between {low_c} and {high_c} are needed")
    for number, question in enumerate(questions, start=1):
        if not question.text.strip():
            problems.append(f"question {number} is empty")
        elif len(question.text) > 2_000:
            problems.append(f"question {number} is longer than 2,000 characters")
        if not 0 <= question.follow_up_depth <= 5:
            problems.append(f"question {number}: follow-ups must be between 0 and 5")
    names = [criterion.name.strip() for criterion in criteria]
    for number, criterion in enumerate(criteria, start=1):
        label = f"criterion {number} ({criterion.name.strip() or 'no name'})"
        if not criterion.name.strip():
            problems.append(f"criterion {number} has no name")
        elif len(criterion.name.strip()) > 120:
            problems.append(f"{label}: the name is longer than 120 characters")
        elif names.count(criterion.name.strip()) > 1:
            problems.append(f"{label}: the name is used twice")
        if len(criterion.description) > 2_000:
            problems.append(f"{label}: the description is longer than 2,000 characters")
        if not 0 < criterion.weight <= 10:
            problems.append(f"{label}: the weight must be above 0 and at most 10")
        if not 2 <= criterion.scale_max <= 10:
            problems.append(f"{label}: the scale must be 2 to 10 points")
        if criterion.anchors and len(criterion.anchors) != criterion.scale_max:
            problems.append(
                f"{label}: {len(criterion.anchors)} anchors for a {criterion.scale_max}-point scale "
                "(one per point, or none)"
            )
        if any(not anchor.strip() for anchor in criterion.anchors):
            problems.append(f"{label}: an anchor is empty")
    return list(dict.fromkeys(problems))


# --- offline ---------------------------------------------------------------------------------------


def draft_offline(*, role: str, job_description: str, language: str) -> PlanDraft:
    """A plan from the question library: the role family's questions, with up to two about the
    tools and techniques the description names, and the family's criteria with their anchors."""
    lang = "ko" if language_base(language) == "ko" else "en"
    family = role_family(role=role, job_description=job_description)
    skills = skills_in(f"{role}\n{job_description}")
    technical = [skill for skill in skills if skill.technical] or skills
    opener, *rest = family.questions[lang]
    skill_questions = [
        DraftQuestion(text=family.skill_question[lang].format(skill=skill.display(lang)), follow_up_depth=2)
        for skill in technical[:2]
    ]
    general = [DraftQuestion(text=text, follow_up_depth=1) for text in rest]
    # Six or seven questions: the opener, the skill questions, then the family's own.
    questions = [DraftQuestion(text=opener, follow_up_depth=1), *skill_questions, *general][: QUESTIONS_MIN + 2]
    criteria = []
    for key, weight in family.criteria:
        pattern = CRITERIA[key]
        description = pattern.description[lang]
        if key == "technical_depth" and technical:
            names = ", ".join(skill.display(lang) for skill in technical[:4])
            description += f" 특히: {names}." if lang == "ko" else f" In particular: {names}."
        criteria.append(
            DraftCriterion(
                name=pattern.name[lang],
                description=description,
                weight=weight,
                scale_max=SCALE,
                anchors=pattern.anchors[lang],
            )
        )
    notes = [f"Role family: {family.label}."]
    notes.append(
        "Skills found in the job description: " + ", ".join(skill.name for skill in skills) + "."
        if skills
        else "No skills from the built-in list were found in the job description; the questions are the "
        "role family's general ones."
    )
    return PlanDraft(
        questions=tuple(questions),
        criteria=tuple(criteria),
        drafted_by="offline",
        model_name="question library",
        notes=tuple(notes),
    )


# --- with a language model -------------------------------------------------------------------------


class _LLMQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    follow_up_depth: int


class _LLMCriterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str
    weight: float
    anchors: list[str]


class _LLMPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[_LLMQuestion]
    criteria: list[_LLMCriterion]


def plan_schema() -> dict[str, Any]:
    """The strict JSON schema the model answers in (every property required, nothing else allowed)."""
    question = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "The question as the interviewer says it aloud."},
            "follow_up_depth": {
                "type": "integer",
                "minimum": 0,
                "maximum": FOLLOW_UP_MAX,
                "description": "How many follow-up questions the interviewer may ask on this one.",
            },
        },
        "required": ["text", "follow_up_depth"],
        "additionalProperties": False,
    }
    criterion = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "weight": {"type": "number", "minimum": WEIGHT_MIN, "maximum": WEIGHT_MAX},
            "anchors": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": SCALE,
                "maxItems": SCALE,
                "description": f"What a score of 1, 2, ... {SCALE} means for this criterion, lowest first.",
            },
        },
        "required": ["name", "description", "weight", "anchors"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "questions": {
                "type": "array",
                "items": question,
                "minItems": QUESTIONS_MIN,
                "maxItems": QUESTIONS_MAX,
            },
            "criteria": {
                "type": "array",
                "items": criterion,
                "minItems": CRITERIA_MIN,
                "maxItems": CRITERIA_MAX,
            },
        },
        "required": ["questions", "criteria"],
        "additionalProperties": False,
    }


def plan_messages(*, title: str, role: str, job_description: str, language: str) -> list[Message]:
    language_name = interview_language_name(language)
    system = (
        "You prepare a structured first-round job interview that an AI voice interviewer will run. "
        f"From the job description, write {QUESTIONS_MIN} to {QUESTIONS_MAX} open questions, in the order they "
        "are asked, the first one an easy opener. Each question is spoken aloud: one short sentence or two, "
        "no lists, no jargon the candidate cannot know, about the candidate's own experience and how they work. "
        f"Give each a follow-up depth from 0 to {FOLLOW_UP_MAX} (how many follow-ups it deserves). "
        f"Then write {CRITERIA_MIN} to {CRITERIA_MAX} rubric criteria that the answers can show, each with a "
        f"one-sentence description, a weight from {WEIGHT_MIN} to {WEIGHT_MAX} (more for what matters most for "
        f"the role) and exactly {SCALE} anchors: what the candidate says or shows at a score of 1, 2, 3, 4 and "
        f"{SCALE}, lowest first, as observable evidence. Criterion names are short and distinct. Never ask about "
        "or score age, family, health, religion, nationality or anything else protected. "
        f"Write everything in {language_name}. Answer with JSON that matches the schema."
    )
    user = f"Interview title: {title}\nRole: {role}\n\nJob description:\n{job_description[:DESCRIPTION_MAX_CHARS]}"
    return [Message(role="system", content=system), Message(role="user", content=user)]


def _plan_from(data: dict[str, Any], *, model_name: str) -> PlanDraft:
    """The model's reply as a draft; ValueError says what is wrong with it."""
    try:
        parsed = _LLMPlan.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ValueError(f"the reply did not match the schema at {where}: {error['msg']}") from exc
    questions = tuple(
        DraftQuestion(text=" ".join(q.text.split()), follow_up_depth=q.follow_up_depth) for q in parsed.questions
    )
    criteria = tuple(
        DraftCriterion(
            name=" ".join(c.name.split()),
            description=c.description.strip(),
            weight=round(c.weight, 2),
            scale_max=SCALE,
            anchors=tuple(anchor.strip() for anchor in c.anchors),
        )
        for c in parsed.criteria
    )
    problems = plan_problems(questions, criteria)
    problems += [
        f"question {n}: follow-ups must be 0 to {FOLLOW_UP_MAX}"
        for n, q in enumerate(questions, start=1)
        if q.follow_up_depth > FOLLOW_UP_MAX
    ]
    problems += [
        f"criterion {c.name!r}: the weight must be {WEIGHT_MIN} to {WEIGHT_MAX}"
        for c in criteria
        if not WEIGHT_MIN <= c.weight <= WEIGHT_MAX
    ]
    problems += [
        f"criterion {c.name!r}: exactly {SCALE} anchors are needed" for c in criteria if len(c.anchors) != SCALE
    ]
    if problems:
        raise ValueError("; ".join(dict.fromkeys(problems)))
    return PlanDraft(questions=questions, criteria=criteria, drafted_by="llm", model_name=model_name)


async def draft_with_llm(
    *,
    model: StructuredLanguageModel,
    title: str,
    role: str,
    job_description: str,
    language: str,
    max_retries: int = LLM_MAX_RETRIES,
    backoff_s: float = LLM_BACKOFF_S,
) -> PlanDraft:
    """A plan written by `model` to plan_schema(), validated; an invalid plan is shown to the model
    with what is wrong and asked for again. InterviewError when no valid plan came."""
    messages = plan_messages(title=title, role=role, job_description=job_description, language=language)
    try:
        drafted = await complete_validated(
            model,
            messages,
            schema=plan_schema(),
            name=SCHEMA_NAME,
            validate=lambda data: _plan_from(data, model_name=""),
            what="plan",
            max_retries=max_retries,
            backoff_s=backoff_s,
            shown_chars=6000,
        )
    except StructuredFailure as exc:
        raise InterviewError(
            f"The language model gave no usable plan after {exc.attempts} attempt(s): {exc.problem}",
            code="draft_failed",
        ) from exc
    return dataclasses.replace(drafted.value, model_name=drafted.model)
