"""The end page's optional self-reported demographics form, as an inclusion tag (the page's view
stays as it is; the form posts to compliance.views.about_you)."""

from __future__ import annotations

from typing import Any

from django import template

from interviews.compliance.forms import DemographicForm
from interviews.compliance.models import DemographicResponse

register = template.Library()


@register.inclusion_tag("compliance/_about_you.html", takes_context=True)
def about_you_form(context: Any) -> dict[str, Any]:
    form = context.get("demographic_form") or DemographicForm()
    return {
        "interview": context["interview"],
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "demographic_form": form if form.is_bound else None,
        "about_sex_choices": [("", "—"), *DemographicResponse.Sex.choices],
        "about_race_choices": [("", "—"), *DemographicResponse.RaceEthnicity.choices],
    }
