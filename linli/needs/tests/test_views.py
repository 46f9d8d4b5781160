"""The needs pages: the public wall, claiming with htmx, staff list/detail/steps, the form, my claims."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.needs import actions
from linli.needs.models import Claim, Need
from linli.needs.tests.factories import make_need

pytestmark = pytest.mark.django_db

S = Need.State
HTMX = {"HTTP_HX_REQUEST": "true"}
PRIVATE = ("王小明", "花木实验小学", "三(2)班", "王大海", "13600001111", "136****1111")


@pytest.fixture(autouse=True)
def english_pages(client):
    """Pages in English (the language menu's cookie): the refusals are asserted by their msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# The public wall ------------------------------------------------------------------------

def test_the_wall_is_public_and_shows_no_private_detail(tree):
    make_need(tree.lianyang2, title="一套水彩笔")
    make_need(tree.lianyang2, S.APPROVED, title="还没发布")

    response = Client().get(reverse("needs:wall"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "一套水彩笔" in page and "小明" in page and "联洋社区" in page
    assert "还没发布" not in page
    for private in PRIVATE:
        assert private not in page, private
    assert f'{reverse("login")}?next={reverse("needs:wall")}' in page  # claim leads to the login


def test_the_wall_filters_in_place(tree):
    make_need(tree.lianyang2, title="一套绘本", category=Need.Category.BOOKS)
    make_need(tree.peihua1, title="一个足球", category=Need.Category.SPORTS)

    response = Client().get(reverse("needs:wall"), {"community": tree.peihua.code}, HTTP_HX_TARGET="wall-results",
                            **HTMX)

    page = response.content.decode()
    assert "一个足球" in page and "一套绘本" not in page
    assert "<html" not in page  # only the cards


def test_the_wall_takes_the_same_number_of_queries_for_one_wish_or_many(tree):
    make_need(tree.lianyang2)
    with CaptureQueriesContext(connection) as one:
        Client().get(reverse("needs:wall"))
    for _ in range(5):
        make_need(tree.peihua1)
    with CaptureQueriesContext(connection) as six:
        Client().get(reverse("needs:wall"))
    assert len(six.captured_queries) == len(one.captured_queries)


def test_claiming_from_the_wall_answers_in_place(tree, login, ly2_claimant, ph1_claimant):
    need = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)

    first = login(ly2_claimant).post(reverse("needs:claim", args=[need.pk]), **HTMX)
    assert first.status_code == 200
    assert 'data-testid="claimed"' in first.content.decode()

    second = login(ph1_claimant).post(reverse("needs:claim", args=[need.pk]), **HTMX)
    assert "This need has already been claimed." in second.content.decode()
    assert Claim.objects.filter(need=need).count() == 1


def test_a_wish_from_the_wall_not_published_for_you_says_why(tree, login, ph1_claimant):
    need = make_need(tree.lianyang2, scope=Need.Scope.NEIGHBORHOOD)

    response = login(ph1_claimant).post(reverse("needs:claim", args=[need.pk]), **HTMX)

    assert response.status_code == 200
    assert "cannot be claimed from where you are" in response.content.decode()
    assert not Claim.objects.exists()


def test_claiming_needs_a_login(tree):
    need = make_need(tree.lianyang2)
    response = Client().post(reverse("needs:claim", args=[need.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Claim.objects.exists()


# Staff pages -------------------------------------------------------------------------------

def test_the_staff_list_holds_only_needs_in_scope(tree, login, lianyang2_secretary):
    make_need(tree.lianyang2, S.SUBMITTED, title="联洋二的心愿")
    make_need(tree.peihua1, S.SUBMITTED, title="培花一的心愿")

    page = login(lianyang2_secretary).get(reverse("needs:list")).content.decode()

    assert "联洋二的心愿" in page and "培花一的心愿" not in page


def test_residents_have_no_staff_list(tree, login, ly2_claimant):
    assert login(ly2_claimant).get(reverse("needs:list")).status_code == 404


def test_an_out_of_scope_detail_is_404(tree, login, lianyang2_secretary):
    theirs = make_need(tree.peihua1, S.SUBMITTED)
    assert login(lianyang2_secretary).get(reverse("needs:detail", args=[theirs.pk])).status_code == 404


def test_staff_see_the_child_with_the_guardian_phone_masked(tree, login, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.SUBMITTED)
    page = login(lianyang2_secretary).get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert "王小明" in page and "136****1111" in page
    assert "13600001111" not in page


def test_the_claimant_sees_the_child_but_not_the_guardian(tree, login, ly2_claimant):
    need = make_need(tree.lianyang2)
    actions.claim_need(actor=ly2_claimant, need=need)
    page = login(ly2_claimant).get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert "王小明" in page
    assert "王大海" not in page and "1111" not in page


def test_a_step_with_htmx_answers_with_the_panel_in_its_new_state(tree, login, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.SUBMITTED)
    client = login(lianyang2_secretary)

    response = client.post(reverse("needs:step", args=[need.pk, "approve"]), **HTMX)

    assert response.status_code == 200
    panel = response.content.decode()
    assert "<html" not in panel
    assert 'data-step="publish"' in panel and 'data-step="approve"' not in panel
    need.refresh_from_db()
    assert need.state == S.APPROVED


def test_a_refused_step_says_why_in_the_panel(tree, login, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.APPROVED)
    Need.objects.filter(pk=need.pk).update(state=S.CLAIMED, publication_scope="city")  # meanwhile, elsewhere

    response = login(lianyang2_secretary).post(reverse("needs:step", args=[need.pk, "approve"]),
                                               **HTMX)

    assert "Only a submitted need can be approved (this need is now: Claimed)." in response.content.decode()


def test_reject_without_a_reason_shows_the_field_error(tree, login, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.SUBMITTED)
    response = login(lianyang2_secretary).post(reverse("needs:step", args=[need.pk, "reject"]),
                                               {"reject-reason": ""}, **HTMX)
    assert "invalid-feedback" in response.content.decode()
    need.refresh_from_db()
    assert need.state == S.SUBMITTED


def test_staff_without_review_see_no_review_buttons(tree, login, lianyang2_staff):
    need = make_need(tree.lianyang2, S.SUBMITTED)
    page = login(lianyang2_staff).get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert 'data-step="approve"' not in page
    assert 'data-step="withdraw"' in page


def test_create_a_wish_with_its_child(tree, login, lianyang2_staff):
    response = login(lianyang2_staff).post(reverse("needs:new"), {
        "kind": "wish", "title": "一台电子琴", "category": "culture", "value_band": "300-500",
        "neighborhood": tree.lianyang2.pk,
        "wish-child_name": "赵小琳", "wish-public_name": "小琳", "wish-birth_date": "2014-06-01",
        "wish-guardian_phone": "13500001111",
    })

    need = Need.objects.get(title="一台电子琴")
    assert response.status_code == 302
    assert response["Location"] == reverse("needs:detail", args=[need.pk])
    assert need.wish_details.child_name == "赵小琳"
    assert need.created_by == lianyang2_staff


def test_a_service_order_needs_no_child(tree, login, lianyang2_staff):
    response = login(lianyang2_staff).post(reverse("needs:new"), {
        "kind": "service", "title": "帮忙修理水龙头", "category": "repair", "neighborhood": tree.lianyang2.pk,
    })
    assert response.status_code == 302
    assert not hasattr(Need.objects.get(title="帮忙修理水龙头"), "wish_details")


def test_the_form_offers_only_neighborhoods_in_scope(tree, login, lianyang2_staff):
    response = login(lianyang2_staff).post(reverse("needs:new"), {
        "kind": "service", "title": "越界", "category": "repair", "neighborhood": tree.peihua1.pk,
    })
    assert response.status_code == 200
    assert not Need.objects.exists()


def test_after_approval_only_the_child_can_change_and_consent_is_recorded(tree, login, lianyang2_staff):
    from linli.needs.models import WishDetails

    need = make_need(tree.lianyang2, S.APPROVED)
    WishDetails.objects.filter(need=need).update(guardian_consent=False)
    client = login(lianyang2_staff)

    page = client.get(reverse("needs:edit", args=[need.pk])).content.decode()
    assert 'name="wish-guardian_consent"' in page and 'name="title"' not in page
    details = {"wish-child_name": "王小明", "wish-public_name": "小明", "wish-birth_date": "2015-09-01",
               "wish-guardian_consent": "on"}
    assert client.post(reverse("needs:edit", args=[need.pk]), details).status_code == 302
    need.wish_details.refresh_from_db()
    assert need.wish_details.guardian_consent is True


def test_a_published_need_can_no_longer_be_edited(tree, login, lianyang2_staff):
    need = make_need(tree.lianyang2)
    response = login(lianyang2_staff).get(reverse("needs:edit", args=[need.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("needs:detail", args=[need.pk])


# My claims -----------------------------------------------------------------------------------

def test_my_claims_lists_them_and_cancels_one(tree, login, ly2_claimant):
    need = make_need(tree.lianyang2, title="一本字典")
    claim = actions.claim_need(actor=ly2_claimant, need=need)
    client = login(ly2_claimant)

    page = client.get(reverse("needs:my_claims")).content.decode()
    assert "一本字典" in page and reverse("needs:cancel_claim", args=[claim.pk]) in page

    response = client.post(reverse("needs:cancel_claim", args=[claim.pk]))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == S.PUBLISHED
