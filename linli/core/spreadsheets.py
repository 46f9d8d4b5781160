"""Reading, checking and writing the people and organization spreadsheets.

One file format both ways, so that an export can be corrected in Excel and
imported again. The headers are Chinese — the layout the street's offices
already keep their lists in — and do not follow the UI language, so a file
exported under the English UI still imports; English headers are accepted on
import as well.

Checking a row is the model's own validation (`fill_derived_fields()` and
`full_clean()`): the rules live in linli.core.validators and the models, never
here. What a model cannot know one row at a time — which area a code names,
whether the actor holds it, duplicates within the file or against the
database — is worked out here in bulk: a fixed number of queries per import,
whatever its size.

Reading uses python-calamine (an order of magnitude faster than openpyxl's
read-only mode); writing uses openpyxl's write-only mode.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import python_calamine
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.styles.numbers import FORMAT_TEXT
from openpyxl.utils import get_column_letter

from linli.core.bulk import matching
from linli.core.models import Area, Organization, Person
from linli.core.scoping import Perm, grants_for, scope_queryset
from linli.core.validators import birth_date_from_id

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A real list of residents is a few MB; anything bigger is a mistake or an attack.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# An xlsx is a zip: refuse one that would inflate to more than this (a zip bomb).
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
# Many sheets carry a title line or two above the header row.
HEADER_SEARCH_ROWS = 10
# Enough to fix a file by; a file with thousands of bad rows is the wrong file.
MAX_REPORTED_ERRORS = 1000

_MALE = frozenset({"男", "男性", "m", "male"})
_FEMALE = frozenset({"女", "女性", "f", "female"})
_YES = frozenset({"是", "y", "yes", "true", "1", "√", "✓"})
_NO = frozenset({"否", "n", "no", "false", "0", "×", "✗"})
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # written in templates and exports, and the name used in messages
    aliases: tuple[str, ...] = ()  # also accepted on import
    help: Any = ""  # one line for the instructions sheet of the blank template
    width: int = 14
    # Formatted as Text in the files we write: Excel turns typed digits into a
    # number, which loses a phone's leading zero and an ID number's last three digits.
    text: bool = False


@dataclass(frozen=True)
class Layout:
    kind: str
    sheet_title: str
    columns: tuple[Column, ...]
    # Each entry: the file needs at least one of these columns.
    required: tuple[tuple[str, ...], ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


PEOPLE = Layout(
    kind="people",
    sheet_title="居民",
    columns=(
        Column("name", "姓名", ("Name",), gettext_lazy("Required."), 10),
        Column("gender", "性别", ("Gender", "Sex"), gettext_lazy("男 or 女."), 6),
        Column("birth_date", "出生日期", ("Birth date", "Date of birth"),
               gettext_lazy("YYYY-MM-DD. Taken from the ID number when left empty."), 12),
        Column("phone", "手机/电话", ("手机", "电话", "手机号", "手机号码", "电话号码", "联系电话", "Phone", "Mobile"),
               gettext_lazy("11-digit mobile number or landline with area code."), 14, text=True),
        Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "ID number", "Resident ID number"),
               gettext_lazy("18 characters; format the column as Text so Excel keeps every digit."), 21, text=True),
        Column("address", "居住地址", ("地址", "Address"), "", 30),
        Column("area_code", "居民区编码", ("Neighborhood code",),
               gettext_lazy("Required (or the neighborhood's exact name in the next column)."), 14),
        Column("area_name", "居民区", ("Neighborhood",),
               gettext_lazy("Used when the code is empty; must name exactly one neighborhood."), 10),
        Column("is_volunteer", "是否志愿者", ("志愿者", "Volunteer"), gettext_lazy("是 or 否; empty means 否."), 10),
        Column("organization", "工作单位", ("Works at", "Organization", "Employer"),
               gettext_lazy("Exact name of an organization already registered."), 20),
    ),
    required=(("name",), ("area_code", "area_name")),
)

ORGANIZATIONS = Layout(
    kind="organizations",
    sheet_title="单位",
    columns=(
        Column("name", "名称", ("单位名称", "Name"), gettext_lazy("Required."), 24),
        Column("kind", "类型", ("单位类型", "Kind", "Type"),
               gettext_lazy("Required; one of the types listed below."), 14),
        Column("area_code", "所在区域编码", ("区域编码", "Area code"),
               gettext_lazy("Required (or the area's exact name in the next column)."), 14),
        Column("area_name", "所在区域", ("区域", "Area"),
               gettext_lazy("Used when the code is empty; must name exactly one area."), 10),
        Column("credit_code", "统一社会信用代码", ("信用代码", "Unified social credit code", "Credit code"), "", 20,
               text=True),
        Column("address", "地址", ("Address",), "", 30),
        Column("contact_name", "联系人", ("Contact person", "Contact"), "", 10),
        Column("contact_phone", "联系电话", ("电话", "Contact phone", "Phone"),
               gettext_lazy("11-digit mobile number or landline with area code."), 14, text=True),
    ),
    required=(("name",), ("kind",), ("area_code", "area_name")),
)

LAYOUTS = {PEOPLE.kind: PEOPLE, ORGANIZATIONS.kind: ORGANIZATIONS}


@dataclass(frozen=True)
class RowError:
    row: int  # the row number Excel shows
    column: str  # the header as written in the file; "" for the row as a whole
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Sheet:
    headers: dict[str, str]  # column key -> the header as written in this file
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, column key -> cell value)
    ignored_headers: list[str] = field(default_factory=list)


@dataclass
class Checked:
    """The outcome of checking a file: records ready to insert when there are no errors."""

    row_count: int
    records: list[tuple[int, models.Model]]
    errors: list[RowError]
    headers: dict[str, str] = field(default_factory=dict)  # column key -> the header as written in the file

    def error_dicts(self) -> list[dict[str, Any]]:
        shown = [e.as_dict() for e in self.errors[:MAX_REPORTED_ERRORS]]
        if len(self.errors) > MAX_REPORTED_ERRORS:
            shown.append({"row": None, "column": "", "message": _("… and %(n)s more errors not listed.")
                          % {"n": len(self.errors) - MAX_REPORTED_ERRORS}})
        return shown


# Reading ---------------------------------------------------------------------

def _normalize_header(value: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", str(value)).lower()


def _header_lookup(layout: Layout) -> dict[str, str]:
    lookup = {}
    for column in layout.columns:
        for name in (column.header, *column.aliases):
            lookup[_normalize_header(name)] = column.key
    return lookup


def _open_workbook(content: bytes) -> python_calamine.CalamineWorkbook:
    """Open an uploaded file as an xlsx workbook, or say plainly what it is instead."""
    if not content:
        raise ValidationError(_("The file is empty."), code="empty_file")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(
            _("This is an old-style Excel file (.xls). Open it in Excel, save it as "
              "“Excel Workbook (*.xlsx)” and upload that file."), code="xls")
    if not content.startswith(b"PK\x03\x04"):
        raise ValidationError(
            _("This is not an Excel .xlsx file (a CSV or text file cannot be imported). Open it in Excel, "
              "save it as “Excel Workbook (*.xlsx)” and upload that file."), code="not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise ValidationError(
            _("The file is damaged and cannot be read as an .xlsx workbook. Open it in Excel, save it again "
              "and upload the new copy."), code="corrupt") from None
    if "xl/workbook.xml" not in names:
        raise ValidationError(
            _("This is not an Excel .xlsx file (it may be a Word or WPS document). Save the list as "
              "“Excel Workbook (*.xlsx)” and upload that file."), code="not_xlsx")
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise ValidationError(_("The workbook is too large to import; split it into smaller files."),
                              code="too_large")
    try:
        return python_calamine.load_workbook(io.BytesIO(content))
    except python_calamine.CalamineError:
        raise ValidationError(
            _("The file is damaged and cannot be read as an .xlsx workbook. Open it in Excel, save it again "
              "and upload the new copy."), code="corrupt") from None


def read_sheet(content: bytes, layout: Layout, *, max_rows: int | None = None) -> Sheet:
    """The data rows of the first visible worksheet, keyed by column.

    Raises ValidationError, naming the problem, for anything that makes the
    whole file unusable: not an xlsx, damaged, empty, a required column missing,
    too many rows.
    """
    max_rows = settings.LINLI_IMPORT_MAX_ROWS if max_rows is None else max_rows
    workbook = _open_workbook(content)
    index = next(
        (i for i, meta in enumerate(workbook.sheets_metadata)
         if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
         and meta.visible == python_calamine.SheetVisibleEnum.Visible),
        None,
    )
    if index is None:
        raise ValidationError(_("The workbook has no visible worksheet."), code="no_sheet")
    try:
        sheet = workbook.get_sheet_by_index(index)
        # Not skipping the empty area keeps list index + 1 equal to Excel's row number.
        grid = sheet.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS + max_rows + 1)
    except python_calamine.CalamineError:
        raise ValidationError(
            _("The file is damaged and cannot be read as an .xlsx workbook. Open it in Excel, save it again "
              "and upload the new copy."), code="corrupt") from None
    if not any(_filled(v) for row in grid for v in row):
        raise ValidationError(_("The first worksheet is empty: put the header row and the data in it."),
                              code="empty_sheet")

    lookup = _header_lookup(layout)
    best_row, best_hits = 0, -1
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for v in row if _normalize_header(v) in lookup)
        if hits > best_hits:
            best_row, best_hits = i, hits
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for col, value in enumerate(grid[best_row]):
        key = lookup.get(_normalize_header(value))
        if key is None:
            if _filled(value):
                ignored.append(str(value).strip())
            continue
        if key in positions:
            raise ValidationError(
                _("The column “%(column)s” appears twice in the header row; keep one of them.")
                % {"column": str(value).strip()}, code="duplicate_column")
        positions[key] = col
        headers[key] = str(value).strip()
    for alternatives in layout.required:
        if not any(key in positions for key in alternatives):
            column, *others = [layout.column(key).header for key in alternatives]
            if others:
                message = _("The required column “%(column)s” (or “%(other)s”) is missing.") % {
                    "column": column, "other": others[0]}
            else:
                message = _("The required column “%(column)s” is missing.") % {"column": column}
            raise ValidationError(
                message + " " + _("The header row must name the columns as in the template: %(headers)s.")
                % {"headers": "、".join(layout.headers)}, code="missing_column")

    rows: list[tuple[int, dict[str, Any]]] = []
    for i in range(best_row + 1, len(grid)):
        cells = grid[i]
        values = {key: (cells[col] if col < len(cells) else "") for key, col in positions.items()}
        if not any(_filled(v) for v in values.values()):
            continue  # blank lines between blocks are common, and say nothing
        rows.append((i + 1, values))
    if len(rows) > max_rows:
        raise ValidationError(
            _("The sheet has more than %(max)s rows, the most one import takes; split it into several files.")
            % {"max": max_rows}, code="too_many_rows")
    if not rows:
        raise ValidationError(_("The sheet has a header row but no data rows."), code="no_rows")
    return Sheet(headers=headers, rows=rows, ignored_headers=ignored)


def _filled(value: Any) -> bool:
    return value is not None and value != "" and not (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as text: Excel turns typed numbers (phones, codes) into floats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


class CellError(ValueError):
    pass


def cell_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        value = str(int(value))  # 19800102 typed as a number
    text = cell_text(value)
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 1980-01-31.") % {"value": text})


def _gender(value: Any) -> str:
    text = cell_text(value)
    if not text:
        return ""
    if text.lower() in _MALE:
        return Person.Gender.MALE
    if text.lower() in _FEMALE:
        return Person.Gender.FEMALE
    raise CellError(_("“%(value)s” is not a gender; write 男 or 女.") % {"value": text})


def cell_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if not text or text in _NO:
        return False
    if text in _YES:
        return True
    raise CellError(_("Write 是 or 否, not “%(value)s”.") % {"value": cell_text(value)})


def _id_text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(_("The ID number is stored as a number, so Excel has dropped its last digits. Format the "
                          "column as Text and type the numbers again."))
    return cell_text(value)


# Checking --------------------------------------------------------------------

class AreaColumns:
    """The areas a file names, with the actor's import scope — three queries per import."""

    def __init__(self, actor: Any, rows: Sequence[tuple[int, dict[str, Any]]], level: str | None) -> None:
        self.level = level
        self._resolved: dict[tuple[str, str, bool], tuple[Area | None, str, str | None]] = {}
        codes = {cell_text(v.get("area_code")) for _, v in rows} - {""}
        names = {cell_text(v.get("area_name")) for _, v in rows} - {""}
        self.by_code: dict[str, Area] = {}
        self.by_name: dict[str, list[Area]] = defaultdict(list)
        for qs in matching(Area.objects.all(), "code", codes):
            for area in qs:
                self.by_code[area.code] = area
        named = Area.objects.filter(level=level) if level else Area.objects.all()
        for qs in matching(named, "name", names):
            for area in qs:
                self.by_name[area.name].append(area)
        # The one scoping function decides, once for all rows, which of these areas the actor may import into.
        found = {a.pk for a in self.by_code.values()} | {a.pk for group in self.by_name.values() for a in group}
        self.allowed: set[int] = set()
        for qs in matching(scope_queryset(Area.objects.all(), actor, Perm.IMPORT), "pk", found):
            self.allowed.update(qs.values_list("pk", flat=True))

    def resolve(self, values: dict[str, Any], *, optional: bool = False) -> tuple[Area | None, str, str | None]:
        """(area, key of the column it came from, error message); `optional` lets both cells be empty."""
        code, name = cell_text(values.get("area_code")), cell_text(values.get("area_name"))
        # A file names a handful of areas on thousands of rows: work each one out once.
        key = (code, name, optional)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(code, name, optional=optional)
        return self._resolved[key]

    def _resolve(self, code: str, name: str, *, optional: bool) -> tuple[Area | None, str, str | None]:
        noun = _("neighborhood") if self.level == Area.Level.NEIGHBORHOOD else _("area")
        if code:
            area = self.by_code.get(code)
            if area is None:
                return None, "area_code", _("Unknown %(noun)s code “%(code)s”.") % {"noun": noun, "code": code}
            if name and name != area.name:
                return None, "area_name", _("“%(name)s” does not match code %(code)s, which is %(actual)s.") % {
                    "name": name, "code": code, "actual": area.name}
            key = "area_code"
        elif name:
            matches = self.by_name.get(name, [])
            if not matches:
                return None, "area_name", _("Unknown %(noun)s “%(name)s”; check the name or use its code.") % {
                    "noun": noun, "name": name}
            if len(matches) > 1:
                return None, "area_name", _("Several areas are called “%(name)s”; use the code instead.") % {
                    "name": name}
            area, key = matches[0], "area_name"
        elif optional:
            return None, "area_code", None
        else:
            return None, "area_code", _("Enter the %(noun)s code.") % {"noun": noun}
        if area.pk not in self.allowed:
            return None, key, _("%(area)s is not in your area: you can only import into areas you are responsible "
                                "for.") % {"area": area.name}
        return area, key, None


