"""Import a batch of wishes collected on paper (圆梦 forms typed into Excel).

The same rules as core's people import (linli/core/imports.py), with core's
reading and layout machinery (linli/core/spreadsheets.py): upload → preview
listing every bad row with its Excel row number, column and reason → confirm,
and then every row becomes a draft wish, or none does. A row without the
child's birth date (or age) is a row error, like any other missing field.

Confirming reads the file again inside the transaction that writes, so a
neighborhood taken out of the actor's scope meanwhile stops the import. A
season is a few hundred wishes: each goes through actions.create_need, one
audit event per wish, rather than a bulk insert.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import audit
from linli.core.models import Area
from linli.core.scoping import Perm, can
from linli.core.spreadsheets import (
    PEOPLE,
    AreaColumns,
    CellError,
    Column,
    Layout,
    RowError,
    areas_for_import,
    build_workbook,
    cell_date,
    cell_text,
    cell_yes_no,
    header_names,
    read_sheet,
)
from linli.core.validators import today as core_today
from linli.needs import actions
from linli.needs.models import Need, WishDetails, WishImport

# Excel rows are the paper form's fields, in its order; headers in Chinese, English accepted.
WISHES = Layout(
    kind="wishes",
    sheet_title="微心愿",
    columns=(
        Column("title", "心愿", ("心愿内容", "Wish"), gettext_lazy("Required: what the child wishes for."), 24),
        Column("description", "心愿说明", ("说明", "Description"), "", 30),
        Column("category", "类别", ("Category",), gettext_lazy("One of the categories listed below; empty means 其他."),
               10),
        Column("value_band", "价值", ("价值区间", "Value"), gettext_lazy("One of the value bands listed below."), 10),
        Column("child_name", "儿童姓名", ("姓名", "Child's name"), gettext_lazy("Required; never shown publicly."), 10),
        Column("public_name", "公开称呼", ("称呼", "Name shown publicly"),
               gettext_lazy("Required: a given name or an alias, not the full name."), 10),
        Column("birth_date", "出生日期", ("Birth date",),
               gettext_lazy("YYYY-MM-DD. Required, or the age in the next column."), 12),
        Column("age", "年龄", ("Age",),
               gettext_lazy("Used when the birth date is empty; the birth date is then marked as estimated."), 6),
        Column("school", "学校", ("School",), "", 18),
        Column("school_class", "班级", ("Class",), "", 10),
        Column("guardian_name", "监护人", ("Guardian",), "", 10),
        Column("guardian_phone", "监护人电话", ("Guardian's phone",),
               gettext_lazy("11-digit mobile number or landline with area code."), 14, text=True),
        Column("guardian_consent", "监护人同意公开", ("Guardian consents",),
               gettext_lazy("是 or 否; a wish is published only with the guardian's consent."), 10),
        Column("area_code", "居民区编码", ("Neighborhood code",),
               gettext_lazy("Required (or the neighborhood's exact name in the next column)."), 14),
        Column("area_name", "居民区", ("Neighborhood",),
               gettext_lazy("Used when the code is empty; must name exactly one neighborhood."), 10),
    ),
    required=(("title",), ("child_name",), ("public_name",), ("area_code", "area_name")),
)


@dataclass
class WishRow:
    row: int
    need: dict[str, Any]
    wish: dict[str, Any]


@dataclass
class CheckedWishes:
    row_count: int
    rows: list[WishRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _loose(text: str) -> str:
    """Paper forms write "100-300元", "¥100 – 300" or "100～300": compare without those differences."""
    return re.sub(r"[\s¥￥元,，]", "", text).replace("-", "–").replace("～", "–").replace("~", "–").lower()


def _choice(value: Any, choices: Any, what: str) -> str:
    text = _loose(cell_text(value))
    if not text:
        return ""
    for choice in choices:
        if text in (_loose(choice.value), _loose(str(choice.label)), _loose(_label_zh(choice))):
            return str(choice.value)
    raise CellError(_("“%(value)s” is not a %(what)s; use one listed in the template.")
                    % {"value": text, "what": what})


def _label_zh(choice: Any) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


def _age_to_birth_date(value: Any) -> datetime.date | None:
    text = cell_text(value).removesuffix("岁")
    if not text:
        return None
    if not text.isdigit() or not 0 <= int(text) <= 18:
        raise CellError(_("“%(value)s” is not a child's age; write a whole number from 0 to 18.") % {"value": text})
    # Paper forms often give only the age: the birth date is taken as this day that many years ago,
    # and the wish's details say it is an estimate (WishDetails.birth_date_estimated).
    today = core_today()
    try:
        return today.replace(year=today.year - int(text))
    except ValueError:  # 29 February
        return today.replace(year=today.year - int(text), day=28)


def _cell(values: dict[str, Any], errors: list[tuple[str, str]], key: str, parse: Any, *args: Any) -> Any:
    """One cell parsed, or None with its error noted against the column."""
    try:
        return parse(values.get(key), *args)
    except CellError as error:
        errors.append((key, str(error)))
        return None


def check_wishes(content: bytes, *, actor: Any) -> CheckedWishes:
    """Check every row; build the wish each one describes, or say what is wrong with it."""
    sheet = read_sheet(content, WISHES)
    header = header_names(WISHES, sheet.headers)
    areas = AreaColumns(actor, sheet.rows, Area.Level.NEIGHBORHOOD)
    checked = CheckedWishes(row_count=len(sheet.rows))
    seen: dict[tuple[str, datetime.date], int] = {}
    for number, values in sheet.rows:
        errors: list[tuple[str, str]] = []
        category = _cell(values, errors, "category", _choice, Need.Category, _("category")) or Need.Category.OTHER
        value_band = _cell(values, errors, "value_band", _choice, Need.ValueBand, _("value band")) or ""
        birth_date = _cell(values, errors, "birth_date", cell_date)
        age_birth = _cell(values, errors, "age", _age_to_birth_date)
        consent = _cell(values, errors, "guardian_consent", cell_yes_no)
        if birth_date is None and age_birth is None and not any(k in ("birth_date", "age") for k, _m in errors):
            errors.append(("birth_date", _("Enter the child's birth date (or age): the wish wall shows the age.")))
        neighborhood, area_key, area_error = areas.resolve(values)
        if area_error:
            errors.append((area_key, area_error))
        need = {"title": cell_text(values.get("title")), "description": cell_text(values.get("description")),
                "category": category, "value_band": value_band, "neighborhood": neighborhood}
        wish = {"child_name": cell_text(values.get("child_name")),
                "public_name": cell_text(values.get("public_name")),
                "birth_date": birth_date or age_birth, "school": cell_text(values.get("school")),
                "school_class": cell_text(values.get("school_class")),
                "guardian_name": cell_text(values.get("guardian_name")),
                "guardian_phone": cell_text(values.get("guardian_phone")), "guardian_consent": bool(consent),
                "birth_date_estimated": birth_date is None and age_birth is not None}
        # The models' own field rules (required, lengths, phone, no future date, public name ≠ full name).
        reported = {k for k, _m in errors}
        probe = Need(kind=Need.Kind.WISH, **{k: v for k, v in need.items() if k != "neighborhood"})
        details = WishDetails(**{k: v for k, v in wish.items() if v is not None})
        for obj, exclude in ((probe, ["neighborhood"]), (details, ["need"])):
            fill = getattr(obj, "fill_derived_fields", None)
            if fill is not None:
                fill()
            try:
                obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                errors += [(k, m) for k, ms in exc.message_dict.items() for m in ms if k not in reported]
        key = (wish["child_name"], wish["birth_date"])
        if wish["child_name"] and wish["birth_date"]:
            if key in seen:
                errors.append(("child_name", _("The same child is on row %(row)s too; one wish per child per file.")
                               % {"row": seen[key]}))
            else:
                seen[key] = number
        if errors:
            checked.errors += [RowError(number, header(k if k in sheet.headers or k in {c.key for c in WISHES.columns}
                                                       else None), m) for k, m in errors]
        else:
            checked.rows.append(WishRow(number, need, wish))
    return checked


def wish_template(actor: Any) -> bytes:
    """The blank sheet and its instructions, with the categories, value bands and the actor's neighborhoods."""

    lines: list[list[Any]] = [[_("Column"), _("How to fill it in")]]
    lines += [[c.header, str(c.help)] for c in WISHES.columns]
    with translation.override("zh-hans"):
        lines += [[], [_("Category"), "、".join(str(c.label) for c in Need.Category)]]
        lines += [[_("Value"), "、".join(str(c.label) for c in Need.ValueBand)]]
    lines += [[], [_("Code"), _("Areas you can import into")]]
    lines += [[a.code, a.name] for a in areas_for_import(actor, PEOPLE)]
    content, _count = build_workbook(WISHES, [], extra_sheets=[(_("Instructions"), lines)])
    return content


