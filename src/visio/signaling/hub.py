"""The registry of live meetings in this process, and ICE server credentials."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import time
from typing import Any

from visio import audit
from visio.access.lobby import Gatekeeper, LobbyListener
from visio.access.tokens import JoinTokens
from visio.config import Settings
from visio.db import Database
from visio.media.base import MediaServer
from visio.signaling import messages as m
from visio.signaling.room import LiveRoom, RoomConfig, Transcriber

log = logging.getLogger(__name__)


def turn_credentials(secret: str, user: str, ttl: int, now: float | None = None) -> tuple[str, str]:
    """coturn REST API credentials: ``<expiry>:<user>`` and base64(HMAC-SHA1(secret, username))."""
    expiry = int((now if now is not None else time.time()) + ttl)
    username = f"{expiry}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


class RoomHub:
    def __init__(
        self,
        settings: Settings,
        media: MediaServer,
        *,
        gatekeeper: Gatekeeper,
        tokens: JoinTokens,
        db: Database | None = None,
        transcriber: Transcriber | None = None,
    ) -> None:
        self.settings = settings
        self.transcriber = transcriber
        self.media = media
        self.gatekeeper = gatekeeper
        self.tokens = tokens
        self.db = db
        self.rooms: dict[str, LiveRoom] = {}
        self._release: dict[str, asyncio.Task[None]] = {}
        self._audits: set[asyncio.Future[None]] = set()
        self.closing = False
        gatekeeper.listener = self._lobby_listener

    def _lobby_listener(self, slug: str) -> LobbyListener | None:
        return self.rooms.get(slug)

    def audit(self, slug: str, event: str, **fields: Any) -> None:
        """Record an audit event off the event loop (a database write)."""
        if self.db is None:
            return
        future = asyncio.get_running_loop().run_in_executor(
            None,
            lambda: audit.record_now(self.db, event, room=slug, **fields),  # type: ignore[arg-type]
        )
        self._audits.add(future)
        future.add_done_callback(self._audits.discard)

    def access_changed(self, slug: str, level: m.AccessLevel) -> None:
        live = self.rooms.get(slug)
        if live is not None:
            live.set_access_level(level)

    async def end_meeting(self, slug: str, by: str) -> None:
        live = self.rooms.get(slug)
        if live is not None:
            await live.end(by)

    def room(self, config: RoomConfig) -> LiveRoom:
        """The live meeting for ``config.slug`` for one new connection.

        Created on first use, with fresh settings.  The caller must call
        :meth:`disconnected` when that connection ends: a meeting is released
        only when it has neither participants nor open connections, so that a
        connection that has not joined (yet) never holds a released meeting.
        """
        live = self.rooms.get(config.slug)
        if live is None:
            slug = config.slug
            live = LiveRoom(
                config,
                settings=self.settings,
                media_server=self.media,
                ice_servers=self.ice_servers,
                gatekeeper=self.gatekeeper,
                audit=lambda event, **fields: self.audit(slug, event, **fields),
                transcriber=self.transcriber,
            )
            self.rooms[config.slug] = live
        else:
            live.config = config
        live.connections += 1
        release = self._release.pop(config.slug, None)
        if release is not None:
            release.cancel()
        return live

    def disconnected(self, live: LiveRoom) -> None:
        live.connections -= 1
        if not live.participants and not live.connections:
            self._schedule_release(live)

    def ice_servers(self, participant_id: str) -> list[m.IceServer]:
        servers: list[m.IceServer] = []
        if self.settings.stun_urls:
            servers.append(m.IceServer(urls=list(self.settings.stun_urls)))
        if self.settings.turn_urls and self.settings.turn_secret is not None:
            username, credential = turn_credentials(
                self.settings.turn_secret.get_secret_value(),
                participant_id,
                self.settings.turn_ttl_seconds,
            )
            servers.append(
                m.IceServer(
                    urls=list(self.settings.turn_urls), username=username, credential=credential
                )
            )
        return servers

    def _schedule_release(self, live: LiveRoom) -> None:
        if self.closing or live.slug in self._release or live.connections:
            return
        self._release[live.slug] = asyncio.get_running_loop().create_task(
            self._release_after_grace(live), name=f"release {live.slug}"
        )

    async def _release_after_grace(self, live: LiveRoom) -> None:
        try:
            await asyncio.sleep(self.settings.empty_room_grace_seconds)
            if live.participants or live.connections or self.rooms.get(live.slug) is not live:
                return
            del self.rooms[live.slug]
        finally:
            if self._release.get(live.slug) is asyncio.current_task():
                del self._release[live.slug]
        log.info("meeting %s is empty: releasing its media room", live.slug)
        self.gatekeeper.meeting_over(live.slug, ended=False)
        try:
            await live.close_media()
        except Exception:
            log.exception("could not release the media room of %s", live.slug)

    async def shutdown(self) -> None:
        self.closing = True
        for task in self._release.values():
            task.cancel()
        for live in list(self.rooms.values()):
            with contextlib.suppress(Exception):
                await live.close_media()
        self.rooms.clear()
        if self._audits:
            await asyncio.wait(self._audits, timeout=5)
