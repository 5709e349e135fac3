"""HTTP request and response models of the rooms API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from visio.access.policy import Role
from visio.rooms.models import NAME_MAX_CHARS, RoomSettings

__all__ = [
    "ClientConfig",
    "RoomCreate",
    "RoomOut",
    "RoomSettings",
    "RoomUpdate",
    "TranscriptionConfig",
]


def _clean_name(value: str | None) -> str | None:
    """Surrounding space is dropped and a blank name means no name."""
    if value is None:
        return None
    value = value.strip()
    return value or None


class RoomCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=NAME_MAX_CHARS, description="Display name")
    settings: RoomSettings = Field(default_factory=RoomSettings)

    _name = field_validator("name")(_clean_name)


class RoomUpdate(BaseModel):
    """A partial update: only the fields present in the body change.

    ``name: null`` removes the name.  Inside ``settings`` too only the given
    fields change; ``max_participants: null`` goes back to the server limit.
    """

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=NAME_MAX_CHARS)
    settings: RoomSettings = Field(default_factory=RoomSettings)

    _name = field_validator("name")(_clean_name)


class RoomOut(BaseModel):
    id: str
    slug: str = Field(description="Meeting code, e.g. abcd-efgh-ijkl")
    name: str | None
    url: str = Field(description="Link people open to join")
    settings: RoomSettings
    your_role: Role = Field(description="What the caller is to this meeting")
    created_at: datetime
    updated_at: datetime


class TranscriptionConfig(BaseModel):
    """What the web client offers hosts for transcripts."""

    available: bool = Field(
        description="Hosts may start transcripts: turned on, and the speech model can run"
    )
    languages: list[str] = Field(
        description="What the speech model transcribes (ISO 639-1 codes); empty when unavailable"
    )
    default_language: str = Field(description="The language used when the host names none")
    allowed_roles: list[Literal["owner", "host"]] = Field(description="Who may start one")


class ClientConfig(BaseModel):
    """What the web client needs to know about this server before joining."""

    protocol_version: int = Field(description="Signaling protocol version the server speaks")
    max_participants: int
    max_video_subscriptions: int = Field(description="Video streams one client may receive")
    max_audio_subscriptions: int = Field(description="Audio streams one client may receive")
    ws_max_message_bytes: int
    public_url: str | None
    sign_in_enabled: bool = Field(description="Sign-in through the identity provider is set up")
    anonymous_rooms: bool = Field(description="People who are not signed in may create meetings")
    transcription: TranscriptionConfig
