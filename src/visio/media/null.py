"""A media server that has no SFU behind it.

For building the app where no media is wanted: exporting the OpenAPI
document, HTTP-only test servers (sign-in).  Every meeting join fails with
``media_unavailable``; it is never chosen by ``visio serve``.
"""

from __future__ import annotations

from visio.errors import MediaUnavailable
from visio.media.base import MediaEvents, MediaRoom, RoomOptions


class NullMediaServer:
    def __init__(self, *, ready: bool = True) -> None:
        #: What /readyz reports: an HTTP-only server is ready, an export is not.
        self._ready = ready

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def ready(self) -> bool:
        return self._ready

    async def open_room(self, options: RoomOptions, events: MediaEvents) -> MediaRoom:
        raise MediaUnavailable()
