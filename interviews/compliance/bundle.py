"""One candidate's data as a zip: the transcript, both sides' audio, the evaluation with its rubric and
prompt versions, the human decisions and requests, and a plain-language "how this was evaluated"
written from the interview's template. What an access request (GDPR Art. 15) or a candidate asking
"what happened with my data" is answered with."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from interviews import reports, selectors
from interviews.compliance.models import CandidateRequest, HumanDecision
from interviews.evaluation.data import LEAN_NO_FROM, STRONG_YES_FROM, YES_FROM, anchors_for
from interviews.evaluation.heuristic import HEURISTIC_MODEL_NAME
from interviews.evaluation.llm import PROMPT_VERSION
from interviews.i18n import interview_language
from interviews.models import Evaluation, Interview, Turn
from interviews.providers.base import Criterion

BUNDLE_FORMAT = "candidate-data/1"


def how_it_was_evaluated(*, interview: Interview, evaluation: Evaluation | None) -> str:
    """The evaluation explained in plain words, from the template the interview used, in the
    interview's language (the catalogues in locale/)."""
    with translation.override(interview_language(interview.template.language)):
        return _how_it_was_evaluated(interview=interview, evaluation=evaluation)


def _how_it_was_evaluated(*, interview: Interview, evaluation: Evaluation | None) -> str:
    template = interview.template
    criteria = list(template.criteria.all())
    questions = list(template.questions.all())
    lines = [
        _("How your interview for %(title)s (%(role)s) was evaluated")
        % {"title": template.title, "role": template.role},
        "",
        _("Who interviewed you"),
        _("The interviewer was an AI: it asked the planned questions below, and follow-up questions on your answers."),
        _("Your answers were recorded and turned into text (a transcript)."),
        "",
        _("The planned questions"),
        *[f"{number}. {question.text}" for number, question in enumerate(questions, start=1)],
        "",
        _("What was evaluated"),
        _(
            "Only what you said, as written in the transcript, against these criteria "
            "(a higher weight counts more in the overall score):"
        ),
    ]
    for criterion in criteria:
        weighed = _("weight %(weight)s, scored 1 to %(scale)s") % {
            "weight": f"{criterion.weight:g}",
            "scale": criterion.scale_max,
        }
        lines.append(f"- {criterion.name} ({weighed})")
        if criterion.description:
            lines.append(f"  {criterion.description}")
        anchors = anchors_for(
            Criterion(
                name=criterion.name,
                description=criterion.description,
                weight=criterion.weight,
                scale_max=criterion.scale_max,
                anchors=tuple(str(anchor) for anchor in criterion.anchors or ()),
            ),
            language=template.language,
        )
        lines += [f"  {point}: {anchor}" for point, anchor in enumerate(anchors, start=1)]
    lines += [
        "",
        _("How a score was given"),
        _(
            "For each criterion the evaluator quoted your own words that bear on it, explained which level they "
            "meet, and gave that level. A criterion nothing you said bore on was marked 'not assessed', which is "
            "not a low score."
        ),
        "",
        _("What was never evaluated"),
        _(
            "Your emotions, confidence, nervousness, accent, pronunciation, voice or manner; your age, sex, "
            "ethnicity, nationality, religion or disability. Asking for a human interviewer or an accommodation "
            "never counts against you."
        ),
        "",
        _("The overall score and the recommendation"),
        _(
            "The overall score is the weighted average of the assessed criteria. From it follows a recommendation: "
            "'strong yes' from %(strong_yes)s %%, 'yes' from %(yes)s %%, 'lean no' from %(lean_no)s %%, "
            "'no' below that, and 'needs human review' when too little could be assessed."
        )
        % {"strong_yes": f"{STRONG_YES_FROM:g}", "yes": f"{YES_FROM:g}", "lean_no": f"{LEAN_NO_FROM:g}"},
        "",
        _("Who decides"),
        _(
            "The evaluation is advice to the recruiter. A person reads the transcript and decides; they can "
            "override the evaluation or mark it invalid, and every decision is recorded with who made it, when "
            "and why. You can ask for the decision to be reconsidered."
        ),
        "",
        _("Which evaluator was used for you"),
    ]
    if evaluation is None or evaluation.status != Evaluation.Status.DONE:
        lines.append(_("Your interview has no finished evaluation."))
    elif evaluation.evaluator == Evaluation.Evaluator.LLM:
        lines.append(
            _(
                "A language model (%(model)s), following written instructions (version %(prompt)s), against "
                "version %(rubric)s of the criteria above. Your name was removed from the transcript it read."
            )
            % {
                "model": evaluation.model_name,
                "prompt": evaluation.prompt_version or _("not recorded"),
                "rubric": evaluation.rubric_version,
            }
        )
    else:
        lines.append(
            _(
                "A simple offline program (%(model)s) that looks for concrete detail in your answers. It never "
                "recommends hiring: it always asks for a person's review."
            )
            % {"model": evaluation.model_name or HEURISTIC_MODEL_NAME}
        )
    if evaluation is not None and evaluation.rubric_version and evaluation.rubric_version != template.version:
        lines.append(
            _(
                "Note: the criteria above are the template's current version (%(current)s); your interview was "
                "scored against version %(scored)s."
            )
            % {"current": template.version, "scored": evaluation.rubric_version}
        )
    return "\n".join(lines) + "\n"


