"""Canopy settings.

Every value comes from the environment (django-environ) and every one is optional: with nothing set,
Canopy runs for development on SQLite with django-q2's ORM broker. `CANOPY_MODE=production` refuses
to start with the development SECRET_KEY or encryption key.
"""
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is convenient in development; the environment always wins over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "django-insecure-canopy-development-only"
# Fernet key for credentials at rest in development only (base64 of 32 bytes).
DEV_FIELD_ENCRYPTION_KEY = "Y2Fub3B5LWRldmVsb3BtZW50LW9ubHkta2V5LTAwMDA="

CANOPY_MODE = env("CANOPY_MODE", default="development")
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=CANOPY_MODE != "production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Several keys, newest first: new values are encrypted with the first, old ones still decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[DEV_FIELD_ENCRYPTION_KEY])

if CANOPY_MODE == "production":
    if SECRET_KEY == DEV_SECRET_KEY:
        raise ImproperlyConfigured("CANOPY_MODE=production needs its own SECRET_KEY in the environment.")
    if DEV_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "CANOPY_MODE=production needs its own FIELD_ENCRYPTION_KEY "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        )

INSTALLED_APPS = [
    "config.apps.CanopyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_q",
    "integrations",
    "integrations.sandbox",
    "catalog",
    "orders",
    "loyalty",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Test databases are per test process, so two suites (SQLite and PostgreSQL, or two developers'
# runs) never drop each other's database.
_TEST_SUFFIX = env("TEST_DB_SUFFIX", default=str(os.getpid()))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test database is a file, so a qcluster subprocess started by a test sees the same rows.
    (BASE_DIR / ".test-db").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db" / f"test-{_TEST_SUFFIX}.sqlite3")}
    # Several processes (web, qcluster) write to one file in development: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_TEST_SUFFIX}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "integrations.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# The SMS carrier (loyalty 2FA codes, L8, L13). "console" prints messages; a real carrier is a dotted path.
SMS_BACKEND = env("SMS_BACKEND", default="console")

# A running sync writes a heartbeat every page; one silent this long lost its worker (seconds).
SYNC_STALE_AFTER_SECONDS = env.int("SYNC_STALE_AFTER_SECONDS", default=600)

# A sync run keeps at most this many notable records (SyncRunEntry) of each status (created, updated,
# zeroed, flagged, failed): enough to read, never a row per product of a large catalogue (the run's
# counts carry the totals).
SYNC_ENTRIES_PER_STATUS = env.int("SYNC_ENTRIES_PER_STATUS", default=500)

# Test Connection waits this long for the POS before saying it is too slow (seconds).
POS_TEST_CONNECTION_TIMEOUT = env.float("POS_TEST_CONNECTION_TIMEOUT", default=15.0)
# Where credentials may be sent (integrations/endpoints.py): strict in production, any http(s) in development.
POS_ENDPOINTS_STRICT = env.bool("POS_ENDPOINTS_STRICT", default=CANOPY_MODE == "production")
POS_ENDPOINT_ALLOWLIST = env.list("POS_ENDPOINT_ALLOWLIST", default=[])

# The sandbox POS (X1) lets a store try every card before its real keys arrive; an operator may turn
# it off on a deployment that never onboards.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=True)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "integrations.api.permissions.CompanyModelPermissions",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Canopy API",
    "DESCRIPTION": "Cards, stores, menus and sync runs for dispensaries' POS integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: the docs page must work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

REDIS_URL = env("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "canopy",
    "workers": env.int("Q_WORKERS", default=2),
    # A sync of a large catalogue can take minutes; retry must exceed timeout or a task runs twice.
    "timeout": env.int("Q_TIMEOUT", default=1800),
    "retry": env.int("Q_RETRY", default=1860),
    "max_attempts": 1,
    "save_limit": 500,
    "catch_up": False,
    "label": "Task queue",
    # django-q2 reads this key whenever Q_CLUSTER_NAME is set (dedicated queues per host).
    "ALT_CLUSTERS": {},
}
if REDIS_URL:
    # Any number of qcluster processes on any number of hosts share one Redis queue.
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