def _message_columns(exc: ValidationError) -> Iterator[tuple[str, str]]:
    for name, messages in exc.message_dict.items():
        for message in messages:
            yield name, message


def _field_errors(obj: Any, *, exclude: list[str]) -> list[tuple[str, str]]:
    """The model's own field rules for one record, as (field, message) pairs."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return list(_message_columns(exc))
    return []


def _masked(value: str) -> bool:
    return "*" in value


def header_names(layout: Layout, headers: dict[str, str]) -> Callable[[str | None], str]:
    """A column key -> the header to name in a message: as written in the file, else the template's."""
    def header(key: str | None) -> str:
        if key is None:
            return ""
        return headers.get(key) or layout.column(key).header
    return header


def check_people(content: bytes, *, actor: Any, max_rows: int | None = None) -> Checked:
    """Check every row of a people spreadsheet; build the Person records it describes."""
    layout = PEOPLE
    sheet = read_sheet(content, layout, max_rows=max_rows)
    errors: list[RowError] = []
    header = header_names(layout, sheet.headers)

    areas = AreaColumns(actor, sheet.rows, Area.Level.NEIGHBORHOOD)
    organizations = _OrganizationNames(actor, sheet.rows)
    field_columns = {"name": "name", "name_initials": "name", "name_pinyin": "name", "gender": "gender",
                     "birth_date": "birth_date", "phone": "phone", "id_number": "id_number", "address": "address",
                     "organization": "organization", "is_volunteer": "is_volunteer", "position": None,
                     NON_FIELD_ERRORS: None}
    built: list[tuple[int, Person, set[str | None]]] = []  # (row, record, columns with errors)
    key: str | None  # a column; None for an error that belongs to no one column
    for number, values in sheet.rows:
        row_errors: list[tuple[str | None, str]] = []
        parsed: dict[str, Any] = {}
        for key, parse in (("gender", _gender), ("birth_date", cell_date), ("is_volunteer", cell_yes_no),
                           ("id_number", _id_text)):
            try:
                parsed[key] = parse(values.get(key))
            except CellError as exc:
                row_errors.append((key, str(exc)))
                parsed[key] = None
        area, area_key, area_error = areas.resolve(values)
        if area_error:
            row_errors.append((area_key, area_error))
        organization, organization_error = organizations.resolve(cell_text(values.get("organization")), area)
        if organization_error:
            row_errors.append(("organization", organization_error))
        person = Person(
            name=cell_text(values.get("name")),
            gender=parsed["gender"] or "",
            birth_date=parsed["birth_date"],
            phone=cell_text(values.get("phone")),
            id_number=parsed["id_number"] or None,
            address=cell_text(values.get("address")),
            neighborhood=area,
            organization=organization,
            is_volunteer=bool(parsed["is_volunteer"]),
        )
        person.fill_derived_fields()
        # Areas and organizations were resolved in bulk above: ForeignKey
        # validation would cost a query per row. Uniqueness is checked in bulk below.
        for name, message in _field_errors(person, exclude=["neighborhood", "organization"]):
            key = area_key if name == "neighborhood" else field_columns.get(name)
            if key in ("phone", "id_number") and _masked(getattr(person, key) or ""):
                message = _("This number is masked (“*”), as in an export without numbers shown. Type the "
                            "full number, or import an export made with numbers shown.")
            row_errors.append((key, message))
        bad = {key for key, _message in row_errors}
        if (person.birth_date is None and person.id_number and "id_number" not in bad
                and not _filled(values.get("birth_date"))):
            # A valid ID number holds a real, past birth date: nothing left to check on it.
            person.birth_date = birth_date_from_id(person.id_number)
        seen: set[tuple[str | None, str]] = set()
        for key, message in row_errors:
            if (key, message) not in seen:  # a masked number trips more than one rule; say it once
                seen.add((key, message))
                errors.append(RowError(number, header(key), message))
        built.append((number, person, bad))

    errors.extend(_people_duplicates(actor, built, header))
    errors.sort(key=lambda e: e.row)
    return Checked(row_count=len(sheet.rows), records=[(n, p) for n, p, _bad in built], errors=errors,
                   headers=sheet.headers)


