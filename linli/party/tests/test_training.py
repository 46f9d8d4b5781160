"""Training courses: sessions, enrolment, attendance per session, the course report."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.core.tests.factories import PersonFactory
from linli.party import actions, queries
from linli.party.models import SessionAttendance, TrainingCourse, TrainingSession

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 5)


def _at(hour: int, day: datetime.date = DAY) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def course(tree, huamu_staff) -> TrainingCourse:
    return actions.create_course(actor=huamu_staff, title="2026年度基层党组织书记培训", area=tree.huamu,
                                 starts_on=DAY, ends_on=DAY)


@pytest.fixture
def secretaries(tree) -> list:
    return [PersonFactory(name=n, neighborhood=tree.lianyang2) for n in ("甲书记", "乙书记", "丙书记")]


@pytest.fixture
def sessions(course, huamu_staff) -> list[TrainingSession]:
    return [
        actions.add_session(actor=huamu_staff, course=course, topic="党支部工作可以这样做", lecturer="顾燕峰",
                            starts_at=_at(9), ends_at=_at(11)),
        actions.add_session(actor=huamu_staff, course=course, topic="居民自治的活力激发与路径选择", lecturer="徐选国",
                            format=TrainingSession.Format.DISCUSSION, starts_at=_at(13), ends_at=_at(15)),
    ]


def test_a_course_with_sessions_enrolment_attendance_and_its_report(course, sessions, secretaries, huamu_staff):
    actions.enrol(actor=huamu_staff, course=course, people=secretaries)
    a, b, c = secretaries
    actions.record_session_attendance(actor=huamu_staff, session=sessions[0], present=[a, b, c])
    actions.record_session_attendance(actor=huamu_staff, session=sessions[1], present=[a, b], absent={c: "居委值班"})

    report = queries.course_report(course)
    assert [(s.present, s.absent) for s in report.sessions] == [(3, 0), (2, 1)]
    assert report.completed == 2
    line = next(p for p in report.people if p.person == c)
    assert line.attended == 1 and line.missed == [("居民自治的活力激发与路径选择", "居委值班")]
    assert set(AuditEvent.objects.filter(action__startswith="party.").values_list("action", flat=True)) == {
        "party.course_created", "party.session_added", "party.enrolled", "party.session_attendance_recorded"}


def test_enrolling_twice_adds_nobody_twice(course, secretaries, huamu_staff):
    actions.enrol(actor=huamu_staff, course=course, people=secretaries[:2])
    assert len(actions.enrol(actor=huamu_staff, course=course, people=secretaries)) == 1
    assert course.enrolments.count() == 3


def test_an_absentee_without_reason_or_someone_not_enrolled_is_refused(course, sessions, secretaries, huamu_staff,
                                                                        ph1_resident):
    actions.enrol(actor=huamu_staff, course=course, people=secretaries)
    a, b, c = secretaries
    with pytest.raises(ValidationError) as refused:
        actions.record_session_attendance(actor=huamu_staff, session=sessions[0], present=[a, b, ph1_resident],
                                          absent={c: ""})
    assert refused.value.message_dict == {"present": ["李四 is not enrolled in this course."],
                                          "absent": ["Give the reason for 丙书记's absence."]}
    assert not SessionAttendance.objects.exists()


def test_attendance_before_the_session_started_is_refused(course, secretaries, huamu_staff):
    later = timezone.localdate() + datetime.timedelta(days=3)
    future = actions.create_course(actor=huamu_staff, title="下期培训", area=course.area, starts_on=later,
                                   ends_on=later)
    session = actions.add_session(actor=huamu_staff, course=future, topic="x", starts_at=_at(9, later),
                                  ends_at=_at(10, later))
    actions.enrol(actor=huamu_staff, course=future, people=secretaries)
    with pytest.raises(ValidationError) as refused:
        actions.record_session_attendance(actor=huamu_staff, session=session, present=secretaries)
    assert "session" in refused.value.message_dict


def test_a_session_outside_the_course_dates_or_ending_before_it_starts_is_refused(course, huamu_staff):
    with pytest.raises(ValidationError) as refused:
        actions.add_session(actor=huamu_staff, course=course, topic="x", starts_at=_at(9, DAY + datetime.timedelta(1)),
                            ends_at=_at(10, DAY + datetime.timedelta(1)))
    assert "starts_at" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.add_session(actor=huamu_staff, course=course, topic="x", starts_at=_at(11), ends_at=_at(10))


def test_a_neighborhood_secretary_cannot_create_a_street_course(tree, lianyang2_secretary):
    with pytest.raises(PermissionDenied):
        actions.create_course(actor=lianyang2_secretary, title="x", area=tree.huamu, starts_on=DAY, ends_on=DAY)
    assert not TrainingCourse.objects.exists()


def test_enrolling_people_out_of_view_is_refused(tree, lianyang2_secretary, ph1_resident):
    course = actions.create_course(actor=lianyang2_secretary, title="居民区党课", area=tree.lianyang2,
                                   starts_on=DAY, ends_on=DAY)
    with pytest.raises(ValidationError) as refused:
        actions.enrol(actor=lianyang2_secretary, course=course, people=[ph1_resident])
    assert "people" in refused.value.message_dict


def test_courses_are_scoped(course, lianyang2_secretary, huamu_staff):
    assert list(queries.courses_visible_to(huamu_staff)) == [course]
    assert list(queries.courses_visible_to(lianyang2_secretary)) == []
