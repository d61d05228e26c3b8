"""The candidate's two forms (a request for a person or an accommodation; optional self-reported
demographics) and the staff forms for decisions, erasure and legal holds."""

from __future__ import annotations

from django import forms

from interviews.compliance.models import CandidateRequest, DemographicResponse, HumanDecision
from interviews.compliance.services import MAX_TEXT
from interviews.models import Evaluation

# What a candidate can ask for on the invite page (the rest is logged by staff).
CANDIDATE_KINDS = (CandidateRequest.Kind.HUMAN, CandidateRequest.Kind.ACCOMMODATION)


class CandidateRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=[(kind.value, kind.label) for kind in CANDIDATE_KINDS])
    text = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))


class DemographicForm(forms.Form):
    """Every field optional: blank is "prefer not to say", counted as unknown."""

    sex = forms.ChoiceField(choices=[("", "—"), *DemographicResponse.Sex.choices], required=False)
    race_ethnicity = forms.ChoiceField(choices=[("", "—"), *DemographicResponse.RaceEthnicity.choices], required=False)


DECISION_FIELD_CHOICES = [("", "— no change —"), ("advance", "Advance"), ("hold", "Hold"), ("reject", "Reject")]


class DecisionFormMixin(forms.ModelForm):
    """The interview change form's decision fields: every decision carries a reason, and what the person
    made of the AI evaluation (advice considered, overridden, invalid)."""

    ai_verdict = forms.ChoiceField(
        label="The AI evaluation",
        choices=HumanDecision.Verdict.choices,
        initial=HumanDecision.Verdict.ADVICE_CONSIDERED,
        required=False,
        help_text="It is advice. Override it or mark it invalid here; the original is kept either way.",
    )
    override_recommendation = forms.ChoiceField(
        label="Your recommendation instead",
        choices=[("", "—"), *Evaluation.Recommendation.choices],
        required=False,
    )
    decision_reason = forms.CharField(
        label="Reason",
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required with every decision and every override: recorded with your name and the time.",
    )

    def decision_changed(self) -> bool:
        verdict = self.cleaned_data.get("ai_verdict") or HumanDecision.Verdict.ADVICE_CONSIDERED
        return "recruiter_decision" in self.changed_data or verdict != HumanDecision.Verdict.ADVICE_CONSIDERED

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if "recruiter_decision" in self.changed_data and not data.get("recruiter_decision"):
            self.add_error("recruiter_decision", "A decision is never erased: record another one (hold) instead.")
        if self.decision_changed() and not (data.get("decision_reason") or "").strip():
            self.add_error("decision_reason", "Give the reason for this decision: it is recorded with your name.")
        if data.get("ai_verdict") == HumanDecision.Verdict.OVERRIDDEN and not data.get("override_recommendation"):
            self.add_error("override_recommendation", "Choose the recommendation that replaces the AI's.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
