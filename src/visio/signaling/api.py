"""The signaling WebSocket edge: ``/api/v1/rooms/{slug}/ws``."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from visio.errors import RoomNotFound, VisioError
from visio.rooms.service import RoomService
from visio.services import Services
from visio.signaling import messages as m
from visio.signaling.room import RoomConfig
from visio.signaling.session import Closed, SignalingSession

router = APIRouter(tags=["signaling"])


def _lookup(services: Services, slug: str) -> RoomConfig:
    with services.db.session() as session:
        rooms = RoomService(session, services.settings)
        room = rooms.get(slug)
        return RoomConfig(
            slug=room.slug,
            name=room.name,
            max_participants=rooms.max_participants(room),
            start_audio_muted=room.settings.start_audio_muted,
            start_video_muted=room.settings.start_video_muted,
            access_level=room.settings.access_level,
            transcript_language=room.settings.transcript_language,
        )


class StarletteSocket:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def receive_frame(self) -> str | bytes:
        try:
            message = await self.websocket.receive()
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise Closed() from exc
        if message["type"] == "websocket.disconnect":
            raise Closed()
        text = message.get("text")
        if text is not None:
            return str(text)
        data = message.get("bytes")
        return bytes(data) if data is not None else b""

    async def send_text(self, text: str) -> None:
        await self.websocket.send_text(text)

    async def close(self, code: int, reason: str) -> None:
        await self.websocket.close(code, reason)


@router.websocket("/rooms/{slug}/ws")
async def signaling(websocket: WebSocket, slug: str) -> None:
    """The signaling socket of a meeting (protocol: docs/protocol.md)."""
    services: Services = websocket.app.state.services
    await websocket.accept()
    try:
        config = await run_in_threadpool(_lookup, services, slug)
    except VisioError as exc:
        error = exc if isinstance(exc, RoomNotFound) else VisioError()
        await websocket.send_text(m.dump(m.ErrorMessage(code=error.code, message=error.message)))
        await websocket.close(error.ws_close or 1011, error.code)
        return
    live = services.hub.room(config)
    await SignalingSession(services.hub, live, StarletteSocket(websocket)).run()
