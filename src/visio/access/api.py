"""HTTP edge of access: join a meeting (token or lobby), the lobby, co-hosts and invitations."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status
from starlette.requests import HTTPConnection

from visio import audit
from visio.access.lobby import LobbyRequest
from visio.access.models import RoomMember
from visio.access.policy import Role, enters_directly, role_of
from visio.access.schemas import JoinBody, JoinOut, MemberIn, MemberOut
from visio.access.service import AccessService, Caller, MemberNotFound, canonical_email
from visio.access.visitor import client_address, ensure_visitor, read_visitor
from visio.accounts.deps import OptionalUser
from visio.accounts.models import User
from visio.deps import DbSession, ServicesDep
from visio.errors import (
    Forbidden,
    LobbyRequestNotFound,
    RateLimited,
    RoomFull,
    RoomNotFound,
)
from visio.mail import MailFailed, MailNotConfigured
from visio.rooms.models import Room
from visio.rooms.service import RoomService
from visio.rooms.slugs import meeting_url
from visio.schemas import VALIDATION_ERRORS, error_responses
from visio.services import Services

log = logging.getLogger(__name__)

router = APIRouter(tags=["access"])


def get_access(session: DbSession, services: ServicesDep) -> AccessService:
    return AccessService(session, services.gatekeeper)


AccessDep = Annotated[AccessService, Depends(get_access)]


def throttled(scope: str) -> Any:
    """A dependency taking one request from the client address's budget for ``scope``."""

    def check(connection: HTTPConnection, services: ServicesDep) -> None:
        settings = services.settings
        per_minute = (
            settings.throttle_lookups_per_minute
            if scope == "lookup"
            else settings.throttle_joins_per_minute
        )
        services.throttle.check(scope, client_address(connection), per_minute)

    return Depends(check)


def find_room(session: DbSession, services: Services, slug: str) -> Room:
    return RoomService(session, services.settings).get(slug)


def _admitted(
    services: Services,
    room: Room,
    role: Role,
    name: str,
    user: User | None,
    visitor: str,
    shared_microphone: bool,
) -> JoinOut:
    token, grant = services.tokens.issue(
        room=room.slug,
        role=role,
        display_name=name,
        user_id=user.id if user is not None else None,
        visitor=visitor,
        shared_microphone=shared_microphone,
    )
    return JoinOut(
        status="admitted",
        role=role,
        token=token,
        token_expires_in=services.tokens.ttl,
        participant_id=grant.participant_id,
    )


def _lobby_out(services: Services, room: Room, request: LobbyRequest, user: User | None) -> JoinOut:
    if request.status == "admitted":
        return _admitted(
            services,
            room,
            request.role,
            request.display_name,
            user,
            request.visitor,
            request.shared_microphone,
        )
    return JoinOut(
        status=request.status,
        role=request.role,
        request_id=request.id,
        expires_at=request.expires_at_utc(),
    )


@router.post(
    "/rooms/{slug}/join",
    response_model=JoinOut,
    responses={
        202: {"model": JoinOut, "description": "Waiting in the lobby for a host"},
        **error_responses(RoomNotFound, RoomFull, RateLimited, *VALIDATION_ERRORS),
    },
    dependencies=[throttled("join")],
    summary="Ask to enter a meeting: a join token, or a place in the lobby",
)
def join(
    slug: str,
    body: JoinBody,
    request: Request,
    response: Response,
    session: DbSession,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
) -> JoinOut:
    room = find_room(session, services, slug)
    visitor = ensure_visitor(request, response, services.settings)
    caller = Caller(user, visitor)
    facts = access.visitor_facts(room, caller)
    role = role_of(facts)
    gatekeeper = services.gatekeeper
    user_id = caller.user_id
    live = services.hub.rooms.get(room.slug)
    if live is not None and not role.is_host:
        limit = RoomService(session, services.settings).max_participants(room)
        if len(live.participants) >= limit:
            raise RoomFull(max_participants=limit)
    if enters_directly(
        facts,
        room.settings.access_level,
        locked=gatekeeper.locked(room.slug),
        removed=gatekeeper.removed(room.slug, visitor, user_id),
        admitted=gatekeeper.admitted(room.slug, visitor),
    ):
        return _admitted(
            services, room, role, body.display_name, user, visitor, body.shared_microphone
        )
    lobby_request = gatekeeper.request(
        room.slug,
        visitor=visitor,
        display_name=body.display_name,
        role=role,
        user_id=user_id,
        email=user.email if user is not None else None,
        shared_microphone=body.shared_microphone,
    )
    response.status_code = status.HTTP_202_ACCEPTED
    return _lobby_out(services, room, lobby_request, user)


@router.get(
    "/rooms/{slug}/lobby",
    response_model=JoinOut,
    responses=error_responses(RoomNotFound, LobbyRequestNotFound, *VALIDATION_ERRORS),
    summary="This browser's lobby request: still waiting, admitted (with a token), denied…",
)
def lobby_status(
    slug: str, request: Request, session: DbSession, services: ServicesDep, user: OptionalUser
) -> JoinOut:
    room = find_room(session, services, slug)
    visitor = read_visitor(request, services.settings)
    lobby_request = services.gatekeeper.current(room.slug, visitor) if visitor is not None else None
    if lobby_request is None:
        raise LobbyRequestNotFound()
    return _lobby_out(services, room, lobby_request, user)


