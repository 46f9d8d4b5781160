"""factory_boy factories for needs. Personas live in ./conftest.py and the root conftest.py.

Factories write records directly, in whatever state a test starts from; the
transitions themselves are always taken through linli.needs.actions.
"""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from linli.core.models import Area
from linli.needs.models import Need, WishDetails


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = Need

    kind = Need.Kind.WISH
    title = factory.Sequence(lambda n: f"想要一套绘画工具{n}")
    description = "我喜欢画画，想要一套水彩笔和画本。"
    category = Need.Category.STUDY
    value_band = Need.ValueBand.UP_TO_100


class WishDetailsFactory(DjangoModelFactory):
    class Meta:
        model = WishDetails

    need = factory.SubFactory(NeedFactory)
    child_name = "王小明"
    public_name = "小明"
    birth_date = datetime.date(2015, 9, 1)
    school = "花木实验小学"
    school_class = "三(2)班"
    guardian_name = "王大海"
    guardian_phone = "13600001111"
    guardian_consent = True


_PUBLISHED_ON = frozenset({Need.State.PUBLISHED, Need.State.CLAIMED, Need.State.FULFILLED, Need.State.CLOSED})


def make_need(neighborhood: Area, state: str = Need.State.PUBLISHED, *, scope: str = Need.Scope.CITY,
              details: bool = True, **fields: Any) -> Need:
    """A need already in `state` (published city-wide by default); a wish gets its child's details."""
    if state in _PUBLISHED_ON:
        fields.setdefault("publication_scope", scope)
        fields.setdefault("published_at", timezone.now())
    need = NeedFactory(neighborhood=neighborhood, state=state, **fields)
    if need.kind == Need.Kind.WISH and details:
        WishDetailsFactory(need=need)
    return need


def make_order(neighborhood: Area, state: str = Need.State.APPROVED, *, requester: Any = None,
               **fields: Any) -> Need:
    """A service order (群众点单) already in `state`, with its place and time window."""
    start = timezone.now() + datetime.timedelta(days=2)
    fields.setdefault("title", "上门助浴")
    fields.setdefault("category", Need.Category.CARE)
    return NeedFactory(kind=Need.Kind.SERVICE, neighborhood=neighborhood, state=state, requester=requester,
                       place="联洋二 12号楼 301", window_start=start, window_end=start + datetime.timedelta(hours=2),
                       **fields)
