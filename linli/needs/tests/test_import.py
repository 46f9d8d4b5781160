"""Importing wishes collected on paper: real xlsx files written with openpyxl; preview with row errors,
then all or nothing."""

from __future__ import annotations

import datetime
import io

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from linli.core.models import AuditEvent
from linli.needs import imports
from linli.needs.models import Need, WishDetails, WishImport

pytestmark = pytest.mark.django_db

HEADERS = ["心愿", "类别", "价值", "儿童姓名", "公开称呼", "出生日期", "年龄", "学校", "班级", "监护人", "监护人电话",
           "监护人同意公开", "居民区编码"]


def xlsx(*rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(title="一双跑步鞋", child="陈小雨", public="小雨", born: object = "2016-04-03", age="", code="310115009102",
        phone="13611112222", category="体育运动", band="100-300元", consent="是"):
    return [title, category, band, child, public, born, age, "花木小学", "二(1)班", "陈建国", phone, consent, code]


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_a_clean_file_previews_then_imports_every_wish_as_a_draft(tree, lianyang2_secretary):
    content = xlsx(row(), row(title="一套绘本", child="王小明", public="小明", born="", age=9, category="Books",
                              band=""))
    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="2020圆梦.xlsx", content=content)
    assert job.status == WishImport.Status.PREVIEWED and job.row_count == 2 and job.errors == []
    assert not Need.objects.exists()  # nothing before confirming

    assert imports.confirm_wish_import(actor=lianyang2_secretary, job=job) == 2

    wishes = Need.objects.order_by("title")
    assert [(n.title, n.state, n.kind) for n in wishes] == [("一双跑步鞋", "draft", "wish"),
                                                            ("一套绘本", "draft", "wish")]
    shoes = WishDetails.objects.get(child_name="陈小雨")
    assert shoes.birth_date == datetime.date(2016, 4, 3) and shoes.guardian_consent
    assert shoes.need.category == Need.Category.SPORTS and shoes.need.value_band == Need.ValueBand.UP_TO_300
    assert not shoes.birth_date_estimated
    # Only the age on the paper form: the age is kept, and the birth date says it is an estimate.
    aged = WishDetails.objects.get(child_name="王小明")
    assert aged.age == 9 and aged.birth_date_estimated
    assert AuditEvent.objects.filter(action="needs.created").count() == 2
    assert AuditEvent.objects.filter(action="needs.wishes_imported").get().data["count"] == 2


def test_a_row_without_age_or_birth_date_is_a_row_error_and_nothing_is_imported(tree, lianyang2_secretary):
    content = xlsx(row(), row(child="李小华", public="小华", born="", age=""))
    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx", content=content)

    assert job.status == WishImport.Status.REJECTED
    assert job.errors == [{"row": 3, "column": "出生日期",
                           "message": "Enter the child's birth date (or age): the wish wall shows the age."}]
    with pytest.raises(ValidationError):
        imports.confirm_wish_import(actor=lianyang2_secretary, job=job)
    assert not Need.objects.exists()


def test_each_bad_cell_is_named_by_row_and_column(tree, lianyang2_secretary):
    content = xlsx(
        row(born="2016-13-40"),
        row(child="赵小亮", public="赵小亮"),  # the full name as the public name
        row(child="钱小多", public="多多", code="310115009201"),  # 培花一: out of the secretary's scope
        row(child="孙小美", public="美美", phone="123", category="玩具"),
        row(child="周小强", public="强强", age="二十"),
        row(child="吴小丽", public="丽丽", born=datetime.date.today() + datetime.timedelta(days=3)),
        row(title="", child="郑小刚", public="刚刚"),
        row(child="孙小美", public="美美"),  # row 5's child again
    )
    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx", content=content)
    by_row: dict[int, list[str]] = {}
    for e in job.errors:
        by_row.setdefault(e["row"], []).append(e["column"])
    assert by_row[2] == ["出生日期"]
    assert by_row[3] == ["公开称呼"]
    assert by_row[4] == ["居民区编码"]
    assert sorted(by_row[5]) == ["监护人电话", "类别"]
    assert by_row[6] == ["年龄"]
    assert by_row[7] == ["出生日期"]
    assert by_row[8] == ["心愿"]
    assert by_row[9] == ["儿童姓名"]
    assert not Need.objects.exists()


def test_a_file_missing_a_required_column_is_refused_whole(tree, lianyang2_secretary):
    content = xlsx(["一双跑步鞋", "陈小雨"], headers=["心愿", "儿童姓名"])
    with pytest.raises(ValidationError) as err:
        imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx", content=content)
    assert "公开称呼" in err.value.messages[0]
    assert not WishImport.objects.exists()


