"""HTTP edge of the rooms area: ``/api/v1/rooms`` and ``/api/v1/config``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from visio.config import Settings
from visio.deps import DbSession, SettingsDep
from visio.errors import RoomNotFound
from visio.rooms.models import Room
from visio.rooms.schemas import ClientConfig, RoomCreate, RoomOut, RoomUpdate
from visio.rooms.service import KEEP, RoomService
from visio.rooms.slugs import meeting_url
from visio.schemas import VALIDATION_ERRORS, error_responses
from visio.signaling.messages import PROTOCOL_VERSION

router = APIRouter(tags=["rooms"])


def get_room_service(session: DbSession, settings: SettingsDep) -> RoomService:
    return RoomService(session, settings)


RoomServiceDep = Annotated[RoomService, Depends(get_room_service)]


def room_out(room: Room, settings: Settings) -> RoomOut:
    return RoomOut(
        id=room.id,
        slug=room.slug,
        name=room.name,
        url=meeting_url(settings, room.slug),
        settings=room.settings,
        created_at=room.created_at,
        updated_at=room.updated_at,
    )


@router.post(
    "/rooms",
    status_code=status.HTTP_201_CREATED,
    response_model=RoomOut,
    responses=error_responses(*VALIDATION_ERRORS),
    summary="Create a meeting",
)
def create_room(body: RoomCreate, rooms: RoomServiceDep, settings: SettingsDep) -> RoomOut:
    return room_out(rooms.create(body.name, body.settings), settings)


@router.get(
    "/rooms/{slug}",
    response_model=RoomOut,
    responses=error_responses(RoomNotFound, *VALIDATION_ERRORS),
    summary="Look up a meeting by code",
)
def get_room(slug: str, rooms: RoomServiceDep, settings: SettingsDep) -> RoomOut:
    return room_out(rooms.get(slug), settings)


@router.patch(
    "/rooms/{slug}",
    response_model=RoomOut,
    responses=error_responses(RoomNotFound, *VALIDATION_ERRORS),
    summary="Change a meeting's name or settings",
)
def update_room(
    slug: str, body: RoomUpdate, rooms: RoomServiceDep, settings: SettingsDep
) -> RoomOut:
    given = body.model_fields_set
    room = rooms.update(
        slug,
        name=body.name if "name" in given else KEEP,
        settings=body.settings if "settings" in given else None,
    )
    return room_out(room, settings)


@router.delete(
    "/rooms/{slug}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(RoomNotFound, *VALIDATION_ERRORS),
    summary="Delete a meeting",
)
def delete_room(slug: str, rooms: RoomServiceDep) -> None:
    rooms.delete(slug)


@router.get("/config", response_model=ClientConfig, summary="Client configuration")
def client_config(settings: SettingsDep) -> ClientConfig:
    return ClientConfig(
        protocol_version=PROTOCOL_VERSION,
        max_participants=settings.max_participants,
        max_video_subscriptions=settings.max_video_subscriptions,
        max_audio_subscriptions=settings.max_audio_subscriptions,
        ws_max_message_bytes=settings.ws_max_message_bytes,
        public_url=str(settings.public_url).rstrip("/") if settings.public_url else None,
    )
