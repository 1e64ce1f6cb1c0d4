"""Class 7: bad inputs on every JSON endpoint and the forms and query strings the findings named; any
5xx answer is a failure (each must be a 4xx, or a form page naming the field)."""
import re

import requests

from .attacks import restored
from .harness import Tally, User, change_form, excerpt, replace

INPUTS = "7. Bad inputs answering 5xx"
DEPTH = 5000
HUGE = "9" * 20


def deep_bodies() -> list[tuple[str, str]]:
    return [("5,000-deep list", "[" * DEPTH + "]" * DEPTH),
            ("5,000-deep object", '{"a":' * DEPTH + "1" + "}" * DEPTH)]


def probe_inputs(users: dict[str, User], tally: Tally) -> None:
    from integrations.models import IntegrationCard, RetailStore
    from integrations.pos.registry import CREDENTIAL_FIELDS, SETTING_FIELDS

    onboarding, manager, staff = users["onboarding"], users["manager"], users["staff"]
    base = onboarding.app.base
    sent = []

    def check(request: str, answer: requests.Response) -> None:
        tally.tried(INPUTS)
        sent.append(request)
        if answer.status_code >= 500:
            tally.fail(INPUTS, request, f"{answer.status_code} {excerpt(answer.text)}")

    # Deep JSON on every operation of the schema that takes a body, and on the anonymous token view.
    schema = onboarding.call("GET", "/api/schema/?format=json").json()
    card = IntegrationCard.objects.filter(kind="ecommerce").order_by("pk").first()
    store = RetailStore.objects.order_by("pk").first()
    for path, operations in schema["paths"].items():
        url = path.replace("{id}", str(card.pk)).replace("{store_id}", str(store.pk))
        for method, operation in operations.items():
            if method not in ("post", "put", "patch") and not operation.get("requestBody"):
                continue
            for label, body in deep_bodies():
                with restored(IntegrationCard, card.pk):
                    caller = requests if "auth/token" in path else onboarding.api
                    answer = caller.request(method.upper(), base + url, data=body, timeout=60,
                                            headers={"Content-Type": "application/json"})
                who = "anonymous" if caller is requests else "as onboarding"
                check(f"{who}: {method.upper()} {url} with a {label} JSON body", answer)
    # Admin JSON views that read a body.
    for url in ("/admin/integrations/syncrun/start/",
                f"/admin/integrations/integrationcard/{card.pk}/test-connection/"):
        for label, body in deep_bodies():
            answer = manager.post(url, body, headers={"Content-Type": "application/json"})
            check(f"as manager: POST {url} with a {label} JSON body", answer)

    # null, and wrong-typed dates, for every setting and credential of every card.
    for each in IntegrationCard.objects.order_by("pk"):
        url = f"/api/v1/cards/{each.pk}/"
        for group, names in (("settings", SETTING_FIELDS), ("credentials", CREDENTIAL_FIELDS)):
            for name in names:
                values = [None]
                if name.endswith("_date") or name.endswith("_since"):
                    values += [20250101, ["2025-01-01"], {"date": "2025-01-01"}, True, "2025-02-30"]
                for value in values:
                    with restored(IntegrationCard, each.pk):
                        answer = onboarding.call("PATCH", url, json={group: {name: value}})
                    check(f"as onboarding: PATCH {url} {{{group}: {{{name}: {value!r}}}}}", answer)
        for body in ({"settings": None}, {"credentials": None}, {"settings": []}, {"credentials": "x"},
                     {"data_types": "inventory"}, {"enabled": "maybe"}, {"sync_frequency": -5}):
            with restored(IntegrationCard, each.pk):
                answer = onboarding.call("PATCH", url, json=body)
            check(f"as onboarding: PATCH {url} {body}", answer)

    # The menu's query string, as a user and with a storefront key.
    from catalog.services import create_storefront_key

    plain = create_storefront_key(store, "probe-inputs")[1]
    menu = f"/api/v1/stores/{store.pk}/menu"
    for query in ("updated_since=2025-02-30", "updated_since=2025-13-45T99:99", "updated_since=" + HUGE,
                  "page=abc", "page=" + HUGE, "page_size=-1", "page_size=" + HUGE, "in_stock=maybe",
                  "ordering=bogus", "category=%00"):
        check(f"as manager: GET {menu}?{query}", manager.call("GET", f"{menu}?{query}"))
        answer = requests.get(f"{base}{menu}?{query}", headers={"X-Storefront-Key": plain}, timeout=60)
        check(f"with a storefront key: GET {menu}?{query}", answer)

    # Sync start with a bogus stream or card.
    for data in ({"card": card.pk, "stream": "bogus"}, {"card": "abc"}, {"card": HUGE}, {},
                 {"card": card.pk, "stream": "bogus", "dry_run": "1"}):
        check(f"as manager: POST /admin/integrations/syncrun/start/ {data}",
              manager.post("/admin/integrations/syncrun/start/", data))
    for body in ({"stream": "bogus"}, {"stream": ["inventory"]}, {"dry_run": "maybe"}):
        url = f"/api/v1/cards/{card.pk}/sync/"
        check(f"as manager: POST {url} {body}", manager.call("POST", url, json=body))

    # A duplicate store name, on the admin form and the API.
    fields = change_form(staff.get("/admin/integrations/retailstore/add/").text)
    data = replace(fields, name=store.name, state="CO", timezone="America/Denver", location_type="recreational",
                   _save="Save")
    check("as staff: POST /admin/integrations/retailstore/add/ with an existing store's name",
          staff.post("/admin/integrations/retailstore/add/", data))
    check("as staff: POST /api/v1/stores/ with an existing store's name",
          staff.call("POST", "/api/v1/stores/", json={"name": store.name, "state": "CO",
                                                     "timezone": "America/Denver", "location_type": "recreational"}))

    # Emptying a mapping on the card form.
    admin = f"/admin/integrations/integrationcard/{card.pk}/change/"
    with restored(IntegrationCard, card.pk):
        fields = change_form(onboarding.get(admin).text)
        for name in ("lab_unit_mapping", "category_mapping"):
            for value in ("", "[]", "not json", "{", "null"):
                answer = onboarding.post(admin, replace(fields, _save="Save", **{name: value}))
                check(f"as onboarding: POST {admin} {name}={value!r}", answer)

    # Huge and malformed ids and filters in the admin and the API.
    for url in (f"/admin/catalog/product/?store={HUGE}", "/admin/catalog/product/?store=-1",
                f"/admin/catalog/product/{HUGE}/change/", f"/admin/integrations/integrationcard/{HUGE}/change/",
                f"/admin/integrations/integrationcard/{HUGE}/rooms/", f"/admin/integrations/syncrun/{HUGE}/progress/",
                f"/admin/integrations/integrationcard/open/{HUGE}/dutchie/",
                f"/admin/integrations/integrationcard/open-loyalty/?company={HUGE}",
                "/admin/integrations/integrationcard/open-loyalty/?company=abc"):
        check(f"as onboarding: GET {url}", onboarding.get(url))
    for url in (f"/api/v1/cards/{HUGE}/", f"/api/v1/stores/{HUGE}/", f"/api/v1/sync-runs/{HUGE}/",
                f"/api/v1/stores/{HUGE}/menu", f"/api/v1/companies/{HUGE}/", "/api/v1/cards/?page=abc",
                f"/api/v1/stores/?page={HUGE}"):
        check(f"as onboarding: GET {url}", onboarding.call("GET", url))

    # The sandbox: a huge seed, a location that does not exist.
    for seed in (str(10 ** 30), "-" + str(10 ** 30)):
        data = {"vendor": "dutchie", "name": "probe seed", "products": "1", "seed": seed}
        check(f"as onboarding: POST /admin/sandbox/sandboxlocation/create/ seed={seed}",
              onboarding.post("/admin/sandbox/sandboxlocation/create/", data))
    for url in ("/admin/sandbox/sandboxlocation/999999/change-data/",):
        check(f"as onboarding: POST {url} action=prices",
              onboarding.post(url, {"action": "prices", "fraction": "0.1", "factor": "1.1", "count": "1"}))
    for url in ("/admin/sandbox/sandboxlocation/999999/change/",):
        check(f"as onboarding: GET {url}", onboarding.get(url))
    from integrations.sandbox.models import SandboxLocation

    flowhub = SandboxLocation.objects.filter(vendor="flowhub").first()
    headers = {"clientId": flowhub.client_id, "key": flowhub.api_key}
    for url in ("/sandbox/flowhub/v0/locations/missing-location/inventory", "/sandbox/flowhub/v0/locations//inventory",
                "/sandbox/flowhub/v1/orders/findByLocationId/missing-location"):
        check(f"with a sandbox key: GET {url}", requests.get(base + url, headers=headers, timeout=60))
    # Token view: junk that is not a deep body.
    for body, kind in (('{"username": ["a"], "password": {}}', "application/json"), ("{", "application/json"),
                       ("\xff\xfe", "application/json"), ("username=a", "text/plain")):
        answer = requests.post(base + "/api/v1/auth/token/", data=body.encode("latin-1"), timeout=60,
                               headers={"Content-Type": kind})
        check(f"anonymous: POST /api/v1/auth/token/ {body!r} as {kind}", answer)
    tally.notes[INPUTS] = f"{len(set(re.sub(r'{.*}', '', s) for s in sent))} distinct inputs"
