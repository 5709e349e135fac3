"""The ``transcripts`` and ``transcript_captures`` tables.

A transcript row is also its job's row: the job queue (in-process or Celery)
only ever carries a transcript id, and the state that makes retries and
restarts safe lives here (status, attempts, lease, error).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from visio.db import Base, UtcDateTime, utcnow

LANGUAGE_MAX_CHARS = 16
ACTOR_MAX_CHARS = 200
NAME_MAX_CHARS = 200
ERROR_MAX_CHARS = 1000
#: ``user:<uuid>``, ``visitor:<sha256 hex>`` or ``participant:<id>``.
SPEAKER_KEY_MAX_CHARS = 80
WORKER_MAX_CHARS = 200


class TranscriptState(StrEnum):
    #: The meeting is live and its audio is being captured.
    CAPTURING = "capturing"
    #: Captured; waiting for a worker (or for a retry after ``available_at``).
    QUEUED = "queued"
    #: A worker holds the lease and transcribes.
    RUNNING = "running"
    #: Stored; words were recognised.
    DONE = "done"
    #: Stored; nobody spoke.
    EMPTY = "empty"
    #: Gave up; ``error_code`` and ``error_message`` say why.
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (TranscriptState.DONE, TranscriptState.EMPTY, TranscriptState.FAILED)


def _new_id() -> str:
    return str(uuid.uuid4())


class Transcript(Base):
    __tablename__ = "transcripts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(LANGUAGE_MAX_CHARS))
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: The host who started it: user id or ``guest:<name>`` (as in the audit log), and name.
    started_by: Mapped[str | None] = mapped_column(String(ACTOR_MAX_CHARS))
    started_by_name: Mapped[str | None] = mapped_column(String(NAME_MAX_CHARS))
    #: Wall-clock time of the meeting clock's 0 (capture offsets are seconds after it).
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    # --- the job ------------------------------------------------------------------
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: A queued job is not taken before this (retry back-off).
    available_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: When the job was last handed to the queue (Celery re-sends stale ones).
    enqueued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(WORKER_MAX_CHARS))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    job_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(String(ERROR_MAX_CHARS))

    # --- the result and its life ------------------------------------------------------
    #: The :class:`visio.speech.Transcript` as JSON, once stored.
    result: Mapped[str | None] = mapped_column(Text)
    #: Set when the captured audio was deleted (None: still on disk).
    audio_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: ``none`` (no owner address or no SMTP), ``sending``, ``sent`` or ``failed``.
    notice: Mapped[str] = mapped_column(String(16), default="none")
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    #: Email addresses (lower case) of signed-in people the owner shared it with:
    #: they may read and download it, nothing else.
    shared_with: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def state(self) -> TranscriptState:
        return TranscriptState(self.status)

    def __repr__(self) -> str:
        return f"Transcript(id={self.id!r}, status={self.status!r})"


class TranscriptCapture(Base):
    """One audio file: a participant's microphone (or shared screen's sound), first heard to end.

    A participant who leaves and comes back, or publishes again, gets another
    capture with the same ``speaker_key``: one speaker in the transcript.
    """

    __tablename__ = "transcript_captures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    transcript_id: Mapped[str] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    speaker_key: Mapped[str] = mapped_column(String(SPEAKER_KEY_MAX_CHARS))
    #: A meeting-room microphone several people speak into: its voices are told apart.
    shared_microphone: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``microphone``, or ``screen_audio``: the sound of a screen the participant shares.
    source: Mapped[str] = mapped_column(String(16), default="microphone")
    display_name: Mapped[str] = mapped_column(String(NAME_MAX_CHARS))
    participant_id: Mapped[str] = mapped_column(String(64))
    #: The file, relative to the transcript's audio folder.
    path: Mapped[str] = mapped_column(String(200))
    #: Seconds from the meeting clock's 0 to the file's first sample.
    start: Mapped[float] = mapped_column(Float)
    #: Seconds of audio; None while the capture is open.
    duration: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
