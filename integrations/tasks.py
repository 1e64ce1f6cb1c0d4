"""django-q2 task entry points: thin, take IDs, call one service."""
import os
import socket


def health_check_task(note: str = "") -> dict:
    """Answer which worker ran it: shows a qcluster (on any broker, any host) is taking work."""
    return {"ok": True, "note": note, "host": socket.gethostname(), "pid": os.getpid()}
