"""Canopy settings.

Every value comes from the environment (django-environ) and every one is optional: with nothing set,
Canopy runs for development on SQLite with django-q2's ORM broker. With DEBUG off (as
`CANOPY_MODE=production` makes it) Canopy refuses to start with the development SECRET_KEY or
encryption key.
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

# The development keys are public (they are in this file): any site with DEBUG off, whatever its
# CANOPY_MODE, is taken to be reachable by others and must have its own.
if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            "DEBUG is off (CANOPY_MODE=production, or DEBUG=false), so Canopy needs its own SECRET_KEY in the "
            "environment: the development key is public."
        )
    if DEV_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "DEBUG is off (CANOPY_MODE=production, or DEBUG=false), so Canopy needs its own FIELD_ENCRYPTION_KEY: "
            "the development key is public. Make one with "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
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
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_TEST_SUFFIX}"}

# --- The embedded database: SQLite for a web app with background workers (issue 10) -----------------
# The web server's threads, the qcluster's workers and the sandbox POS all use the database at once.
SQLITE_OPTIONS = {
    # WAL: a read in progress never blocks a writer, and a writer never fails a reader. NORMAL is safe
    # in WAL mode (a power cut may lose the last commits, never corrupt the file) and spares an fsync
    # per commit.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    # A transaction takes the write lock when it begins (BEGIN IMMEDIATE), so it waits its turn then;
    # a deferred one that reads first cannot wait for the lock when it later writes, and fails with
    # "database is locked" at once.
    "transaction_mode": "IMMEDIATE",
    # How long a write waits for another to commit (seconds). Writes are short (a sync commits page by
    # page), so reaching it means something is wrong.
    "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=30),
}
# The sandbox POS (X1) gets a database of its own, as a real POS would: serving a simulated POS never
# contends with the app's own writes. On SQLite it is a file beside the app's (db.sqlite3 ->
# db-sandbox.sqlite3, and test-<n>.sqlite3 -> test-<n>-sandbox.sqlite3). On PostgreSQL it shares the
# app's database: row locks never block readers there, so the sandbox cannot lock the app out.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":

    def _beside(name: str) -> str:
        path = Path(name)
        return str(path.with_name(f"{path.stem}-sandbox{path.suffix}"))

    DATABASES["sandbox"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": _beside(DATABASES["default"]["NAME"]),
                            "TEST": {"NAME": _beside(DATABASES["default"]["TEST"]["NAME"])}}
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        _db["OPTIONS"] = {**SQLITE_OPTIONS, **_db.get("OPTIONS", {})}
DATABASE_ROUTERS = ["integrations.sandbox.router.SandboxRouter"]
# --- end of the embedded database ------------------------------------------------------------------

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

# A running sync writes a heartbeat every SYNC_HEARTBEAT_SECONDS; one silent for SYNC_STALE_AFTER_SECONDS
# lost its worker and is failed (by the dispatcher each minute, or when someone looks: within 2 minutes).
SYNC_HEARTBEAT_SECONDS = env.float("SYNC_HEARTBEAT_SECONDS", default=15.0)
SYNC_STALE_AFTER_SECONDS = env.int("SYNC_STALE_AFTER_SECONDS", default=60)

# A sync run keeps at most this many notable records (SyncRunEntry) of each status (created, updated,
# zeroed, flagged, failed): enough to read, never a row per product of a large catalogue (the run's
# counts carry the totals).
SYNC_ENTRIES_PER_STATUS = env.int("SYNC_ENTRIES_PER_STATUS", default=500)

# Test Connection waits this long for the POS before saying it is too slow (seconds).
POS_TEST_CONNECTION_TIMEOUT = env.float("POS_TEST_CONNECTION_TIMEOUT", default=15.0)
# Where credentials may be sent (integrations/endpoints.py): strict in production, any http(s) in development.
POS_ENDPOINTS_STRICT = env.bool("POS_ENDPOINTS_STRICT", default=CANOPY_MODE == "production")
POS_ENDPOINT_ALLOWLIST = env.list("POS_ENDPOINT_ALLOWLIST", default=[])

# The sandbox POS (X1) lets a store try every card before its real keys arrive. Off by default in
# production mode (its locations answer with made-up data to anyone holding a sandbox key); an
# operator who onboards stores there turns it on.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=CANOPY_MODE != "production")

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


# === Security (issue 11): login throttling, HTTPS, Content-Security-Policy, request limits ===========
# Kept in one block: everything a deployment's security review needs to read is here.
INSTALLED_APPS += ["axes", "csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.clickjacking.XFrameOptionsMiddleware") + 1,
                  "csp.middleware.CSPMiddleware")
MIDDLEWARE += [
    # A request nested too deeply for a parser is a 400 that says so, never a 500.
    "integrations.jsonlimits.DepthGuardMiddleware",
    # Last, as django-axes requires: turns a lockout into the lockout page (or JSON for the API).
    "axes.middleware.AxesMiddleware",
]

# Sign-in throttling (django-axes) for /admin/login/ and /api/v1/auth/token/: after AXES_FAILURE_LIMIT
# wrong passwords for one username from one address, that pair is refused, right password or not,
# until the cool-off passes or `manage.py axes_reset` clears it. Keyed by username and address
# together, so one attacker cannot lock everybody out, nor a busy office lock out one person.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # axes reads hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "integrations.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "integrations.lockout.client_ip"
# Proxies in front of Canopy that append the caller's address to X-Forwarded-For (nginx: 1). With 0 the
# socket's address counts; a client-sent X-Forwarded-For is never trusted beyond these hops.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# The API's JSON parser refuses documents nested too deeply (400 instead of a RecursionError).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "integrations.jsonlimits.DepthLimitedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]

# The interactive API docs and the schema: open in development, signed-in users only in production.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=CANOPY_MODE != "production")

# Content-Security-Policy (django-csp): scripts and styles from our own static files only (the admin,
# our Sync/Test Connection scripts and the Swagger UI from drf-spectacular-sidecar are all files);
# no inline script, no eval, no framing, nothing loaded from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Swagger UI draws its icons as data: images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

if not DEBUG:
    # HTTPS only: nginx terminates TLS and says so with X-Forwarded-Proto (docs/DEPLOYMENT.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer's plain-HTTP health probe is answered, not redirected.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# === end of the security block ======================================================================
