"""Janus API messages as typed values, parsed from and serialised to JSON objects.

Only what Visio uses is modelled.  Parsers raise :class:`JanusProtocolError`
(a ``ValueError``) on messages that do not have the documented shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class JanusProtocolError(ValueError):
    pass


class JanusError(Exception):
    """Janus (core or plugin) refused a request."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"Janus error {code}: {reason}")


# Core error codes (janus/apierror.h) that tell us a session or handle is gone.
NO_SUCH_SESSION = 458
NO_SUCH_HANDLE = 459
# VideoRoom error codes (plugins/janus_videoroom.c).
VIDEOROOM_NO_SUCH_ROOM = 426
VIDEOROOM_ROOM_EXISTS = 427
VIDEOROOM_NO_SUCH_FEED = 428
VIDEOROOM_INVALID_SDP = 437  # JANUS_VIDEOROOM_ERROR_INVALID_SDP
VIDEOROOM_NOT_PUBLISHED = 435  # JANUS_VIDEOROOM_ERROR_NOT_PUBLISHED
CORE_INVALID_SDP = 465  # JANUS_ERROR_JSEP_INVALID_SDP
CORE_UNKNOWN_SDP_TYPE = 464


@dataclass(frozen=True, slots=True)
class Jsep:
    type: str
    sdp: str

    @classmethod
    def parse(cls, data: object) -> Jsep | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise JanusProtocolError("jsep is not an object")
        kind, sdp = data.get("type"), data.get("sdp")
        if not isinstance(kind, str) or not isinstance(sdp, str):
            raise JanusProtocolError("jsep needs string type and sdp")
        return cls(kind, sdp)

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "sdp": self.sdp}


@dataclass(frozen=True, slots=True)
class JanusMessage:
    """One message received from Janus."""

    janus: str
    transaction: str | None = None
    session_id: int | None = None
    sender: int | None = None
    plugin: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    jsep: Jsep | None = None
    error: JanusError | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, obj: object) -> JanusMessage:
        if not isinstance(obj, dict):
            raise JanusProtocolError("Janus message is not an object")
        kind = obj.get("janus")
        if not isinstance(kind, str):
            raise JanusProtocolError("Janus message has no 'janus' field")
        error: JanusError | None = None
        if kind == "error":
            err = obj.get("error") or {}
            error = JanusError(int(err.get("code", 0)), str(err.get("reason", "")))
        plugin: str | None = None
        data: dict[str, Any] = {}
        plugindata = obj.get("plugindata")
        if isinstance(plugindata, dict):
            plugin = plugindata.get("plugin")
            raw_data = plugindata.get("data")
            data = raw_data if isinstance(raw_data, dict) else {}
            if "error_code" in data:
                error = JanusError(int(data["error_code"]), str(data.get("error", "")))
        elif kind == "success" and isinstance(obj.get("data"), dict):
            data = obj["data"]
        session = obj.get("session_id")
        sender = obj.get("sender")
        transaction = obj.get("transaction")
        return cls(
            janus=kind,
            transaction=transaction if isinstance(transaction, str) else None,
            session_id=session if isinstance(session, int) else None,
            sender=sender if isinstance(sender, int) else None,
            plugin=plugin if isinstance(plugin, str) else None,
            data=data,
            jsep=Jsep.parse(obj.get("jsep")),
            error=error,
            raw=obj,
        )

    @property
    def videoroom(self) -> str | None:
        value = self.data.get("videoroom")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class SubscriberStream:
    """One entry of a subscriber's ``streams`` list (attached / updated events)."""

    mid: str
    feed_id: int
    feed_mid: str
    kind: str

    @classmethod
    def parse_list(cls, data: object) -> list[SubscriberStream]:
        if not isinstance(data, list):
            raise JanusProtocolError("streams is not a list")
        out = []
        for item in data:
            if not isinstance(item, dict):
                raise JanusProtocolError("stream entry is not an object")
            if item.get("type") == "data" or not item.get("active", True):
                # Data channel and inactive (recycled) m-lines carry no feed.
                continue
            if "feed_id" not in item:
                continue
            out.append(
                cls(
                    mid=str(item["mid"]),
                    feed_id=int(item["feed_id"]),
                    feed_mid=str(item["feed_mid"]),
                    kind=str(item["type"]),
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class PublisherStream:
    """One entry of the ``streams`` list of a publisher (configured / publishers events)."""

    mid: str
    kind: str
    simulcast: bool
    disabled: bool

    @classmethod
    def parse_list(cls, data: object) -> list[PublisherStream]:
        if not isinstance(data, list):
            raise JanusProtocolError("streams is not a list")
        out = []
        for item in data:
            if not isinstance(item, dict) or "mid" not in item:
                raise JanusProtocolError("stream entry without mid")
            out.append(
                cls(
                    mid=str(item["mid"]),
                    kind=str(item.get("type", "")),
                    simulcast=bool(item.get("simulcast", False)),
                    disabled=bool(item.get("disabled", False)),
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class Talking:
    feed_id: int
    talking: bool

    @classmethod
    def parse(cls, message: JanusMessage) -> Talking | None:
        kind = message.videoroom
        if kind not in ("talking", "stopped-talking"):
            return None
        return cls(int(message.data["id"]), kind == "talking")


def candidate_from_trickle(message: JanusMessage) -> dict[str, Any] | None:
    """The candidate of a ``trickle`` message from Janus; ``None`` at completion."""
    candidate = message.raw.get("candidate")
    if not isinstance(candidate, dict):
        raise JanusProtocolError("trickle without candidate")
    if candidate.get("completed"):
        return None
    return candidate
