"""The audit trail is append-only: the product offers no way to edit it, and
the database refuses to."""

import pytest
from django.db import DatabaseError, connection, transaction

from linli.core import actions
from linli.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_rows_cannot_be_updated_even_with_sql(tree, lianyang2_secretary, ly2_resident):
    actions.update_person(actor=lianyang2_secretary, person=ly2_resident, address="新地址")
    event = AuditEvent.objects.latest("id")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_name="someone else")
    event.refresh_from_db()
    assert event.actor_name == "联洋二书记"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite blocks UPDATE only (see migration 0002)")
def test_audit_rows_cannot_be_deleted_on_postgresql(tree, lianyang2_secretary, ly2_resident):
    actions.update_person(actor=lianyang2_secretary, person=ly2_resident, address="新地址")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.exists()


def test_admin_cannot_add_change_or_delete_audit_events(client, platform_admin, tree, ly2_resident):
    platform_admin.is_superuser = True
    platform_admin.save()
    client.force_login(platform_admin)
    actions.update_person(actor=platform_admin, person=ly2_resident, address="新地址")
    event = AuditEvent.objects.latest("id")
    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    response = client.post(f"/admin/core/auditevent/{event.pk}/change/", {"actor_name": "x"})
    assert response.status_code in (403, 200)
    event.refresh_from_db()
    assert event.actor_name != "x"
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
