"""Database access for transcripts and their jobs.  No rules here: see service and jobs.

The job operations are single conditional ``UPDATE`` statements, so that two
workers (threads, processes or machines) racing for one job cannot both win:
the database decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from visio.accounts.models import User
from visio.rooms.models import Room
from visio.transcripts.models import (
    ERROR_MAX_CHARS,
    Transcript,
    TranscriptCapture,
    TranscriptState,
)

S = TranscriptState


class TranscriptStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- transcripts ------------------------------------------------------------------

    def create(
        self,
        room_id: str,
        language: str,
        *,
        started_by: str | None,
        started_by_name: str | None,
        started_at: datetime,
    ) -> Transcript:
        transcript = Transcript(
            room_id=room_id,
            language=language,
            status=S.CAPTURING.value,
            started_by=started_by,
            started_by_name=started_by_name,
            started_at=started_at,
            progress=0.0,
            attempts=0,
            notice="none",
            created_at=started_at,
            updated_at=started_at,
        )
        self.session.add(transcript)
        self.session.flush()
        return transcript

    def get(self, transcript_id: str) -> Transcript | None:
        return self.session.get(Transcript, transcript_id)

    def for_room(self, room_id: str) -> list[Transcript]:
        return list(
            self.session.scalars(
                select(Transcript)
                .where(Transcript.room_id == room_id)
                .order_by(Transcript.started_at.desc(), Transcript.id)
            )
        )

    def delete(self, transcript: Transcript) -> None:
        self.session.delete(transcript)
        self.session.flush()

    def room_and_owner(self, transcript: Transcript) -> tuple[Room | None, User | None]:
        room = self.session.get(Room, transcript.room_id)
        owner = self.session.get(User, room.owner_id) if room and room.owner_id else None
        return room, owner

    # --- captures ------------------------------------------------------------------------

    def add_capture(
        self,
        capture_id: str,
        transcript_id: str,
        *,
        speaker_key: str,
        display_name: str,
        participant_id: str,
        path: str,
        start: float,
        shared_microphone: bool = False,
        source: str = "microphone",
    ) -> None:
        self.session.add(
            TranscriptCapture(
                id=capture_id,
                transcript_id=transcript_id,
                speaker_key=speaker_key,
                shared_microphone=shared_microphone,
                source=source,
                display_name=display_name[:200],
                participant_id=participant_id[:64],
                path=path,
                start=max(0.0, start),
            )
        )

    def close_capture(self, capture_id: str, duration: float) -> None:
        self.session.execute(
            update(TranscriptCapture)
            .where(TranscriptCapture.id == capture_id)
            .values(duration=max(0.0, duration))
        )

    def captures(self, transcript_id: str) -> list[TranscriptCapture]:
        return list(
            self.session.scalars(
                select(TranscriptCapture)
                .where(TranscriptCapture.transcript_id == transcript_id)
                .order_by(TranscriptCapture.start, TranscriptCapture.id)
            )
        )

    def capturing(self) -> list[Transcript]:
        return list(
            self.session.scalars(select(Transcript).where(Transcript.status == S.CAPTURING.value))
        )

    def queue(self, transcript_id: str, now: datetime) -> bool:
        """Capturing → queued (the meeting's capture ended).  False if it was not capturing."""
        result = self.session.execute(
            update(Transcript)
            .where(Transcript.id == transcript_id, Transcript.status == S.CAPTURING.value)
            .values(status=S.QUEUED.value, stopped_at=now, available_at=now, updated_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- jobs ------------------------------------------------------------------------------

    def claim(
        self, transcript_id: str, worker: str, now: datetime, lease: float, most: int
    ) -> bool:
        """Take the job: queued and due, or running with an expired lease (its worker died).

        Counts an attempt.  Returns False when someone else holds it, it is
        finished, or it has used ``most`` attempts.
        """
        result = self.session.execute(
            update(Transcript)
            .where(
                Transcript.id == transcript_id,
                Transcript.attempts < most,
                or_(
                    and_(
                        Transcript.status == S.QUEUED.value,
                        or_(Transcript.available_at.is_(None), Transcript.available_at <= now),
                    ),
                    and_(
                        Transcript.status == S.RUNNING.value,
                        or_(
                            Transcript.lease_expires_at.is_(None),
                            Transcript.lease_expires_at < now,
                        ),
                    ),
                ),
            )
            .values(
                status=S.RUNNING.value,
                lease_owner=worker,
                lease_expires_at=now + timedelta(seconds=lease),
                heartbeat_at=now,
                job_started_at=now,
                attempts=Transcript.attempts + 1,
                progress=0.0,
                stage="starting",
                error_code=None,
                error_message=None,
                updated_at=now,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def give_up_exhausted(self, transcript_id: str, now: datetime, most: int) -> bool:
        """Fail a job whose every attempt died with its worker (lease expired, none left)."""
        result = self.session.execute(
            update(Transcript)
            .where(
                Transcript.id == transcript_id,
                Transcript.attempts >= most,
                or_(
                    Transcript.status == S.QUEUED.value,
                    and_(
                        Transcript.status == S.RUNNING.value,
                        or_(
                            Transcript.lease_expires_at.is_(None),
                            Transcript.lease_expires_at < now,
                        ),
                    ),
                ),
            )
            .values(
                status=S.FAILED.value,
                lease_owner=None,
                lease_expires_at=None,
                finished_at=now,
                error_code="worker_lost",
                error_message=f"The transcription stopped {most} times without finishing"
                " (worker killed or out of memory)",
                updated_at=now,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _update_held(self, transcript_id: str, worker: str, **values: object) -> bool:
        """Change a running job only if ``worker`` still holds its lease (one UPDATE)."""
        result = self.session.execute(
            update(Transcript)
            .where(
                Transcript.id == transcript_id,
                Transcript.status == S.RUNNING.value,
                Transcript.lease_owner == worker,
            )
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def renew(
        self,
        transcript_id: str,
        worker: str,
        now: datetime,
        lease: float,
        progress: float,
        stage: str,
    ) -> bool:
        """Heartbeat: extend the lease and report progress.  False when the lease was lost."""
        return self._update_held(
            transcript_id,
            worker,
            lease_expires_at=now + timedelta(seconds=lease),
            heartbeat_at=now,
            progress=progress,
            stage=stage[:40],
            updated_at=now,
        )

    def complete(
        self,
        transcript_id: str,
        worker: str,
        now: datetime,
        *,
        state: TranscriptState,
        result_json: str,
        expires_at: datetime,
    ) -> bool:
        """Store the result, if this worker still holds the job."""
        return self._update_held(
            transcript_id,
            worker,
            status=state.value,
            result=result_json,
            progress=1.0,
            stage="done",
            lease_owner=None,
            lease_expires_at=None,
            finished_at=now,
            expires_at=expires_at,
            updated_at=now,
        )

    def fail(
        self,
        transcript_id: str,
        worker: str,
        now: datetime,
        *,
        code: str,
        message: str,
        expires_at: datetime,
    ) -> bool:
        return self._update_held(
            transcript_id,
            worker,
            status=S.FAILED.value,
            lease_owner=None,
            lease_expires_at=None,
            finished_at=now,
            expires_at=expires_at,
            error_code=code[:64],
            error_message=message[:ERROR_MAX_CHARS],
            updated_at=now,
        )

    def release(
        self, transcript_id: str, worker: str, now: datetime, *, retry_at: datetime, error: str
    ) -> bool:
        """Give the job back for a later attempt (a transient failure)."""
        return self._update_held(
            transcript_id,
            worker,
            status=S.QUEUED.value,
            lease_owner=None,
            lease_expires_at=None,
            available_at=retry_at,
            error_code="retrying",
            error_message=error[:ERROR_MAX_CHARS],
            updated_at=now,
        )

    def mark_enqueued(self, transcript_ids: Sequence[str], now: datetime) -> None:
        if transcript_ids:
            self.session.execute(
                update(Transcript)
                .where(Transcript.id.in_(list(transcript_ids)))
                .values(enqueued_at=now)
            )

    def claimable(self, now: datetime) -> list[str]:
        """Jobs a worker could take now: queued and due, or running with an expired lease."""
        return list(
            self.session.scalars(
                select(Transcript.id)
                .where(
                    or_(
                        and_(
                            Transcript.status == S.QUEUED.value,
                            or_(
                                Transcript.available_at.is_(None),
                                Transcript.available_at <= now,
                            ),
                        ),
                        and_(
                            Transcript.status == S.RUNNING.value,
                            or_(
                                Transcript.lease_expires_at.is_(None),
                                Transcript.lease_expires_at < now,
                            ),
                        ),
                    )
                )
                .order_by(Transcript.stopped_at, Transcript.id)
            )
        )

    def stale(self, now: datetime, requeue_after: float) -> list[str]:
        """Jobs whose queue message may be lost: an expired lease, or queued for too long."""
        old = now - timedelta(seconds=requeue_after)
        return list(
            self.session.scalars(
                select(Transcript.id).where(
                    or_(
                        and_(
                            Transcript.status == S.RUNNING.value,
                            or_(
                                Transcript.lease_expires_at.is_(None),
                                Transcript.lease_expires_at < now,
                            ),
                        ),
                        and_(
                            Transcript.status == S.QUEUED.value,
                            or_(Transcript.available_at.is_(None), Transcript.available_at <= now),
                            or_(Transcript.enqueued_at.is_(None), Transcript.enqueued_at < old),
                        ),
                    )
                )
            )
        )

    def claim_notice(self, transcript_id: str) -> bool:
        """none → sending, once: the ready email goes out at most once."""
        result = self.session.execute(
            update(Transcript)
            .where(Transcript.id == transcript_id, Transcript.notice == "none")
            .values(notice="sending")
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def set_notice(self, transcript_id: str, notice: str) -> None:
        self.session.execute(
            update(Transcript).where(Transcript.id == transcript_id).values(notice=notice)
        )

    def audio_deleted(self, transcript_id: str, now: datetime) -> None:
        self.session.execute(
            update(Transcript)
            .where(Transcript.id == transcript_id, Transcript.audio_deleted_at.is_(None))
            .values(audio_deleted_at=now)
        )

    def audio_to_delete(self) -> list[str]:
        """Stored transcripts whose audio is still on disk (a worker stopped in between)."""
        return list(
            self.session.scalars(
                select(Transcript.id).where(
                    Transcript.status.in_([S.DONE.value, S.EMPTY.value]),
                    Transcript.audio_deleted_at.is_(None),
                )
            )
        )

    def expired(self, now: datetime) -> list[str]:
        return list(
            self.session.scalars(
                select(Transcript.id).where(
                    Transcript.expires_at.is_not(None), Transcript.expires_at <= now
                )
            )
        )

    def existing(self, transcript_ids: set[str]) -> set[str]:
        """Those of ``transcript_ids`` that are transcripts."""
        if not transcript_ids:
            return set()
        return set(
            self.session.scalars(select(Transcript.id).where(Transcript.id.in_(transcript_ids)))
        )

    def delete_ids(self, transcript_ids: Sequence[str]) -> None:
        if transcript_ids:
            self.session.execute(delete(Transcript).where(Transcript.id.in_(list(transcript_ids))))
