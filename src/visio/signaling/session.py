"""One client's signaling connection: the receive loop, the send queue, dispatch.

Every client frame is parsed into a typed message; a :class:`VisioError`
becomes an ``error`` message (and a close, for the few errors that end the
connection).  Nothing a client sends can raise past this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from pydantic import BaseModel

from visio.errors import (
    AlreadyJoined,
    IdleTimeout,
    MalformedMessage,
    MessageTooLarge,
    NotJoined,
    ServerShuttingDown,
    UnsupportedProtocol,
    VisioError,
)
from visio.media.base import IceCandidate, PeerRole
from visio.signaling import messages as m
from visio.signaling.hub import RoomHub
from visio.signaling.room import Identity, LiveRoom, Outbox, Participant

log = logging.getLogger(__name__)

#: A client that lets this many messages pile up is too slow to keep.
SEND_QUEUE_LIMIT = 5000


class Closed(Exception):
    """The client went away."""


class Socket(Protocol):
    """The bits of a WebSocket the session needs (Starlette's fits)."""

    async def receive_frame(self) -> str | bytes:
        """The next text or binary frame.  Raises Closed when the client went away."""

    async def send_text(self, text: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


class QueueOutbox(Outbox):
    """Messages go through a queue so that one slow client never blocks a broadcast."""

    def __init__(self, socket: Socket) -> None:
        self._socket = socket
        self._queue: asyncio.Queue[str | tuple[int, str]] = asyncio.Queue()
        self._writer = asyncio.get_running_loop().create_task(
            self._write(), name="signaling-writer"
        )
        self.gone = asyncio.Event()
        self._closing = False

    def send(self, message: BaseModel) -> None:
        if self.gone.is_set() or self._closing:
            return
        if self._queue.qsize() >= SEND_QUEUE_LIMIT:
            log.warning("closing a signaling client that does not read its messages")
            # Drop the backlog it will never read, and close now, not after it.
            while not self._queue.empty():
                self._queue.get_nowait()
            self.close_soon(1008, "client too slow")
            return
        self._queue.put_nowait(m.dump(message))

    def close_soon(self, code: int, reason: str) -> None:
        """Close after what is queued; later messages are dropped."""
        if not self._closing:
            self._closing = True
            self._queue.put_nowait((code, reason))

    async def _write(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                if isinstance(item, tuple):
                    await self._socket.close(*item)
                    break
                await self._socket.send_text(item)
        except Exception as exc:  # the socket died under us
            log.debug("signaling writer stopped: %s", exc)
        finally:
            self.gone.set()

    async def drain(self, timeout: float = 2.0) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._writer, timeout)

    async def stop(self) -> None:
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._writer


class SignalingSession:
    def __init__(self, hub: RoomHub, live: LiveRoom, socket: Socket) -> None:
        self.hub = hub
        self.live = live
        self.socket = socket
        self.settings = hub.settings
        self.outbox = QueueOutbox(socket)
        self.participant: Participant | None = None

    async def run(self) -> None:
        reason = "disconnected"
        try:
            while True:
                try:
                    frame = await asyncio.wait_for(
                        self.socket.receive_frame(), self.settings.ws_idle_timeout_seconds
                    )
                except TimeoutError:
                    self.fail(IdleTimeout())
                    break
                try:
                    message = self.parse(frame)
                    if await self.handle(message):
                        reason = "left"
                        self.outbox.close_soon(1000, "left")
                        break
                except VisioError as exc:
                    if self.fail(exc):
                        break
        except Closed:
            pass
        finally:
            if self.participant is not None:
                with contextlib.suppress(Exception):
                    await self.live.leave(self.participant, reason)
            self.hub.disconnected(self.live)
            await self.outbox.drain()
            await self.outbox.stop()

    def fail(self, error: VisioError) -> bool:
        """Send ``error`` to the client; True when it also ends the connection."""
        details = dict(error.details)
        reply_to = details.pop("request_id", None)
        self.outbox.send(
            m.ErrorMessage(
                reply_to=reply_to if isinstance(reply_to, str) else None,
                code=error.code,
                message=error.message,
                details=details or None,
            )
        )
        if error.ws_close is not None:
            self.outbox.close_soon(error.ws_close, error.code)
            return True
        return False

    def parse(self, frame: str | bytes) -> m.ClientMessage:
        if isinstance(frame, bytes):
            raise MalformedMessage("Messages are JSON text frames, not binary")
        limit = self.settings.ws_max_message_bytes
        # Characters are at most 4 bytes: only long frames need encoding to count.
        if len(frame) * 4 > limit and len(frame.encode()) > limit:
            raise MessageTooLarge(f"Messages are limited to {limit} bytes")
        return m.parse_client_message(frame)

    async def handle(self, message: m.ClientMessage) -> bool:
        """Act on one message.  Returns True when the client left.

        Raises VisioError carrying the request id; anything unexpected is
        logged and becomes ``internal_error`` (the connection stays open).
        """
        request_id = message.id
        try:
            return await self._handle(message)
        except VisioError as exc:
            if request_id is not None and "request_id" not in exc.details:
                exc.details["request_id"] = request_id
            raise
        except Exception as exc:
            log.exception("signaling handler failed on %s", message.type)
            raise VisioError(request_id=request_id) from exc

    async def _handle(self, message: m.ClientMessage) -> bool:
        if isinstance(message, m.Ping):
            self.outbox.send(m.Pong(reply_to=message.id))
            return False
        if isinstance(message, m.Join):
            await self._join(message)
            return False
        participant = self.participant
        if participant is None:
            raise NotJoined()
        if participant.gone is not None:
            raise type(participant.gone)()
        live = self.live
        match message:
            case m.Leave():
                if message.id is not None:
                    self.outbox.send(m.Ack(reply_to=message.id))
                return True
            case m.Publish():
                await live.publish(participant, message)
                return False  # answered by published
            case m.Unpublish():
                await live.unpublish(participant)
            case m.Subscribe():
                await live.subscribe(participant, message)
                return False  # answered by subscription_offer or ack
            case m.SubscriptionAnswer():
                await live.answer_subscription(participant, message)
            case m.Trickle():
                candidate = None
                if message.candidate is not None:
                    candidate = IceCandidate(
                        message.candidate.candidate,
                        message.candidate.sdp_mid,
                        message.candidate.sdp_mline_index,
                    )
                await participant.media.trickle(PeerRole(message.role), candidate)
            case m.Mute():
                await live.set_muted(participant, message.source, message.muted)
            case m.SendChat():
                live.chat_message(participant, message.text)
            case m.RaiseHand():
                live.raise_hand(participant, message.raised)
            case m.SendReaction():
                live.react(participant, message.emoji)
            case m.LobbyDecision():
                live.decide_lobby(participant, list(message.request_ids), message.admit)
            case m.LockMeeting():
                live.set_locked(participant, message.locked)
            case m.MuteParticipant():
                await live.mute_participant(participant, message.participant_id, message.source)
            case m.RemoveParticipant():
                await live.remove_participant(participant, message.participant_id)
            case m.LowerHand():
                live.lower_hand(participant, message.participant_id)
            case m.SetRole():
                live.set_role(participant, message.participant_id, message.role)
            case m.EndMeeting():
                if message.id is not None:
                    self.outbox.send(m.Ack(reply_to=message.id))
                await live.end_by_host(participant)
                return False
            case m.StartTranscription():
                await live.start_transcription(participant, message.language)
            case m.StopTranscription():
                await live.stop_transcription(participant)
        if message.id is not None:
            self.outbox.send(m.Ack(reply_to=message.id))
        return False

    async def _join(self, message: m.Join) -> None:
        if self.participant is not None:
            raise AlreadyJoined()
        if message.protocol_version != m.PROTOCOL_VERSION:
            raise UnsupportedProtocol(
                f"This server speaks protocol {m.PROTOCOL_VERSION}",
                supported=[m.PROTOCOL_VERSION],
            )
        if self.hub.closing:
            raise ServerShuttingDown()
        grant = self.hub.tokens.verify(message.token, self.live.slug)
        participant = await self.live.join(
            Identity(
                participant_id=grant.participant_id,
                display_name=grant.display_name,
                role=grant.role,
                user_id=grant.user_id,
                visitor=grant.visitor,
                shared_microphone=grant.shared_microphone,
            ),
            self.outbox,
        )
        self.participant = participant
        self.outbox.send(self.live.snapshot(participant, message.id))
