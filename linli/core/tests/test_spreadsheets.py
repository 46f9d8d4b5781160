"""Importing and exporting people and organizations as Excel files: the checks
a user sees in the preview, all-or-nothing confirmation, and the file format
(read back with the same code that reads uploads)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from openpyxl import Workbook
from python_calamine import load_workbook

from linli.core import actions, imports, spreadsheets
from linli.core.models import AuditEvent, ImportJob, Organization, Person, Role
from linli.core.tests.factories import PersonFactory, make_id_number

pytestmark = pytest.mark.django_db

PEOPLE_HEADERS = ["姓名", "性别", "出生日期", "手机/电话", "身份证号", "居住地址", "居民区编码", "是否志愿者",
                  "工作单位"]
LY2 = "310115009102"
PH1 = "310115009201"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


@pytest.fixture(autouse=True)
def english():
    # Assertions read the English messages; the Chinese catalogue may translate them any day.
    with translation.override("en"):
        yield


def xlsx(rows: Iterable[Sequence[Any]], headers: Sequence[Any] = PEOPLE_HEADERS, *,
         above: Sequence[Sequence[Any]] = ()) -> bytes:
    """A real workbook, as Excel would save it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "居民"
    for line in above:
        ws.append(list(line))
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def resident(i: int, area_code: str = LY2, **changes: Any) -> list[Any]:
    """Row i of a file of valid, distinct residents."""
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=97 * i)
    values = {
        "name": SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i * 7) % 20],
        "gender": "男" if i % 2 else "女",
        "birth_date": born,
        "phone": f"1360000{i:04d}",
        "id_number": make_id_number(born, seq=i % 1000),
        "address": f"锦绣路{i}弄{i % 9 + 1}号",
        "area": area_code,
        "volunteer": "是" if i % 5 == 0 else "否",
        "organization": "",
    }
    values.update(changes)
    return list(values.values())


def residents(n: int, area_code: str = LY2) -> list[list[Any]]:
    return [resident(i, area_code) for i in range(n)]


def row_of(index: int) -> int:
    """The Excel row number of data row `index` (the header is row 1)."""
    return index + 2


def errors_by_row(job: ImportJob) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for error in job.errors:
        out.setdefault(error["row"], []).append(error)
    return out


def preview(actor, content: bytes, kind: str = "people", filename: str = "居民.xlsx") -> ImportJob:
    return imports.preview_import(actor=actor, kind=kind, filename=filename, content=content)


# Happy path ------------------------------------------------------------------

def test_200_residents_import_for_the_lianyang2_secretary(lianyang2_secretary, tree):
    job = preview(lianyang2_secretary, xlsx(residents(200)))
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.row_count == 200 and job.errors == []
    assert Person.objects.count() == 0  # a preview saves no record

    assert imports.confirm_import(actor=lianyang2_secretary, job=job) == 200

    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED and job.imported_count == 200 and job.imported_at
    assert Person.objects.filter(neighborhood=tree.lianyang2).count() == 200
    first = Person.objects.get(id_number=resident(0)[4])
    assert first.name == resident(0)[0] and first.gender == "F" and first.phone == "13600000000"
    assert first.name_pinyin  # derived fields filled as a single create would
    created = AuditEvent.objects.filter(action="core.person.created", actor=lianyang2_secretary)
    assert created.count() == 200
    assert set(created.values_list("target_id", flat=True)) == {str(pk) for pk in Person.objects.values_list("pk",
                                                                                                           flat=True)}
    event = created.get(target_id=str(first.pk))
    assert event.data == {"import": job.pk, "row": 2}
    assert event.changes["id_number"][1] == first.masked("id_number")  # the trail keeps numbers masked
    assert AuditEvent.objects.filter(action="core.import_confirmed", target_id=str(job.pk)).exists()


def test_birth_date_is_taken_from_the_id_number_when_left_empty(lianyang2_secretary, tree):
    id_number = make_id_number(datetime.date(1975, 6, 30), seq=12)
    job = preview(lianyang2_secretary, xlsx([["王芳", "女", "", "13600001111", id_number, "", LY2, "", ""]]))
    imports.confirm_import(actor=lianyang2_secretary, job=job)
    assert Person.objects.get(id_number=id_number).birth_date == datetime.date(1975, 6, 30)