def _people_duplicates(
    actor: Any, built: list[tuple[int, Person, set[str | None]]], header: Callable[[str | None], str]
) -> list[RowError]:
    """Same ID number, or same name and phone in one neighborhood: in the file or already registered."""
    errors: list[RowError] = []
    flagged: set[int] = set()
    first_by_id: dict[str, int] = {}
    for number, person, bad in built:
        if not person.id_number or "id_number" in bad:
            continue
        if person.id_number in first_by_id:
            errors.append(RowError(number, header("id_number"), _("Same ID number as row %(row)s.")
                                   % {"row": first_by_id[person.id_number]}))
            flagged.add(number)
        else:
            first_by_id[person.id_number] = number

    registered: set[str | None] = set()  # id_number is nullable; the filter leaves only strings
    for qs in matching(Person.objects.all(), "id_number", first_by_id):
        registered.update(qs.values_list("id_number", flat=True))
    visible: dict[str | None, tuple[str, str]] = {}
    # Only records the actor may see are described; others are just "already registered".
    for qs in matching(scope_queryset(Person.objects.all(), actor, Perm.VIEW), "id_number", registered):
        for id_number, name, area_name in qs.values_list("id_number", "name", "neighborhood__name"):
            visible[id_number] = (name, area_name)
    for number, person, _bad in built:
        if number in flagged or person.id_number not in registered:
            continue
        if person.id_number in visible:
            name, area_name = visible[person.id_number]
            message = _("This ID number is already registered: %(name)s, %(area)s.") % {
                "name": name, "area": area_name}
        else:
            message = _("A person with this ID number is already registered.")
        errors.append(RowError(number, header("id_number"), message))
        flagged.add(number)

    first_by_contact: dict[tuple[int, str, str], int] = {}
    candidates: list[tuple[int, Person]] = []
    for number, person, bad in built:
        if (number in flagged or not person.phone or not person.name or person.neighborhood_id is None
                or "name" in bad or "phone" in bad):
            continue
        key = (person.neighborhood_id, person.name, person.phone)
        if key in first_by_contact:
            errors.append(RowError(number, header("name"), _(
                "Same name and phone as row %(row)s in the same neighborhood.") % {"row": first_by_contact[key]}))
            flagged.add(number)
        else:
            first_by_contact[key] = number
            candidates.append((number, person))
    existing: set[tuple[int, str, str]] = set()
    neighborhood_ids = {p.neighborhood_id for _n, p in candidates}
    for qs in matching(Person.objects.filter(neighborhood_id__in=neighborhood_ids), "phone",
                       {p.phone for _n, p in candidates}):
        existing.update(qs.values_list("neighborhood_id", "name", "phone"))
    for number, person in candidates:
        if (person.neighborhood_id, person.name, person.phone) in existing:
            errors.append(RowError(number, header("name"), _(
                "A person with the same name and phone is already registered in %(area)s.")
                % {"area": person.neighborhood.name}))
    return errors


