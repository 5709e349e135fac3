"""A meeting participant on aiortc that speaks Visio's signaling protocol.

Used by tests, load tests, demos and ``visio bot``.  One publisher peer
connection carries every published source; one subscriber peer connection
carries every received stream and is renegotiated when the set changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import av
import httpx
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import SessionDescription, candidate_from_sdp
from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from visio.client.media import ReceivedTrack
from visio.signaling import messages as m

log = logging.getLogger(__name__)

TrackFactory = Callable[[], MediaStreamTrack]


class SignalingError(Exception):
    """The server answered a request with an ``error`` message."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")


class EntryRefused(Exception):
    """The meeting did not let this participant in (denied, expired, or an HTTP error)."""

    def __init__(self, status: str, message: str = "") -> None:
        self.status = status
        super().__init__(f"{status}: {message}" if message else status)


#: Sent with every API request: the server's CSRF check asks for it (docs/security.md).
API_HEADERS = {"X-Visio-Request": "1"}


def http_base(meeting_url: str) -> tuple[str, str]:
    """``http://host/abcd-efgh-ijkl`` (or its ws:// signaling URL) → (``http://host``, slug)."""
    parts = urlsplit(meeting_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    if scheme not in ("http", "https") or not parts.path.strip("/"):
        raise ValueError(f"not a meeting URL: {meeting_url!r}")
    path = parts.path.strip("/").split("/")
    slug = path[-2] if parts.scheme in ("ws", "wss") and path[-1] == "ws" else path[-1]
    return urlunsplit((scheme, parts.netloc, "", "", "")), slug


def signaling_url(meeting_url: str) -> str:
    """``http://host/abcd-efgh-ijkl`` → ``ws://host/api/v1/rooms/abcd-efgh-ijkl/ws``."""
    parts = urlsplit(meeting_url)
    if parts.scheme in ("ws", "wss"):
        return meeting_url
    if parts.scheme not in ("http", "https") or not parts.path.strip("/"):
        raise ValueError(f"not a meeting URL: {meeting_url!r}")
    slug = parts.path.strip("/").split("/")[-1]
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, f"/api/v1/rooms/{slug}/ws", "", ""))


