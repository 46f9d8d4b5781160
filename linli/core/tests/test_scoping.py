"""One scoping function decides what each role sees, by every path."""

import pytest

from linli.core import actions, queries
from linli.core.models import Area, Person, Role
from linli.core.scoping import Perm, can, get_in_scope_or_404, scope_queryset
from linli.core.tests.factories import OrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_neighborhood_secretary_sees_only_their_neighborhood(tree, lianyang2_secretary, ly2_resident, ph1_resident):
    visible = set(queries.people_visible_to(lianyang2_secretary))
    assert ly2_resident in visible
    assert ph1_resident not in visible


def test_subdistrict_staff_sees_all_of_huamu_but_not_beicai(tree, huamu_staff, ly2_resident, ph1_resident):
    beicai_resident = PersonFactory(neighborhood=tree.beicai_nbhd)
    visible = set(queries.people_visible_to(huamu_staff))
    assert {ly2_resident, ph1_resident} <= visible
    assert beicai_resident not in visible


def test_search_never_crosses_scope(tree, lianyang2_secretary, ly2_resident, ph1_resident):
    assert list(queries.people_visible_to(lianyang2_secretary, queries.PeopleFilter(q="李四"))) == []
    assert list(queries.people_visible_to(lianyang2_secretary, queries.PeopleFilter(q="ls"))) == []
    # and filtering by an out-of-scope area gives nothing rather than that area
    assert list(queries.people_visible_to(lianyang2_secretary, queries.PeopleFilter(area=tree.peihua1.code))) == []


def test_pinyin_initials_and_full_pinyin_find_names(tree, huamu_staff, ly2_resident):
    for q in ("zs", "ZS", "zhangsan", "张", "张三"):
        assert list(queries.people_visible_to(huamu_staff, queries.PeopleFilter(q=q))) == [ly2_resident], q


def test_out_of_scope_lookup_is_404(tree, lianyang2_secretary, ph1_resident):
    from django.http import Http404

    with pytest.raises(Http404):
        get_in_scope_or_404(Person.objects.all(), lianyang2_secretary, pk=ph1_resident.pk)


def test_organization_liaison_sees_their_organization_and_its_staff_only(tree, org_liaison, resident_unit):
    staff = PersonFactory(neighborhood=tree.peihua1, organization=resident_unit)
    neighbor = PersonFactory(neighborhood=tree.lianyang2)
    other_org = OrganizationFactory(area=tree.lianyang2)
    assert list(queries.people_visible_to(org_liaison)) == [staff]
    assert list(queries.organizations_visible_to(org_liaison)) == [resident_unit]
    assert neighbor not in queries.people_visible_to(org_liaison)
    assert not can(org_liaison, Perm.VIEW, other_org)


def test_volunteer_sees_own_record_and_no_lists(tree, ly2_resident):
    me = PersonFactory(neighborhood=tree.lianyang2, is_volunteer=True)
    user = UserFactory(username="vol", person=me)
    actions.assign_role(actor=None, user=user, role=Role.VOLUNTEER, area=tree.lianyang2)
    assert list(scope_queryset(Person.objects.all(), user)) == [me]
    assert not can(user, Perm.VIEW)


def test_role_on_a_community_covers_its_neighborhoods(tree, ly2_resident, ph1_resident):
    user = UserFactory(username="ly_community")
    actions.assign_role(actor=None, user=user, role=Role.COMMUNITY_STAFF, area=tree.lianyang)
    assert set(queries.people_visible_to(user)) == {ly2_resident}
    assert set(queries.areas_visible_to(user)) == {tree.lianyang, tree.lianyang1, tree.lianyang2}


def test_user_without_a_role_sees_nothing(tree, ly2_resident):
    user = UserFactory(username="nobody")
    assert list(queries.people_visible_to(user)) == []
    assert list(queries.areas_visible_to(user)) == []


def test_anonymous_sees_nothing(tree, ly2_resident):
    from django.contrib.auth.models import AnonymousUser

    assert list(queries.people_visible_to(AnonymousUser())) == []


def test_area_tree_counts_residents_under_each_node(tree, huamu_staff, ly2_resident, ph1_resident):
    PersonFactory(neighborhood=tree.lianyang1)
    roots = queries.area_tree(huamu_staff)
    assert [r.area for r in roots] == [tree.huamu]
    by_name = {}

    def walk(nodes):
        for n in nodes:
            by_name[n.area.name] = n.people
            walk(n.children)

    walk(roots)
    assert by_name == {"花木街道": 3, "联洋社区": 2, "联洋一": 1, "联洋二": 1, "培花社区": 1, "培花一": 1}


def test_descendants_use_the_materialized_path(tree):
    assert set(tree.huamu.descendants()) == set(Area.objects.filter(code__startswith="310115009"))
    assert tree.beicai not in tree.huamu.descendants()
    assert [a.name for a in tree.lianyang2.ancestors()] == ["上海市", "浦东新区", "花木街道", "联洋社区", "联洋二"]


def test_surnames_with_their_own_reading_are_found_by_it(tree, huamu_staff):
    zeng = PersonFactory(name="曾秀芳", neighborhood=tree.lianyang2)
    assert list(queries.people_visible_to(huamu_staff, queries.PeopleFilter(q="zxf"))) == [zeng]


def test_people_are_listed_in_pinyin_order_like_a_phone_book(tree, huamu_staff, ly2_resident, ph1_resident):
    wang = PersonFactory(name="王五", neighborhood=tree.lianyang2)
    assert list(queries.people_visible_to(huamu_staff)) == [ph1_resident, wang, ly2_resident]  # li, wang, zhang


def test_latin_names_are_found_by_their_letters(tree, huamu_staff):
    tom = PersonFactory(name="Tom Smith", neighborhood=tree.lianyang2)
    assert list(queries.people_visible_to(huamu_staff, queries.PeopleFilter(q="tom"))) == [tom]


def test_pinyin_search_finds_names_at_both_ends_of_the_alphabet(tree, huamu_staff):
    ali = PersonFactory(name="阿里", neighborhood=tree.lianyang2)
    zhou = PersonFactory(name="周杰", neighborhood=tree.lianyang2)
    search = lambda q: list(queries.people_visible_to(huamu_staff, queries.PeopleFilter(q=q)))  # noqa: E731
    assert search("a") == [ali]
    assert search("al") == [ali]
    assert search("zj") == [zhou]
    assert search("zhoujie") == [zhou]
    assert search("z") == [zhou]