def require_import(actor: Any) -> None:
    """Refused (PermissionDenied) unless the actor may import records somewhere."""
    if actor is None or not can(actor, Perm.IMPORT):
        raise PermissionDenied(_("You do not have permission to import records."))


def wish_imports_of(user: Any) -> models.QuerySet[WishImport]:
    """An upload is seen only by whoever made it: it holds children's names and guardians' phones."""
    if user is None or not user.is_authenticated:
        return WishImport.objects.none()
    return WishImport.objects.filter(created_by=user).defer("content")


@transaction.atomic
def preview_wish_import(*, actor: Any, filename: str, content: bytes) -> WishImport:
    """Check an uploaded sheet and keep it: `previewed` when every row passes, `rejected` with every bad row.

    A file that cannot be used at all (not an xlsx, empty, a required column missing) raises ValidationError.
    """
    require_import(actor)
    checked = check_wishes(content, actor=actor)
    return WishImport.objects.create(
        status=WishImport.Status.REJECTED if checked.errors else WishImport.Status.PREVIEWED,
        created_by=actor, filename=filename[-255:], content=content, row_count=checked.row_count,
        errors=[e.as_dict() for e in checked.errors[:1000]],
    )


@transaction.atomic
def confirm_wish_import(*, actor: Any, job: WishImport) -> int:
    """Create every previewed wish as a draft, or none: checked again, in this transaction."""
    require_import(actor)
    locked = WishImport.objects.select_for_update().get(pk=job.pk, created_by=actor)
    if locked.status != WishImport.Status.PREVIEWED:
        raise ValidationError(_("Only a previewed file without errors can be imported (this one: %(status)s).")
                              % {"status": locked.get_status_display()}, code="not_previewed")
    checked = check_wishes(bytes(locked.content), actor=actor)
    if checked.errors:
        raise ValidationError(_("The records changed since the preview: %(n)s rows no longer pass. Upload the file "
                                "again to see them.") % {"n": len({e.row for e in checked.errors})},
                              code="changed")
    for row in checked.rows:
        actions.create_need(actor=actor, kind=Need.Kind.WISH, wish=row.wish, **row.need)
    WishImport.objects.filter(pk=locked.pk).update(status=WishImport.Status.IMPORTED,
                                                   imported_count=len(checked.rows), imported_at=timezone.now())
    audit.record(actor=actor, action="needs.wishes_imported", data={"count": len(checked.rows),
                                                                     "file": locked.filename})
    job.status, job.imported_count = WishImport.Status.IMPORTED, len(checked.rows)
    return len(checked.rows)
