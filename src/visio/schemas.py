"""Models shared by every HTTP area: the error body and its OpenAPI documentation."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from pydantic import BaseModel, Field

from visio.accounts.models import EMAIL_MAX_CHARS
from visio.errors import ValidationFailed, VisioError

#: An email address as people type it (members, invitations, sharing); compared canonically.
EmailAddress = Annotated[
    str, Field(max_length=EMAIL_MAX_CHARS, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. room_not_found")
    message: str = Field(description="Human-readable explanation (English)")
    details: dict[str, Any] | None = Field(
        default=None, description="Extra data; for validation_failed, the list of problems"
    )


class ErrorBody(BaseModel):
    """The body of every error response: ``{"error": {"code": ..., "message": ...}}``."""

    error: ErrorDetail


def error_responses(*errors: type[VisioError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the errors an endpoint can return.

    Errors sharing a status are merged into one entry that lists their codes.
    """
    by_status: dict[int, list[type[VisioError]]] = defaultdict(list)
    for error in errors:
        by_status[error.http_status].append(error)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, group in sorted(by_status.items()):
        codes = ", ".join(f"`{error.code}` ({error.default_message})" for error in group)
        first = group[0]
        responses[status] = {
            "model": ErrorBody,
            "description": f"Error: {codes}",
            "content": {
                "application/json": {
                    "example": {"error": {"code": first.code, "message": first.default_message}}
                }
            },
        }
    return responses


#: For endpoints taking a body, path or query parameters (the app maps
#: FastAPI's validation errors to ``validation_failed``).
VALIDATION_ERRORS: tuple[type[VisioError], ...] = (ValidationFailed,)
