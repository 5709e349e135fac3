"""The transcript job: claim, transcribe, store, clean up, tell the owner.

:meth:`TranscriptJobRunner.run` is what every queue calls, in a worker thread
of ``visio serve`` or in a ``visio worker`` (Celery) process.  It is
idempotent on the transcript id: a job that is finished, held by a live
worker, or gone is left alone, so delivering a job twice, or to two workers,
is harmless.  A worker that dies (SIGKILL, out of memory, machine lost)
stops renewing its lease; once the lease expires the job can be claimed
again, up to ``transcript_job_max_attempts`` attempts.  Audio is deleted only
after the result is committed, and only if the setting says so.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from visio.config import Settings
from visio.db import Database, utcnow
from visio.errors import VisioError
from visio.rooms.slugs import base_url
from visio.speech import AudioPart, SpeechError, Track, Transcript, TranscriptStatus
from visio.speech.errors import AudioMissing, AudioUnreadable
from visio.speech.pipeline import ProgressCallback
from visio.transcripts.audio import RECORDING_SUFFIX, RecordingError, decode_recording
from visio.transcripts.models import Transcript as TranscriptRow
from visio.transcripts.models import TranscriptCapture, TranscriptState
from visio.transcripts.store import TranscriptStore

log = logging.getLogger(__name__)

#: Back-off before retrying a job that failed for a transient reason, by attempt.
RETRY_DELAYS = (10.0, 60.0, 300.0)
#: Heartbeats come at least this often (and three times per lease).
MAX_HEARTBEAT_SECONDS = 2.0

OutcomeKind = Literal["done", "empty", "failed", "retry", "busy", "skipped", "lost"]


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What a run did.  ``busy``: another worker holds the job; ask again in ``retry_after`` s."""

    kind: OutcomeKind
    retry_after: float = 0.0


class Pipeline(Protocol):
    def run(
        self, tracks: Sequence[Track], language: str, progress: ProgressCallback | None = None
    ) -> Transcript: ...


class MailSender(Protocol):
    """:class:`visio.mail.Mailer`, or a fake."""

    @property
    def enabled(self) -> bool: ...

    def send(self, to: str, subject: str, text: str) -> None:
        """Raises VisioError (MailFailed, MailNotConfigured) when the message is not sent."""