@router.delete(
    "/rooms/{slug}/lobby",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(RoomNotFound, LobbyRequestNotFound, *VALIDATION_ERRORS),
    summary="Stop waiting in the lobby",
)
def leave_lobby(slug: str, request: Request, session: DbSession, services: ServicesDep) -> None:
    room = find_room(session, services, slug)
    visitor = read_visitor(request, services.settings)
    if visitor is None or not services.gatekeeper.cancel(room.slug, visitor):
        raise LobbyRequestNotFound()


# --- members: co-hosts and invited people -------------------------------------------


def member_out(member: RoomMember) -> MemberOut:
    return MemberOut(
        email=member.email,
        role="host" if member.role == "host" else "invited",
        invitation=member.invitation,
        invitation_error=member.invitation_error,
        created_at=member.created_at,
    )


def caller_of(request: Request, services: Services, user: User | None) -> Caller:
    return Caller(user, read_visitor(request, services.settings))


def hosted_room(
    slug: str,
    request: Request,
    session: DbSession,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
) -> Room:
    """The meeting of the path, for its owner and hosts only (``forbidden`` otherwise)."""
    room = find_room(session, services, slug)
    access.require_host(room, caller_of(request, services, user))
    return room


#: ``def endpoint(room: HostedRoom)``: the path's meeting, the caller being its owner or a host.
HostedRoom = Annotated[Room, Depends(hosted_room)]


@router.get(
    "/rooms/{slug}/members",
    response_model=list[MemberOut],
    responses=error_responses(RoomNotFound, Forbidden, *VALIDATION_ERRORS),
    summary="Co-hosts and invited people of a meeting (owner and hosts)",
)
def list_members(room: HostedRoom, access: AccessDep) -> list[MemberOut]:
    return [member_out(member) for member in access.members(room)]


@router.post(
    "/rooms/{slug}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
    responses=error_responses(RoomNotFound, Forbidden, MailNotConfigured, *VALIDATION_ERRORS),
    summary="Add a co-host (owner) or invite someone by email (owner and hosts)",
)
def add_member(
    slug: str,
    body: MemberIn,
    request: Request,
    session: DbSession,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
    background: BackgroundTasks,
) -> MemberOut:
    room = find_room(session, services, slug)
    caller = caller_of(request, services, user)
    if body.role == "host":
        access.require_owner(room, caller)
    else:
        access.require_host(room, caller)
    if body.send_invitation and not services.mailer.enabled:
        raise MailNotConfigured()
    member = access.add_member(room, body.email, body.role, user)
    if body.send_invitation:
        member.invitation = "pending"
        member.invitation_error = None
        background.add_task(send_invitation, services, room.id, member.email, inviter_name(user))
    audit.record(
        session,
        "member_added",
        room=room.slug,
        actor=caller.actor,
        subject=member.email,
        address=client_address(request),
        role=body.role,
    )
    return member_out(member)


@router.delete(
    "/rooms/{slug}/members/{email}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(RoomNotFound, Forbidden, MemberNotFound, *VALIDATION_ERRORS),
    summary="Remove a co-host (owner) or an invited person (owner and hosts)",
)
def remove_member(
    slug: str,
    email: str,
    request: Request,
    session: DbSession,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
) -> None:
    room = find_room(session, services, slug)
    caller = caller_of(request, services, user)
    member = access.member(room, email)
    if member is not None and member.role == "host":
        access.require_owner(room, caller)
    else:
        access.require_host(room, caller)
    access.remove_member(room, email)
    audit.record(
        session,
        "member_removed",
        room=room.slug,
        actor=caller.actor,
        subject=canonical_email(email),
        address=client_address(request),
    )


def inviter_name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def invitation_text(services: Services, room: Room, inviter: str | None) -> tuple[str, str]:
    url = meeting_url(services.settings, room.slug)
    title = room.name or room.slug
    who = inviter or "Someone"
    subject = f"Invitation : {title}"
    text = (
        f"{inviter or 'Une personne'} vous invite à la réunion « {title} ».\n"
        f"Pour la rejoindre, ouvrez ce lien : {url}\n\n"
        f"{who} invites you to the meeting “{title}”.\n"
        f"To join, open this link: {url}\n"
    )
    return subject, text


def send_invitation(services: Services, room_id: str, email: str, inviter: str | None) -> None:
    """Send one invitation and store how it went (runs after the response, in a thread)."""
    with services.db.session() as session:
        room = session.get(Room, room_id)
        if room is None:
            return
        subject, text = invitation_text(services, room, inviter)
    try:
        services.mailer.send(email, subject, text)
        outcome, error = "sent", None
    except (MailFailed, MailNotConfigured) as exc:
        outcome, error = "failed", exc.message[:400]
    with services.db.session() as session:
        room = session.get(Room, room_id)
        member = AccessService(session, services.gatekeeper).member(room, email) if room else None
        if member is not None:
            member.invitation, member.invitation_error = outcome, error
