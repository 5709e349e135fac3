"""The MediaServer interface on local (supervised) or external Janus nodes."""

from __future__ import annotations

import asyncio
import logging

from visio.config import Settings
from visio.errors import MediaUnavailable
from visio.media.base import MediaEvents, MediaRoom, RoomOptions
from visio.media.janus.node import JanusNodeClient
from visio.media.janus.protocol import JanusError
from visio.media.janus.supervisor import JanusSupervisor
from visio.media.janus.transport import Capture, JanusConnectionLost
from visio.media.janus.videoroom import JanusRoom, media_error
from visio.secrets_store import load_or_create

log = logging.getLogger(__name__)


class JanusMediaServer:
    """MediaServer on local (supervised) or external Janus nodes."""

    def __init__(self, settings: Settings, *, capture: Capture | None = None) -> None:
        self.settings = settings
        self.nodes: list[JanusNodeClient] = []
        self.supervisor: JanusSupervisor | None = None
        self._capture = capture

    async def start(self) -> None:
        settings = self.settings
        if settings.supervise_local_janus:
            install = load_or_create(settings.data_dir)
            self.supervisor = JanusSupervisor(
                binary=settings.janus_binary,
                data_dir=settings.data_dir,
                ws_port=settings.janus_ws_port,
                admin_ws_port=settings.janus_admin_ws_port,
                rtp_range=settings.rtp_range,
                secrets=install,
                ice_enforce_list=settings.janus_ice_enforce_list,
                nat_1_1_mapping=settings.janus_nat_1_1_mapping,
                restart_backoff_max=settings.janus_restart_backoff_max,
            )
            await self.supervisor.start()
            self.nodes = [
                JanusNodeClient(
                    "local",
                    self.supervisor.ws_url,
                    admin_key=install.janus_admin_key,
                    api_secret=install.janus_api_secret,
                    capture=self._capture,
                )
            ]
        else:
            self.nodes = [
                JanusNodeClient(
                    node.name or node.url,
                    node.url,
                    admin_key=node.admin_key.get_secret_value(),
                    api_secret=node.api_secret.get_secret_value() if node.api_secret else None,
                    capture=self._capture,
                )
                for node in settings.janus_nodes
            ]
        for node in self.nodes:
            await node.start()

    async def stop(self) -> None:
        for node in self.nodes:
            await node.stop()
        if self.supervisor is not None:
            await self.supervisor.stop()

    def ready(self) -> bool:
        return any(node.up for node in self.nodes)

    async def open_room(self, options: RoomOptions, events: MediaEvents) -> MediaRoom:
        candidates = [node for node in self.nodes if node.up]
        if not candidates and self.nodes:
            # A node may be coming back (restart): give it a moment before refusing.
            waits = [node.wait_up(5.0) for node in self.nodes]
            await asyncio.gather(*waits)
            candidates = [node for node in self.nodes if node.up]
        if not candidates:
            raise MediaUnavailable()
        node = min(candidates, key=lambda n: (n.load, len(n.rooms)))
        room = JanusRoom(node, options, events)
        try:
            await room.create()
        except (JanusError, JanusConnectionLost, TimeoutError) as exc:
            raise media_error(exc) from exc
        node.rooms.add(room)
        return room
