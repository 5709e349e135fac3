"""The ``room_members`` (co-hosts and invited people) and ``audit_events`` tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from visio.accounts.models import EMAIL_MAX_CHARS
from visio.db import Base, UtcDateTime, utcnow

#: ``host``: a co-host, with the owner's powers in the meeting but not over its
#: settings' co-hosts; ``invited``: passes a restricted meeting.
MemberRole = Literal["host", "invited"]
#: Where the invitation email is: ``none`` (not asked for), ``pending``, ``sent``, ``failed``.
InvitationStatus = Literal["none", "pending", "sent", "failed"]

EVENT_MAX_CHARS = 40
ACTOR_MAX_CHARS = 200


def _new_id() -> str:
    return str(uuid.uuid4())


class RoomMember(Base):
    """A person named by email address in a meeting's settings.

    Matched against the verified email of a signed-in user: an invitation
    needs no account beforehand, and works once the invited person signs in.
    """

    __tablename__ = "room_members"
    __table_args__ = (UniqueConstraint("room_id", "email", name="uq_room_members_room_email"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS))
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invitation: Mapped[str] = mapped_column(String(16), default="none")
    invitation_error: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AuditEvent(Base):
    """Who did what, for the administrators: sign-ins, admissions, removals, meeting ends."""

    __tablename__ = "audit_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(EVENT_MAX_CHARS), index=True)
    room_slug: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The user id, or ``guest:<display name>``, or ``system``.
    actor: Mapped[str | None] = mapped_column(String(ACTOR_MAX_CHARS))
    subject: Mapped[str | None] = mapped_column(String(ACTOR_MAX_CHARS))
    address: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
