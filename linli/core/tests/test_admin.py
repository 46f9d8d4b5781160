"""The Django admin writes through the same audited actions as the pages."""

import pytest

from linli.core.models import AuditEvent, RoleAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, platform_admin):
    platform_admin.is_superuser = True
    platform_admin.save()
    client.force_login(platform_admin)
    return client


def test_admin_edit_of_a_person_is_validated_and_audited(superuser_client, tree, ly2_resident):
    url = f"/admin/core/person/{ly2_resident.pk}/change/"
    data = {"name": "张三", "gender": ly2_resident.gender, "birth_date": str(ly2_resident.birth_date),
            "phone": "13812345678",
            "id_number": ly2_resident.id_number, "address": "花木路8号", "neighborhood": tree.lianyang2.pk,
            "organization": "", "position": "", "is_volunteer": "on"}
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ly2_resident.refresh_from_db()
    assert ly2_resident.address == "花木路8号" and ly2_resident.is_volunteer
    event = AuditEvent.objects.get(action="core.person.updated")
    assert set(event.changes) == {"address", "is_volunteer"}

    data["birth_date"] = "2999-01-01"
    response = superuser_client.post(url, data)
    assert response.status_code == 200  # the form shows the error
    ly2_resident.refresh_from_db()
    assert ly2_resident.birth_date.year < 2999


def test_admin_never_shows_full_numbers(superuser_client, tree, ly2_resident):
    page = superuser_client.get(f"/admin/core/person/{ly2_resident.pk}/change/").content.decode()
    assert "13812345678" not in page and ly2_resident.id_number not in page
    assert "138****5678" in superuser_client.get("/admin/core/person/").content.decode()


def test_admin_role_assignment_is_audited_and_bulk_delete_is_gone(superuser_client, tree, lianyang2_staff):
    response = superuser_client.post("/admin/core/roleassignment/add/", {
        "user": lianyang2_staff.pk, "role": "community_staff", "area": tree.lianyang.pk, "organization": ""})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=lianyang2_staff, role="community_staff").exists()
    assert AuditEvent.objects.filter(action="core.role_assigned").exists()
    page = superuser_client.get("/admin/core/person/").content.decode()
    assert "delete_selected" not in page


def test_admin_is_closed_to_non_staff(client, lianyang2_secretary):
    client.force_login(lianyang2_secretary)
    assert client.get("/admin/").status_code == 302
