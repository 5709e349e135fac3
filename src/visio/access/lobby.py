"""The live access state of meetings in this process: lobby, admissions, removals, locks.

A lobby request belongs to one browser (its visitor id, an unguessable random
value in an HttpOnly cookie), so an admission cannot be claimed by anyone
else.  Hosts hear about requests through :class:`LobbyListener` (the signaling
hub relays them to the hosts in the meeting).  Everything here is in memory:
it lasts as long as the meeting (see docs/security.md for what a restart does).
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from visio.access.policy import Role
from visio.errors import RateLimited

LobbyStatus = Literal["waiting", "admitted", "denied", "expired", "cancelled"]

#: A waiting browser that stopped asking for news this long ago has gone away.
ABANDONED_AFTER_SECONDS = 30.0


@dataclass
class LobbyRequest:
    id: str
    room: str
    visitor: str
    display_name: str
    role: Role
    user_id: str | None
    email: str | None
    requested_at: float
    expires_at: float
    last_seen: float
    status: LobbyStatus = "waiting"
    decided_by: str | None = None
    shared_microphone: bool = False

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def requested_at_utc(self) -> datetime:
        return datetime.fromtimestamp(self.requested_at, UTC)

    def expires_at_utc(self) -> datetime:
        return datetime.fromtimestamp(self.expires_at, UTC)


class LobbyListener(Protocol):
    def lobby_request(self, request: LobbyRequest) -> None:
        """A new request is waiting."""

    def lobby_resolved(self, request: LobbyRequest) -> None:
        """A request left the waiting state (``request.status`` says how)."""


@dataclass
class _MeetingAccess:
    locked: bool = False
    #: Visitor hashes a host admitted (since their last removal).
    admitted: set[str] = field(default_factory=set)
    #: Visitor hashes and ``user:<id>`` keys a host removed.
    removed: set[str] = field(default_factory=set)
    #: Visitor hashes and ``user:<id>`` keys a host made co-host during the meeting.
    promoted: set[str] = field(default_factory=set)
    requests: dict[str, LobbyRequest] = field(default_factory=dict)
    #: Request times per visitor, for the hourly limit.
    history: dict[str, deque[float]] = field(default_factory=dict)


def user_key(user_id: str) -> str:
    return f"user:{user_id}"


class Gatekeeper:
    def __init__(
        self,
        *,
        request_ttl: float,
        requests_per_hour: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.request_ttl = request_ttl
        self.requests_per_hour = requests_per_hour
        self.clock = clock
        self._meetings: dict[str, _MeetingAccess] = {}
        self.listener: Callable[[str], LobbyListener | None] = lambda _room: None

    def _meeting(self, room: str) -> _MeetingAccess:
        access = self._meetings.get(room)
        if access is None:
            access = self._meetings[room] = _MeetingAccess()
        return access

    # --- facts for the entry rule --------------------------------------------

    def locked(self, room: str) -> bool:
        access = self._meetings.get(room)
        return access is not None and access.locked

    def set_locked(self, room: str, locked: bool) -> None:
        self._meeting(room).locked = locked

    def admitted(self, room: str, visitor: str) -> bool:
        access = self._meetings.get(room)
        return access is not None and visitor in access.admitted

    def removed(self, room: str, visitor: str, user_id: str | None) -> bool:
        access = self._meetings.get(room)
        if access is None:
            return False
        return visitor in access.removed or (
            user_id is not None and user_key(user_id) in access.removed
        )

    def promoted(self, room: str, visitor: str, user_id: str | None) -> bool:
        access = self._meetings.get(room)
        if access is None:
            return False
        return visitor in access.promoted or (
            user_id is not None and user_key(user_id) in access.promoted
        )

    def promote(self, room: str, visitor: str, user_id: str | None, promoted: bool) -> None:
        keys = {visitor} | ({user_key(user_id)} if user_id else set())
        access = self._meeting(room)
        if promoted:
            access.promoted |= keys
        else:
            access.promoted -= keys

    def remove(self, room: str, visitor: str, user_id: str | None) -> None:
        """A host removed this person: they wait for a new admission to come back."""
        access = self._meeting(room)
        access.admitted.discard(visitor)
        access.promoted.discard(visitor)
        access.removed.add(visitor)
        # An earlier admission must not hand out tokens any more.
        for request_id in [
            r.id
            for r in access.requests.values()
            if r.visitor == visitor and r.status == "admitted"
        ]:
            del access.requests[request_id]
        if user_id is not None:
            access.removed.add(user_key(user_id))
            access.promoted.discard(user_key(user_id))

    # --- the lobby ------------------------------------------------------------

    def request(
        self,
        room: str,
        *,
        visitor: str,
        display_name: str,
        role: Role,
        user_id: str | None,
        email: str | None,
        shared_microphone: bool = False,
    ) -> LobbyRequest:
        """The waiting request of this browser, made now unless one is waiting already.

        Raises :class:`RateLimited` (with ``retry_after``) when this browser
        asked too often for this meeting.
        """
        now = self.clock()
        self.sweep()
        access = self._meeting(room)
        current = self.current(room, visitor)
        if current is not None and current.status == "waiting":
            current.last_seen = now
            return current
        history = access.history.setdefault(visitor, deque())
        while history and history[0] <= now - 3600:
            history.popleft()
        if len(history) >= self.requests_per_hour:
            raise RateLimited(
                "Too many requests to enter this meeting; try again later",
                retry_after=int(history[0] + 3600 - now) + 1,
            )
        history.append(now)
        request = LobbyRequest(
            id=secrets.token_urlsafe(16),
            room=room,
            visitor=visitor,
            display_name=display_name,
            role=role,
            user_id=user_id,
            email=email,
            requested_at=now,
            expires_at=now + self.request_ttl,
            last_seen=now,
            shared_microphone=shared_microphone,
        )
        # A new request replaces the browser's previous (decided) one.
        for old_id in [r.id for r in access.requests.values() if r.visitor == visitor]:
            del access.requests[old_id]
        access.requests[request.id] = request
        listener = self.listener(room)
        if listener is not None:
            listener.lobby_request(request)
        return request

    def current(self, room: str, visitor: str) -> LobbyRequest | None:
        """This browser's latest request for ``room`` (any status); marks it seen."""
        access = self._meetings.get(room)
        if access is None:
            return None
        for request in access.requests.values():
            if request.visitor == visitor:
                request.last_seen = self.clock()
                return request
        return None

    def waiting(self, room: str) -> list[LobbyRequest]:
        access = self._meetings.get(room)
        if access is None:
            return []
        return sorted(
            (r for r in access.requests.values() if r.status == "waiting"),
            key=lambda r: r.requested_at,
        )

    def decide(self, room: str, request_ids: list[str], admit: bool, by: str) -> list[str]:
        """Admit or deny waiting requests; returns the ids that were decided now."""
        access = self._meetings.get(room)
        if access is None:
            return []
        decided: list[str] = []
        for request_id in request_ids:
            request = access.requests.get(request_id)
            if request is None or request.status != "waiting":
                continue
            request.status = "admitted" if admit else "denied"
            request.decided_by = by
            if admit:
                access.admitted.add(request.visitor)
                access.removed.discard(request.visitor)
                if request.user_id is not None:
                    access.removed.discard(user_key(request.user_id))
            decided.append(request_id)
            self._resolved(request)
        return decided

    def cancel(self, room: str, visitor: str) -> bool:
        request = self.current(room, visitor)
        if request is None or request.status != "waiting":
            return False
        request.status = "cancelled"
        self._resolved(request)
        return True

    def sweep(self) -> None:
        """Expire requests nobody answered and those whose browser went away."""
        now = self.clock()
        for access in self._meetings.values():
            for request in list(access.requests.values()):
                if request.status == "waiting":
                    if now >= request.expires_at:
                        request.status = "expired"
                        self._resolved(request)
                    elif now - request.last_seen > ABANDONED_AFTER_SECONDS:
                        request.status = "cancelled"
                        self._resolved(request)
                elif now - request.last_seen > self.request_ttl:
                    del access.requests[request.id]

    def _resolved(self, request: LobbyRequest) -> None:
        listener = self.listener(request.room)
        if listener is not None:
            listener.lobby_resolved(request)

    def meeting_over(self, room: str, *, ended: bool) -> None:
        """The meeting emptied (``ended=False``) or a host ended it for everyone.

        Admissions, removals, promotions and the lock go; the request-rate
        history stays (ending a meeting must not reset a flood limit).  When it
        was ended, waiting requests expire; otherwise they keep waiting for a host.
        """
        access = self._meetings.pop(room, None)
        if access is None:
            return
        if ended:
            for request in access.requests.values():
                if request.status == "waiting":
                    request.status = "expired"
                    self._resolved(request)
        fresh = self._meeting(room)
        fresh.history = access.history
        fresh.requests = access.requests
