"""The import's bulk path writes the same records and audit events as one-by-one actions."""

import pytest

from linli.core import audit
from linli.core.bulk import insert_many
from linli.core.models import AuditEvent, Person

pytestmark = pytest.mark.django_db


def test_insert_many_sets_primary_keys_and_saves_every_field(tree, huamu_staff):
    people = [Person(name=f"批量{i}", phone=f"1390000{i:04d}", neighborhood=tree.lianyang2) for i in range(3)]
    for p in people:
        p.fill_derived_fields()
    insert_many(Person, people)
    assert all(p.pk for p in people)
    stored = Person.objects.get(pk=people[1].pk)
    assert (stored.name, stored.phone, stored.name_initials, stored.neighborhood) == (
        "批量1", "13900000001", "pl1", tree.lianyang2)
    assert stored.created_at is not None


def test_bulk_created_events_match_what_a_single_create_writes(tree, huamu_staff):
    people = [Person(name="批量甲", phone="13900001111", neighborhood=tree.lianyang2)]
    people[0].fill_derived_fields()
    insert_many(Person, people)
    audit.record_created_many(actor=huamu_staff, targets=people, data=[{"import": 7, "row": 2}])
    event = AuditEvent.objects.get(action="core.person.created", target_id=str(people[0].pk))
    assert event.actor == huamu_staff and event.actor_name == "花木街道干部"
    assert event.target_repr == "批量甲"
    assert event.changes["phone"] == [None, "139****1111"]
    assert event.changes["neighborhood"] == [None, "联洋二"]
    assert event.data == {"import": 7, "row": 2}
    assert list(audit.history_for(people[0])) == [event]
