"""The long-lived services of one Visio process, built once from settings."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from visio.access.lobby import Gatekeeper
from visio.access.tokens import JoinTokens
from visio.config import Settings
from visio.db import Database
from visio.mail import Mailer
from visio.media.base import MediaServer
from visio.secrets_store import load_or_create
from visio.signaling.hub import RoomHub
from visio.throttle import Throttle
from visio.transcripts.manager import TranscriptManager

#: How often waiting lobby requests are checked for expiry.
LOBBY_SWEEP_SECONDS = 2.0


@dataclass
class Services:
    settings: Settings
    db: Database
    media: MediaServer
    hub: RoomHub
    gatekeeper: Gatekeeper
    tokens: JoinTokens
    throttle: Throttle
    mailer: Mailer
    transcripts: TranscriptManager
    #: Key for signed values (join tokens, the sign-in state cookie), from the install secrets.
    signing_key: str = field(repr=False, default="")
    _sweeper: asyncio.Task[None] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, settings: Settings, *, media: MediaServer | None = None) -> Services:
        if media is None:
            from visio.media.janus.server import JanusMediaServer

            media = JanusMediaServer(settings)
        db = Database(settings.resolved_database_url)
        gatekeeper = Gatekeeper(
            request_ttl=settings.lobby_request_ttl_seconds,
            requests_per_hour=settings.lobby_requests_per_hour,
        )
        signing_key = load_or_create(settings.data_dir).signing_key
        tokens = JoinTokens(signing_key, settings.join_token_ttl_seconds)
        mailer = Mailer(settings)
        transcripts = TranscriptManager(settings, db, mailer=mailer)
        return cls(
            settings=settings,
            db=db,
            media=media,
            hub=RoomHub(
                settings,
                media,
                gatekeeper=gatekeeper,
                tokens=tokens,
                db=db,
                transcriber=transcripts.transcriber,
            ),
            gatekeeper=gatekeeper,
            tokens=tokens,
            throttle=Throttle(),
            mailer=mailer,
            transcripts=transcripts,
            signing_key=signing_key,
        )

    async def start(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db.upgrade()
        await self.media.start()
        await self.transcripts.start()
        self._sweeper = asyncio.get_running_loop().create_task(
            self._sweep_lobby(), name="lobby-sweeper"
        )

    async def _sweep_lobby(self) -> None:
        while True:
            await asyncio.sleep(LOBBY_SWEEP_SECONDS)
            self.gatekeeper.sweep()

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.hub.shutdown()  # ends live transcripts' captures: their jobs are queued
        await self.transcripts.stop()
        await self.media.stop()
        self.db.dispose()
