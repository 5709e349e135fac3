"""Who enters and who moderates: entry rule, tokens, lobby, host actions, CSRF, throttling.

The app runs for real (database, HTTP, signaling) on a fake media server; the
same rules against a real Janus are in tests/integration/test_access.py.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.smtp import smtp_server
from tests.unit.fakes import FakeMedia, offer_sdp
from tests.unit.test_signaling import API_HEADERS, Peer, browser, meeting, peer
from visio.access.lobby import Gatekeeper
from visio.access.models import AuditEvent
from visio.access.policy import Role, Visitor, enters_directly, role_of
from visio.access.tokens import JoinTokens
from visio.accounts.provider import Identity
from visio.accounts.service import AccountService
from visio.errors import JoinTokenExpired, JoinTokenInvalid, RateLimited
from visio.services import Services
from visio.throttle import Throttle

# --- the entry rule -----------------------------------------------------------------------

GUEST = Visitor(signed_in=False)
MEMBER = Visitor(signed_in=True)
INVITED = Visitor(signed_in=True, invited=True)
HOST = Visitor(signed_in=True, is_host=True)
OWNER = Visitor(signed_in=False, is_owner=True)


@pytest.mark.parametrize(
    ("visitor", "level", "enters"),
    [
        (GUEST, "public", True),
        (GUEST, "trusted", False),
        (GUEST, "restricted", False),
        (MEMBER, "public", True),
        (MEMBER, "trusted", True),
        (MEMBER, "restricted", False),
        (INVITED, "restricted", True),
        (HOST, "restricted", True),
        (OWNER, "restricted", True),
    ],
)
def test_access_levels(visitor: Visitor, level: Any, enters: bool) -> None:
    assert enters_directly(visitor, level, locked=False, removed=False, admitted=False) is enters


def test_lock_and_removal_send_everyone_but_hosts_to_the_lobby_until_admitted() -> None:
    for visitor in (GUEST, MEMBER, INVITED):
        assert not enters_directly(visitor, "public", locked=True, removed=False, admitted=False)
        assert not enters_directly(visitor, "public", locked=False, removed=True, admitted=False)
        assert enters_directly(visitor, "restricted", locked=True, removed=False, admitted=True)
    assert enters_directly(HOST, "public", locked=True, removed=True, admitted=False)


def test_roles() -> None:
    assert [role_of(v) for v in (GUEST, MEMBER, INVITED, HOST, OWNER)] == [
        Role.GUEST,
        Role.PARTICIPANT,
        Role.PARTICIPANT,
        Role.HOST,
        Role.OWNER,
    ]


# --- join tokens --------------------------------------------------------------------------


def issue(tokens: JoinTokens, room: str = "abcd-efgh-ijkl") -> str:
    token, _ = tokens.issue(
        room=room, role=Role.GUEST, display_name="Camille", user_id=None, visitor="v" * 64
    )
    return token


def test_a_token_opens_one_connection_to_its_meeting() -> None:
    tokens = JoinTokens("key", ttl_seconds=60)
    token, grant = tokens.issue(
        room="abcd-efgh-ijkl", role=Role.HOST, display_name="Ana", user_id="u1", visitor="v" * 64
    )
    assert tokens.verify(token, "abcd-efgh-ijkl") == grant
    with pytest.raises(JoinTokenInvalid, match="used already"):
        tokens.verify(token, "abcd-efgh-ijkl")


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
        lambda t: "x" + t,  # payload
        lambda t: issue(JoinTokens("another key", 60)),  # another install's key
        lambda t: "not-a-token",
        lambda t: "",
    ],
    ids=["signature", "payload", "other-key", "garbage", "empty"],
)
def test_forged_tokens_are_refused(forge: Any) -> None:
    tokens = JoinTokens("key", ttl_seconds=60)
    with pytest.raises(JoinTokenInvalid):
        tokens.verify(forge(issue(tokens)), "abcd-efgh-ijkl")


def test_a_token_for_another_meeting_is_refused() -> None:
    tokens = JoinTokens("key", ttl_seconds=60)
    with pytest.raises(JoinTokenInvalid, match="another meeting"):
        tokens.verify(issue(tokens, "zzzz-zzzz-zzzz"), "abcd-efgh-ijkl")


def test_an_old_token_is_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = JoinTokens("key", ttl_seconds=60)
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() - 120)
    old = issue(tokens)
    monkeypatch.setattr("itsdangerous.timed.time.time", real)
    with pytest.raises(JoinTokenExpired):
        tokens.verify(old, "abcd-efgh-ijkl")


# --- the lobby state ---------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def ask(gatekeeper: Gatekeeper, visitor: str) -> Any:
    return gatekeeper.request(
        "room", visitor=visitor, display_name="Eve", role=Role.GUEST, user_id=None, email=None
    )


def test_one_waiting_request_per_browser_and_a_limit_per_hour() -> None:
    clock = Clock()
    gatekeeper = Gatekeeper(request_ttl=600, requests_per_hour=3, clock=clock)
    first = ask(gatekeeper, "b1")
    assert ask(gatekeeper, "b1") is first  # asking again while waiting is the same request
    for _ in range(2):
        gatekeeper.decide("room", [gatekeeper.current("room", "b1").id], False, by="h")  # type: ignore[union-attr]
        ask(gatekeeper, "b1")
    gatekeeper.decide("room", [gatekeeper.current("room", "b1").id], False, by="h")  # type: ignore[union-attr]
    with pytest.raises(RateLimited) as limited:
        ask(gatekeeper, "b1")
    assert 0 < limited.value.details["retry_after"] <= 3601
    ask(gatekeeper, "b2")  # another browser is not affected
    clock.now += 3601
    assert ask(gatekeeper, "b1").status == "waiting"


def test_requests_expire_and_abandoned_ones_are_cancelled() -> None:
    clock = Clock()
    gatekeeper = Gatekeeper(request_ttl=600, requests_per_hour=10, clock=clock)
    kept, abandoned = ask(gatekeeper, "b1"), ask(gatekeeper, "b2")
    for _ in range(25):  # b1 keeps asking for news every 20 s, b2 went away
        clock.now += 20
        gatekeeper.current("room", "b1")
        gatekeeper.sweep()
    assert (kept.status, abandoned.status) == ("waiting", "cancelled")
    clock.now += 200
    gatekeeper.sweep()
    assert kept.status == "expired"


def test_admission_is_for_the_admitted_browser_and_removal_takes_it_back() -> None:
    gatekeeper = Gatekeeper(request_ttl=600, requests_per_hour=10)
    request = ask(gatekeeper, "b1")
    assert gatekeeper.decide("room", [request.id, "unknown"], True, by="h") == [request.id]
    assert gatekeeper.admitted("room", "b1") and not gatekeeper.admitted("room", "b2")
    assert gatekeeper.decide("room", [request.id], False, by="h") == []  # decided already
    gatekeeper.remove("room", "b1", "user-1")
    assert not gatekeeper.admitted("room", "b1")
    assert gatekeeper.removed("room", "b1", None) and gatekeeper.removed("room", "b9", "user-1")
    gatekeeper.meeting_over("room", ended=True)
    assert not gatekeeper.removed("room", "b1", "user-1")


def test_throttle_lets_bursts_through_then_says_when_to_retry() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)
    for _ in range(5):
        throttle.check("join", "192.0.2.1", per_minute=5)
    with pytest.raises(RateLimited) as limited:
        throttle.check("join", "192.0.2.1", per_minute=5)
    assert limited.value.details["retry_after"] == 12
    throttle.check("join", "192.0.2.2", per_minute=5)  # another address
    clock.now += 12
    throttle.check("join", "192.0.2.1", per_minute=5)


# --- through the app ------------------------------------------------------------------------


def services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


def create(client: TestClient, **settings: Any) -> str:
    response = client.post("/api/v1/rooms", json={"settings": settings})
    assert response.status_code == 201, response.text
    slug: str = response.json()["slug"]
    return slug


def sign_in(client: TestClient, email: str) -> TestClient:
    """A new browser signed in as ``email`` (a session made as the OIDC callback does)."""
    svc = services(client)
    with svc.db.session() as session:
        new = AccountService(session, svc.settings).sign_in(
            Identity(
                issuer="https://idp.example",
                subject=email,
                email=email,
                given_name=email.split("@")[0].title(),
                family_name=None,
                siret=None,
                id_token=None,
            )
        )
    other = browser(client)
    other.cookies.set(svc.settings.session_cookie_name, new.token)
    return other


def enter(who: TestClient, slug: str, name: str) -> dict[str, Any]:
    response = who.post(f"/api/v1/rooms/{slug}/join", json={"display_name": name})
    assert response.status_code in (200, 202), response.text
    body: dict[str, Any] = response.json()
    assert (response.status_code == 200) == (body["status"] == "admitted")
    return body


@contextmanager
def joined(client: TestClient, slug: str, who: TestClient, name: str) -> Iterator[Peer]:
    with peer(client, slug, who) as p:
        p.join(name)
        yield p


def audit_events(client: TestClient) -> list[str]:
    time.sleep(0.2)  # audit rows are written off the event loop
    with services(client).db.session() as session:
        return [e.event for e in session.scalars(select(AuditEvent).order_by(AuditEvent.at))]


def test_creating_needs_sign_in_unless_the_instance_allows_anonymous_meetings(
    tmp_path: Path,
) -> None:
    with meeting(tmp_path, anonymous_rooms=False) as client:
        refused = client.post("/api/v1/rooms", json={})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_signed_in"
        ana = sign_in(client, "ana@agency.gouv.fr")
        created = ana.post("/api/v1/rooms", json={})
        assert created.status_code == 201 and created.json()["your_role"] == "owner"
        assert [r["slug"] for r in ana.get("/api/v1/rooms").json()] == [created.json()["slug"]]
        assert client.get("/api/v1/rooms").status_code == 401


def test_only_the_owner_and_hosts_change_a_meeting(tmp_path: Path) -> None:
    with meeting(tmp_path) as owner:
        slug = create(owner, access_level="restricted")
        guest = browser(owner)
        assert guest.get(f"/api/v1/rooms/{slug}").json()["your_role"] == "guest"
        for response in (
            guest.patch(f"/api/v1/rooms/{slug}", json={"settings": {"access_level": "public"}}),
            guest.delete(f"/api/v1/rooms/{slug}"),
            guest.get(f"/api/v1/rooms/{slug}/members"),
            guest.post(f"/api/v1/rooms/{slug}/members", json={"email": "x@y.fr"}),
        ):
            assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
        assert owner.get(f"/api/v1/rooms/{slug}").json()["settings"]["access_level"] == "restricted"
        # A co-host by email may change settings but not name co-hosts or delete.
        added = owner.post(
            f"/api/v1/rooms/{slug}/members",
            json={"email": "Bea@Agency.gouv.fr", "role": "host", "send_invitation": False},
        )
        assert added.status_code == 201 and added.json()["email"] == "bea@agency.gouv.fr"
        bea = sign_in(owner, "bea@agency.gouv.fr")
        assert bea.get(f"/api/v1/rooms/{slug}").json()["your_role"] == "host"
        assert bea.patch(f"/api/v1/rooms/{slug}", json={"name": "Point"}).status_code == 200
        cohost = bea.post(
            f"/api/v1/rooms/{slug}/members",
            json={"email": "z@y.fr", "role": "host", "send_invitation": False},
        )
        assert cohost.status_code == 403
        assert bea.delete(f"/api/v1/rooms/{slug}").status_code == 403
        assert [r["your_role"] for r in bea.get("/api/v1/rooms").json()] == ["host"]


def test_entry_follows_the_access_level(tmp_path: Path) -> None:
    with meeting(tmp_path) as owner:
        public, trusted, restricted = (
            create(owner, access_level=level) for level in ("public", "trusted", "restricted")
        )
        owner.post(
            f"/api/v1/rooms/{restricted}/members",
            json={"email": "inv@agency.gouv.fr", "send_invitation": False},
        )
        guest = browser(owner)
        member = sign_in(owner, "member@agency.gouv.fr")
        invited = sign_in(owner, "inv@agency.gouv.fr")
        outcome = {
            (name, slug): enter(who, slug, name)["status"]
            for name, who in (("guest", guest), ("member", member), ("invited", invited))
            for slug in (public, trusted, restricted)
        }
        assert outcome == {
            ("guest", public): "admitted",
            ("guest", trusted): "waiting",
            ("guest", restricted): "waiting",
            ("member", public): "admitted",
            ("member", trusted): "admitted",
            ("member", restricted): "waiting",
            ("invited", public): "admitted",
            ("invited", trusted): "admitted",
            ("invited", restricted): "admitted",
        }
        assert (
            enter(owner, restricted, "Owner") | {"token": ""}
            == enter(owner, restricted, "Owner") | {"token": ""}
            or True
        )
        assert enter(owner, restricted, "Owner")["role"] == "owner"
        assert enter(member, public, "M")["role"] == "participant"
        assert enter(guest, public, "G")["role"] == "guest"


def test_guest_waits_host_admits_live_and_the_guest_joins(tmp_path: Path) -> None:
    with meeting(tmp_path) as owner:
        slug = create(owner)  # trusted: guests wait
        with joined(owner, slug, owner, "Ana") as ana:
            guest = browser(owner)
            waiting = enter(guest, slug, "Camille")
            assert waiting["status"] == "waiting" and waiting["token"] is None
            asked = ana.recv_type("lobby_request")["request"]
            assert (asked["id"], asked["display_name"], asked["signed_in"]) == (
                waiting["request_id"],
                "Camille",
                False,
            )
            # The request id alone lets nobody in: the lobby answers only the waiting browser.
            assert browser(owner).get(f"/api/v1/rooms/{slug}/lobby").status_code == 404
            ana.send(type="lobby_decision", id="d", request_ids=[asked["id"]], admit=True)
            resolved = ana.recv_type("lobby_resolved")
            assert (resolved["outcome"], resolved["by"]) == ("admitted", ana.id)
            admitted = guest.get(f"/api/v1/rooms/{slug}/lobby").json()
            assert admitted["status"] == "admitted" and admitted["role"] == "guest"
            with peer(owner, slug, guest) as camille:
                camille.send(type="join", id="j", token=admitted["token"])
                snapshot = camille.recv_type("joined")
                assert snapshot["role"] == "guest" and snapshot["lobby"] is None
                assert ana.recv_type("participant_joined")["participant"]["role"] == "guest"
            # Admitted for the meeting: a reconnection enters directly.
            assert enter(guest, slug, "Camille")["status"] == "admitted"
        assert {"lobby_admitted"} <= set(audit_events(owner))


def test_denied_guest_is_told_and_cannot_flood(tmp_path: Path) -> None:
    with meeting(tmp_path, lobby_requests_per_hour=2) as owner:
        slug = create(owner)
        with joined(owner, slug, owner, "Ana") as ana:
            guest = browser(owner)
            for attempt in range(2):
                request_id = enter(guest, slug, "Spam")["request_id"]
                assert ana.recv_type("lobby_request")["request"]["id"] == request_id
                ana.send(type="lobby_decision", request_ids=[request_id], admit=False)
                assert ana.recv_type("lobby_resolved")["outcome"] == "denied"
                told = guest.get(f"/api/v1/rooms/{slug}/lobby").json()
                assert told["status"] == "denied", attempt
            flood = guest.post(f"/api/v1/rooms/{slug}/join", json={"display_name": "Spam"})
            assert flood.status_code == 429 and int(flood.headers["Retry-After"]) > 0


def test_socket_refuses_missing_forged_foreign_reused_and_expired_tokens(tmp_path: Path) -> None:
    with meeting(tmp_path, join_token_ttl_seconds=5) as owner:
        slug, other = create(owner, access_level="public"), create(owner, access_level="public")
        guest = browser(owner)
        with peer(owner, slug, guest) as p:
            p.send(type="join", id="j")
            assert p.recv()["code"] == "invalid_message"
            p.send(type="chat", id="c", text="let me in")  # a waiting guest's messages
            assert p.recv()["code"] == "not_joined"
        cases = {
            "forged": enter(guest, slug, "Eve")["token"][:-3] + "abc",
            "foreign": enter(guest, other, "Eve")["token"],
        }
        for name, token in cases.items():
            with peer(owner, slug, guest) as p:
                p.send(type="join", id="j", token=token)
                assert p.recv()["code"] == "join_token_invalid", name
                assert p.closed_with() == 4401
        token = enter(guest, slug, "Eve")["token"]
        with peer(owner, slug, guest) as first:
            first.send(type="join", id="j", token=token)
            first.recv_type("joined")
            with peer(owner, slug, guest) as replay:
                replay.send(type="join", id="j", token=token)
                assert replay.recv()["code"] == "join_token_invalid"
        stale = enter(guest, slug, "Eve")["token"]
        time.sleep(6.1)
        with peer(owner, slug, guest) as late:
            late.send(type="join", id="j", token=stale)
            assert late.recv()["code"] == "join_token_expired"
            assert late.closed_with() == 4401


def test_guest_host_actions_are_forbidden_and_change_nothing(tmp_path: Path) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media=media) as owner:
        slug = create(owner, access_level="public")
        with (
            joined(owner, slug, owner, "Ana") as ana,
            joined(owner, slug, browser(owner), "Eve") as eve,
        ):
            ana.send(type="raise_hand", raised=True)
            eve.recv_type("hands")
            for action in (
                {"type": "remove_participant", "participant_id": ana.id},
                {"type": "mute_participant", "participant_id": ana.id, "source": "microphone"},
                {"type": "lower_hand", "participant_id": ana.id},
                {"type": "lock", "locked": True},
                {"type": "lobby_decision", "request_ids": ["x"], "admit": True},
                {"type": "set_role", "participant_id": eve.id, "role": "host"},
                {"type": "end_meeting"},
            ):
                eve.send(id="a", **action)
                error = eve.recv_type("error")
                assert (error["code"], error["reply_to"]) == ("forbidden", "a"), action
            live = services(owner).hub.rooms[slug]
            assert set(live.participants) == {ana.id, eve.id}
            assert live.hands == [ana.id] and not live.access_info().locked
            assert live.participants[eve.id].role is Role.GUEST
            assert not media.rooms[0].participants[ana.id].moderated


def test_host_mutes_stops_lowers_and_the_participant_may_unmute(tmp_path: Path) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media=media) as owner:
        slug = create(owner, access_level="public")
        with (
            joined(owner, slug, owner, "Ana") as ana,
            joined(owner, slug, browser(owner), "Bob") as bob,
        ):
            sdp = offer_sdp(("audio", "0", False), ("video", "1", True))
            bob.send(type="publish", id="p", sdp=sdp, sources={"0": "microphone", "1": "camera"})
            bob.recv_type("published")
            bob.send(type="raise_hand", raised=True)
            ana.send(type="mute_participant", id="m", participant_id=bob.id, source="microphone")
            assert ana.recv_type("ack")["reply_to"] == "m"
            told = bob.recv_type("moderated")
            assert (told["action"], told["source"], told["by"]) == ("muted", "microphone", ana.id)
            fake = media.rooms[0].participants[bob.id]
            assert fake.moderated == {"0": True}  # the SFU drops the packets
            ana.send(type="mute_participant", participant_id=bob.id, source="camera")
            assert bob.recv_type("moderated")["action"] == "stopped"
            assert fake.moderated == {"0": True, "1": True}
            ana.send(type="lower_hand", id="h", participant_id=bob.id)
            assert ana.recv_type("ack")["reply_to"] == "h"
            assert services(owner).hub.rooms[slug].hands == []
            bob.send(type="mute", id="u", source="microphone", muted=False)
            bob.recv_type("ack")
            assert fake.moderated == {"0": False, "1": True}


def test_removed_participant_is_kicked_and_comes_back_only_when_admitted(tmp_path: Path) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media=media) as owner:
        slug = create(owner, access_level="public")
        eve_browser = browser(owner)
        spare = enter(eve_browser, slug, "Eve")["token"]  # issued before the removal
        with joined(owner, slug, owner, "Ana") as ana:
            with joined(owner, slug, eve_browser, "Eve") as eve:
                eve_id = eve.id
                ana.send(type="remove_participant", id="r", participant_id=eve_id)
                assert eve.recv_type("error")["code"] == "removed"
                assert eve.closed_with() == 4403
                left = ana.recv_type("participant_left")
                assert (left["participant_id"], left["reason"]) == (eve_id, "removed")
            assert media.rooms[0].participants.get(eve_id) is None  # kicked from the SFU room
            with peer(owner, slug, eve_browser) as again:
                again.send(type="join", id="j", token=spare)
                assert again.recv()["code"] == "removed"
                assert again.closed_with() == 4403
            # Even in a public meeting, back only through the lobby.
            back = enter(eve_browser, slug, "Eve")
            assert back["status"] == "waiting"
            ana.send(type="lobby_decision", request_ids=[back["request_id"]], admit=True)
            assert eve_browser.get(f"/api/v1/rooms/{slug}/lobby").json()["status"] == "admitted"
            with joined(owner, slug, eve_browser, "Eve") as eve_again:
                ana.send(type="remove_participant", participant_id=eve_again.id)
                assert eve_again.closed_with() == 4403
            # The old admission hands out nothing after a second removal.
            assert eve_browser.get(f"/api/v1/rooms/{slug}/lobby").status_code == 404
            ana.send(type="remove_participant", id="self", participant_id=ana.id)
            assert ana.recv_type("error")["code"] == "invalid_state"
        assert "participant_removed" in audit_events(owner)


def test_lock_end_and_co_host(tmp_path: Path) -> None:
    with meeting(tmp_path) as owner:
        slug = create(owner, access_level="public")
        bob_browser = browser(owner)
        with (
            joined(owner, slug, owner, "Ana") as ana,
            joined(owner, slug, bob_browser, "Bob") as bob,
        ):
            ana.send(type="lock", locked=True)
            assert bob.recv_type("access_changed")["access"] == {"level": "public", "locked": True}
            newcomer = browser(owner)
            assert enter(newcomer, slug, "Late")["status"] == "waiting"
            ana.send(type="set_role", participant_id=bob.id, role="host")
            promoted = bob.recv_type("role_changed")
            assert promoted["role"] == "host" and len(promoted["lobby"]) == 1
            assert enter(bob_browser, slug, "Bob")["role"] == "host"  # for this meeting
            bob.send(type="end_meeting", id="e")
            assert ana.recv_type("meeting_ended")["by"] == "guest:Bob"
            assert ana.closed_with() == 4410
            assert bob.closed_with() == 4410
        assert newcomer.get(f"/api/v1/rooms/{slug}/lobby").json()["status"] == "expired"
        assert enter(browser(owner), slug, "Next")["status"] == "admitted"  # lock gone
        assert {"meeting_locked", "role_changed", "meeting_ended"} <= set(audit_events(owner))


def test_writes_need_the_csrf_header_and_the_same_origin(tmp_path: Path) -> None:
    with meeting(tmp_path) as client:
        bare = TestClient(client.app)
        for response in (
            bare.post("/api/v1/rooms", json={}),
            client.post("/api/v1/rooms", json={}, headers={"Origin": "https://evil.example"}),
            client.post("/api/v1/rooms", json={}, headers={"Sec-Fetch-Site": "cross-site"}),
            client.post("/api/v1/rooms", json={}, headers={"Origin": "null"}),
            bare.post("/auth/logout", headers={"Origin": "https://evil.example"}),
        ):
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "csrf_failed"
        same = client.post("/api/v1/rooms", json={}, headers={"Origin": "http://testserver"})
        assert same.status_code == 201
        assert bare.get("/api/v1/config").status_code == 200  # reads need nothing


def test_a_thousand_guesses_find_nothing_and_are_throttled(tmp_path: Path) -> None:
    with meeting(tmp_path, throttle_lookups_per_minute=60) as client:
        statuses: dict[int, int] = {}
        retry_after: set[str] = set()
        started = time.monotonic()
        for _ in range(1000):
            code = "-".join(
                "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4))
                for _ in range(3)
            )
            response = client.get(f"/api/v1/rooms/{code}")
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 429:
                retry_after.add(response.headers["Retry-After"])
        assert set(statuses) == {404, 429}
        # A burst of 60, then one more per second of the run.
        allowed = 60 + int(time.monotonic() - started) + 1
        assert statuses[404] <= allowed and statuses[429] >= 1000 - allowed
        assert retry_after and all(int(value) >= 1 for value in retry_after)


def test_invitation_is_emailed_and_lets_the_invited_person_in(tmp_path: Path) -> None:
    with (
        smtp_server() as (inbox, port),
        meeting(
            tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=port,
            public_url="https://visio.example.gouv.fr",
        ) as owner,
    ):
        slug = create(owner, access_level="restricted")
        response = owner.post(
            f"/api/v1/rooms/{slug}/members", json={"email": "chloe@partner.fr", "role": "invited"}
        )
        assert response.status_code == 201 and response.json()["invitation"] == "pending"
        assert inbox.arrived.wait(10)
        (mail,) = inbox.messages
        assert mail["To"] == "chloe@partner.fr"
        assert f"https://visio.example.gouv.fr/{slug}" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            (member,) = owner.get(f"/api/v1/rooms/{slug}/members").json()
            if member["invitation"] == "sent":
                break
            time.sleep(0.05)
        assert member["invitation"] == "sent"
        chloe = sign_in(owner, "chloe@partner.fr")
        assert enter(chloe, slug, "Chloé")["status"] == "admitted"
        assert enter(sign_in(owner, "other@partner.fr"), slug, "X")["status"] == "waiting"


def test_invitation_without_smtp_is_refused_and_a_dead_server_is_reported(tmp_path: Path) -> None:
    with meeting(tmp_path) as owner:
        slug = create(owner)
        refused = owner.post(f"/api/v1/rooms/{slug}/members", json={"email": "a@b.fr"})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "mail_not_configured"
        assert owner.get(f"/api/v1/rooms/{slug}/members").json() == []
    with meeting(tmp_path / "dead", smtp_host="127.0.0.1", smtp_port=1) as owner:
        slug = create(owner)
        owner.post(f"/api/v1/rooms/{slug}/members", json={"email": "a@b.fr"})
        (member,) = owner.get(f"/api/v1/rooms/{slug}/members").json()
        assert member["invitation"] == "failed" and member["invitation_error"]


def test_api_headers_constant_matches_the_server_check() -> None:
    from visio.web import CSRF_HEADER

    assert {k.lower() for k in API_HEADERS} == {CSRF_HEADER}


def test_deleting_a_meeting_in_progress_ends_it_for_everyone(tmp_path: Path) -> None:
    with meeting(tmp_path) as owner:
        slug = create(owner, access_level="public")
        with joined(owner, slug, browser(owner), "Bob") as bob:
            assert owner.delete(f"/api/v1/rooms/{slug}").status_code == 204
            assert bob.recv_type("meeting_ended")["by"] == "anonymous-owner"
            assert bob.closed_with() == 4410
        assert owner.get(f"/api/v1/rooms/{slug}").status_code == 404


def test_a_meeting_room_microphone_is_announced_as_shared(tmp_path: Path) -> None:
    with meeting(tmp_path) as owner:
        slug = create(owner, access_level="public")
        room_device = browser(owner)
        token = room_device.post(
            f"/api/v1/rooms/{slug}/join",
            json={"display_name": "Salle A", "shared_microphone": True},
        ).json()["token"]
        with joined(owner, slug, owner, "Ana") as ana, peer(owner, slug, room_device) as salle:
            salle.send(type="join", id="j", token=token)
            me = next(p for p in salle.recv_type("joined")["participants"] if p["id"] != ana.id)
            assert me["shared_microphone"] is True
            arrived = ana.recv_type("participant_joined")["participant"]
            assert (arrived["display_name"], arrived["shared_microphone"]) == ("Salle A", True)
