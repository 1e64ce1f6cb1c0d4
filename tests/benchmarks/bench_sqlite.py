"""Benchmark: the embedded default under load. A 100,000-product Dutchie first sync and an unchanged resync
on SQLite, run by a real task cluster, while a reader measures admin pages.

Run with `make bench-sqlite` (not part of `make test`). Scratch SQLite databases are created (the app's and
the sandbox POS's, as the tests do) and dropped. `manage.py serve` runs the site on a free port exactly as
`make run` does (web server + task cluster): the worker fetches the sandbox's feed from that web server,
which also serves the reader's admin pages. The figures are printed and written to docs/PERFORMANCE.md
between the sqlite markers.
"""
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import django
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TEST_DB_SUFFIX", "bench-sqlite")
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100000"))
PASSWORD = "bench-password-123"
PAUSE = 0.2  # between a reader's page loads: a person clicking, not a load generator
QUIET_LOADS = 60
# BENCH_SANDBOX_APART=1: the sandbox POS served by a process of its own (manage.py run_sandbox_pos), not by
# the web server the reader uses; printed only, to tell the simulated POS's share from the sync's.
APART = os.environ.get("BENCH_SANDBOX_APART") == "1"


def main() -> None:
    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    if connection.vendor != "sqlite":
        sys.exit("bench-sqlite measures the embedded default: run it without DATABASE_URL (SQLite).")
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        figures = _bench()
    finally:
        teardown_databases(databases, verbosity=0)
    _print(figures)
    if not APART:
        _write(figures)


