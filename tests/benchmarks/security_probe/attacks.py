"""Classes 3 to 6: stored credentials sent to a new address, role escalation, a store mapped to another
company's loyalty credential, and wrong-typed card fields stored through the API."""
from contextlib import contextmanager

import requests

from .harness import INTERNAL_MARKER, App, Listener, Tally, User, change_form, excerpt, free_port, replace

SSRF = "3. SSRF of stored credentials"
ESCALATION = "4. Role escalation"
MAPPING = "5. Cross-company store mapping"
TYPES = "6. Wrong-typed card fields"


@contextmanager
def restored(model, pk: int):
    """Put a row back exactly as it was after a probe that may have changed it."""
    original = model._default_manager.get(pk=pk)
    groups = list(original.groups.all()) if hasattr(original, "groups") else None
    perms = list(original.user_permissions.all()) if hasattr(original, "user_permissions") else None
    try:
        yield original
    finally:
        original.save()
        if groups is not None:
            original.groups.set(groups)
            original.user_permissions.set(perms)


def _company_user(company_id: int) -> str:
    return "staff" if company_id == 1 else "desert-staff"


# --- class 3 -------------------------------------------------------------------------------------
def probe_ssrf(app: App, users: dict[str, User], tally: Tally, listener: Listener) -> None:
    from integrations.models import IntegrationCard

    from .tenancy import stored_secrets

    credentials: dict[str, list[str]] = {}
    for label, value in stored_secrets().items():
        credentials.setdefault(value, []).append(label)
    caused: dict[str, str] = {}  # listener path prefix -> the probe request that pointed the card there
    for card in IntegrationCard.objects.order_by("pk"):
        for username in (_company_user(card.company_id), "onboarding"):
            user = users[username]
            blank = {name: "" for name in IntegrationCard.SECRET_FIELDS}
            admin = f"/admin/integrations/integrationcard/{card.pk}/"
            with restored(IntegrationCard, card.pk):
                fields = change_form(user.get(admin + "change/").text)
                for step in ("test-connection", "rooms", "change"):
                    target = f"{listener.url}/capture/admin-{step}/card{card.pk}/{username}"
                    data = replace(fields, api_endpoint=target, **blank)
                    if step == "change":
                        data = replace(data, _save="Save")
                    answer = user.post(admin + step + "/", data)
                    tally.tried(SSRF)
                    request = f"as {username}: POST {admin}{step}/ with api_endpoint={target}, secrets blank"
                    caused[target[len(listener.url):]] = f"{request} (answered {answer.status_code})"
                    _echoed(tally, request, answer)
                    if step == "change":
                        # Whatever the form saved, Test Connection then calls it with the stored secrets.
                        answer = user.call("POST", f"/api/v1/cards/{card.pk}/test-connection/")
                        tally.tried(SSRF)
                        caused[target[len(listener.url):]] += (f", then POST /api/v1/cards/{card.pk}/test-connection/"
                                                               f" (answered {answer.status_code})")
            for step, body in (("patch", {}), ("patch-save-anyway", {"save_anyway": True})):
                with restored(IntegrationCard, card.pk):
                    target = f"{listener.url}/capture/api-{step}/card{card.pk}/{username}"
                    answer = user.call("PATCH", f"/api/v1/cards/{card.pk}/", json={"api_endpoint": target, **body})
                    tally.tried(SSRF)
                    extra = ", save_anyway: true" if body else ""
                    request = f"as {username}: PATCH /api/v1/cards/{card.pk}/ {{api_endpoint: {target}{extra}}}"
                    patched = answer.status_code
                    _echoed(tally, request, answer)
                    # Whatever the PATCH stored, Test Connection then calls it with the stored secrets.
                    answer = user.call("POST", f"/api/v1/cards/{card.pk}/test-connection/")
                    tally.tried(SSRF)
                    caused[target[len(listener.url):]] = (f"{request} (answered {patched}), then POST "
                                                          f"/api/v1/cards/{card.pk}/test-connection/ (answered "
                                                          f"{answer.status_code})")
                    _echoed(tally, f"as {username}: POST /api/v1/cards/{card.pk}/test-connection/", answer)
            # Typed-again secrets may reach a loopback address in development, but its page is never echoed.
            with restored(IntegrationCard, card.pk):
                target = f"{listener.url}/echo/card{card.pk}/{username}"
                typed = {name: "probe-typed-secret" for name in IntegrationCard.SECRET_FIELDS}
                data = replace(fields, api_endpoint=target, **typed)
                answer = user.post(admin + "test-connection/", data)
                tally.tried(SSRF)
                _echoed(tally, f"as {username}: POST {admin}test-connection/ (typed secrets, endpoint {target})",
                        answer)
                stored = IntegrationCard.objects.get(pk=card.pk).last_test_message or ""
                if INTERNAL_MARKER in stored:
                    tally.fail(SSRF, f"as {username}: POST {admin}test-connection/ (typed secrets)",
                               f"the internal page is stored in the card's last test message: {stored[:200]}")
    captured = [r for r in listener.requests if r["path"].startswith("/capture/")]
    listener.dump(app.workdir / "listener.txt")
    for request in captured:
        carried = listener.secrets_in(request, set(credentials))
        if carried:
            origin = next((v for k, v in caused.items() if request["path"].startswith(k)), "?")
            tally.fail(SSRF, origin, f"the listener received {request['method']} {request['path']} carrying "
                       + " = ".join(sorted(label for s in carried for label in credentials[s])))
    steps: dict[str, int] = {}
    for request in captured:
        step = request["path"].split("/")[2]
        steps[step] = steps.get(step, 0) + 1
    tally.notes[SSRF] = (f"{len(captured)} requests reached the listener with secrets left blank ("
                         + ", ".join(f"{k}: {v}" for k, v in sorted(steps.items())) + "); "
                         f"{len(listener.requests) - len(captured)} with secrets typed again")
    probe_strict_endpoints(app, tally, listener)


