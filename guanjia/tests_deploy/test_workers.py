"""Several db_workers on one queue (issue 10, scale-out): every job runs exactly once.

django-tasks-db claims a job by selecting the first ready row with SELECT … FOR UPDATE SKIP LOCKED
and marking it RUNNING in the same transaction (django_tasks_db/models.py `get_locked`,
management/commands/db_worker.py `Worker.run`), so a second worker skips the row being claimed
instead of taking it too. Here two real `manage.py db_worker` processes share a queue of jobs on
PostgreSQL; each job leaves one row per run, and none may leave two.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from guanjia.core.models import Notification
from guanjia.core.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
JOBS = 120
WORKERS = ("pool-1", "pool-2")
STARTUP_SECONDS = 60
DRAIN_SECONDS = 90


@task()
def record_run(user_id: int, n: int) -> int:
    """One job: a row that says it ran. Short, so that the workers' claims race all the time."""
    Notification.objects.create(user_id=user_id, title=f"job {n}")
    time.sleep(0.01)
    return n


def _database_url() -> str:
    """The test database (test_…), as DATABASE_URL for the worker processes."""
    s = connection.settings_dict
    host = quote(s["HOST"] or "", safe="")
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


def _start_worker(worker_id: str) -> tuple[subprocess.Popen, threading.Event, list[str]]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "guanjia.settings_test",
        "GUANJIA_TESTING": "1",
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval=0.05", f"--worker-id={worker_id}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready, lines = threading.Event(), []

    def read():
        for line in process.stdout:
            lines.append(line)
            if "Starting worker" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    return process, ready, lines


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # db_worker: finish the job under way, then exit
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_the_worker_claims_a_job_with_skip_locked(postgres_only):
    with CaptureQueriesContext(connection) as seen, transaction.atomic():
        DBTaskResult.objects.ready().get_locked()
    assert any("FOR UPDATE SKIP LOCKED" in q["sql"] for q in seen.captured_queries), seen.captured_queries


def test_two_workers_run_every_job_exactly_once(postgres_only, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = UserFactory()
    workers = [_start_worker(worker_id) for worker_id in WORKERS]
    try:
        for process, ready, lines in workers:
            assert ready.wait(STARTUP_SECONDS), "".join(lines) or f"worker exited with {process.poll()}"
        with transaction.atomic():  # all at once, so that both workers find a full queue
            results = [record_run.enqueue(user.pk, n) for n in range(JOBS)]
        deadline = time.monotonic() + DRAIN_SECONDS
        while DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
            assert time.monotonic() < deadline, "the workers did not finish the queue in time"
            assert all(p.poll() is None for p, _r, _l in workers), "a worker died"
            time.sleep(0.2)
    finally:
        for process, _ready, _lines in workers:
            _stop(process)

    rows = DBTaskResult.objects.filter(id__in=[r.id for r in results])
    assert rows.count() == JOBS and set(rows.values_list("status", flat=True)) == {"SUCCESSFUL"}
    # Each job claimed once (one worker id recorded per claim) and run once (one row per run) …
    assert all(len(ids) == 1 for ids in rows.values_list("worker_ids", flat=True))
    runs = Notification.objects.filter(user=user).values("title").annotate(n=Count("id"))
    assert len(runs) == JOBS and {r["n"] for r in runs} == {1}
    # … and both workers took part, so the claims really did race.
    by_worker = {ids[0] for ids in rows.values_list("worker_ids", flat=True)}
    assert by_worker == set(WORKERS)
