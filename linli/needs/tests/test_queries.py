"""Who sees which needs, what the public wish wall reads, and whose claims are whose."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from linli.needs import actions, queries
from linli.needs.models import Need
from linli.needs.tests.factories import make_need

pytestmark = pytest.mark.django_db

S = Need.State
# Columns of WishDetails that identify the child; the public wall never selects them.
PRIVATE_COLUMNS = ("child_name", "school", "school_class", "guardian_name", "guardian_phone")


def test_secretary_sees_the_needs_of_their_neighborhood_only(tree, lianyang2_secretary, huamu_staff):
    ours = make_need(tree.lianyang2, S.DRAFT)
    theirs = make_need(tree.peihua1, S.DRAFT)
    beicai = make_need(tree.beicai_nbhd, S.DRAFT)

    assert list(queries.needs_visible_to(lianyang2_secretary)) == [ours]
    assert set(queries.needs_visible_to(huamu_staff)) == {ours, theirs}
    assert beicai not in queries.needs_visible_to(huamu_staff)


def test_staff_filters_never_widen_the_scope(tree, lianyang2_secretary):
    make_need(tree.peihua1, S.DRAFT)
    f = queries.NeedFilter(area=tree.peihua1.code)
    assert list(queries.needs_visible_to(lianyang2_secretary, f)) == []
    f = queries.NeedFilter.from_params({"state": "nonsense", "kind": "wish"})
    assert (f.state, f.kind) == ("", "wish")


def test_an_out_of_scope_need_is_404(tree, lianyang2_secretary):
    draft = make_need(tree.peihua1, S.DRAFT)
    with pytest.raises(Http404):
        queries.need_for(lianyang2_secretary, draft.pk)


def test_published_needs_are_open_to_claimants_their_scope_reaches(tree, ly2_claimant, ph1_claimant, beicai_claimant):
    nbhd = make_need(tree.lianyang2, scope=Need.Scope.NEIGHBORHOOD)
    sub = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)
    city = make_need(tree.lianyang2, scope=Need.Scope.CITY)
    make_need(tree.lianyang2, S.APPROVED)

    assert set(queries.needs_open_to(ly2_claimant)) == {nbhd, sub, city}
    assert set(queries.needs_open_to(ph1_claimant)) == {sub, city}
    assert set(queries.needs_open_to(beicai_claimant)) == {city}
    # the query and the action's check are one rule
    for user in (ly2_claimant, ph1_claimant, beicai_claimant):
        area = queries.claimant_areas(user)[0]
        assert {n for n in (nbhd, sub, city) if n.covers(area)} == set(queries.needs_open_to(user))


def test_a_liaison_sees_what_is_open_to_their_organization(tree, beicai_liaison):
    city = make_need(tree.lianyang2, kind=Need.Kind.PROJECT, scope=Need.Scope.CITY)
    make_need(tree.lianyang2, kind=Need.Kind.PROJECT, scope=Need.Scope.SUBDISTRICT)
    assert list(queries.needs_open_to(beicai_liaison)) == [city]


def test_a_claimant_still_opens_the_need_they_claimed(tree, ly2_claimant, lianyang2_secretary):
    need = make_need(tree.lianyang2, scope=Need.Scope.NEIGHBORHOOD)
    actions.claim_need(actor=ly2_claimant, need=need)
    assert queries.need_for(ly2_claimant, need.pk) == need
    assert queries.need_for(lianyang2_secretary, need.pk) == need


def test_an_unpublished_need_is_404_to_claimants(tree, ly2_claimant):
    draft = make_need(tree.lianyang2, S.APPROVED)
    with pytest.raises(Http404):
        queries.need_for(ly2_claimant, draft.pk)


# The public wish wall ------------------------------------------------------------

def test_the_wall_shows_only_published_wishes_with_their_public_fields(tree):
    wish = make_need(tree.lianyang2, title="一套水彩笔")
    make_need(tree.lianyang2, S.CLAIMED)
    make_need(tree.lianyang2, S.APPROVED)
    make_need(tree.lianyang2, kind=Need.Kind.PROJECT)

    with CaptureQueriesContext(connection) as ctx:
        rows = list(queries.public_wishes())

    assert rows == [wish]
    assert (rows[0].public_name, rows[0].public_age is not None) == ("小明", True)
    assert rows[0].neighborhood.parent.name == "联洋社区"
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    for column in PRIVATE_COLUMNS:
        assert f'"{column}"' not in sql, column
    assert "王小明" not in str(rows[0].__dict__)


def test_the_wall_filters_by_category_value_band_and_community(tree):
    books = make_need(tree.lianyang2, category=Need.Category.BOOKS, value_band=Need.ValueBand.UP_TO_100)
    sports = make_need(tree.peihua1, category=Need.Category.SPORTS, value_band=Need.ValueBand.UP_TO_300)

    assert list(queries.public_wishes(queries.WallFilter(category="books"))) == [books]
    assert list(queries.public_wishes(queries.WallFilter(value_band="100-300"))) == [sports]
    assert list(queries.public_wishes(queries.WallFilter(community=tree.peihua.code))) == [sports]
    assert list(queries.wall_communities()) == [tree.lianyang, tree.peihua]


# Claims and the child's details ----------------------------------------------------

def test_claims_of_a_resident_and_of_a_liaison(tree, ly2_claimant, beicai_liaison, beicai_center, huamu_staff):
    mine = actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2))
    center = actions.claim_need(actor=beicai_liaison, need=make_need(tree.lianyang2), organization=beicai_center)

    assert list(queries.claims_of(ly2_claimant)) == [mine]
    assert list(queries.claims_of(beicai_liaison)) == [center]
    assert list(queries.claims_of(huamu_staff)) == []


def test_staff_see_the_child_and_guardian_with_the_phone_masked(tree, lianyang2_secretary):
    need = make_need(tree.lianyang2)
    seen = queries.beneficiary_for(lianyang2_secretary, need)
    assert seen is not None
    assert (seen.child_name, seen.school, seen.guardian_name) == ("王小明", "花木实验小学", "王大海")
    assert seen.guardian_phone == "136****1111"


def test_the_claimant_sees_the_child_but_never_the_guardian(tree, ly2_claimant, ph1_claimant, peihua1_secretary):
    need = make_need(tree.lianyang2)
    assert queries.beneficiary_for(ly2_claimant, need) is None  # not before claiming
    actions.claim_need(actor=ly2_claimant, need=need)

    seen = queries.beneficiary_for(ly2_claimant, need)
    assert seen is not None
    assert (seen.child_name, seen.school_class) == ("王小明", "三(2)班")
    assert (seen.guardian_name, seen.guardian_phone) == (None, None)
    assert queries.beneficiary_for(ph1_claimant, need) is None
    assert queries.beneficiary_for(peihua1_secretary, need) is None


# Figures -------------------------------------------------------------------------------------

def test_wish_figures_count_what_happened_in_scope_and_period(
    tree, huamu_staff, lianyang2_secretary, ly2_claimant, ph1_claimant, beicai_liaison, beicai_center,
):
    import datetime

    from django.utils import timezone

    from linli.needs.models import Claim

    now = timezone.now()
    a, b, c = (make_need(tree.lianyang2, submitted_at=now) for _ in range(3))
    d = make_need(tree.peihua1, submitted_at=now)
    make_need(tree.lianyang2, S.SUBMITTED, submitted_at=now)
    make_need(tree.lianyang2, kind=Need.Kind.PROJECT)  # not a wish
    make_need(tree.beicai_nbhd)  # out of Huamu
    Need.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk]).update(published_at=now - datetime.timedelta(days=4))
    for need in (a, b, c, d):
        need.refresh_from_db()
    actions.claim_need(actor=ly2_claimant, need=a)
    actions.claim_need(actor=ph1_claimant, need=b)
    actions.claim_need(actor=beicai_liaison, need=c, organization=beicai_center)
    cancelled = actions.claim_need(actor=ly2_claimant, need=d)
    actions.cancel_claim(actor=ly2_claimant, claim=cancelled)
    actions.record_fulfilment(actor=huamu_staff, need=a, fulfilled_on=timezone.localdate())

    huamu = queries.wish_figures(huamu_staff)
    assert (huamu.submitted, huamu.published, huamu.claimed, huamu.fulfilled) == (5, 4, 3, 1)
    assert (huamu.claiming_units, huamu.claiming_individuals, huamu.cross_region_claims) == (1, 2, 1)
    assert huamu.median_days_to_claim == 4.0
    assert huamu.median_days_to_fulfilment == 4

    secretary = queries.wish_figures(lianyang2_secretary)
    assert (secretary.submitted, secretary.claimed) == (4, 3)
    peihua = queries.wish_figures(huamu_staff, area=tree.peihua.code)
    assert (peihua.published, peihua.claimed) == (1, 0)
    assert Claim.objects.filter(status=Claim.Status.CANCELLED).count() == 1
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    later = queries.wish_figures(huamu_staff, start=tomorrow)
    assert (later.submitted, later.claimed, later.median_days_to_claim) == (0, 0, None)
