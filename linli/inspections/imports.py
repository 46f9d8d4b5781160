"""Establishments (一户一档) from Excel: template → upload → preview with every
bad row named → confirm, and then every row is registered, or none is.

Reading and the area columns are core's (linli/core/spreadsheets.py); the
field rules are the model's (`fill_derived_fields()`, `full_clean()`), and
each row is registered through actions.register_establishment, so the
import refuses what the page and the API refuse and writes one audit event
per establishment.

Between preview and confirmation the upload is kept in the private media
storage under a random name that only the uploader's session knows
(inspections has no import-job table of its own). Confirming checks the file
again inside the transaction that writes, so a licence number registered by
someone else meanwhile, or an area taken out of the actor's scope, stops the
whole import.

The responsible unit (责任单位) of a row is an organization already
registered, named exactly; left empty, the shop itself is registered as a
private enterprise in the same area. A name that matches no unit is an error,
not a new unit: a typo must not create a second "联洋物业".
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import actions as core_actions
from linli.core import audit
from linli.core.models import Organization
from linli.core.scoping import Perm, can, scope_queryset
from linli.core.spreadsheets import (
    AreaColumns,
    CellError,
    Column,
    Layout,
    RowError,
    build_workbook,
    cell_text,
    header_names,
    read_sheet,
)
from linli.inspections import actions
from linli.inspections.models import Establishment, GasType

ESTABLISHMENTS = Layout(
    kind="establishments",
    sheet_title="经营场所",
    columns=(
        Column("name", "名称", ("单位名称", "店名", "Name"), gettext_lazy("Required."), 20),
        Column("address", "地址", ("经营地址", "Address"), gettext_lazy("Required."), 30),
        Column("area_code", "所在区域编码", ("区域编码", "Area code"),
               gettext_lazy("Required (or the area's exact name in the next column)."), 14),
        Column("area_name", "所在区域", ("区域", "居民区", "Area"),
               gettext_lazy("Used when the code is empty; must name exactly one area."), 10),
        Column("organization", "责任单位", ("经营单位", "Responsible unit"),
               gettext_lazy("Exact name of a registered unit; empty registers the shop itself as the unit."), 20),
        Column("responsible_name", "负责人", ("Responsible person",), "", 10),
        Column("contact_phone", "联系电话", ("电话", "Contact phone", "Phone"),
               gettext_lazy("11-digit mobile number or landline with area code."), 14, text=True),
        Column("licence_number", "营业执照号", ("统一社会信用代码", "Business licence number", "Licence number"),
               "", 20, text=True),
        Column("gas_type", "用气类型", ("Gas type",), gettext_lazy("Required: 管道燃气 or 液化气钢瓶."), 12),
        Column("supplier", "供气单位", ("Gas supplier", "Supplier"), "", 18),
        Column("cylinder_labels", "钢瓶电子标签", ("Cylinder e-labels",),
               gettext_lazy("LPG only: the cylinders' e-label ids, separated by commas."), 24),
    ),
    required=(("name",), ("address",), ("area_code", "area_name"), ("gas_type",)),
)

_GAS_WORDS = {
    GasType.PIPELINE: {"管道燃气", "管道气", "管道", "天然气", "pipeline", "pipeline gas"},
    GasType.LPG: {"液化气钢瓶", "液化气", "钢瓶", "瓶装液化气", "lpg", "lpg cylinders"},
}


@dataclass
class Row:
    row: int
    fields: dict[str, Any]
    new_unit: bool  # the shop itself is registered as its responsible unit


@dataclass
class CheckedEstablishments:
    row_count: int
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _gas_type(value: Any) -> str:
    text = cell_text(value).lower()
    for gas_type, words in _GAS_WORDS.items():
        if text in words or text == str(gas_type.label).lower():
            return str(gas_type)
    raise CellError(_("“%(value)s” is not a gas type; write 管道燃气 or 液化气钢瓶.") % {"value": cell_text(value)}
                    if text else _("Enter the gas type: 管道燃气 or 液化气钢瓶."))


def _labels(value: Any) -> list[str]:
    text = cell_text(value)
    for separator in ("，", "、", ";", "；", "\n", " "):
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def check_establishments(content: bytes, *, actor: Any) -> CheckedEstablishments:
    """Every row checked, in a fixed number of queries; the fields to register, or what is wrong."""
    sheet = read_sheet(content, ESTABLISHMENTS)
    header = header_names(ESTABLISHMENTS, sheet.headers)
    areas = AreaColumns(actor, sheet.rows, None)
    unit_names = {cell_text(v.get("organization")) for _n, v in sheet.rows} - {""}
    units: dict[str, list[Organization]] = {}
    for known in scope_queryset(Organization.objects.filter(name__in=unit_names), actor, Perm.VIEW):
        units.setdefault(known.name, []).append(known)
    licences = {cell_text(v.get("licence_number")).upper() for _n, v in sheet.rows} - {""}
    registered = set(Establishment.objects.filter(licence_number__in=licences).values_list("licence_number",
                                                                                          flat=True))
    checked = CheckedEstablishments(row_count=len(sheet.rows))
    seen: dict[str, int] = {}
    for number, values in sheet.rows:
        errors: list[tuple[str, str]] = []
        area, area_key, area_error = areas.resolve(values)
        if area_error:
            errors.append((area_key, area_error))
        try:
            gas_type = _gas_type(values.get("gas_type"))
        except CellError as error:
            errors.append(("gas_type", str(error)))
            gas_type = ""
        unit_name = cell_text(values.get("organization"))
        unit: Organization | None = None
        if unit_name:
            found = units.get(unit_name, [])
            if len(found) != 1:
                errors.append(("organization", _("“%(name)s” is not a registered unit you can see; register it first "
                                                 "or leave the cell empty.") % {"name": unit_name} if not found
                               else _("Several units are called “%(name)s”.") % {"name": unit_name}))
            else:
                unit = found[0]
        fields = {
            "name": cell_text(values.get("name")), "address": cell_text(values.get("address")), "area": area,
            "organization": unit, "responsible_name": cell_text(values.get("responsible_name")),
            "contact_phone": cell_text(values.get("contact_phone")),
            "licence_number": cell_text(values.get("licence_number")), "gas_type": gas_type,
            "supplier": cell_text(values.get("supplier")), "cylinder_labels": _labels(values.get("cylinder_labels")),
        }
        probe = Establishment(**fields)
        probe.fill_derived_fields()
        reported = {k for k, _m in errors}
        try:
            probe.full_clean(exclude=["area", "organization"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors += [(k, m) for k, ms in exc.message_dict.items() for m in ms if k not in reported]
        if probe.licence_number:
            if probe.licence_number in registered:
                errors.append(("licence_number", _("An establishment with this licence number is already "
                                                   "registered.")))
            elif probe.licence_number in seen:
                errors.append(("licence_number", _("The same licence number is on row %(row)s too.")
                               % {"row": seen[probe.licence_number]}))
            else:
                seen[probe.licence_number] = number
        if errors:
            keys = {c.key for c in ESTABLISHMENTS.columns}
            checked.errors += [RowError(number, header(k if k in keys else None), m) for k, m in errors]
        else:
            checked.rows.append(Row(number, fields, new_unit=unit is None))
    return checked


def template(actor: Any) -> bytes:
    """The blank sheet with its instructions and the codes of the areas the actor may import into."""
    lines: list[list[Any]] = [[_("Column"), _("How to fill it in")]]
    lines += [[c.header, str(c.help)] for c in ESTABLISHMENTS.columns]
    with translation.override("zh-hans"):
        lines += [[], [_("Gas type"), "、".join(str(g.label) for g in GasType)]]
    lines += [[], [_("Code"), _("Areas you can import into")]]
    from linli.core.models import Area

    lines += [[a.code, a.name] for a in scope_queryset(Area.objects.all(), actor, Perm.IMPORT).order_by("path")]
    content, _count = build_workbook(ESTABLISHMENTS, [], extra_sheets=[(_("Instructions"), lines)])
    return content


def establishment_row(e: Establishment) -> list[Any]:
    """One exported row in the import's column order: the file can be corrected and imported elsewhere."""
    with translation.override("zh-hans"):
        gas = str(e.get_gas_type_display())
    return [e.name, e.address, e.area.code, e.area.name, e.organization.name, e.responsible_name,
            e.masked_contact_phone, e.licence_number, gas, e.supplier, ",".join(e.cylinder_labels)]


