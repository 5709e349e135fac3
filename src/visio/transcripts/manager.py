"""Transcripts in a running server: starting captures, the job queue, the sweeper.

Built once by :class:`visio.services.Services`.  At start it recovers what a
crash left: captures of meetings that were live (their files are closed and
their transcripts queued) and jobs whose worker died (retried by the queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from datetime import datetime

from visio.config import Settings
from visio.db import Database, utcnow
from visio.errors import RoomNotFound
from visio.rooms.service import RoomService
from visio.speech import LanguageNotSupported, SpeechError
from visio.speech.base import SpeechRecognizer
from visio.transcripts.audio import captured_seconds
from visio.transcripts.capture import CaptureSession, OpenReceiver, open_udp_receiver
from visio.transcripts.errors import TranscriptionUnavailable
from visio.transcripts.jobs import MailSender, TranscriptJobRunner, audio_folder
from visio.transcripts.queue import CeleryQueue, InProcessQueue, JobQueue
from visio.transcripts.store import TranscriptStore

log = logging.getLogger(__name__)

#: An audio folder without a transcript is deleted once untouched for this long.
ORPHAN_SECONDS = 3600.0


class MeetingTranscriber:
    """Starts transcripts for live meetings (the signaling's ``Transcriber``)."""

    def __init__(self, manager: TranscriptManager) -> None:
        self.manager = manager

    async def start(
        self, slug: str, language: str | None, *, started_by: str, started_by_name: str
    ) -> CaptureSession:
        manager = self.manager
        settings = manager.settings
        if not settings.transcription_enabled:
            raise TranscriptionUnavailable("Transcripts are turned off on this server")
        code = manager.check_language(language or settings.transcript_language)
        started_at = utcnow()
        transcript_id = await asyncio.get_running_loop().run_in_executor(
            None, manager.create, slug, code, started_by, started_by_name, started_at
        )
        log.info("transcript %s of %s started (%s) by %s", transcript_id, slug, code, started_by)
        return CaptureSession(
            transcript_id=transcript_id,
            language=code,
            started_at=started_at,
            folder=audio_folder(settings, transcript_id),
            host=settings.transcript_capture_host,
            db=manager.db,
            on_stopped=manager.captured,
            open_receiver=manager.open_receiver,
        )


def _unusable(exc: SpeechError | ValueError) -> TranscriptionUnavailable:
    message = exc.message if isinstance(exc, SpeechError) else str(exc)
    return TranscriptionUnavailable(f"The speech engine is not usable: {message}")


class TranscriptManager:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        mailer: MailSender | None = None,
        queue: JobQueue | None = None,
        runner: TranscriptJobRunner | None = None,
        recognizer: SpeechRecognizer | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.runner = runner or TranscriptJobRunner(settings, db, mailer=mailer)
        if queue is None:
            queue = (
                CeleryQueue(settings, db)
                if settings.celery_broker_url is not None
                else InProcessQueue(self.runner, settings.transcript_sweep_seconds)
            )
        self.queue = queue
        self.transcriber = MeetingTranscriber(self)
        self._recognizer_built = recognizer
        #: Opens the UDP end of each forward (tests feed packets through their own).
        self.open_receiver: OpenReceiver = open_udp_receiver
        self._sweeper: asyncio.Task[None] | None = None

    # --- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        recovered = await loop.run_in_executor(None, self.recover)
        await self.queue.start()
        if recovered:
            await self.queue.enqueue(recovered)
        self._sweeper = loop.create_task(self._sweep_forever(), name="transcript-sweeper")

    async def stop(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        await self.queue.stop()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.transcript_sweep_seconds)
            try:
                await self.sweep()
            except Exception:  # a task boundary: try again next time
                log.exception("transcript sweep failed")

    async def sweep(self) -> None:
        await self.queue.sweep()
        await asyncio.get_running_loop().run_in_executor(None, self.clean_up)

    # --- starting --------------------------------------------------------------------------

    def check_language(self, language: str) -> str:
        """The model's code for ``language``.

        Raises LanguageNotSupported, or TranscriptionUnavailable when the
        speech model's folder is not usable.  Cheap: reads the model folder's
        vocabulary, loads no model.  With Celery the workers must have the
        same model (same settings).
        """
        try:
            return self._recognizer().check_language(language)
        except LanguageNotSupported:
            raise
        except (SpeechError, ValueError) as exc:
            raise _unusable(exc) from exc

    def languages(self) -> list[str]:
        """What the speech model transcribes (ISO 639-1 codes, sorted); none when it cannot run.

        The web client offers these (``GET /api/v1/config``); loads no model.
        """
        if not self.settings.transcription_enabled:
            return []
        try:
            return sorted(self._recognizer().languages)
        except (SpeechError, ValueError):
            return []

    def _recognizer(self) -> SpeechRecognizer:
        if self._recognizer_built is None:
            from visio.speech.engines import build_recognizer

            self._recognizer_built = build_recognizer(self.settings)
        return self._recognizer_built

    def create(
        self,
        slug: str,
        language: str,
        started_by: str,
        started_by_name: str,
        started_at: datetime,
    ) -> str:
        with self.db.session() as session:
            try:
                room = RoomService(session, self.settings).get(slug)
            except RoomNotFound as exc:
                raise TranscriptionUnavailable("The meeting was deleted") from exc
            transcript = TranscriptStore(session).create(
                room.id,
                language,
                started_by=started_by,
                started_by_name=started_by_name,
                started_at=started_at,
            )
            return transcript.id

    async def captured(self, transcript_id: str) -> None:
        """A capture ended and its transcript is queued: hand it to the workers."""
        await self.queue.enqueue([transcript_id])

    # --- recovery and housekeeping ------------------------------------------------------

    def recover(self) -> list[str]:
        """Captures a crash left open: close their files and queue their transcripts.

        One server process owns the live meetings of its database (as for the
        lobby), so at start no capture can still be live.
        """
        now = utcnow()
        recovered: list[str] = []
        with self.db.session() as session:
            store = TranscriptStore(session)
            for transcript in store.capturing():
                folder = audio_folder(self.settings, transcript.id)
                for capture in store.captures(transcript.id):
                    if capture.duration is None:
                        store.close_capture(capture.id, captured_seconds(folder / capture.path))
                store.queue(transcript.id, now)
                recovered.append(transcript.id)
        if recovered:
            log.warning("transcripts: queued %d capture(s) a stop interrupted", len(recovered))
        return recovered

    def clean_up(self) -> None:
        """Delete expired transcripts, audio a worker stopped before deleting, orphan audio.

        Orphans are folders whose transcript is gone (its meeting was deleted
        while its audio was kept): they go once untouched for an hour, so
        that a capture starting now is never mistaken for one.
        """
        now = utcnow()
        root = self.settings.resolved_transcript_audio_dir
        folders = [f for f in root.iterdir() if f.is_dir()] if root.is_dir() else []
        with self.db.session() as session:
            store = TranscriptStore(session)
            expired = store.expired(now)
            leftover = store.audio_to_delete() if self.settings.transcript_delete_audio else []
            store.delete_ids(expired)
            for transcript_id in leftover:
                store.audio_deleted(transcript_id, now)
            known = store.existing({f.name for f in folders})
        stale = time.time() - ORPHAN_SECONDS
        orphans = [f.name for f in folders if f.name not in known and f.stat().st_mtime < stale]
        for transcript_id in [*expired, *leftover, *orphans]:
            shutil.rmtree(audio_folder(self.settings, transcript_id), ignore_errors=True)
        if expired or orphans:
            log.info(
                "transcripts: %d expired, %d orphan audio folders deleted",
                len(expired),
                len(orphans),
            )
