"""django-q2 task entry points: thin, take IDs, call one service."""
import os
import socket


def health_check_task(note: str = "") -> dict:
    """Answer which worker ran it: shows a qcluster (on any broker, any host) is taking work."""
    return {"ok": True, "note": note, "host": socket.gethostname(), "pid": os.getpid()}


def run_sync_task(run_id: int) -> str:
    """Run one queued sync run (queued by integrations.sync.enqueue_sync)."""
    from .sync import execute_run

    return execute_run(run_id).status


def dispatch_due_syncs_task() -> list[int]:
    """Every minute: queue the syncs that are due."""
    from .sync import dispatch_due_syncs

    return dispatch_due_syncs()
