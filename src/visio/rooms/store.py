"""Database access for rooms.  No rules here: those live in :mod:`visio.rooms.service`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from visio.db import utcnow
from visio.rooms.models import Room, RoomSettings


class SlugTaken(Exception):
    """Another room already has this slug."""


class RoomStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        slug: str,
        name: str | None,
        settings: RoomSettings,
        *,
        owner_id: str | None = None,
        owner_visitor: str | None = None,
    ) -> Room:
        """Insert a room and flush it.  Raises :class:`SlugTaken` if the slug is in use.

        The insert runs in a savepoint, so a collision leaves the rest of the
        session's transaction intact.
        """
        now = utcnow()  # one instant, so a new room has created_at == updated_at
        room = Room(
            slug=slug,
            name=name,
            settings=settings,
            owner_id=owner_id,
            owner_visitor=owner_visitor,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(room)
        except IntegrityError as exc:
            # Only the slug is unique besides the random uuid primary key.
            raise SlugTaken(slug) from exc
        return room

    def get_by_slug(self, slug: str) -> Room | None:
        return self.session.scalars(select(Room).where(Room.slug == slug)).one_or_none()

    def delete(self, room: Room) -> None:
        self.session.delete(room)
        self.session.flush()

    def flush(self) -> None:
        self.session.flush()
