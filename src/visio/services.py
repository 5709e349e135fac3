"""The long-lived services of one Visio process, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass

from visio.config import Settings
from visio.db import Database
from visio.media.base import MediaServer
from visio.signaling.hub import RoomHub


@dataclass
class Services:
    settings: Settings
    db: Database
    media: MediaServer
    hub: RoomHub

    @classmethod
    def build(cls, settings: Settings, *, media: MediaServer | None = None) -> Services:
        if media is None:
            from visio.media.janus.server import JanusMediaServer

            media = JanusMediaServer(settings)
        db = Database(settings.resolved_database_url)
        return cls(settings=settings, db=db, media=media, hub=RoomHub(settings, media))

    async def start(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db.upgrade()
        await self.media.start()

    async def stop(self) -> None:
        await self.hub.shutdown()
        await self.media.stop()
        self.db.dispose()
