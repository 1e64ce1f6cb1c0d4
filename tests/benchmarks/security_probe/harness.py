"""What every probe class shares: the app under test (a scratch SQLite file, migrated, with the demo
data, served by `manage.py runserver` on a free port), logged-in HTTP sessions per demo login, an HTML
form reader, a local listener that records what reaches it, and the tally of requests and failures."""
import base64
import html
import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "canopy-demo"
LOGINS = ["staff", "manager", "onboarding", "desert-staff"]
# Settings the app reads from the environment; the probe decides each of them itself.
APP_ENV = ("CANOPY_MODE", "DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "SANDBOX_ENABLED", "DATABASE_URL",
           "ALLOWED_HOSTS", "POS_ENDPOINTS_STRICT", "POS_ENDPOINT_ALLOWLIST", "REDIS_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def excerpt(text: str, limit: int = 300) -> str:
    """A short one-line form of an answer; Django's debug page becomes its exception and message."""
    title = re.search(r"<title>(.*?)</title>", text or "", re.S)
    value = re.search(r'<pre class="exception_value">(.*?)</pre>', text or "", re.S)
    if title and value:
        text = f"{html.unescape(title.group(1)).strip()}: {html.unescape(value.group(1)).strip()}"
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class Failure:
    klass: str
    request: str
    answer: str


@dataclass
class Tally:
    """Requests tried and failures found, per probe class."""

    requests: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)  # classes run in threads

    def tried(self, klass: str, count: int = 1) -> None:
        with self.lock:
            self.requests[klass] = self.requests.get(klass, 0) + count

    def fail(self, klass: str, request: str, answer: str) -> None:
        with self.lock:
            self.failures.append(Failure(klass, request, excerpt(answer, 400)))

    def failed(self, klass: str) -> int:
        return sum(1 for f in self.failures if f.klass == klass)


class App:
    """The app under test: its database file, its environment and its server processes."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.db = workdir / "probe.sqlite3"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.servers: list[subprocess.Popen] = []

    def env(self, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in APP_ENV}
        env.update(DATABASE_URL=f"sqlite:///{self.db}", DJANGO_SETTINGS_MODULE="config.settings",
                   PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING")
        env.update(extra)
        return env

    def manage(self, *args: str, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=self.env(**extra),
                              capture_output=True, text=True, timeout=timeout)

    def prepare(self) -> None:
        # `migrate_all` migrates the app's database and the sandbox POS's own; plain `migrate` where it is absent.
        has_all = (ROOT / "integrations" / "management" / "commands" / "migrate_all.py").exists()
        migrate = ("migrate_all" if has_all else "migrate", "--noinput")
        for args in (migrate, ("load_demo", "--base-url", self.base)):
            done = self.manage(*args)
            if done.returncode:
                raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    def serve(self, port: int | None = None, log_name: str = "server.log", **extra: str) -> str:
        """Start `runserver` (no reloader) on a port and wait until it answers; returns its base URL."""
        port = port or self.port
        log = open(self.workdir / log_name, "w")  # noqa: SIM115 - open as long as the server runs
        process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}",
                                    "--noreload"], cwd=ROOT, env=self.env(**extra), stdout=log,
                                   stderr=subprocess.STDOUT)
        self.servers.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"The server on port {port} stopped: see {self.workdir / log_name}")
            try:
                requests.get(base + "/health/", timeout=2)
                return base
            except requests.RequestException:
                time.sleep(0.3)
        raise SystemExit(f"The server on port {port} did not answer within a minute.")

    def stop(self) -> None:
        for process in self.servers:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# --- HTTP sessions -------------------------------------------------------------------------------
class User:
    """One demo login: an admin session (cookie) and an API token."""

    def __init__(self, app: App, username: str) -> None:
        self.app = app
        self.username = username
        self.web = requests.Session()
        self.api = requests.Session()
        self.token = ""

    def login(self) -> None:
        if not admin_login(self.web, self.app.base, self.username, PASSWORD):
            raise SystemExit(f"Could not sign in to the admin as {self.username}.")
        answer = requests.post(self.app.base + "/api/v1/auth/token/",
                               data={"username": self.username, "password": PASSWORD}, timeout=30)
        if answer.status_code != 200:
            raise SystemExit(f"No API token for {self.username}: {answer.status_code} {answer.text[:200]}")
        self.token = answer.json()["token"]
        self.api.headers["Authorization"] = f"Token {self.token}"

    def csrf(self) -> str:
        return self.web.cookies.get("csrftoken", "")

    def get(self, path: str, **kw) -> requests.Response:
        return self.web.get(self.app.base + path, allow_redirects=False, timeout=120, **kw)

    def post(self, path: str, data=None, **kw) -> requests.Response:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.app.base + path, **kw.pop("headers", {})}
        return self.web.post(self.app.base + path, data=data, headers=headers, allow_redirects=False,
                             timeout=120, **kw)

    def call(self, method: str, path: str, **kw) -> requests.Response:
        return self.api.request(method, self.app.base + path, timeout=120, **kw)


def admin_login(session: requests.Session, base: str, username: str, password: str) -> bool:
    """Sign in on the admin login form; True when the session is then signed in."""
    page = session.get(base + "/admin/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    answer = session.post(base + "/admin/login/?next=/admin/", allow_redirects=False, timeout=30,
                          data={"csrfmiddlewaretoken": token.group(1) if token else "", "username": username,
                                "password": password, "next": "/admin/"},
                          headers={"Referer": base + "/admin/login/"})
    return answer.status_code == 302 and "sessionid" in session.cookies


# --- HTML forms ----------------------------------------------------------------------------------
class _FormReader(HTMLParser):
    """Every <form> of a page: its attributes and its fields as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, bool, list] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"attrs": a, "fields": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "file", "reset"):
                self._form["fields"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [])
        elif tag == "option" and self._select is not None and "selected" in a:
            self._select[2].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            name, _multiple, chosen = self._select
            self._form["fields"].extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


