"""Roles and the entry rule: who enters a meeting directly, and who waits in the lobby.

Pure functions of what the server knows; the HTTP edge gathers the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from visio.rooms.models import AccessLevel


class Role(StrEnum):
    OWNER = "owner"
    HOST = "host"
    PARTICIPANT = "participant"
    GUEST = "guest"

    @property
    def is_host(self) -> bool:
        """Owners and hosts moderate the meeting and answer the lobby."""
        return self in (Role.OWNER, Role.HOST)


@dataclass(frozen=True)
class Visitor:
    """What is known of the person asking to enter."""

    signed_in: bool
    is_owner: bool = False
    is_host: bool = False
    invited: bool = False


def role_of(visitor: Visitor) -> Role:
    if visitor.is_owner:
        return Role.OWNER
    if visitor.is_host:
        return Role.HOST
    if visitor.signed_in:
        return Role.PARTICIPANT
    return Role.GUEST


def enters_directly(
    visitor: Visitor,
    level: AccessLevel,
    *,
    locked: bool,
    removed: bool,
    admitted: bool,
) -> bool:
    """True when ``visitor`` enters without a host's decision.

    ``admitted``: a host admitted this browser from the lobby during this
    meeting.  ``removed``: a host removed them during this meeting; only a new
    admission lets them back.  Owners and hosts always enter.
    """
    if role_of(visitor).is_host:
        return True
    if admitted:
        return True
    if removed or locked:
        return False
    if level == "public":
        return True
    if level == "trusted":
        return visitor.signed_in
    return visitor.invited  # restricted