def export(*, actor: Any, establishments: QuerySet[Establishment], filters: dict[str, Any]) -> tuple[bytes, int]:
    """The establishments as xlsx, contact masked; the export is audited.

    `establishments` is what the page lists (the view's scope); only those the actor may *export* go into
    the file: a unit's liaison sees its shops but exports nothing of them.
    """
    if not can(actor, Perm.EXPORT):
        raise PermissionDenied(_("You do not have permission to export records."))
    rows = scope_queryset(establishments, actor, Perm.EXPORT)
    content, count = build_workbook(ESTABLISHMENTS, (establishment_row(e) for e in rows))
    core_actions.record_export(actor=actor, kind="establishments", count=count, filters=filters, unmasked=False)
    return content, count


# Upload → preview → confirm ---------------------------------------------------------

_DIRECTORY = "imports/establishments"


def _require_import(actor: Any) -> None:
    if actor is None or not can(actor, Perm.IMPORT):
        raise PermissionDenied(_("You do not have permission to import records."))


def keep_upload(*, actor: Any, content: bytes) -> str:
    """Keep an uploaded file until it is confirmed; the returned token names it."""
    _require_import(actor)
    token = uuid.uuid4().hex
    default_storage.save(f"{_DIRECTORY}/{token}.xlsx", ContentFile(content))
    return token


