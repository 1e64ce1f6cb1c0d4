"""Security probe: the demo app, started here, probed over real HTTP, one class of attack per row.

Run with `make probe-security` (not part of `make test`; a few minutes). It makes a scratch SQLite
database, migrates it, loads the demo data, serves it with `manage.py runserver` on a free port, syncs
the demo cards once, then runs the classes in tests/benchmarks/security_probe/ and prints a table of
requests tried and failures found, followed by every failure's request and answer. The table is
written to docs/SECURITY.md between the probe markers (`--no-docs` leaves the page alone).
"""
import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from security_probe import attacks, faults, inputs, platform, tenancy  # noqa: E402
from security_probe.harness import APP_ENV, LOGINS, App, Listener, Tally, User  # noqa: E402

CLASSES = [tenancy.TENANCY, tenancy.SECRETS, attacks.SSRF, attacks.ESCALATION, attacks.MAPPING, attacks.TYPES,
           inputs.INPUTS, platform.THROTTLE, platform.PRODUCTION, faults.FAULTS]
DOC = ROOT / "docs" / "SECURITY.md"
START, END = "<!-- probe:start -->", "<!-- probe:end -->"
MASTER_PIN = "739184"


def seed_probe_data() -> None:
    """What the demo lacks for a fair probe: a Master PIN to hide, and a loyalty credential per company."""
    from integrations.models import IntegrationCard

    loyalty = IntegrationCard.objects.get(company__name="Green Leaf Dispensaries", kind="loyalty")
    loyalty.master_pin = MASTER_PIN
    loyalty.save()
    attacks.foreign_loyalty_credential()


def run(app: App, tally: Tally) -> None:
    import django

    app.prepare()
    django.setup()
    seed_probe_data()
    app.serve()
    started = time.monotonic()
    problems = faults.baseline(app)
    if problems:
        raise SystemExit("The demo cards do not sync, so the probe cannot start:\n" + "\n".join(problems))
    print(f"demo served at {app.base}; baseline syncs in {time.monotonic() - started:.0f} s", flush=True)
    users = {name: User(app, name) for name in LOGINS}
    for user in users.values():
        user.login()
    listener = Listener()
    # Production mode runs on its own server and subprocesses, beside the others.
    production = threading.Thread(target=_step, args=(tally, platform.PRODUCTION,
                                                      lambda: platform.probe_production(app, tally)))
    production.start()
    steps = [  # run order: faults early (later classes edit cards), throttling last (it may lock 127.0.0.1 out)
        (tenancy.TENANCY, lambda: tenancy.probe_tenancy(users, tally)),
        (tenancy.SECRETS, lambda: tenancy.probe_secrets(users, tally)),
        (faults.FAULTS, lambda: faults.probe_faults(app, users, tally)),
        (attacks.SSRF, lambda: attacks.probe_ssrf(app, users, tally, listener)),
        (attacks.ESCALATION, lambda: attacks.probe_escalation(users, tally)),
        (attacks.MAPPING, lambda: attacks.probe_mapping(users, tally)),
        (attacks.TYPES, lambda: attacks.probe_types(users, tally)),
        (inputs.INPUTS, lambda: inputs.probe_inputs(users, tally)),
        (platform.THROTTLE, lambda: platform.probe_throttling(app, tally)),
    ]
    try:
        for name, step in steps:
            if name == platform.THROTTLE:
                production.join()  # throttling last: it may lock this address out
            _step(tally, name, step)
    finally:
        production.join()
        listener.close()


def _step(tally: Tally, name: str, step) -> None:
    began = time.monotonic()
    try:
        step()
    except Exception:  # noqa: BLE001 - one broken class must not hide the others' results
        tally.notes[name] = "probe error: " + traceback.format_exc().strip().splitlines()[-1]
        traceback.print_exc()
    print(f"{name}: {tally.requests.get(name, 0):,} requests, {tally.failed(name)} failures "
          f"({time.monotonic() - began:.0f} s)", flush=True)


def unlisted_errors(app: App, tally: Tally) -> list[str]:
    """5xx answers in the server's log (outside the sandbox, whose faults answer 500 on purpose) that no
    class counted: a cross-check that the table misses none."""
    log = (app.workdir / "server.log").read_text(errors="replace")
    seen = set(re.findall(r'"([A-Z]+) (/[^ "]*) HTTP/1\.1" 5\d\d ', log))
    listed = " ".join(f.request for f in tally.failures)
    return sorted(f"{method} {path}" for method, path in seen
                  if not path.startswith("/sandbox/") and path.split("?")[0] not in listed)


def table(tally: Tally) -> str:
    lines = ["| Probe class | Requests tried | Failures found | Note |", "| --- | ---: | ---: | --- |"]
    for name in CLASSES:
        lines.append(f"| {name} | {tally.requests.get(name, 0):,} | {tally.failed(name):,} | "
                     f"{tally.notes.get(name, '').replace('|', '/')} |")
    return "\n".join(lines)


def failures_text(tally: Tally) -> str:
    out = []
    for name in CLASSES:
        for failure in (f for f in tally.failures if f.klass == name):
            out.append(f"- [{name}] {failure.request}\n  -> {failure.answer}")
    return "\n".join(out) or "(none)"


def write_doc(tally: Tally, seconds: float) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"{START}\nLatest run: {when}, commit `{commit}`, SQLite, {seconds:.0f} s.\n\n{table(tally)}\n{END}")
    text = DOC.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + block + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="Do not write the table to docs/SECURITY.md.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch directory (database, server logs).")
    options = parser.parse_args()
    # A terminated probe still stops the servers it started (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="canopy-probe-"))
    for name in APP_ENV:
        os.environ.pop(name, None)
    app = App(workdir)
    os.environ.update(app.env())
    tally = Tally()
    began = time.monotonic()
    try:
        run(app, tally)
    finally:
        app.stop()
    seconds = time.monotonic() - began
    print(f"\nSecurity probe ({seconds:.0f} s)\n\n{table(tally)}\n\nFailures:\n{failures_text(tally)}")
    unlisted = unlisted_errors(app, tally)
    print("\nServer log: " + ("every 5xx outside the sandbox is counted above." if not unlisted else
                             "5xx answers no class counted:\n" + "\n".join(unlisted)))
    (workdir / "failures.txt").write_text(failures_text(tally) + "\n")
    if not options.no_docs:
        write_doc(tally, seconds)
    if options.keep:
        print(f"\nScratch directory kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
