"""The transcript of a meeting: what the pipeline returns and the exports read."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class TranscriptStatus(StrEnum):
    #: At least one word was recognized.
    COMPLETE = "complete"
    #: Nobody spoke (or no track had audio): a result, not an error.
    EMPTY = "empty"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Word(_Frozen):
    start: float = Field(description="Seconds on the meeting clock")
    end: float
    word: str = Field(description="As recognized, without surrounding spaces")
    prob: float = Field(ge=0.0, le=1.0, description="The recognizer's confidence")


class Segment(_Frozen):
    speaker_id: str = Field(description="The track's speaker (the participant)")
    speaker_label: str = Field(
        description="Name shown for the voice: the participant's name, or 'Room (2)' for the"
        " second voice of a shared microphone"
    )
    start: float = Field(description="Seconds on the meeting clock")
    end: float
    text: str
    words: list[Word] = Field(default_factory=list)


class Speaker(_Frozen):
    speaker_id: str
    label: str
    shared_mic: bool = False


class Engines(_Frozen):
    vad: str
    asr: str
    asr_model: str
    #: None when no track was diarized (no shared microphone).
    diarization: str | None = None


class Transcript(_Frozen):
    status: TranscriptStatus
    language: str = Field(description="ISO 639-1 code of the language transcribed")
    duration: float = Field(
        ge=0.0, description="Seconds from the meeting clock's 0 to the end of the last audio"
    )
    audio_seconds: float = Field(ge=0.0, description="Audio processed, all tracks added up")
    processing_seconds: float = Field(ge=0.0, description="Wall time of the pipeline")
    engines: Engines
    #: In order of first speech.
    speakers: list[Speaker] = Field(default_factory=list)
    #: Ordered by start time, all tracks merged.
    segments: list[Segment] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """All segments' text, in order, one per line."""
        return "\n".join(segment.text for segment in self.segments)