STRICT_ENDPOINTS = ["http://127.0.0.1:{port}/strict", "https://127.0.0.1:{port}/strict", "https://localhost/",
                    "https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/", "https://[::1]/",
                    "https://metadata.google.internal/", "https://pos.example.com/", "http://{vendor_host}/",
                    "file:///etc/passwd", "gopher://127.0.0.1:{port}/"]


def probe_strict_endpoints(app: App, tally: Tally, listener: Listener) -> None:
    """The endpoint rules production uses (POS_ENDPOINTS_STRICT, on by default there), on a second server:
    an address that is not the vendor's https API is refused before anything is sent to it."""
    from integrations.models import IntegrationCard
    from integrations.pos.registry import VENDORS

    base = app.serve(free_port(), "server-strict.log", POS_ENDPOINTS_STRICT="true")
    token = users_token("onboarding")
    before = len(listener.requests)
    port = listener.url.rsplit(":", 1)[1]
    for card in IntegrationCard.objects.order_by("pk"):
        hosts = sorted(getattr(VENDORS[card.vendor], "known_hosts", ()) or ["api.example-pos.com"])
        typed = {name: "probe-typed-secret" for name in IntegrationCard.SECRET_FIELDS
                 if name in VENDORS[card.vendor].kinds[card.kind].credentials}
        for template in STRICT_ENDPOINTS:
            endpoint = template.format(port=port, vendor_host=hosts[0])
            with restored(IntegrationCard, card.pk):
                answer = requests.patch(f"{base}/api/v1/cards/{card.pk}/", timeout=60,
                                        headers={"Authorization": f"Token {token}"},
                                        json={"api_endpoint": endpoint, "save_anyway": True,
                                              # a loyalty card's keys are its credential list: none here
                                              **({"credentials": typed} if card.kind == "ecommerce" else {})})
            tally.tried(SSRF)
            if answer.status_code < 300 or answer.status_code >= 500:
                tally.fail(SSRF, f"POS_ENDPOINTS_STRICT=true, as onboarding: PATCH /api/v1/cards/{card.pk}/ "
                           f"{{api_endpoint: {endpoint}, credentials typed again, save_anyway: true}}",
                           f"{answer.status_code} {excerpt(answer.text)}")
    reached = listener.requests[before:]
    if reached:
        tally.fail(SSRF, "POS_ENDPOINTS_STRICT=true: card PATCHes to loopback addresses",
                   f"{len(reached)} requests reached the listener: {reached[0]['method']} {reached[0]['path']}")


def users_token(username: str) -> str:
    from rest_framework.authtoken.models import Token

    from integrations.models import User as Account

    return Token.objects.get_or_create(user=Account.objects.get(username=username))[0].key


