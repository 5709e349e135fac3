"""Reading, exporting and deleting a meeting's transcripts (the REST API's logic).

Who may do what is checked by the HTTP edge with
:class:`visio.access.service.AccessService`: owner and hosts read, the owner
deletes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from visio.config import Settings
from visio.rooms.models import Room
from visio.schemas import ErrorDetail
from visio.speech import ExportFormat, export
from visio.speech import Transcript as TranscriptDocument
from visio.speech.export import MEDIA_TYPES
from visio.transcripts.errors import TranscriptBusy, TranscriptNotFound, TranscriptNotReady
from visio.transcripts.jobs import audio_folder
from visio.transcripts.models import Transcript, TranscriptState
from visio.transcripts.schemas import TranscriptOut, TranscriptSummary
from visio.transcripts.store import TranscriptStore

READY = (TranscriptState.DONE, TranscriptState.EMPTY)


@dataclass(frozen=True, slots=True)
class Download:
    content: bytes
    media_type: str
    filename: str


class TranscriptService:
    """Transcripts in one database session; the caller owns the transaction."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.store = TranscriptStore(session)
        self.settings = settings

    def list(self, room: Room) -> list[TranscriptSummary]:
        return [self.summary(t) for t in self.store.for_room(room.id)]

    def get(self, room: Room, transcript_id: str) -> Transcript:
        """Raises :class:`TranscriptNotFound`, also for another meeting's transcript."""
        transcript = self.store.get(transcript_id)
        if transcript is None or transcript.room_id != room.id:
            raise TranscriptNotFound()
        return transcript

    def summary(self, transcript: Transcript) -> TranscriptSummary:
        return TranscriptSummary(**self._fields(transcript))

    def out(self, transcript: Transcript) -> TranscriptOut:
        document = self.document(transcript) if transcript.state in READY else None
        return TranscriptOut(**self._fields(transcript), transcript=document)

    def _fields(self, transcript: Transcript) -> dict[str, object]:
        error = (
            ErrorDetail(code=transcript.error_code, message=transcript.error_message or "")
            if transcript.error_code
            else None
        )
        speakers: list[str] = []
        for capture in self.store.captures(transcript.id):
            if capture.display_name not in speakers:
                speakers.append(capture.display_name)
        return {
            "id": transcript.id,
            "status": transcript.state,
            "language": transcript.language,
            "progress": transcript.progress,
            "stage": transcript.stage,
            "attempts": transcript.attempts,
            "error": error,
            "started_at": transcript.started_at,
            "started_by": transcript.started_by_name,
            "stopped_at": transcript.stopped_at,
            "finished_at": transcript.finished_at,
            "expires_at": transcript.expires_at,
            "speakers": speakers,
            "audio_kept": transcript.audio_deleted_at is None
            and audio_folder(self.settings, transcript.id).is_dir(),
            "formats": list(ExportFormat) if transcript.state in READY else [],
            "shared_with": list(transcript.shared_with or []),
        }

    @staticmethod
    def document(transcript: Transcript) -> TranscriptDocument:
        if transcript.state not in READY or transcript.result is None:
            raise TranscriptNotReady(status=transcript.status)
        return TranscriptDocument.model_validate_json(transcript.result)

    def download(self, room: Room, transcript: Transcript, fmt: ExportFormat) -> Download:
        """The transcript as a file.  Raises :class:`TranscriptNotReady` before it is stored."""
        document = self.document(transcript)
        title = f"{room.name or room.slug} — transcript"
        date = transcript.started_at.date()
        content = export(document, fmt, title=title, date=date)
        stamp = transcript.started_at.strftime("%Y%m%d-%H%M")
        return Download(content, MEDIA_TYPES[fmt], f"{room.slug}-{stamp}.{fmt.value}")

    def delete(self, transcript: Transcript) -> Path:
        """Delete the transcript; returns its audio folder, to delete once this is committed.

        Raises :class:`TranscriptBusy` while the meeting is captured.  A job
        running now finds the row gone and drops its result.
        """
        if transcript.state is TranscriptState.CAPTURING:
            raise TranscriptBusy()
        self.store.delete(transcript)
        return audio_folder(self.settings, transcript.id)
