"""Input of the volunteer pages, validated here and then handed to actions (which check again)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.volunteers.models import Activity, Post, Team, Volunteer

_DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ConsentFields(forms.Form):
    consent_by = forms.CharField(label=_("Consent given by"), max_length=100, required=False,
                                 help_text=_("The volunteer, or for a child the guardian who signed."))
    consent_method = forms.ChoiceField(label=_("Consent given how"), required=False,
                                       choices=[("", "—"), *Volunteer.ConsentMethod.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class RegisterForm(ConsentFields):
    person = forms.IntegerField(label=_("Person (record number)"), widget=forms.HiddenInput, required=False)
    consent_at = forms.DateTimeField(label=_("Consent given at"), required=False, widget=_DT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class SignUpForm(ConsentFields):
    volunteer = forms.IntegerField(label=_("Volunteer"))


class AttendanceForm(forms.Form):
    """Staff check a volunteer in or out, at a time they give (a paper sheet, a phone left at home) or now."""

    volunteer = forms.IntegerField(widget=forms.HiddenInput)
    at = forms.DateTimeField(required=False, widget=_DT)  # empty: now


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ("title", "kind", "area", "team", "place", "starts_at", "ends_at", "capacity", "hours",
                  "description", "summary")
        widgets = {"starts_at": _DT, "ends_at": _DT, "description": forms.Textarea(attrs={"rows": 3}),
                   "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, areas: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["hours"].required = False
        bootstrap(self)


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ("name", "kind", "area", "minimum_age", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]  # a ModelChoiceField
        # A unit's team may sit under its organization alone; every other team is placed in an area.
        self.fields["area"].required = self.instance.organization_id is None
        bootstrap(self)


class HoursForm(forms.Form):
    hours = forms.CharField(label=_("Hours"), max_length=10)
    served_on = forms.DateField(label=_("Served on"), widget=_DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             help_text=_("Why the hours are entered by hand, e.g. the paper sign-in sheet."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class CorrectionForm(forms.Form):
    hours = forms.CharField(label=_("Correct hours"), max_length=10, required=False,
                            help_text=_("Leave empty to cancel the entry altogether."))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=_DATE)
    period_end = forms.DateField(label=_("Until"), widget=_DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period_start"].initial = datetime.date(today.year, 1, 1)
        self.fields["period_end"].initial = today
        bootstrap(self)


class ShiftForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=_DATE)
    starts_at = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    people_needed = forms.IntegerField(label=_("People needed"), min_value=1, max_value=50, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class PostForm(forms.ModelForm):
    """A duty post: a place that needs people on duty, e.g. garbage collection point 3 of 联洋二."""

    people_needed = forms.IntegerField(label=_("People needed per shift"), min_value=1, max_value=50, initial=1)

    class Meta:
        model = Post
        fields = ("name", "area", "team", "place", "people_needed")

    def __init__(self, *args: Any, areas: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        bootstrap(self)
