from __future__ import annotations

import json
import stat
from dataclasses import fields
from pathlib import Path

import pytest

from visio.secrets_store import InstallSecrets, load_existing, load_or_create


def test_secrets_are_created_once_and_kept(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"

    first = load_or_create(data_dir)
    second = load_or_create(data_dir)

    assert first == second
    assert load_existing(data_dir) == first
    values = [getattr(first, field.name) for field in fields(InstallSecrets)]
    assert len(set(values)) == 4
    assert all(len(value) >= 32 for value in values)


def test_each_install_gets_its_own_secrets(tmp_path: Path) -> None:
    assert load_or_create(tmp_path / "a") != load_or_create(tmp_path / "b")


def test_secrets_file_is_private_and_complete(tmp_path: Path) -> None:
    created = load_or_create(tmp_path)
    path = tmp_path / "secrets.json"

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["janus_admin_secret"] == created.janus_admin_secret
    assert stored["janus_admin_key"] == created.janus_admin_key
    assert stored["janus_api_secret"] == created.janus_api_secret
    assert stored["signing_key"] == created.signing_key
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.json"]  # no temporary left


def test_loose_permissions_are_tightened(tmp_path: Path) -> None:
    created = load_or_create(tmp_path)
    (tmp_path / "secrets.json").chmod(0o644)

    assert load_or_create(tmp_path) == created
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600


def test_no_file_means_no_secrets_yet(tmp_path: Path) -> None:
    assert load_existing(tmp_path) is None
    assert not (tmp_path / "secrets.json").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"janus_admin_secret": "x", ', "is corrupt"),
        (b"", "is corrupt"),
        (b"\xff\xfe", "is corrupt"),
        (b"[1, 2]", "is not a JSON object"),
        (b'{"janus_admin_secret": "a", "janus_admin_key": "b"}', "no valid 'janus_api_secret'"),
        (
            b'{"janus_admin_secret": "a", "janus_admin_key": "b", "janus_api_secret": 3, '
            b'"signing_key": "d"}',
            "no valid 'janus_api_secret'",
        ),
    ],
)
def test_corrupt_file_is_an_error_not_a_reset(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "secrets.json"
    path.write_bytes(content)

    with pytest.raises(RuntimeError, match=message) as caught:
        load_or_create(tmp_path)

    assert "restore it from a backup" in str(caught.value)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content  # left alone for the operator


def test_secrets_stay_out_of_repr(tmp_path: Path) -> None:
    created = load_or_create(tmp_path)

    assert created.signing_key not in repr(created)
