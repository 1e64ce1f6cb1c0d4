"""Benchmark: generating a 100,000-product sandbox location per vendor, and streaming its feed.

Run with `make bench-sandbox` (not part of `make test`). Uses the database DATABASE_URL names (a
scratch `canopy_bench` database is created and dropped on PostgreSQL), prints the figures and
writes them to docs/PERFORMANCE.md between the sandbox markers.
"""
import os
import resource
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100000"))


def main() -> None:
    django.setup()
    from django.db import connection, connections
    from django.test.client import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from integrations.sandbox import services
    from integrations.sandbox.models import SandboxLocation
    from integrations.sandbox.router import sandbox_db

    setup_test_environment()
    # Every database (on SQLite the sandbox POS has its own), as the tests create them.
    databases = setup_databases(verbosity=0, interactive=False)
    test_name = connections[sandbox_db()].settings_dict["NAME"]
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    rows = []
    try:
        paths = {"dutchie": ("GET", "inventory", None),
                 "alleaves": ("POST", "inventory/search", None),
                 "flowhub": ("GET", "v0/locations/{location_id}/inventory", None)}
        for vendor in ("dutchie", "alleaves", "flowhub"):
            started = time.perf_counter()
            location = services.create_location(vendor, products=PRODUCTS, seed=42)
            generated = time.perf_counter() - started
            served, size = _serve(Client(), vendor, location, paths[vendor])
            rows.append((vendor, generated, served, size))
            print(f"{engine:10} {vendor:9} generate {PRODUCTS:,} products: {generated:6.1f} s   "
                  f"serve the feed: {served:5.1f} s ({size / 1e6:,.0f} MB)", flush=True)
            SandboxLocation.objects.filter(pk=location.pk).delete()
    finally:
        teardown_databases(databases, verbosity=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the benchmark process: {peak:.0f} MB (test database {test_name})")
    _write(engine, rows, peak)


def _serve(client, vendor, location, spec):
    from integrations.sandbox import services

    method, path, _ = spec
    path = path.format(location_id=location.location_id)
    base = "/sandbox/" + services.vendor_for(vendor).path
    headers, body = {}, None
    if vendor == "dutchie":
        import base64

        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{location.api_key}:".encode()).decode()
    elif vendor == "flowhub":
        headers.update(HTTP_CLIENTID=location.client_id, HTTP_KEY=location.api_key)
    else:
        token = client.post(base + "auth", {"username": location.username, "password": location.password,
                                            "pin": location.pin}, content_type="application/json").json()["token"]
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        body = {"query": "", "id_location": int(location.location_id)}
    started = time.perf_counter()
    if method == "GET":
        response = client.get(base + path, **headers)
    else:
        response = client.post(base + path, body, content_type="application/json", **headers)
    size = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(response.content)
    assert response.status_code == 200, response.status_code
    return time.perf_counter() - started, size


def _write(engine: str, rows, peak: float) -> None:
    doc = ROOT / "docs" / "PERFORMANCE.md"
    start, end = f"<!-- sandbox:{engine} -->", f"<!-- /sandbox:{engine} -->"
    table = "\n".join([
        start,
        f"### Sandbox POS on {engine}: {PRODUCTS:,} products per location (`make bench-sandbox`)",
        "",
        "| vendor | generate and store | serve the whole feed | feed size |",
        "|---|---|---|---|",
        *[f"| {v} | {g:.1f} s | {s:.1f} s | {n / 1e6:,.0f} MB |" for v, g, s, n in rows],
        "",
        f"Peak memory of the benchmark process: {peak:.0f} MB. Machine: {os.cpu_count()} cores.",
        end,
    ])
    text = doc.read_text() if doc.exists() else "# Performance\n\nFigures written by the benchmarks.\n"
    if start in text:
        text = text[: text.index(start)] + table + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + table + "\n"
    doc.write_text(text)


if __name__ == "__main__":
    main()
