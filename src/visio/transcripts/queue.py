"""Where transcript jobs run: in this process (default) or on Celery workers.

Both queues only carry transcript ids; the database row is the job (see
:mod:`visio.transcripts.jobs`).  So the in-process queue needs no message
store at all: it takes whatever the database says is due, which is also how
it resumes after a restart.  The Celery queue can lose a message (a Redis
restart without persistence, a worker killed with the whole machine):
:meth:`CeleryQueue.sweep` sends again the jobs whose lease expired or which
waited too long.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from visio.config import Settings
from visio.db import Database, utcnow
from visio.transcripts.jobs import JobOutcome, TranscriptJobRunner
from visio.transcripts.store import TranscriptStore

log = logging.getLogger(__name__)

T = TypeVar("T")


class JobQueue(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop taking jobs.  A job running in this process is abandoned to its lease."""

    async def enqueue(self, transcript_ids: Sequence[str]) -> None:
        """Hand queued jobs to the workers.  Failures are logged (the sweep retries)."""

    async def sweep(self) -> None:
        """Look for jobs that stalled (dead worker, lost message) and hand them out again."""


async def in_daemon_thread(function: Callable[[], T]) -> T:
    """Run ``function`` in a daemon thread: a server that stops does not wait for it.

    (A thread pool's threads are joined at exit: one transcript in progress
    would hold a restart for minutes.  An abandoned job is retried when its
    lease expires.)
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        outcome: Callable[[], None]
        try:
            outcome = functools.partial(_set_result, future, function())
        except BaseException as exc:  # handed to the awaiting task
            outcome = functools.partial(_set_exception, future, exc)
        # The loop may be gone (the server stopped meanwhile): nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(outcome)

    threading.Thread(target=run, name="transcript-job", daemon=True).start()
    return await future


def _set_result(future: asyncio.Future[T], result: T) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


class InProcessQueue:
    """One job at a time, in a thread of this process, taken from the database."""

    def __init__(self, runner: TranscriptJobRunner, poll_seconds: float) -> None:
        self.runner = runner
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._current: str | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="transcript-jobs")

    async def stop(self) -> None:
        # Read before cancelling: the loop forgets its job as it unwinds.
        current, self._current = self._current, None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if current is not None:
            # Let the next start (or another worker) take it at once, not after the lease.
            await asyncio.get_running_loop().run_in_executor(None, self._give_back, current)

    def _give_back(self, transcript_id: str) -> None:
        now = utcnow()
        with self.runner.db.session() as session:
            TranscriptStore(session).release(
                transcript_id,
                self.runner.worker,
                now,
                retry_at=now,
                error="Interrupted: the server stopped; it resumes at the next start",
            )

    async def enqueue(self, transcript_ids: Sequence[str]) -> None:
        self._wake.set()

    async def sweep(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            try:
                due = await loop.run_in_executor(None, self._due)
            except Exception:  # a task boundary: the database may come back
                log.exception("transcript queue: cannot read the jobs")
                due = []
            for transcript_id in due:
                self._current = transcript_id
                try:
                    outcome: JobOutcome = await in_daemon_thread(
                        lambda tid=transcript_id: self.runner.run(tid)  # type: ignore[misc]
                    )
                    log.debug("transcript %s: %s", transcript_id, outcome.kind)
                except Exception:
                    log.exception("transcript job %s crashed", transcript_id)
                finally:
                    self._current = None
            if due:
                continue  # more may have been queued meanwhile
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    def _due(self) -> list[str]:
        with self.runner.db.session() as session:
            return TranscriptStore(session).claimable(utcnow())


class CeleryQueue:
    """Jobs sent to ``visio worker`` processes through Redis."""

    def __init__(self, settings: Settings, db: Database, app: Any = None) -> None:
        """``app``: the Celery app (default: one for ``celery_broker_url``); anything with
        Celery's ``send_task``."""
        from visio.transcripts.celery_app import make_celery

        self.settings = settings
        self.db = db
        self.app = app if app is not None else make_celery(settings)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def enqueue(self, transcript_ids: Sequence[str]) -> None:
        if transcript_ids:
            await asyncio.get_running_loop().run_in_executor(None, self.send, list(transcript_ids))

    def send(self, transcript_ids: Sequence[str]) -> None:
        from visio.transcripts.celery_app import QUEUE, TASK_NAME

        sent = []
        for transcript_id in transcript_ids:
            try:
                self.app.send_task(TASK_NAME, args=[transcript_id], queue=QUEUE)
            except Exception as exc:  # the broker is down: the sweep sends it again
                log.warning("transcript %s not sent to the workers: %s", transcript_id, exc)
                continue
            sent.append(transcript_id)
        with self.db.session() as session:
            TranscriptStore(session).mark_enqueued(sent, utcnow())

    async def sweep(self) -> None:
        stale = await asyncio.get_running_loop().run_in_executor(None, self._stale)
        if stale:
            log.info("transcripts: sending %d stalled job(s) again", len(stale))
            await self.enqueue(stale)

    def _stale(self) -> list[str]:
        now = utcnow()
        most = self.settings.transcript_job_max_attempts
        with self.db.session() as session:
            store = TranscriptStore(session)
            stale = store.stale(now, self.settings.transcript_job_requeue_seconds)
            return [tid for tid in stale if not store.give_up_exhausted(tid, now, most)]
