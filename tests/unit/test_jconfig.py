"""The generated Janus configuration folder, read back with a small libconfig reader."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from visio.media.janus.jconfig import quote, render_jcfg, write_janus_config
from visio.secrets_store import InstallSecrets

Value = str | int | bool | list[str]
Document = dict[str, dict[str, Value]]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>\#[^\n]*)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<int>-?\d+)
      | (?P<bool>true|false)\b
      | (?P<name>[A-Za-z][A-Za-z0-9_*-]*)
      | (?P<punct>[:={}\[\],;])
    )""",
    re.VERBOSE | re.IGNORECASE,
)


def tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"cannot read libconfig text at {text[position : position + 20]!r}")
        kind = match.lastgroup
        assert kind is not None
        if kind != "comment":
            found.append((kind, match.group(kind)))
        position = match.end()
    return found


def unquote(literal: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), literal[1:-1])


def parse_jcfg(text: str) -> Document:
    """Top-level groups of scalars and string arrays: what Janus's files use."""
    items = tokens(text)
    document: Document = {}
    index = 0

    def expect(value: str) -> None:
        nonlocal index
        if items[index][1] != value:
            raise ValueError(f"expected {value!r}, found {items[index][1]!r}")
        index += 1

    def scalar() -> str | int | bool:
        nonlocal index
        kind, raw = items[index]
        index += 1
        if kind == "string":
            return unquote(raw)
        if kind == "int":
            return int(raw)
        if kind == "bool":
            return raw.lower() == "true"
        raise ValueError(f"unexpected {raw!r}")

    while index < len(items):
        kind, group = items[index]
        if kind != "name":
            raise ValueError(f"expected a group name, found {group!r}")
        index += 1
        expect(":")
        expect("{")
        settings: dict[str, Value] = {}
        while items[index][1] != "}":
            key = items[index][1]
            index += 1
            expect("=")
            if items[index][1] == "[":
                index += 1
                array: list[str] = []
                while items[index][1] != "]":
                    item = scalar()
                    assert isinstance(item, str)
                    array.append(item)
                    if items[index][1] == ",":
                        index += 1
                index += 1
                settings[key] = array
            else:
                settings[key] = scalar()
            if items[index][1] == ";":
                index += 1
        index += 1
        if group in document:
            raise ValueError(f"group {group!r} appears twice")
        document[group] = settings
    return document


def fake_janus_lib(root: Path) -> Path:
    """A Debian-like module tree with more modules than Visio wants."""
    modules = {
        "plugins": ["libjanus_videoroom.so", "libjanus_echotest.so", "libjanus_streaming.so"],
        "transports": ["libjanus_websockets.so", "libjanus_http.so", "libjanus_pfunix.so"],
        "events": ["libjanus_sampleevh.so"],
        "loggers": ["libjanus_jsonlog.so"],
    }
    for kind, names in modules.items():
        (root / kind).mkdir(parents=True)
        for name in names:
            (root / kind / name).write_bytes(b"\x7fELF")
    return root


def make_secrets(**overrides: str) -> InstallSecrets:
    values = {
        "janus_admin_secret": "admin-secret",
        "janus_admin_key": "admin-key",
        "janus_api_secret": "api-secret",
        "signing_key": "signing-key",
    }
    return InstallSecrets(**{**values, **overrides})


def generate(
    tmp_path: Path,
    *,
    secrets: InstallSecrets | None = None,
    ice_enforce_list: str | None = None,
    nat_1_1_mapping: str | None = None,
    log_file: Path | None = None,
) -> Path:
    lib = tmp_path / "lib"
    if not lib.exists():
        fake_janus_lib(lib)
    return write_janus_config(
        tmp_path / "janus",
        ws_port=18188,
        admin_ws_port=17188,
        rtp_range=(30000, 30999),
        secrets=secrets or make_secrets(),
        ice_enforce_list=ice_enforce_list,
        nat_1_1_mapping=nat_1_1_mapping,
        log_file=log_file,
        lib_dir=lib,
    )


def read(path: Path) -> Document:
    return parse_jcfg(path.read_text())


def test_core_config_reads_back(tmp_path: Path) -> None:
    jcfg = generate(tmp_path)
    janus = read(jcfg)

    assert jcfg == (tmp_path / "janus" / "janus.jcfg").resolve()
    assert janus["general"]["api_secret"] == "api-secret"
    assert janus["general"]["admin_secret"] == "admin-secret"
    assert janus["general"]["session_timeout"] == 60
    assert janus["general"]["configs_folder"] == str(jcfg.parent)
    assert janus["media"]["rtp_port_range"] == "30000-30999"
    assert janus["nat"]["full_trickle"] is True
    assert janus["nat"]["ignore_mdns"] is True
    assert "nat_1_1_mapping" not in janus["nat"]
    assert "ice_enforce_list" not in janus["nat"]
    assert "log_to_file" not in janus["general"]
    assert janus["events"]["broadcast"] is False


