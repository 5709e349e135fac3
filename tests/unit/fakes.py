"""In-memory fakes of outside boundaries, for unit tests only.

:class:`FakeMedia` does no media at all.  It reads an offer's media sections
the way the real SFU would accept them, reports the publisher connection up
at once, and answers subscriptions with a textual fake offer listing the
streams, so that the meeting logic can be exercised without Janus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from visio.errors import MediaError, VisioError
from visio.media.base import (
    AudioForward,
    IceCandidate,
    MediaEvents,
    PeerRole,
    PublishedStream,
    RoomOptions,
    StreamKind,
    StreamSelector,
    SubscribedStream,
    SubscriptionOffer,
)
from visio.media.sdp import published_streams

FAKE_CANDIDATE = IceCandidate("candidate:1 1 udp 2015363327 10.77.0.1 20000 typ host", "0", 0)
FAKE_ANSWER_SDP = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=fake answer\r\nt=0 0\r\n"


def offer_sdp(*sections: tuple[str, str, bool]) -> str:
    """A minimal SDP offer with (kind, mid, simulcast) media sections."""
    lines = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    for kind, mid, simulcast in sections:
        lines += [f"m={kind} 9 UDP/TLS/RTP/SAVPF 96", f"a=mid:{mid}", "a=sendonly"]
        if simulcast:
            lines.append("a=simulcast:send q;h;f")
    return "\r\n".join(lines) + "\r\n"


@dataclass
class FakeParticipant:
    room: FakeRoom
    participant_id: str
    display_name: str
    offers: list[str] = field(default_factory=list)
    candidates: list[tuple[PeerRole, IceCandidate | None]] = field(default_factory=list)
    published: dict[str, PublishedStream] = field(default_factory=dict)
    subscribed: tuple[SubscribedStream, ...] = ()
    answers: list[str] = field(default_factory=list)
    substreams: dict[str, int] = field(default_factory=dict)
    closed: bool = False
    kicked: bool = False
    #: Streams the SFU drops on a host's order (moderate), by mid.
    moderated: dict[str, bool] = field(default_factory=dict)
    #: Raised by the next publish() / answer_subscription(), to play SFU refusals.
    fail_publish: Exception | None = None
    fail_answer: Exception | None = None
    #: Audio forwards (server-side capture) running now, by forward id.
    forwards: dict[int, AudioForward] = field(default_factory=dict)

    async def publish(
        self, offer_sdp: str, sources: dict[str, str]
    ) -> tuple[str, list[PublishedStream]]:
        if self.fail_publish is not None:
            error, self.fail_publish = self.fail_publish, None
            raise error
        self.offers.append(offer_sdp)
        streams = published_streams(offer_sdp, sources)
        self.published = {s.mid: s for s in streams}
        # Like Janus: candidates are trickled before the request returns...
        self.room.events.on_ice_candidate(self.participant_id, PeerRole.PUBLISHER, FAKE_CANDIDATE)
        # ...and the connection comes up (webrtcup) after the answer went back.
        asyncio.get_running_loop().call_soon(
            self.room.events.on_connection_state, self.participant_id, PeerRole.PUBLISHER, True
        )
        return FAKE_ANSWER_SDP, streams

    async def unpublish(self) -> None:
        self.published.clear()
        self.forwards.clear()  # like Janus: forwards end with the stream

    async def trickle(self, role: PeerRole, candidate: IceCandidate | None) -> None:
        self.candidates.append((role, candidate))

    async def subscribe(self, streams: Sequence[StreamSelector]) -> SubscriptionOffer | None:
        wanted = []
        for selector in streams:
            publisher = self.room.participants.get(selector.publisher)
            if publisher is not None and selector.mid in publisher.published:
                wanted.append((selector.publisher, selector.mid, publisher.published[selector.mid]))
        new = tuple(
            SubscribedStream(str(index), pid, mid, stream.kind)
            for index, (pid, mid, stream) in enumerate(wanted)
        )
        if new == self.subscribed:
            return None
        self.subscribed = new
        self.room.events.on_ice_candidate(self.participant_id, PeerRole.SUBSCRIBER, FAKE_CANDIDATE)
        sdp = "v=0\r\n" + "".join(f"m={s.kind.value} 9 X 0\r\na=mid:{s.mid}\r\n" for s in new)
        return SubscriptionOffer(sdp, new)

    async def answer_subscription(self, sdp: str) -> None:
        if self.fail_answer is not None:
            error, self.fail_answer = self.fail_answer, None
            raise error
        self.answers.append(sdp)

    async def reset_subscription(self) -> None:
        self.subscribed = ()

    async def set_substream(self, mid: str, substream: int) -> None:
        self.substreams[mid] = substream

    async def moderate(self, mid: str, muted: bool) -> None:
        self.moderated[mid] = muted

    async def kick(self) -> None:
        self.kicked = True
        await self.close()

    async def forward_audio(self, mid: str, host: str, port: int) -> AudioForward:
        """Records the forward; no packet is sent (tests feed the receiver themselves)."""
        stream = self.published.get(mid)
        if stream is None or stream.kind is not StreamKind.AUDIO:
            raise MediaError(f"No published audio stream {mid!r} to forward")
        self.room.last_forward_id += 1
        forward = AudioForward(self.room.last_forward_id, mid, host, port)
        self.forwards[forward.forward_id] = forward
        return forward

    async def stop_forward(self, forward_id: int) -> None:
        self.forwards.pop(forward_id, None)

    async def close(self) -> None:
        self.closed = True
        self.forwards.clear()
        self.room.participants.pop(self.participant_id, None)


@dataclass
class FakeRoom:
    options: RoomOptions
    events: MediaEvents
    participants: dict[str, FakeParticipant] = field(default_factory=dict)
    closed: bool = False
    last_forward_id: int = 0

    async def add_participant(self, participant_id: str, display_name: str) -> FakeParticipant:
        participant = FakeParticipant(self, participant_id, display_name)
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
    #: Raised by open_room(), to play an unreachable SFU.
    fail_open: VisioError | None = None

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    def ready(self) -> bool:
        return self.is_ready

    async def open_room(self, options: RoomOptions, events: MediaEvents) -> FakeRoom:
        if self.fail_open is not None:
            raise self.fail_open
        room = FakeRoom(options, events)
        self.rooms.append(room)
        return room
