"""Input forms for the inspections pages. The rules live in the actions
(a notice's deadline and two officers, an answer's type and required flag,
a photo's type and size), so the pages, the import and the API refuse the
same things; these forms only collect the input and put each refusal on
the field it is about."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.forms import StyledFormMixin, add_refusal, area_filter_field
from linli.core.models import Area, Organization, User
from linli.core.spreadsheets import MAX_UPLOAD_BYTES
from linli.inspections.models import (
    Campaign,
    ChecklistItem,
    ChecklistVersion,
    Establishment,
    Finding,
    GasType,
    Inspection,
    RectificationNotice,
    Reinspection,
    SeizureItemKind,
    Severity,
)

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # <input type=date> wants ISO dates


def style(form: Any) -> None:
    """Bootstrap's classes, with radios and checkbox lists as check inputs (core's mixin treats them as text)."""
    form.style_widgets()
    for field_ in form.fields.values():
        if isinstance(field_.widget, forms.RadioSelect):  # CheckboxSelectMultiple is one too
            field_.widget.attrs["class"] = "form-check-input"


def departments() -> QuerySet[Organization]:
    """The street's functional departments: who inspects and who issues notices."""
    return Organization.objects.filter(kind=Organization.Kind.DEPARTMENT).order_by("name", "id")


def agencies_for(establishment: Establishment) -> QuerySet[Organization]:
    """The departments that may issue a notice or seize at this establishment: those whose area holds it
    (actions refuse another street's department)."""
    return departments().filter(Q(area__isnull=True) | Q(area__code__in=establishment.area.ancestor_codes()))


def officer_choices(establishment: Establishment, also: QuerySet[User] | None = None) -> QuerySet[User]:
    """Accounts that may sign for the team: holders of a role over the establishment's area or in a department."""
    codes = establishment.area.ancestor_codes()
    holders = User.objects.filter(
        Q(roles__area__code__in=codes) | Q(roles__organization__kind=Organization.Kind.DEPARTMENT), is_active=True)
    if also is not None:
        holders = holders | User.objects.filter(pk__in=also.values("pk"))
    return User.objects.filter(pk__in=holders.values("pk")).order_by("display_name", "username")


class EstablishmentFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"] = area_filter_field(user)
        self.style_widgets()


class EstablishmentForm(StyledFormMixin, forms.Form):
    """一户一档: register an establishment or correct its record. The rules are the model's and the action's."""

    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=255)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    organization = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Organization.objects.none())
    responsible_name = forms.CharField(label=_("Responsible person"), required=False, max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=32)
    licence_number = forms.CharField(label=_("Business licence number"), required=False, max_length=32)
    gas_type = forms.ChoiceField(label=_("Gas type"), choices=GasType.choices)
    supplier = forms.CharField(label=_("Gas supplier"), required=False, max_length=200)
    cylinder_labels = forms.CharField(label=_("Cylinder e-labels (comma separated)"), required=False,
                                      max_length=2000)

    def __init__(self, *args: Any, user: Any, instance: Establishment | None = None, **kwargs: Any) -> None:
        from linli.core import queries as core_queries

        if instance is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "address": instance.address, "area": instance.area_id,
                "organization": instance.organization_id, "responsible_name": instance.responsible_name,
                "licence_number": instance.licence_number, "gas_type": instance.gas_type,
                "supplier": instance.supplier, "cylinder_labels": ", ".join(instance.cylinder_labels)}
        super().__init__(*args, **kwargs)
        self.instance = instance
        area = self.fields["area"]
        unit = self.fields["organization"]
        assert isinstance(area, forms.ModelChoiceField) and isinstance(unit, forms.ModelChoiceField)
        area.queryset = core_queries.area_choices_for(
            user, (Area.Level.SUBDISTRICT, Area.Level.COMMUNITY, Area.Level.NEIGHBORHOOD))
        unit.queryset = core_queries.organizations_visible_to(user)
        if instance is not None and instance.contact_phone:
            # The number is never sent back to the browser: shown masked, kept unless a new one is typed.
            self.fields["contact_phone"].help_text = _("Now %(masked)s; leave empty to keep it.") % {
                "masked": instance.masked_contact_phone}
        style(self)

    def action_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        labels = data.pop("cylinder_labels").replace("，", ",").replace("、", ",")
        data["cylinder_labels"] = [label.strip() for label in labels.split(",") if label.strip()]
        if self.instance is not None and not data["contact_phone"]:
            del data["contact_phone"]
        return data


