"""The media-plane interface: what the meeting logic needs from an SFU.

The signaling and room code only ever sees these types; ``visio.media.janus``
implements them on Janus VideoRoom, and unit tests use a fake.  Participants
are named by Visio's participant ids, never by SFU-internal ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol


class StreamKind(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"


#: What each source is: audio or video.
SOURCE_KINDS: dict[str, StreamKind] = {
    "microphone": StreamKind.AUDIO,
    "screen_audio": StreamKind.AUDIO,
    "camera": StreamKind.VIDEO,
    "screen": StreamKind.VIDEO,
}


#: The audio a participant publishes: their microphone, and the sound of a screen they share.
AudioSource = Literal["microphone", "screen_audio"]
AUDIO_SOURCES: tuple[AudioSource, ...] = ("microphone", "screen_audio")


class PeerRole(StrEnum):
    """Each participant has up to two peer connections with the SFU."""

    PUBLISHER = "publisher"
    SUBSCRIBER = "subscriber"


@dataclass(frozen=True, slots=True)
class IceCandidate:
    candidate: str
    sdp_mid: str | None = None
    sdp_mline_index: int | None = None


@dataclass(frozen=True, slots=True)
class PublishedStream:
    """One m-line of a publisher's offer, as the SFU accepted it."""

    mid: str
    kind: StreamKind
    source: str
    simulcast: bool = False


@dataclass(frozen=True, slots=True)
class StreamSelector:
    """A stream someone wants to receive: participant ``publisher`` and its ``mid``."""

    publisher: str
    mid: str


@dataclass(frozen=True, slots=True)
class SubscribedStream:
    """One m-line of a subscriber connection and the published stream it carries."""

    mid: str
    publisher: str
    publisher_mid: str
    kind: StreamKind


@dataclass(frozen=True, slots=True)
class SubscriptionOffer:
    """An SDP offer from the SFU for the subscriber connection; the client answers it."""

    sdp: str
    streams: tuple[SubscribedStream, ...]


@dataclass(frozen=True, slots=True)
class AudioForward:
    """A published audio stream the SFU sends as plain RTP to ``host:port`` (one SSRC).

    ``forward_id`` names it to :meth:`MediaParticipant.stop_forward`.
    """

    forward_id: int
    mid: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class RoomOptions:
    max_publishers: int
    #: Ask the SFU for talking events (active speaker).
    audio_level_events: bool = True
    opus_fec: bool = True
    opus_dtx: bool = True


class MediaEvents(Protocol):
    """Callbacks from the media plane into the meeting logic.  They must not block."""

    def on_talking(self, participant_id: str, talking: bool) -> None: ...

    def on_ice_candidate(
        self, participant_id: str, role: PeerRole, candidate: IceCandidate | None
    ) -> None:
        """A candidate the SFU gathered (``None``: gathering finished), to relay to the client."""

    def on_connection_state(self, participant_id: str, role: PeerRole, up: bool) -> None: ...

    def on_subscription_offer(self, participant_id: str, offer: SubscriptionOffer) -> None:
        """The SFU renegotiates a subscriber connection by itself (a publisher
        stopped a stream, or an update queued behind another one completed).
        The client must answer it like any subscription offer."""

    def on_media_reset(self) -> None:
        """The SFU lost this room (crash, restart) and rebuilt it empty.

        Every participant's peer connections are gone: clients must publish and
        subscribe again.  Participants are still known to the media room.
        """


class MediaParticipant(Protocol):
    """One participant's presence in a media room (publisher and subscriber)."""

    async def publish(
        self, offer_sdp: str, sources: dict[str, str]
    ) -> tuple[str, list[PublishedStream]]:
        """Publish or renegotiate with an SDP offer; ``sources`` maps mid to source name.

        Returns the SFU's SDP answer and the streams now published.  Raises
        :class:`visio.errors.InvalidSdp` when the SFU refuses the offer,
        :class:`visio.errors.MediaUnavailable` when the SFU cannot be reached.
        """

    async def unpublish(self) -> None: ...

    async def trickle(self, role: PeerRole, candidate: IceCandidate | None) -> None:
        """Pass a client ICE candidate (``None``: end of candidates) to the SFU."""

    async def subscribe(self, streams: Sequence[StreamSelector]) -> SubscriptionOffer | None:
        """Make the subscriber connection carry exactly ``streams``.

        Returns a new offer the client must answer when the set changed, or
        ``None`` when nothing changed, when the set is empty and there was no
        connection, or when the SFU queued the change: its offer then comes
        through ``MediaEvents.on_subscription_offer``.  Streams whose publisher
        is gone are dropped silently.
        """

    async def answer_subscription(self, sdp: str) -> None:
        """The client's SDP answer to the last subscription offer."""

    async def reset_subscription(self) -> None:
        """Drop the subscriber connection; the next subscribe() starts a new one."""

    async def set_substream(self, mid: str, substream: int) -> None:
        """Choose the simulcast layer (0 = smallest) sent on a subscribed video mid."""

    async def moderate(self, mid: str, muted: bool) -> None:
        """Stop (or let through again) one published stream at the SFU, whatever the client does."""

    async def kick(self) -> None:
        """Remove the participant from the media room by the room's secret, then close."""

    async def forward_audio(self, mid: str, host: str, port: int) -> AudioForward:
        """Have the SFU send published audio stream ``mid`` as plain RTP to ``host:port``.

        For server-side capture (transcripts): keep ``host`` on loopback or a
        private network.  The forward ends by itself when the stream stops
        being published (unpublish, hang-up, leave, media reset).  Raises
        :class:`visio.errors.MediaError` when the SFU refuses (no such
        published stream), :class:`visio.errors.MediaUnavailable` when it
        cannot be reached.
        """

    async def stop_forward(self, forward_id: int) -> None:
        """Stop a forward.  One that already ended (see :meth:`forward_audio`) is no error."""

    async def close(self) -> None:
        """Leave the media room; other subscribers stop receiving this participant."""


class MediaRoom(Protocol):
    async def add_participant(self, participant_id: str, display_name: str) -> MediaParticipant:
        """Register a participant (no media yet).  Raises MediaUnavailable."""

    async def close(self) -> None:
        """Release the room on the SFU.  Idempotent."""


class MediaServer(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def ready(self) -> bool:
        """True when at least one SFU node can take requests."""

    async def open_room(self, options: RoomOptions, events: MediaEvents) -> MediaRoom:
        """Create a room on the least loaded healthy node.  Raises MediaUnavailable."""
