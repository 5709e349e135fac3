"""captures of shared screens' audio, beside microphones

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transcript_captures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(16), nullable=False, server_default="microphone")
        )


def downgrade() -> None:
    with op.batch_alter_table("transcript_captures", schema=None) as batch_op:
        batch_op.drop_column("source")
