"""Helpers shared by test modules (fixtures live in conftest.py): ports, a sync run to its end, the test
database's URL and a real task cluster for tests that start other processes."""
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from integrations import sync
from integrations.models import SyncRun

ROOT = Path(__file__).resolve().parent.parent


def database_url_of_test_db() -> str:
    """DATABASE_URL of the database this test is using (the test database, not the development one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # settings point the SQLite test database at a file, so another process can open it.
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{db['NAME']}"
    raise NotImplementedError(f"No DATABASE_URL for {db['ENGINE']}")


def free_port() -> int:
    """A local TCP port nothing listens on (bound, then released): free to start a server on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A local TCP port nothing listens on, where a client's connection is refused at once (a POS that is down)."""
    return free_port()


def run_sync(card, **options) -> SyncRun:
    """Queue a sync of the card (enqueue_sync's options) and run it here to its end; it must not fail."""
    run = sync.execute_run(sync.enqueue_sync(card, **options)[0].pk)
    assert run.status in ("succeeded", "partial"), run.message
    return run


@contextmanager
def qcluster(**env_overrides: str) -> Iterator[subprocess.Popen]:
    """A real `qcluster` on the embedded ORM broker against the test database, in a process group of its
    own (stopped with everything it started)."""
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db(), **env_overrides}
    env.pop("REDIS_URL", None)
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield cluster
    finally:
        cluster.terminate()
        try:
            cluster.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(cluster.pid, signal.SIGKILL)  # whatever it left behind
        except ProcessLookupError:
            pass
        cluster.wait()
