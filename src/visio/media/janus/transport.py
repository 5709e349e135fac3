"""One WebSocket connection to a Janus node, with transactions, sessions and handles.

Requests are matched to responses by transaction.  Plugin messages that
Janus answers asynchronously (``ack`` first, then an ``event`` with the same
transaction) resolve on the event.  Messages without a pending transaction
(talking, trickle, webrtcup, hangup, updated, ...) go to the handle's
listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from visio.media.janus.protocol import JanusError, JanusMessage, JanusProtocolError

log = logging.getLogger(__name__)

HandleListener = Callable[[JanusMessage], None]
#: Receives every message sent ("out") and received ("in"), for traces and tests.
Capture = Callable[[str, dict[str, Any]], None]


class JanusConnectionLost(Exception):
    """The WebSocket to Janus closed, or could not be opened."""


class JanusConnection:
    def __init__(
        self,
        url: str,
        *,
        api_secret: str | None = None,
        request_timeout: float = 10.0,
        on_closed: Callable[[], None] | None = None,
        capture: Capture | None = None,
    ) -> None:
        self.url = url
        self._api_secret = api_secret
        self._timeout = request_timeout
        self._on_closed = on_closed
        self._capture = capture
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, tuple[asyncio.Future[JanusMessage], bool]] = {}
        self._listeners: dict[int, HandleListener] = {}
        self._counter = itertools.count(1)
        self._prefix = secrets.token_hex(4)
        self.closed = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self.closed.is_set()

    async def connect(self, timeout: float = 5.0) -> None:
        try:
            self._ws = await asyncio.wait_for(
                connect(
                    self.url,
                    subprotocols=["janus-protocol"],  # type: ignore[list-item]
                    max_size=8 * 1024 * 1024,
                    ping_interval=10,
                    ping_timeout=10,
                ),
                timeout,
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise JanusConnectionLost(f"cannot reach Janus at {self.url}: {exc}") from exc
        self.closed.clear()
        self._reader = asyncio.create_task(self._read_loop(), name=f"janus-reader {self.url}")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        self._fail_pending()
        self.closed.set()

    def listen(self, handle_id: int, listener: HandleListener) -> None:
        self._listeners[handle_id] = listener

    def unlisten(self, handle_id: int) -> None:
        self._listeners.pop(handle_id, None)

    async def request(
        self,
        janus: str,
        *,
        session_id: int | None = None,
        handle_id: int | None = None,
        wait_event: bool = False,
        timeout: float | None = None,
        **fields: Any,
    ) -> JanusMessage:
        """Send one request and return its answer.

        ``wait_event``: the request is an asynchronous plugin message: skip the
        ``ack`` and return the ``event`` that carries the same transaction.
        Raises JanusError when Janus or the plugin refuses, JanusConnectionLost
        when the connection drops, TimeoutError when no answer comes.
        """
        ws = self._ws
        if ws is None or self.closed.is_set():
            raise JanusConnectionLost(f"not connected to {self.url}")
        transaction = f"{self._prefix}-{next(self._counter)}"
        payload: dict[str, Any] = {"janus": janus, "transaction": transaction, **fields}
        if session_id is not None:
            payload["session_id"] = session_id
        if handle_id is not None:
            payload["handle_id"] = handle_id
        if self._api_secret:
            payload["apisecret"] = self._api_secret
        future: asyncio.Future[JanusMessage] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = (future, wait_event)
        try:
            if self._capture is not None:
                self._capture("out", payload)
            await ws.send(json.dumps(payload))
            message = await asyncio.wait_for(future, timeout or self._timeout)
        except ConnectionClosed as exc:
            raise JanusConnectionLost(f"connection to {self.url} closed") from exc
        finally:
            self._pending.pop(transaction, None)
        if message.error is not None:
            raise message.error
        return message

    async def _read_loop(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                try:
                    obj = json.loads(frame)
                    if self._capture is not None:
                        self._capture("in", obj)
                    message = JanusMessage.parse(obj)
                except (json.JSONDecodeError, JanusProtocolError) as exc:
                    log.warning("unreadable message from Janus: %s", exc)
                    continue
                self._dispatch(message)
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("Janus reader failed")
        finally:
            self._fail_pending()
            self.closed.set()
            if self._on_closed is not None:
                self._on_closed()

    def _dispatch(self, message: JanusMessage) -> None:
        if message.transaction is not None:
            entry = self._pending.get(message.transaction)
            if entry is not None:
                future, wait_event = entry
                if message.janus == "ack" and wait_event:
                    return
                if not future.done():
                    future.set_result(message)
                return
        if message.sender is not None:
            listener = self._listeners.get(message.sender)
            if listener is not None:
                try:
                    listener(message)
                except Exception:
                    log.exception("handle listener failed on %s", message.janus)
                return
        if message.janus not in ("ack", "keepalive"):
            log.debug("unrouted Janus message: %s", message.janus)

    def _fail_pending(self) -> None:
        for future, _ in self._pending.values():
            if not future.done():
                future.set_exception(JanusConnectionLost(f"connection to {self.url} closed"))
        self._pending.clear()


class JanusSession:
    """A Janus session kept alive by keepalives, with plugin handles."""

    KEEPALIVE_SECONDS = 25.0

    def __init__(self, connection: JanusConnection, session_id: int) -> None:
        self.connection = connection
        self.id = session_id
        self._keepalive = asyncio.create_task(
            self._keep_alive(), name=f"janus-keepalive {session_id}"
        )
        self.handles: list[int] = []

    @classmethod
    async def create(cls, connection: JanusConnection) -> JanusSession:
        reply = await connection.request("create")
        return cls(connection, int(reply.data["id"]))

    async def attach(self, plugin: str, listener: HandleListener) -> int:
        reply = await self.connection.request("attach", session_id=self.id, plugin=plugin)
        handle_id = int(reply.data["id"])
        self.connection.listen(handle_id, listener)
        self.handles.append(handle_id)
        return handle_id

    async def message(
        self,
        handle_id: int,
        body: dict[str, Any],
        *,
        jsep: dict[str, Any] | None = None,
        wait_event: bool = False,
    ) -> JanusMessage:
        fields: dict[str, Any] = {"body": body}
        if jsep is not None:
            fields["jsep"] = jsep
        return await self.connection.request(
            "message", session_id=self.id, handle_id=handle_id, wait_event=wait_event, **fields
        )

    async def trickle(self, handle_id: int, candidate: dict[str, Any]) -> None:
        await self.connection.request(
            "trickle", session_id=self.id, handle_id=handle_id, candidate=candidate
        )

    async def detach(self, handle_id: int) -> None:
        self.connection.unlisten(handle_id)
        if handle_id in self.handles:
            self.handles.remove(handle_id)
        with contextlib.suppress(JanusError, JanusConnectionLost, TimeoutError):
            await self.connection.request("detach", session_id=self.id, handle_id=handle_id)

    def destroy_locally(self) -> None:
        """Forget the session without telling Janus (its connection is gone)."""
        self._keepalive.cancel()
        for handle_id in self.handles:
            self.connection.unlisten(handle_id)
        self.handles.clear()

    async def destroy(self) -> None:
        self._keepalive.cancel()
        for handle_id in self.handles:
            self.connection.unlisten(handle_id)
        self.handles.clear()
        with contextlib.suppress(JanusError, JanusConnectionLost, TimeoutError):
            await self.connection.request("destroy", session_id=self.id, timeout=3)

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.KEEPALIVE_SECONDS)
            try:
                await self.connection.request("keepalive", session_id=self.id, timeout=5)
            except (JanusConnectionLost, TimeoutError):
                return
            except JanusError as exc:
                log.warning("keepalive of session %s refused: %s", self.id, exc)
                return
