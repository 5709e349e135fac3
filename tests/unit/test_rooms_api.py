from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.fakes import FakeMedia
from visio.app import create_app
from visio.config import Settings, load_settings
from visio.db import Database
from visio.errors import RoomNotFound
from visio.rooms.models import RoomSettings
from visio.rooms.service import RoomService
from visio.rooms.slugs import generate_slug, normalize_slug
from visio.services import Services
from visio.signaling.messages import PROTOCOL_VERSION
from visio.speech.asr import bundled_model_dir

API = "/api/v1"


@contextmanager
def make_client(
    tmp_path: Path, media: FakeMedia | None = None, **overrides: Any
) -> Iterator[TestClient]:
    """A client of a fresh app with its own SQLite database in ``tmp_path``."""
    settings = load_settings(data_dir=tmp_path, **overrides)
    app = create_app(settings, media=media if media is not None else FakeMedia())
    with TestClient(app, headers={"X-Visio-Request": "1"}) as client:  # runs the lifespan
        yield client


def create_room(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(f"{API}/rooms", json=body)
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body


def test_create_room_returns_code_link_and_default_settings(tmp_path: Path) -> None:
    with make_client(tmp_path, public_url="https://meet.example.org") as client:
        room = create_room(client)
    assert normalize_slug(room["slug"]) == room["slug"]
    assert room["url"] == f"https://meet.example.org/{room['slug']}"
    assert room["name"] is None
    assert room["settings"] == {
        "max_participants": None,
        "start_audio_muted": False,
        "start_video_muted": False,
        "access_level": "trusted",
        "transcript_language": None,
    }
    assert room["your_role"] == "owner"
    assert room["created_at"] == room["updated_at"]
    assert room["created_at"].endswith(("Z", "+00:00"))


def test_link_falls_back_to_host_and_port(tmp_path: Path) -> None:
    with make_client(tmp_path, host="127.0.0.1", port=8123) as client:
        room = create_room(client)
    assert room["url"] == f"http://127.0.0.1:8123/{room['slug']}"


def test_created_room_can_be_fetched_by_code_or_link(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        room = create_room(client, name="Weekly", settings={"start_audio_muted": True})
        by_code = client.get(f"{API}/rooms/{room['slug']}")
        by_loose_code = client.get(f"{API}/rooms/{room['slug'].upper().replace('-', '')}")
    assert by_code.status_code == 200
    assert by_code.json() == room
    assert by_loose_code.json() == room
    assert room["name"] == "Weekly"
    assert room["settings"]["start_audio_muted"] is True


def test_each_room_gets_its_own_code(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        slugs = {create_room(client)["slug"] for _ in range(20)}
    assert len(slugs) == 20


def test_patch_changes_only_the_given_fields(tmp_path: Path) -> None:
    with make_client(tmp_path, max_participants=50) as client:
        room = create_room(client, name="Weekly", settings={"max_participants": 10})
        response = client.patch(
            f"{API}/rooms/{room['slug']}", json={"settings": {"start_video_muted": True}}
        )
        assert response.status_code == 200, response.text
        patched = response.json()
        renamed = client.patch(f"{API}/rooms/{room['slug']}", json={"name": None}).json()
        fetched = client.get(f"{API}/rooms/{room['slug']}").json()
    assert patched["name"] == "Weekly"
    assert patched["settings"] == {
        "max_participants": 10,
        "start_audio_muted": False,
        "start_video_muted": True,
        "access_level": "trusted",
        "transcript_language": None,
    }
    assert patched["updated_at"] > room["updated_at"]
    assert renamed["name"] is None
    assert renamed["settings"] == patched["settings"]
    assert fetched == renamed


def test_patch_null_max_participants_goes_back_to_the_server_limit(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        room = create_room(client, settings={"max_participants": 10})
        response = client.patch(
            f"{API}/rooms/{room['slug']}", json={"settings": {"max_participants": None}}
        )
    assert response.json()["settings"]["max_participants"] is None


def test_delete_removes_the_room(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        room = create_room(client)
        deleted = client.delete(f"{API}/rooms/{room['slug']}")
        after = client.get(f"{API}/rooms/{room['slug']}")
        again = client.delete(f"{API}/rooms/{room['slug']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(after, 404, "room_not_found")
    assert_error(again, 404, "room_not_found")


def test_rooms_survive_a_restart(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        room = create_room(client, name="Kept")
        visitor = dict(client.cookies)
    with make_client(tmp_path) as client:
        client.cookies.update(visitor)  # the same browser: still the owner
        assert client.get(f"{API}/rooms/{room['slug']}").json() == room


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("slug", ["abcd-efgh-ijkl", "not-a-code", "abcd-efgh-ijk1", "x" * 300])
def test_unknown_or_malformed_code_is_room_not_found(
    tmp_path: Path, method: str, slug: str
) -> None:
    with make_client(tmp_path) as client:
        response = client.request(
            method, f"{API}/rooms/{slug}", json={} if method == "PATCH" else None
        )
    body = assert_error(response, 404, "room_not_found")
    assert body == {"error": {"code": "room_not_found", "message": "No meeting with that code"}}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x" * 201},
        {"name": 42},
        {"settings": {"max_participants": 0}},
        {"settings": {"max_participants": -3}},
        {"settings": {"max_participants": "many"}},
        {"settings": {"start_audio_muted": "sometimes"}},
        {"settings": {"unknown_option": True}},
        {"settings": None},
        {"owner": "someone"},
    ],
)
def test_invalid_create_body_is_validation_failed(tmp_path: Path, body: dict[str, Any]) -> None:
    with make_client(tmp_path) as client:
        response = client.post(f"{API}/rooms", json=body)
    error = assert_error(response, 422, "validation_failed")["error"]
    assert error["details"]["problems"]


def test_invalid_patch_body_is_validation_failed_and_changes_nothing(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        room = create_room(client, name="Kept")
        response = client.patch(f"{API}/rooms/{room['slug']}", json={"name": "x" * 201})
        after = client.get(f"{API}/rooms/{room['slug']}").json()
    assert_error(response, 422, "validation_failed")
    assert after == room


def test_max_participants_above_the_server_limit_is_validation_failed(tmp_path: Path) -> None:
    with make_client(tmp_path, max_participants=20) as client:
        created = client.post(f"{API}/rooms", json={"settings": {"max_participants": 21}})
        room = create_room(client, settings={"max_participants": 20})
        patched = client.patch(
            f"{API}/rooms/{room['slug']}", json={"settings": {"max_participants": 21}}
        )
        after = client.get(f"{API}/rooms/{room['slug']}").json()
    body = assert_error(created, 422, "validation_failed")
    assert body["error"]["details"]["problems"][0]["loc"] == [
        "body",
        "settings",
        "max_participants",
    ]
    assert_error(patched, 422, "validation_failed")
    assert after["settings"]["max_participants"] == 20


def test_blank_name_means_no_name(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        room = create_room(client, name="   ")
        spaced = create_room(client, name="  Daily  ")
    assert room["name"] is None
    assert spaced["name"] == "Daily"


def test_client_config_reflects_the_settings(tmp_path: Path) -> None:
    with make_client(
        tmp_path,
        max_participants=80,
        max_video_subscriptions=16,
        max_audio_subscriptions=12,
        ws_max_message_bytes=4096,
        public_url="https://meet.example.org/",
    ) as client:
        response = client.get(f"{API}/config")
    assert response.status_code == 200
    assert response.json() == {
        "protocol_version": PROTOCOL_VERSION,
        "max_participants": 80,
        "max_video_subscriptions": 16,
        "max_audio_subscriptions": 12,
        "ws_max_message_bytes": 4096,
        "public_url": "https://meet.example.org",
        "sign_in_enabled": False,
        "anonymous_rooms": True,
        # The bundled speech model is English-only; the default language stays French.
        "transcription": {
            "available": True,
            "languages": ["en"],
            "default_language": "fr",
            "allowed_roles": ["owner", "host"],
        },
    }


def test_client_config_says_when_transcripts_cannot_be_made(tmp_path: Path) -> None:
    with make_client(tmp_path, transcription_enabled=False) as client:
        off = client.get(f"{API}/config").json()["transcription"]
    with make_client(tmp_path, asr_model_dir=str(tmp_path / "no-model")) as client:
        broken = client.get(f"{API}/config").json()["transcription"]
    assert off["available"] is False and off["languages"] == []
    assert broken["available"] is False and broken["languages"] == []


def multilingual_model_folder(tmp_path: Path) -> Path:
    """The bundled model's folder with a multilingual-sized vocabulary: what the config reads.

    (The config reads the vocabulary only; it never loads this model.)
    """
    folder = tmp_path / "multilingual"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json", "model.bin"):
        (folder / name).symlink_to(bundled_model_dir() / name)
    vocabulary = (bundled_model_dir() / "vocabulary.txt").read_text(encoding="utf-8")
    (folder / "vocabulary.txt").write_text(vocabulary + "<|extra|>\n", encoding="utf-8")
    return folder


def test_client_config_lists_a_multilingual_models_languages(tmp_path: Path) -> None:
    folder = multilingual_model_folder(tmp_path)
    with make_client(
        tmp_path, asr_model_dir=str(folder), transcription_allowed_roles="owner"
    ) as client:
        transcription = client.get(f"{API}/config").json()["transcription"]
    assert transcription["available"] is True
    assert {"fr", "en", "de"} <= set(transcription["languages"])
    assert transcription["allowed_roles"] == ["owner"]


def test_healthz_is_ok_even_when_media_is_down(tmp_path: Path) -> None:
    with make_client(tmp_path, media=FakeMedia(is_ready=False)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_database_and_media_are_up(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_media_server_when_it_is_down(tmp_path: Path) -> None:
    media = FakeMedia()
    with make_client(tmp_path, media=media) as client:
        media.is_ready = False
        response = client.get("/readyz")
    error = assert_error(response, 503, "not_ready")["error"]
    assert error["details"] == {"database": "ok", "media": "unavailable"}


def test_readyz_names_the_database_when_it_is_down(tmp_path: Path) -> None:
    app = create_app(load_settings(data_dir=tmp_path), media=FakeMedia())
    with TestClient(app) as client:
        services: Services = app.state.services
        services.db.dispose()
        # A database whose folder cannot be created: every connection fails.
        (tmp_path / "blocker").write_text("a file, not a folder")
        services.db = Database(f"sqlite:///{tmp_path / 'blocker' / 'visio.db'}")
        response = client.get("/readyz")
    error = assert_error(response, 503, "not_ready")["error"]
    assert error["details"] == {"database": "unavailable", "media": "ok"}


def test_openapi_documents_every_endpoint_and_its_errors(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    error_ref = "#/components/schemas/ErrorBody"

    def error_schema(path: str, method: str, status: str) -> str:
        content = paths[path][method]["responses"][status]["content"]["application/json"]
        ref: str = content["schema"]["$ref"]
        return ref

    assert error_schema(f"{API}/rooms", "post", "422") == error_ref
    for method in ("get", "patch", "delete"):
        assert error_schema(f"{API}/rooms/{{slug}}", method, "404") == error_ref
        assert error_schema(f"{API}/rooms/{{slug}}", method, "422") == error_ref
    assert "201" in paths[f"{API}/rooms"]["post"]["responses"]
    assert "204" in paths[f"{API}/rooms/{{slug}}"]["delete"]["responses"]
    assert paths[f"{API}/config"]["get"]["responses"]["200"]["content"]
    assert error_schema("/readyz", "get", "503") == error_ref
    assert "HTTPValidationError" not in schema["components"]["schemas"]


# --- the service on its own (no HTTP) -----------------------------------------


def make_db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'visio.db'}")
    database.upgrade()
    return database


def test_create_draws_another_code_when_the_first_is_taken(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    draws = iter(["aaaa-aaaa-aaaa", "aaaa-aaaa-aaaa", "bbbb-bbbb-bbbb"])

    def scripted(_: Settings) -> str:
        return next(draws)

    database = make_db(tmp_path)
    with database.session() as session:
        rooms = RoomService(session, settings, new_slug=scripted)
        first = rooms.create("first")
        second = rooms.create("second")
    with database.session() as session:
        rooms = RoomService(session, settings)
        assert rooms.get("aaaa-aaaa-aaaa").name == "first"
        assert rooms.get("bbbb-bbbb-bbbb").name == "second"
    database.dispose()
    assert (first.slug, second.slug) == ("aaaa-aaaa-aaaa", "bbbb-bbbb-bbbb")


def test_create_gives_up_when_every_code_is_taken(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    database = make_db(tmp_path)
    with database.session() as session:
        rooms = RoomService(session, settings, new_slug=lambda _: "aaaa-aaaa-aaaa")
        rooms.create()
        with pytest.raises(RuntimeError, match="no free meeting code"):
            rooms.create()
    database.dispose()


def test_room_limit_is_the_override_but_never_above_the_server_limit(tmp_path: Path) -> None:
    database = make_db(tmp_path)
    with database.session() as session:
        room = RoomService(session, load_settings(data_dir=tmp_path, max_participants=30)).create(
            settings=RoomSettings(max_participants=25)
        )
        default_room = RoomService(session, load_settings(data_dir=tmp_path)).create()
    database.dispose()
    assert RoomService(session, load_settings(data_dir=tmp_path)).max_participants(room) == 25
    lowered = load_settings(data_dir=tmp_path, max_participants=10)
    assert RoomService(session, lowered).max_participants(room) == 10
    assert RoomService(session, lowered).max_participants(default_room) == 10


def test_service_get_refuses_malformed_codes(tmp_path: Path) -> None:
    database = make_db(tmp_path)
    with database.session() as session:
        rooms = RoomService(session, load_settings(data_dir=tmp_path))
        for text in ("", "drop table rooms", generate_slug(rooms.settings)):
            with pytest.raises(RoomNotFound):
                rooms.get(text)
    database.dispose()
