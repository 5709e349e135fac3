"""The audit log: sign-ins, admissions, removals, meeting ends, changes of access.

Rows in ``audit_events``, written in the caller's transaction (or a short one
of their own for events from the signaling loop).  Read with ``visio audit``.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visio.access.models import ACTOR_MAX_CHARS, AuditEvent
from visio.db import Database

log = logging.getLogger("visio.audit")


def record(
    session: Session,
    event: str,
    *,
    room: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
    address: str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEvent(
            event=event,
            room_slug=room,
            actor=actor[:ACTOR_MAX_CHARS] if actor else None,
            subject=subject[:ACTOR_MAX_CHARS] if subject else None,
            address=address,
            details=details or None,
        )
    )
    log.info("audit %s room=%s actor=%s subject=%s", event, room, actor, subject)


def record_now(db: Database, event: str, **fields: Any) -> None:
    """Record in a transaction of its own; a failure is logged, never raised."""
    try:
        with db.session() as session:
            record(session, event, **fields)
    except Exception:
        log.exception("could not write the audit event %s", event)


def recent(session: Session, *, room: str | None = None, limit: int = 100) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc()).limit(limit)
    if room is not None:
        query = query.where(AuditEvent.room_slug == room)
    return list(session.scalars(query))
