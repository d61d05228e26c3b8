"""The recruiter's forms: an invite, a link's new expiry, a CSV upload, and a drafted plan to edit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.forms import formset_factory

from interviews.models import InterviewTemplate
from interviews.recruiting.csv_invites import MAX_EXPIRY_DAYS
from interviews.recruiting.plans import DraftCriterion, DraftQuestion, PlanDraft


def _default_expiry_days() -> int:
    return int(settings.INTERVIEW["DEFAULT_EXPIRY_DAYS"])


def _expiry_field(label: str = "Link works for (days)") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=MAX_EXPIRY_DAYS, initial=_default_expiry_days)


class InterviewAddForm(forms.Form):
    template = forms.ModelChoiceField(queryset=InterviewTemplate.objects.order_by("title"))
    candidate_name = forms.CharField(max_length=200)
    candidate_email = forms.EmailField(required=False)
    expires_in_days = _expiry_field()
    send_invite = forms.BooleanField(required=False, label="Email the link to the candidate now")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("send_invite") and not data.get("candidate_email"):
            self.add_error("candidate_email", "An email address is needed to send the invite.")
        return data


class ExtendForm(forms.Form):
    days = forms.IntegerField(
        label="Extend by (days)",
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        initial=_default_expiry_days,
        help_text="Counted from the current expiry, or from now if the link has run out already.",
    )


class BulkUploadForm(forms.Form):
    template = forms.ModelChoiceField(queryset=InterviewTemplate.objects.order_by("title"))
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name, email and (optionally) expiry — a date, or a number of days. A header row is "
        "optional. Save from Excel as “CSV UTF-8”.",
    )
    expires_in_days = _expiry_field("Links work for (days), unless the file says otherwise")


class BulkConfirmForm(forms.Form):
    expected = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    send_invites = forms.BooleanField(required=False, label="Email each candidate their link now")


# --- a drafted plan, as the recruiter edits it ----------------------------------------------------


class PlanQuestionForm(forms.Form):
    text = forms.CharField(required=False, max_length=2_000, widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_depth = forms.IntegerField(label="Follow-ups", min_value=0, max_value=5, initial=1)


class PlanCriterionForm(forms.Form):
    name = forms.CharField(required=False, max_length=120)
    description = forms.CharField(required=False, max_length=2_000, widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.FloatField(min_value=0.1, max_value=10, initial=1.0)
    scale_max = forms.IntegerField(label="Scale", min_value=2, max_value=10, initial=5)
    anchors = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What each score means: one line per point, lowest first (or none).",
    )


# One empty row each, to add a question or a criterion without JavaScript.
PlanQuestionFormSet = formset_factory(PlanQuestionForm, extra=1, can_delete=True, max_num=30, absolute_max=40)
PlanCriterionFormSet = formset_factory(PlanCriterionForm, extra=1, can_delete=True, max_num=12, absolute_max=20)


class PlanSaveForm(forms.Form):
    based_on_version = forms.IntegerField(widget=forms.HiddenInput)
    replace_existing = forms.BooleanField(required=False, label="Replace the current plan")


def plan_formsets(draft: PlanDraft) -> tuple[Any, Any]:
    """Unbound formsets holding the draft."""
    questions = PlanQuestionFormSet(
        prefix="questions",
        initial=[{"text": q.text, "follow_up_depth": q.follow_up_depth} for q in draft.questions],
    )
    criteria = PlanCriterionFormSet(
        prefix="criteria",
        initial=[
            {
                "name": c.name,
                "description": c.description,
                "weight": c.weight,
                "scale_max": c.scale_max,
                "anchors": "\n".join(c.anchors),
            }
            for c in draft.criteria
        ],
    )
    return questions, criteria


def plan_from_formsets(questions: Any, criteria: Any) -> tuple[list[DraftQuestion], list[DraftCriterion]]:
    """The plan in valid formsets, without deleted rows and rows left empty."""
    plan_questions = [
        DraftQuestion(
            text=" ".join(form.cleaned_data["text"].split()), follow_up_depth=form.cleaned_data["follow_up_depth"]
        )
        for form in questions.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("text", "").strip()
    ]
    plan_criteria = [
        DraftCriterion(
            name=" ".join(form.cleaned_data["name"].split()),
            description=form.cleaned_data["description"].strip(),
            weight=form.cleaned_data["weight"],
            scale_max=form.cleaned_data["scale_max"],
            anchors=tuple(line.strip() for line in form.cleaned_data["anchors"].splitlines() if line.strip()),
        )
        for form in criteria.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("name", "").strip()
    ]
    return plan_questions, plan_criteria
