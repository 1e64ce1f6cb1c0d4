"""Issue 11, finding 6: bad input gets a 400 that names the problem, never a 500.

Deeply nested JSON on every JSON endpoint (anonymous token view included) and the sandbox, a date that
is not text, an impossible updated_since, a bad sync start, an id too large for the database and a
sandbox seed out of range."""
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.test import APIClient

from catalog.services import create_storefront_key
from integrations import jsonlimits
from integrations.models import IntegrationCard, SyncRun
from integrations.sandbox import services as sandbox_services
from integrations.sandbox.models import SandboxLocation

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000  # past Python's recursion limit
NESTED_40 = json.dumps(json.loads("[" * 40 + "]" * 40))  # parses, but deeper than anything we accept


@pytest.fixture
def card_a(store_a):
    return IntegrationCard.objects.create(company=store_a.company, store=store_a, vendor="flowhub", enabled=False)


def json_operations(client) -> list[tuple[str, str]]:
    """(method, path) of every API operation that takes a JSON body, from the API's own schema."""
    schema = client.get("/api/schema/?format=json").json()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                found.append((method, path))
    return found


def test_every_json_endpoint_refuses_deep_nesting(client, api_client_for, specialist, store_a, card_a):
    api = api_client_for(specialist)
    operations = json_operations(client)
    assert ("post", "/api/v1/auth/token/") in operations and ("patch", "/api/v1/cards/{id}/") in operations
    ids = {"{id}": str(card_a.pk), "{store_id}": str(store_a.pk)}
    for method, path in operations:
        url = path
        for placeholder, value in ids.items():
            url = url.replace(placeholder, value)
        if "/stores/{id}" in path:
            url = path.replace("{id}", str(store_a.pk))
        for body in (DEEP, NESTED_40):
            response = getattr(api, method)(url, body, content_type="application/json")
            assert response.status_code == 400, (method, url, response.status_code, response.content[:300])
            assert "nested too deeply" in response.json()["detail"], (method, url)


def test_anonymous_token_view_refuses_deep_nesting(client):
    for body in (DEEP, NESTED_40, '{"username": ' + DEEP + "}"):
        response = client.post("/api/v1/auth/token/", body, content_type="application/json")
        assert response.status_code == 400
        assert "nested too deeply" in response.json()["detail"]


def test_sandbox_views_refuse_deep_nesting(client):
    response = client.post("/sandbox/alleaves/auth", DEEP, content_type="application/json")
    assert response.status_code == 400
    request = RequestFactory().post("/", DEEP, content_type="application/json")
    from integrations.sandbox.faults import json_body

    assert json_body(request) is None


def test_admin_json_form_field_refuses_deep_nesting():
    field = jsonlimits.JSONFormField()
    for text in (DEEP, NESTED_40):
        with pytest.raises(ValidationError, match="nested too deeply"):
            field.clean(text)
        field.bound_data(text, None)  # re-showing the form does not crash either
    assert field.clean('{"a": [1, 2]}') == {"a": [1, 2]}


def test_depth_guard_middleware_turns_a_recursion_error_into_400():
    def view(request):
        raise RecursionError("maximum recursion depth exceeded")

    guard = jsonlimits.DepthGuardMiddleware(lambda request: HttpResponse())
    api = RequestFactory().post("/api/v1/anything/", {"x": "y"})
    response = guard.process_exception(api, RecursionError())
    assert response.status_code == 400 and "nested too deeply" in json.loads(response.content)["detail"]
    admin = RequestFactory().post("/admin/integrations/integrationcard/add/", {"x": "y"})
    assert guard.process_exception(admin, RecursionError()).status_code == 400
    assert guard.process_exception(admin, ValueError()) is None  # anything else is not ours to hide


def test_non_string_date_is_a_validation_error_naming_the_field(api_client_for, specialist, card_a):
    card_a.enrol_date = 5
    with pytest.raises(ValidationError) as refused:
        card_a.full_clean()
    assert "enrol_date" in refused.value.message_dict
    api = api_client_for(specialist)
    for value in (5, [2025, 1, 31], {"year": 2025}, True):
        for name in ("enrol_date", "sms_double_opt_in_date"):
            response = api.patch(f"/api/v1/cards/{card_a.pk}/", {"settings": {name: value}}, format="json")
            assert response.status_code == 400, (name, value, response.content)
            assert "as text, e.g. 2025-01-31" in response.content.decode()


