"""A live meeting: roster, media relay, chat, hands, reactions, active speaker.

Knows the media plane only through :mod:`visio.media.base`.  Everything runs
on one event loop; media callbacks are synchronous and only enqueue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel

from visio.access.lobby import Gatekeeper, LobbyRequest
from visio.access.policy import Role
from visio.config import Settings
from visio.errors import (
    Forbidden,
    InvalidState,
    MeetingEnded,
    RateLimited,
    Removed,
    RoomFull,
    TooManyStreams,
    VisioError,
)
from visio.media.base import (
    AUDIO_SOURCES,
    AudioSource,
    IceCandidate,
    MediaParticipant,
    MediaRoom,
    MediaServer,
    PeerRole,
    PublishedStream,
    RoomOptions,
    StreamSelector,
    SubscribedStream,
    SubscriptionOffer,
)
from visio.signaling import messages as m
from visio.transcripts.errors import TranscriptionUnavailable

log = logging.getLogger(__name__)


class Outbox:
    """Where messages for one client go; implemented by the WebSocket edge."""

    def send(self, message: BaseModel) -> None:
        raise NotImplementedError

    def close_soon(self, code: int, reason: str) -> None:
        """Close the connection once what is queued is sent; later messages are dropped."""
        raise NotImplementedError


class TranscriptCapture(Protocol):
    """One meeting's transcript while its audio is captured (implemented by visio.transcripts)."""

    @property
    def transcript_id(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def started_at(self) -> datetime: ...

    async def follow(
        self,
        participant_id: str,
        speaker: str,
        display_name: str,
        media: MediaParticipant | None,
        mid: str | None,
        *,
        source: AudioSource = "microphone",
        shared_microphone: bool = False,
    ) -> None:
        """Capture the participant's published audio stream ``mid`` of ``source`` from now on.

        ``speaker`` names the person across reconnections (their account or
        browser); ``source``: their microphone or the sound of the screen they
        share (one capture each); ``shared_microphone``: a meeting-room
        microphone whose voices the transcript tells apart; ``mid=None`` stops
        capturing that source.  Following the stream already captured changes
        nothing.  Raises VisioError when the SFU refuses to forward the stream.
        """

    async def media_lost(self) -> None:
        """The SFU lost every stream (media reset): close every capture in progress."""

    async def stop(self) -> None:
        """End the capture and queue the transcript job.  Idempotent."""


class Transcriber(Protocol):
    """Starts meeting transcripts (visio.transcripts)."""

    async def start(
        self, slug: str, language: str | None, *, started_by: str, started_by_name: str
    ) -> TranscriptCapture:
        """A new transcript of meeting ``slug``, capturing nobody yet.

        ``language=None`` means the server's default.  Raises
        ``LanguageNotSupported`` when the speech model cannot do the language
        and ``TranscriptionUnavailable`` when the server makes no transcripts.
        """


class RateLimit:
    """A token bucket: ``rate`` actions per ``per`` seconds, bursts up to ``rate``."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate, self.per = rate, per
        self.tokens = float(rate)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate / self.per)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def substream_for_height(height: int | None) -> int:
    """The simulcast layer (0 = quarter, 1 = half, 2 = full) for a tile of ``height`` px."""
    if height is None:
        return 2
    if height <= 200:
        return 0
    if height <= 400:
        return 1
    return 2


class CandidateGate:
    """Holds SFU candidates while the description they belong to is on its way.

    Janus trickles its candidates as soon as it has made an offer or answer,
    which reaches Visio before the request that produced it returns: without
    the gate a client would get candidates for a connection it does not know
    yet.  Clients must still buffer candidates until their remote description
    is applied (docs/protocol.md).
    """

    def __init__(self) -> None:
        self._held: list[m.ServerTrickle] | None = None

    def hold(self) -> None:
        self._held = []

    def pass_on(self, message: m.ServerTrickle, outbox: Outbox) -> None:
        if self._held is not None:
            self._held.append(message)
        else:
            outbox.send(message)

    def release(self, outbox: Outbox) -> None:
        held, self._held = self._held or [], None
        for message in held:
            outbox.send(message)


@dataclass
class Subscription:
    desired: list[m.StreamRequest] = field(default_factory=list)
    current: tuple[SubscribedStream, ...] = ()
    awaiting_answer: bool = False
    dirty: bool = False
    layers: dict[str, int] = field(default_factory=dict)
    #: Which stream each layer choice was made for: Janus recycles mids.
    layers_for: dict[str, tuple[str, str]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def reset(self) -> None:
        self.current, self.awaiting_answer, self.dirty = (), False, False
        self.layers.clear()
        self.layers_for.clear()


@dataclass
class Participant:
    id: str
    display_name: str
    outbox: Outbox
    media: MediaParticipant
    role: Role = Role.GUEST
    #: The role the join token gave (a co-host taken back returns to it).
    token_role: Role = Role.GUEST
    user_id: str | None = None
    #: Hash of the browser's visitor id (lobby admission and removal are bound to it).
    visitor: str = ""
    #: A meeting-room microphone shared by several people (transcripts diarize it).
    shared_microphone: bool = False
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: Streams the SFU accepted; visible to others once the publisher connection is up.
    published: dict[str, PublishedStream] = field(default_factory=dict)
    publisher_up: bool = False
    muted: dict[str, bool] = field(default_factory=dict)
    #: mids a host stopped at the SFU, by source; lifted when the participant unmutes.
    moderated: dict[str, set[str]] = field(default_factory=dict)
    #: Set when a host removed the participant or ended the meeting.
    gone: VisioError | None = None
    speaking: bool = False
    sub: Subscription = field(default_factory=Subscription)
    gates: dict[PeerRole, CandidateGate] = field(
        default_factory=lambda: {role: CandidateGate() for role in PeerRole}
    )
    chat_limit: RateLimit = field(default_factory=lambda: RateLimit(10, 10.0))
    reaction_limit: RateLimit = field(default_factory=lambda: RateLimit(10, 5.0))
    #: mute and raise_hand: each change is broadcast to the whole meeting.
    state_limit: RateLimit = field(default_factory=lambda: RateLimit(20, 10.0))

    @property
    def visible_streams(self) -> dict[str, PublishedStream]:
        return self.published if self.publisher_up else {}

    def stream_info(self, stream: PublishedStream) -> m.StreamInfo:
        return m.StreamInfo(
            mid=stream.mid,
            kind=stream.kind.value,
            source=stream.source,
            muted=self.muted.get(stream.source, False),
            simulcast=stream.simulcast,
        )

    def info(self, hands: list[str]) -> m.ParticipantInfo:
        return m.ParticipantInfo(
            id=self.id,
            display_name=self.display_name,
            role=self.role.value,
            shared_microphone=self.shared_microphone,
            joined_at=self.joined_at,
            streams=[self.stream_info(s) for s in self.visible_streams.values()],
            hand_raised=self.id in hands,
            speaking=self.speaking,
        )


@dataclass(frozen=True)
class RoomConfig:
    """What the meeting logic needs of a stored room."""

    slug: str
    name: str | None
    max_participants: int
    start_audio_muted: bool = False
    start_video_muted: bool = False
    access_level: m.AccessLevel = "trusted"
    #: Default language of transcripts (None: the server's).
    transcript_language: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who joins, as the join token says."""

    participant_id: str
    display_name: str
    role: Role
    user_id: str | None
    visitor: str
    shared_microphone: bool = False


#: Records an audit event: ``audit(event, actor=…, subject=…, **details)``.
AuditFn = Callable[..., None]


def lobby_info(request: LobbyRequest) -> m.LobbyRequestInfo:
    return m.LobbyRequestInfo(
        id=request.id,
        display_name=request.display_name,
        signed_in=request.signed_in,
        email=request.email,
        requested_at=request.requested_at_utc(),
        expires_at=request.expires_at_utc(),
    )


def _actor(participant: Participant) -> str:
    return participant.user_id or f"guest:{participant.display_name}"


def _speaker(participant: Participant) -> str:
    """Who speaks, across reconnections: the account, else the browser, else this connection."""
    if participant.user_id:
        return f"user:{participant.user_id}"
    if participant.visitor:
        return f"visitor:{participant.visitor}"
    return f"participant:{participant.id}"


#: Chat messages a newcomer gets in the join snapshot (the rest stays server-side).
SNAPSHOT_CHAT = 50


class LiveRoom:
    """One meeting in progress.  Implements MediaEvents for its media room."""

    def __init__(
        self,
        config: RoomConfig,
        *,
        settings: Settings,
        media_server: MediaServer,
        ice_servers: Callable[[str], list[m.IceServer]],
        gatekeeper: Gatekeeper,
        audit: AuditFn,
        transcriber: Transcriber | None = None,
    ) -> None:
        self.config = config
        self.gatekeeper = gatekeeper
        self._audit = audit
        self.slug = config.slug
        self.settings = settings
        self._media_server = media_server
        self._ice_servers = ice_servers
        self.media: MediaRoom | None = None
        self.participants: dict[str, Participant] = {}
        self.chat: deque[m.ChatMessage] = deque(maxlen=settings.chat_history)
        self.hands: list[str] = []
        self.active_speaker: str | None = None
        #: Open signaling connections (joined or not): see RoomHub.room().
        self.connections = 0
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._transcriber = transcriber
        #: The transcript being captured, if any; its start and stop are serialised.
        self.transcription: TranscriptCapture | None = None
        self._transcription_by: str | None = None
        self._transcription_lock = asyncio.Lock()
        self._capture_lock = asyncio.Lock()

    # --- roster ---------------------------------------------------------------

    async def join(self, who: Identity, outbox: Outbox) -> Participant:
        async with self._lock:
            if self.gatekeeper.removed(
                self.slug, who.visitor, who.user_id
            ) and not self.gatekeeper.admitted(self.slug, who.visitor):
                raise Removed()
            limit = self.config.max_participants
            if len(self.participants) >= limit:
                raise RoomFull(max_participants=limit)
            if who.participant_id in self.participants:
                raise InvalidState("This participant is in the meeting already")
            if self.media is None:
                self.media = await self._media_server.open_room(
                    RoomOptions(max_publishers=self.settings.max_participants + 10), self
                )
            media = await self.media.add_participant(who.participant_id, who.display_name)
            participant = Participant(
                who.participant_id,
                who.display_name,
                outbox,
                media,
                role=who.role,
                token_role=who.role,
                user_id=who.user_id,
                visitor=who.visitor,
                shared_microphone=who.shared_microphone,
            )
            self.participants[participant.id] = participant
        self.broadcast(
            m.ParticipantJoined(participant=participant.info(self.hands)), exclude=participant.id
        )
        return participant

    def snapshot(self, participant: Participant, reply_to: str | None) -> m.Joined:
        settings = self.settings
        return m.Joined(
            reply_to=reply_to,
            participant_id=participant.id,
            role=participant.role.value,
            access=self.access_info(),
            lobby=self.lobby_for(participant),
            room=m.RoomInfo(
                slug=self.slug,
                name=self.config.name,
                start_audio_muted=self.config.start_audio_muted,
                start_video_muted=self.config.start_video_muted,
            ),
            participants=[p.info(self.hands) for p in self.participants.values()],
            hands=list(self.hands),
            active_speaker=self.active_speaker,
            chat=list(self.chat)[-SNAPSHOT_CHAT:],
            ice_servers=self._ice_servers(participant.id),
            limits=m.Limits(
                max_participants=self.config.max_participants,
                max_video_subscriptions=settings.max_video_subscriptions,
                max_audio_subscriptions=settings.max_audio_subscriptions,
                max_message_bytes=settings.ws_max_message_bytes,
                idle_timeout_seconds=settings.ws_idle_timeout_seconds,
            ),
            transcription=self.transcription_info(),
        )

    async def leave(self, participant: Participant, reason: str) -> None:
        if self.participants.pop(participant.id, None) is None:
            return
        with contextlib.suppress(Exception):
            await participant.media.close()
        self._after_leave(participant, reason)

    def _after_leave(self, participant: Participant, reason: str) -> None:
        if participant.id in self.hands:
            self.hands.remove(participant.id)
            self.broadcast(m.HandsChanged(hands=list(self.hands)))
        if self.active_speaker == participant.id:
            self.active_speaker = None
            self.broadcast(m.ActiveSpeaker(participant_id=None))
        self.broadcast(m.ParticipantLeft(participant_id=participant.id, reason=reason))
        self._resubscribe_watchers(participant.id)
        self._capture_later(participant)

    async def close_media(self) -> None:
        await self.end_transcription(None)
        media, self.media = self.media, None
        if media is not None:
            await media.close()

    def broadcast(self, message: BaseModel, *, exclude: str | None = None) -> None:
        for participant in list(self.participants.values()):
            if participant.id != exclude:
                participant.outbox.send(message)

    def _updated(self, participant: Participant) -> None:
        self.broadcast(m.ParticipantUpdated(participant=participant.info(self.hands)))

    # --- publishing -------------------------------------------------------------

    async def publish(self, participant: Participant, msg: m.Publish) -> None:
        """Relay an offer; the answer goes to the client as ``published``."""
        gate = participant.gates[PeerRole.PUBLISHER]
        gate.hold()
        try:
            answer, streams = await participant.media.publish(msg.sdp, dict(msg.sources))
            participant.published = {s.mid: s for s in streams}
            participant.outbox.send(
                m.Published(
                    reply_to=msg.id,
                    sdp=answer,
                    streams=[participant.stream_info(s) for s in streams],
                )
            )
        finally:
            gate.release(participant.outbox)
        if participant.publisher_up:
            self._updated(participant)
            self._resubscribe_watchers(participant.id)
            self._capture_later(participant)

    async def unpublish(self, participant: Participant) -> None:
        await participant.media.unpublish()
        had = bool(participant.visible_streams)
        participant.published.clear()
        self.on_talking(participant.id, False)
        if had:
            self._updated(participant)
            self._resubscribe_watchers(participant.id)
        self._capture_later(participant)

    async def set_muted(self, participant: Participant, source: str, muted: bool) -> None:
        if participant.muted.get(source, False) == muted:
            return  # nothing to tell anyone
        if not participant.state_limit.take():
            raise RateLimited("Too many changes; slow down")
        if not muted:
            # Unmuting yourself lifts a host's mute at the SFU too.
            for mid in participant.moderated.pop(source, set()):
                with contextlib.suppress(VisioError):
                    await participant.media.moderate(mid, False)
        participant.muted[source] = muted
        self._updated(participant)

    # --- access and moderation (owners and hosts) --------------------------------------

    def access_info(self) -> m.AccessInfo:
        return m.AccessInfo(
            level=self.config.access_level, locked=self.gatekeeper.locked(self.slug)
        )

    def lobby_for(self, participant: Participant) -> list[m.LobbyRequestInfo] | None:
        if not participant.role.is_host:
            return None
        return [lobby_info(request) for request in self.gatekeeper.waiting(self.slug)]

    def _hosts(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.role.is_host]

    @staticmethod
    def _require_host(participant: Participant) -> None:
        if not participant.role.is_host:
            raise Forbidden("Only the meeting's owner and hosts can do that")

    def _target(self, participant_id: str) -> Participant:
        target = self.participants.get(participant_id)
        if target is None:
            raise InvalidState("No such participant in the meeting", participant_id=participant_id)
        return target

    def lobby_request(self, request: LobbyRequest) -> None:
        message = m.LobbyRequested(request=lobby_info(request))
        for host in self._hosts():
            host.outbox.send(message)

    def lobby_resolved(self, request: LobbyRequest) -> None:
        if request.status == "waiting":
            return
        message = m.LobbyResolved(
            request_id=request.id, outcome=request.status, by=request.decided_by
        )
        for host in self._hosts():
            host.outbox.send(message)

    def decide_lobby(self, host: Participant, request_ids: list[str], admit: bool) -> None:
        self._require_host(host)
        waiting = {r.id: r for r in self.gatekeeper.waiting(self.slug)}
        decided = self.gatekeeper.decide(self.slug, request_ids, admit, by=host.id)
        for request_id in decided:
            request = waiting[request_id]
            self._audit(
                "lobby_admitted" if admit else "lobby_denied",
                actor=host.user_id or f"guest:{host.display_name}",
                subject=request.user_id or f"guest:{request.display_name}",
            )

    def set_locked(self, host: Participant, locked: bool) -> None:
        self._require_host(host)
        if self.gatekeeper.locked(self.slug) == locked:
            return
        self.gatekeeper.set_locked(self.slug, locked)
        self._audit("meeting_locked" if locked else "meeting_unlocked", actor=_actor(host))
        self.broadcast(m.AccessChanged(access=self.access_info()))

    def set_access_level(self, level: m.AccessLevel) -> None:
        """The stored access level changed (REST): tell everyone."""
        self.config = RoomConfig(**{**self.config.__dict__, "access_level": level})
        self.broadcast(m.AccessChanged(access=self.access_info()))

    async def mute_participant(self, host: Participant, target_id: str, source: str) -> None:
        """Mute a microphone or stop a camera/screen: at the SFU, and the client is told."""
        self._require_host(host)
        target = self._target(target_id)
        for stream in list(target.published.values()):
            if stream.source == source:
                await target.media.moderate(stream.mid, True)
                target.moderated.setdefault(source, set()).add(stream.mid)
        target.outbox.send(
            m.Moderated(
                action="muted" if source == "microphone" else "stopped",
                source=source,
                by=host.id,
            )
        )
        if not target.muted.get(source, False):
            target.muted[source] = True
            self._updated(target)

    def lower_hand(self, host: Participant, target_id: str) -> None:
        self._require_host(host)
        target = self._target(target_id)
        if target.id in self.hands:
            self.hands.remove(target.id)
            self.broadcast(m.HandsChanged(hands=list(self.hands)))

    async def remove_participant(self, host: Participant, target_id: str) -> None:
        """Out of the meeting and of the SFU room; back only through the lobby."""
        self._require_host(host)
        target = self._target(target_id)
        if target is host:
            raise InvalidState("Leave the meeting instead of removing yourself")
        if target.role is Role.OWNER:
            raise Forbidden("Nobody can remove the meeting's owner")
        self.gatekeeper.remove(self.slug, target.visitor, target.user_id)
        self._audit("participant_removed", actor=_actor(host), subject=_actor(target))
        error = Removed()
        target.outbox.send(m.ErrorMessage(code=error.code, message=error.message))
        target.outbox.close_soon(4403, error.code)
        target.gone = error
        if self.participants.pop(target.id, None) is None:
            return
        with contextlib.suppress(Exception):
            await target.media.kick()
        self._after_leave(target, "removed")

    def set_role(self, owner: Participant, target_id: str, role: str) -> None:
        if owner.role is not Role.OWNER:
            raise Forbidden("Only the meeting's owner can name co-hosts")
        target = self._target(target_id)
        if target.role is Role.OWNER:
            raise InvalidState("The owner stays the owner")
        promote = role == "host"
        new_role = (
            Role.HOST
            if promote
            else (target.token_role if target.token_role is not Role.HOST else Role.PARTICIPANT)
        )
        if new_role is target.role:
            return
        self.gatekeeper.promote(self.slug, target.visitor, target.user_id, promote)
        target.role = new_role
        self._audit(
            "role_changed", actor=_actor(owner), subject=_actor(target), role=new_role.value
        )
        target.outbox.send(m.RoleChanged(role=new_role.value, lobby=self.lobby_for(target)))
        self._updated(target)

    async def end(self, by: str) -> None:
        """End the meeting for everyone: told, disconnected, media room released."""
        await self.end_transcription(None)
        self._audit("meeting_ended", actor=by)
        error = MeetingEnded()
        for participant in list(self.participants.values()):
            participant.outbox.send(m.MeetingEndedMessage(by=by))
            participant.outbox.close_soon(error.ws_close or 1000, error.code)
            participant.gone = error
        participants, self.participants = list(self.participants.values()), {}
        self.hands.clear()
        self.active_speaker = None
        for participant in participants:
            with contextlib.suppress(Exception):
                await participant.media.kick()
        self.gatekeeper.meeting_over(self.slug, ended=True)
        await self.close_media()

    async def end_by_host(self, host: Participant) -> None:
        self._require_host(host)
        await self.end(_actor(host))

    # --- subscribing ------------------------------------------------------------

    async def subscribe(self, participant: Participant, msg: m.Subscribe) -> None:
        """Set the streams a participant wants; those not published yet are kept as wishes."""
        kinds: dict[tuple[str, str], str] = {}
        for request in msg.streams:
            publisher = self.participants.get(request.participant_id)
            if publisher is None or publisher is participant:
                continue
            stream = publisher.published.get(request.mid)
            if stream is not None:
                kinds[(request.participant_id, request.mid)] = stream.kind.value
        for kind, limit in (
            ("video", self.settings.max_video_subscriptions),
            ("audio", self.settings.max_audio_subscriptions),
        ):
            count = sum(1 for k in kinds.values() if k == kind)
            if count > limit:
                raise TooManyStreams(
                    f"At most {limit} {kind} streams at once", kind=kind, requested=count
                )
        participant.sub.desired = list(msg.streams)
        await self._apply_subscription(participant, msg.id)

    async def _apply_subscription(self, participant: Participant, reply_to: str | None) -> None:
        sub = participant.sub
        async with sub.lock:
            if participant.id not in self.participants:
                return
            if sub.awaiting_answer:
                # One offer at a time: apply the newest wish once this one is answered.
                sub.dirty = True
                if reply_to is not None:
                    participant.outbox.send(m.Ack(reply_to=reply_to))
                return
            selectors = []
            room_for = {
                "video": self.settings.max_video_subscriptions,
                "audio": self.settings.max_audio_subscriptions,
            }
            for request in sub.desired:
                publisher = self.participants.get(request.participant_id)
                stream = publisher.visible_streams.get(request.mid) if publisher else None
                # Wishes become streams as they are published: the limits hold
                # then too, first wished first served.
                kind = stream.kind.value if stream is not None else ""
                if publisher is not participant and room_for.get(kind, 0) > 0:
                    room_for[kind] -= 1
                    selectors.append(StreamSelector(request.participant_id, request.mid))
            gate = participant.gates[PeerRole.SUBSCRIBER]
            gate.hold()
            try:
                offer = await participant.media.subscribe(selectors)
                if offer is not None:
                    self._send_offer(participant, offer, reply_to)
                    return
            finally:
                gate.release(participant.outbox)
            if reply_to is not None:
                participant.outbox.send(m.Ack(reply_to=reply_to))
            await self._apply_layers(participant)

    def _send_offer(
        self, participant: Participant, offer: SubscriptionOffer, reply_to: str | None
    ) -> None:
        """Relay an SFU offer for the subscriber connection (caller holds ``sub.lock``)."""
        sub = participant.sub
        carried = {s.mid: (s.publisher, s.publisher_mid) for s in offer.streams}
        for mid, was in list(sub.layers_for.items()):
            if carried.get(mid) != was:  # Janus recycled the m-line for another stream
                sub.layers.pop(mid, None)
                sub.layers_for.pop(mid, None)
        sub.current = offer.streams
        sub.awaiting_answer = True
        participant.outbox.send(
            m.SubscriptionOffer(
                reply_to=reply_to,
                sdp=offer.sdp,
                streams=[self._describe(s) for s in offer.streams],
            )
        )

    async def _relay_sfu_offer(self, participant: Participant, offer: SubscriptionOffer) -> None:
        async with participant.sub.lock:
            if participant.id in self.participants:
                self._send_offer(participant, offer, None)

    def _describe(self, stream: SubscribedStream) -> m.SubscribedStreamInfo:
        publisher = self.participants.get(stream.publisher)
        published = publisher.published.get(stream.publisher_mid) if publisher else None
        source = (
            published.source
            if published
            else ("microphone" if stream.kind.value == "audio" else "camera")
        )
        return m.SubscribedStreamInfo(
            mid=stream.mid,
            participant_id=stream.publisher,
            publisher_mid=stream.publisher_mid,
            kind=stream.kind.value,
            source=source,
        )

    async def answer_subscription(
        self, participant: Participant, msg: m.SubscriptionAnswer
    ) -> None:
        sub = participant.sub
        async with sub.lock:
            if not sub.awaiting_answer:
                raise InvalidState("No subscription offer is waiting for an answer")
            try:
                await participant.media.answer_subscription(msg.sdp)
            except VisioError:
                # That connection cannot be completed: drop it, so that the
                # client's next subscribe starts a fresh one (docs/protocol.md).
                sub.reset()
                await participant.media.reset_subscription()
                raise
            sub.awaiting_answer = False
            again, sub.dirty = sub.dirty, False
        await self._apply_layers(participant)
        if again:
            await self._apply_subscription(participant, None)

    async def _apply_layers(self, participant: Participant) -> None:
        heights = {(r.participant_id, r.mid): r.height for r in participant.sub.desired}
        for stream in participant.sub.current:
            publisher = self.participants.get(stream.publisher)
            published = publisher.published.get(stream.publisher_mid) if publisher else None
            if published is None or not published.simulcast:
                continue
            layer = substream_for_height(heights.get((stream.publisher, stream.publisher_mid)))
            if participant.sub.layers.get(stream.mid) != layer:
                try:
                    await participant.media.set_substream(stream.mid, layer)
                except VisioError as exc:
                    # Best effort, after the request was answered: retried next time.
                    log.info("simulcast layer of %s not set: %s", stream.mid, exc)
                    continue
                participant.sub.layers[stream.mid] = layer
                participant.sub.layers_for[stream.mid] = (stream.publisher, stream.publisher_mid)

    def _resubscribe_watchers(self, publisher_id: str) -> None:
        """Renegotiate everyone whose subscription involves ``publisher_id``.

        Covers streams that went away (Janus does not tell subscriber handles
        that a feed left: notes, trap 5) and wished-for streams that have just
        become visible.
        """
        for participant in list(self.participants.values()):
            if participant.id == publisher_id:
                continue
            sub = participant.sub
            if any(s.publisher == publisher_id for s in sub.current) or any(
                r.participant_id == publisher_id for r in sub.desired
            ):
                self._spawn(self._apply_subscription(participant, None))

    def _spawn(self, coro: object) -> None:
        async def guarded() -> None:
            try:
                await coro  # type: ignore[misc]
            except Exception as exc:
                log.warning("background signaling task failed: %s", exc)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- chat, hands, reactions ----------------------------------------------------

    def chat_message(self, participant: Participant, text: str) -> m.ChatMessage:
        if not participant.chat_limit.take():
            raise RateLimited("Too many chat messages; slow down")
        message = m.ChatMessage(
            id=secrets.token_hex(8),
            participant_id=participant.id,
            display_name=participant.display_name,
            text=text,
            sent_at=datetime.now(UTC),
        )
        self.chat.append(message)
        self.broadcast(m.ChatReceived(message=message))
        return message

    def raise_hand(self, participant: Participant, raised: bool) -> None:
        if raised == (participant.id in self.hands):
            return
        if not participant.state_limit.take():
            raise RateLimited("Too many changes; slow down")
        if raised:
            self.hands.append(participant.id)
        else:
            self.hands.remove(participant.id)
        self.broadcast(m.HandsChanged(hands=list(self.hands)))

    def react(self, participant: Participant, emoji: str) -> None:
        if not participant.reaction_limit.take():
            raise RateLimited("Too many reactions; slow down")
        self.broadcast(m.ReactionReceived(participant_id=participant.id, emoji=emoji))

    # --- transcription ---------------------------------------------------------------

    def transcription_info(self) -> m.TranscriptionInfo:
        capture = self.transcription
        if capture is None:
            return m.TranscriptionInfo.inactive()
        return m.TranscriptionInfo(
            active=True,
            transcript_id=capture.transcript_id,
            language=capture.language,
            started_at=capture.started_at,
            started_by=self._transcription_by,
        )

    async def start_transcription(self, host: Participant, language: str | None) -> None:
        """Start capturing everyone's microphone for a transcript; everyone is told first."""
        self._require_host(host)
        if host.role.value not in self.settings.transcription_allowed_roles:
            allowed = " and ".join(self.settings.transcription_allowed_roles)
            raise Forbidden(f"On this server only the meeting's {allowed} can start a transcript")
        if self._transcriber is None:
            raise TranscriptionUnavailable()
        async with self._transcription_lock:
            if self.transcription is not None:
                raise InvalidState("The meeting is being transcribed already")
            capture = await self._transcriber.start(
                self.slug,
                language or self.config.transcript_language,
                started_by=_actor(host),
                started_by_name=host.display_name,
            )
            self.transcription = capture
            self._transcription_by = host.display_name
            self._audit(
                "transcription_started",
                actor=_actor(host),
                transcript=capture.transcript_id,
                language=capture.language,
            )
            # The notice goes out before any audio is captured.
            self.broadcast(
                m.TranscriptionChanged(transcription=self.transcription_info(), by=host.id)
            )
            for participant in list(self.participants.values()):
                await self._sync_capture(participant)

    async def stop_transcription(self, host: Participant) -> None:
        self._require_host(host)
        if self.transcription is None:
            raise InvalidState("The meeting is not being transcribed")
        await self.end_transcription(host)

    async def end_transcription(self, host: Participant | None) -> None:
        """Stop the transcript, if any (``host=None``: the meeting ended); the job is queued."""
        async with self._transcription_lock:
            capture, self.transcription = self.transcription, None
            if capture is None:
                return
            self._transcription_by = None
            self.broadcast(
                m.TranscriptionChanged(
                    transcription=self.transcription_info(),
                    by=host.id if host is not None else None,
                )
            )
            async with self._capture_lock:
                await capture.stop()
            self._audit(
                "transcription_stopped",
                actor=_actor(host) if host is not None else "system",
                transcript=capture.transcript_id,
            )

    def _capture_later(self, participant: Participant) -> None:
        """After a change of the participant's streams or presence, while a transcript runs."""
        if self.transcription is not None:
            self._spawn(self._sync_capture(participant))

    async def _sync_capture(self, participant: Participant) -> None:
        """Capture the participant's microphone and shared screen's sound while the
        transcript runs, and only then."""
        async with self._capture_lock:
            capture = self.transcription
            if capture is None:
                return
            present = (
                self.participants.get(participant.id) is participant and participant.gone is None
            )
            for source in AUDIO_SOURCES:
                mid = next(
                    (s.mid for s in participant.visible_streams.values() if s.source == source),
                    None,
                )
                if not present:
                    mid = None
                try:
                    await capture.follow(
                        participant.id,
                        _speaker(participant),
                        participant.display_name,
                        participant.media if mid is not None else None,
                        mid,
                        source=source,
                        # A screen's sound is one recording, not a room of voices.
                        shared_microphone=participant.shared_microphone and source == "microphone",
                    )
                except VisioError as exc:
                    # The meeting goes on; this audio is missing from the transcript.
                    log.warning(
                        "cannot capture %s's %s for the transcript: %s", participant.id, source, exc
                    )

    # --- MediaEvents ---------------------------------------------------------------

    def on_talking(self, participant_id: str, talking: bool) -> None:
        participant = self.participants.get(participant_id)
        if participant is None or participant.speaking == talking:
            return
        participant.speaking = talking
        self.broadcast(m.Speaking(participant_id=participant_id, speaking=talking))
        if talking and self.active_speaker != participant_id:
            self.active_speaker = participant_id
            self.broadcast(m.ActiveSpeaker(participant_id=participant_id))

    def on_ice_candidate(
        self, participant_id: str, role: PeerRole, candidate: IceCandidate | None
    ) -> None:
        participant = self.participants.get(participant_id)
        if participant is None:
            return
        wire = (
            None
            if candidate is None
            else m.Candidate(
                candidate=candidate.candidate,
                sdp_mid=candidate.sdp_mid,
                sdp_mline_index=candidate.sdp_mline_index,
            )
        )
        participant.gates[role].pass_on(
            m.ServerTrickle(role=role.value, candidate=wire), participant.outbox
        )

    def on_subscription_offer(self, participant_id: str, offer: SubscriptionOffer) -> None:
        participant = self.participants.get(participant_id)
        if participant is not None:
            self._spawn(self._relay_sfu_offer(participant, offer))

    def on_connection_state(self, participant_id: str, role: PeerRole, up: bool) -> None:
        participant = self.participants.get(participant_id)
        if participant is None or role is not PeerRole.PUBLISHER:
            return
        if participant.publisher_up == up:
            return
        participant.publisher_up = up
        if not up:
            participant.published.clear()
            self.on_talking(participant_id, False)  # no audio, no stopped-talking event
        self._updated(participant)
        self._resubscribe_watchers(participant_id)
        self._capture_later(participant)

    def on_media_reset(self) -> None:
        log.warning("media of meeting %s was reset; asking clients to renegotiate", self.slug)
        if self.transcription is not None:
            # Every forward died with the SFU's room; captures resume as people publish again.
            self._spawn(self.transcription.media_lost())
        for participant in self.participants.values():
            participant.published.clear()
            participant.publisher_up = False
            participant.speaking = False
            participant.sub.reset()
        self.active_speaker = None
        for participant in self.participants.values():
            participant.outbox.send(
                m.MediaReset(
                    reason="media_server_restarted",
                    ice_servers=self._ice_servers(participant.id),
                )
            )