class _Peer:
    """A peer connection plus the ICE candidates that arrived before its remote description."""

    def __init__(self, config: RTCConfiguration) -> None:
        self.pc = RTCPeerConnection(config)
        self._early: list[m.Candidate | None] = []
        self.described = False

    async def add_candidate(self, candidate: m.Candidate | None) -> None:
        if not self.described:
            self._early.append(candidate)  # notes, trap 2: Janus trickles early
            return
        if candidate is None or not candidate.candidate:
            return
        text = candidate.candidate.removeprefix("candidate:")
        ice = candidate_from_sdp(text)
        ice.sdpMid = candidate.sdp_mid
        ice.sdpMLineIndex = candidate.sdp_mline_index
        await self.pc.addIceCandidate(ice)

    async def set_remote(self, sdp: str, kind: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
        self.described = True
        early, self._early = self._early, []
        for candidate in early:
            await self.add_candidate(candidate)

    async def close(self) -> None:
        await self.pc.close()


def _route_recycled_ssrcs(pc: RTCPeerConnection, sdp: str) -> None:
    """Let aiortc receive on m-lines that Janus recycled for another stream.

    Janus reuses an inactive m-line (same mid) for the next stream it adds,
    with new SSRCs.  aiortc registers a receiver's SSRCs only when it starts,
    and routes unknown SSRCs by payload type only when one receiver has it, so
    the new stream would be dropped.  Map the SSRCs the offer announces to the
    receiver of their mid.
    """
    description = SessionDescription.parse(sdp)
    by_mid = {t.mid: t for t in pc.getTransceivers()}
    for media in description.media:
        transceiver = by_mid.get(media.rtp.muxId)
        if transceiver is None or transceiver.receiver.transport is None:
            continue
        router = getattr(transceiver.receiver.transport, "_rtp_router", None)
        if router is None:
            continue
        for ssrc in media.ssrc:
            router.ssrc_table[ssrc.ssrc] = transceiver.receiver


class Participant:
    """Join a meeting, publish, subscribe, chat.

    ``auto_subscribe``: receive every stream of everyone else as soon as it is
    published (video limited to ``max_video_subscriptions``).
    """

    def __init__(
        self,
        meeting_url: str,
        display_name: str,
        *,
        auto_subscribe: bool = True,
        record_dir: Path | None = None,
        relay_only: bool = False,
        http: httpx.AsyncClient | None = None,
        lobby_timeout: float = 60.0,
        shared_microphone: bool = False,
    ) -> None:
        self.url = signaling_url(meeting_url)
        self.base_url, self.slug = http_base(meeting_url)
        self.display_name = display_name
        #: Carries the browser-like cookies (sign-in session, visitor id) of this participant.
        self.http = http if http is not None else httpx.AsyncClient(headers=API_HEADERS)
        self._own_http = http is None
        self.lobby_timeout = lobby_timeout
        #: A meeting-room microphone several people speak into (transcripts diarize it).
        self.shared_microphone = shared_microphone
        #: Lobby states seen while asking to enter (``waiting``, ``admitted``…).
        self.entry_states: list[str] = []
        self.role: str | None = None
        #: Waiting lobby requests (hosts only), by id.
        self.lobby: dict[str, m.LobbyRequestInfo] = {}
        self.access: m.AccessInfo | None = None
        self.moderations: list[m.Moderated] = []
        self.ended_by: str | None = None
        self.auto_subscribe = auto_subscribe
        self.record_dir = record_dir
        self.relay_only = relay_only
        self.participant_id: str | None = None
        self.roster: dict[str, m.ParticipantInfo] = {}
        self.hands: list[str] = []
        self.chat: list[m.ChatMessage] = []
        self.reactions: list[m.ReactionReceived] = []
        self.active_speaker: str | None = None
        self.received: dict[tuple[str, str], ReceivedTrack] = {}
        self.events: asyncio.Queue[m.ServerMessage] = asyncio.Queue()
        self.media_resets = 0
        self.ice_servers: list[m.IceServer] = []
        self.limits: m.Limits | None = None
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[m.ServerMessage]] = {}
        self._ids = itertools.count(1)
        self._publisher: _Peer | None = None
        self._subscriber: _Peer | None = None
        self._sub_streams: dict[str, m.SubscribedStreamInfo] = {}
        self._sources: dict[str, TrackFactory] = {}
        self._published_by: dict[str, Any] = {}  # source → RTCRtpTransceiver
        self._tasks: set[asyncio.Task[Any]] = set()
        self._changed = asyncio.Condition()
        self._sub_lock = asyncio.Lock()
        self._offer_lock = asyncio.Lock()

    # --- connection --------------------------------------------------------------

    async def connect(self, timeout: float = 10.0) -> None:
        self._ws = await asyncio.wait_for(connect(self.url, max_size=2**20), timeout)
        self._reader = asyncio.create_task(self._read(), name="visio-client-reader")

    async def request_entry(self) -> str:
        """A join token: at once, or after waiting in the lobby until a host admits us.

        Raises :class:`EntryRefused` when denied, expired, or refused by the API.
        """
        api = f"{self.base_url}/api/v1/rooms/{self.slug}"
        reply = await self.http.post(
            f"{api}/join",
            json={"display_name": self.display_name, "shared_microphone": self.shared_microphone},
            headers=API_HEADERS,
        )
        deadline = time.monotonic() + self.lobby_timeout
        while True:
            if reply.status_code not in (200, 202):
                error = reply.json().get("error", {}) if reply.content else {}
                raise EntryRefused(
                    error.get("code", str(reply.status_code)), error.get("message", "")
                )
            body = reply.json()
            self.entry_states.append(body["status"])
            if body["status"] == "admitted":
                return str(body["token"])
            if body["status"] != "waiting":
                raise EntryRefused(body["status"])
            if time.monotonic() > deadline:
                raise EntryRefused("timeout", "still waiting in the lobby")
            await asyncio.sleep(0.3)
            reply = await self.http.get(f"{api}/lobby", headers=API_HEADERS)

    async def join(self, timeout: float = 10.0, *, token: str | None = None) -> m.Joined:
        if token is None:
            token = await self.request_entry()
        if self._ws is None:
            await self.connect(timeout)
        # The snapshot is applied by the reader, in order with what follows it.
        reply = await self.request(m.Join(type="join", token=token), timeout)
        assert isinstance(reply, m.Joined)
        if self.auto_subscribe:
            self._spawn(self._resubscribe())
        return reply

    async def request(self, message: m._Request, timeout: float = 10.0) -> m.ServerMessage:
        """Send a message with a fresh id and wait for its reply.  Raises SignalingError."""
        request_id = f"r{next(self._ids)}"
        message = message.model_copy(update={"id": request_id})
        future: asyncio.Future[m.ServerMessage] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self.send(message)
            reply = await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(request_id, None)
        if isinstance(reply, m.ErrorMessage):
            raise SignalingError(reply.code, reply.message)
        return reply

    async def send(self, message: m._Message) -> None:
        if self._ws is None:
            raise RuntimeError("not connected")
        await self._ws.send(message.model_dump_json())

    async def send_raw(self, text: str | bytes) -> None:
        """Send any frame (tests of bad input)."""
        if self._ws is None:
            raise RuntimeError("not connected")
        await self._ws.send(text)

    async def leave(self) -> None:
        with contextlib.suppress(Exception):
            if self._ws is not None and self.participant_id is not None:
                await self.request(m.Leave(type="leave"), timeout=3)
        await self.close()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self._drop_publisher()
        subscriber, self._subscriber = self._subscriber, None
        if subscriber is not None:
            await subscriber.close()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        for track in self.received.values():
            track.close()
        if self._own_http:
            await self.http.aclose()

    # --- host actions -------------------------------------------------------------

    async def decide(self, request_ids: list[str], admit: bool) -> None:
        await self.request(
            m.LobbyDecision(type="lobby_decision", request_ids=request_ids, admit=admit)
        )

    async def lock(self, locked: bool) -> None:
        await self.request(m.LockMeeting(type="lock", locked=locked))

    async def mute_participant(self, participant_id: str, source: m.Source = "microphone") -> None:
        await self.request(
            m.MuteParticipant(type="mute_participant", participant_id=participant_id, source=source)
        )

    async def remove_participant(self, participant_id: str) -> None:
        await self.request(
            m.RemoveParticipant(type="remove_participant", participant_id=participant_id)
        )

    async def lower_hand(self, participant_id: str) -> None:
        await self.request(m.LowerHand(type="lower_hand", participant_id=participant_id))

    async def set_role(self, participant_id: str, role: str) -> None:
        await self.request(m.SetRole(type="set_role", participant_id=participant_id, role=role))

    async def end_meeting(self) -> None:
        await self.request(m.EndMeeting(type="end_meeting"))

    # --- publishing -------------------------------------------------------------

    async def publish(self, sources: dict[str, TrackFactory], timeout: float = 10.0) -> m.Published:
        """Publish tracks, by source name (``microphone``, ``camera``, ``screen``...).

        Sources not published yet are added to the one publisher connection,
        which is renegotiated (e.g. a screen share joins the camera).  To stop
        sources, call :meth:`unpublish` and publish the rest again.  Factories
        are kept so that the same sources are published again after a media
        reset.
        """
        peer = self._publisher
        if peer is None:
            peer = self._publisher = _Peer(self._rtc_config())
        for source, factory in sources.items():
            if source not in self._published_by:
                transceiver = peer.pc.addTransceiver(factory(), direction="sendonly")
                self._published_by[source] = transceiver
                self._sources[source] = factory
        offer = await peer.pc.createOffer()
        await peer.pc.setLocalDescription(offer)
        mids = {t.mid: source for source, t in self._published_by.items() if t.mid is not None}
        reply = await self.request(
            m.Publish(type="publish", sdp=peer.pc.localDescription.sdp, sources=mids), timeout
        )
        assert isinstance(reply, m.Published)
        await peer.set_remote(reply.sdp, "answer")
        return reply

    async def unpublish(self) -> None:
        """Stop publishing everything (the publisher connection is closed)."""
        await self.request(m.Unpublish(type="unpublish"))
        await self._drop_publisher()
        self._sources.clear()

    async def _drop_publisher(self) -> None:
        peer, self._publisher = self._publisher, None
        self._published_by.clear()
        if peer is not None:
            await peer.close()

    async def set_muted(self, source: str, muted: bool) -> None:
        await self.request(m.Mute(type="mute", source=source, muted=muted))

    # --- subscribing ------------------------------------------------------------

    async def subscribe(self, streams: list[m.StreamRequest]) -> None:
        """Receive exactly ``streams`` (declarative).  The offer is handled when it comes."""
        await self.request(m.Subscribe(type="subscribe", streams=streams))

    def _everyone_else(self) -> list[m.StreamRequest]:
        """Everyone's streams, within the server's limits (muted ones dropped first)."""
        room = {
            "audio": self.limits.max_audio_subscriptions if self.limits else 30,
            "video": self.limits.max_video_subscriptions if self.limits else 25,
        }
        streams = [
            (participant.id, stream)
            for participant in self.roster.values()
            if participant.id != self.participant_id
            for stream in participant.streams
        ]
        wanted = []
        for pid, stream in sorted(streams, key=lambda item: item[1].muted):
            if room[stream.kind] > 0:
                room[stream.kind] -= 1
                wanted.append(m.StreamRequest(participant_id=pid, mid=stream.mid))
        return wanted

    async def _resubscribe(self) -> None:
        async with self._sub_lock:
            try:
                await self.subscribe(self._everyone_else())
            except SignalingError as exc:
                log.warning("subscribe failed: %s", exc)

    def _subscriber_peer(self) -> _Peer:
        """The subscriber connection, made when the first offer arrives.

        It is made synchronously on receipt so that candidates Janus trickles
        right after the offer are buffered, not dropped (with relay-only ICE the
        client must know them to open TURN permissions).
        """
        if self._subscriber is None:
            peer = self._subscriber = _Peer(self._rtc_config())

            @peer.pc.on("track")
            def on_track(track: MediaStreamTrack) -> None:
                transceiver = next(
                    (t for t in peer.pc.getTransceivers() if t.receiver.track is track), None
                )
                mid = transceiver.mid if transceiver is not None else None
                self._spawn(self._consume(mid, track))

        return self._subscriber

    async def _on_offer(self, peer: _Peer, offer: m.SubscriptionOffer) -> None:
        async with self._offer_lock:
            self._sub_streams = {s.mid: s for s in offer.streams}
            try:
                await peer.set_remote(offer.sdp, "offer")
                _route_recycled_ssrcs(peer.pc, offer.sdp)
                answer = await peer.pc.createAnswer()
                await peer.pc.setLocalDescription(answer)
                await self.request(
                    m.SubscriptionAnswer(
                        type="subscription_answer", sdp=peer.pc.localDescription.sdp
                    )
                )
            except Exception as exc:  # a task boundary: never leave an offer unanswered
                # The answer was refused (the server dropped that connection) or
                # could not be made: start a fresh subscriber connection.
                log.warning("subscription offer not answered (%s): subscribing again", exc)
                if self._subscriber is peer:
                    self._subscriber = None
                await peer.close()
                self._spawn(self._resubscribe())

    async def _consume(self, mid: str | None, track: MediaStreamTrack) -> None:
        # Janus recycles the m-line of a stream that went away for the next one
        # it adds, and aiortc keeps the same track for a recycled m-line: look up
        # which stream the mid carries for every frame.
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                info = self._sub_streams.get(mid or "")
                if info is not None and isinstance(frame, av.AudioFrame | av.VideoFrame):
                    self._record(info, track.kind).add(frame)

    def _record(self, info: m.SubscribedStreamInfo, kind: str) -> ReceivedTrack:
        key = (info.participant_id, info.source)
        record = self.received.get(key)
        if record is None:
            record = ReceivedTrack(info.participant_id, info.source, kind)
            if self.record_dir is not None:
                record.open_file(self.record_dir)
            self.received[key] = record
        return record

    # --- chat, hands, reactions -----------------------------------------------------

    async def send_chat(self, text: str) -> None:
        await self.request(m.SendChat(type="chat", text=text))

    async def raise_hand(self, raised: bool = True) -> None:
        await self.request(m.RaiseHand(type="raise_hand", raised=raised))

    async def react(self, emoji: str) -> None:
        await self.request(m.SendReaction(type="reaction", emoji=emoji))

    # --- waiting for things --------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        """Wait until ``predicate()`` holds, re-checked after each server message."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("condition not met in time")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    @property
    def subscribed_streams(self) -> list[m.SubscribedStreamInfo]:
        """What the subscriber connection carries, per the latest offer."""
        return list(self._sub_streams.values())

    def track_from(self, participant_id: str, source: str) -> ReceivedTrack | None:
        return self.received.get((participant_id, source))

    # --- internals ------------------------------------------------------------------

    def _rtc_config(self) -> RTCConfiguration:
        return RTCConfiguration(
            iceServers=[
                RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
                for s in self.ice_servers
            ],
            iceTransportPolicy=(
                RTCIceTransportPolicy.RELAY if self.relay_only else RTCIceTransportPolicy.ALL
            ),
        )

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                try:
                    message = m.SERVER_ADAPTER.validate_python(json.loads(frame))
                except (ValueError, ValidationError) as exc:
                    # A newer server within protocol v1 may add messages: skip them.
                    log.info("skipping a server message this client does not know: %s", exc)
                    continue
                await self._on_message(message)
                await self._notify()
        except ConnectionClosed:
            pass
        finally:
            if self._ws.close_code is not None:
                self.close_code = self._ws.close_code
            self.closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"closed ({self.close_code})"))
            await self._notify()

    async def _on_message(self, message: m.ServerMessage) -> None:
        self.events.put_nowait(message)
        reply_to = getattr(message, "reply_to", None)
        if isinstance(message, m.Joined):
            self.participant_id = message.participant_id
            self.roster = {p.id: p for p in message.participants}
            self.hands = list(message.hands)
            self.chat = list(message.chat)
            self.active_speaker = message.active_speaker
            self.ice_servers = message.ice_servers
            self.limits = message.limits
            self.role = message.role
            self.access = message.access
            self.lobby = {r.id: r for r in message.lobby or []}
        elif isinstance(message, m.SubscriptionOffer):
            self._spawn(self._on_offer(self._subscriber_peer(), message))
        elif isinstance(message, m.ServerTrickle):
            peer = self._publisher if message.role == "publisher" else self._subscriber
            if peer is not None:
                await peer.add_candidate(message.candidate)
        elif isinstance(message, m.ParticipantJoined | m.ParticipantUpdated):
            self.roster[message.participant.id] = message.participant
            if self.auto_subscribe and message.participant.id != self.participant_id:
                self._spawn(self._resubscribe())
        elif isinstance(message, m.ParticipantLeft):
            self.roster.pop(message.participant_id, None)
        elif isinstance(message, m.ChatReceived):
            self.chat.append(message.message)
        elif isinstance(message, m.HandsChanged):
            self.hands = list(message.hands)
        elif isinstance(message, m.ReactionReceived):
            self.reactions.append(message)
        elif isinstance(message, m.ActiveSpeaker):
            self.active_speaker = message.participant_id
        elif isinstance(message, m.Speaking):
            info = self.roster.get(message.participant_id)
            if info is not None:
                self.roster[info.id] = info.model_copy(update={"speaking": message.speaking})
        elif isinstance(message, m.LobbyRequested):
            self.lobby[message.request.id] = message.request
        elif isinstance(message, m.LobbyResolved):
            self.lobby.pop(message.request_id, None)
        elif isinstance(message, m.AccessChanged):
            self.access = message.access
        elif isinstance(message, m.Moderated):
            self.moderations.append(message)
        elif isinstance(message, m.RoleChanged):
            self.role = message.role
            self.lobby = {r.id: r for r in message.lobby or []}
        elif isinstance(message, m.MeetingEndedMessage):
            self.ended_by = message.by
        elif isinstance(message, m.MediaReset):
            self.media_resets += 1
            self._spawn(self._recover_media(message.ice_servers))
        if reply_to is not None:
            future = self._pending.get(reply_to)
            if future is not None and not future.done():
                future.set_result(message)

    async def _recover_media(self, ice_servers: list[m.IceServer]) -> None:
        """The SFU restarted: new peer connections, publish the same sources again."""
        self.ice_servers = ice_servers
        await self._drop_publisher()
        subscriber, self._subscriber = self._subscriber, None
        if subscriber is not None:
            await subscriber.close()
        self._sub_streams = {}
        for pid, info in list(self.roster.items()):
            self.roster[pid] = info.model_copy(update={"streams": []})
        if self._sources:
            try:
                await self.publish(dict(self._sources))
            except (SignalingError, TimeoutError) as exc:
                log.warning("could not publish again after a media reset: %s", exc)
