"""In-memory fakes of outside boundaries, for unit tests only.

:class:`FakeMedia` does no media at all: it records what the meeting logic
asked for and answers with fixed, obviously fake values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from visio.media.base import (
    IceCandidate,
    MediaEvents,
    PeerRole,
    PublishedStream,
    RoomOptions,
    StreamSelector,
    SubscriptionOffer,
)

FAKE_ANSWER_SDP = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=fake answer\r\nt=0 0\r\n"


@dataclass
class FakeParticipant:
    participant_id: str
    display_name: str
    offers: list[str] = field(default_factory=list)
    candidates: list[tuple[PeerRole, IceCandidate | None]] = field(default_factory=list)
    subscribed: tuple[StreamSelector, ...] = ()
    closed: bool = False

    async def publish(
        self, offer_sdp: str, sources: dict[str, str]
    ) -> tuple[str, list[PublishedStream]]:
        self.offers.append(offer_sdp)
        return FAKE_ANSWER_SDP, []

    async def unpublish(self) -> None:
        pass

    async def trickle(self, role: PeerRole, candidate: IceCandidate | None) -> None:
        self.candidates.append((role, candidate))

    async def subscribe(self, streams: Sequence[StreamSelector]) -> SubscriptionOffer | None:
        # Publishes nothing, so it has nothing to offer: every set is empty.
        self.subscribed = tuple(streams)
        return None

    async def answer_subscription(self, sdp: str) -> None:
        pass

    async def set_substream(self, mid: str, substream: int) -> None:
        pass

    async def close(self) -> None:
        self.closed = True


@dataclass
class FakeRoom:
    options: RoomOptions
    events: MediaEvents
    participants: dict[str, FakeParticipant] = field(default_factory=dict)
    closed: bool = False

    async def add_participant(self, participant_id: str, display_name: str) -> FakeParticipant:
        participant = FakeParticipant(participant_id, display_name)
        self.participants[participant_id] = participant
        return participant

    async def close(self) -> None:
        self.closed = True


@dataclass
class FakeMedia:
    """A media server that is always reachable unless ``is_ready`` is set to False."""

    is_ready: bool = True
    started: bool = False
    rooms: list[FakeRoom] = field(default_factory=list)

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    def ready(self) -> bool:
        return self.is_ready

    async def open_room(self, options: RoomOptions, events: MediaEvents) -> FakeRoom:
        room = FakeRoom(options, events)
        self.rooms.append(room)
        return room
