"""The rubric criterion as a recruiter edits it: its anchors one per line, checked against its scale."""

from __future__ import annotations

from typing import Any

from django import forms

from interviews.models import RubricCriterion


class AnchorsField(forms.CharField):
    """A list of anchors edited as text, one line per point of the scale, lowest first."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 50})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        text = super().to_python(value) or ""
        return [line.strip() for line in str(text).splitlines() if line.strip()]


class RubricCriterionForm(forms.ModelForm):
    anchors = AnchorsField(
        required=False,
        help_text="What each point of the scale means: one line per point, lowest first. "
        "Blank: the defaults in the evaluation guide.",
    )

    class Meta:
        model = RubricCriterion
        fields = ["position", "name", "description", "weight", "scale_max", "anchors"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        anchors, scale_max = data.get("anchors") or [], data.get("scale_max")
        if anchors and scale_max and len(anchors) != scale_max:
            self.add_error(
                "anchors",
                f"Give one line per point of the scale: {scale_max} lines for a scale of 1 to {scale_max} "
                f"(there are {len(anchors)}), or none for the defaults.",
            )
        return data
