"""Just enough SDP reading to check an offer before it reaches the SFU.

Visio does not rewrite SDP; it reads the media sections (mid, kind,
simulcast) so that it can label streams, and it refuses text that is not
SDP at all with ``invalid_sdp`` instead of handing it to Janus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from visio.errors import InvalidSdp

_LINE = re.compile(r"^[a-z]=[^\x00]*$")


@dataclass(frozen=True, slots=True)
class MediaSection:
    kind: str
    mid: str | None
    port: int
    simulcast: bool
    direction: str


def parse_media_sections(sdp: str) -> list[MediaSection]:
    """Read an SDP's media sections.  Raises InvalidSdp on text that is not SDP."""
    lines = sdp.replace("\r\n", "\n").rstrip("\n").split("\n")
    if not lines or lines[0] != "v=0":
        raise InvalidSdp("An SDP starts with v=0")
    sections: list[dict[str, object]] = []
    for number, line in enumerate(lines, start=1):
        if not _LINE.match(line):
            raise InvalidSdp(f"SDP line {number} is malformed")
        if line.startswith("m="):
            parts = line[2:].split()
            if len(parts) < 4 or not parts[1].isdigit():
                raise InvalidSdp(f"SDP line {number}: bad media line")
            sections.append(
                {
                    "kind": parts[0],
                    "port": int(parts[1]),
                    "mid": None,
                    "simulcast": False,
                    "direction": "sendrecv",
                }
            )
        elif sections:
            current = sections[-1]
            if line.startswith("a=mid:"):
                current["mid"] = line[6:].strip()
            elif line.startswith(("a=simulcast:", "a=ssrc-group:SIM")):
                current["simulcast"] = True
            elif line[2:] in ("sendrecv", "sendonly", "recvonly", "inactive"):
                current["direction"] = line[2:]
    if not sections:
        raise InvalidSdp("The SDP has no media section")
    return [
        MediaSection(
            kind=str(s["kind"]),
            mid=s["mid"] if isinstance(s["mid"], str) else None,
            port=int(str(s["port"])),
            simulcast=bool(s["simulcast"]),
            direction=str(s["direction"]),
        )
        for s in sections
    ]
