"""Liveness and readiness probes (for a load balancer, systemd or Kubernetes)."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from visio.deps import ServicesDep
from visio.errors import VisioError
from visio.schemas import error_responses

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class NotReady(VisioError):
    """Some part the server needs is down; ``details`` names each part's state."""

    code = "not_ready"
    http_status = 503
    default_message = "Not ready"


class Status(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/healthz", response_model=Status, summary="The process is alive")
async def healthz() -> Status:
    return Status()


@router.get(
    "/readyz",
    response_model=Status,
    responses=error_responses(NotReady),
    summary="The database answers and the media server takes requests",
)
def readyz(services: ServicesDep) -> Status:
    # A sync endpoint: the database round trip runs in the threadpool.
    parts: dict[str, str] = {}
    try:
        services.db.check()
        parts["database"] = "ok"
    except (SQLAlchemyError, OSError) as exc:
        log.warning("readiness: database check failed: %s", exc)
        parts["database"] = "unavailable"
    parts["media"] = "ok" if services.media.ready() else "unavailable"
    down = [part for part, state in parts.items() if state != "ok"]
    if down:
        raise NotReady(f"Not ready: {', '.join(down)}", **parts)
    return Status()