class _OrganizationNames:
    """Workplaces named in a people file, among the organizations the actor may see — one query."""

    def __init__(self, actor: Any, rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
        names = {cell_text(v.get("organization")) for _, v in rows} - {""}
        self.by_name: dict[str, list[Organization]] = defaultdict(list)
        for qs in matching(scope_queryset(Organization.objects.all(), actor, Perm.VIEW), "name", names):
            for org in qs.select_related("area"):
                self.by_name[org.name].append(org)

    def resolve(self, name: str, neighborhood: Area | None) -> tuple[Organization | None, str | None]:
        if not name:
            return None, None
        matches = self.by_name.get(name, [])
        if len(matches) > 1 and neighborhood is not None:
            # Same-named units in different areas: prefer the one whose area contains, or sits in, the neighborhood.
            near = [o for o in matches if o.area and (neighborhood.path.startswith(o.area.path)
                                                      or o.area.path.startswith(neighborhood.path))]
            matches = near or matches
        if not matches:
            return None, _("No organization called “%(name)s” is registered; register it first or leave the cell "
                           "empty.") % {"name": name}
        if len(matches) > 1:
            return None, _("Several organizations are called “%(name)s”; leave the cell empty and set the "
                           "workplace on the person's page.") % {"name": name}
        return matches[0], None


def _kind_lookup() -> dict[str, str]:
    """Every spelling of an organization kind accepted on import: its value, and its label in each language."""
    lookup: dict[str, str] = {}
    for language in [code for code, _name in settings.LANGUAGES]:
        with translation.override(language):
            for kind in Organization.Kind:
                lookup[str(kind.label).strip().lower()] = kind.value
    for kind in Organization.Kind:
        lookup[kind.value] = kind.value
    return lookup


def kind_label(value: str) -> str:
    """The label written to files: always Chinese, like the headers."""
    with translation.override("zh-hans"):
        return str(Organization.Kind(value).label)


def check_organizations(content: bytes, *, actor: Any, max_rows: int | None = None) -> Checked:
    """Check every row of an organization spreadsheet; build the Organization records it describes."""
    layout = ORGANIZATIONS
    sheet = read_sheet(content, layout, max_rows=max_rows)
    header = header_names(layout, sheet.headers)

    areas = AreaColumns(actor, sheet.rows, None)
    # A unit outside every area (a district bureau) is visible only to global roles; only they may leave it empty.
    area_optional = Perm.IMPORT in grants_for(actor).global_perms
    kinds = _kind_lookup()
    errors: list[RowError] = []
    candidates: list[tuple[int, Organization]] = []  # rows whose name and area can be checked for duplicates
    records: list[tuple[int, models.Model]] = []
    field_columns = {"name": "name", "name_initials": "name", "name_pinyin": "name", "kind": "kind",
                     "credit_code": "credit_code", "address": "address", "contact_name": "contact_name",
                     "contact_phone": "contact_phone", NON_FIELD_ERRORS: None}
    for number, values in sheet.rows:
        row_errors: list[tuple[str | None, str]] = []
        kind_text = cell_text(values.get("kind"))
        kind = kinds.get(kind_text.lower(), "")
        if kind_text and not kind:
            row_errors.append(("kind", _("Unknown type “%(value)s”; use one of: %(kinds)s.") % {
                "value": kind_text, "kinds": "、".join(kind_label(k) for k in Organization.Kind)}))
        area, area_key, area_error = areas.resolve(values, optional=area_optional)
        if area_error:
            row_errors.append((area_key, area_error))
        organization = Organization(
            name=cell_text(values.get("name")),
            kind=kind,
            area=area,
            credit_code=cell_text(values.get("credit_code")).upper(),
            address=cell_text(values.get("address")),
            contact_name=cell_text(values.get("contact_name")),
            contact_phone=cell_text(values.get("contact_phone")),
        )
        organization.fill_derived_fields()
        # The area was resolved in bulk above; ForeignKey validation would cost a query per row.
        for name, message in _field_errors(organization, exclude=["area"]):
            if name == "kind" and kind_text:
                continue  # already said which types exist
            key = field_columns.get(name)
            if key == "contact_phone" and _masked(organization.contact_phone):
                message = _("This number is masked (“*”); type the full number.")
            row_errors.append((key, message))
        for key, message in row_errors:
            errors.append(RowError(number, header(key), message))
        records.append((number, organization))
        if organization.name and area_error is None:
            candidates.append((number, organization))

    errors.extend(_organization_duplicates(candidates, header))
    errors.sort(key=lambda e: e.row)
    return Checked(row_count=len(sheet.rows), records=records, errors=errors, headers=sheet.headers)


def _organization_duplicates(candidates: list[tuple[int, Organization]],
                             header: Callable[[str | None], str]) -> list[RowError]:
    """The same name twice in one area (the model's unique constraint): in the file, or already registered."""
    errors: list[RowError] = []
    first: dict[tuple[int | None, str], int] = {}
    unique: list[tuple[int, Organization]] = []
    for number, org in candidates:
        place = (org.area_id, org.name)
        if place in first:
            errors.append(RowError(number, header("name"), _("Same name and area as row %(row)s.")
                                   % {"row": first[place]}))
        else:
            first[place] = number
            unique.append((number, org))
    existing: set[tuple[int | None, str]] = set()
    for qs in matching(Organization.objects.all(), "name", {name for _area, name in first}):
        existing.update(qs.values_list("area_id", "name"))
    for number, org in unique:
        if (org.area_id, org.name) in existing:
            errors.append(RowError(number, header("name"), _(
                "An organization with this name is already registered in %(area)s.")
                % {"area": org.area.name if org.area else _("no area")}))
    return errors


CHECKERS: dict[str, Callable[..., Checked]] = {PEOPLE.kind: check_people, ORGANIZATIONS.kind: check_organizations}


# Confirming ------------------------------------------------------------------
#
# A previewed file is confirmed from the records its check built, kept with
# the import job, instead of reading and checking the file again: the bytes
# are the same, so every row's own rules would answer the same, and
# rebuilding the records was most of a confirmation's time. Whatever depends
# on the database — the actor's scope, the areas and workplaces named,
# duplicates — is checked again, in bulk.

MODELS: dict[str, type[models.Model]] = {PEOPLE.kind: Person, ORGANIZATIONS.kind: Organization}


def _stored_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a check fills in; the primary key and timestamps are set on insert."""
    return [f for f in model._meta.concrete_fields
            if not f.primary_key and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)]


def store_checked(kind: str, checked: Checked) -> dict[str, Any]:
    """A checked file's records as JSON, to confirm from (see `recheck_stored`)."""
    fields = _stored_fields(MODELS[kind])
    return {
        "headers": checked.headers,
        "fields": [f.attname for f in fields],
        "rows": [[number, *(getattr(record, f.attname) for f in fields)] for number, record in checked.records],
    }


def _stored_records(kind: str, stored: dict[str, Any]) -> list[tuple[int, Any]] | None:
    """The records `store_checked` kept, as unsaved instances; None if the model has changed since."""
    model = MODELS[kind]
    fields = _stored_fields(model)
    if stored.get("fields") != [f.attname for f in fields]:
        return None
    concrete = model._meta.concrete_fields
    # Positional arguments in field order are Model.__init__'s fast path.
    slots = [fields.index(f) if f in fields else None for f in concrete]
    dates = {i for i, f in enumerate(fields) if isinstance(f, models.DateField)}  # JSON kept them as text
    records = []
    for number, *values in stored["rows"]:
        for i in dates:
            if values[i] is not None:
                values[i] = fields[i].to_python(values[i])
        records.append((number, model(*[None if slot is None else values[slot] for slot in slots])))
    return records


def recheck_stored(kind: str, stored: dict[str, Any], *, actor: Any) -> Checked | None:
    """Check a previewed file's stored records against the database as it is now.

    None when nothing usable was stored (a job previewed before records were
    kept, or before the model changed): check the file itself again then.
    """
    records = _stored_records(kind, stored) if stored else None
    if records is None:
        return None
    layout = LAYOUTS[kind]
    header = header_names(layout, stored["headers"])
    area_header = header("area_code" if "area_code" in stored["headers"] else "area_name")
    errors: list[RowError] = []
    area_field = "neighborhood" if kind == PEOPLE.kind else "area"
    area_ids = {getattr(r, f"{area_field}_id") for _n, r in records} - {None}
    areas = Area.objects.in_bulk(area_ids)
    allowed = set(scope_queryset(Area.objects.filter(pk__in=area_ids), actor, Perm.IMPORT)
                  .values_list("pk", flat=True))
    area_optional = kind == ORGANIZATIONS.kind and Perm.IMPORT in grants_for(actor).global_perms
    organizations: dict[int, Organization] = {}
    if kind == PEOPLE.kind:
        org_ids = {r.organization_id for _n, r in records} - {None}
        for qs in matching(scope_queryset(Organization.objects.all(), actor, Perm.VIEW), "pk", org_ids):
            organizations.update((o.pk, o) for o in qs)
    built: list[tuple[int, Any, set[str | None]]] = []
    for number, record in records:
        bad: set[str | None] = set()
        area_id = getattr(record, f"{area_field}_id")
        if area_id is None:
            if not area_optional:
                errors.append(RowError(number, area_header, _("Enter the %(noun)s code.") % {"noun": _("area")}))
                bad.add("area")
        elif area_id not in areas:
            errors.append(RowError(number, area_header, _("This row's area has been removed since the preview.")))
            bad.add("area")
        elif area_id not in allowed:
            errors.append(RowError(number, area_header, _(
                "%(area)s is not in your area: you can only import into areas you are responsible for.")
                % {"area": areas[area_id].name}))
            bad.add("area")
        if "area" in bad:
            setattr(record, f"{area_field}_id", None)  # as a check leaves a row whose area it refused
        elif area_id is not None:
            setattr(record, area_field, areas[area_id])
        if kind == PEOPLE.kind and record.organization_id is not None:
            if record.organization_id in organizations:
                record.organization = organizations[record.organization_id]
            else:
                errors.append(RowError(number, header("organization"), _(
                    "This workplace is no longer registered, or no longer in your area; leave the cell empty "
                    "or register it first.")))
                record.organization_id = None
                bad.add("organization")
        built.append((number, record, bad))
    if kind == PEOPLE.kind:
        errors.extend(_people_duplicates(actor, built, header))
    else:
        errors.extend(_organization_duplicates([(n, r) for n, r, bad in built if not bad], header))
    errors.sort(key=lambda e: e.row)
    return Checked(row_count=len(records), records=[(n, r) for n, r, _bad in built], errors=errors,
                   headers=stored["headers"])


# Writing ---------------------------------------------------------------------

def _cell(ws: Any, value: Any) -> Any:
    # openpyxl stores any string starting with "=" as a formula: an address typed
    # as "=HYPERLINK(...)" must come back out as text, not run in the reader's Excel.
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def build_workbook(layout: Layout, rows: Iterable[Sequence[Any]],
                   extra_sheets: Iterable[tuple[str, list[list[Any]]]] = ()) -> tuple[bytes, int]:
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(layout.sheet_title)
    for index, column in enumerate(layout.columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.text:
            # The column's own format: what a user types into an empty row of a template is kept as text.
            dimension.number_format = FORMAT_TEXT
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for column in layout.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    count = 0
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
        count += 1
    for title, lines in extra_sheets:
        extra = workbook.create_sheet(title)
        extra.column_dimensions["A"].width = 18
        extra.column_dimensions["B"].width = 60
        for line in lines:
            extra.append([_cell(extra, v) for v in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def person_row(person: Person, *, unmasked: bool) -> list[Any]:
    """One exported row, in PEOPLE column order; phone and ID masked unless `unmasked`."""
    genders: dict[str, str] = {Person.Gender.MALE: "男", Person.Gender.FEMALE: "女"}
    gender = genders.get(person.gender, "")
    area = person.neighborhood
    organization = person.organization if person.organization_id else None
    return [
        person.name,
        gender,
        person.birth_date,
        (person.phone or "") if unmasked else person.masked("phone"),
        (person.id_number or "") if unmasked else person.masked("id_number"),
        person.address,
        area.code if area else "",
        area.name if area else "",
        "是" if person.is_volunteer else "否",
        organization.name if organization is not None else "",
    ]


def organization_row(org: Organization, *, unmasked: bool) -> list[Any]:
    """One exported row, in ORGANIZATIONS column order; the contact phone masked unless `unmasked`."""
    area = org.area if org.area_id else None
    return [
        org.name,
        kind_label(org.kind) if org.kind else "",
        area.code if area is not None else "",
        area.name if area is not None else "",
        org.credit_code,
        org.address,
        org.contact_name,
        (org.contact_phone or "") if unmasked else org.masked_contact_phone,
    ]


def write_people(people: Iterable[Person], *, unmasked: bool) -> tuple[bytes, int]:
    """An xlsx of `people` (already scoped by the caller) and the number of rows written."""
    return build_workbook(PEOPLE, (person_row(p, unmasked=unmasked) for p in people))


def write_organizations(organizations: Iterable[Organization], *, unmasked: bool) -> tuple[bytes, int]:
    """An xlsx of `organizations` (already scoped by the caller) and the number of rows written."""
    return build_workbook(ORGANIZATIONS, (organization_row(o, unmasked=unmasked) for o in organizations))


def write_template(layout: Layout, areas: Iterable[Area]) -> bytes:
    """A blank sheet with the headers, and a second sheet explaining each column
    and listing the areas the user may import into, with their codes."""
    lines: list[list[Any]] = [[_("Column"), _("How to fill it in")]]
    lines += [[c.header, str(c.help)] for c in layout.columns]
    if layout is ORGANIZATIONS:
        lines += [[], [_("Types"), "、".join(kind_label(k) for k in Organization.Kind)]]
    lines += [[], [_("Code"), _("Areas you can import into")]]
    lines += [[a.code, a.name] for a in areas]
    content, _count = build_workbook(layout, [], extra_sheets=[(_("Instructions"), lines)])
    return content


@dataclass
class Sample:
    """How a stored upload was read, for the preview page."""

    headers: list[str]  # the recognised columns, as written in the file
    rows: list[tuple[int, list[str]]]  # (Excel row number, cells as text)
    ignored: list[str]  # headers that match no column: their cells are not imported


def sample_rows(content: bytes, layout: Layout, limit: int = 10) -> Sample:
    """The first rows of a stored upload as text, phone and ID masked, so the
    preview shows how the columns were understood without displaying numbers."""
    sheet = read_sheet(content, layout)
    keys = [c.key for c in layout.columns if c.key in sheet.headers]
    masks: dict[str, Callable[[str], str]] = {}
    if layout is PEOPLE:
        masks = {"phone": Person.sensitive_fields["phone"], "id_number": Person.sensitive_fields["id_number"]}
    rows = []
    for number, values in sheet.rows[:limit]:
        cells = []
        for key in keys:
            text = cell_text(values.get(key))
            cells.append(masks[key](text) if key in masks and text else text)
        rows.append((number, cells))
    return Sample(headers=[sheet.headers[k] for k in keys], rows=rows, ignored=sheet.ignored_headers)


def areas_for_import(actor: Any, layout: Layout) -> models.QuerySet[Area]:
    """The areas the actor may import into, for the template's list of codes."""
    qs = scope_queryset(Area.objects.all(), actor, Perm.IMPORT)
    if layout is PEOPLE:
        qs = qs.filter(level=Area.Level.NEIGHBORHOOD)
    return qs.order_by("path")



