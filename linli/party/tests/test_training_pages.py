"""Training pages and API: course list and form, sessions, enrolment of a group, a tick list per
session, the course report (rates per session and per person, HTML and PDF)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from linli.core.models import PartyOrganization
from linli.core.tests.factories import PartyOrganizationFactory, PersonFactory
from linli.core.tests.pdfs import pdf_text
from linli.party import actions
from linli.party.models import SessionAttendance, TrainingCourse

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 5)
API = "/api/v1/party"


def _at(hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(hour)))


@pytest.fixture
def secretaries(tree, party) -> list:
    """Secretaries of three neighborhood branches (联洋二's own, and two more)."""
    people = [PersonFactory(name=n, neighborhood=tree.lianyang2) for n in ("甲书记", "乙书记")]
    party.ly2.secretary = people[0]
    party.ly2.save()
    other = PartyOrganizationFactory(name="联洋一党支部", level=PartyOrganization.Level.BRANCH, area=tree.lianyang1,
                                     parent=party.lianyang, secretary=people[1])
    assert other.secretary == people[1]
    ph1_secretary = PersonFactory(name="丙书记", neighborhood=tree.peihua1)
    party.ph1.secretary = ph1_secretary
    party.ph1.save()
    return [*people, ph1_secretary]


@pytest.fixture
def course(tree, huamu_staff) -> TrainingCourse:
    course = actions.create_course(actor=huamu_staff, title="2026年度书记培训", area=tree.huamu, starts_on=DAY,
                                   ends_on=DAY)
    actions.add_session(actor=huamu_staff, course=course, topic="支部工作条例解读", lecturer="顾燕峰",
                        starts_at=_at(9), ends_at=_at(10))
    actions.add_session(actor=huamu_staff, course=course, topic="住宅小区综合执法", lecturer="街道",
                        format="site_visit", starts_at=_at(14), ends_at=_at(15))
    return course


def test_creating_a_course_adding_a_session_and_enrolling_the_neighborhood_secretaries(
        party, secretaries, login, huamu_staff, tree):
    client = login(huamu_staff)
    response = client.post("/party/courses/new/", {"title": "书记培训", "area": tree.huamu.code,
                                                   "starts_on": DAY.isoformat(), "ends_on": DAY.isoformat()})
    course = TrainingCourse.objects.get()
    assert response.status_code == 302
    url = f"/party/courses/{course.pk}/"
    client.post(f"{url}sessions/", {"topic": "法治建设", "lecturer": "杨扬", "format": "lecture",
                                    "starts_at": "2026-11-05T10:00", "ends_at": "2026-11-05T11:00"})
    client.post(f"{url}enrolments/", {"group": "neighborhood_secretaries"})
    assert set(course.enrolments.values_list("person__name", flat=True)) == {"甲书记", "乙书记", "丙书记"}
    page = client.get(url).content.decode()
    assert "法治建设" in page and "杨扬" in page and "3 people enrolled" in page
    assert "书记培训" in client.get("/party/courses/").content.decode()


def test_a_session_outside_the_course_dates_is_refused_on_the_form(course, login, huamu_staff):
    page = login(huamu_staff).post(f"/party/courses/{course.pk}/sessions/", {
        "topic": "x", "format": "lecture", "starts_at": "2026-11-09T10:00", "ends_at": "2026-11-09T11:00"})
    assert page.status_code == 422 and 'data-field="starts_at"' in page.content.decode()
    assert course.sessions.count() == 2


def test_the_tick_list_records_a_session_and_refuses_an_absentee_without_reason(course, secretaries, login,
                                                                                 huamu_staff):
    actions.enrol(actor=huamu_staff, course=course, people=secretaries)
    a, b, c = secretaries
    session = course.sessions.first()
    client = login(huamu_staff)
    url = f"/party/sessions/{session.pk}/attendance/"
    assert client.get(url).content.decode().count('type="checkbox"') == 3
    refused = client.post(url, {f"present_{a.pk}": "1", f"present_{b.pk}": "1"})
    assert refused.status_code == 422 and "Give the reason for 丙书记&#x27;s absence." in refused.content.decode()
    assert not SessionAttendance.objects.exists()
    client.post(url, {f"present_{a.pk}": "1", f"present_{b.pk}": "1", f"reason_{c.pk}": "居委值班"})
    assert SessionAttendance.objects.filter(present=False, absence_reason="居委值班").count() == 1
    assert 'value="居委值班"' in client.get(url).content.decode()  # the record is shown again


def test_the_course_report_gives_rates_per_session_and_person_and_prints(course, secretaries, login, huamu_staff):
    actions.enrol(actor=huamu_staff, course=course, people=secretaries)
    a, b, c = secretaries
    first, second = course.sessions.all()
    actions.record_session_attendance(actor=huamu_staff, session=first, present=[a, b, c])
    actions.record_session_attendance(actor=huamu_staff, session=second, present=[a, b], absent={c: "病假"})
    client = login(huamu_staff)
    text = client.get(f"/party/courses/{course.pk}/report/").content.decode()
    assert "100%" in text and "67%" in text and "83%" in text  # sessions, and all five of six present
    assert "住宅小区综合执法 (病假)" in text and "2 of 3 attended every recorded session." in text
    pdf = client.get(f"/party/courses/{course.pk}/report/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert "住宅小区综合执法" in pdf_text(pdf.content)


def test_training_pages_out_of_scope_are_404(course, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    assert client.get(f"/party/courses/{course.pk}/").status_code == 404
    assert client.get(f"/party/courses/{course.pk}/report/").status_code == 404
    assert client.get(f"/party/sessions/{course.sessions.first().pk}/attendance/").status_code == 404


def test_the_course_list_takes_a_bounded_number_of_queries(course, login, huamu_staff, tree,
                                                           django_assert_max_num_queries):
    for n in range(5):
        actions.create_course(actor=None, title=f"培训{n}", area=tree.huamu, starts_on=DAY, ends_on=DAY)
    client = login(huamu_staff)
    client.get("/party/courses/")
    with django_assert_max_num_queries(12):
        assert client.get("/party/courses/").status_code == 200


def _post(client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_the_training_api(party, secretaries, login, huamu_staff, tree):
    client = login(huamu_staff)
    created = _post(client, f"{API}/courses", {"title": "书记培训", "area": tree.huamu.code,
                                                "starts_on": DAY.isoformat(), "ends_on": DAY.isoformat()})
    assert created.status_code == 201, created.json()
    cid = created.json()["id"]
    session = _post(client, f"{API}/courses/{cid}/sessions", {"topic": "党务实务", "starts_at": _at(9).isoformat(),
                                                               "ends_at": _at(10).isoformat()})
    assert session.status_code == 201
    enrolled = _post(client, f"{API}/courses/{cid}/enrolments", {"group": "neighborhood_secretaries"})
    assert len(enrolled.json()) == 3
    a, b, c = secretaries
    sid = session.json()["id"]
    no_reason = _post(client, f"{API}/sessions/{sid}/attendance",
                      {"present": [a.pk, b.pk], "absent": [{"person": c.pk, "reason": ""}]})
    assert no_reason.status_code == 422 and "absent" in no_reason.json()["errors"]
    line = _post(client, f"{API}/sessions/{sid}/attendance",
                 {"present": [a.pk, b.pk], "absent": [{"person": c.pk, "reason": "出差"}]}).json()
    assert (line["present"], line["absent"], line["rate"]) == (2, 1, 67)
    report = client.get(f"{API}/courses/{cid}").json()
    assert report["rate"] == 67 and report["completed"] == 2
    assert client.get(f"{API}/courses").json()["count"] == 1


def test_training_endpoints_are_in_the_openapi_schema(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/party/courses", "/api/v1/party/courses/{course_id}",
                 "/api/v1/party/courses/{course_id}/enrolments", "/api/v1/party/sessions/{session_id}/attendance",
                 "/api/v1/party/organizations/{party_organization_id}/committee"):
        assert path in paths
