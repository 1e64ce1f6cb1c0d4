"""Issue 11, findings 8 and 9: safe production defaults.

Production mode passes `check --deploy --fail-level WARNING`, refuses the public development keys (as
does any site with DEBUG off), serves no sandbox unless asked, keeps the API docs for signed-in users,
and every page carries a Content-Security-Policy that the admin and the Swagger UI work under."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
# Real-looking keys for a production environment (never used for anything but these checks).
PROD_SECRET_KEY = "p7#Lq2!vZ9@xK4$mN8^rT1&wY6*bC3(dF5)gH0_jQ-uE+sA=oI~"
PROD_FERNET_KEY = "q2Yb0hm4jT1bVwz7n0yQ2GkqS5dYb8Wc1fA3r6tU9xE="
DEV_FERNET_KEY = settings.DEV_FIELD_ENCRYPTION_KEY
PRODUCTION = {"CANOPY_MODE": "production", "SECRET_KEY": PROD_SECRET_KEY, "FIELD_ENCRYPTION_KEY": PROD_FERNET_KEY,
              "ALLOWED_HOSTS": "canopy.example.com,testserver"}
# Variables of the developer's or CI's shell that would change what is being checked.
OURS = ("CANOPY_MODE", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DEBUG", "ALLOWED_HOSTS", "SANDBOX_ENABLED",
        "API_DOCS_PUBLIC", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "DJANGO_SETTINGS_MODULE")


def run(args: list[str], env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    # An empty SQLite file of its own: nothing here may touch a real database.
    full_env = {**clean, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod-check.sqlite3'}",
                "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=120)


def test_production_mode_passes_check_deploy_with_no_warnings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(("env", "refused"), [
    ({"DEBUG": "false"}, "SECRET_KEY"),
    ({"DEBUG": "false", "SECRET_KEY": PROD_SECRET_KEY}, "FIELD_ENCRYPTION_KEY"),
    ({"CANOPY_MODE": "production", "SECRET_KEY": PROD_SECRET_KEY}, "FIELD_ENCRYPTION_KEY"),
    ({"CANOPY_MODE": "production", "FIELD_ENCRYPTION_KEY": PROD_FERNET_KEY}, "SECRET_KEY"),
    ({"CANOPY_MODE": "production", "SECRET_KEY": PROD_SECRET_KEY,
      "FIELD_ENCRYPTION_KEY": f"{PROD_FERNET_KEY},{DEV_FERNET_KEY}"}, "FIELD_ENCRYPTION_KEY"),
], ids=["debug-off-dev-secret", "debug-off-dev-fernet", "production-dev-fernet", "production-dev-secret",
        "production-dev-fernet-among-keys"])
def test_development_keys_are_refused_whenever_debug_is_off(tmp_path, env, refused):
    result = run(["manage.py", "check"], env, tmp_path)
    assert result.returncode != 0
    assert f"needs its own {refused}" in result.stderr


def test_debug_off_with_own_keys_starts(tmp_path):
    env = {"DEBUG": "false", "SECRET_KEY": PROD_SECRET_KEY, "FIELD_ENCRYPTION_KEY": PROD_FERNET_KEY}
    result = run(["manage.py", "check"], env, tmp_path)
    assert result.returncode == 0, result.stderr


# What an anonymous visitor gets from a production site, asked from inside one (Django's test client,
# over "HTTPS" as nginx reports it). No request here reaches the database.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_X_FORWARDED_PROTO="https")
out = {"sandbox_enabled": settings.SANDBOX_ENABLED, "docs_public": settings.API_DOCS_PUBLIC}
for path in ("/sandbox/flowhub/health", "/sandbox/dutchie/products", "/api/schema/", "/api/docs/"):
    response = client.get(path)
    out[path] = [response.status_code, response.get("Location", "")]
response = client.get("/admin/login/")
out["headers"] = {name: response.get(name, "") for name in (
    "Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options")}
out["cookies_secure"] = [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]
plain = Client().get("/admin/login/")
out["plain_http"] = [plain.status_code, plain.get("Location", "")]
out["health_over_http"] = Client().get("/health/").status_code
print(json.dumps(out))
"""