def _bench() -> dict:
    from django.contrib.auth.models import Group
    from django.db import connection

    from integrations import cards, roles
    from integrations.models import Company, IntegrationCard, RetailStore, User
    from integrations.sandbox import services

    roles.sync_roles()
    company = Company.objects.create(name="Bench Cannabis")
    store = RetailStore.objects.create(company=company, name="Bench Downtown", state="CO",
                                       timezone="America/Denver", location_type="recreational")
    user = User.objects.create_user("bench-manager", password=PASSWORD, company=company, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.MANAGER))
    started = time.perf_counter()
    location = services.create_location("dutchie", products=PRODUCTS, seed=42)
    print(f"sandbox location of {PRODUCTS:,} products: {time.perf_counter() - started:.1f} s", flush=True)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    db_url = f"sqlite:///{Path(connection.settings_dict['NAME']).resolve()}"
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    processes = []
    pos = base
    if APART:  # the simulated POS in a process of its own, as a real POS would be: what is left is the sync's
        pos = f"http://127.0.0.1:{_free_port()}"
        processes.append(subprocess.Popen(
            [sys.executable, "manage.py", "run_sandbox_pos", "--port", pos.rsplit(":", 1)[1]], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    card = IntegrationCard(company=company, store=store, vendor="dutchie", enabled=False,
                           api_endpoint=services.describe(location, pos)["base_url"], api_key=location.api_key)
    cards.save_card(card, user)
    processes.append(subprocess.Popen([sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    try:
        reader = Reader(base, [f"{base}/admin/", f"{base}/admin/catalog/product/",
                               f"{base}/admin/integrations/syncrun/",
                               f"{base}/admin/integrations/integrationcard/{card.pk}/change/"])
        reader.wait_until_up()
        figures = {"quiet": reader.measure(count=QUIET_LOADS)}
        print(f"admin pages, no sync, empty menu: {_summary(figures['quiet'])}", flush=True)
        for name in ("first", "unchanged"):
            figures[name] = _sync(card, reader, user.pk)
            print(f"{name:9} sync {figures[name]['seconds']:.1f} s, {figures[name]['counts']}; admin pages meanwhile: "
                  f"{_summary(figures[name]['pages'])}; write lock waits: {_summary_waits(figures[name])}", flush=True)
            if name == "first":  # the same pages with the whole menu in place, for the resync to compare with
                figures["quiet_full"] = reader.measure(count=QUIET_LOADS)
                print(f"admin pages, no sync, full menu: {_summary(figures['quiet_full'])}", flush=True)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    figures["location"] = location.pk
    return figures


def _sync(card, reader: "Reader", user_pk: int) -> dict:
    """One run through the task cluster, the reader loading admin pages and the probe timing the write
    lock until it ends."""
    from integrations import sync
    from integrations.models import SyncRun

    run, _ = sync.enqueue_sync(card, trigger=SyncRun.Trigger.BUTTON)  # queued on commit (autocommit here)
    stop = threading.Event()
    pages: list[tuple[int, float, str]] = []
    thread = threading.Thread(target=lambda: pages.extend(reader.measure(until=stop)), daemon=True)
    probe = LockProbe(user_pk)
    thread.start()
    probe.start()
    deadline = time.monotonic() + 3600
    while run.is_active and time.monotonic() < deadline:
        time.sleep(0.5)
        run.refresh_from_db()
    stop.set()
    probe.stop.set()
    thread.join()
    probe.join()
    if run.status != SyncRun.Status.SUCCEEDED:
        raise SystemExit(f"The sync ended {run.status}: {run.message}")
    return {"seconds": run.duration, "pages": pages, "fetched": run.fetched, "lock_waits": probe.waits,
            "written": run.pages_done,
            "counts": {name: getattr(run, name) for name in ("fetched", "created", "updated", "unchanged")}}


class Reader:
    """A signed-in manager loading admin pages one after the other, timing each."""

    def __init__(self, base: str, pages: list[str]):
        self.base, self.pages, self.session = base, pages, requests.Session()

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/health/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        form = self.session.get(f"{self.base}/admin/login/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
        answer = self.session.post(f"{self.base}/admin/login/", timeout=60,
                                   headers={"Referer": f"{self.base}/admin/login/"},
                                   data={"csrfmiddlewaretoken": token, "username": "bench-manager",
                                         "password": PASSWORD, "next": "/admin/"})
        if "Log out" not in answer.text:
            raise SystemExit("The reader could not sign in.")

    def measure(self, count: int = 0, until: threading.Event | None = None) -> list[tuple[int, float, str]]:
        """(status, seconds, page) of each load, `count` of them or until `until` is set."""
        timings = []
        n = 0
        while (until is not None and not until.is_set()) or n < count:
            page = self.pages[n % len(self.pages)]
            started = time.perf_counter()
            status = self.session.get(page, timeout=120).status_code
            timings.append((status, time.perf_counter() - started, page.removeprefix(self.base)))
            n += 1
            time.sleep(PAUSE)
        return timings


class LockProbe(threading.Thread):
    """Times how long a one-row write waits for SQLite's write lock, every PAUSE seconds, on its own
    connection: what a page write holds, and nothing between pages."""

    def __init__(self, user_pk: int):
        super().__init__(daemon=True)
        self.user_pk, self.stop, self.waits = user_pk, threading.Event(), []

    def run(self) -> None:
        from django.db import connection, transaction
        from django.utils import timezone

        from integrations.models import User

        try:
            while not self.stop.wait(PAUSE):
                started = time.perf_counter()
                with transaction.atomic():  # BEGIN IMMEDIATE: waits here for the lock
                    User.objects.filter(pk=self.user_pk).update(last_login=timezone.now())
                self.waits.append(time.perf_counter() - started)
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _summary_waits(figures: dict) -> str:
    waits = figures["lock_waits"]
    return (f"{len(waits)} probes, median {statistics.median(waits) * 1000:.0f} ms, "
            f"p95 {_p95(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def _stats(timings: list[tuple]) -> dict:
    seconds = [row[1] for row in timings]
    return {"count": len(seconds), "errors": sum(1 for row in timings if row[0] != 200),
            "median": statistics.median(seconds), "max": max(seconds),
            "p95": statistics.quantiles(seconds, n=20, method="inclusive")[-1] if len(seconds) > 1 else seconds[0]}


def _summary(timings: list[tuple]) -> str:
    s = _stats(timings)
    return (f"{s['count']} loads, median {s['median'] * 1000:.0f} ms, p95 {s['p95'] * 1000:.0f} ms, "
            f"max {s['max'] * 1000:.0f} ms, {s['errors']} not 200")


def _print(figures: dict) -> None:
    print()
    print("\n".join(_table(figures)))


def _table(figures: dict) -> list[str]:
    empty, full = _stats(figures["quiet"]), _stats(figures["quiet_full"])
    lines = ["| while | sync time | created | unchanged | admin page loads | median | p95 | max | not 200 | "
             "write lock wait p95 / max |", "|---|---|---|---|---|---|---|---|---|---|"]
    rows = [("no sync, empty menu", None, figures["quiet"]), ("first sync", figures["first"], None),
            (f"no sync, {figures['first']['counts']['created']:,} products on the menu", None, figures["quiet_full"]),
            ("resync, nothing changed", figures["unchanged"], None)]
    for label, run, quiet in rows:
        s = _stats(run["pages"] if run else quiet)
        sync = (f"{run['seconds']:.1f} s | {run['counts']['created']:,} | {run['counts']['unchanged']:,}" if run
                else "- | - | -")
        waits = f"{_p95(run['lock_waits']) * 1000:.0f} ms / {max(run['lock_waits']) * 1000:.0f} ms" if run else "-"
        lines.append(f"| {label} | {sync} | {s['count']} | {s['median'] * 1000:.0f} ms | {s['p95'] * 1000:.0f} ms | "
                     f"{s['max'] * 1000:.0f} ms | {s['errors']} | {waits} |")
    resync = _stats(figures["unchanged"]["pages"])
    lines += ["", f"Admin page p95 during the unchanged resync: {resync['p95'] / full['p95']:.1f}x the same pages with "
              f"no sync and the same menu (median {resync['median'] / full['median']:.1f}x); during the first sync "
              f"{_stats(figures['first']['pages'])['p95'] / empty['p95']:.1f}x the empty menu's (the menu grows from 0 "
              "meanwhile). By page, p95 with no sync (full menu) / during the resync:", ""]
    for page in dict.fromkeys(row[2] for row in figures["quiet_full"]):
        before = [row for row in figures["quiet_full"] if row[2] == page]
        during = [row for row in figures["unchanged"]["pages"] if row[2] == page]
        if before and during:
            lines.append(f"- `{page}`: {_stats(before)['p95'] * 1000:.0f} ms / {_stats(during)['p95'] * 1000:.0f} ms")
    return lines


def _write(figures: dict) -> None:
    doc = ROOT / "docs" / "PERFORMANCE.md"
    start, end = "<!-- sqlite:embedded -->", "<!-- /sqlite:embedded -->"
    block = "\n".join([
        start,
        f"### The embedded default on SQLite: a {PRODUCTS:,}-product Dutchie sync with people using the admin "
        "(`make bench-sqlite`)",
        "",
        "`manage.py serve` (what `make run` starts: runserver + a django-q2 cluster on the ORM broker) on a fresh "
        "SQLite database in WAL mode, with the sandbox POS in its own SQLite file and served by the same web "
        "server. The run is queued as the Sync button queues it and taken by the cluster's worker, which "
        "fetches the feed over HTTP from that web server and writes it page by page (each page its own "
        "transaction). Meanwhile a signed-in manager loads admin pages one after the other (home, Menu > "
        f"Products, Sync runs, the card's page, which lists the POS's rooms; {PAUSE:.1f} s between loads); "
        "\"no sync\" is the same reader with nothing running, before the first sync (empty menu) and between the "
        "two syncs (the whole menu in place). Sync time is the run's own (started to finished). The write "
        f"lock wait is a one-row write transaction (BEGIN IMMEDIATE) from another connection every {PAUSE:.1f} s: "
        "how long any writer (a login, a Save) waits for the sync's page writes.",
        "",
        *_table(figures),
        "",
        f"Machine: {os.cpu_count()} cores, shared by the web server (admin pages and the sandbox's feed), the "
        "worker (at a lower CPU priority, as `serve` starts it) and the reader. A write waits for the sync's "
        "page writes as long as the last column says; the rest of a page load's extra time during a sync is "
        "waiting for those cores.",
        end,
    ])
    text = doc.read_text() if doc.exists() else "# Performance\n\nFigures written by the benchmarks.\n"
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text)


if __name__ == "__main__":
    main()
