"""HTTP models of the access API: joining, the lobby, members."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from visio.access.lobby import LobbyStatus
from visio.access.models import InvitationStatus, MemberRole
from visio.access.policy import Role
from visio.schemas import EmailAddress
from visio.signaling.messages import clean_display_name


class JoinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str = Field(min_length=1, max_length=200, description="Name shown to others")

    shared_microphone: bool = Field(
        default=False,
        description="This device is a meeting-room microphone that several people speak into:"
        " transcripts tell its voices apart (diarization)",
    )

    _name = field_validator("display_name")(clean_display_name)


class JoinOut(BaseModel):
    """Either a join token (``admitted``) or the state of this browser's lobby request."""

    status: Literal["admitted"] | LobbyStatus
    role: Role = Field(description="The role the person has (or will have) in the meeting")
    token: str | None = Field(
        default=None, description="Join token for the signaling socket (status admitted)"
    )
    token_expires_in: int | None = Field(default=None, description="Seconds the token is valid")
    participant_id: str | None = Field(default=None, description="Id the token joins with")
    request_id: str | None = Field(default=None, description="Lobby request (status waiting…)")
    expires_at: datetime | None = Field(
        default=None, description="When an unanswered lobby request expires"
    )


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailAddress
    role: MemberRole = Field(
        default="invited",
        description="host: co-host (owner only); invited: enters a restricted meeting",
    )
    send_invitation: bool = Field(default=True, description="Email them the meeting link")


class MemberOut(BaseModel):
    email: str
    role: MemberRole
    invitation: InvitationStatus = Field(description="Where the invitation email is")
    invitation_error: str | None = None
    created_at: datetime
