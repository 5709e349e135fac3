"""Errors of the transcripts area, in the one hierarchy of :mod:`visio.errors`."""

from __future__ import annotations

from visio.errors import VisioError


class TranscriptNotFound(VisioError):
    code = "transcript_not_found"
    http_status = 404
    default_message = "No such transcript in this meeting"


class TranscriptNotReady(VisioError):
    code = "transcript_not_ready"
    http_status = 409
    default_message = "The transcript is not ready"


class TranscriptBusy(VisioError):
    code = "transcript_busy"
    http_status = 409
    default_message = "The transcript is still being captured: stop it in the meeting first"


class TranscriptionUnavailable(VisioError):
    code = "transcription_unavailable"
    http_status = 503
    default_message = "This server makes no transcripts"
