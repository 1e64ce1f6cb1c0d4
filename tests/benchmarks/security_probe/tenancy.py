"""Classes 1 and 2: another company's objects through every admin and API URL, and stored secrets on
every page and answer that shows a card."""
import html
import re
from concurrent.futures import ThreadPoolExecutor

from .harness import LOGINS, Tally, User, excerpt, secret_shown

TENANCY = "1. Tenant isolation"
SECRETS = "2. Secrets rendered"
VENDORS = ("dutchie", "alleaves", "flowhub")
WORKERS = 8
CONTROLS_PER_MODEL = 5


def _other_lookup(path: str | None, company_id: int):
    """Keyword arguments selecting the rows NOT owned by `company_id` (platform rows count as not owned)."""
    return {f"{path}__pk" if path else "pk": company_id}


def markers(company_id: int) -> list[str]:
    """Text that only a page showing this company's data contains: its name and its stores' names."""
    from integrations.models import Company, RetailStore

    company = Company.objects.get(pk=company_id)
    return [company.name] + list(RetailStore.objects.filter(company=company).values_list("name", flat=True))


def other_markers(company_id: int) -> list[str]:
    from integrations.models import Company

    found = []
    for other in Company.objects.exclude(pk=company_id):
        found += markers(other.pk)
    return [html.escape(m) for m in found] + found


def _admin_models(onboarding: User) -> list[tuple[str, str]]:
    """(app_label, model_name) of every model the admin index links to (as onboarding, who sees most)."""
    page = onboarding.get("/admin/").text
    return sorted(set(re.findall(r'href="/admin/(\w+)/(\w+)/"', page)))


def _ownership(model_admin):
    """The lookup from a model to its company; None when the model is platform data (no company)."""
    from integrations.admin_mixins import CompanyScopedAdmin

    if isinstance(model_admin, CompanyScopedAdmin):
        return model_admin.company_path
    if model_admin.model._meta.label == "authtoken.TokenProxy":
        return "user__company"
    return None


