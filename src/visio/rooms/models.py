"""The ``rooms`` table and the per-room settings document stored in it."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from visio.db import Base, PydanticJSON, UtcDateTime, utcnow

NAME_MAX_CHARS = 200
#: 32 letters (the longest code, see :mod:`visio.rooms.slugs`) plus 7 dashes, with headroom.
SLUG_MAX_CHARS = 64
#: Upper bound of the global ``max_participants`` setting; the real bound of a
#: room override is the configured value, checked by the service.
PARTICIPANTS_HARD_MAX = 1000


class RoomSettings(BaseModel):
    """Per-room options, stored as one JSON document.  Frozen: replace it to change it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_participants: int | None = Field(
        default=None,
        ge=1,
        le=PARTICIPANTS_HARD_MAX,
        description="Lower the server-wide participant limit for this room (null: server limit)",
    )
    start_audio_muted: bool = Field(default=False, description="Participants join muted")
    start_video_muted: bool = Field(default=False, description="Participants join camera off")


def _new_id() -> str:
    return str(uuid.uuid4())


def _default_settings() -> RoomSettings:
    return RoomSettings()


class Room(Base):
    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX_CHARS), unique=True, index=True)
    name: Mapped[str | None] = mapped_column(String(NAME_MAX_CHARS))
    settings: Mapped[RoomSettings] = mapped_column(
        PydanticJSON(RoomSettings), default=_default_settings
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"Room(id={self.id!r}, slug={self.slug!r})"
