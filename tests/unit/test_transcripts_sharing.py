"""Who reads a transcript: the meeting's owner and hosts, and whom the owner shared it with."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.unit.test_access import create, services, sign_in
from tests.unit.test_signaling import browser, meeting
from visio.db import utcnow
from visio.rooms.service import RoomService
from visio.transcripts.store import TranscriptStore


def a_transcript(client: TestClient, slug: str) -> str:
    svc = services(client)
    with svc.db.session() as session:
        room = RoomService(session, svc.settings).get(slug)
        transcript = TranscriptStore(session).create(
            room.id, "en", started_by="u", started_by_name="Ana", started_at=utcnow()
        )
        return transcript.id


def test_the_owner_shares_a_transcript_with_signed_in_people_by_email(tmp_path: Path) -> None:
    with meeting(tmp_path) as client:
        ana = sign_in(client, "ana@agency.gouv.fr")
        slug = create(ana, access_level="public")
        transcript_id = a_transcript(ana, slug)
        api = f"/api/v1/rooms/{slug}/transcripts"
        reader = sign_in(client, "Reader@Partner.fr")
        other = sign_in(client, "other@partner.fr")
        guest = browser(client)
        for who in (reader, other, guest):
            assert who.get(f"{api}/{transcript_id}").status_code == 403
        # Only the owner shares; a reader cannot widen it.
        body = {"emails": ["reader@partner.FR", "reader@partner.fr"]}
        assert reader.put(f"{api}/{transcript_id}/sharing", json=body).status_code == 403
        shared = ana.put(f"{api}/{transcript_id}/sharing", json=body)
        assert shared.status_code == 200 and shared.json()["shared_with"] == ["reader@partner.fr"]
        read = reader.get(f"{api}/{transcript_id}")
        assert read.status_code == 200 and read.json()["id"] == transcript_id
        # Whom else it is shared with is the owner's business.
        assert read.json()["shared_with"] == []
        assert ana.get(f"{api}/{transcript_id}").json()["shared_with"] == ["reader@partner.fr"]
        # Not ready yet: the download says so (not forbidden).
        download = reader.get(f"{api}/{transcript_id}/download?format=txt")
        assert download.status_code == 409
        # Shared with them is this transcript, not the meeting's list nor its deletion.
        assert reader.get(api).status_code == 403
        assert reader.delete(f"{api}/{transcript_id}").status_code == 403
        for who in (other, guest):
            assert who.get(f"{api}/{transcript_id}").status_code == 403
        bad = ana.put(f"{api}/{transcript_id}/sharing", json={"emails": ["not an email"]})
        assert bad.status_code == 422
        assert ana.put(f"{api}/{transcript_id}/sharing", json={"emails": []}).status_code == 200
        assert reader.get(f"{api}/{transcript_id}").status_code == 403