def change_form(html: str) -> list[tuple[str, str]]:
    """The fields of the admin's change form (the form whose id ends in `_form`), as (name, value)."""
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        if form["attrs"].get("id", "").endswith("_form"):
            return list(form["fields"])
    return []


def replace(fields: list[tuple[str, str]], **values) -> list[tuple[str, str]]:
    """`fields` with each named field set to a value (a list for a multiple choice; None removes it)."""
    out = [(k, v) for k, v in fields if k not in values]
    for name, value in values.items():
        if value is None:
            continue
        out.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return out


# --- a listener standing in for an attacker's or an internal address ------------------------------
INTERNAL_MARKER = "INTERNAL-ONLY-PAGE: db_password=probe-internal-9f3c"


class Listener:
    """Records every request it gets and answers with a long 'internal' page (for echo checks)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                listener.requests.append({"method": self.command, "path": self.path,
                                          "headers": dict(self.headers), "body": body.decode(errors="replace")})
                page = ("<html><body>" + "internal dashboard row " * 60 + INTERNAL_MARKER
                        + " more internal rows" * 20 + "</body></html>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def secrets_in(self, request: dict, secrets: set[str]) -> set[str]:
        """Which of `secrets` a recorded request carried (headers, body, path or a Basic header)."""
        text = [request["path"], request["body"], *request["headers"].values()]
        for value in request["headers"].values():
            if value.lower().startswith("basic "):
                try:
                    text.append(base64.b64decode(value[6:].strip()).decode(errors="replace"))
                except ValueError:
                    pass
        blob = "\n".join(text)
        return {s for s in secrets if s and s in blob}

    def dump(self, path: Path) -> None:
        """Every recorded request, for reading after a run (`--keep`)."""
        lines = [f"{r['method']} {r['path']}\n  headers: {r['headers']}\n  body: {r['body'][:500]}"
                 for r in self.requests]
        path.write_text("\n".join(lines) + "\n")

    def close(self) -> None:
        self.server.shutdown()


def secret_shown(text: str, secret: str) -> bool:
    """A stored secret appears in a page or JSON answer (short secrets only as a whole value)."""
    if not secret:
        return False
    if len(secret) >= 10:
        return secret in text
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", text) is not None