def test_header_row_under_a_title_english_headers_and_neighborhood_by_name(lianyang2_secretary, tree):
    headers = ["Name", "Gender", "Phone", "Neighborhood", "Volunteer"]
    content = xlsx([["Li Lei", "male", 13600002222, "联洋二", "yes"]], headers,
                   above=[["联洋二居民区 2026年居民名单"], []])
    job = preview(lianyang2_secretary, content)
    assert job.errors == []
    imports.confirm_import(actor=lianyang2_secretary, job=job)
    person = Person.objects.get(name="Li Lei")
    # A phone typed as a number (Excel stores a float) still reads as the number.
    assert (person.phone, person.gender, person.is_volunteer, person.neighborhood) == (
        "13600002222", "M", True, tree.lianyang2)


def test_a_community_code_is_refused_for_a_person(huamu_staff, tree):
    job = preview(huamu_staff, xlsx([resident(0, area_code=tree.lianyang.code)]))
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "居民区编码")]
    assert "not a larger area" in job.errors[0]["message"]


def test_workplace_is_matched_by_exact_name(lianyang2_secretary, tree, resident_unit):
    job = preview(lianyang2_secretary, xlsx([resident(1, organization="联洋物业"),
                                             resident(2, organization="不存在的公司")]))
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "工作单位")]
    assert "不存在的公司" in job.errors[0]["message"]


# Bad rows --------------------------------------------------------------------

def test_preview_lists_every_bad_row_with_row_number_column_and_reason(lianyang2_secretary, tree, ly2_resident,
                                                                      ph1_resident):
    rows = residents(200)
    bad_id = rows[3][4][:-1] + ("0" if rows[3][4][-1] != "0" else "1")
    rows[3][4] = bad_id
    rows[6][3] = "1234"
    rows[9][2] = timezone.localdate() + datetime.timedelta(days=30)
    rows[12][6] = "310115009999"
    rows[15][6] = PH1
    # Duplicated ID numbers come with the gender and birth date they encode, so the only error is the duplicate.
    rows[18][1], rows[18][2], rows[18][4] = rows[1][1], rows[1][2], rows[1][4]
    for index, other in ((21, ly2_resident), (24, ph1_resident)):
        rows[index][1] = "男" if other.gender == "M" else "女"
        rows[index][2], rows[index][4] = other.birth_date, other.id_number
    rows[27][0], rows[27][3] = rows[2][0], rows[2][3]
    rows[30][0], rows[30][3] = "张三", "13812345678"

    job = preview(lianyang2_secretary, xlsx(rows))

    assert job.status == ImportJob.Status.REJECTED
    assert job.row_count == 200
    found = errors_by_row(job)
    assert sorted(found) == [row_of(i) for i in (3, 6, 9, 12, 15, 18, 21, 24, 27, 30)]

    def only(index: int) -> dict[str, Any]:
        assert len(found[row_of(index)]) == 1, found[row_of(index)]
        return found[row_of(index)][0]

    assert only(3)["column"] == "身份证号" and "check digit" in only(3)["message"]
    assert only(6)["column"] == "手机/电话" and "11-digit" in only(6)["message"]
    assert only(9)["column"] == "出生日期" and "future" in only(9)["message"]
    assert only(12)["column"] == "居民区编码" and "310115009999" in only(12)["message"]
    assert only(15)["column"] == "居民区编码" and "not in your area" in only(15)["message"]
    assert only(18) == {"row": 20, "column": "身份证号", "message": "Same ID number as row 3."}
    assert only(21)["column"] == "身份证号" and "张三" in only(21)["message"] and "联洋二" in only(21)["message"]
    # Someone else's resident: "already registered", and nothing about them.
    assert only(24) == {"row": 26, "column": "身份证号",
                        "message": "A person with this ID number is already registered."}
    assert only(27)["column"] == "姓名" and "row 4" in only(27)["message"]
    assert only(30)["column"] == "姓名" and "already registered in 联洋二" in only(30)["message"]
    assert Person.objects.count() == 2  # only the two residents that were there before


def test_confirm_is_refused_while_errors_exist_and_nothing_is_saved(lianyang2_secretary, tree):
    rows = residents(200)
    rows[50][3] = "12345"
    job = preview(lianyang2_secretary, xlsx(rows))
    with pytest.raises(ValidationError, match="has errors"):
        imports.confirm_import(actor=lianyang2_secretary, job=job)
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action="core.person.created").exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED


def test_corrected_file_uploaded_again_imports_all_200(lianyang2_secretary, tree):
    rows = residents(200)
    good_phone = rows[50][3]
    rows[50][3] = "12345"
    assert preview(lianyang2_secretary, xlsx(rows)).status == ImportJob.Status.REJECTED
    rows[50][3] = good_phone

    job = preview(lianyang2_secretary, xlsx(rows))
    assert imports.confirm_import(actor=lianyang2_secretary, job=job) == 200
    assert Person.objects.filter(neighborhood=tree.lianyang2).count() == 200
    assert AuditEvent.objects.filter(action="core.person.created").count() == 200


