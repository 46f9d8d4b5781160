"""An officer at a restaurant's back kitchen, on a phone: answer the checklist, lose the server's answer,
tap submit again — one inspection, not two."""

from __future__ import annotations

import importlib

import pytest
from playwright.sync_api import Page, Route, expect

from linli.core.tests.test_browser import (  # noqa: F401  # the shared browser fixtures
    ARTIFACTS,
    PHONE_WIDTH,
    browser,
    log_in,
    page,
    problems,
)
from linli.inspections.models import Finding, Inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture(autouse=True)
def shipped_checklist() -> None:
    """The restaurant gas-safety checklist that migration 0002 ships: a transactional test runs after
    others that flushed the database, so the migration's rows may be gone — put them back the same way."""
    from django.apps import apps

    importlib.import_module("linli.inspections.migrations.0002_default_restaurant_gas_checklist").install(apps, None)


NUMBERS = {"hose_length_m": "1.5", "cylinder_count": "8", "cylinder_stored_kg": "30",
           "cylinder_stove_distance_m": "1"}


def test_an_inspection_on_a_phone_survives_a_lost_answer_without_a_duplicate(
    page: Page, problems: list[str], live_server, officer, gas_office, snack_shop  # noqa: F811
) -> None:
    log_in(page, live_server.url, officer)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.goto(f"{live_server.url}/inspections/new/")
    page.select_option("select[name=establishment]", label="培花小吃店")
    page.locator("select[name=version] option").nth(1).wait_for(state="attached")
    page.select_option("select[name=version]", index=1)
    page.get_by_test_id("start").click()

    form = page.get_by_test_id("inspection-form")
    expect(form).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH + 1, f"the form scrolls sideways on a phone ({scroll_width}px wide)"

    page.get_by_label("燃气管理所").check()
    for item in form.locator("fieldset.item[data-type=yes_no]").all():
        item.locator("input[type=radio][value=yes]").check()
    for code, value in NUMBERS.items():
        page.fill(f"input[name=a_{code}]", value)
    page.select_option("select[name=a_pipe_wire_clearance]", value="clear")
    # Too many cylinders: the item needs a note, which opens with the hazard's fields.
    cylinders = form.locator("fieldset[data-item=cylinder_count]")
    cylinders.locator("summary").click()
    cylinders.locator("textarea, input[name=note_cylinder_count]").first.fill("钢瓶超量存放")
    cylinders.locator("input[name=location_cylinder_count]").fill("后厨")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inspection-form-375.png"), full_page=True)

    # The first submission reaches the server, but its answer never reaches the phone (the lift, the basement):
    # a 204 leaves the form on screen with the same hidden submission id.
    lost: list[str] = []

    def lose_the_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            route.fetch(max_redirects=0)
            lost.append(route.request.url)
            route.fulfill(status=204)
        else:
            route.continue_()

    page.route("**/inspections/new/**", lose_the_answer)
    page.get_by_test_id("submit").click()
    page.wait_for_timeout(300)
    assert lost and Inspection.objects.count() == 1
    expect(form).to_be_visible()

    page.get_by_test_id("submit").click()  # the officer taps again
    expect(page.locator("[data-testid=findings]")).to_contain_text("钢瓶超量存放")
    inspection = Inspection.objects.get()  # still one
    assert page.url.endswith(f"/inspections/{inspection.pk}/")
    expect(page.locator(".alert-info")).to_be_visible()  # "already saved; nothing was saved twice"
    assert Finding.objects.get().location == "后厨"
    assert problems == []
