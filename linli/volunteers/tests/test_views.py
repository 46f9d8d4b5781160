"""Volunteer pages: scoped (out of scope is 404), refusals shown on the page with nothing saved,
the phone check-in page, the certificate PDF and its public verification page."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.core.documents import read_verification_token
from linli.core.models import AuditEvent
from linli.core.tests.pdfs import embedded_fonts, pdf_text
from linli.volunteers import actions
from linli.volunteers.models import Certificate, ServiceRecord, SignUp, Volunteer
from linli.volunteers.tests.conftest import make_activity, make_volunteer

pytestmark = pytest.mark.django_db


def test_pages_answer_staff_in_scope(login, lianyang2_secretary, activity, ly2_volunteer, ly2_team):
    client = login(lianyang2_secretary)
    for name, args in [("volunteers:list", []), ("volunteers:register", []), ("volunteers:teams", []),
                       ("volunteers:activities", []), ("volunteers:activity_new", []), ("volunteers:ledger", []),
                       ("volunteers:roster", []), ("volunteers:volunteer_detail", [ly2_volunteer.pk]),
                       ("volunteers:team_detail", [ly2_team.pk]), ("volunteers:activity_detail", [activity.pk]),
                       ("volunteers:me", [])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name


def test_out_of_scope_records_are_404(login, peihua1_secretary, activity, ly2_volunteer, ly2_team):
    client = login(peihua1_secretary)
    for name, pk in [("volunteers:volunteer_detail", ly2_volunteer.pk), ("volunteers:team_detail", ly2_team.pk),
                     ("volunteers:activity_detail", activity.pk), ("volunteers:activity_edit", activity.pk)]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.post(reverse("volunteers:record_hours", args=[ly2_volunteer.pk]),
                       {"hours": "2", "served_on": "2026-01-05", "reason": "x"}).status_code == 404
    assert not ServiceRecord.objects.exists()
    lists = client.get(reverse("volunteers:list")).content.decode()
    assert ly2_volunteer.person.name not in lists


def test_the_volunteer_list_shows_totals_in_few_queries(login, lianyang2_secretary, tree,
                                                        django_assert_max_num_queries):
    for i in range(8):
        v = make_volunteer(tree.lianyang2, f"名{i}")
        actions.record_hours(actor=lianyang2_secretary, volunteer=v, hours="1.5", served_on=datetime.date(2026, 1, 2),
                             reason="签到表")
    client = login(lianyang2_secretary)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("volunteers:list"))
    assert response.content.decode().count("1.50") == 8


def test_registering_without_consent_is_refused_on_the_page(login, lianyang2_secretary, ly2_resident):
    response = login(lianyang2_secretary).post(reverse("volunteers:register"), {"person": ly2_resident.pk})
    assert response.status_code == 422
    assert "nobody is registered as a volunteer without consent" in response.content.decode()
    assert not Volunteer.objects.exists()


def test_staff_register_a_volunteer_with_consent(login, lianyang2_secretary, ly2_resident):
    response = login(lianyang2_secretary).post(reverse("volunteers:register"), {
        "person": ly2_resident.pk, "consent_by": "张三", "consent_method": "signed_form",
        "consent_at": "2026-01-05T09:00"})
    volunteer = Volunteer.objects.get()
    assert response.status_code == 302 and response["Location"] == volunteer.get_absolute_url()


def test_absurd_hours_are_refused_on_the_page_and_nothing_saved(login, lianyang2_secretary, ly2_volunteer):
    response = login(lianyang2_secretary).post(reverse("volunteers:record_hours", args=[ly2_volunteer.pk]),
                                               {"hours": "30", "served_on": "2026-01-05", "reason": "签到表"})
    assert response.status_code == 422 and "impossible for one entry" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_a_correction_from_the_page_adds_a_reversing_entry(login, lianyang2_secretary, ly2_volunteer):
    record = actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="4",
                                  served_on=datetime.date(2026, 1, 5), reason="签到表")
    client = login(lianyang2_secretary)
    client.post(reverse("volunteers:correct_record", args=[record.pk]), {"hours": "3", "reason": "抄错"})
    assert sorted(str(r.hours) for r in ServiceRecord.objects.all()) == ["-4.00", "3.00", "4.00"]
    page = client.get(ly2_volunteer.get_absolute_url()).content.decode()
    assert "reversed" in page and "3.00" in page


def test_the_activity_page_shows_the_check_in_qr_and_the_sign_ups(login, lianyang2_secretary, activity,
                                                                   ly2_volunteer, ly2_volunteer_user):
    actions.sign_up(actor=ly2_volunteer_user, activity=activity, volunteer=ly2_volunteer)
    page = login(lianyang2_secretary).get(activity.get_absolute_url()).content.decode()
    assert 'data-testid="checkin-qr"' in page and "data:image/svg+xml" in page
    assert ly2_volunteer.person.name in page
    token = re.search(rf"/volunteers/activities/{activity.pk}/checkin/([^/\"]+)/", page)
    assert token is not None and read_verification_token("activity", token.group(1)) == activity.pk


def test_a_phone_checks_in_and_out_through_the_qr_page(client, activity, ly2_volunteer_user, monkeypatch):
    url = reverse("volunteers:checkin", args=[activity.pk, actions.check_in_token(activity)])
    assert client.get(url).status_code == 302  # login first
    client.force_login(ly2_volunteer_user)
    assert "Check in" in client.get(url).content.decode()
    client.post(url, {"step": "in"})
    then = timezone.now() + datetime.timedelta(minutes=60)
    monkeypatch.setattr(timezone, "now", lambda: then)
    response = client.post(url, {"step": "out"})
    assert "service hours credited" in response.content.decode()
    assert ServiceRecord.objects.get().source == "attendance"


def test_the_qr_page_of_another_activity_refuses(client, tree, activity, ly2_volunteer_user):
    other = make_activity(tree.lianyang2, title="别的活动")
    client.force_login(ly2_volunteer_user)
    response = client.post(reverse("volunteers:checkin", args=[activity.pk, actions.check_in_token(other)]),
                           {"step": "in"})
    assert response.status_code == 422 and "This QR code is for another activity" in response.content.decode()
    assert not SignUp.objects.exists()


def test_a_volunteer_signs_up_from_their_page(client, activity, ly2_volunteer_user):
    client.force_login(ly2_volunteer_user)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert activity.title in page
    client.post(reverse("volunteers:activity_signup", args=[activity.pk]))
    assert SignUp.objects.filter(activity=activity, volunteer__person=ly2_volunteer_user.person).exists()


def test_a_resident_registers_themself_on_their_page(client, tree, ly2_resident, django_user_model):
    user = django_user_model.objects.create(username="zs", person=ly2_resident)
    client.force_login(user)
    client.post(reverse("volunteers:me"))
    assert Volunteer.objects.get().registration == Volunteer.Registration.SELF


def test_my_certificate_is_a_pdf_with_chinese_text_and_a_verification_page(client, ly2_volunteer,
                                                                           ly2_volunteer_user, lianyang2_secretary):
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="12.5",
                         served_on=timezone.localdate() - datetime.timedelta(days=3), reason="签到表")
    client.force_login(ly2_volunteer_user)
    today = timezone.localdate()
    response = client.post(reverse("volunteers:issue_certificate", args=[ly2_volunteer.pk]),
                           {"period_start": f"{today.year - 1}-01-01", "period_end": today.isoformat()}, follow=True)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "孙志愿" in text and "12.50" in text
    assert any("CJK" in font for font in embedded_fonts(response.content))
    certificate = Certificate.objects.get()
    token = re.search(r"/volunteers/verify/([^/\s]+)/", text.replace("\n", ""))
    assert token is not None
    anonymous = Client()
    page = anonymous.get(reverse("volunteers:verify", args=[token.group(1)])).content.decode()
    assert "孙*" in page and "12.50" in page and certificate.issuer in page
    assert "孙志愿" not in page and ly2_volunteer.person.phone not in page
    assert anonymous.get(reverse("volunteers:verify", args=["forged"])).status_code == 404


def test_the_ledger_page_shows_anomalies_and_rollups(login, lianyang2_secretary, tree, ly2_volunteer):
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="20",
                         served_on=timezone.localdate(), reason="a")
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="5",
                         served_on=timezone.localdate(), reason="b")
    page = login(lianyang2_secretary).get(reverse("volunteers:ledger")).content.decode()
    assert "More than 24 hours in a day" in page and "25.00" in page and "联洋二" in page


def test_the_area_calendar_needs_the_key_or_a_session_in_scope(client, tree, activity, login, peihua1_secretary):
    from linli.volunteers.calendar import calendar_key

    url = reverse("volunteers:calendar", args=[tree.lianyang2.code])
    assert client.get(url).status_code == 404
    response = client.get(url, {"key": calendar_key(tree.lianyang2)})
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar") and "BEGIN:VEVENT" in body
    assert activity.title in body
    assert client.get(url, {"key": calendar_key(tree.peihua1)}).status_code == 404
    assert login(peihua1_secretary).get(url).status_code == 404


def test_a_volunteers_page_reads_in_a_fixed_number_of_queries(login, lianyang2_secretary, ly2_volunteer, ly2_team,
                                                              django_assert_max_num_queries):
    for day in range(1, 21):
        actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="1",
                             served_on=datetime.date(2026, 1, day), reason="签到表", team=ly2_team)
    client = login(lianyang2_secretary)
    with django_assert_max_num_queries(16):
        response = client.get(ly2_volunteer.get_absolute_url())
    assert response.content.decode().count("签到表") == 20


def test_the_check_in_page_needs_a_check_in_code(client, activity, ly2_volunteer_user):
    client.force_login(ly2_volunteer_user)
    assert client.get(reverse("volunteers:checkin", args=[activity.pk, "guess"])).status_code == 404


def test_a_volunteer_sees_a_past_activity_they_attended_but_not_others(client, tree, ly2_volunteer,
                                                                       ly2_volunteer_user, lianyang2_secretary):
    past = make_activity(tree.lianyang2, start=timezone.now() - datetime.timedelta(days=5), title="往期活动")
    other = make_activity(tree.lianyang2, start=timezone.now() - datetime.timedelta(days=5), title="别人的")
    actions.sign_up(actor=lianyang2_secretary, activity=past, volunteer=ly2_volunteer, consent_by="孙志愿",
                    consent_method="in_person")
    client.force_login(ly2_volunteer_user)
    assert client.get(past.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("volunteers:list")).status_code == 404  # not staff: no lists


def test_a_volunteer_withdraws_their_consent_and_keeps_their_hours(client, ly2_volunteer, ly2_volunteer_user,
                                                                   lianyang2_secretary):
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="2",
                         served_on=timezone.localdate(), reason="签到表")
    client.force_login(ly2_volunteer_user)
    client.post(reverse("volunteers:withdraw", args=[ly2_volunteer.pk]))
    assert Volunteer.objects.get().consents.get().withdrawn_at is not None
    assert ServiceRecord.objects.count() == 1
    assert 'data-testid="withdraw"' not in client.get(reverse("volunteers:me")).content.decode()


def test_the_activity_list_reads_in_a_fixed_number_of_queries(login, lianyang2_secretary, tree,
                                                              django_assert_max_num_queries):
    for i in range(12):
        make_activity(tree.lianyang2, title=f"活动{i}")
    client = login(lianyang2_secretary)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("volunteers:activities"))
    assert response.content.decode().count("活动") >= 12


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_photos_of_an_activity_are_checked_by_content_and_scoped(login, lianyang2_secretary, peihua1_secretary,
                                                                 activity, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.volunteers.models import ActivityPhoto

    settings.MEDIA_ROOT = tmp_path
    client = login(lianyang2_secretary)
    url = reverse("volunteers:add_photo", args=[activity.pk])
    client.post(url, {"file": SimpleUploadedFile("photo.jpg", b"MZ not a photo", content_type="image/jpeg")})
    assert not ActivityPhoto.objects.exists()
    client.post(url, {"file": SimpleUploadedFile("合影.png", PNG, content_type="image/png")})
    photo = ActivityPhoto.objects.get()
    assert photo.content_type == "image/png" and photo.name == "合影.png"
    assert 'data-testid="photos"' in client.get(activity.get_absolute_url()).content.decode()
    assert b"".join(client.get(reverse("volunteers:photo", args=[photo.pk])).streaming_content) == PNG
    other = login(peihua1_secretary)
    assert other.get(reverse("volunteers:photo", args=[photo.pk])).status_code == 404
    assert other.post(url, {"file": SimpleUploadedFile("x.png", PNG)}).status_code == 404


def test_a_form_sends_back_only_to_a_page_of_this_site(login, lianyang2_secretary, tree, ly2_team):
    post = actions.create_post(actor=None, name="联洋二3号垃圾投放点", area=tree.lianyang2, team=ly2_team)
    shift = actions.create_shift(actor=None, post=post, day=timezone.localdate() + datetime.timedelta(days=1),
                                 starts_at=datetime.time(7), ends_at=datetime.time(9))
    volunteer = make_volunteer(tree.lianyang2, "甲")
    client = login(lianyang2_secretary)
    url = reverse("volunteers:shift_assign", args=[shift.pk])
    response = client.post(url, {"volunteer": volunteer.pk, "next": "https://evil.example/phish"})
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    response = client.post(url, {"volunteer": make_volunteer(tree.lianyang2, "乙").pk,
                                 "next": reverse("volunteers:roster")})
    assert response["Location"] == reverse("volunteers:roster")
    later = actions.create_shift(actor=None, post=post, day=shift.day, starts_at=datetime.time(18),
                                 ends_at=datetime.time(20))
    first = actions.assign_duty(actor=None, shift=shift, volunteer=make_volunteer(tree.lianyang2, "丙"))
    second = actions.assign_duty(actor=None, shift=later, volunteer=make_volunteer(tree.lianyang2, "丁"))
    response = client.post(reverse("volunteers:swap"), {"first": first.pk, "second": second.pk,
                                                        "next": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:roster")


def test_the_calendar_and_the_certificate_carry_no_participant_name_phone_or_id(
        client, tree, activity, ly2_volunteer, ly2_volunteer_user, lianyang2_secretary):
    from linli.volunteers.calendar import calendar_key

    person = ly2_volunteer.person
    assert person.phone and person.id_number  # so the checks below can fail
    actions.sign_up(actor=ly2_volunteer_user, activity=activity, volunteer=ly2_volunteer)
    feed = client.get(reverse("volunteers:calendar", args=[tree.lianyang2.code]),
                      {"key": calendar_key(tree.lianyang2)}).content.decode()
    assert activity.title in feed
    assert person.name not in feed and person.phone not in feed and person.id_number not in feed
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="2",
                         served_on=timezone.localdate(), reason="签到表")
    client.force_login(ly2_volunteer_user)
    today = timezone.localdate()
    pdf = client.post(reverse("volunteers:issue_certificate", args=[ly2_volunteer.pk]),
                      {"period_start": f"{today.year}-01-01", "period_end": today.isoformat()}, follow=True).content
    text = pdf_text(pdf).replace("\n", "").replace(" ", "")
    assert "孙志愿" in text and person.phone not in text and person.id_number not in text


def test_a_check_in_code_does_not_open_other_activities_by_number(client, login, tree, activity, ly2_volunteer_user):
    hidden = make_activity(tree.peihua1, title="培花一内部活动", place="培花一居委会议室")
    token = actions.check_in_token(activity)  # the code this volunteer was shown
    client.force_login(ly2_volunteer_user)
    for response in (client.get(reverse("volunteers:checkin", args=[hidden.pk, token])),
                     client.post(reverse("volunteers:checkin", args=[hidden.pk, token]), {"step": "in"})):
        page = response.content.decode()
        assert response.status_code == 422 and 'data-testid="wrong-code"' in page
        assert hidden.title not in page and hidden.place not in page
    api = client.post(f"/api/v1/volunteers/activities/{hidden.pk}/check-in", {"token": token},
                      content_type="application/json")
    assert api.status_code == 422 and hidden.title not in api.content.decode()
    assert not SignUp.objects.filter(activity=hidden).exists()


def test_every_record_path_out_of_scope_is_404_and_writes_nothing(login, peihua1_secretary, lianyang2_secretary,
                                                                    tree, activity, ly2_volunteer, ly2_team):
    post = actions.create_post(actor=None, name="联洋二3号垃圾投放点", area=tree.lianyang2, team=ly2_team)
    shift = actions.create_shift(actor=None, post=post, day=timezone.localdate(), starts_at=datetime.time(0),
                                 ends_at=datetime.time(0, 30))
    assignment = actions.assign_duty(actor=None, shift=shift, volunteer=ly2_volunteer)
    record = actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="2", reason="签到表",
                                  served_on=timezone.localdate() - datetime.timedelta(days=2))
    certificate = actions.issue_certificate(actor=lianyang2_secretary, volunteer=ly2_volunteer,
                                            period_start=record.served_on, period_end=record.served_on)
    events = AuditEvent.objects.count()
    client = login(peihua1_secretary)
    gets = [("volunteers:post_detail", [post.pk]), ("volunteers:certificate_pdf", [certificate.pk]),
            ("volunteers:team_edit", [ly2_team.pk])]
    for name, args in gets:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    posts = [("volunteers:correct_record", [record.pk], {"reason": "x", "hours": "1"}),
             ("volunteers:withdraw", [ly2_volunteer.pk], {}),
             ("volunteers:issue_certificate", [ly2_volunteer.pk], {"period_start": "2026-01-01",
                                                                   "period_end": "2026-01-02"}),
             ("volunteers:staff_attendance", [activity.pk, "in"], {"volunteer": ly2_volunteer.pk}),
             ("volunteers:activity_signup", [activity.pk], {"volunteer": ly2_volunteer.pk, "consent_by": "x",
                                                            "consent_method": "in_person"}),
             ("volunteers:add_photo", [activity.pk], {}),
             ("volunteers:duty_attended", [assignment.pk], {}),
             ("volunteers:shift_assign", [shift.pk], {"volunteer": ly2_volunteer.pk}),
             ("volunteers:post_detail", [post.pk], {"day": "2026-12-30", "starts_at": "07:00", "ends_at": "09:00"})]
    for name, args, data in posts:
        assert client.post(reverse(name, args=args), data).status_code == 404, name
    assert AuditEvent.objects.count() == events
    assert ServiceRecord.objects.count() == 1 and Certificate.objects.count() == 1
    assert not SignUp.objects.exists() and Volunteer.objects.get(pk=ly2_volunteer.pk).is_active


# Staff check-in and check-out at a time they give ---------------------------------------------

def _local(at: datetime.datetime) -> str:
    """As a datetime-local input sends it."""
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def morning(tree, ly2_volunteer, lianyang2_secretary):
    """A two-hour activity that ended an hour ago, ly2_volunteer signed up by staff (from the paper sheet)."""
    start = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(hours=3)
    activity = make_activity(tree.lianyang2, start=start, hours=2, title="早间巡查")
    actions.sign_up(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer, consent_by="孙志愿",
                    consent_method="signed_form")
    return activity


def test_staff_give_the_check_in_and_check_out_times_on_the_page(login, lianyang2_secretary, ly2_volunteer, morning):
    client = login(lianyang2_secretary)
    page = client.get(morning.get_absolute_url()).content.decode()
    assert 'data-testid="check-in-form"' in page and 'type="datetime-local" name="at"' in page
    came = morning.starts_at - datetime.timedelta(minutes=5)
    check_in = reverse("volunteers:staff_attendance", args=[morning.pk, "in"])
    assert client.post(check_in, {"volunteer": ly2_volunteer.pk, "at": _local(came)}).status_code == 302
    signup = SignUp.objects.get()
    assert signup.checked_in_at == came and signup.check_in_method == SignUp.Method.STAFF
    assert 'data-testid="check-out-form"' in client.get(morning.get_absolute_url()).content.decode()
    left = morning.starts_at + datetime.timedelta(minutes=90)
    response = client.post(reverse("volunteers:staff_attendance", args=[morning.pk, "out"]),
                           {"volunteer": ly2_volunteer.pk, "at": _local(left)})
    assert response.status_code == 302
    signup.refresh_from_db()
    assert signup.checked_out_at == left
    record = ServiceRecord.objects.get()
    assert (record.hours, record.source, record.ended_at) == (Decimal("1.50"), "attendance", left)


def test_a_check_out_before_the_check_in_is_refused_on_the_page_naming_the_time(login, lianyang2_secretary,
                                                                                  ly2_volunteer, morning):
    came = morning.starts_at + datetime.timedelta(minutes=10)
    actions.check_in(actor=lianyang2_secretary, activity=morning, volunteer=ly2_volunteer, at=came)
    events = AuditEvent.objects.count()
    typed = _local(came - datetime.timedelta(minutes=30))
    response = login(lianyang2_secretary).post(reverse("volunteers:staff_attendance", args=[morning.pk, "out"]),
                                               {"volunteer": ly2_volunteer.pk, "at": typed})
    assert response.status_code == 422
    page = response.content.decode()
    error = page.split('data-testid="error-at"')[1].split("</div>")[0]
    assert "cannot be before the check-in" in error
    assert f'value="{typed}"' in page  # what staff typed stays in the field
    assert SignUp.objects.get().checked_out_at is None and not ServiceRecord.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("offset", "words"), [
    (datetime.timedelta(hours=-1), "has not started"),  # an hour before the start: outside the 30-minute grace
    (datetime.timedelta(hours=2, minutes=45), "more than 30 minutes ago"),  # 45 minutes after the end
    (datetime.timedelta(hours=4), "in the future"),
])
def test_a_check_in_time_outside_the_activity_is_refused_on_the_page(login, lianyang2_secretary, ly2_volunteer,
                                                                     morning, offset, words):
    events = AuditEvent.objects.count()
    at = _local(morning.starts_at + offset)
    response = login(lianyang2_secretary).post(reverse("volunteers:staff_attendance", args=[morning.pk, "in"]),
                                               {"volunteer": ly2_volunteer.pk, "at": at})
    assert response.status_code == 422
    assert words in response.content.decode().split('data-testid="error-at"')[1].split("</div>")[0]
    assert SignUp.objects.get().checked_in_at is None and AuditEvent.objects.count() == events


def test_a_time_that_is_not_a_time_is_refused_and_an_empty_one_means_now(login, lianyang2_secretary, ly2_volunteer,
                                                                         activity):
    actions.sign_up(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer, consent_by="孙志愿",
                    consent_method="in_person")
    client = login(lianyang2_secretary)
    url = reverse("volunteers:staff_attendance", args=[activity.pk, "in"])
    refused = client.post(url, {"volunteer": ly2_volunteer.pk, "at": "昨天"})
    assert refused.status_code == 422 and 'data-testid="error-at"' in refused.content.decode()
    assert SignUp.objects.get().checked_in_at is None
    before = timezone.now()
    assert client.post(url, {"volunteer": ly2_volunteer.pk, "at": ""}).status_code == 302
    assert SignUp.objects.get().checked_in_at >= before


def test_the_hours_card_names_each_year_as_a_year(login, client, lianyang2_secretary, ly2_volunteer,
                                                   ly2_volunteer_user):
    this_year = timezone.localdate().year
    for served_on in (datetime.date(this_year - 1, 12, 31), timezone.localdate()):
        actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="2", served_on=served_on,
                             reason="签到表")
    detail = login(lianyang2_secretary).get(ly2_volunteer.get_absolute_url()).content.decode()
    client.force_login(ly2_volunteer_user)
    mine = client.get(reverse("volunteers:me")).content.decode()
    for page in (detail, mine):
        totals = re.search(r'data-testid="totals">(.*?)\n</div>', page, re.S)
        assert totals is not None
        assert f"In {this_year}" in totals.group(1) and f"In {this_year - 1}" in totals.group(1)