def test_confirm_checks_again_and_refuses_a_record_registered_since_the_preview(lianyang2_secretary, tree):
    rows = residents(20)
    job = preview(lianyang2_secretary, xlsx(rows))
    assert job.status == ImportJob.Status.PREVIEWED
    PersonFactory(name="后来者", neighborhood=tree.lianyang2, id_number=rows[7][4])

    with pytest.raises(ValidationError, match="changed since the preview"):
        imports.confirm_import(actor=lianyang2_secretary, job=job)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(row_of(7), "身份证号")]
    assert Person.objects.count() == 1


def test_a_record_registered_between_check_and_insert_rolls_the_whole_file_back(lianyang2_secretary, tree,
                                                                               monkeypatch):
    rows = residents(20)
    job = preview(lianyang2_secretary, xlsx(rows))
    stale = imports._recheck(job, lianyang2_secretary)
    PersonFactory(name="抢先者", neighborhood=tree.lianyang2, id_number=rows[12][4])
    # As if the other registration committed just after confirm's check had run.
    monkeypatch.setattr(imports, "_recheck", lambda job, actor: stale)
    with pytest.raises(ValidationError, match="nothing was imported"):
        imports.confirm_import(actor=lianyang2_secretary, job=job)
    assert Person.objects.count() == 1
    assert not AuditEvent.objects.filter(action="core.person.created").exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED


def test_confirm_refuses_rows_of_an_area_the_uploader_no_longer_holds(lianyang2_secretary, platform_admin, tree):
    both = actions.assign_role(actor=platform_admin, user=lianyang2_secretary, role=Role.NEIGHBORHOOD_SECRETARY,
                               area=tree.peihua1)
    job = preview(lianyang2_secretary, xlsx([resident(0), resident(1, PH1), resident(2)]))
    assert job.status == ImportJob.Status.PREVIEWED
    actions.revoke_role(actor=platform_admin, assignment=both)

    actor = type(lianyang2_secretary).objects.get(pk=lianyang2_secretary.pk)  # a new request: fresh grants
    with pytest.raises(ValidationError, match="changed since the preview"):
        imports.confirm_import(actor=actor, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(row_of(1), "居民区编码")]
    assert "not in your area" in job.errors[0]["message"]
    assert Person.objects.count() == 0


def test_confirm_refuses_a_workplace_removed_since_the_preview(lianyang2_secretary, tree, resident_unit):
    job = preview(lianyang2_secretary, xlsx([resident(0), resident(1, organization="联洋物业")]))
    assert job.status == ImportJob.Status.PREVIEWED
    resident_unit.delete()

    with pytest.raises(ValidationError, match="changed since the preview"):
        imports.confirm_import(actor=lianyang2_secretary, job=job)
    job.refresh_from_db()
    assert [(e["row"], e["column"]) for e in job.errors] == [(row_of(1), "工作单位")]
    assert Person.objects.count() == 0


def test_confirm_inserts_the_previewed_records_and_then_forgets_them(lianyang2_secretary, tree, resident_unit):
    rows = [resident(0, birth_date=""), resident(1, organization="联洋物业")]
    job = preview(lianyang2_secretary, xlsx(rows))
    # The records are kept between preview and confirmation, numbers in full: the uploader's alone, and
    # only until the import.
    assert [row[0] for row in job.checked["rows"]] == [row_of(0), row_of(1)]
    imports.confirm_import(actor=lianyang2_secretary, job=job)
    job.refresh_from_db()
    assert job.checked == {} and bytes(job.content) == b""
    first, second = Person.objects.get(id_number=rows[0][4]), Person.objects.get(id_number=rows[1][4])
    assert first.birth_date == datetime.date(1940, 1, 1)  # from the ID number, kept as a date
    assert first.name_initials and first.neighborhood == tree.lianyang2 and first.organization is None
    assert second.organization == resident_unit and second.is_volunteer is False
    assert first.created_at and first.updated_at


def test_a_job_previewed_without_kept_records_is_confirmed_from_its_file(lianyang2_secretary, tree):
    job = preview(lianyang2_secretary, xlsx(residents(3)))
    ImportJob.objects.filter(pk=job.pk).update(checked={})  # as a job previewed by an earlier version
    job.refresh_from_db()
    assert imports.confirm_import(actor=lianyang2_secretary, job=job) == 3
    assert Person.objects.count() == 3


