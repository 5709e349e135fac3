"""Who someone is to a meeting (owner, host, participant, guest), and the members list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from visio.access.lobby import Gatekeeper
from visio.access.models import MemberRole, RoomMember
from visio.access.policy import Role, Visitor, role_of
from visio.accounts.models import User
from visio.errors import Forbidden, ValidationFailed, VisioError
from visio.rooms.models import Room


class MemberNotFound(VisioError):
    code = "member_not_found"
    http_status = 404
    default_message = "No such person in this meeting's settings"


def canonical_email(value: str) -> str:
    """Emails are compared case-insensitively, without surrounding space."""
    return value.strip().lower()


@dataclass(frozen=True)
class Caller:
    """The person behind a request: a signed-in user and/or a browser."""

    user: User | None
    visitor: str | None

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user is not None else None

    @property
    def actor(self) -> str:
        """Who acted, for the audit log: the user id, or "anonymous-owner" (no sign-in)."""
        return self.user.id if self.user is not None else "anonymous-owner"


class AccessService:
    def __init__(self, session: Session, gatekeeper: Gatekeeper) -> None:
        self.session = session
        self.gatekeeper = gatekeeper

    # --- who is who -------------------------------------------------------------

    @staticmethod
    def is_owner(room: Room, caller: Caller) -> bool:
        if room.owner_id is not None:
            return caller.user is not None and caller.user.id == room.owner_id
        return caller.visitor is not None and caller.visitor == room.owner_visitor

    def member(self, room: Room, email: str) -> RoomMember | None:
        return self.session.scalars(
            select(RoomMember).where(
                RoomMember.room_id == room.id, RoomMember.email == canonical_email(email)
            )
        ).one_or_none()

    def visitor_facts(self, room: Room, caller: Caller) -> Visitor:
        member = self.member(room, caller.user.email) if caller.user is not None else None
        promoted = caller.visitor is not None and self.gatekeeper.promoted(
            room.slug, caller.visitor, caller.user_id
        )
        return Visitor(
            signed_in=caller.user is not None,
            is_owner=self.is_owner(room, caller),
            is_host=(member is not None and member.role == "host") or promoted,
            invited=member is not None,
        )

    def role(self, room: Room, caller: Caller) -> Role:
        return role_of(self.visitor_facts(room, caller))

    def require_host(self, room: Room, caller: Caller) -> Role:
        role = self.role(room, caller)
        if not role.is_host:
            raise Forbidden("Only the meeting's owner and hosts can do that")
        return role

    def require_owner(self, room: Room, caller: Caller) -> None:
        if not self.is_owner(room, caller):
            raise Forbidden("Only the meeting's owner can do that")

    # --- members (co-hosts and invited people) --------------------------------------

    def members(self, room: Room) -> list[RoomMember]:
        return list(
            self.session.scalars(
                select(RoomMember)
                .where(RoomMember.room_id == room.id)
                .order_by(RoomMember.created_at, RoomMember.email)
            )
        )

    def add_member(
        self, room: Room, email: str, role: MemberRole, invited_by: User | None
    ) -> RoomMember:
        """Add or change a member (adding someone again changes their role)."""
        address = canonical_email(email)
        member = self.member(room, address)
        if member is not None:
            member.role = role
            return member
        member = RoomMember(
            room_id=room.id,
            email=address,
            role=role,
            invited_by=invited_by.id if invited_by is not None else None,
            invitation="none",
        )
        try:
            with self.session.begin_nested():
                self.session.add(member)
        except IntegrityError as exc:  # a concurrent request added them
            raise ValidationFailed(f"{address} was added at the same time; retry") from exc
        return member

    def remove_member(self, room: Room, email: str) -> None:
        member = self.member(room, email)
        if member is None:
            raise MemberNotFound()
        self.session.delete(member)

    def rooms_of(self, user: User) -> list[tuple[Room, Role]]:
        """Meetings a user owns or co-hosts, newest first."""
        owned = list(self.session.scalars(select(Room).where(Room.owner_id == user.id)))
        hosted = list(
            self.session.scalars(
                select(Room)
                .join(RoomMember, RoomMember.room_id == Room.id)
                .where(RoomMember.email == canonical_email(user.email), RoomMember.role == "host")
            )
        )
        seen = {room.id for room in owned}
        rooms = [(room, Role.OWNER) for room in owned] + [
            (room, Role.HOST) for room in hosted if room.id not in seen
        ]
        rooms.sort(key=lambda pair: pair[0].created_at, reverse=True)
        return rooms
