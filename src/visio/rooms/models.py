"""The ``rooms`` table and the per-room settings document stored in it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from visio.db import Base, PydanticJSON, UtcDateTime, utcnow

NAME_MAX_CHARS = 200
#: 32 letters (the longest code, see :mod:`visio.rooms.slugs`) plus 7 dashes, with headroom.
SLUG_MAX_CHARS = 64
#: Upper bound of the global ``max_participants`` setting; the real bound of a
#: room override is the configured value, checked by the service.
PARTICIPANTS_HARD_MAX = 1000
#: sha256 in hex of a browser's visitor id (see :mod:`visio.access.visitor`).
VISITOR_HASH_CHARS = 64

#: Who enters without waiting in the lobby (docs/security.md):
#: ``public`` everyone with the link, ``trusted`` signed-in people (guests wait),
#: ``restricted`` the owner, hosts and invited people (everyone else waits).
AccessLevel = Literal["public", "trusted", "restricted"]
ACCESS_LEVELS: tuple[AccessLevel, ...] = ("public", "trusted", "restricted")


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
    transcript_language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}$",
        description="Language spoken, for transcripts (ISO 639-1, e.g. fr); null: the server's",
    )
    access_level: AccessLevel = Field(
        default="trusted",
        description="public: anyone with the link enters; trusted: signed-in people enter and"
        " guests wait in the lobby; restricted: only the owner, hosts and invited people enter",
    )


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
    #: The signed-in creator; ``None`` for a meeting created anonymously (then
    #: ``owner_visitor`` names the creating browser).
    owner_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    owner_visitor: Mapped[str | None] = mapped_column(String(VISITOR_HASH_CHARS))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"Room(id={self.id!r}, slug={self.slug!r})"
