"""Room logic: meeting codes, limits and the life cycle of a room."""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Literal

from sqlalchemy.orm import Session

from visio.config import Settings
from visio.errors import RoomNotFound, ValidationFailed
from visio.rooms.models import Room, RoomSettings
from visio.rooms.slugs import generate_slug, normalize_slug
from visio.rooms.store import RoomStore, SlugTaken

log = logging.getLogger(__name__)

#: One collision at 56+ bits is already unlikely; several in a row mean a
#: broken random source, and retrying forever would hide it.
SLUG_ATTEMPTS = 5


class _Keep(Enum):
    KEEP = "keep"


#: Default of :meth:`RoomService.update` arguments: leave the value as it is.
KEEP = _Keep.KEEP


class RoomService:
    """Rooms in one database session; the caller owns the transaction (commit/rollback)."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        *,
        new_slug: Callable[[Settings], str] = generate_slug,
    ) -> None:
        self.store = RoomStore(session)
        self.settings = settings
        self._new_slug = new_slug

    def create(
        self,
        name: str | None = None,
        settings: RoomSettings | None = None,
        *,
        owner_id: str | None = None,
        owner_visitor: str | None = None,
    ) -> Room:
        """Create a room with a fresh meeting code.

        Raises :class:`ValidationFailed` when ``settings`` exceed the server limits.
        """
        room_settings = settings if settings is not None else RoomSettings()
        self._check_settings(room_settings)
        for _ in range(SLUG_ATTEMPTS):
            slug = self._new_slug(self.settings)
            try:
                room = self.store.add(
                    slug, name, room_settings, owner_id=owner_id, owner_visitor=owner_visitor
                )
            except SlugTaken:
                # Checking for the code before inserting would race with a
                # concurrent request; the unique index is the only real guard.
                log.warning("meeting code collision on %s; drawing another", slug)
                continue
            log.info("room %s created", room.slug)
            return room
        raise RuntimeError(f"no free meeting code after {SLUG_ATTEMPTS} attempts")

    def get(self, slug_or_link: str) -> Room:
        """The room for a meeting code or link.

        Raises :class:`RoomNotFound` when there is none, and for malformed codes.
        """
        slug = normalize_slug(slug_or_link)
        room = self.store.get_by_slug(slug) if slug is not None else None
        if room is None:
            raise RoomNotFound()
        return room

    def update(
        self,
        slug: str,
        *,
        name: str | Literal[_Keep.KEEP] | None = KEEP,
        settings: RoomSettings | None = None,
    ) -> Room:
        """Change a room's name and/or settings.

        ``name=None`` removes the name.  Only the fields set explicitly on
        ``settings`` (its ``model_fields_set``) change, so a partial document
        from a PATCH body merges into the stored one.  Raises
        :class:`RoomNotFound` and :class:`ValidationFailed`.
        """
        room = self.get(slug)
        if name is not KEEP:
            room.name = name
        if settings is not None:
            changed = settings.model_dump(include=settings.model_fields_set)
            merged = RoomSettings.model_validate(room.settings.model_dump() | changed)
            self._check_settings(merged)
            room.settings = merged
        self.store.flush()
        return room

    def delete(self, slug: str) -> None:
        """Delete a room.  Raises :class:`RoomNotFound`."""
        room = self.get(slug)
        self.store.delete(room)
        log.info("room %s deleted", room.slug)

    def max_participants(self, room: Room) -> int:
        """The participant limit of a room: its override, never above the server's."""
        override = room.settings.max_participants
        limit = self.settings.max_participants
        return limit if override is None else min(override, limit)

    def _check_settings(self, settings: RoomSettings) -> None:
        limit = self.settings.max_participants
        if settings.max_participants is not None and settings.max_participants > limit:
            raise ValidationFailed(
                f"max_participants must be at most {limit} on this server",
                problems=[
                    {
                        "loc": ["body", "settings", "max_participants"],
                        "msg": f"Input should be less than or equal to {limit}",
                    }
                ],
            )
