"""A connection to one Janus node that reconnects and rebuilds the rooms it held."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from visio.media.janus.protocol import JanusError, JanusMessage
from visio.media.janus.transport import (
    Capture,
    JanusConnection,
    JanusConnectionLost,
    JanusSession,
)

if TYPE_CHECKING:
    from visio.media.janus.videoroom import JanusRoom

log = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"


class JanusNodeClient:
    """A connection to one Janus node that reconnects and rebuilds its rooms."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        admin_key: str,
        api_secret: str | None,
        capture: Capture | None = None,
    ) -> None:
        self.name = name
        self.url = url
        self.admin_key = admin_key
        self.api_secret = api_secret
        self.rooms: set[JanusRoom] = set()
        self.connection: JanusConnection | None = None
        self.control: JanusSession | None = None
        self.control_handle = 0
        self.generation = 0
        self._capture = capture
        self._up = asyncio.Event()
        self._stopping = False
        self._reconnector: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._up.is_set()

    @property
    def load(self) -> int:
        return sum(len(room.participants) for room in self.rooms)

    @property
    def connected(self) -> bool:
        return self.connection is not None and self.connection.connected

    async def start(self) -> None:
        try:
            await self._connect()
            self._up.set()
        except (JanusConnectionLost, JanusError, TimeoutError) as exc:
            log.warning("Janus node %s is not reachable yet: %s", self.name, exc)
            self._schedule_reconnect()

    async def stop(self) -> None:
        self._stopping = True
        if self._reconnector is not None:
            self._reconnector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnector
        for room in list(self.rooms):
            await room.close()
        if self.control is not None:
            await self.control.destroy()
        if self.connection is not None:
            await self.connection.close()

    async def wait_up(self, timeout: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._up.wait(), timeout)
        return self.up

    async def _connect(self) -> None:
        connection = JanusConnection(
            self.url, api_secret=self.api_secret, on_closed=self._on_closed, capture=self._capture
        )
        await connection.connect()
        try:
            control = await JanusSession.create(connection)
            handle = await control.attach(VIDEOROOM, lambda _m: None)
        except BaseException:
            await connection.close()
            raise
        self.connection, self.control, self.control_handle = connection, control, handle
        self.generation += 1
        log.info("connected to Janus node %s (generation %d)", self.name, self.generation)

    def _on_closed(self) -> None:
        self._up.clear()
        if self._stopping:
            return
        log.warning("lost the connection to Janus node %s", self.name)
        for room in self.rooms:
            room.mark_lost()
        self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        if self._reconnector is None or self._reconnector.done():
            self._reconnector = asyncio.create_task(
                self._reconnect(), name=f"janus-reconnect {self.name}"
            )

    async def _reconnect(self) -> None:
        delay = 0.2
        while not self._stopping:
            try:
                await self._connect()
            except (JanusConnectionLost, JanusError, TimeoutError) as exc:
                log.debug("Janus node %s still down: %s", self.name, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            # New joins wait (wait_up) until every room is back, so that a
            # participant is never set up twice or in a room not yet recreated.
            for room in list(self.rooms):
                try:
                    await room.rebuild()
                except Exception:
                    log.exception("could not rebuild room %s on %s", room.room_id, self.name)
            if self.connected:
                self._up.set()
                return

    async def admin(self, body: dict[str, Any]) -> JanusMessage:
        if self.control is None or not self.connected:
            raise JanusConnectionLost(f"Janus node {self.name} is down")
        return await self.control.message(self.control_handle, body)

    async def new_session(self) -> JanusSession:
        if self.connection is None or not self.connected:
            raise JanusConnectionLost(f"Janus node {self.name} is down")
        return await JanusSession.create(self.connection)
