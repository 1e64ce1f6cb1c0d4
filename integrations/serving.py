"""`manage.py serve`: the web server and the task cluster as one unit (what `make run` starts).

Each child runs in a process group of its own, so stopping one stops everything it started (the
cluster's workers too). Whatever ends first (Ctrl-C, SIGTERM, SIGHUP, or either child dying) stops
both; the groups are swept with SIGKILL after a grace period and every child is waited for, so no
process outlives `serve`.
"""
import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 10.0


def parse_addrport(addrport: str) -> tuple[str, int]:
    """Read "8000", "127.0.0.1:8000" or "[::1]:8000" as runserver does: (host, port)."""
    host, _, port = addrport.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{addrport!r} is not a port or an address:port (e.g. 127.0.0.1:8010).")
    return (host.strip("[]") or "127.0.0.1"), int(port)


def port_problem(host: str, port: int) -> str:
    """Why the web server could not listen on host:port, in words ("" when it can)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As runserver binds: a port left in TIME_WAIT by the last run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (f"Port {port} on {host} is already in use (another `make run`, or another program). "
                        f"Stop that, or serve on another port: make run PORT={8010 if port != 8010 else 8020}")
            if error.errno == errno.EACCES:
                return f"Port {port} needs administrator rights: pick one above 1023, e.g. make run PORT=8010"
            return f"Cannot listen on {host}:{port}: {error.strerror}."
    return ""


# The task cluster runs at a lower CPU priority than the web server: on a small machine a sync's parsing
# and mapping take the CPU the web server leaves, so pages answer as fast during a sync as without it.
CLUSTER_NICENESS = 10


def _child_setup(niceness: int) -> Callable[[], None]:
    def setup() -> None:
        """In the child before exec: its priority, and (Linux) SIGTERM when `serve` itself dies, even by
        SIGKILL."""
        if niceness:
            os.nice(niceness)
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # not Linux: the signal handlers below still cover the usual cases
            pass

    return setup


@dataclass
class Child:
    name: str
    process: subprocess.Popen

    def exited(self) -> bool:
        """Whether it exited, without reaping it: its pid (= its group id) stays ours until wait()."""
        try:
            return os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:  # already reaped
            return True

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:  # nobody left in the group
            pass


class Supervisor:
    """Starts commands in process groups of their own and stops them all together."""

    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self.children: list[Child] = []
        self.stop_signal: int | None = None

    def start(self, name: str, command: list[str], niceness: int = 0) -> Child:
        process = subprocess.Popen(command, process_group=0, preexec_fn=_child_setup(niceness))
        child = Child(name, process)
        self.children.append(child)
        self.say(f"{name.capitalize()} started (pid {process.pid}).")
        return child

    def run(self, commands: dict[str, tuple[list[str], int]]) -> int:
        """Start every command ({name: (command, niceness)}); return when a stop signal came or one child
        ended, with every child stopped. The exit status: 0 on a stop signal, 1 when a child ended by itself."""
        previous = {signum: signal.signal(signum, self._on_signal) for signum in STOP_SIGNALS}
        try:
            for name, (command, niceness) in commands.items():
                if self.stop_signal is None:
                    self.start(name, command, niceness)
            ended = None
            while self.stop_signal is None and ended is None:
                ended = next((child for child in self.children if child.exited()), None)
                time.sleep(0.2)
            if ended is not None:
                code = ended.process.poll()
                self.say(f"The {ended.name} stopped (exit status {code}): stopping everything else.")
            return 0 if ended is None else 1
        finally:
            self.stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame) -> None:
        self.stop_signal = signum

    def stop_all(self) -> None:
        """SIGTERM to each child (the cluster then stops its own workers), SIGKILL to whatever is left of
        its group after the grace period, then reap. The cluster's worker processes die at once on
        SIGTERM, so it goes to the child alone, never to its group."""
        for child in self.children:
            if not child.exited():
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline and not all(child.exited() for child in self.children):
            time.sleep(0.1)
        for child in self.children:
            # Also what a leader that exited left behind (a worker it did not wait for).
            child.signal_group(signal.SIGKILL)
            child.process.wait()
        self.children.clear()


def serve(addrport: str, say: Callable[[str], None]) -> int:
    """Run the task cluster and the web server on addrport until one stops or a stop signal comes."""
    from django.conf import settings

    manage_py = str(settings.BASE_DIR / "manage.py")
    supervisor = Supervisor(say)
    status = supervisor.run({
        "task cluster": ([sys.executable, manage_py, "qcluster"], CLUSTER_NICENESS),
        "web server": ([sys.executable, manage_py, "runserver", addrport, "--noreload"], 0),
    })
    say("Web server and task cluster stopped.")
    return status


__all__ = ["Supervisor", "parse_addrport", "port_problem", "serve"]
