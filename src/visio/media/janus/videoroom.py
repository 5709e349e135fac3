"""MediaRoom and MediaParticipant on Janus VideoRoom (multistream).

Each participant has its own Janus session with a publisher handle (joined
at once, so that it hears the room's talking events) and, once it
subscribes, a subscriber handle.  After a node restart the room is created
again with the same id, secret and pin, every participant joins again with
the same feed id, and the meeting logic is told to renegotiate media.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from visio.errors import InvalidSdp, MediaError, MediaUnavailable
from visio.media.base import (
    AudioForward,
    IceCandidate,
    MediaEvents,
    MediaParticipant,
    PeerRole,
    PublishedStream,
    RoomOptions,
    StreamKind,
    StreamSelector,
    SubscribedStream,
    SubscriptionOffer,
)
from visio.media.janus.node import VIDEOROOM, JanusNodeClient
from visio.media.janus.protocol import (
    CORE_INVALID_SDP,
    CORE_UNKNOWN_SDP_TYPE,
    VIDEOROOM_INVALID_SDP,
    VIDEOROOM_NOT_PUBLISHED,
    VIDEOROOM_ROOM_EXISTS,
    JanusError,
    JanusMessage,
    SubscriberStream,
    Talking,
    candidate_from_trickle,
)
from visio.media.janus.transport import JanusConnectionLost, JanusSession
from visio.media.sdp import published_streams, request_opus_fec_dtx

log = logging.getLogger(__name__)

_SDP_ERRORS = {CORE_INVALID_SDP, CORE_UNKNOWN_SDP_TYPE, VIDEOROOM_INVALID_SDP}


def _random_id() -> int:
    # Janus ids are JSON numbers: stay below 2**53 so JavaScript clients agree.
    return secrets.randbelow(2**52) + 1


def media_error(exc: Exception) -> Exception:
    if isinstance(exc, JanusError):
        if exc.code in _SDP_ERRORS:
            return InvalidSdp(f"The media server refused the SDP: {exc.reason}")
        return MediaError(f"The media server refused the request: {exc.reason}")
    return MediaUnavailable()


class JanusRoom:
    def __init__(self, node: JanusNodeClient, options: RoomOptions, events: MediaEvents) -> None:
        self.node = node
        self.options = options
        self.events = events
        self.room_id = _random_id()
        self.secret = secrets.token_urlsafe(24)
        self.pin = secrets.token_urlsafe(24)
        self.participants: dict[str, JanusParticipant] = {}
        self.feeds: dict[int, JanusParticipant] = {}
        self.rebuilding = False
        self._talking: dict[int, bool] = {}
        self.closed = False

    async def create(self) -> None:
        body: dict[str, Any] = {
            "request": "create",
            "room": self.room_id,
            "admin_key": self.node.admin_key,
            "secret": self.secret,
            "pin": self.pin,
            "is_private": True,
            "permanent": False,
            # Everyone joins as a publisher (to hear talking events), even listeners.
            "publishers": self.options.max_publishers,
            "audiocodec": "opus",
            "videocodec": "vp8,h264,vp9",
            "opus_fec": self.options.opus_fec,
            "opus_dtx": self.options.opus_dtx,
            "notify_joining": False,
            "audiolevel_ext": True,
            "audiolevel_event": self.options.audio_level_events,
            "audio_active_packets": 50,
            "audio_level_average": 40,
            "transport_wide_cc_ext": True,
        }
        try:
            await self.node.admin(body)
        except JanusError as exc:
            if exc.code != VIDEOROOM_ROOM_EXISTS:
                raise
            # The node kept the room across a reconnection: start it afresh.
            await self._destroy_on_node()
            await self.node.admin(body)

    async def _destroy_on_node(self) -> None:
        with contextlib.suppress(JanusError, JanusConnectionLost, TimeoutError):
            await self.node.admin(
                {
                    "request": "destroy",
                    "room": self.room_id,
                    "secret": self.secret,
                    "admin_key": self.node.admin_key,
                }
            )

    async def add_participant(self, participant_id: str, display_name: str) -> MediaParticipant:
        if participant_id in self.participants:
            raise ValueError(f"participant {participant_id} already in room")
        # The node may be restarting: wait until its rooms are rebuilt, so that
        # this participant is set up once, in a room that exists.
        if not self.node.up and not await self.node.wait_up(5.0):
            raise MediaUnavailable()
        participant = JanusParticipant(self, participant_id, display_name)
        self.participants[participant_id] = participant
        self.feeds[participant.feed_id] = participant
        try:
            await participant.setup()
        except (JanusError, JanusConnectionLost, TimeoutError) as exc:
            self._forget(participant)
            with contextlib.suppress(Exception):
                await participant.teardown()
            raise media_error(exc) from exc
        return participant

    def _forget(self, participant: JanusParticipant) -> None:
        self.participants.pop(participant.participant_id, None)
        self.feeds.pop(participant.feed_id, None)
        self._talking.pop(participant.feed_id, None)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for participant in list(self.participants.values()):
            await participant.close()
        await self._destroy_on_node()
        self.node.rooms.discard(self)

    def mark_lost(self) -> None:
        # Until rebuild() is done, media requests fail with media_unavailable:
        # anything negotiated before the media_reset would be thrown away by it.
        self.rebuilding = True
        for participant in self.participants.values():
            participant.mark_lost()

    async def rebuild(self) -> None:
        """Recreate the room and every participant's publisher after a node restart."""
        if self.closed:
            return
        log.info("rebuilding room %s on %s", self.room_id, self.node.name)
        self._talking.clear()
        await self.create()
        for participant in list(self.participants.values()):
            try:
                await participant.setup()
            except (JanusError, JanusConnectionLost, TimeoutError):
                log.exception(
                    "could not rejoin %s after a node restart", participant.participant_id
                )
        self.rebuilding = False
        self.events.on_media_reset()

    def on_talking(self, talking: Talking) -> None:
        participant = self.feeds.get(talking.feed_id)
        if participant is None or self._talking.get(talking.feed_id) == talking.talking:
            return
        self._talking[talking.feed_id] = talking.talking
        self.events.on_talking(participant.participant_id, talking.talking)