class CampaignForm(StyledFormMixin, forms.Form):
    """专项整治: lead and participating departments, period, its two phases and the baseline (底数)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    lead_department = forms.ModelChoiceField(label=_("Lead department"), queryset=Organization.objects.none())
    departments = forms.ModelMultipleChoiceField(label=_("Participating departments"), required=False,
                                                 queryset=Organization.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)
    start = forms.DateField(label=_("Starts on"), widget=_DATE)
    end = forms.DateField(label=_("Ends on"), widget=_DATE)
    concentrated_start = forms.DateField(label=_("Concentrated rectification from"), required=False, widget=_DATE)
    concentrated_end = forms.DateField(label=_("Concentrated rectification until"), required=False, widget=_DATE)
    consolidation_start = forms.DateField(label=_("Consolidation and look-back from"), required=False,
                                          widget=_DATE)
    consolidation_end = forms.DateField(label=_("Consolidation and look-back until"), required=False,
                                        widget=_DATE)
    targets = forms.ModelMultipleChoiceField(label=_("Baseline establishments"), required=False,
                                             queryset=Establishment.objects.none(),
                                             widget=forms.SelectMultiple(attrs={"size": 10}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from linli.core import queries as core_queries
        from linli.core.scoping import Perm, scope_queryset

        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("area", core_queries.area_choices_for(user, (Area.Level.SUBDISTRICT, Area.Level.COMMUNITY))),
            ("lead_department", departments()), ("departments", departments()),
            ("targets", scope_queryset(Establishment.objects.select_related("area"), user, Perm.VIEW)
             .order_by("area__path", "name")),
        ):
            field_ = self.fields[name]
            assert isinstance(field_, forms.ModelChoiceField)
            field_.queryset = queryset
        style(self)

    def action_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        phases = []
        for kind in ("concentrated", "consolidation"):
            start, end = data.get(f"{kind}_start"), data.get(f"{kind}_end")
            if start or end:
                if not (start and end):
                    raise ValidationError({f"{kind}_end" if start else f"{kind}_start":
                                           _("Give the phase's first and last day.")})
                phases.append((kind, start, end))
        return {"name": data["name"], "area": data["area"], "lead_department": data["lead_department"],
                "departments": list(data["departments"]), "start": data["start"], "end": data["end"],
                "phases": phases, "targets": list(data["targets"])}


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than %(limit)s MB; split it into smaller files.")
                                  % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


class NoticeForm(StyledFormMixin, forms.Form):
    """整改通知书 from an inspection's findings: each chosen hazard with the rule it breaches."""

    agency = forms.ModelChoiceField(label=_("Issuing agency"), queryset=Organization.objects.none())
    requirements = forms.CharField(label=_("What must be done"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    # Not required here: the action refuses a notice without one, in its own words, on this field.
    deadline = forms.DateField(label=_("Rectify by"), required=False, widget=_DATE)
    reinspection_on = forms.DateField(label=_("Re-inspection on"), required=False, widget=_DATE)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=_DATE)
    officers = forms.ModelMultipleChoiceField(label=_("Officers (two sign)"), queryset=User.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    recipient_name = forms.CharField(label=_("Recipient"), required=False, max_length=50)
    signature = forms.ChoiceField(label=_("Recipient's signature"), required=False,
                                  choices=[("", _("Not yet")), *RectificationNotice.Signature.choices])

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.findings = list(inspection.findings.all())
        agency = self.fields["agency"]
        officers = self.fields["officers"]
        assert isinstance(agency, forms.ModelChoiceField) and isinstance(officers, forms.ModelMultipleChoiceField)
        agency.queryset = agencies_for(inspection.establishment)
        officers.queryset = officer_choices(inspection.establishment, also=inspection.officers.all())
        if not self.is_bound:
            self.initial.setdefault("issued_on", timezone.localdate())
            self.initial.setdefault("officers", [o.pk for o in inspection.officers.all()])
            team = list(inspection.departments.all())
            if team:
                self.initial.setdefault("agency", team[0].pk)
        for finding in self.findings:
            self.fields[f"finding_{finding.pk}"] = forms.BooleanField(
                label=finding.description, required=False, initial=not finding.fixed_on_spot)
            self.fields[f"rule_{finding.pk}"] = forms.CharField(
                label=_("Rule breached"), required=False, max_length=300)
        style(self)

    MAIN = ("agency", "requirements", "deadline", "reinspection_on", "issued_on", "officers", "recipient_name",
            "signature")

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN]

    def finding_rows(self) -> list[tuple[Finding, forms.BoundField, forms.BoundField]]:
        return [(f, self[f"finding_{f.pk}"], self[f"rule_{f.pk}"]) for f in self.findings]

    def action_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        chosen = {f: data.get(f"rule_{f.pk}") or "" for f in self.findings if data.get(f"finding_{f.pk}")}
        return {
            "agency": data["agency"], "findings": chosen, "requirements": data["requirements"] or "",
            "deadline": data["deadline"], "reinspection_on": data["reinspection_on"],
            "issued_on": data["issued_on"], "officers": list(data["officers"]),
            "recipient_name": data["recipient_name"], "signature": data["signature"],
        }


class ReinspectionForm(forms.Form):
    """One 回头看 outcome; the action decides what each outcome needs (a new deadline when not fixed)."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Reinspection.Outcome.choices)
    done_on = forms.DateField(label=_("Re-inspected on"), required=False, widget=_DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    new_deadline = forms.DateField(label=_("New deadline (when not fixed)"), required=False, widget=_DATE)


class SeizureForm(StyledFormMixin, forms.Form):
    """收缴 at an inspection: the seizure and up to ROWS lines of items (kind, quantity, e-labels)."""

    ROWS = 4

    agency = forms.ModelChoiceField(label=_("Seizing agency"), queryset=Organization.objects.none())
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300)
    storage_place = forms.CharField(label=_("Storage place"), required=False, max_length=200)
    seized_on = forms.DateField(label=_("Seized on"), required=False, widget=_DATE)
    officers = forms.ModelMultipleChoiceField(label=_("Officers (two sign)"), queryset=User.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    notice = forms.ModelChoiceField(label=_("Rectification notice"), queryset=RectificationNotice.objects.none(),
                                    required=False)

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        agency = self.fields["agency"]
        officers = self.fields["officers"]
        notice = self.fields["notice"]
        assert isinstance(agency, forms.ModelChoiceField) and isinstance(notice, forms.ModelChoiceField)
        assert isinstance(officers, forms.ModelMultipleChoiceField)
        agency.queryset = agencies_for(inspection.establishment)
        officers.queryset = officer_choices(inspection.establishment, also=inspection.officers.all())
        notice.queryset = RectificationNotice.objects.filter(inspection=inspection).select_related("agency")
        if not self.is_bound:
            self.initial.setdefault("seized_on", inspection.date)
            self.initial.setdefault("officers", [o.pk for o in inspection.officers.all()])
            team = list(inspection.departments.all())
            if team:
                self.initial.setdefault("agency", team[0].pk)
        for n in range(1, self.ROWS + 1):
            self.fields[f"item_{n}_kind"] = forms.ChoiceField(
                label=_("Item"), required=False, choices=[("", "—"), *SeizureItemKind.choices])
            self.fields[f"item_{n}_quantity"] = forms.CharField(
                label=_("Quantity"), required=False, max_length=6,
                widget=forms.TextInput(attrs={"inputmode": "numeric"}))
            self.fields[f"item_{n}_identifiers"] = forms.CharField(
                label=_("E-labels or serial numbers (comma separated)"), required=False, max_length=2000)
            self.fields[f"item_{n}_description"] = forms.CharField(label=_("Description"), required=False,
                                                                   max_length=200)
        style(self)

    MAIN = ("agency", "legal_basis", "storage_place", "seized_on", "notice")

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN]

    def item_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"item_{n}_{part}"] for part in ("kind", "quantity", "identifiers", "description")]
                for n in range(1, self.ROWS + 1)]

    def action_fields(self) -> dict[str, Any]:
        from linli.inspections.actions import SeizureItemIn

        data = self.cleaned_data
        rows = []
        for n in range(1, self.ROWS + 1):
            kind, quantity = data.get(f"item_{n}_kind") or "", (data.get(f"item_{n}_quantity") or "").strip()
            ids = (data.get(f"item_{n}_identifiers") or "").replace("，", ",").replace("、", ",")
            rows.append(SeizureItemIn(kind=kind, quantity=quantity or 0,  # type: ignore[arg-type]  # text: the action parses
                                      identifiers=[i.strip() for i in ids.split(",") if i.strip()],
                                      description=data.get(f"item_{n}_description") or ""))
        # Lines after the last one filled in are blank lines of the form, not items; the ones between are
        # refused by the action, by their row number, which is the form's.
        while rows and not rows[-1].kind and not rows[-1].quantity and not rows[-1].identifiers:
            rows.pop()
        return {"agency": data["agency"], "legal_basis": data["legal_basis"] or "",
                "storage_place": data["storage_place"] or "", "seized_on": data["seized_on"],
                "officers": list(data["officers"]), "notice": data["notice"], "inspection": self.inspection,
                "items": rows}


# The phone inspection form ----------------------------------------------------------

class StartInspectionForm(StyledFormMixin, forms.Form):
    """Which establishment, which checklist: the first screen on the phone."""

    establishment = forms.ModelChoiceField(label=_("Establishment"), queryset=Establishment.objects.none())
    version = forms.ModelChoiceField(label=_("Checklist"), queryset=ChecklistVersion.objects.none())

    def __init__(self, *args: Any, establishments: QuerySet[Establishment],
                 versions: QuerySet[ChecklistVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        est = self.fields["establishment"]
        ver = self.fields["version"]
        assert isinstance(est, forms.ModelChoiceField) and isinstance(ver, forms.ModelChoiceField)
        est.queryset = establishments
        ver.queryset = versions
        self.style_widgets()


def _yes_no_field(item: ChecklistItem) -> forms.Field:
    return forms.ChoiceField(label=item.text, required=False, widget=forms.RadioSelect,
                             choices=[("yes", _("Yes")), ("no", _("No"))])


def answer_field(item: ChecklistItem) -> forms.Field:
    """The input for one checklist item, by its type. Never `required` here: the action says which are."""
    if item.answer_type == ChecklistItem.AnswerType.YES_NO:
        return _yes_no_field(item)
    if item.answer_type == ChecklistItem.AnswerType.NUMBER:
        return forms.CharField(label=item.text, required=False, max_length=20,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    if item.answer_type == ChecklistItem.AnswerType.CHOICE:
        return forms.ChoiceField(label=item.text, required=False,
                                 choices=[("", "—"), *[(c["value"], c.get("label", c["value"])) for c in item.choices]])
    return forms.CharField(label=item.text, required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos for one item; each is checked by the action (type by content, size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # accept=image/* offers the camera and the gallery on a phone; capture= would allow only the camera.
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class InspectionForm(StyledFormMixin, forms.Form):
    """One checklist answered on a phone: the team, then each item by its type; a failed item opens its finding."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("Inspected on"), widget=_DATE)
    departments = forms.ModelMultipleChoiceField(label=_("Departments"), queryset=Organization.objects.none(),
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    officers = forms.ModelMultipleChoiceField(label=_("Officers"), queryset=User.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    campaign = forms.ModelChoiceField(label=pgettext_lazy("inspections", "Campaign"), queryset=Campaign.objects.none(),
                                      required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, establishment: Establishment, version: ChecklistVersion, user: Any,
                 campaigns: QuerySet[Campaign] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.fields["campaign"]
        assert isinstance(campaign, forms.ModelChoiceField)
        campaign.queryset = campaigns if campaigns is not None else Campaign.objects.none()
        self.establishment = establishment
        self.version = version
        self.items = list(version.items.all())
        deps = self.fields["departments"]
        offs = self.fields["officers"]
        assert isinstance(deps, forms.ModelMultipleChoiceField) and isinstance(offs, forms.ModelMultipleChoiceField)
        deps.queryset = departments()
        offs.queryset = officer_choices(establishment, also=User.objects.filter(pk=user.pk))
        if not self.is_bound:
            # Generated when the form is opened: a retried POST carries the same id and saves nothing twice.
            self.initial.setdefault("client_id", uuid.uuid4())
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("officers", [user.pk])
        for item in self.items:
            code = item.code
            self.fields[f"a_{code}"] = answer_field(item)
            self.fields[f"note_{code}"] = forms.CharField(label=_("Note"), required=False, max_length=2000)
            self.fields[f"photos_{code}"] = MultipleFileField(label=_("Photos"), required=False)
            if item.requires_finding and item.answer_type != ChecklistItem.AnswerType.TEXT:
                self.fields[f"severity_{code}"] = forms.ChoiceField(
                    label=_("Severity"), required=False, choices=Severity.choices, initial=item.severity)
                self.fields[f"fixed_{code}"] = forms.BooleanField(label=_("Fixed on the spot"), required=False)
                self.fields[f"location_{code}"] = forms.CharField(label=_("Location"), required=False,
                                                                  max_length=200)
        style(self)

    def item_rows(self) -> list[dict[str, Any]]:
        rows = []
        for item in self.items:
            code = item.code
            rows.append({
                "item": item, "answer": self[f"a_{code}"], "note": self[f"note_{code}"],
                "photos": self[f"photos_{code}"],
                "severity": self[f"severity_{code}"] if f"severity_{code}" in self.fields else None,
                "fixed": self[f"fixed_{code}"] if f"fixed_{code}" in self.fields else None,
                "location": self[f"location_{code}"] if f"location_{code}" in self.fields else None,
                "errors": self.errors.get(f"a_{code}", []),
            })
        return rows

    def action_fields(self) -> dict[str, Any]:
        from linli.inspections.actions import AnswerIn, FindingIn

        data = self.cleaned_data
        answers = {}
        for item in self.items:
            code = item.code
            value = data.get(f"a_{code}")
            finding = None
            if f"severity_{code}" in self.fields:
                finding = FindingIn(description=data.get(f"note_{code}") or "",
                                    location=data.get(f"location_{code}") or "",
                                    severity=data.get(f"severity_{code}") or "",
                                    fixed_on_spot=bool(data.get(f"fixed_{code}")))
            answers[code] = AnswerIn(value=value if value not in (None, "") else None,
                                     note=data.get(f"note_{code}") or "", photos=data.get(f"photos_{code}") or [],
                                     finding=finding)
        return {
            "client_id": data["client_id"], "establishment": self.establishment, "version": self.version,
            "date": data["date"], "departments": list(data["departments"]), "officers": list(data["officers"]),
            "answers": answers, "note": data["note"] or "", "campaign": data.get("campaign"),
        }

    def add_refusal(self, error: ValidationError) -> None:
        """An action's errors are keyed by item code; the form's fields by `a_<code>`."""
        add_refusal(self, error, {item.code: f"a_{item.code}" for item in self.items})
