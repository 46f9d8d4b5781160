"""Input forms for the needs pages. Field rules live on the models, so these
forms and the API apply the same ones; the actions check state and permission."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import Case, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.core import queries as core_queries
from linli.core.forms import StyledFormMixin
from linli.core.models import Area, Organization
from linli.needs.models import Need, WishDetails
from linli.needs.queries import ClaimFilter, NeedFilter, dispatch_targets


def _all(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


class NeedFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_all(Need.Kind.choices))
    state = forms.ChoiceField(label=_("State"), required=False, choices=_all(Need.State.choices))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def to_filter(self) -> NeedFilter:
        return NeedFilter.from_params(self.data)


class WallFilterForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_all(Need.Category.choices))
    value_band = forms.ChoiceField(label=_("Value"), required=False, choices=_all(Need.ValueBand.choices))
    community = forms.ChoiceField(label=_("Community"), required=False)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = _all([(a.code, a.name) for a in communities])  # type: ignore[attr-defined]
        self.style_widgets()


class ClaimFilterForm(StyledFormMixin, forms.Form):
    """The staff claims list's filters: applied all together, or, if one is wrong, none (see not_applied)."""

    claimant = forms.CharField(label=_("Claimant"), required=False, max_length=50,
                               help_text=_("Part of a person's or an organization's name."))
    state = forms.ChoiceField(label=_("State"), required=False, choices=_all([
        ("active", _("Claimed, not yet handed over")), ("fulfilled", _("Fulfilled")),
        ("cancelled", _("Cancelled"))]))
    start = forms.DateField(label=_("Claimed from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("Claimed until"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    cross_region = forms.BooleanField(label=_("Cross-region only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period ends before it starts."))
        return data

    def not_applied(self) -> list[str]:
        """What the list says when a filter is wrong: each wrong field by its label, with the form's own errors,
        then that no filter was applied (to_filter drops them all). Empty when the filters are valid."""
        if not self.errors:
            return []
        lines = [gettext("Check “%(field)s”: %(errors)s") % {"field": self.fields[name].label,
                                                               "errors": " ".join(map(str, errors))}
                 for name, errors in self.errors.items() if name in self.fields]
        lines += map(str, self.non_field_errors())
        return [*lines, gettext("No filter was applied: all claims are listed.")]

    def to_filter(self) -> ClaimFilter:
        if not self.is_bound or not self.is_valid():
            return ClaimFilter()
        d = self.cleaned_data
        return ClaimFilter(claimant=d["claimant"].strip(), state=d["state"], start=d["start"], end=d["end"],
                           cross_region=d["cross_region"])


_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FiguresForm(StyledFormMixin, forms.Form):
    """The figures page's area and period; both days count."""

    area = forms.ChoiceField(label=_("Area"), required=False)
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("Until"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = core_queries.area_choices_for(user, (Area.Level.SUBDISTRICT, Area.Level.COMMUNITY,
                                                     Area.Level.NEIGHBORHOOD))
        self.fields["area"].choices = _all([(a.code, a.name) for a in areas])  # type: ignore[attr-defined]
        self.style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period ends before it starts."))
        return data


class NeedForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Need
        fields: ClassVar = ["kind", "title", "description", "category", "value_band", "neighborhood", "organization",
                            "requester", "place", "window_start", "window_end"]
        # The requester is picked by the number on their record (人员 → the resident's page): a
        # list of every resident in scope would be tens of thousands of options.
        widgets: ClassVar = {"description": forms.Textarea(attrs={"rows": 4}), "requester": forms.NumberInput,
                             "window_start": _DATETIME, "window_end": _DATETIME}
        help_texts: ClassVar = {"requester": _("Service orders: the record number of the resident who asked.")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        neighborhood = self.fields["neighborhood"]
        organization = self.fields["organization"]
        assert isinstance(neighborhood, forms.ModelChoiceField) and isinstance(organization, forms.ModelChoiceField)
        neighborhood.queryset = core_queries.area_choices_for(user, (Area.Level.NEIGHBORHOOD,))
        organization.queryset = core_queries.organizations_visible_to(user)
        requester = self.fields["requester"]
        assert isinstance(requester, forms.ModelChoiceField)
        requester.queryset = core_queries.people_visible_to(user)
        requester.error_messages["invalid_choice"] = _("No resident with this record number in your areas.")
        if self.instance.pk is not None:
            self.fields["kind"].disabled = True  # a wish stays a wish: its child's details hang on it
        self.style_widgets()

    def action_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "kind"}


class WishDetailsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = WishDetails
        fields: ClassVar = ["child_name", "public_name", "birth_date", "school", "school_class", "guardian_name",
                            "guardian_phone", "guardian_consent"]
        # <input type=date> only understands ISO dates, whatever the language.
        widgets: ClassVar = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def action_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


# The inputs some steps take ----------------------------------------------------------

class RejectForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(StyledFormMixin, forms.Form):
    scope = forms.ChoiceField(label=_("Who may claim it"), choices=Need.Scope.choices)


class WithdrawForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=200)


class FulfilmentForm(StyledFormMixin, forms.Form):
    fulfilled_on = forms.DateField(label=_("Handed over on"),
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    event = forms.CharField(label=_("At which event"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class DispatchForm(StyledFormMixin, forms.Form):
    organization = forms.ModelChoiceField(label=_("Team or unit"), queryset=Organization.objects.none())
    deadline = forms.DateTimeField(label=_("Serve by"), widget=_DATETIME)

    def __init__(self, *args: Any, user: Any = None, need: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Volunteer teams first: they take most orders.
        orgs = dispatch_targets(user, need).order_by(
            Case(When(kind=Organization.Kind.VOLUNTEER_TEAM, then=0), default=1), "name")
        self.fields["organization"].queryset = orgs  # type: ignore[attr-defined]


class RatingForm(StyledFormMixin, forms.Form):
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int,
                                    choices=[(n, "★" * n) for n in range(5, 0, -1)])
    comment = forms.CharField(label=_("Comment (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ThanksForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("Letter text"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    scan = forms.FileField(label=_("Scan (PDF, JPEG or PNG)"), required=False)


class PhotoForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Photo (JPEG or PNG)"))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)
    # Not required here: the action refuses without it, with the sentence that says why.
    no_faces_or_consent = forms.BooleanField(label=_("No face is shown, or everyone shown consented"),
                                             required=False)


class ItemForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Item"), max_length=100)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


HANDOVER_FORMS: dict[str, type[forms.Form]] = {"thanks": ThanksForm, "photo": PhotoForm, "item": ItemForm}


def handover_forms(data: Any = None, files: Any = None, bound: str = "") -> dict[str, forms.Form]:
    """The three hand-over forms, the one named `bound` filled with the request's data."""
    result = {}
    for name, form_class in HANDOVER_FORMS.items():
        form = form_class(data, files, prefix=name) if name == bound else form_class(prefix=name)
        form.style_widgets()  # type: ignore[attr-defined]
        result[name] = form
    return result


STEP_FORMS: dict[str, type[forms.Form]] = {
    "reject": RejectForm, "publish": PublishForm, "withdraw": WithdrawForm, "fulfil": FulfilmentForm,
    "close": CloseForm, "dispatch": DispatchForm,
}


def step_form(step: str, data: Any = None, prefix: str | None = None, user: Any = None,
              need: Any = None) -> forms.Form | None:
    form_class = STEP_FORMS.get(step)
    if form_class is None:
        return None
    form: forms.Form
    if form_class is DispatchForm:
        form = DispatchForm(data, prefix=prefix, user=user, need=need)
    else:
        form = form_class(data, prefix=prefix)
    form.style_widgets()  # type: ignore[attr-defined]  # every step form is a StyledFormMixin
    return form
