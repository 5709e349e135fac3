"""Generate the configuration folder of the local Janus.

Janus is started with ``-C <folder>/janus.jcfg -F <folder>``, so the files
written here replace ``/etc/janus`` entirely.  Only the VideoRoom plugin and the
WebSocket transport are loaded: rather than listing every other module in
``disable = "..."`` (a deny-list that silently goes stale when a Janus upgrade
ships a new plugin), the folder gets its own ``modules/`` tree holding symlinks to
exactly the two shared objects we want, and Janus's module folders point there.
Event handlers and loggers get empty folders.

The files use libconfig syntax (``.jcfg``), which Janus parses with libconfig.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path

from visio.secrets_store import InstallSecrets

VIDEOROOM_SO = "libjanus_videoroom.so"
WEBSOCKETS_SO = "libjanus_websockets.so"
#: Shared objects loaded, per Janus module folder; every other folder stays empty.
ENABLED_MODULES: Mapping[str, tuple[str, ...]] = {
    "plugins": (VIDEOROOM_SO,),
    "transports": (WEBSOCKETS_SO,),
    "events": (),
    "loggers": (),
}
LOOPBACK = "127.0.0.1"
SESSION_TIMEOUT_SECONDS = 60

# Janus refuses to write recordings into these.  The stock list also has /var,
# which would forbid recordings under /var/lib/visio, where installs keep data.
_PROTECTED_FOLDERS = (
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/initrd",
    "/lib",
    "/lib32",
    "/lib64",
    "/proc",
    "/sbin",
    "/sys",
    "/usr",
)

JcfgValue = str | int | bool | Sequence[str]
JcfgSection = Mapping[str, JcfgValue]
JcfgDocument = Mapping[str, JcfgSection]


def janus_lib_dir_candidates() -> list[Path]:
    """Where Janus's module folders are found, most likely first."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or f"{os.uname().machine}-linux-gnu"
    return [
        Path("/usr/lib") / str(multiarch) / "janus",
        Path("/usr/lib/janus"),
        Path("/usr/local/lib/janus"),
        Path("/opt/janus/lib/janus"),
    ]


def find_janus_lib_dir() -> Path:
    """The folder holding ``plugins/`` and ``transports/`` of the installed Janus.

    Returns the first candidate that has the VideoRoom plugin, or the Debian
    location when none has (callers then report the plugin as missing).
    """
    candidates = janus_lib_dir_candidates()
    for candidate in candidates:
        if (candidate / "plugins" / VIDEOROOM_SO).exists():
            return candidate
    return candidates[0]


