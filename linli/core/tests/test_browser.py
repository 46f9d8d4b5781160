"""A neighborhood secretary's first minutes, in a real browser.

Drives Debian's chromium (package `chromium`) through Playwright against
pytest-django's live server: log in, see only their own residents, find one
by pinyin initials, log out. Also checks the people list fits a phone screen.
Playwright never downloads a browser here; scripts/test.sh installs chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

from conftest import PASSWORD
from linli.core.models import User
from linli.core.tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
    "--disable-gpu",
    # No calls home: government intranets have no internet, and tests must not depend on it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE_WIDTH = 375
# Screenshots are kept for a human (or a CI artifact) to look at; ignored by git.
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does).")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def problems() -> list[str]:
    """JavaScript errors and failed requests (a missing vendored file) seen by `page`."""
    return []


@pytest.fixture
def page(browser: Browser, problems: list[str]) -> Iterator[Page]:
    # zh-CN as the street's staff have it: the pages must come up in Chinese.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))

    def on_response(response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"HTTP {response.status} for {response.url}")

    page.on("response", on_response)
    yield page
    context.close()


def log_in(page: Page, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # Landing on any page that greets the user by name means the login worked.
    expect(page.get_by_test_id("current-user")).to_have_text(str(user))
    assert "/accounts/login/" not in page.url


def test_secretary_logs_in_finds_own_resident_by_pinyin_and_logs_out(
    page: Page, problems: list[str], live_server, lianyang2_secretary, ly2_resident, ph1_resident, tree
) -> None:
    PersonFactory(name="王五", neighborhood=tree.lianyang2)

    log_in(page, live_server.url, lianyang2_secretary)
    assert page.url.rstrip("/") == live_server.url.rstrip("/"), "login should land on the home page"

    page.goto(f"{live_server.url}/people/")
    table = page.locator("[data-testid=people-table]")
    expect(table).to_contain_text("张三")
    expect(table).to_contain_text("王五")
    expect(table).not_to_contain_text("李四")  # 培花一 is out of this secretary's scope

    search = page.locator("form[role=search]")
    search.locator("input[name=q]").fill("zs")
    # requestSubmit() goes through the form's submit event, so it works whether
    # the form reloads the page or htmx swaps the table in place.
    search.evaluate("form => form.requestSubmit()")
    expect(table).not_to_contain_text("王五")
    expect(table).to_contain_text("张三")

    page.locator('form[action$="/accounts/logout/"] button').click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    page.goto(f"{live_server.url}/people/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/"), "after logout the list asks to log in"
    expect(page.locator("input[name=password]")).to_be_visible()
    assert problems == []


def test_people_list_fits_a_phone_screen(
    page: Page, problems: list[str], live_server, lianyang2_secretary, ly2_resident
) -> None:
    log_in(page, live_server.url, lianyang2_secretary)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.goto(f"{live_server.url}/people/")
    expect(page.locator("[data-testid=people-table]")).to_contain_text("张三")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people-list-375.png"), full_page=True)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH + 1, f"the page scrolls sideways on a phone ({scroll_width}px wide)"
    assert problems == []


def test_back_and_forward_through_a_live_search_keep_the_box_and_the_list_in_step(
    page: Page, problems: list[str], live_server, lianyang2_secretary, ly2_resident, tree
) -> None:
    PersonFactory(name="王五", neighborhood=tree.lianyang2)
    log_in(page, live_server.url, lianyang2_secretary)
    page.goto(f"{live_server.url}/people/")
    table = page.locator("[data-testid=people-table]")
    box = page.locator("form[role=search] input[name=q]")

    def searched(q: str) -> re.Pattern[str]:
        return re.compile(rf"/people/\?q={q}(&|$)")  # the other filters ride along, empty

    # Typing searches after a pause and puts the query in the address bar.
    box.fill("zs")
    expect(page).to_have_url(searched("zs"))
    expect(table).not_to_contain_text("王五")
    table.get_by_role("link", name="张三").click()
    expect(page).to_have_url(f"{live_server.url}/people/{ly2_resident.pk}/")

    page.go_back()  # from another page
    expect(page).to_have_url(searched("zs"))
    expect(box).to_have_value("zs")
    expect(table).to_contain_text("张三")
    expect(table).not_to_contain_text("王五")

    box.fill("ww")
    expect(page).to_have_url(searched("ww"))
    expect(table).not_to_contain_text("张三")
    page.go_back()  # within the page htmx updated
    expect(page).to_have_url(searched("zs"))
    expect(box).to_have_value("zs")
    expect(table).to_contain_text("张三")
    expect(table).not_to_contain_text("王五")

    page.go_back()  # the list before any search
    expect(page).to_have_url(f"{live_server.url}/people/")
    expect(box).to_have_value("")
    expect(table).to_contain_text("王五")
    assert problems == []


def test_switching_language_after_a_live_search_keeps_the_search(
    page: Page, problems: list[str], live_server, lianyang2_secretary, ly2_resident, tree
) -> None:
    PersonFactory(name="王五", neighborhood=tree.lianyang2)
    log_in(page, live_server.url, lianyang2_secretary)
    page.goto(f"{live_server.url}/people/")
    page.locator("form[role=search] input[name=q]").fill("zs")
    expect(page).to_have_url(re.compile(r"/people/\?q=zs(&|$)"))

    page.select_option("#lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/people/\?q=zs(&|$)"))
    expect(page.locator("form[role=search] input[name=q]")).to_have_value("zs")
    expect(page.locator("[data-testid=people-table]")).not_to_contain_text("王五")
    assert problems == []
