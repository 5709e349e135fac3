"""HTTP edge of transcripts: ``/api/v1/rooms/{slug}/transcripts``.

The meeting's owner and hosts read transcripts, and so do the signed-in people
the owner shares one with (others get ``403 forbidden``, a transcript of
another meeting ``404``); only the owner shares and deletes them.
Transcripts are started and stopped in the meeting (signaling protocol).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status

from visio import audit
from visio.access.api import AccessDep, HostedRoom, caller_of, find_room
from visio.access.service import Caller, canonical_email
from visio.access.visitor import client_address
from visio.accounts.deps import OptionalUser
from visio.deps import DbSession, ServicesDep, SettingsDep
from visio.errors import Forbidden, RoomNotFound, VisioError
from visio.rooms.models import Room
from visio.schemas import VALIDATION_ERRORS, error_responses
from visio.speech import ExportFormat
from visio.transcripts.errors import TranscriptBusy, TranscriptNotFound, TranscriptNotReady
from visio.transcripts.models import Transcript
from visio.transcripts.schemas import SharingIn, TranscriptOut, TranscriptSummary
from visio.transcripts.service import TranscriptService

router = APIRouter(tags=["transcripts"])


def get_transcripts(session: DbSession, settings: SettingsDep) -> TranscriptService:
    return TranscriptService(session, settings)


TranscriptsDep = Annotated[TranscriptService, Depends(get_transcripts)]


@dataclass(frozen=True)
class Readable:
    """The path's transcript and its meeting, read by a host or by someone it was shared with."""

    room: Room
    transcript: Transcript
    by_host: bool


def readable_transcript(
    slug: str,
    transcript_id: str,
    request: Request,
    session: DbSession,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
    transcripts: TranscriptsDep,
) -> Readable:
    """The path's transcript, for the meeting's owner and hosts and whom the owner shared it with.

    Anyone else gets ``forbidden``; a transcript of another meeting is not found.
    """
    room = find_room(session, services, slug)
    transcript = transcripts.get(room, transcript_id)
    if access.role(room, caller_of(request, services, user)).is_host:
        return Readable(room, transcript, by_host=True)
    if user is not None and canonical_email(user.email) in (transcript.shared_with or []):
        return Readable(room, transcript, by_host=False)
    raise Forbidden("Only the meeting's owner and hosts, and whom they share it with, read it")


ReadableDep = Annotated[Readable, Depends(readable_transcript)]


@dataclass(frozen=True)
class Owned:
    """The path's transcript, its meeting, and the caller (the meeting's owner)."""

    room: Room
    transcript: Transcript
    caller: Caller


def owned_transcript(
    slug: str,
    transcript_id: str,
    request: Request,
    session: DbSession,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
    transcripts: TranscriptsDep,
) -> Owned:
    """For the endpoints only the meeting's owner may call (``forbidden`` otherwise)."""
    room = find_room(session, services, slug)
    caller = caller_of(request, services, user)
    access.require_owner(room, caller)
    return Owned(room, transcripts.get(room, transcript_id), caller)


OwnedDep = Annotated[Owned, Depends(owned_transcript)]

_READ_ERRORS: tuple[type[VisioError], ...] = (
    RoomNotFound,
    Forbidden,
    TranscriptNotFound,
    *VALIDATION_ERRORS,
)


@router.get(
    "/rooms/{slug}/transcripts",
    response_model=list[TranscriptSummary],
    responses=error_responses(RoomNotFound, Forbidden, *VALIDATION_ERRORS),
    summary="A meeting's transcripts, newest first, with their progress (owner and hosts)",
)
def list_transcripts(room: HostedRoom, transcripts: TranscriptsDep) -> list[TranscriptSummary]:
    return transcripts.list(room)


@router.get(
    "/rooms/{slug}/transcripts/{transcript_id}",
    response_model=TranscriptOut,
    responses=error_responses(*_READ_ERRORS),
    summary="One transcript: its status, and who said what once it is done (owner, hosts,"
    " and whom the owner shared it with)",
)
def get_transcript(readable: ReadableDep, transcripts: TranscriptsDep) -> TranscriptOut:
    out = transcripts.out(readable.transcript)
    # Someone it was shared with does not learn who else may read it.
    return out if readable.by_host else out.model_copy(update={"shared_with": []})


@router.get(
    "/rooms/{slug}/transcripts/{transcript_id}/download",
    response_class=Response,
    responses={
        200: {
            "description": "The transcript file (Content-Disposition: attachment)",
            "content": {
                "text/plain": {},
                "text/vtt": {},
                "application/x-subrip": {},
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
                "application/json": {},
            },
        },
        **error_responses(*_READ_ERRORS, TranscriptNotReady),
    },
    summary="Download a transcript as .txt, .vtt, .srt, .docx or .json (owner and hosts)",
)
def download_transcript(
    readable: ReadableDep,
    transcripts: TranscriptsDep,
    format: Annotated[ExportFormat, Query(description="File format")] = ExportFormat.TXT,
) -> Response:
    room, transcript = readable.room, readable.transcript
    download = transcripts.download(room, transcript, format)
    return Response(
        download.content,
        media_type=download.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{download.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.delete(
    "/rooms/{slug}/transcripts/{transcript_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(*_READ_ERRORS, TranscriptBusy),
    summary="Delete a transcript and its audio now (owner)",
)
def delete_transcript(
    owned: OwnedDep,
    request: Request,
    session: DbSession,
    transcripts: TranscriptsDep,
    background: BackgroundTasks,
) -> None:
    folder = transcripts.delete(owned.transcript)
    audit.record(
        session,
        "transcript_deleted",
        room=owned.room.slug,
        actor=owned.caller.actor,
        subject=owned.transcript.id,
        address=client_address(request),
    )
    # After the response, so after the commit: a failed delete keeps its audio.
    background.add_task(shutil.rmtree, folder, ignore_errors=True)


@router.put(
    "/rooms/{slug}/transcripts/{transcript_id}/sharing",
    response_model=TranscriptSummary,
    responses=error_responses(*_READ_ERRORS),
    summary="Share a transcript with signed-in people by email (owner); [] stops sharing",
)
def share_transcript(
    body: SharingIn,
    owned: OwnedDep,
    request: Request,
    session: DbSession,
    transcripts: TranscriptsDep,
) -> TranscriptSummary:
    transcript = owned.transcript
    emails = sorted({canonical_email(email) for email in body.emails})
    transcript.shared_with = emails
    audit.record(
        session,
        "transcript_shared",
        room=owned.room.slug,
        actor=owned.caller.actor,
        subject=transcript.id,
        address=client_address(request),
        shared_with=emails,
    )
    return transcripts.summary(transcript)