def test_a_file_with_errors_keeps_no_records(lianyang2_secretary, tree):
    job = preview(lianyang2_secretary, xlsx([resident(0), resident(1, phone="12345")]))
    assert job.status == ImportJob.Status.REJECTED and job.checked == {}


def test_a_file_is_imported_once(lianyang2_secretary, tree):
    job = preview(lianyang2_secretary, xlsx(residents(3)))
    imports.confirm_import(actor=lianyang2_secretary, job=job)
    with pytest.raises(ValidationError, match="already been imported"):
        imports.confirm_import(actor=lianyang2_secretary, job=job)
    assert Person.objects.count() == 3


def test_only_the_uploader_may_confirm(lianyang2_secretary, huamu_staff, tree):
    job = preview(lianyang2_secretary, xlsx(residents(3)))
    with pytest.raises(PermissionDenied):
        imports.confirm_import(actor=huamu_staff, job=job)
    assert Person.objects.count() == 0


def test_import_needs_the_import_permission(org_liaison, tree):
    with pytest.raises(PermissionDenied):
        preview(org_liaison, xlsx(residents(3)))
    assert ImportJob.objects.count() == 0


def test_id_number_typed_as_a_number_is_a_clear_row_error(lianyang2_secretary, tree):
    row = resident(0)
    row[4] = float(row[4][:-1] + "0")
    job = preview(lianyang2_secretary, xlsx([row]))
    assert job.errors[0]["column"] == "身份证号"
    assert "stored as a number" in job.errors[0]["message"]


def test_row_cap_from_settings(lianyang2_secretary, tree, settings):
    settings.LINLI_IMPORT_MAX_ROWS = 5
    with pytest.raises(ValidationError, match="more than 5 rows"):
        preview(lianyang2_secretary, xlsx(residents(6)))
    assert preview(lianyang2_secretary, xlsx(residents(5))).row_count == 5


# Unusable files --------------------------------------------------------------

