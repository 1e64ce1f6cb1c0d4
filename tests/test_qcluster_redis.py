"""Scale-out: a real `qcluster` process on the Redis broker takes a task and saves its result to the
database, the way extra worker hosts share the work in a deployment (docs/DEPLOYMENT.md).

Runs only when Redis answers on 127.0.0.1:6379; the subprocesses use Redis database 9, so a developer's
own queue (database 0) is left alone.
"""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django_q.models import Task

from tests.support import database_url_of_test_db

ROOT = Path(__file__).resolve().parent.parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/9"
RESULT_TIMEOUT = 60


def redis_answers() -> bool:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), 2).close()
    except OSError:
        return False
    return True


def stop(process: subprocess.Popen) -> None:
    """Stop the cluster: SIGTERM to the main process lets it stop its workers itself; whatever is left
    of its process group after that is killed."""
    try:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_x5_qcluster_on_redis_runs_a_task_from_another_process(transactional_db, tmp_path):
    if not redis_answers():
        pytest.skip(f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT}: no scale-out test.")
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_db(),
        "REDIS_URL": REDIS_URL,
        "Q_WORKERS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    manage_py = [sys.executable, str(ROOT / "manage.py")]
    note = f"scale-out-{uuid.uuid4().hex}"
    log_path = tmp_path / "qcluster.log"

    with open(log_path, "w") as log:
        # Its own process group: whatever of the cluster outlives its stop is killed with the group.
        cluster = subprocess.Popen(manage_py + ["qcluster"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        enqueue = subprocess.run(
            manage_py + ["shell", "-c", "from django_q.tasks import async_task; "
                         f"print(async_task('integrations.tasks.health_check_task', {note!r}))"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
        assert enqueue.returncode == 0, enqueue.stderr
        task_id = enqueue.stdout.strip().splitlines()[-1]

        deadline = time.monotonic() + RESULT_TIMEOUT
        task = None
        while time.monotonic() < deadline:
            task = Task.objects.filter(id=task_id).first()
            if task is not None:
                break
            if cluster.poll() is not None:
                pytest.fail(f"qcluster exited with {cluster.returncode}:\n{log_path.read_text()}")
            time.sleep(0.5)
        else:
            pytest.fail(f"No result for task {task_id} within {RESULT_TIMEOUT} s. qcluster said:\n"
                        f"{log_path.read_text()}")
    finally:
        stop(cluster)

    assert task.success, task.result
    assert task.func == "integrations.tasks.health_check_task"
    assert task.result["ok"] is True
    assert task.result["note"] == note
    # Run by a worker of the cluster, not by this process.
    assert task.result["pid"] != os.getpid()
    assert task.result["pid"] != cluster.pid
