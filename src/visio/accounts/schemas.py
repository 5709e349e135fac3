"""HTTP response models of the accounts API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MeOut(BaseModel):
    """The signed-in person."""

    id: str
    email: str
    given_name: str | None
    family_name: str | None
    display_name: str = Field(description="Given and family name, or the email without a name")


class LogoutOut(BaseModel):
    redirect_url: str = Field(
        description="Where to send the browser next: the provider's logout page, or home"
    )