def _broken_zip() -> bytes:
    content = xlsx(residents(3))
    return content[: len(content) // 2]


@pytest.mark.parametrize(("content", "says"), [
    ("姓名,居民区编码\n王芳,310115009102\n".encode(), "not an Excel .xlsx file"),
    (b"just some text, renamed to .xlsx", "not an Excel .xlsx file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old-style Excel file"),
    (b"", "empty"),
    (pytest.param(None, None, id="corrupt")),
])
def test_unusable_files_are_refused_with_a_clear_message(lianyang2_secretary, tree, content, says):
    if content is None:
        content, says = _broken_zip(), "damaged"
    with pytest.raises(ValidationError, match=says):
        preview(lianyang2_secretary, content)
    assert ImportJob.objects.count() == 0 and Person.objects.count() == 0


def test_empty_sheet_is_refused(lianyang2_secretary, tree):
    wb = Workbook()
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(ValidationError, match="worksheet is empty"):
        preview(lianyang2_secretary, buffer.getvalue())
    assert ImportJob.objects.count() == 0


def test_missing_required_column_is_named(lianyang2_secretary, tree):
    headers = [h for h in PEOPLE_HEADERS if h != "居民区编码"]
    rows = [[v for i, v in enumerate(resident(0)) if i != 6]]
    with pytest.raises(ValidationError) as raised:
        preview(lianyang2_secretary, xlsx(rows, headers))
    assert "居民区编码" in raised.value.messages[0] and "missing" in raised.value.messages[0]
    assert ImportJob.objects.count() == 0 and Person.objects.count() == 0


# Organizations ---------------------------------------------------------------

ORG_HEADERS = ["名称", "类型", "所在区域编码", "统一社会信用代码", "地址", "联系人", "联系电话"]


def test_organizations_import_with_chinese_kind_labels_and_scoped_areas(lianyang2_secretary, tree, resident_unit):
    rows = [
        ["联洋小学", "学校", LY2, "12310115mb2f3c4d5p", "长柳路1号", "王老师", "021-58881234"],
        ["培花菜场", "驻区单位", PH1, "", "", "", ""],
        ["联洋物业", "物业公司", LY2, "", "", "", ""],
        ["某某公司", "公司", LY2, "", "", "", ""],
        ["联洋小学", "学校", LY2, "", "", "", ""],
        ["联洋幼儿园", "学校", LY2, "12310115MB2F3C4D50", "", "", ""],
    ]
    job = preview(lianyang2_secretary, xlsx(rows, ORG_HEADERS), kind="organizations")
    found = errors_by_row(job)
    assert sorted(found) == [3, 4, 5, 6, 7]
    assert found[3][0]["column"] == "所在区域编码" and "not in your area" in found[3][0]["message"]
    assert found[4][0]["column"] == "名称" and "already registered in 联洋二" in found[4][0]["message"]
    assert found[5][0]["column"] == "类型" and "学校" in found[5][0]["message"]
    assert found[6][0] == {"row": 6, "column": "名称", "message": "Same name and area as row 2."}
    assert found[7][0]["column"] == "统一社会信用代码" and "check character" in found[7][0]["message"]

    job = preview(lianyang2_secretary, xlsx(rows[:1], ORG_HEADERS), kind="organizations")
    assert imports.confirm_import(actor=lianyang2_secretary, job=job) == 1
    school = Organization.objects.get(name="联洋小学")
    assert (school.kind, school.area, school.contact_phone) == (Organization.Kind.SCHOOL, tree.lianyang2,
                                                                "021-58881234")
    assert school.credit_code == "12310115MB2F3C4D5P"  # typed in lower case, kept in capitals
    assert AuditEvent.objects.filter(action="core.organization.created", target_id=str(school.pk)).exists()


# The file format both ways ---------------------------------------------------

def test_unmasked_export_imports_again_as_the_same_records(lianyang2_secretary, tree, resident_unit):
    job = preview(lianyang2_secretary, xlsx([resident(i, organization="联洋物业" if i == 3 else "")
                                             for i in range(10)]))
    imports.confirm_import(actor=lianyang2_secretary, job=job)
    fields = ("name", "gender", "birth_date", "phone", "id_number", "address", "neighborhood_id",
              "is_volunteer", "organization_id")
    before = sorted(Person.objects.values_list(*fields))

    content, count = spreadsheets.write_people(Person.objects.select_related("neighborhood", "organization"),
                                               unmasked=True)
    assert count == 10
    Person.objects.all().delete()
    again = preview(lianyang2_secretary, content, filename="export.xlsx")
    assert again.errors == []
    imports.confirm_import(actor=lianyang2_secretary, job=again)
    assert sorted(Person.objects.values_list(*fields)) == before


def test_masked_export_imported_again_gives_row_errors_on_the_numbers(lianyang2_secretary, tree):
    PersonFactory(name="王芳", neighborhood=tree.lianyang2, phone="13812345678")
    content, _count = spreadsheets.write_people(Person.objects.select_related("neighborhood"), unmasked=False)
    Person.objects.all().delete()
    job = preview(lianyang2_secretary, content)
    assert job.status == ImportJob.Status.REJECTED
    assert {e["column"] for e in job.errors} == {"手机/电话", "身份证号"}
    assert all(e["row"] == 2 and "masked" in e["message"] for e in job.errors)


def test_export_headers_equal_the_import_headers_and_the_template(lianyang2_secretary, tree):
    content, _count = spreadsheets.write_people([], unmasked=False)
    template = spreadsheets.write_template(spreadsheets.PEOPLE,
                                           spreadsheets.areas_for_import(lianyang2_secretary, spreadsheets.PEOPLE))
    for workbook in (content, template):
        first_row = load_workbook(io.BytesIO(workbook)).get_sheet_by_index(0).to_python()[0]
        assert first_row == spreadsheets.PEOPLE.headers

@pytest.mark.parametrize(("layout", "text_columns"), [
    (spreadsheets.PEOPLE, {"手机/电话", "身份证号"}),
    (spreadsheets.ORGANIZATIONS, {"统一社会信用代码", "联系电话"}),
])
def test_blank_template_formats_number_columns_as_text(lianyang2_secretary, tree, layout, text_columns):
    # Typed into a General column, 310115198001010017 becomes 3.10115E+17 and its last digits are lost.
    content = spreadsheets.write_template(layout, spreadsheets.areas_for_import(lianyang2_secretary, layout))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    formats = {cell.value: sheet.column_dimensions[cell.column_letter].number_format for cell in sheet[1]}
    assert {header for header, number_format in formats.items() if number_format == "@"} == text_columns


def test_a_formula_in_a_cell_is_exported_as_text(tree):
    person = PersonFactory(name="王芳", neighborhood=tree.lianyang2, address="=HYPERLINK(\"http://x\")")
    content, _count = spreadsheets.write_people([person], unmasked=False)
    cell = openpyxl.load_workbook(io.BytesIO(content)).active["F2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"

