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


def test_matching_finds_rows_by_many_ids_through_a_foreign_key_and_in_hand_written_sql(tree, huamu_staff):
    """Thousands of ids (more than one SQLite IN list holds): the same rows through the ORM and raw SQL."""
    from django.db import connection

    from linli.core.bulk import IN_CHUNK, matching, sql_matching

    people = [Person(name=f"匹配{i}", phone=f"1390001{i:04d}", neighborhood=tree.lianyang2 if i % 2 else tree.peihua1)
              for i in range(4)]
    for p in people:
        p.fill_derived_fields()
    insert_many(Person, people)
    wanted_areas = [tree.lianyang2.pk, *range(10**6, 10**6 + IN_CHUNK + 50)]  # ids of no area among them

    by_fk = {p.pk for qs in matching(Person.objects.all(), "neighborhood", wanted_areas) for p in qs}
    assert by_fk == {people[1].pk, people[3].pk}

    found = set()
    for where, params in sql_matching("neighborhood_id", wanted_areas):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Person._meta.db_table} WHERE {where}", params)
            found |= {row[0] for row in cursor.fetchall()}
    assert found == by_fk
    assert list(sql_matching("neighborhood_id", [])) == []
