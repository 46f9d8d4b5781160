"""Input forms for core pages. Field rules live on the models (validators.py),
so these forms, the import and the API all apply the same ones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from linli.core import queries
from linli.core.models import Area, Organization, PartyOrganization, Person
from linli.core.queries import OrganizationFilter, PeopleFilter
from linli.core.scoping import Perm, grants_for, scope_queryset

_YES_NO = [("", _("All")), ("1", _("Yes")), ("0", _("No"))]


def add_refusal(form: forms.BaseForm, error: ValidationError | PermissionDenied,
                aliases: dict[str, str] | None = None) -> None:
    """Put an action's refusal on the form: each message on its field (renamed through `aliases` where the
    form calls it otherwise), on the form as a whole when no field matches or the refusal is a permission."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
        return
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, msgs in errors.items():
        name = (aliases or {}).get(str(field), field)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)

def _model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A ForeignKey's form field, typed as such (Form.fields holds plain Fields)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def _choices(form: forms.BaseModelForm, name: str, queryset: Any) -> None:
    """Offer `queryset` for a foreign key, always including the record's current
    value (so an edit never has to change it), and preselect a single choice."""
    current = getattr(form.instance, f"{name}_id", None)
    if current is not None:
        queryset = queryset | queryset.model.objects.filter(pk=current)
    field = _model_choice_field(form, name)
    field.queryset = queryset.distinct()
    if current is None and not form.is_bound and field.required:
        only = list(field.queryset[:2])
        if len(only) == 1:
            form.initial[name] = only[0].pk


class StyledFormMixin:
    """Give every widget Bootstrap's class, so templates stay plain."""

    fields: dict[str, forms.Field]  # the form this is mixed into has them

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css


def area_filter_field(user: Any) -> forms.ChoiceField:
    """A select of the subdistricts, communities and neighborhoods the user holds, indented by depth."""
    levels = (Area.Level.SUBDISTRICT, Area.Level.COMMUNITY, Area.Level.NEIGHBORHOOD)
    areas = queries.area_choices_for(user, levels)
    return forms.ChoiceField(
        label=_("Area"), required=False,
        choices=[("", _("All my areas")), *[(a.code, "\u3000" * max(a.depth - 2, 0) + a.name) for a in areas]],
    )


class PeopleFilterForm(StyledFormMixin, forms.Form):
    """The filters of the people list; the export takes the same ones."""

    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    area = forms.CharField(label=_("Area"), required=False, max_length=32)
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", _("All")), *Person.Gender.choices])
    party_member = forms.ChoiceField(label=_("Party member"), required=False, choices=_YES_NO)
    volunteer = forms.ChoiceField(label=_("Volunteer"), required=False, choices=_YES_NO)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"] = area_filter_field(user)
        self.style_widgets()

    def to_filter(self) -> PeopleFilter:
        return PeopleFilter.from_params(self.data)


class OrganizationFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Organization.Kind.choices])
    area = forms.CharField(label=_("Area"), required=False, max_length=32)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"] = area_filter_field(user)
        self.style_widgets()

    def to_filter(self) -> OrganizationFilter:
        return OrganizationFilter.from_params(self.data)


class PersonForm(StyledFormMixin, forms.ModelForm):
    """Create or edit a person. On edit, the sensitive fields start empty (a
    masked hint instead) so the form never shows a number the user may not
    see; left empty, the stored value is kept."""

    class Meta:
        model = Person
        fields = ["name", "gender", "birth_date", "phone", "id_number", "address", "neighborhood",
                  "organization", "position", "is_volunteer"]
        # <input type=date> only understands ISO dates, whatever the language.
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        neighborhoods = queries.area_choices_for(user, (Area.Level.NEIGHBORHOOD,))
        if grants_for(user).organization_ids.get(Perm.CHANGE):
            # An organization's liaison places its staff by the organization;
            # where they live may be any neighborhood.
            neighborhoods = Area.objects.filter(level=Area.Level.NEIGHBORHOOD)
        _choices(self, "neighborhood", neighborhoods)
        _choices(self, "organization", scope_queryset(Organization.objects.all(), user, Perm.VIEW))
        self.editing = self.instance.pk is not None
        if self.editing:
            for name in Person.sensitive_fields:
                current = self.instance.masked(name)
                self.initial[name] = ""
                if current:
                    self.fields[name].widget.attrs["placeholder"] = current
                    self.fields[name].help_text = _("Leave empty to keep the current number.")
        self.style_widgets()

    def _post_clean(self) -> None:
        # Keep the stored number when a sensitive field is left empty on edit
        # (the instance still holds the stored values until super() runs).
        if self.editing:
            for name in Person.sensitive_fields:
                if not self.cleaned_data.get(name):
                    self.cleaned_data[name] = getattr(self.instance, name)
        super()._post_clean()  # type: ignore[misc]  # BaseModelForm._post_clean exists; django-stubs omits it

    def action_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OrganizationForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "area", "credit_code", "address", "contact_name", "contact_phone"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "area", queries.area_choices_for(user))
        self.fields["area"].required = True
        self.style_widgets()

    def action_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PartyOrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.get_level_display()}"


class SecretaryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # Namesakes are common; the member's party organization tells them apart.
        membership = getattr(obj, "party_membership", None)  # a secretary set elsewhere may not be a member
        return f"{obj.name} · {membership.party_organization.name}" if membership else obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # Namesakes in one branch or neighborhood are common (two 张杰); the birth year tells them apart.
        if obj.birth_date is None:
            return str(obj.name)
        return str(_("%(name)s · born %(year)s") % {"name": obj.name, "year": obj.birth_date.year})


class PartyOrganizationForm(StyledFormMixin, forms.ModelForm):
    """Create or edit a party organization. Every choice is limited to what
    the user can see; the rules between the fields (level below the upper
    organization's, attached somewhere) are PartyOrganization.clean()'s."""

    class Meta:
        model = PartyOrganization
        fields = ["name", "level", "parent", "area", "organization", "secretary"]
        field_classes = {"parent": PartyOrganizationChoiceField, "secretary": SecretaryChoiceField}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = scope_queryset(PartyOrganization.objects.all(), user, Perm.VIEW)
        if self.instance.pk is not None:
            # Never offered as its own upper organization, nor anything below it.
            parents = parents.exclude(pk__in=[self.instance.pk, *self.instance.descendant_ids()])
        _choices(self, "parent", parents)
        _choices(self, "area", queries.area_choices_for(user))
        _choices(self, "organization", scope_queryset(Organization.objects.all(), user, Perm.VIEW))
        # A secretary is a party member; offering only members keeps the list
        # to a fraction of the residents in scope.
        members = Person.objects.filter(party_membership__isnull=False).select_related(
            "party_membership__party_organization")
        _choices(self, "secretary", scope_queryset(members, user, Perm.VIEW))
        self.fields["secretary"].help_text = _("Party members in your area.")
        self.fields["area"].help_text = _("Attach it to an area, an organization, or both.")
        self.style_widgets()

    def action_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