def _echoed(tally: Tally, request: str, answer) -> None:
    if answer.status_code >= 500:
        tally.fail(SSRF, request, f"{answer.status_code} {excerpt(answer.text)}")
    elif INTERNAL_MARKER in answer.text:
        tally.fail(SSRF, request, f"{answer.status_code}; echoes the internal page: {excerpt(answer.text, 200)}")


# --- class 4 -------------------------------------------------------------------------------------
def probe_escalation(users: dict[str, User], tally: Tally) -> None:
    from django.contrib.auth.models import Group, Permission

    from integrations.models import User as Account

    plain, _ = Account.objects.get_or_create(username="probe-plain", defaults={"company_id": 1, "is_staff": False})
    onboarding = users["onboarding"]
    all_groups = [str(g.pk) for g in Group.objects.all()]
    some_perms = [str(p.pk) for p in Permission.objects.filter(codename__in=["view_all_companies", "view_token",
                                                                            "change_user", "delete_user"])]
    for target in Account.objects.filter(username__in=["staff", "manager", "desert-staff", "onboarding",
                                                        "probe-plain"]).order_by("pk"):
        for grant in ("is_superuser", "is_staff", "groups", "user_permissions"):
            if grant == "is_staff" and target.is_staff:
                continue
            url = f"/admin/integrations/user/{target.pk}/change/"
            had_groups, had_perms = target.groups.count(), target.user_permissions.count()
            with restored(Account, target.pk):
                fields = change_form(onboarding.get(url).text)
                if not fields:
                    fields = [("username", target.username), ("is_active", "on")]
                value = {"is_superuser": "on", "is_staff": "on", "groups": all_groups,
                         "user_permissions": some_perms}[grant]
                answer = onboarding.post(url, replace(fields, _save="Save", **{grant: value}))
                tally.tried(ESCALATION)
                after = Account.objects.get(pk=target.pk)
                gained = {"is_superuser": after.is_superuser and not target.is_superuser,
                          "is_staff": after.is_staff and not target.is_staff,
                          "groups": after.groups.count() > had_groups,
                          "user_permissions": after.user_permissions.count() > had_perms,
                          }[grant]
                if gained or answer.status_code >= 500:
                    tally.fail(ESCALATION, f"as onboarding: POST {url} with {grant}={value}",
                               f"{answer.status_code}; {target.username} gained {grant}" if gained
                               else f"{answer.status_code} {excerpt(answer.text)}")
    plain.delete()
    # Setting a superuser's password is taking the superuser over: not an onboarding specialist's to do.
    root, _ = Account.objects.get_or_create(username="probe-root", defaults={"is_superuser": True, "is_staff": True})
    url = f"/admin/integrations/user/{root.pk}/password/"
    fields = change_form(onboarding.get(url).text) or [("usable_password", "true")]
    new_password = "probe-takeover-4c1e"
    answer = onboarding.post(url, replace(fields, password1=new_password, password2=new_password))
    tally.tried(ESCALATION)
    if Account.objects.get(pk=root.pk).check_password(new_password) or answer.status_code >= 500:
        tally.fail(ESCALATION, f"as onboarding: POST {url} password1=password2={new_password} (a superuser)",
                   f"{answer.status_code}; the superuser's password is now the onboarder's choice")
    root.delete()


# --- class 5 -------------------------------------------------------------------------------------
def foreign_loyalty_credential():
    """A loyalty card and credential for High Desert too, so each company has one to be mapped to."""
    from integrations.models import Company, IntegrationCard, LoyaltyCredential

    company = Company.objects.get(name="High Desert Cannabis")
    card = IntegrationCard.objects.filter(company=company, kind="loyalty").first()
    if card is None:
        card = IntegrationCard(company=company, vendor="dutchie", kind="loyalty", age_compliance_confirmed=True,
                               api_endpoint="http://127.0.0.1:9/sandbox/dutchie/")
        card.save()
        LoyaltyCredential.objects.create(card=card, store_name="High Desert Santa Fe", state="NM",
                                         api_key="probe-high-desert-loyalty-key-5d1c")
    return card


