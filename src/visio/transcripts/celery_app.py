"""Transcript jobs on Celery workers with Redis: ``visio worker``.

Delivery is at least once: the task is acknowledged only when it returns
(``task_acks_late``), and a worker process that dies mid-task (SIGKILL, out
of memory) has its task put back in the queue (``task_reject_on_worker_lost``).
Running a job twice is harmless: :meth:`TranscriptJobRunner.run` claims the
job's row first, and a job whose lease another worker still holds is retried
once that lease can have expired.  A task that raised is acknowledged
(``task_acks_on_failure_or_timeout``): its failure is stored on the row, and
redelivering it would fail again.

The worker reads the same ``VISIO_*`` settings as the server: database URL,
audio folder (shared storage when workers run on other machines), speech
models and SMTP.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from visio.config import Settings
from visio.transcripts.jobs import TranscriptJobRunner

log = logging.getLogger(__name__)

TASK_NAME = "visio.transcripts.transcribe"
QUEUE = "visio-transcripts"


def make_celery(settings: Settings) -> Any:
    """A Celery app for the broker in ``celery_broker_url`` (the task is registered by workers)."""
    from celery import Celery

    if settings.celery_broker_url is None:
        raise ValueError("VISIO_CELERY_BROKER_URL is not set")
    app = Celery("visio", broker=settings.celery_broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        # One job at a time per process: a prefetched job would wait behind a long one.
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        # An unacknowledged job goes back to the queue after this (a worker lost
        # with its machine).  Longer than any transcript; a second delivery of a
        # job still running finds its lease held and waits.
        broker_transport_options={"visibility_timeout": 6 * 3600},
    )
    return app


def register_task(app: Any, settings: Settings) -> Any:
    """Register the transcribe task.  Each worker process builds its own runner (and models)."""
    runners: dict[int, TranscriptJobRunner] = {}

    def runner() -> TranscriptJobRunner:
        pid = os.getpid()
        if pid not in runners:  # after the fork: own database connections, own models
            from visio.db import Database
            from visio.mail import Mailer

            runners.clear()
            runners[pid] = TranscriptJobRunner(
                settings, Database(settings.resolved_database_url), mailer=Mailer(settings)
            )
        return runners[pid]

    def transcribe(task: Any, transcript_id: str) -> str:
        outcome = runner().run(transcript_id)
        log.info("transcript %s: %s", transcript_id, outcome.kind)
        if outcome.kind in ("busy", "retry"):
            raise task.retry(countdown=outcome.retry_after, max_retries=None)
        return outcome.kind

    return app.task(
        name=TASK_NAME,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=None,
    )(transcribe)


def run_worker(settings: Settings, *, concurrency: int, loglevel: str) -> int:
    """Run a Celery worker (prefork pool) until it is stopped."""
    app = make_celery(settings)
    register_task(app, settings)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            f"--loglevel={loglevel.upper()}",
            f"--queues={QUEUE}",
            "--hostname=visio@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    )
    return 0
