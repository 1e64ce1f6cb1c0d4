"""Classes 8 and 9: login throttling, and production mode (deployment checks, the sandbox and the API
docs on a server started with CANOPY_MODE=production)."""
import base64
import re
import secrets

import requests

from .harness import App, Tally, admin_login, excerpt, free_port

THROTTLE = "8. Login throttling"
PRODUCTION = "9. Production mode"
WRONG_TRIES = 25


def probe_throttling(app: App, tally: Tally) -> None:
    """25 wrong passwords, then the right one: it must not succeed at once (on accounts made for this)."""
    from django.contrib.auth.models import Group

    from integrations.models import User as Account

    password = "probe-" + secrets.token_hex(8)
    for username in ("probe-lockout-admin", "probe-lockout-api"):
        account, _ = Account.objects.get_or_create(username=username, defaults={"company_id": 1, "is_staff": True})
        account.set_password(password)
        account.save()
        account.groups.set([Group.objects.get(name="Dispensary Staff")])
    # One after the other: two threads of failed sign-ins make SQLite answer "database is locked" (500) while
    # the lockout handler records the attempts, which is a property of the development database.
    session = requests.Session()
    for _ in range(WRONG_TRIES):
        admin_login(session, app.base, "probe-lockout-admin", "wrong-password")
        tally.tried(THROTTLE)
    session = requests.Session()
    signed_in = admin_login(session, app.base, "probe-lockout-admin", password)
    tally.tried(THROTTLE)
    if signed_in:
        tally.fail(THROTTLE, f"{WRONG_TRIES} wrong passwords for probe-lockout-admin on POST /admin/login/, "
                   "then the right one", "302 to /admin/: signed in at once")
    _token_view(app, tally, password)


def _token_view(app: App, tally: Tally, password: str) -> None:
    answers = []
    for _ in range(WRONG_TRIES):
        answers.append(requests.post(app.base + "/api/v1/auth/token/", timeout=30,
                                     data={"username": "probe-lockout-api", "password": "wrong-password"}))
        tally.tried(THROTTLE)
    right = requests.post(app.base + "/api/v1/auth/token/", timeout=30,
                          data={"username": "probe-lockout-api", "password": password})
    tally.tried(THROTTLE)
    if right.status_code == 200 and "token" in right.text:
        tally.fail(THROTTLE, f"{WRONG_TRIES} wrong passwords for probe-lockout-api on POST /api/v1/auth/token/, "
                   "then the right one", f"200 {excerpt(right.text, 80)}: a token at once")
    for answer in answers:
        if answer.status_code >= 500:
            tally.fail(THROTTLE, "a wrong password for probe-lockout-api on POST /api/v1/auth/token/",
                       f"{answer.status_code} {excerpt(answer.text)}")
    statuses = sorted({a.status_code for a in answers})
    refused = "" if right.status_code == 200 else f" {excerpt(right.text, 120)}"
    tally.notes[THROTTLE] = (f"token view: wrong passwords answered {statuses}, the right one "
                             f"{right.status_code}{refused}")


def production_env() -> dict:
    from cryptography.fernet import Fernet

    return {"CANOPY_MODE": "production", "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode()}


def probe_production(app: App, tally: Tally) -> None:
    from integrations.sandbox.models import SandboxLocation

    production = production_env()
    done = app.manage("check", "--deploy", "--fail-level", "WARNING", **production)
    tally.tried(PRODUCTION)
    output = done.stdout + done.stderr
    issues = re.findall(r"^\?: \((\S+)\)|^\S+: \((\S+)\)", output, re.M)
    codes = [a or b for a, b in issues]
    if done.returncode or codes:
        tally.fail(PRODUCTION, "CANOPY_MODE=production manage.py check --deploy --fail-level WARNING",
                   f"exit {done.returncode}; " + (", ".join(codes) or excerpt(output)))
    # The development keys must be refused whenever DEBUG is off, whatever CANOPY_MODE says.
    for label, extra in (("DEBUG=False with the development keys", {"DEBUG": "False"}),
                         ("DEBUG=False with the development FIELD_ENCRYPTION_KEY",
                          {"DEBUG": "False", "SECRET_KEY": production["SECRET_KEY"]}),
                         ("DEBUG=False with the development SECRET_KEY",
                          {"DEBUG": "False", "FIELD_ENCRYPTION_KEY": production["FIELD_ENCRYPTION_KEY"]})):
        done = app.manage("check", **extra)
        tally.tried(PRODUCTION)
        if done.returncode == 0:
            tally.fail(PRODUCTION, f"manage.py check with {label}", "exit 0: accepted")
    # A server in production mode: no sandbox, no anonymous API docs, a Content-Security-Policy.
    port = free_port()
    base = app.serve(port, "server-production.log", **production)
    https = {"X-Forwarded-Proto": "https"}
    dutchie = SandboxLocation.objects.filter(vendor="dutchie").first()
    basic = "Basic " + base64.b64encode(f"{dutchie.api_key}:".encode()).decode()
    checks = [("GET /sandbox/flowhub/health (anonymous)", "/sandbox/flowhub/health", {}),
              ("GET /sandbox/dutchie/products with a sandbox key", "/sandbox/dutchie/products",
               {"Authorization": basic}),
              ("GET /api/docs/ (anonymous)", "/api/docs/", {}),
              ("GET /api/schema/ (anonymous)", "/api/schema/", {})]
    for label, path, headers in checks:
        answer = requests.get(base + path, headers={**https, **headers}, allow_redirects=False, timeout=30)
        tally.tried(PRODUCTION)
        if answer.status_code == 200:
            tally.fail(PRODUCTION, f"CANOPY_MODE=production: {label}", f"200 {excerpt(answer.text, 120)}")
    answer = requests.get(base + "/admin/login/", headers=https, allow_redirects=False, timeout=30)
    tally.tried(PRODUCTION)
    if "Content-Security-Policy" not in answer.headers:
        tally.fail(PRODUCTION, "CANOPY_MODE=production: GET /admin/login/",
                   f"{answer.status_code} with no Content-Security-Policy header")
    answer = requests.get(base + "/admin/login/", allow_redirects=False, timeout=30)
    tally.tried(PRODUCTION)
    if answer.status_code == 200:
        tally.fail(PRODUCTION, "CANOPY_MODE=production: GET /admin/login/ over plain http",
                   "200: no redirect to https")
