"""A user of company A sees only A's data, in the admin and in the API, and B's ids answer 404."""
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["a", "b"])
def test_admin_store_list_shows_only_own_company(client, who, staff_a, staff_b, store_a, store_b):
    user, own, other = (staff_a, store_a, store_b) if who == "a" else (staff_b, store_b, store_a)
    client.force_login(user)
    page = client.get("/admin/integrations/retailstore/").content.decode()
    assert own.name in page
    assert other.name not in page


@pytest.mark.parametrize("who", ["a", "b"])
def test_admin_guessed_id_of_other_company_is_404(client, who, staff_a, staff_b, store_a, store_b):
    user, other = (staff_a, store_b) if who == "a" else (staff_b, store_a)
    client.force_login(user)
    response = client.get(f"/admin/integrations/retailstore/{other.pk}/change/")
    assert response.status_code == 404
    assert other.name not in response.content.decode()
    response = client.get(f"/admin/integrations/company/{other.company_id}/change/")
    assert response.status_code == 404


def test_admin_staff_store_form_offers_no_company_choice_and_saves_into_own(client, staff_a, company_b):
    client.force_login(staff_a)
    form = client.get("/admin/integrations/retailstore/add/").content.decode()
    assert company_b.name not in form
    response = client.post("/admin/integrations/retailstore/add/", {
        "name": "Acme Airport", "state": "CO", "timezone": "America/Denver", "location_type": "both",
        "company": company_b.pk,  # ignored: staff cannot choose
    })
    assert response.status_code == 302
    from integrations.models import RetailStore

    assert RetailStore.objects.get(name="Acme Airport").company_id == staff_a.company_id


@pytest.mark.parametrize("who", ["a", "b"])
def test_api_lists_only_own_company(api_client_for, who, staff_a, staff_b, store_a, store_b):
    user, own, other = (staff_a, store_a, store_b) if who == "a" else (staff_b, store_b, store_a)
    api = api_client_for(user)
    stores = api.get("/api/v1/stores/").json()["results"]
    assert [s["name"] for s in stores] == [own.name]
    companies = api.get("/api/v1/companies/").json()["results"]
    assert [c["id"] for c in companies] == [own.company_id]
    assert api.get(f"/api/v1/stores/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/companies/{other.company_id}/").status_code == 404


def test_api_store_create_lands_in_own_company_and_refuses_other(api_client_for, staff_a, company_b):
    api = api_client_for(staff_a)
    body = {"name": "Acme North", "state": "CO", "timezone": "America/Denver", "location_type": "medical"}
    created = api.post("/api/v1/stores/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["company"] == staff_a.company_id
    refused = api.post("/api/v1/stores/", {**body, "name": "Sneaky", "company": company_b.pk}, format="json")
    assert refused.status_code == 400
    assert company_b.name not in refused.content.decode()


def test_api_duplicate_store_name_is_a_clear_error(api_client_for, staff_a, store_a):
    api = api_client_for(staff_a)
    body = {"name": store_a.name, "state": "CO", "timezone": "America/Denver", "location_type": "medical"}
    response = api.post("/api/v1/stores/", body, format="json")
    assert response.status_code == 400
    assert "already has a store" in response.json()["name"][0]


def test_specialist_sees_every_company(api_client_for, client, specialist, store_a, store_b):
    api = api_client_for(specialist)
    names = {s["name"] for s in api.get("/api/v1/stores/").json()["results"]}
    assert names == {store_a.name, store_b.name}
    client.force_login(specialist)
    assert client.get(f"/admin/integrations/retailstore/{store_b.pk}/change/").status_code == 200


def test_specialist_must_name_the_company(api_client_for, specialist, company_b):
    api = api_client_for(specialist)
    body = {"name": "New", "state": "NM", "timezone": "America/Denver", "location_type": "medical"}
    assert api.post("/api/v1/stores/", body, format="json").status_code == 400
    created = api.post("/api/v1/stores/", {**body, "company": company_b.pk}, format="json")
    assert created.status_code == 201
    assert created.json()["company"] == company_b.pk


def test_api_without_token_is_refused(client, store_a):
    assert client.get("/api/v1/stores/").status_code in (401, 403)
    wrong = client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})
    assert wrong.status_code == 400
