"""HTTP edge of the rooms area: ``/api/v1/rooms`` and ``/api/v1/config``.

Who may do what (docs/security.md): creating needs a signed-in user unless
the instance allows anonymous meetings; changing a meeting needs its owner or
a host; deleting needs its owner.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request, Response, status

from visio import audit
from visio.access.api import AccessDep, caller_of, throttled
from visio.access.policy import Role
from visio.access.visitor import client_address, ensure_visitor
from visio.accounts.deps import CurrentUser, OptionalUser
from visio.accounts.errors import NotSignedIn
from visio.config import Settings
from visio.deps import DbSession, ServicesDep, SettingsDep
from visio.errors import Forbidden, RateLimited, RoomNotFound
from visio.rooms.models import Room
from visio.rooms.schemas import ClientConfig, RoomCreate, RoomOut, RoomUpdate, TranscriptionConfig
from visio.rooms.service import KEEP, RoomService
from visio.rooms.slugs import meeting_url
from visio.schemas import VALIDATION_ERRORS, error_responses
from visio.signaling.messages import PROTOCOL_VERSION

router = APIRouter(tags=["rooms"])


def get_room_service(session: DbSession, settings: SettingsDep) -> RoomService:
    return RoomService(session, settings)


RoomServiceDep = Annotated[RoomService, Depends(get_room_service)]


def room_out(room: Room, settings: Settings, role: Role) -> RoomOut:
    return RoomOut(
        id=room.id,
        slug=room.slug,
        name=room.name,
        url=meeting_url(settings, room.slug),
        settings=room.settings,
        your_role=role,
        created_at=room.created_at,
        updated_at=room.updated_at,
    )


@router.post(
    "/rooms",
    status_code=status.HTTP_201_CREATED,
    response_model=RoomOut,
    responses=error_responses(NotSignedIn, RateLimited, *VALIDATION_ERRORS),
    dependencies=[throttled("join")],
    summary="Create a meeting (the caller becomes its owner)",
)
def create_room(
    body: RoomCreate,
    request: Request,
    response: Response,
    rooms: RoomServiceDep,
    services: ServicesDep,
    user: OptionalUser,
    session: DbSession,
) -> RoomOut:
    settings = services.settings
    if user is None and not settings.anonymous_rooms_allowed:
        raise NotSignedIn("Sign in to create a meeting", sign_in_enabled=settings.oidc_enabled)
    if user is not None:
        room = rooms.create(body.name, body.settings, owner_id=user.id)
    else:
        visitor = ensure_visitor(request, response, settings)
        room = rooms.create(body.name, body.settings, owner_visitor=visitor)
    audit.record(
        session,
        "meeting_created",
        room=room.slug,
        actor=user.id if user is not None else "anonymous",
        address=client_address(request),
        access_level=room.settings.access_level,
    )
    return room_out(room, settings, Role.OWNER)


@router.get(
    "/rooms",
    response_model=list[RoomOut],
    responses=error_responses(NotSignedIn),
    summary="The meetings the signed-in user owns or co-hosts",
)
def my_rooms(user: CurrentUser, access: AccessDep, settings: SettingsDep) -> list[RoomOut]:
    return [room_out(room, settings, role) for room, role in access.rooms_of(user)]


@router.get(
    "/rooms/{slug}",
    response_model=RoomOut,
    responses=error_responses(RoomNotFound, RateLimited, *VALIDATION_ERRORS),
    dependencies=[throttled("lookup")],
    summary="Look up a meeting by code",
)
def get_room(
    slug: str,
    request: Request,
    rooms: RoomServiceDep,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
) -> RoomOut:
    room = rooms.get(slug)
    role = access.role(room, caller_of(request, services, user))
    return room_out(room, services.settings, role)


@router.patch(
    "/rooms/{slug}",
    response_model=RoomOut,
    responses=error_responses(RoomNotFound, Forbidden, *VALIDATION_ERRORS),
    summary="Change a meeting's name or settings (owner and hosts)",
)
def update_room(
    slug: str,
    body: RoomUpdate,
    request: Request,
    rooms: RoomServiceDep,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
    session: DbSession,
) -> RoomOut:
    caller = caller_of(request, services, user)
    room = rooms.get(slug)
    role = access.require_host(room, caller)
    before = room.settings.access_level
    given = body.model_fields_set
    room = rooms.update(
        slug,
        name=body.name if "name" in given else KEEP,
        settings=body.settings if "settings" in given else None,
    )
    if room.settings.access_level != before:
        audit.record(
            session,
            "access_changed",
            room=room.slug,
            actor=caller.actor,
            address=client_address(request),
            access_level=room.settings.access_level,
        )
        services.hub.access_changed(room.slug, room.settings.access_level)
    return room_out(room, services.settings, role)


@router.delete(
    "/rooms/{slug}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(RoomNotFound, Forbidden, *VALIDATION_ERRORS),
    summary="Delete a meeting (owner)",
)
def delete_room(
    slug: str,
    request: Request,
    rooms: RoomServiceDep,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
    session: DbSession,
) -> None:
    caller = caller_of(request, services, user)
    room = rooms.get(slug)
    access.require_owner(room, caller)
    audit.record(
        session,
        "meeting_deleted",
        room=room.slug,
        actor=caller.actor,
        address=client_address(request),
    )
    rooms.delete(slug)
    # A meeting in progress ends with it (from this worker thread, on the event loop).
    anyio.from_thread.run(services.hub.end_meeting, room.slug, caller.actor)


@router.get("/config", response_model=ClientConfig, summary="Client configuration")
def client_config(services: ServicesDep) -> ClientConfig:
    settings = services.settings
    languages = services.transcripts.languages()
    return ClientConfig(
        protocol_version=PROTOCOL_VERSION,
        max_participants=settings.max_participants,
        max_video_subscriptions=settings.max_video_subscriptions,
        max_audio_subscriptions=settings.max_audio_subscriptions,
        ws_max_message_bytes=settings.ws_max_message_bytes,
        public_url=str(settings.public_url).rstrip("/") if settings.public_url else None,
        sign_in_enabled=settings.oidc_enabled,
        anonymous_rooms=settings.anonymous_rooms_allowed,
        transcription=TranscriptionConfig(
            available=bool(languages),
            languages=languages,
            default_language=settings.transcript_language,
            allowed_roles=list(settings.transcription_allowed_roles),
        ),
    )