def write_janus_config(
    folder: Path,
    *,
    ws_port: int,
    admin_ws_port: int,
    rtp_range: tuple[int, int],
    secrets: InstallSecrets,
    ice_enforce_list: str | None,
    nat_1_1_mapping: str | None,
    log_file: Path | None,
    lib_dir: Path | None = None,
) -> Path:
    """Write a complete Janus configuration folder and return its ``janus.jcfg``.

    ``lib_dir`` is the folder holding Janus's ``plugins/`` and ``transports/``
    (default: :func:`find_janus_lib_dir`).  Raises ``RuntimeError`` if the
    VideoRoom plugin or the WebSocket transport is not installed there, and
    ``ValueError`` for a value that cannot be written (ports, control characters).
    """
    for port in (ws_port, admin_ws_port):
        if not 1 <= port <= 65535:
            raise ValueError(f"Janus WebSocket port {port} is not between 1 and 65535")
    if ws_port == admin_ws_port:
        raise ValueError(f"the Janus API and admin API cannot share port {ws_port}")
    low, high = rtp_range
    if not 1 <= low < high <= 65535:
        raise ValueError(f"RTP port range {low}-{high} must satisfy 1 <= low < high <= 65535")

    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # the files below hold secrets
    module_dirs = _link_modules(folder / "modules", lib_dir or find_janus_lib_dir())

    janus: dict[str, dict[str, JcfgValue]] = {
        "general": {
            "configs_folder": str(folder),
            "plugins_folder": str(module_dirs["plugins"]),
            "transports_folder": str(module_dirs["transports"]),
            "events_folder": str(module_dirs["events"]),
            "loggers_folder": str(module_dirs["loggers"]),
            "debug_level": 4,
            "debug_timestamps": True,
            "debug_colors": False,
            "server_name": "visio",
            "session_timeout": SESSION_TIMEOUT_SECONDS,
            "api_secret": secrets.janus_api_secret,
            "admin_secret": secrets.janus_admin_secret,
            # A module that fails to load must stop Janus, not leave it running
            # without VideoRoom.
            "exit_on_dl_error": True,
            "hide_dependencies": True,
            "protected_folders": _PROTECTED_FOLDERS,
        },
        "certificates": {},
        "media": {"rtp_port_range": f"{low}-{high}"},
        "nat": {"full_trickle": True, "ignore_mdns": True, "ice_ignore_list": "vmnet"},
        "plugins": {},
        "transports": {},
        "loggers": {},
        "events": {"broadcast": False},
    }
    if log_file is not None:
        janus["general"]["log_to_file"] = str(log_file)
    if nat_1_1_mapping:
        janus["nat"]["nat_1_1_mapping"] = nat_1_1_mapping
    if ice_enforce_list:
        janus["nat"]["ice_enforce_list"] = ice_enforce_list

    websockets: JcfgDocument = {
        "general": {
            "events": False,
            "json": "compact",
            "ws": True,
            "ws_port": ws_port,
            "ws_ip": LOOPBACK,
            "wss": False,
        },
        "admin": {
            "admin_ws": True,
            "admin_ws_port": admin_ws_port,
            "admin_ws_ip": LOOPBACK,
            "admin_wss": False,
        },
    }
    videoroom: JcfgDocument = {
        # No static rooms: Visio creates each room through the API, with admin_key.
        "general": {
            "admin_key": secrets.janus_admin_key,
            "lock_rtp_forward": True,
            # No event handler is loaded (events.broadcast = false); turn both on
            # together if one is added.
            "events": False,
        },
    }

    jcfg = folder / "janus.jcfg"
    _write_private(jcfg, render_jcfg(janus))
    _write_private(folder / "janus.transport.websockets.jcfg", render_jcfg(websockets))
    _write_private(folder / "janus.plugin.videoroom.jcfg", render_jcfg(videoroom))
    return jcfg


def render_jcfg(document: JcfgDocument) -> str:
    """Render top-level groups of scalars and string arrays as libconfig text."""
    lines = ["# Generated by Visio at each start: edits are overwritten.", ""]
    for group, settings in document.items():
        _check_name(group)
        lines.append(f"{group}: {{")
        for key, value in settings.items():
            _check_name(key)
            lines.append(f"\t{key} = {_render_value(value)}")
        lines.extend(["}", ""])
    return "\n".join(lines)


def quote(text: str) -> str:
    """A libconfig string literal for ``text``."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise ValueError(f"control characters cannot be written to a Janus config: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _render_value(value: JcfgValue) -> str:
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    return "[" + ", ".join(quote(item) for item in value) + "]"


def _check_name(name: str) -> None:
    if (
        not name
        or not (name[0].isascii() and name[0].isalpha())
        or not all(char.isascii() and (char.isalnum() or char in "_-*") for char in name)
    ):
        raise ValueError(f"{name!r} is not a valid libconfig setting name")


def _link_modules(modules: Path, lib_dir: Path) -> dict[str, Path]:
    wanted = {
        kind: [lib_dir / kind / name for name in names] for kind, names in ENABLED_MODULES.items()
    }
    for kind, paths in wanted.items():
        for path in paths:
            if not path.exists():
                raise RuntimeError(
                    f"the Janus {kind[:-1]} {path.name} is not installed (looked in {path.parent}):"
                    " apt-get install janus"
                )
    # Start from an empty tree so that nothing linked by an earlier version stays.
    if modules.is_symlink() or modules.is_file():
        modules.unlink()
    elif modules.exists():
        shutil.rmtree(modules)
    folders: dict[str, Path] = {}
    for kind, paths in wanted.items():
        folders[kind] = modules / kind
        folders[kind].mkdir(parents=True)
        for path in paths:
            (folders[kind] / path.name).symlink_to(path.resolve())
    return folders


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)  # a leftover could have a wider mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