def probe(env: dict, tmp_path: Path) -> dict:
    result = run(["-c", PROBE], env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_mode_serves_no_sandbox_and_docs_need_a_login(tmp_path):
    seen = probe(PRODUCTION, tmp_path)
    assert seen["sandbox_enabled"] is False and seen["docs_public"] is False
    assert seen["/sandbox/flowhub/health"][0] == 404
    assert seen["/sandbox/dutchie/products"][0] == 404
    assert seen["/api/schema/"][0] in (401, 403)
    assert seen["/api/docs/"][0] == 302 and seen["/api/docs/"][1].startswith("/admin/login/?next=/api/docs/")
    assert "max-age=31536000" in seen["headers"]["Strict-Transport-Security"]
    assert "default-src 'self'" in seen["headers"]["Content-Security-Policy"]
    assert seen["headers"]["X-Frame-Options"] == "DENY"
    assert seen["cookies_secure"] == [True, True]
    assert seen["plain_http"] == [301, "https://testserver/admin/login/"]
    assert seen["health_over_http"] != 301  # a load balancer's plain probe is answered, not redirected


def test_production_operator_may_turn_the_sandbox_on(tmp_path):
    seen = probe({**PRODUCTION, "SANDBOX_ENABLED": "true"}, tmp_path)
    assert seen["sandbox_enabled"] is True
    assert seen["/sandbox/flowhub/health"][0] != 404


def test_development_serves_sandbox_and_open_docs():
    assert settings.SANDBOX_ENABLED is True
    assert settings.API_DOCS_PUBLIC is True


@pytest.mark.django_db
@override_settings(API_DOCS_PUBLIC=False)
def test_docs_and_schema_for_signed_in_users_only(client, api_client_for, staff_a):
    assert client.get("/api/schema/?format=json").status_code in (401, 403)
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert api_client_for(staff_a).get("/api/schema/?format=json").status_code == 200
    client.force_login(staff_a)
    assert client.get("/api/schema/?format=json").status_code == 200
    assert client.get("/api/docs/").status_code == 200


# --- Content-Security-Policy -------------------------------------------------------------------
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.I)


def assert_csp_clean(response, url: str) -> None:
    """The page carries the policy and has nothing the policy would block: no inline script, style
    block, style attribute or on...= handler."""
    assert response.status_code == 200, (url, response.status_code)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.content.decode()
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER):
        found = pattern.search(html)
        assert found is None, f"{url}: {html[max(0, found.start() - 80):found.end() + 120]}"


@pytest.mark.django_db
def test_pages_have_nothing_the_policy_blocks(client, specialist, manager_a, store_a):
    from catalog.models import Product, ReviewItem
    from integrations.models import IntegrationCard

    card = IntegrationCard.objects.create(company=store_a.company, store=store_a, vendor="flowhub", enabled=False)
    product = Product.objects.create(store=store_a, card=card, pos_product_id="1", product_name="Blue Dream",
                                     flags=["price missing"], raw={"name": "Blue Dream"})
    item = ReviewItem.objects.create(store=store_a, kind="duplicate_sku", key="SKU-1", message="Two records",
                                     raw=[{"sku": "SKU-1"}])
    assert_csp_clean(client.get("/admin/login/"), "/admin/login/")
    client.force_login(specialist)
    for url in ("/admin/", "/admin/integrations/integrationcard/",
                f"/admin/integrations/integrationcard/{card.pk}/change/", "/admin/integrations/integrationcard/add/",
                "/admin/integrations/retailstore/add/",
                f"/admin/integrations/retailstore/{store_a.pk}/change/", "/admin/integrations/user/add/",
                "/admin/catalog/product/", f"/admin/catalog/product/{product.pk}/change/",
                "/admin/catalog/reviewitem/", f"/admin/catalog/reviewitem/{item.pk}/change/",
                "/admin/catalog/storefrontkey/add/", "/admin/integrations/syncrun/",
                "/admin/sandbox/sandboxlocation/create/", "/api/docs/"):
        assert_csp_clean(client.get(url), url)
    client.force_login(manager_a)
    assert_csp_clean(client.get("/admin/catalog/product/"), "/admin/catalog/product/ (manager)")
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
