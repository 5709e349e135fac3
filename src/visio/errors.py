"""The one error hierarchy of Visio, and its one mapping to HTTP and WebSocket.

Every error a client can see is a :class:`VisioError` subclass with a stable
``code``.  HTTP responses carry ``{"error": {"code": ..., "message": ...}}``;
signaling errors carry the same code in an ``error`` message and, when the
error ends the connection, a WebSocket close code from :data:`WS_CLOSE_CODES`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class VisioError(Exception):
    code: ClassVar[str] = "internal_error"
    http_status: ClassVar[int] = 500
    #: WebSocket close code when the error ends a signaling connection; ``None``
    #: means the connection stays open and only an ``error`` message is sent.
    ws_close: ClassVar[int | None] = None
    default_message: ClassVar[str] = "Internal error"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


# --- request errors ------------------------------------------------------------


class BadRequest(VisioError):
    code = "bad_request"
    http_status = 400
    default_message = "Bad request"


class ValidationFailed(BadRequest):
    code = "validation_failed"
    http_status = 422
    default_message = "The request does not match the schema"


class MalformedMessage(BadRequest):
    code = "malformed_message"
    default_message = "The message is not valid JSON"


class UnknownMessageType(BadRequest):
    code = "unknown_message_type"
    default_message = "Unknown message type"


class InvalidMessage(BadRequest):
    code = "invalid_message"
    default_message = "The message does not match the protocol"


class MessageTooLarge(BadRequest):
    code = "message_too_large"
    http_status = 413
    default_message = "The message is too large"


class InvalidSdp(BadRequest):
    code = "invalid_sdp"
    default_message = "The session description was refused"


class UnsupportedProtocol(BadRequest):
    code = "unsupported_protocol"
    ws_close = 4400
    default_message = "Unsupported signaling protocol version"


class NotJoined(BadRequest):
    code = "not_joined"
    http_status = 409
    default_message = "Join the meeting first"


class AlreadyJoined(BadRequest):
    code = "already_joined"
    http_status = 409
    default_message = "Already joined"


class InvalidState(BadRequest):
    code = "invalid_state"
    http_status = 409
    default_message = "That cannot be done now"


class TooManyStreams(BadRequest):
    code = "too_many_streams"
    default_message = "Too many video streams requested"


class RoomNotFound(VisioError):
    code = "room_not_found"
    http_status = 404
    ws_close = 4404
    default_message = "No meeting with that code"


class RoomFull(VisioError):
    code = "room_full"
    http_status = 409
    ws_close = 4409
    default_message = "The meeting is full"


class IdleTimeout(VisioError):
    code = "idle_timeout"
    http_status = 408
    ws_close = 4408
    default_message = "No message received in time"


class RateLimited(VisioError):
    code = "rate_limited"
    http_status = 429
    default_message = "Too many requests"


class Forbidden(VisioError):
    code = "forbidden"
    http_status = 403
    default_message = "You are not allowed to do that"


class JoinTokenInvalid(VisioError):
    code = "join_token_invalid"
    http_status = 401
    ws_close = 4401
    default_message = "The join token is not valid for this meeting"


class JoinTokenExpired(JoinTokenInvalid):
    code = "join_token_expired"
    default_message = "The join token has expired; ask for a new one"


class Removed(VisioError):
    code = "removed"
    http_status = 403
    ws_close = 4403
    default_message = "A host removed you from this meeting"


class MeetingEnded(VisioError):
    code = "meeting_ended"
    http_status = 410
    ws_close = 4410
    default_message = "A host ended the meeting for everyone"


class LobbyRequestNotFound(VisioError):
    code = "lobby_request_not_found"
    http_status = 404
    default_message = "No lobby request from this browser for this meeting"


class CsrfFailed(VisioError):
    code = "csrf_failed"
    http_status = 403
    default_message = (
        "Cross-site request refused: send the X-Visio-Request header from the same origin"
    )


# --- server-side errors ------------------------------------------------------


class MediaUnavailable(VisioError):
    code = "media_unavailable"
    http_status = 503
    default_message = "The media server is unavailable; retrying"


class MediaError(VisioError):
    code = "media_error"
    http_status = 502
    default_message = "The media server refused the request"


class ServerShuttingDown(VisioError):
    code = "server_shutting_down"
    http_status = 503
    ws_close = 1012
    default_message = "The server is restarting"


#: Close codes used by the signaling socket, documented in docs/protocol.md.
WS_CLOSE_CODES: dict[int, str] = {
    1000: "normal closure (after leave)",
    1008: "the client does not read its messages (send queue overflow)",
    1012: "server restarting or shutting down: reconnect after a pause",
    1009: "frame larger than the transport limit (1 MiB)",
    1011: "internal error",
    4400: "unsupported protocol version",
    4401: "join_token_invalid or join_token_expired: get a new token from POST /join",
    4403: "removed: a host removed this participant",
    4404: "room_not_found",
    4408: "idle_timeout",
    4409: "room_full",
    4410: "meeting_ended: a host ended the meeting for everyone",
}


def ws_close_code(error: VisioError) -> int | None:
    """The WebSocket close code for an error, or None if the socket stays open."""
    return error.ws_close
