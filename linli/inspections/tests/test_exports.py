"""Excel exports: the hazard ledger and a campaign's four lists, scoped, masked and audited."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from linli.core.models import AuditEvent
from linli.inspections import exports
from linli.inspections.tests.test_board import gas_campaign  # noqa: F401  (the fixture)


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


@pytest.mark.django_db
def test_the_hazard_ledger_has_one_row_per_finding_with_its_notice(gas_campaign, huamu_staff):  # noqa: F811
    data, count = exports.hazard_ledger_xlsx(actor=huamu_staff, campaign=gas_campaign)
    rows = _sheets(data)["Hazard ledger"]
    assert count == 3 and len(rows) == 4
    header = rows[0]
    assert header[:3] == ("No.", "Establishment", "Address")
    shop = next(r for r in rows[1:] if r[1] == "培花小吃店")
    by = dict(zip(header, shop, strict=False))  # trailing empty cells are not written
    assert by["Rectification notice"].startswith("燃气管理所 rectification")
    assert by["Overdue"] == "Yes" and by["Severity"] == "Major" and by["Fixed on the spot"] is None
    event = AuditEvent.objects.get(action="inspections.exported")
    assert event.data == {"list": "hazard_ledger", "rows": 3}


@pytest.mark.django_db
def test_the_ledger_is_limited_to_the_exporters_scope(gas_campaign, peihua1_secretary, org_liaison):  # noqa: F811
    _data, count = exports.hazard_ledger_xlsx(actor=peihua1_secretary)
    assert count == 1
    with pytest.raises(PermissionDenied):
        exports.hazard_ledger_xlsx(actor=org_liaison)


@pytest.mark.django_db
def test_the_campaign_lists_are_four_sheets_with_masked_phones(gas_campaign, huamu_staff):  # noqa: F811
    data, total = exports.campaign_lists_xlsx(actor=huamu_staff, campaign=gas_campaign)
    sheets = _sheets(data)
    assert list(sheets) == ["Baseline", "Hazards", "Rectification", "Acceptance"]
    assert [len(rows) - 1 for rows in sheets.values()] == [3, 3, 2, 2]
    assert total == 10
    baseline = sheets["Baseline"]
    assert baseline[1][1] == "培花小吃店" and baseline[1][6] == "137****1234" and baseline[1][9] == 1
    assert "13700001234" not in str(sheets)
    assert sheets["Acceptance"][1][5] is None  # scheduled, no outcome yet


TRAPS = ['=HYPERLINK("http://evil.invalid","点此")', '<r><t>x</t></r></is><f>1+1</f><is><r><t>y</t></r>',
         "+1-2 & <c>"]


@pytest.mark.django_db
def test_text_that_looks_like_a_formula_or_xml_is_written_as_text(gas_campaign, huamu_staff):  # noqa: F811
    from linli.inspections.models import Finding

    # Test data written directly: the form would accept these descriptions too, this is just shorter.
    findings = list(Finding.objects.filter(inspection__campaign=gas_campaign).order_by("id"))
    for finding, trap in zip(findings, TRAPS, strict=True):
        Finding.objects.filter(pk=finding.pk).update(description=trap)
    data, _count = exports.hazard_ledger_xlsx(actor=huamu_staff, campaign=gas_campaign)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    descriptions = {row[7] for row in _sheets(data)["Hazard ledger"][1:]}
    assert descriptions == set(TRAPS)


@pytest.mark.django_db
def test_phone_and_licence_columns_are_text_formatted(gas_campaign, huamu_staff):  # noqa: F811
    data, _total = exports.campaign_lists_xlsx(actor=huamu_staff, campaign=gas_campaign)
    sheet = load_workbook(io.BytesIO(data))["Baseline"]
    assert sheet["G2"].value == "137****1234" and sheet["G2"].number_format == "@"
    assert sheet.column_dimensions["H"].number_format == "@"
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