def _transcript(turns: list[Turn]) -> str:
    return "".join(
        f"[{turn.index}] {turn.get_speaker_display()}"
        f"{f' ({turn.started_at:%Y-%m-%d %H:%M:%S %Z})' if turn.started_at else ''}: {turn.text}\n"
        for turn in turns
    )


def _decision(decision: HumanDecision) -> dict[str, Any]:
    return {
        "decided_at": decision.decided_at.isoformat(),
        "decided_by": decision.decided_by_name,
        "outcome": decision.outcome,
        "verdict": decision.verdict,
        "override_recommendation": decision.override_recommendation,
        "reason": decision.reason,
        "ai_recommendation_at_the_time": decision.ai_recommendation,
        "ai_overall_score_at_the_time": decision.ai_overall_score,
    }


def _request(request: CandidateRequest) -> dict[str, Any]:
    return {
        "kind": request.kind,
        "source": request.source,
        "text": request.text,
        "received_at": request.received_at.isoformat(),
        "due_at": request.due_at.isoformat(),
        "resolved_at": request.resolved_at.isoformat() if request.resolved_at else None,
        "resolution": request.resolution,
    }


def interview_bundle(*, interview_id: int) -> tuple[bytes, list[str]]:
    """The zip's bytes, and the names of the audio files that could not be read (purged or lost)."""
    interview = selectors.interview_get_for_review(interview_id=interview_id)
    turns = list(interview.turns.all())
    evaluation = selectors.interview_evaluation(interview=interview)
    data = reports.interview_export(interview_id=interview_id)
    data["format"] = BUNDLE_FORMAT
    if data["evaluation"] is not None:
        data["evaluation"]["current_prompt_version"] = PROMPT_VERSION
    data["decisions"] = [_decision(d) for d in HumanDecision.objects.filter(interview_id=interview_id)]
    data["requests"] = [_request(r) for r in CandidateRequest.objects.filter(interview_id=interview_id)]
    missing: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("interview.json", json.dumps(data, indent=2, ensure_ascii=False))
        archive.writestr("transcript.txt", _transcript(turns))
        archive.writestr("evaluation.json", json.dumps(data["evaluation"], indent=2, ensure_ascii=False))
        archive.writestr("how-this-was-evaluated.txt", how_it_was_evaluated(interview=interview, evaluation=evaluation))
        for turn in turns:
            if not turn.audio:
                continue
            extension = (turn.audio.name or "").rsplit(".", 1)[-1]
            name = f"audio/{turn.index:04d}-{turn.speaker}.{extension}"
            try:
                with turn.audio.open("rb") as file:
                    archive.writestr(name, file.read())
            except OSError:
                missing.append(name)
        if missing:
            archive.writestr("audio/MISSING.txt", "Audio no longer stored:\n" + "\n".join(missing) + "\n")
    return buffer.getvalue(), missing