def kept_upload(token: str) -> bytes | None:
    try:
        name = f"{_DIRECTORY}/{uuid.UUID(token).hex}.xlsx"
    except ValueError:
        return None
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return bytes(handle.read())


def forget_upload(token: str) -> None:
    with contextlib.suppress(ValueError):
        default_storage.delete(f"{_DIRECTORY}/{uuid.UUID(token).hex}.xlsx")


def purge_stale_uploads(*, before: datetime.datetime) -> int:
    """Erase the kept uploads (owners' phones in full) stored before `before` and never confirmed; return how
    many. Called by `linli purge_uploads` (core.imports.PURGE_HOOKS); audited as one system event."""
    try:
        _dirs, files = default_storage.listdir(_DIRECTORY)
    except FileNotFoundError:
        return 0
    erased = []
    for name in files:
        path = f"{_DIRECTORY}/{name}"
        with contextlib.suppress(FileNotFoundError):  # confirmed (and forgotten) meanwhile
            if default_storage.get_modified_time(path) < before:
                default_storage.delete(path)
                erased.append(name)
    if erased:
        audit.record(actor=None, action="inspections.uploads_expired",
                     data={"files": len(erased), "uploaded_before": before.isoformat()})
    return len(erased)


@transaction.atomic
def confirm_import(*, actor: Any, content: bytes) -> int:
    """Register every row, or none: the file is checked again in this transaction."""
    _require_import(actor)
    checked = check_establishments(content, actor=actor)
    if checked.errors:
        raise ValidationError(_("The records changed since the preview: %(n)s rows no longer pass. Upload the file "
                                "again to see them.") % {"n": len({e.row for e in checked.errors})},
                              code="changed")
    for row in checked.rows:
        fields = dict(row.fields)
        if row.new_unit:
            fields["organization"] = core_actions.create_organization(
                actor=actor, name=fields["name"], kind=Organization.Kind.PRIVATE_ENTERPRISE, area=fields["area"],
                address=fields["address"])
        actions.register_establishment(actor=actor, **fields)
    audit.record(actor=actor, action="inspections.establishments_imported", data={"count": len(checked.rows)})
    return len(checked.rows)