class JanusParticipant:
    def __init__(self, room: JanusRoom, participant_id: str, display_name: str) -> None:
        self.room = room
        self.participant_id = participant_id
        self.display_name = display_name
        self.feed_id = _random_id()
        self.session: JanusSession | None = None
        self.pub_handle = 0
        self.sub_handle = 0
        self.published: dict[str, PublishedStream] = {}
        self.subscribed: list[SubscribedStream] = []
        self._lock = asyncio.Lock()

    @property
    def _node(self) -> JanusNodeClient:
        return self.room.node

    async def setup(self) -> None:
        """Open a session and join the room as a publisher without media."""
        self.published.clear()
        self.subscribed = []
        self.sub_handle = 0
        self.session = await self._node.new_session()
        self.pub_handle = await self.session.attach(
            VIDEOROOM, lambda m: self._on_event(PeerRole.PUBLISHER, m)
        )
        await self.session.message(
            self.pub_handle,
            {
                "request": "join",
                "ptype": "publisher",
                "room": self.room.room_id,
                "pin": self.room.pin,
                "id": self.feed_id,
                "display": self.participant_id,
            },
            wait_event=True,
        )

    def mark_lost(self) -> None:
        if self.session is not None:
            self.session.destroy_locally()
        self.session = None
        self.published.clear()
        self.subscribed = []
        self.sub_handle = 0

    def _session(self) -> JanusSession:
        if self.session is None or not self._node.connected or self.room.rebuilding:
            raise MediaUnavailable()
        return self.session

    async def publish(
        self, offer_sdp: str, sources: dict[str, str]
    ) -> tuple[str, list[PublishedStream]]:
        streams = published_streams(offer_sdp, sources)
        options = self.room.options
        offer = request_opus_fec_dtx(offer_sdp, fec=options.opus_fec, dtx=options.opus_dtx)
        session = self._session()
        body: dict[str, Any] = {
            "request": "configure" if self.published else "publish",
            "descriptions": [{"mid": s.mid, "description": s.source} for s in streams],
        }
        async with self._lock:
            try:
                reply = await session.message(
                    self.pub_handle,
                    body,
                    jsep={"type": "offer", "sdp": offer},
                    wait_event=True,
                )
            except (JanusError, JanusConnectionLost, TimeoutError) as exc:
                raise media_error(exc) from exc
        if reply.jsep is None:
            raise MediaError("The media server sent no answer")
        self.published = {s.mid: s for s in streams}
        return reply.jsep.sdp, streams

    async def unpublish(self) -> None:
        if not self.published:
            return
        session = self._session()
        async with self._lock:
            try:
                await session.message(self.pub_handle, {"request": "unpublish"}, wait_event=True)
            except JanusError as exc:
                # 435: Janus already hung the publisher up (ICE failure): done.
                if exc.code != VIDEOROOM_NOT_PUBLISHED:
                    raise media_error(exc) from exc
            except (JanusConnectionLost, TimeoutError) as exc:
                raise media_error(exc) from exc
        self.published.clear()

    async def trickle(self, role: PeerRole, candidate: IceCandidate | None) -> None:
        handle = self.pub_handle if role is PeerRole.PUBLISHER else self.sub_handle
        if self.session is None or not handle:
            return
        payload: dict[str, Any]
        if candidate is None:
            payload = {"completed": True}
        else:
            payload = {
                "candidate": candidate.candidate,
                "sdpMid": candidate.sdp_mid,
                "sdpMLineIndex": candidate.sdp_mline_index,
            }
        try:
            await self.session.trickle(handle, payload)
        except (JanusError, JanusConnectionLost, TimeoutError) as exc:
            raise media_error(exc) from exc

    async def subscribe(self, streams: Sequence[StreamSelector]) -> SubscriptionOffer | None:
        wanted: dict[tuple[int, str], StreamSelector] = {}
        for selector in streams:
            publisher = self.room.participants.get(selector.publisher)
            if publisher is None or publisher is self or selector.mid not in publisher.published:
                continue
            wanted[(publisher.feed_id, selector.mid)] = selector
        current = {(s.mid): s for s in self.subscribed}
        current_keys = {
            (self.room.participants[s.publisher].feed_id, s.publisher_mid): s.mid
            for s in self.subscribed
            if s.publisher in self.room.participants
        }
        add = [key for key in wanted if key not in current_keys]
        remove = [
            mid
            for mid, s in current.items()
            if s.publisher not in self.room.participants
            or (self.room.participants[s.publisher].feed_id, s.publisher_mid) not in wanted
        ]
        if not add and not remove:
            return None
        session = self._session()
        async with self._lock:
            try:
                if not self.sub_handle:
                    if not add:
                        return None
                    handle = await session.attach(
                        VIDEOROOM, lambda m: self._on_event(PeerRole.SUBSCRIBER, m)
                    )
                    try:
                        reply = await session.message(
                            handle,
                            {
                                "request": "join",
                                "ptype": "subscriber",
                                "room": self.room.room_id,
                                "pin": self.room.pin,
                                "use_msid": True,
                                "streams": [{"feed": feed, "mid": mid} for feed, mid in add],
                            },
                            wait_event=True,
                        )
                    except BaseException:
                        # A handle that never joined refuses every later update
                        # (424): drop it so that the next subscribe starts afresh.
                        await session.detach(handle)
                        raise
                    self.sub_handle = handle
                else:
                    body: dict[str, Any] = {"request": "update"}
                    if add:
                        body["subscribe"] = [{"feed": feed, "mid": mid} for feed, mid in add]
                    if remove:
                        body["unsubscribe"] = [{"sub_mid": mid} for mid in remove]
                    reply = await session.message(self.sub_handle, body, wait_event=True)
            except (JanusError, JanusConnectionLost, TimeoutError) as exc:
                raise media_error(exc) from exc
        if reply.jsep is None:
            # "updating": Janus queued the change behind a renegotiation in
            # progress; its offer comes later as an unsolicited "updated".
            return None
        self.subscribed = self._map_streams(SubscriberStream.parse_list(reply.data["streams"]))
        return SubscriptionOffer(reply.jsep.sdp, tuple(self.subscribed))

    def _map_streams(self, streams: list[SubscriberStream]) -> list[SubscribedStream]:
        out = []
        for stream in streams:
            publisher = self.room.feeds.get(stream.feed_id)
            if publisher is None:
                continue
            out.append(
                SubscribedStream(
                    stream.mid, publisher.participant_id, stream.feed_mid, StreamKind(stream.kind)
                )
            )
        return out

    async def answer_subscription(self, sdp: str) -> None:
        session = self._session()
        if not self.sub_handle:
            raise MediaError("No subscription to answer")
        async with self._lock:
            try:
                await session.message(
                    self.sub_handle,
                    {"request": "start"},
                    jsep={"type": "answer", "sdp": sdp},
                    wait_event=True,
                )
            except (JanusError, JanusConnectionLost, TimeoutError) as exc:
                raise media_error(exc) from exc

    async def reset_subscription(self) -> None:
        handle, self.sub_handle = self.sub_handle, 0
        self.subscribed = []
        if handle and self.session is not None:
            await self.session.detach(handle)

    async def set_substream(self, mid: str, substream: int) -> None:
        session = self._session()
        if not self.sub_handle:
            return
        try:
            await session.message(
                self.sub_handle,
                {"request": "configure", "streams": [{"mid": mid, "substream": substream}]},
                wait_event=True,
            )
        except (JanusError, JanusConnectionLost, TimeoutError) as exc:
            raise media_error(exc) from exc

    async def moderate(self, mid: str, muted: bool) -> None:
        """VideoRoom ``moderate``: Janus drops (or relays again) that stream's packets."""
        self._session()  # raises MediaUnavailable while the node is away
        try:
            await self._node.admin(
                {
                    "request": "moderate",
                    "room": self.room.room_id,
                    "secret": self.room.secret,
                    "id": self.feed_id,
                    "mid": mid,
                    "mute": muted,
                }
            )
        except (JanusError, JanusConnectionLost, TimeoutError) as exc:
            raise media_error(exc) from exc

    async def kick(self) -> None:
        """VideoRoom ``kick`` (needs the room secret), then our handles go too."""
        if self._node.connected and not self.room.rebuilding:
            with contextlib.suppress(JanusError, JanusConnectionLost, TimeoutError):
                await self._node.admin(
                    {
                        "request": "kick",
                        "room": self.room.room_id,
                        "secret": self.room.secret,
                        "id": self.feed_id,
                    }
                )
        await self.close()

    async def forward_audio(self, mid: str, host: str, port: int) -> AudioForward:
        """VideoRoom ``rtp_forward`` of one published audio stream (plain RTP).

        Needs the room secret and, as Visio's Janus runs with
        ``lock_rtp_forward``, the plugin's admin key.
        """
        self._session()  # raises MediaUnavailable while the node is away
        stream = self.published.get(mid)
        if stream is None or stream.kind is not StreamKind.AUDIO:
            raise MediaError(f"No published audio stream {mid!r} to forward")
        try:
            reply = await self._node.admin(
                {
                    "request": "rtp_forward",
                    "room": self.room.room_id,
                    "secret": self.room.secret,
                    "admin_key": self._node.admin_key,
                    "publisher_id": self.feed_id,
                    "host": host,
                    "host_family": "ipv6" if ":" in host else "ipv4",
                    "streams": [{"mid": mid, "port": port}],
                }
            )
        except (JanusError, JanusConnectionLost, TimeoutError) as exc:
            raise media_error(exc) from exc
        forwarders = reply.data.get("forwarders")
        first = forwarders[0] if isinstance(forwarders, list) and forwarders else None
        stream_id = first.get("stream_id") if isinstance(first, dict) else None
        if not isinstance(stream_id, int):
            raise MediaError("The media server created no forwarder")
        return AudioForward(forward_id=stream_id, mid=mid, host=host, port=port)

    async def stop_forward(self, forward_id: int) -> None:
        """VideoRoom ``stop_rtp_forward``; a forwarder Janus dropped already is no error."""
        if not self._node.connected or self.room.rebuilding:
            return  # the node lost its forwarders with the room
        with contextlib.suppress(JanusError, JanusConnectionLost, TimeoutError):
            await self._node.admin(
                {
                    "request": "stop_rtp_forward",
                    "room": self.room.room_id,
                    "secret": self.room.secret,
                    "admin_key": self._node.admin_key,
                    "publisher_id": self.feed_id,
                    "stream_id": forward_id,
                }
            )

    async def close(self) -> None:
        self.room._forget(self)
        await self.teardown()

    async def teardown(self) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        if self._node.connected:
            with contextlib.suppress(JanusError, JanusConnectionLost, TimeoutError):
                await session.message(self.pub_handle, {"request": "leave"}, wait_event=False)
        await session.destroy()

    def _on_event(self, role: PeerRole, message: JanusMessage) -> None:
        events = self.room.events
        if message.janus == "trickle":
            raw = candidate_from_trickle(message)
            candidate = (
                None
                if raw is None
                else IceCandidate(
                    str(raw.get("candidate", "")), raw.get("sdpMid"), raw.get("sdpMLineIndex")
                )
            )
            events.on_ice_candidate(self.participant_id, role, candidate)
        elif message.janus == "webrtcup":
            events.on_connection_state(self.participant_id, role, True)
        elif message.janus == "hangup":
            if role is PeerRole.PUBLISHER:
                # Janus stopped the publisher: it must publish anew, and no
                # stopped-talking will ever come for it.
                self.published.clear()
                self.room.on_talking(Talking(self.feed_id, False))
            events.on_connection_state(self.participant_id, role, False)
        elif message.janus == "event":
            talking = Talking.parse(message)
            if talking is not None:
                self.room.on_talking(talking)
            elif (
                role is PeerRole.SUBSCRIBER
                and message.videoroom in ("updated", "attached")
                and message.jsep is not None
            ):
                # Janus renegotiates on its own when a publisher unpublishes,
                # and answers an update queued behind another one ("updating")
                # with a later, unsolicited "updated".
                self.subscribed = self._map_streams(
                    SubscriberStream.parse_list(message.data.get("streams", []))
                )
                offer = SubscriptionOffer(message.jsep.sdp, tuple(self.subscribed))
                events.on_subscription_offer(self.participant_id, offer)
        elif message.janus == "slowlink":
            log.info("slow link for %s (%s): %s", self.participant_id, role, message.raw)
