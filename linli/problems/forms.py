"""Input forms for the problems pages. Field rules live on the models and in
the actions (deadline not passed, file type and size), so the pages and the
API refuse the same things."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core import queries as core_queries
from linli.core.forms import StyledFormMixin, area_filter_field
from linli.core.models import Area
from linli.problems.models import Problem
from linli.problems.queries import ProblemFilter

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # <input type=date> wants ISO dates


def _all(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


class ProblemFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    source = forms.ChoiceField(label=_("Source"), required=False, choices=_all(Problem.Source.choices))
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=_all(Problem.Kind.choices))
    state = forms.ChoiceField(label=_("State"), required=False, choices=_all(Problem.State.choices))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"] = area_filter_field(user)
        self.style_widgets()

    def to_filter(self) -> ProblemFilter:
        return ProblemFilter.from_params(self.data)


class ProblemForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Problem
        fields: ClassVar = ["title", "description", "source", "kind", "area", "owner", "responsible_person",
                            "found_on", "deadline"]
        widgets: ClassVar = {"description": forms.Textarea(attrs={"rows": 3}), "found_on": _DATE,
                             "deadline": _DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        owner = self.fields["owner"]
        person = self.fields["responsible_person"]
        assert isinstance(area, forms.ModelChoiceField) and isinstance(owner, forms.ModelChoiceField)
        assert isinstance(person, forms.ModelChoiceField)
        area.queryset = core_queries.area_choices_for(
            user, (Area.Level.SUBDISTRICT, Area.Level.COMMUNITY, Area.Level.NEIGHBORHOOD))
        owner.queryset = core_queries.organizations_visible_to(user)
        person.queryset = core_queries.people_visible_to(user)
        self.style_widgets()

    def action_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StartForm(StyledFormMixin, forms.Form):
    measures = forms.CharField(label=_("Rectification measures"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))


class RectifyForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Verification note (optional)"), required=False, max_length=500)


class ReopenForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why it is reopened"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("New deadline (optional)"), required=False, widget=_DATE)


class EvidenceForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("Photo or document (JPEG, PNG, WebP, PDF)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()


STEP_FORMS: dict[str, type[forms.Form]] = {
    "start": StartForm, "rectify": RectifyForm, "verify": VerifyForm, "reopen": ReopenForm,
}


def step_form(step: str, data: Any = None, prefix: str | None = None) -> forms.Form:
    form = STEP_FORMS[step](data, prefix=prefix)
    form.style_widgets()  # type: ignore[attr-defined]  # every step form is a StyledFormMixin
    return form
