"""`manage.py serve` (what `make run` starts): the web server and the task cluster start and stop together,
and nothing they started outlives them (issue 10)."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support import database_url_of_test_db, free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find every process left")


def alive_in_groups(groups: set[int]) -> list[str]:
    """Processes (not zombies) still in these process groups: the children and whatever they started."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # exited while we looked
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ")".
        state, _, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) in groups and state != "Z":
            alive.append(text[:text.rindex(")") + 1])
    return alive


class Serve:
    """`manage.py serve` on the test database, its output read line by line."""

    def __init__(self, port: int):
        env = {**os.environ, "DATABASE_URL": database_url_of_test_db(), "PYTHONUNBUFFERED": "1"}
        env.pop("REDIS_URL", None)
        self.process = subprocess.Popen([sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"], cwd=ROOT,
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: list[str] = []
        self.children: dict[str, int] = {}

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            if started := re.search(r"(Task cluster|Web server) started \(pid (\d+)\)", line):
                self.children[started[1]] = int(started[2])
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"serve never said {pattern!r}; it said:\n{''.join(self.lines)}")

    def finish(self, timeout: float = 40) -> int:
        try:
            out, _ = self.process.communicate(timeout=timeout)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.lines.append(out)
        return self.process.returncode

    @property
    def output(self) -> str:
        return "".join(self.lines)


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def test_sigterm_stops_the_web_server_and_the_cluster_with_everything_they_started(transactional_db):
    port = free_port()
    serve = Serve(port)
    serve.wait_for(r"Web server started")
    wait_until_up(f"http://127.0.0.1:{port}/health/")
    groups = set(serve.children.values())
    assert len(groups) == 2 and alive_in_groups(groups), serve.output
    deadline = time.monotonic() + 30
    while len(alive_in_groups({serve.children["Task cluster"]})) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)  # the cluster's sentinel, workers, monitor and pusher are up too
    assert len(alive_in_groups({serve.children["Task cluster"]})) >= 4
    serve.process.send_signal(signal.SIGTERM)
    assert serve.finish() == 0, serve.output
    assert "Web server and task cluster stopped." in serve.output
    assert alive_in_groups(groups) == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health/", timeout=2)


def test_a_port_already_taken_is_said_before_anything_starts(transactional_db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = Serve(port)
        status = serve.finish()
    assert status == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in serve.output
    assert "make run PORT=8010" in serve.output
    assert "started" not in serve.output  # no cluster left running without its web server


def test_a_web_server_that_cannot_bind_stops_the_cluster_too(transactional_db):
    """The port was free when serve checked it and taken before the web server bound it."""
    port = free_port()
    serve = Serve(port)
    serve.wait_for(r"Web server started")
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", port))  # the web server is still importing Django: ours is first
        taken.listen()
        groups = set(serve.children.values())
        serve.wait_for(r"The web server stopped \(exit status 1\)")
        assert serve.finish() == 1, serve.output
    assert "That port is already in use" in serve.output
    assert alive_in_groups(groups) == []


def test_a_cluster_that_dies_stops_the_web_server_too(transactional_db):
    port = free_port()
    serve = Serve(port)
    serve.wait_for(r"Web server started")
    wait_until_up(f"http://127.0.0.1:{port}/health/")
    groups = set(serve.children.values())
    os.killpg(serve.children["Task cluster"], signal.SIGKILL)
    serve.wait_for(r"The task cluster stopped")
    assert serve.finish() == 1, serve.output
    assert alive_in_groups(groups) == []