def worker_name() -> str:
    """Names this worker in leases: host, process id (what an operator kills), and a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def audio_folder(settings: Settings, transcript_id: str) -> Path:
    return settings.resolved_transcript_audio_dir / transcript_id


def audio_file(folder: Path, capture_path: str) -> Path:
    """The WAV file the pipeline reads for a capture (a recording decodes next to itself)."""
    path = folder / capture_path
    return path.with_suffix(".wav") if path.suffix == RECORDING_SUFFIX else path


def decode_recordings(folder: Path, captures: Sequence[TranscriptCapture]) -> None:
    """Decode each capture's Opus recording into the WAV file :func:`audio_file` names.

    Done again on every attempt (20-30 s per hour of audio, bench/capture.py); raises
    ``AudioMissing`` or ``AudioUnreadable``, which fail the job with a stored error.
    """
    for capture in captures:
        source = folder / capture.path
        if source.suffix != RECORDING_SUFFIX:
            continue
        try:
            decode_recording(source, audio_file(folder, capture.path))
        except FileNotFoundError as exc:
            raise AudioMissing(
                f"Audio file of {capture.display_name!r} not found: {source}", path=str(source)
            ) from exc
        except RecordingError as exc:
            raise AudioUnreadable(f"Cannot read {source}: {exc}", path=str(source)) from exc
        # Other OSErrors (a full disk) are transient: the job is tried again.


#: How a shared screen's sound is named, after its presenter's name, by transcript language.
SCREEN_AUDIO_LABELS = {"fr": "écran partagé", "en": "shared screen"}


def tracks_of(
    folder: Path, captures: Sequence[TranscriptCapture], language: str = "fr"
) -> list[Track]:
    """One track per speaker (account or browser) and source, parts in time order, names unique.

    A participant's microphone and the sound of the screen they share are two
    tracks: "Alice" and "Alice (écran partagé)" (named in the transcript's
    language; French otherwise).  Speakers get opaque ids (``s1``, ``s2``…, by
    first capture): exports never show account ids or browser hashes.
    """
    # A person's laptop and the meeting-room microphone they joined from are two tracks.
    by_speaker: dict[tuple[str, str, bool], list[TranscriptCapture]] = {}
    for capture in sorted(captures, key=lambda c: (c.start, c.id)):
        source = capture.source or "microphone"  # None: an object not stored yet
        key = (capture.speaker_key, source, bool(capture.shared_microphone))
        by_speaker.setdefault(key, []).append(capture)
    screen = SCREEN_AUDIO_LABELS.get(language, SCREEN_AUDIO_LABELS["fr"])
    names: dict[str, int] = {}
    tracks: list[Track] = []
    for number, ((_key, source, shared), parts) in enumerate(by_speaker.items(), start=1):
        name = parts[-1].display_name  # the name they used last
        if source == "screen_audio":
            name = f"{name} ({screen})"
        names[name] = names.get(name, 0) + 1
        label = name if names[name] == 1 else f"{name} ({names[name]})"
        tracks.append(
            Track(
                speaker_id=f"s{number}",
                speaker_name=label,
                parts=[
                    AudioPart(path=audio_file(folder, c.path), start=max(0.0, c.start))
                    for c in parts
                ],
                # A meeting-room microphone: its voices are told apart (diarization).
                shared_mic=shared,
            )
        )
    return tracks


class _Heartbeat:
    """Renews the lease and stores progress while the pipeline runs (a thread)."""

    def __init__(
        self,
        runner: TranscriptJobRunner,
        transcript_id: str,
        worker: str,
    ) -> None:
        self.runner = runner
        self.transcript_id = transcript_id
        self.worker = worker
        self.progress = 0.0
        self.stage = "starting"
        self.lost = False
        self._stop = threading.Event()
        lease = runner.settings.transcript_job_lease_seconds
        self._interval = min(lease / 3, MAX_HEARTBEAT_SECONDS)
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat {transcript_id}", daemon=True
        )

    def report(self, fraction: float, stage: str) -> None:
        self.progress, self.stage = round(fraction, 4), stage

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                with self.runner.db.session() as session:
                    held = TranscriptStore(session).renew(
                        self.transcript_id,
                        self.worker,
                        self.runner.clock(),
                        self.runner.settings.transcript_job_lease_seconds,
                        self.progress,
                        self.stage,
                    )
            except Exception:  # a thread boundary: the next beat tries again
                log.exception("heartbeat of transcript %s failed", self.transcript_id)
                continue
            if not held:
                # Deleted, or another worker took over after our lease expired:
                # our result will be thrown away (complete() checks the lease).
                self.lost = True
                return


class TranscriptJobRunner:
    """Runs transcript jobs.  Thread-safe; one instance per process keeps the models loaded."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        pipeline: Callable[[], Pipeline] | None = None,
        mailer: MailSender | None = None,
        worker: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.db = db
        self.worker = worker or worker_name()
        self.clock = clock
        self.mailer = mailer
        self._make_pipeline = pipeline or self._default_pipeline
        self._pipeline: Pipeline | None = None
        self._pipeline_lock = threading.Lock()

    def _default_pipeline(self) -> Pipeline:
        from visio.speech import TranscriptPipeline, build_engines

        return TranscriptPipeline(build_engines(self.settings))

    def pipeline(self) -> Pipeline:
        with self._pipeline_lock:
            if self._pipeline is None:
                self._pipeline = self._make_pipeline()
            return self._pipeline

    # --- the job --------------------------------------------------------------------

    def run(self, transcript_id: str) -> JobOutcome:
        """Run the job once.  Never raises for a problem of the job itself (it is stored)."""
        settings = self.settings
        most = settings.transcript_job_max_attempts
        now = self.clock()
        with self.db.session() as session:
            store = TranscriptStore(session)
            transcript = store.get(transcript_id)
            if transcript is None or transcript.state in (
                TranscriptState.CAPTURING,
                TranscriptState.DONE,
                TranscriptState.EMPTY,
                TranscriptState.FAILED,
            ):
                return JobOutcome("skipped")
            attempt = transcript.attempts + 1  # read before the claim counts it
            if not store.claim(
                transcript_id, self.worker, now, settings.transcript_job_lease_seconds, most
            ):
                if store.give_up_exhausted(transcript_id, now, most):
                    log.warning("transcript %s: every attempt died; giving up", transcript_id)
                    return JobOutcome("failed")
                return self._busy(transcript_id, store, now)
            language = transcript.language
            captures = store.captures(transcript_id)
        log.info(
            "transcript %s: attempt %d by %s (%d captures, %s)",
            transcript_id,
            attempt,
            self.worker,
            len(captures),
            language,
        )
        folder = audio_folder(settings, transcript_id)
        tracks = tracks_of(folder, captures, language)
        try:
            with _Heartbeat(self, transcript_id, self.worker) as heartbeat:
                heartbeat.report(0.0, "decoding")
                decode_recordings(folder, captures)
                pipeline = self.pipeline()
                result = pipeline.run(tracks, language, progress=heartbeat.report)
        except SpeechError as exc:
            # Missing or corrupt audio, a language or model the engine cannot
            # do: trying again would fail the same way.  The audio is kept.
            log.warning("transcript %s failed: %s", transcript_id, exc.message)
            self._finish_failed(transcript_id, exc.code, exc.message)
            return JobOutcome("failed")
        except Exception as exc:  # a job boundary: stored, retried, never raised
            log.exception("transcript %s: attempt %d failed", transcript_id, attempt)
            return self._transient(transcript_id, attempt, f"{type(exc).__name__}: {exc}")
        if heartbeat.lost:
            return JobOutcome("lost")
        state = (
            TranscriptState.DONE
            if result.status is TranscriptStatus.COMPLETE
            else TranscriptState.EMPTY
        )
        now = self.clock()
        with self.db.session() as session:
            stored = TranscriptStore(session).complete(
                transcript_id,
                self.worker,
                now,
                state=state,
                result_json=result.model_dump_json(),
                expires_at=now + timedelta(days=settings.transcript_retention_days),
            )
        if not stored:
            log.warning("transcript %s: lease lost before storing; result dropped", transcript_id)
            return JobOutcome("lost")
        log.info(
            "transcript %s %s: %d segments, %.1f s of audio in %.1f s",
            transcript_id,
            state.value,
            len(result.segments),
            result.audio_seconds,
            result.processing_seconds,
        )
        # Only now that the transcript is committed may its audio go.
        if settings.transcript_delete_audio:
            self.delete_audio(transcript_id)
        self.notify(transcript_id)
        return JobOutcome("done" if state is TranscriptState.DONE else "empty")

    def _busy(self, transcript_id: str, store: TranscriptStore, now: datetime) -> JobOutcome:
        transcript = store.get(transcript_id)
        if transcript is None:
            return JobOutcome("skipped")
        store.session.refresh(transcript)
        if transcript.state is TranscriptState.RUNNING and transcript.lease_expires_at:
            wait = (transcript.lease_expires_at - now).total_seconds()
            return JobOutcome("busy", retry_after=max(0.5, wait + 0.5))
        if transcript.state is TranscriptState.QUEUED and transcript.available_at:
            wait = (transcript.available_at - now).total_seconds()
            return JobOutcome("busy", retry_after=max(0.5, wait + 0.1))
        return JobOutcome("skipped")

    def _finish_failed(self, transcript_id: str, code: str, message: str) -> None:
        now = self.clock()
        with self.db.session() as session:
            TranscriptStore(session).fail(
                transcript_id,
                self.worker,
                now,
                code=code,
                message=message,
                expires_at=now + timedelta(days=self.settings.transcript_retention_days),
            )
        self.notify(transcript_id)

    def _transient(self, transcript_id: str, attempt: int, error: str) -> JobOutcome:
        if attempt >= self.settings.transcript_job_max_attempts:
            self._finish_failed(
                transcript_id, "internal_error", f"Gave up after {attempt} attempts: {error}"
            )
            return JobOutcome("failed")
        delay = RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)]
        now = self.clock()
        with self.db.session() as session:
            TranscriptStore(session).release(
                transcript_id,
                self.worker,
                now,
                retry_at=now + timedelta(seconds=delay),
                error=error,
            )
        return JobOutcome("retry", retry_after=delay)

    # --- after the result ---------------------------------------------------------------

    def delete_audio(self, transcript_id: str) -> None:
        shutil.rmtree(audio_folder(self.settings, transcript_id), ignore_errors=True)
        with self.db.session() as session:
            TranscriptStore(session).audio_deleted(transcript_id, self.clock())

    def notify(self, transcript_id: str) -> None:
        """Email the meeting's owner that the transcript is ready (or failed), at most once."""
        mailer = self.mailer
        if mailer is None or not mailer.enabled:
            return
        with self.db.session() as session:
            store = TranscriptStore(session)
            transcript = store.get(transcript_id)
            if transcript is None:
                return
            room, owner = store.room_and_owner(transcript)
            if room is None or owner is None or not store.claim_notice(transcript_id):
                return
            subject, text = notice_text(self.settings, transcript, room.slug, room.name)
            to = owner.email
        try:
            mailer.send(to, subject, text)
            outcome = "sent"
        except VisioError as exc:
            log.warning("transcript %s: notice not sent: %s", transcript_id, exc.message)
            outcome = "failed"
        with self.db.session() as session:
            TranscriptStore(session).set_notice(transcript_id, outcome)


def notice_text(
    settings: Settings, transcript: TranscriptRow, slug: str, name: str | None
) -> tuple[str, str]:
    """The owner's email, in French then English, like invitations."""
    title = name or slug
    # The transcript page of the web client (it offers every download format).
    link = f"{base_url(settings)}/{slug}/transcripts/{transcript.id}"
    if transcript.state is TranscriptState.FAILED:
        subject = f"Transcription impossible : {title}"
        text = (
            f"La transcription de la réunion « {title} » n'a pas pu être faite :"
            f" {transcript.error_message}\n\n"
            f"The transcript of the meeting “{title}” could not be made:"
            f" {transcript.error_message}\n"
        )
        return subject, text
    nobody_fr, nobody_en = (
        (" (personne n'a parlé)", " (nobody spoke)")
        if transcript.state is TranscriptState.EMPTY
        else ("", "")
    )
    subject = f"Transcription prête : {title}"
    text = (
        f"La transcription de la réunion « {title} » est prête{nobody_fr}.\n"
        f"Lisez-la ici (connectez-vous d'abord) : {link}\n\n"
        f"The transcript of the meeting “{title}” is ready{nobody_en}.\n"
        f"Read it here (sign in first): {link}\n"
    )
    return subject, text
