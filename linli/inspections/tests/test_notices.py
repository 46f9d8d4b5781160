"""整改通知书: numbered per agency and year by the database, and what a notice cannot be issued without."""

from __future__ import annotations

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from linli.core.models import AuditEvent, Organization
from linli.core.tests.factories import OrganizationFactory
from linli.inspections import actions
from linli.inspections.actions import AnswerIn
from linli.inspections.models import NoticeItem, RectificationNotice
from linli.inspections.tests.factories import default_version, passing_answers

TODAY = timezone.localdate


def _inspect(officer, establishment, departments, day=None):
    version = default_version()
    answers = passing_answers(version, cylinder_count=AnswerIn(value=8, note="超量存放"))
    inspection, _ = actions.submit_inspection(
        actor=officer, client_id=uuid.uuid4(), establishment=establishment, version=version,
        date=day or TODAY(), departments=departments, officers=[officer], answers=answers)
    return inspection


def _issue(officer, inspection, agency, **kwargs):
    finding = inspection.findings.first()
    fields = {"findings": {finding: "《上海市燃气管理条例》第三十五条"}, "requirements": "清退超量钢瓶",
              "deadline": TODAY() + datetime.timedelta(days=3), "officers": kwargs.pop("officers", None)}
    fields.update(kwargs)
    return actions.issue_notice(actor=officer, inspection=inspection, agency=agency, **fields)


@pytest.mark.django_db
def test_notices_are_numbered_per_agency_and_year(tree, officer, second_officer, gas_office, fire_service,
                                                  snack_shop):
    inspection = _inspect(officer, snack_shop, [gas_office])
    team = [officer, second_officer]
    first = _issue(officer, inspection, gas_office, officers=team, recipient_name="陈老板", signature="signed")
    second = _issue(officer, inspection, gas_office, officers=team)
    other = _issue(officer, inspection, fire_service, officers=team, signature="refused")
    assert (first.year, first.serial, second.serial, other.serial) == (TODAY().year, 1, 2, 1)
    assert first.number == f"燃气管理所 rectification 〔{TODAY().year}〕 No. 001"
    assert set(first.officers.all()) == set(team)
    assert NoticeItem.objects.get(notice=first).rule == "《上海市燃气管理条例》第三十五条"
    assert AuditEvent.objects.filter(action="inspections.notice_issued").count() == 3


@pytest.mark.django_db
def test_a_notice_needs_a_deadline_and_two_officers(tree, officer, gas_office, snack_shop):
    inspection = _inspect(officer, snack_shop, [gas_office])
    with pytest.raises(ValidationError) as refused:
        _issue(officer, inspection, gas_office, officers=[officer], deadline=None)
    assert {"deadline", "officers"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        _issue(officer, inspection, gas_office, officers=[officer, officer])  # the same officer twice is one
    assert "officers" in refused.value.message_dict
    assert not RectificationNotice.objects.exists()


@pytest.mark.django_db
def test_the_deadline_is_not_before_the_inspection_date(tree, officer, second_officer, gas_office, snack_shop):
    day = TODAY() - datetime.timedelta(days=10)
    inspection = _inspect(officer, snack_shop, [gas_office], day=day)
    with pytest.raises(ValidationError) as refused:
        _issue(officer, inspection, gas_office, officers=[officer, second_officer], issued_on=day,
               deadline=day - datetime.timedelta(days=1))
    assert "before the inspection date" in refused.value.message_dict["deadline"][0]
    notice = _issue(officer, inspection, gas_office, officers=[officer, second_officer], issued_on=day,
                    deadline=day + datetime.timedelta(days=5))
    assert notice.deadline == day + datetime.timedelta(days=5)


@pytest.mark.django_db
def test_other_bad_notices_are_refused(tree, officer, second_officer, gas_office, resident_unit, snack_shop,
                                       ly2_restaurant):
    inspection = _inspect(officer, snack_shop, [gas_office])
    elsewhere = _inspect(officer, ly2_restaurant, [gas_office]).findings.first()
    team = [officer, second_officer]
    # Another street's gas office: its staff would then see this street's notice (and its numbering would move).
    beicai_office = OrganizationFactory(name="北蔡燃气管理所", kind=Organization.Kind.DEPARTMENT, area=tree.beicai)
    cases = [
        ({"agency": resident_unit}, "agency"),
        ({"agency": beicai_office}, "agency"),
        ({"findings": {elsewhere: "x"}}, "findings"),
        ({"findings": {}}, "findings"),
        ({"requirements": " "}, "requirements"),
        ({"reinspection_on": TODAY()}, "reinspection_on"),
        ({"signature": "maybe"}, "signature"),
    ]
    for change, field in cases:
        kwargs = {"officers": team, **change}
        agency = kwargs.pop("agency", gas_office)
        with pytest.raises(ValidationError) as refused:
            _issue(officer, inspection, agency, **kwargs)
        assert field in refused.value.message_dict, change
    assert not RectificationNotice.objects.exists()


@pytest.mark.django_db
def test_a_notice_is_not_issued_out_of_scope(tree, officer, second_officer, lianyang2_secretary, gas_office,
                                             snack_shop):
    inspection = _inspect(officer, snack_shop, [gas_office])
    with pytest.raises(PermissionDenied):
        _issue(lianyang2_secretary, inspection, gas_office, officers=[officer, second_officer])


ISSUERS = 10


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_officers_issuing_at_once_get_distinct_consecutive_numbers(tree, officer, second_officer, gas_office,
                                                                   snack_shop):
    # Its own checklist: a transactional test starts from a flushed database, without the shipped data.
    version = actions.publish_checklist_version(
        actor=None, template_code="hose", name="软管检查", config={"hose_max_m": 2.0},
        items=[{"code": "hose_length_m", "text": "软管长度", "answer_type": "number", "limits": {"max": "hose_max_m"}}])
    inspection, _ = actions.submit_inspection(
        actor=officer, client_id=uuid.uuid4(), establishment=snack_shop, version=version, date=TODAY(),
        departments=[gas_office], officers=[officer], answers={"hose_length_m": AnswerIn(value="3")})
    finding = inspection.findings.get()
    barrier = threading.Barrier(ISSUERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def issue() -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            notice = actions.issue_notice(actor=officer, inspection=inspection, agency=gas_office,
                                          findings={finding: "软管超长"}, requirements="更换软管",
                                          deadline=TODAY(), officers=[officer, second_officer])
            result = str(notice.serial)
        except Exception as error:  # reported below
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=issue) for _ in range(ISSUERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes, key=lambda o: int(o) if o.isdigit() else -1) == [str(n) for n in range(1, ISSUERS + 1)]
    assert sorted(RectificationNotice.objects.values_list("serial", flat=True)) == list(range(1, ISSUERS + 1))


@pytest.mark.django_db
def test_the_forms_offer_only_departments_that_may_act_at_the_establishment(tree, officer, gas_office, snack_shop):
    from linli.inspections.forms import NoticeForm, SeizureForm

    beicai_office = OrganizationFactory(name="北蔡燃气管理所", kind=Organization.Kind.DEPARTMENT, area=tree.beicai)
    inspection = _inspect(officer, snack_shop, [gas_office])
    for form in (NoticeForm(inspection=inspection), SeizureForm(inspection=inspection)):
        offered = set(form.fields["agency"].queryset)
        assert gas_office in offered and beicai_office not in offered
