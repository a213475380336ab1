"""The background queue end to end: enqueue `send_email`, run a real worker, check the result.

The test settings run tasks at once (ImmediateBackend); these tests switch to the real
backends: the database queue with `manage.py db_worker`, and Redis through RQ with an RQ
worker using `django_tasks_rq.Job`. The Redis tests skip only outside CI when no Redis server
answers at REDIS_URL; with CI=true they run and fail if Redis is down.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django_tasks import TaskResultStatus

from careershub.core.tasks import send_email

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def kept_signal_handlers() -> Iterator[None]:
    """Workers install their own SIGINT/SIGTERM handlers; give pytest its own back afterwards."""
    names = ("SIGINT", "SIGTERM", "SIGQUIT")
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names if hasattr(signal, name)}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


# Database queue ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the worker commits and closes connections, as in production
@override_settings(TASKS=DATABASE_TASKS)
def test_database_queue_sends_email_through_db_worker(kept_signal_handlers: None) -> None:
    from django_tasks_db.models import DBTaskResult

    result = send_email.enqueue("Welcome", "You have been added to North Hub.", ["lead@north.example"])

    assert result.status == TaskResultStatus.READY
    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == TaskResultStatus.READY
    assert mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Welcome"
    assert mail.outbox[0].to == ["lead@north.example"]
    assert mail.outbox[0].from_email == settings.DEFAULT_FROM_EMAIL


@pytest.mark.django_db(transaction=True)  # the worker commits and closes connections, as in production
@override_settings(TASKS=DATABASE_TASKS)
def test_database_queue_records_a_failed_task(kept_signal_handlers: None) -> None:
    with override_settings(EMAIL_BACKEND="tests.test_task_queue.BrokenEmailBackend"):
        result = send_email.enqueue("Welcome", "Body", ["lead@north.example"])
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors and result.errors[-1].exception_class_path == "builtins.ConnectionRefusedError"


class BrokenEmailBackend:
    """An email backend whose server is down."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("mail server is down")


# Redis queue (RQ) -------------------------------------------------------------------------


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or settings.REDIS_URL


def redis_problem(url: str) -> str | None:
    """Why Redis at `url` cannot be used, or None when it answers."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def rq_queue() -> Iterator[str]:
    """A queue of our own on the Redis server, so nothing else's jobs are touched."""
    url = redis_url()
    problem = redis_problem(url)
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Redis at {url} is not reachable ({problem}); start redis-server.")
        pytest.skip(f"Redis at {url} is not reachable ({problem}); set CI=true to make this a failure.")
    name = f"careershub-test-{uuid.uuid4().hex[:12]}"
    with override_settings(
        RQ_QUEUES={"default": {"URL": url}, name: {"URL": url, "DEFAULT_TIMEOUT": 60}},
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", name]}},
    ):
        try:
            yield name
        finally:
            forget_queue(name)


def forget_queue(name: str) -> None:
    """Delete the queue, its registries and every job that went through it."""
    import django_rq

    queue = django_rq.get_queue(name)
    connection = queue.connection
    job_ids = set(queue.get_job_ids())
    for registry in (
        queue.started_job_registry,
        queue.finished_job_registry,
        queue.failed_job_registry,
        queue.deferred_job_registry,
        queue.scheduled_job_registry,
        queue.canceled_job_registry,
    ):
        job_ids.update(registry.get_job_ids())
    queue.delete(delete_jobs=True)
    for job_id in job_ids:
        connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    for key in list(connection.scan_iter(match=f"rq:*{name}*")):
        connection.delete(key)


@pytest.mark.redis
def test_rq_queue_sends_email_through_a_burst_worker(rq_queue: str, kept_signal_handlers: None) -> None:
    import django_rq
    from django_tasks_rq.backend import Job

    result = send_email.using(queue_name=rq_queue).enqueue("Welcome", "Body", ["lead@north.example"])
    assert result.status == TaskResultStatus.READY
    result.refresh()
    assert result.status == TaskResultStatus.READY
    assert mail.outbox == []

    # SimpleWorker runs the job in this process (no fork), so the test can read mail.outbox.
    worker = django_rq.get_worker(rq_queue, job_class=Job, worker_class="rq.worker.SimpleWorker")
    worker.work(burst=True, logging_level="WARNING")

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lead@north.example"]


RQWORKER_SCRIPT = textwrap.dedent(
    """
    import sys

    import django
    from django.core.management import call_command
    from django.test.utils import override_settings

    django.setup()
    name, url = sys.argv[1], sys.argv[2]
    with override_settings(
        RQ_QUEUES={"default": {"URL": url}, name: {"URL": url, "DEFAULT_TIMEOUT": 60}},
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", name]}},
    ):
        call_command("rqworker", name, "--burst", "--job-class", "django_tasks_rq.Job", verbosity=0)
    """
)


@pytest.mark.redis
def test_rq_queue_runs_in_the_rqworker_command(rq_queue: str) -> None:
    """The documented worker command (`manage.py rqworker --job-class django_tasks_rq.Job`), in its own process."""
    result = send_email.using(queue_name=rq_queue).enqueue("Welcome", "Body", ["lead@north.example"])

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careershub.settings_test",
        "TASKS_BACKEND": "rq",
        "REDIS_URL": redis_url(),
    }
    completed = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", RQWORKER_SCRIPT, rq_queue, redis_url()],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value == 1
