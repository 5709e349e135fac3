"""Reading offers (media sections, labelled streams) and the Opus FEC/DTX request."""

from __future__ import annotations

import pytest

from tests.unit.fakes import offer_sdp
from visio.errors import InvalidSdp
from visio.media.base import StreamKind
from visio.media.sdp import parse_media_sections, published_streams, request_opus_fec_dtx

BROWSER_AUDIO = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\na=mid:0\r\na=sendonly\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n"
)
AIORTC_AUDIO = (
    "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 96 0\r\na=mid:0\r\na=sendonly\r\n"
    "a=rtpmap:96 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
)


def test_browser_offer_keeps_its_fmtp_and_gains_dtx() -> None:
    out = request_opus_fec_dtx(BROWSER_AUDIO, fec=True, dtx=True)
    assert "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n" in out
    assert "a=fmtp:63 111/111\r\n" in out, "other codecs untouched"


def test_offer_without_opus_fmtp_gets_one_after_the_rtpmap() -> None:
    out = request_opus_fec_dtx(AIORTC_AUDIO, fec=True, dtx=True)
    assert "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1;usedtx=1\r\n" in out
    assert out.count("a=fmtp:") == 1


def test_nothing_requested_or_no_opus_leaves_the_offer_alone() -> None:
    assert request_opus_fec_dtx(AIORTC_AUDIO, fec=False, dtx=False) == AIORTC_AUDIO
    video = offer_sdp(("video", "0", True))
    assert request_opus_fec_dtx(video, fec=True, dtx=True) == video


def test_offer_is_read_into_labelled_streams() -> None:
    sdp = offer_sdp(("audio", "0", False), ("video", "1", True))
    streams = published_streams(sdp, {"0": "microphone", "1": "camera"})
    assert [(s.mid, s.kind, s.source, s.simulcast) for s in streams] == [
        ("0", StreamKind.AUDIO, "microphone", False),
        ("1", StreamKind.VIDEO, "camera", True),
    ]


@pytest.mark.parametrize(
    ("sdp", "sources"),
    [
        ("", {}),
        ("o=- 1 1 IN IP4 0.0.0.0\r\n", {}),
        ("v=0\r\ns=-\r\n", {}),
        ("v=0\r\nm=audio x RTP/AVP 0\r\n", {}),
        ("v=0\r\nbad line\r\nm=audio 9 RTP/AVP 0\r\n", {}),
        (offer_sdp(("audio", "0", False)), {}),
        (offer_sdp(("audio", "0", False)), {"0": "camera"}),
        (offer_sdp(("video", "0", False)), {"0": "screen_audio"}),
    ],
    ids=[
        "empty",
        "no-version",
        "no-media",
        "bad-port",
        "bad-line",
        "no-source",
        "camera-on-audio",
        "audio-source-on-video",
    ],
)
def test_bad_offers_are_refused(sdp: str, sources: dict[str, str]) -> None:
    with pytest.raises(InvalidSdp):
        published_streams(sdp, sources)


def test_inactive_and_rejected_lines_are_not_streams() -> None:
    sdp = offer_sdp(("audio", "0", False)).replace("a=sendonly", "a=inactive")
    assert published_streams(sdp, {}) == []
    sections = parse_media_sections(sdp.replace("m=audio 9", "m=audio 0"))
    assert sections[0].port == 0