@pytest.mark.parametrize("since", ["2025-02-30", "2025-02-30T10:00:00Z", "2025-01-31T25:00:00",
                                   "0001-01-01T00:00:00+01:00", "not-a-date"])
def test_menu_updated_since_impossible_date_is_400(api_client_for, manager_a, store_a, since):
    _, plain = create_storefront_key(store_a)
    storefront = APIClient()
    storefront.credentials(HTTP_X_STOREFRONT_KEY=plain)
    for client in (api_client_for(manager_a), storefront):
        response = client.get(f"/api/v1/stores/{store_a.pk}/menu", {"updated_since": since})
        assert response.status_code == 400, response.content
        assert response.json()["updated_since"]


@pytest.mark.parametrize(("data", "says"), [
    ({"card": "abc"}, "which card"),
    ({"card": ""}, "which card"),
    ({"card": "99999999999999999999"}, "which card"),
    ({"card": "CARD", "stream": "bogus"}, "no stream called 'bogus'"),
])
def test_sync_start_with_bad_card_or_stream_is_400(client, manager_a, card_a, data, says):
    client.force_login(manager_a)
    data = {k: (str(card_a.pk) if v == "CARD" else v) for k, v in data.items()}
    response = client.post("/admin/integrations/syncrun/start/", data)
    assert response.status_code == 400
    assert says in response.json()["message"]
    assert not SyncRun.objects.exists()


def test_api_sync_with_unknown_stream_is_400(api_client_for, manager_a, card_a):
    response = api_client_for(manager_a).post(f"/api/v1/cards/{card_a.pk}/sync/", {"stream": "bogus"},
                                              format="json")
    assert response.status_code == 400 and "bogus" in response.json()["stream"][0]


@pytest.mark.parametrize("store", ["99999999999999999999", "9223372036854775808", "-1", "abc"])
def test_product_list_with_huge_store_id_is_not_a_500(client, manager_a, store_a, store):
    client.force_login(manager_a)
    response = client.get("/admin/catalog/product/", {"store": store})
    assert response.status_code in (200, 302)


def test_huge_ids_in_urls_are_404(client, api_client_for, specialist):
    huge = "99999999999999999999"
    api = api_client_for(specialist)
    for url in (f"/api/v1/stores/{huge}/", f"/api/v1/cards/{huge}/", f"/api/v1/stores/{huge}/menu",
                f"/api/v1/sync-runs/{huge}/", f"/api/v1/companies/{huge}/"):
        assert api.get(url).status_code == 404, url
    client.force_login(specialist)
    for url in (f"/admin/integrations/retailstore/{huge}/change/", f"/admin/catalog/product/{huge}/change/",
                f"/admin/integrations/syncrun/{huge}/progress/"):
        assert client.get(url).status_code == 404, url


def test_sandbox_seed_out_of_range_is_refused_everywhere(client, specialist):
    huge = 10**30
    with pytest.raises(ValueError, match="seed"):
        sandbox_services.create_location("dutchie", products=5, seed=huge)
    with pytest.raises(CommandError, match="seed"):
        call_command("sandbox_location", "create", "--vendor", "dutchie", "--products", "5", "--seed", str(huge),
                     stdout=io.StringIO())
    client.force_login(specialist)
    response = client.post("/admin/sandbox/sandboxlocation/create/",
                           {"vendor": "dutchie", "products": "5", "seed": str(huge)})
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to" in response.content.decode()
    assert not SandboxLocation.objects.exists()


def test_sandbox_change_data_with_huge_count_is_refused(client, specialist):
    location = sandbox_services.create_location("dutchie", products=5, seed=3)
    client.force_login(specialist)
    response = client.post(f"/admin/sandbox/sandboxlocation/{location.pk}/change-data/",
                           {"action": "add", "count": str(10**30), "fraction": "0.05", "factor": "1.1"}, follow=True)
    assert response.status_code == 200
    assert "Not changed" in response.content.decode()


def test_admin_json_fields_of_company_models_use_the_limit(rf, specialist, store_a):
    """The card form's free JSON fields (category and lab unit mappings) get the nesting limit too."""
    from django.contrib.admin.sites import site

    request = rf.get("/admin/integrations/integrationcard/add/")
    request.user = specialist
    request.resolver_match = None
    admin = site._registry[IntegrationCard]
    field = admin.formfield_for_dbfield(IntegrationCard._meta.get_field("category_mapping"), request)
    assert isinstance(field, jsonlimits.JSONFormField)
    with pytest.raises(ValidationError, match="nested too deeply"):
        field.clean(DEEP)
