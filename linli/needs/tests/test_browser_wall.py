"""A resident on the public wish wall, in a real browser: sees only what the public may see, logs in,
presses 认领 and the card answers in place (htmx, no reload); a wish someone else took meanwhile says
已被认领; the claim is on "my claims"; the wall fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from linli.core.tests.test_browser import (  # noqa: F401  # the shared browser fixtures
    PHONE_WIDTH,
    browser,
    log_in,
    page,
    problems,
)
from linli.needs import actions
from linli.needs.models import Claim, Need
from linli.needs.tests.factories import make_need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def card(on: Page, title: str) -> Locator:
    return on.get_by_test_id("wish").filter(has_text=title)


def test_a_resident_claims_a_wish_on_the_wall_and_a_taken_one_says_so(
    page: Page, problems: list[str], live_server, tree, ly2_claimant, ph1_claimant  # noqa: F811
) -> None:
    shoes = make_need(tree.lianyang2, title="一双跑步鞋")
    books = make_need(tree.lianyang2, title="一套绘本")

    # The public wall: the child's given name, never the full name; claiming needs a login.
    page.goto(f"{live_server.url}/needs/wall/")
    expect(card(page, "一双跑步鞋")).to_contain_text("小明")
    assert "王小明" not in page.content() and "13600001111" not in page.content()
    expect(card(page, "一双跑步鞋").get_by_role("link", name="登录后认领")).to_be_visible()

    log_in(page, live_server.url, ly2_claimant)
    page.goto(f"{live_server.url}/needs/wall/")
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    card(page, "一双跑步鞋").get_by_role("button", name="认领").click()
    expect(card(page, "一双跑步鞋").get_by_test_id("claimed")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert Claim.objects.get(need=shoes).claimant_id == ly2_claimant.pk

    # Someone else takes 一套绘本 while the page is open: pressing it answers 已被认领, nothing changes.
    actions.claim_need(actor=ph1_claimant, need=Need.objects.get(pk=books.pk))
    card(page, "一套绘本").get_by_role("button", name="认领").click()
    expect(card(page, "一套绘本").get_by_test_id("refusal")).to_contain_text("已被认领")
    assert Claim.objects.get(need=books).claimant_id == ph1_claimant.pk

    page.goto(f"{live_server.url}/needs/claims/")
    expect(page.get_by_test_id("claims-table")).to_contain_text("一双跑步鞋")
    expect(page.get_by_test_id("claims-table")).not_to_contain_text("一套绘本")

    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.goto(f"{live_server.url}/needs/wall/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH + 1, f"the wall scrolls sideways on a phone ({scroll_width}px wide)"
    assert problems == []