def test_optional_nat_and_log_settings_are_written(tmp_path: Path) -> None:
    janus = read(
        generate(
            tmp_path,
            ice_enforce_list="eth0,10.0.",
            nat_1_1_mapping="203.0.113.7",
            log_file=tmp_path / "janus.log",
        )
    )

    assert janus["nat"]["ice_enforce_list"] == "eth0,10.0."
    assert janus["nat"]["nat_1_1_mapping"] == "203.0.113.7"
    assert janus["general"]["log_to_file"] == str(tmp_path / "janus.log")


def test_only_videoroom_and_websockets_are_loaded(tmp_path: Path) -> None:
    general = read(generate(tmp_path))["general"]
    folders = {
        kind: Path(str(general[f"{kind}_folder"]))
        for kind in ("plugins", "transports", "events", "loggers")
    }

    assert {kind: sorted(p.name for p in f.iterdir()) for kind, f in folders.items()} == {
        "plugins": ["libjanus_videoroom.so"],
        "transports": ["libjanus_websockets.so"],
        "events": [],
        "loggers": [],
    }
    assert (folders["plugins"] / "libjanus_videoroom.so").resolve() == (
        tmp_path / "lib" / "plugins" / "libjanus_videoroom.so"
    ).resolve()
    # Nothing points back at the system folders, which hold every module.
    assert all(folder.is_relative_to(tmp_path / "janus") for folder in folders.values())
    assert sorted(p.name for p in (tmp_path / "janus").glob("*.jcfg")) == [
        "janus.jcfg",
        "janus.plugin.videoroom.jcfg",
        "janus.transport.websockets.jcfg",
    ]


def test_websockets_bind_to_loopback_only(tmp_path: Path) -> None:
    generate(tmp_path)
    websockets = read(tmp_path / "janus" / "janus.transport.websockets.jcfg")

    assert websockets["general"]["ws"] is True
    assert websockets["general"]["ws_port"] == 18188
    assert websockets["general"]["ws_ip"] == "127.0.0.1"
    assert websockets["general"]["wss"] is False
    assert websockets["admin"]["admin_ws"] is True
    assert websockets["admin"]["admin_ws_port"] == 17188
    assert websockets["admin"]["admin_ws_ip"] == "127.0.0.1"
    assert websockets["admin"]["admin_wss"] is False


def test_videoroom_has_admin_key_and_no_static_rooms(tmp_path: Path) -> None:
    generate(tmp_path)
    videoroom = read(tmp_path / "janus" / "janus.plugin.videoroom.jcfg")

    assert list(videoroom) == ["general"]
    assert videoroom["general"]["admin_key"] == "admin-key"
    assert videoroom["general"]["lock_rtp_forward"] is True


def test_files_are_private(tmp_path: Path) -> None:
    generate(tmp_path)

    assert stat.S_IMODE((tmp_path / "janus").stat().st_mode) == 0o700
    for path in (tmp_path / "janus").glob("*.jcfg"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_awkward_strings_round_trip(tmp_path: Path) -> None:
    awkward = "a\"b\\c d'e # not a comment"
    janus = read(generate(tmp_path, secrets=make_secrets(janus_api_secret=awkward)))

    assert janus["general"]["api_secret"] == awkward


def test_control_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="control characters"):
        quote("line\nbreak")


def test_bad_setting_names_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid libconfig setting name"):
        render_jcfg({"general": {"bad key": 1}})


def test_regenerating_drops_modules_linked_before(tmp_path: Path) -> None:
    generate(tmp_path)
    stale = tmp_path / "janus" / "modules" / "plugins" / "libjanus_echotest.so"
    stale.symlink_to(tmp_path / "lib" / "plugins" / "libjanus_echotest.so")

    generate(tmp_path)

    assert not stale.exists()


def test_missing_videoroom_plugin_is_reported(tmp_path: Path) -> None:
    lib = fake_janus_lib(tmp_path / "lib")
    (lib / "plugins" / "libjanus_videoroom.so").unlink()

    with pytest.raises(RuntimeError, match=r"libjanus_videoroom\.so is not installed"):
        generate(tmp_path)


@pytest.mark.parametrize(
    ("ws_port", "admin_ws_port", "rtp_range", "message"),
    [
        (8188, 8188, (20000, 40000), "cannot share port"),
        (0, 7188, (20000, 40000), "not between 1 and 65535"),
        (8188, 7188, (40000, 20000), "low < high"),
    ],
)
def test_impossible_values_are_refused(
    tmp_path: Path,
    ws_port: int,
    admin_ws_port: int,
    rtp_range: tuple[int, int],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        write_janus_config(
            tmp_path / "janus",
            ws_port=ws_port,
            admin_ws_port=admin_ws_port,
            rtp_range=rtp_range,
            secrets=make_secrets(),
            ice_enforce_list=None,
            nat_1_1_mapping=None,
            log_file=None,
            lib_dir=fake_janus_lib(tmp_path / "lib"),
        )