def probe_mapping(users: dict[str, User], tally: Tally) -> None:
    from integrations.models import LoyaltyCredential, RetailStore

    for store in RetailStore.objects.order_by("pk"):
        foreign = LoyaltyCredential.objects.exclude(card__company_id=store.company_id)
        for credential in foreign:
            for username in ("onboarding", _company_user(store.company_id)):
                url = f"/admin/integrations/retailstore/{store.pk}/change/"
                with restored(RetailStore, store.pk):
                    fields = change_form(users[username].get(url).text)
                    answer = users[username].post(url, replace(fields, loyalty_credential=str(credential.pk),
                                                               _save="Save"))
                    tally.tried(MAPPING)
                    mapped = RetailStore.objects.get(pk=store.pk).loyalty_credential_id == credential.pk
                    _mapping_result(tally, f"as {username}: POST {url} loyalty_credential={credential.pk} "
                                    f"(of company {credential.card.company_id})", answer, mapped)
    # The add form and the API, with a credential of the other company.
    for username, company_id in (("onboarding", 2), ("desert-staff", 2), ("onboarding", 1), ("staff", 1)):
        credential = LoyaltyCredential.objects.exclude(card__company_id=company_id).first()
        name = f"Probe mapping store {username} {company_id}"
        user = users[username]
        fields = change_form(user.get("/admin/integrations/retailstore/add/").text)
        data = replace(fields, name=name, state="CO", timezone="America/Denver", location_type="recreational",
                       loyalty_credential=str(credential.pk), _save="Save",
                       company=str(company_id) if username == "onboarding" else None)
        answer = user.post("/admin/integrations/retailstore/add/", data)
        tally.tried(MAPPING)
        created = RetailStore.objects.filter(name=name).first()
        _mapping_result(tally, f"as {username}: POST /admin/integrations/retailstore/add/ loyalty_credential="
                        f"{credential.pk}", answer, bool(created and created.loyalty_credential_id == credential.pk))
        RetailStore.objects.filter(name=name).delete()
        body = {"name": name + " api", "state": "CO", "timezone": "America/Denver", "location_type": "recreational",
                "loyalty_credential": credential.pk, "company": company_id}
        answer = user.call("POST", "/api/v1/stores/", json=body)
        tally.tried(MAPPING)
        created = RetailStore.objects.filter(name=name + " api").first()
        _mapping_result(tally, f"as {username}: POST /api/v1/stores/ {body}", answer,
                        bool(created and created.loyalty_credential_id == credential.pk))
        RetailStore.objects.filter(name=name + " api").delete()


def _mapping_result(tally: Tally, request: str, answer, mapped: bool) -> None:
    if mapped:
        tally.fail(MAPPING, request, f"{answer.status_code}; the store is now mapped to that credential")
    elif answer.status_code >= 500:
        tally.fail(MAPPING, request, f"{answer.status_code} {excerpt(answer.text)}")


# --- class 6 -------------------------------------------------------------------------------------
SHAPES = [
    {"settings": {"area_ids": 5}},
    {"settings": {"category_mapping": ["Flower"]}},
    {"api_endpoint": "ftp://127.0.0.1/inventory"},
    {"credentials": {"room_ids": "abc"}},
    {"settings": {"synced_fields": "name"}},
]


def probe_types(users: dict[str, User], tally: Tally) -> None:
    from integrations.models import IntegrationCard

    onboarding = users["onboarding"]
    for card in IntegrationCard.objects.filter(kind="ecommerce").order_by("pk"):
        for shape in SHAPES:
            with restored(IntegrationCard, card.pk):
                url = f"/api/v1/cards/{card.pk}/"
                answer = onboarding.call("PATCH", url, json=shape)
                tally.tried(TYPES)
                request = f"as onboarding: PATCH {url} {shape}"
                if answer.status_code < 300 or answer.status_code >= 500:
                    tally.fail(TYPES, request, f"{answer.status_code} {excerpt(answer.text)}")
                # Does the card still load and test?
                checks = [("GET", f"/admin/integrations/integrationcard/{card.pk}/change/", onboarding.get),
                          ("GET", url, lambda u: onboarding.call("GET", u)),
                          ("POST", url + "test-connection/", lambda u: onboarding.call("POST", u))]
                for verb, check_url, send in checks:
                    after = send(check_url)
                    tally.tried(TYPES)
                    if after.status_code >= 500:
                        tally.fail(TYPES, f"{verb} {check_url} after {request}",
                                   f"{after.status_code} {excerpt(after.text)}")