def admin_urls(app_label: str, model_name: str, company_id: int):
    """(method, url, object) of every URL of one admin model for objects not of `company_id`."""
    from django.apps import apps
    from django.contrib import admin

    from integrations.models import RetailStore

    model = apps.get_model(app_label, model_name)
    model_admin = admin.site._registry[model]
    path = _ownership(model_admin)
    if path is None:
        others = model._default_manager.all()
    else:
        others = model._default_manager.exclude(**_other_lookup(path, company_id))
    other_ids = list(others.values_list("pk", flat=True))
    base = f"/admin/{app_label}/{model_name}/"
    for pattern in model_admin.get_urls():
        route = str(pattern.pattern)
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        fill = lambda values: re.sub(r"<[^>]+>", lambda m, it=iter(values): str(next(it)), route)  # noqa: E731
        if not params:
            yield "PAGE", base + route, None
            continue
        if params in (["object_id"], ["pk"], ["id"]):
            for obj in others:
                url = base + fill([obj.pk])
                yield "GET", url, obj
                if not re.search(r"(change|history|delete|password)/$|^<[^>]+>/?$", route):
                    yield "POST", url, obj
        elif params == ["store_pk", "vendor"]:
            for store in RetailStore.objects.exclude(company_id=company_id):
                for vendor in VENDORS:
                    yield "GET", base + fill([store.pk, vendor]), store
    # The list itself, page by page, must hold none of them.
    pages = max(1, -(-len(other_ids) // max(1, model_admin.list_per_page)))
    for page in range(1, pages + 1):
        yield "LIST", f"{base}?p={page}" if page > 1 else base, other_ids


def probe_tenancy(users: dict[str, User], tally: Tally) -> None:
    from django.urls import resolve

    from catalog.models import StorefrontKey
    from catalog.services import create_storefront_key
    from integrations.models import IntegrationCard, RetailStore

    onboarding = users["onboarding"]
    models = _admin_models(onboarding)
    schema = onboarding.call("GET", "/api/schema/?format=json").json()
    jobs = []
    for username in LOGINS:
        user = users[username]
        company_id = _company_of(username)
        if company_id is None:
            continue  # onboarding specialists see every company by design
        foreign = other_markers(company_id)
        jobs.append((user, "PAGE", "/admin/", None, foreign))
        for app_label, model_name in models:
            for method, url, obj in admin_urls(app_label, model_name, company_id):
                jobs.append((user, method, url, obj, foreign))
        for card in IntegrationCard.objects.exclude(company_id=company_id):
            jobs.append((user, "POST-FORM", "/admin/integrations/syncrun/start/",
                         {"card": card.pk, "stream": "inventory", "dry_run": "1"}, foreign))
        for path, operations in schema["paths"].items():
            params = re.findall(r"{(\w+)}", path)
            match = resolve(re.sub(r"{\w+}", "1", path))
            view = getattr(match.func, "cls", None)
            model = getattr(getattr(view, "queryset", None), "model", None)
            if params and params[0] != "id":
                model = {"store_id": RetailStore, "card_id": IntegrationCard}.get(params[0], model)
            company_path = getattr(view, "company_path", "company") if model is not RetailStore else "company"
            if model is None:
                continue
            others = model._default_manager.exclude(**_other_lookup(company_path, company_id))
            for method in operations:
                if method not in ("get", "post", "patch", "put", "delete"):
                    continue
                if not params and method == "get":
                    jobs.append((user, "API-LIST", path, set(others.values_list("pk", flat=True)), foreign))
                elif params:
                    for obj in others:
                        jobs.append((user, f"API-{method.upper()}", path.replace("{" + params[0] + "}", str(obj.pk)),
                                     obj, foreign))
    # Storefront keys: each store's key reads its own menu and no other store's.
    keys = {}
    for store in RetailStore.objects.all():
        StorefrontKey.objects.filter(store=store, name="probe").delete()
        keys[store.pk] = create_storefront_key(store, "probe")[1]
    stores = list(RetailStore.objects.all())
    for store in stores:
        for other in stores:
            if other.pk != store.pk:
                jobs.append((onboarding, "KEY-GET", f"/api/v1/stores/{other.pk}/menu", keys[store.pk],
                             markers(other.company_id)))
    with ThreadPoolExecutor(WORKERS) as pool:
        for result in pool.map(lambda job: _run(*job), jobs):
            tally.tried(TENANCY)
            if result:
                tally.fail(TENANCY, *result)
        # Control: the same object pages open for onboarding, so the URLs probed above are real ones.
        pages = sorted({job[2] for job in jobs if job[1] == "GET" and job[2].endswith("/change/")})
        per_model: dict[str, list[str]] = {}
        for page in pages:
            per_model.setdefault(page.rsplit("/", 3)[0], []).append(page)
        controls = [page for group in per_model.values() for page in group[:CONTROLS_PER_MODEL]]
        shown = sum(1 for answer in pool.map(onboarding.get, controls) if answer.status_code == 200)
    tally.notes[TENANCY] = f"control: {shown} of {len(controls)} object pages open for onboarding"


def _company_of(username: str) -> int | None:
    from integrations.models import User as Account

    return Account.objects.get(username=username).company_id


def _run(user: User, method: str, url: str, obj, foreign: list[str]):
    """One request; returns (request, answer) when it leaked another company's data, else None."""
    who = f"as {user.username}: "
    if method == "GET":
        answer = user.get(url)
        if answer.status_code == 200:
            return who + f"GET {url}", f"{answer.status_code} {_shown(answer.text, obj, foreign)}"
    elif method == "POST":
        answer = user.post(url, {})
        if 200 <= answer.status_code < 300:
            return who + f"POST {url}", f"{answer.status_code} {excerpt(answer.text)}"
    elif method == "POST-FORM":
        answer = user.post(url, obj)
        if 200 <= answer.status_code < 300:
            return who + f"POST {url} {obj}", f"{answer.status_code} {excerpt(answer.text)}"
    elif method == "PAGE":
        answer = user.get(url)
        shown = [m for m in foreign if m in answer.text] if answer.status_code == 200 else []
        if shown:
            return who + f"GET {url}", f"{answer.status_code} shows {shown[:3]}"
    elif method == "LIST":
        answer = user.get(url)
        leaked = [i for i in obj if re.search(rf'/{i}/change/"', answer.text)] if answer.status_code == 200 else []
        shown = [m for m in foreign if m in answer.text] if answer.status_code == 200 else []
        if leaked or shown:
            return who + f"GET {url}", f"{answer.status_code} links to ids {leaked[:10]}; shows {shown[:3]}"
    elif method == "API-LIST":
        leaked, shown, page = set(), [], url
        while page:
            answer = user.call("GET", page if page.startswith("http") else page)
            if answer.status_code != 200:
                break
            body = answer.json()
            rows = body.get("results", body) if isinstance(body, dict) else body
            leaked |= {row.get("id") for row in rows if isinstance(row, dict)} & obj
            shown += [m for m in foreign if m in answer.text]
            page = body.get("next") if isinstance(body, dict) else None
            page = page and page.replace(user.app.base, "")
        if leaked or shown:
            return who + f"GET {url}", f"lists ids {sorted(leaked)[:10]}; shows {shown[:3]}"
    elif method == "KEY-GET":
        answer = user.api.get(user.app.base + url, headers={"Authorization": "", "X-Storefront-Key": obj},
                              timeout=60)
        if answer.status_code == 200:
            return f"with another store's storefront key: GET {url}", f"200 {excerpt(answer.text)}"
    elif method.startswith("API-"):
        verb = method[4:]
        body = {"stream": "inventory", "dry_run": True} if url.endswith("/sync/") else {}
        answer = user.call(verb, url, json=body) if verb != "GET" else user.call("GET", url)
        if 200 <= answer.status_code < 300:
            return who + f"{verb} {url}", f"{answer.status_code} {excerpt(answer.text)}"
    return None


def _shown(text: str, obj, foreign: list[str]) -> str:
    name = html.escape(str(obj)) if obj is not None else ""
    shown = [m for m in foreign if m in text] + ([f"its name {str(obj)!r}"] if name and name in text else [])
    return f"shows {shown[:3]}" if shown else excerpt(text, 160)


# --- class 2 -------------------------------------------------------------------------------------
def stored_secrets() -> dict[str, str]:
    """Every stored secret, read from the database: label -> value."""
    from integrations.models import IntegrationCard, LoyaltyCredential
    from integrations.pos.registry import SECRET_FIELDS

    found = {}
    for card in IntegrationCard.objects.all():
        for name in SECRET_FIELDS:
            value = getattr(card, name, "") or ""
            if value:
                found[f"card {card.pk} {name}"] = value
    for credential in LoyaltyCredential.objects.all():
        if credential.api_key:
            found[f"loyalty credential {credential.pk} api_key"] = credential.api_key
    return found


def probe_secrets(users: dict[str, User], tally: Tally) -> None:
    from integrations.models import IntegrationCard, RetailStore

    secrets = stored_secrets()
    pages = ["/admin/integrations/integrationcard/", "/api/v1/cards/"]
    for card in IntegrationCard.objects.all():
        pages += [f"/admin/integrations/integrationcard/{card.pk}/change/",
                  f"/admin/integrations/integrationcard/{card.pk}/history/",
                  f"/admin/integrations/integrationcard/{card.pk}/rooms/", f"/api/v1/cards/{card.pk}/"]
    pages += [f"/admin/integrations/retailstore/{store.pk}/change/" for store in RetailStore.objects.all()]
    jobs = [(users[name], page) for name in LOGINS for page in pages]

    def fetch(job):
        user, page = job
        answer = user.call("GET", page) if page.startswith("/api/") else user.get(page)
        return user.username, page, answer

    answered = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        for username, page, answer in pool.map(fetch, jobs):
            tally.tried(SECRETS)
            answered += answer.status_code == 200
            text = answer.text
            shown = [label for label, value in secrets.items() if secret_shown(text, value)]
            if shown:
                tally.fail(SECRETS, f"as {username}: GET {page}", f"{answer.status_code}; shows {', '.join(shown)}")
    tally.notes[SECRETS] = f"{len(secrets)} stored secrets looked for; {answered} answers were 200"
