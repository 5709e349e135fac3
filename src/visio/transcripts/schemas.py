"""HTTP response models of the transcripts API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from visio.schemas import EmailAddress, ErrorDetail
from visio.speech import ExportFormat
from visio.speech import Transcript as TranscriptDocument
from visio.transcripts.models import TranscriptState

__all__ = [
    "ExportFormat",
    "SharingIn",
    "TranscriptDocument",
    "TranscriptOut",
    "TranscriptSummary",
]


class TranscriptSummary(BaseModel):
    id: str
    status: TranscriptState = Field(
        description="capturing (the meeting is live), queued, running, done, empty (nobody"
        " spoke), failed (see error)"
    )
    language: str = Field(description="ISO 639-1 code of the language transcribed")
    progress: float = Field(ge=0.0, le=1.0, description="Share of the job done (running)")
    stage: str | None = Field(description="What the job is doing: decoding, transcribing…")
    attempts: int = Field(description="Attempts so far (a worker that died counts one)")
    error: ErrorDetail | None = Field(description="Why it failed, or why it is being retried")
    started_at: datetime = Field(description="The meeting clock's 0: when capture started")
    started_by: str | None = Field(description="Display name of the host who started it")
    stopped_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="When it is deleted (set once finished)")
    speakers: list[str] = Field(description="People whose microphone was captured")
    audio_kept: bool = Field(description="The captured audio is still on the server")
    formats: list[ExportFormat] = Field(
        description="Formats it can be downloaded in now (GET …/download?format=)"
    )
    shared_with: list[str] = Field(
        description="Signed-in people (by email) the owner shared it with: they may read it"
        " (empty for them: only hosts see the list)"
    )


class TranscriptOut(TranscriptSummary):
    transcript: TranscriptDocument | None = Field(
        description="Who said what, on the meeting clock; null until done or empty"
    )


class SharingIn(BaseModel):
    """Who, besides the meeting's owner and hosts, may read a transcript (the whole list)."""

    model_config = ConfigDict(extra="forbid")

    emails: list[EmailAddress] = Field(
        max_length=50, description="Email addresses of signed-in people; [] shares with nobody"
    )