def test_not_an_xlsx_is_refused(tree, lianyang2_secretary):
    with pytest.raises(ValidationError):
        imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx", content=b"just text")


def test_confirm_checks_again_and_imports_nothing_when_the_scope_changed(tree, lianyang2_secretary):
    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx", content=xlsx(row()))
    lianyang2_secretary.roles.all().delete()
    lianyang2_secretary.__dict__.pop("_linli_grants", None)
    with pytest.raises(PermissionDenied):
        imports.confirm_wish_import(actor=lianyang2_secretary, job=job)
    assert not Need.objects.exists()


def test_a_job_is_imported_once_and_only_by_its_uploader(tree, lianyang2_secretary, huamu_staff):
    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx", content=xlsx(row()))
    with pytest.raises(WishImport.DoesNotExist):
        imports.confirm_wish_import(actor=huamu_staff, job=job)
    imports.confirm_wish_import(actor=lianyang2_secretary, job=job)
    with pytest.raises(ValidationError):
        imports.confirm_wish_import(actor=lianyang2_secretary, job=job)
    assert Need.objects.count() == 1


def test_the_template_lists_columns_categories_and_the_users_neighborhoods(tree, lianyang2_secretary):
    wb = load_workbook(io.BytesIO(imports.wish_template(lianyang2_secretary)))
    assert [c.value for c in wb.worksheets[0][1]][:5] == ["心愿", "心愿说明", "类别", "价值", "儿童姓名"]
    instructions = [[c.value for c in r] for r in wb.worksheets[1].iter_rows()]
    assert ["310115009102", "联洋二"] in instructions
    assert ["310115009201", "培花一"] not in instructions


# Pages ---------------------------------------------------------------------------------------------

def test_upload_preview_and_confirm_on_the_pages(login, tree, lianyang2_secretary):
    client = login(lianyang2_secretary)
    upload = io.BytesIO(xlsx(row()))
    upload.name = "w.xlsx"
    response = client.post(reverse("needs:wish_import"), {"file": upload})
    job = WishImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("needs:wish_import_preview", args=[job.pk])
    assert 'data-testid="confirm"' in client.get(response["Location"]).content.decode()

    client.post(reverse("needs:wish_import_preview", args=[job.pk]))
    assert Need.objects.get().title == "一双跑步鞋"


def test_the_preview_lists_row_errors_and_offers_no_confirmation(login, tree, lianyang2_secretary):
    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx",
                                      content=xlsx(row(born="", age="")))
    page = login(lianyang2_secretary).get(reverse("needs:wish_import_preview", args=[job.pk])).content.decode()
    assert "Enter the child&#x27;s birth date (or age)" in page and 'data-testid="confirm"' not in page


def test_another_users_upload_is_404(login, tree, lianyang2_secretary, huamu_staff):
    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx", content=xlsx(row()))
    assert login(huamu_staff).get(reverse("needs:wish_import_preview", args=[job.pk])).status_code == 404


def test_staff_see_that_an_age_only_birth_date_is_estimated_until_they_enter_the_real_one(login, tree,
                                                                                         lianyang2_secretary):
    from linli.needs import actions

    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx",
                                      content=xlsx(row(born="", age=9)))
    imports.confirm_wish_import(actor=lianyang2_secretary, job=job)
    need = Need.objects.get()
    page = login(lianyang2_secretary).get(need.get_absolute_url()).content.decode()
    assert 'data-testid="age-estimated"' in page

    actions.set_wish_details(actor=lianyang2_secretary, need=need, birth_date=datetime.date(2016, 4, 3))
    assert not WishDetails.objects.get(need=need).birth_date_estimated
    assert 'data-testid="age-estimated"' not in login(lianyang2_secretary).get(need.get_absolute_url()).content.decode()


def test_editing_other_details_of_an_age_only_wish_keeps_its_birth_date_marked_as_estimated(login, tree,
                                                                                            lianyang2_secretary):
    """The edit form sends the (estimated) birth date back with every save: recording the guardian's consent
    that arrived later is not entering the real birth date."""
    job = imports.preview_wish_import(actor=lianyang2_secretary, filename="w.xlsx",
                                      content=xlsx(row(born="", age=9, consent="否")))
    imports.confirm_wish_import(actor=lianyang2_secretary, job=job)
    need = Need.objects.get()
    estimated = WishDetails.objects.get(need=need).birth_date

    from linli.needs import actions

    actions.set_wish_details(actor=lianyang2_secretary, need=need, birth_date=estimated, guardian_consent=True)
    details = WishDetails.objects.get(need=need)
    assert details.guardian_consent and details.birth_date_estimated
    assert 'data-testid="age-estimated"' in login(lianyang2_secretary).get(need.get_absolute_url()).content.decode()
