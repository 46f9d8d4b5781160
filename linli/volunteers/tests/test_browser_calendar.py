"""A resident on a phone, in a real browser (Debian's chromium through Playwright, as in core's browser test):
the menu's Volunteering → Activities opens the activities open to them, and the calendar feed's address is a
link with a button that copies it — with the clipboard API, and without it (an intranet on plain http)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from conftest import PASSWORD
from linli.core.models import User
from linli.core.tests.test_browser import ARTIFACTS, PHONE_WIDTH, browser  # noqa: F401  # the module's chromium fixture
from linli.volunteers.tests.conftest import make_activity, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Deletes the clipboard API, as a page served over plain http (not a secure context) has none.
NO_CLIPBOARD = "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});"


@pytest.fixture
def phone_context(browser: Browser, live_server) -> Iterator[BrowserContext]:  # noqa: F811  # the imported fixture
    context = browser.new_context(locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True,
                                  has_touch=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def log_in(page: Page, base_url: str, user: User) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_have_text(str(user))  # in the collapsed menu on a phone


def clipboard(context: BrowserContext, base_url: str) -> str:
    reader = context.new_page()
    reader.goto(base_url + reverse("volunteers:me"))
    text = reader.evaluate("navigator.clipboard.readText()")
    reader.close()
    return str(text)


def test_a_resident_opens_activities_from_the_menu_and_copies_the_calendar_address(live_server, phone_context,
                                                                                   tree, volunteer):
    register(volunteer.person)
    activity = make_activity(tree.lianyang2, start=timezone.now() + datetime.timedelta(days=2), title="环境清洁")
    phone = phone_context.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(phone, live_server.url, volunteer)

    phone.locator(".navbar-toggler").click()
    phone.get_by_test_id("nav-volunteers").click()
    phone.locator(f'.dropdown-menu a[href="{reverse("volunteers:activities")}"]').click()
    expect(phone.get_by_test_id("activities-table")).to_contain_text(activity.title)
    link = phone.get_by_test_id("calendar-link")
    expect(link).to_be_visible()
    address = link.get_attribute("href")
    assert address and address.startswith(live_server.url + "/volunteers/calendar/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH  # the long address wraps
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "volunteer-activities-375.png"), full_page=True)

    phone.get_by_test_id("calendar-copy").click()
    phone.wait_for_function("document.querySelector('[data-testid=calendar-copy]').textContent.trim() === "
                            "document.querySelector('[data-testid=calendar-copy]').dataset.copied")
    assert clipboard(phone_context, live_server.url) == address
    assert not errors


def test_the_copy_button_works_without_the_clipboard_api(live_server, phone_context, tree, volunteer):
    register(volunteer.person)
    phone = phone_context.new_page()
    phone.add_init_script(NO_CLIPBOARD)
    log_in(phone, live_server.url, volunteer)
    phone.goto(live_server.url + reverse("volunteers:activities"))
    assert phone.evaluate("navigator.clipboard") is None
    address = phone.get_by_test_id("calendar-link").get_attribute("href")
    phone.get_by_test_id("calendar-copy").click()
    phone.wait_for_function("document.querySelector('[data-testid=calendar-copy]').textContent.trim() === "
                            "document.querySelector('[data-testid=calendar-copy]').dataset.copied")
    assert clipboard(phone_context, live_server.url) == address
