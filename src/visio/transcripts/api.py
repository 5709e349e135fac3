"""HTTP edge of transcripts: ``/api/v1/rooms/{slug}/transcripts``.

The meeting's owner and hosts read transcripts (others get ``403 forbidden``,
a transcript of another meeting ``404``); only the owner deletes them.
Transcripts are started and stopped in the meeting (signaling protocol).
"""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status

from visio import audit
from visio.access.api import AccessDep, HostedRoom, caller_of, find_room
from visio.access.visitor import client_address
from visio.accounts.deps import OptionalUser
from visio.deps import DbSession, ServicesDep, SettingsDep
from visio.errors import Forbidden, RoomNotFound, VisioError
from visio.schemas import VALIDATION_ERRORS, error_responses
from visio.speech import ExportFormat
from visio.transcripts.errors import TranscriptBusy, TranscriptNotFound, TranscriptNotReady
from visio.transcripts.schemas import TranscriptOut, TranscriptSummary
from visio.transcripts.service import TranscriptService

router = APIRouter(tags=["transcripts"])


def get_transcripts(session: DbSession, settings: SettingsDep) -> TranscriptService:
    return TranscriptService(session, settings)


TranscriptsDep = Annotated[TranscriptService, Depends(get_transcripts)]

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
    summary="One transcript: its status, and who said what once it is done (owner and hosts)",
)
def get_transcript(
    transcript_id: str, room: HostedRoom, transcripts: TranscriptsDep
) -> TranscriptOut:
    return transcripts.out(transcripts.get(room, transcript_id))


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
    transcript_id: str,
    room: HostedRoom,
    transcripts: TranscriptsDep,
    format: Annotated[ExportFormat, Query(description="File format")] = ExportFormat.TXT,
) -> Response:
    download = transcripts.download(room, transcripts.get(room, transcript_id), format)
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
    slug: str,
    transcript_id: str,
    request: Request,
    session: DbSession,
    services: ServicesDep,
    access: AccessDep,
    user: OptionalUser,
    transcripts: TranscriptsDep,
    background: BackgroundTasks,
) -> None:
    room = find_room(session, services, slug)
    caller = caller_of(request, services, user)
    access.require_owner(room, caller)
    folder = transcripts.delete(transcripts.get(room, transcript_id))
    audit.record(
        session,
        "transcript_deleted",
        room=room.slug,
        actor=caller.user_id or "anonymous-owner",
        subject=transcript_id,
        address=client_address(request),
    )
    # After the response, so after the commit: a failed delete keeps its audio.
    background.add_task(shutil.rmtree, folder, ignore_errors=True)
