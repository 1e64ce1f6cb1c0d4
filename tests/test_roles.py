"""Each role's permissions, as the documents describe them."""
import pytest
from django.contrib.auth.models import Group

from integrations import roles

pytestmark = pytest.mark.django_db


def test_roles_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.DISPENSARY_STAFF, roles.ONBOARDING_SPECIALIST, roles.MANAGER,
    }


def test_dispensary_staff_configure_own_stores_but_no_advanced_settings(staff_a):
    assert staff_a.has_perm("integrations.add_retailstore")
    assert staff_a.has_perm("integrations.change_retailstore")
    assert not staff_a.has_perm("integrations.change_advanced_settings")
    assert not staff_a.has_perm("integrations.map_store_credentials")
    assert not staff_a.has_perm("integrations.view_all_companies")
    assert not staff_a.sees_all_companies


def test_onboarding_specialist_sees_all_maps_stores_and_edits_advanced(specialist):
    assert specialist.sees_all_companies
    assert specialist.has_perm("integrations.map_store_credentials")
    assert specialist.has_perm("integrations.change_advanced_settings")
    assert specialist.has_perm("integrations.add_company")


def test_manager_presses_sync_and_reads_dashboard_but_does_not_configure(manager_a):
    assert manager_a.has_perm("integrations.sync_integrationcard")
    assert manager_a.has_perm("integrations.view_dashboard")
    assert not manager_a.has_perm("integrations.add_retailstore")
    assert not manager_a.has_perm("integrations.change_retailstore")
    assert not manager_a.sees_all_companies


def test_staff_cannot_press_sync(staff_a):
    assert not staff_a.has_perm("integrations.sync_integrationcard")


def test_manager_cannot_create_stores_in_admin_or_api(client, api_client_for, manager_a):
    client.force_login(manager_a)
    assert client.get("/admin/integrations/retailstore/add/").status_code == 403
    assert client.get("/admin/integrations/retailstore/").status_code == 200
    api = api_client_for(manager_a)
    body = {"name": "X", "state": "CO", "timezone": "America/Denver", "location_type": "medical"}
    assert api.post("/api/v1/stores/", body, format="json").status_code == 403


def test_user_with_no_role_reads_nothing_from_api(api_client_for, company_a, store_a):
    from tests.factories import UserFactory

    api = api_client_for(UserFactory(username="norole", company=company_a))
    assert api.get("/api/v1/stores/").status_code == 403


def test_sync_roles_is_idempotent():
    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    roles.sync_roles()
    roles.sync_roles()
    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert before == after
