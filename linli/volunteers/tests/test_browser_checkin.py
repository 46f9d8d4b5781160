"""A volunteer's phone at an activity, in a real browser (Debian's chromium through Playwright, as in
core's browser test): open the activity's QR link, log in, check in, later check out, see the hours on
"my volunteering"; a code of another activity is refused and credits nothing."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD
from linli.core.tests.test_browser import PHONE_WIDTH, browser  # noqa: F401  # the module's chromium fixture
from linli.volunteers import actions
from linli.volunteers.models import ServiceRecord, SignUp
from linli.volunteers.tests.conftest import make_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:  # noqa: F811  # the imported fixture
    context = browser.new_context(locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def fits_the_screen(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_volunteer_checks_in_and_out_from_the_qr_link_on_a_phone(live_server, phone, tree, activity,
                                                                    ly2_volunteer_user, monkeypatch):
    other = make_activity(tree.lianyang2, title="别的活动")
    url = live_server.url + reverse("volunteers:checkin", args=[activity.pk, actions.check_in_token(activity)])

    # The QR code opens the check-in page; the phone is not logged in yet, so the login comes first.
    phone.goto(url)
    assert "/accounts/login/" in phone.url
    phone.fill("input[name=username]", ly2_volunteer_user.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    expect(phone).to_have_url(url)
    expect(phone.get_by_role("heading", name=activity.title)).to_be_visible()
    fits_the_screen(phone)

    phone.click("button[name=step][value=in]")
    expect(phone.locator("button[name=step][value=out]")).to_be_visible()
    assert SignUp.objects.get(activity=activity).checked_in_at is not None

    # An hour later (the live server runs in this process, so its clock moves too) they check out.
    later = timezone.now() + datetime.timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    phone.click("button[name=step][value=out]")
    expect(phone.get_by_test_id("credited")).to_contain_text("1.00")
    fits_the_screen(phone)

    phone.goto(live_server.url + reverse("volunteers:me"))
    expect(phone.get_by_test_id("totals")).to_contain_text("1.00")
    expect(phone.get_by_test_id("my-activities")).to_contain_text(activity.title)
    fits_the_screen(phone)

    # The code of another activity, opened at this one's address, is refused: nothing is recorded for it.
    wrong = live_server.url + reverse("volunteers:checkin", args=[other.pk, actions.check_in_token(activity)])
    assert phone.goto(wrong).status == 422
    expect(phone.get_by_test_id("wrong-code")).to_be_visible()
    expect(phone.get_by_text(other.title)).to_have_count(0)
    assert not SignUp.objects.filter(activity=other).exists()
    record = ServiceRecord.objects.get()
    assert record.activity_id == activity.pk and record.source == "attendance" and str(record.hours) == "1.00"


def test_staff_give_a_check_out_time_on_a_phone(live_server, phone, activity, ly2_volunteer, lianyang2_secretary):
    actions.sign_up(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer, consent_by="孙志愿",
                    consent_method="in_person")
    came = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(minutes=5)
    actions.check_in(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer, at=came)
    phone.goto(live_server.url + activity.get_absolute_url())
    phone.fill("input[name=username]", lianyang2_secretary.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    form = phone.get_by_test_id("check-out-form")
    expect(form).to_be_visible()
    fits_the_screen(phone)

    # Before the check-in: refused beside the time, which stays as typed.
    form.locator("input[name=at]").fill((came - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("button").click()
    expect(phone.get_by_test_id("error-at")).to_be_visible()
    fits_the_screen(phone)
    assert SignUp.objects.get().checked_out_at is None

    phone.get_by_test_id("check-out-form").locator("input[name=at]").fill(
        (came + datetime.timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M"))
    phone.get_by_test_id("check-out-form").locator("button").click()
    expect(phone.get_by_test_id("check-out-form")).to_have_count(0)
    assert SignUp.objects.get().checked_out_at == came + datetime.timedelta(minutes=3)
