"""Demo data, settings defaults, the admin shell and the API skeleton."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from integrations.models import Company, RetailStore, User

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_demo_data_loads_twice_without_duplicates():
    call_command("load_demo", stdout=open(os.devnull, "w"))
    counts = (Company.objects.count(), RetailStore.objects.count(), User.objects.count())
    call_command("load_demo", stdout=open(os.devnull, "w"))
    assert (Company.objects.count(), RetailStore.objects.count(), User.objects.count()) == counts
    assert counts == (2, 3, 4)
    staff = User.objects.get(username="staff")
    assert staff.groups.get().name == "Dispensary Staff"
    assert staff.check_password("canopy-demo")


def test_settings_defaults_are_safe_for_development():
    assert settings.CANOPY_MODE == "development"
    assert settings.AUTH_USER_MODEL == "integrations.User"
    if not os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    if not os.environ.get("REDIS_URL"):
        assert settings.Q_CLUSTER["orm"] == "default"
    assert settings.SMS_BACKEND == "console"
    assert settings.EMAIL_CONFIG["EMAIL_BACKEND"].endswith("console.EmailBackend")


def _settings_in_subprocess(env: dict) -> subprocess.CompletedProcess:
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); " \
           "from django.conf import settings as s; print(s.Q_CLUSTER.get('redis') or 'orm', " \
           "s.DATABASES['default']['ENGINE'])"
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CANOPY_MODE")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def test_production_mode_refuses_the_development_secret_key():
    result = _settings_in_subprocess({"CANOPY_MODE": "production"})
    assert result.returncode != 0
    assert "needs its own SECRET_KEY" in result.stderr


def test_production_mode_starts_with_real_keys():
    result = _settings_in_subprocess({
        "CANOPY_MODE": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "canopy.example",
        "FIELD_ENCRYPTION_KEY": "q2Yb0hm4jT1bVwz7n0yQ2GkqS5dYb8Wc1fA3r6tU9xE=",
    })
    assert result.returncode == 0, result.stderr


def test_redis_url_and_database_url_switch_broker_and_database():
    result = _settings_in_subprocess({
        "REDIS_URL": "redis://127.0.0.1:6379/3", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
    })
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/3", "django.db.backends.postgresql"]


@pytest.mark.django_db
def test_admin_is_titled_canopy_with_document_sections(client, staff_a, store_a):
    client.force_login(staff_a)
    page = client.get("/admin/").content.decode()
    assert "<title>" in page and "Canopy" in page
    assert "Company Account" in page
    assert "Retail stores" in page


@pytest.mark.django_db
def test_login_page_is_served(client):
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert "Log in" in response.content.decode()


@pytest.mark.django_db
def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/token/" in paths
    assert "/api/v1/stores/" in paths and "post" in paths["/api/v1/stores/"]
    assert client.get("/api/docs/").status_code == 200
