"""Just enough SDP reading to check an offer before it reaches the SFU.

Visio does not rewrite SDP; it reads the media sections (mid, kind,
simulcast) so that it can label streams, and it refuses text that is not
SDP at all with ``invalid_sdp`` instead of handing it to Janus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from visio.errors import InvalidSdp
from visio.media.base import SOURCE_KINDS, PublishedStream, StreamKind

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


def published_streams(offer_sdp: str, sources: dict[str, str]) -> list[PublishedStream]:
    """The streams an offer sends, labelled by ``sources`` (mid → source).

    Raises InvalidSdp when the text is not SDP, a sending m-line has no source,
    or a source does not fit its m-line's kind (a microphone on video).
    """
    streams: list[PublishedStream] = []
    for section in parse_media_sections(offer_sdp):
        if section.kind not in ("audio", "video") or section.mid is None or section.port == 0:
            continue
        if section.direction in ("recvonly", "inactive"):
            continue
        source = sources.get(section.mid)
        if source is None:
            raise InvalidSdp(f"No source given for mid {section.mid!r}")
        kind = StreamKind(section.kind)
        if SOURCE_KINDS.get(source) is not kind:
            raise InvalidSdp(f"Source {source!r} cannot be sent on a {kind.value} m-line")
        streams.append(PublishedStream(section.mid, kind, source, section.simulcast))
    return streams


_OPUS = re.compile(r"^a=rtpmap:(\d+) opus/48000(?:/2)?$", re.IGNORECASE)
_FMTP = re.compile(r"^a=fmtp:(\d+)(?: (.*))?$")


def request_opus_fec_dtx(sdp: str, *, fec: bool, dtx: bool) -> str:
    """Ask for Opus in-band FEC and DTX in a publisher's offer.

    Janus (``opus_fec`` / ``opus_dtx`` rooms) only answers ``useinbandfec=1``
    and ``usedtx=1`` when the offer carries them, and the sender's encoder
    follows the answer; browsers offer FEC but not DTX.  Adds what is missing
    to each Opus ``a=fmtp`` line, or adds the line.
    """
    wanted = [p for p, on in (("useinbandfec=1", fec), ("usedtx=1", dtx)) if on]
    newline = "\r\n" if "\r\n" in sdp else "\n"
    lines = sdp.split(newline)
    opus = {match.group(1) for line in lines if (match := _OPUS.match(line))}
    if not wanted or not opus:
        return sdp
    with_fmtp = {match.group(1) for line in lines if (match := _FMTP.match(line))}
    out: list[str] = []
    for line in lines:
        fmtp = _FMTP.match(line)
        if fmtp is not None and fmtp.group(1) in opus:
            params = [p for p in (fmtp.group(2) or "").split(";") if p.strip()]
            keys = {p.split("=", 1)[0].strip() for p in params}
            params += [p for p in wanted if p.split("=", 1)[0] not in keys]
            line = f"a=fmtp:{fmtp.group(1)} " + ";".join(params)
        out.append(line)
        rtpmap = _OPUS.match(line)
        if rtpmap is not None and rtpmap.group(1) not in with_fmtp:
            out.append(f"a=fmtp:{rtpmap.group(1)} " + ";".join(wanted))
    return newline.join(out)
