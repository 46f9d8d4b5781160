"""Input forms for the needs pages. Field rules live on the models, so these
forms and the API apply the same ones; the actions check state and permission."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core import queries as core_queries
from linli.core.forms import StyledFormMixin
from linli.core.models import Area
from linli.needs.models import Need, WishDetails
from linli.needs.queries import NeedFilter


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


class NeedForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Need
        fields: ClassVar = ["kind", "title", "description", "category", "value_band", "neighborhood", "organization"]
        widgets: ClassVar = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        neighborhood = self.fields["neighborhood"]
        organization = self.fields["organization"]
        assert isinstance(neighborhood, forms.ModelChoiceField) and isinstance(organization, forms.ModelChoiceField)
        neighborhood.queryset = core_queries.area_choices_for(user, (Area.Level.NEIGHBORHOOD,))
        organization.queryset = core_queries.organizations_visible_to(user)
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


STEP_FORMS: dict[str, type[forms.Form]] = {
    "reject": RejectForm, "publish": PublishForm, "withdraw": WithdrawForm, "fulfil": FulfilmentForm,
    "close": CloseForm,
}


def step_form(step: str, data: Any = None, prefix: str | None = None) -> forms.Form | None:
    form_class = STEP_FORMS.get(step)
    if form_class is None:
        return None
    form = form_class(data, prefix=prefix)
    form.style_widgets()  # type: ignore[attr-defined]  # every step form is a StyledFormMixin
    return form
