"""Install secrets: generated once per install, then kept for good.

They live in ``<data_dir>/secrets.json`` (mode 0600).  Losing or regenerating
them orphans what was built with them: the running Janus keeps its old
``admin_secret``/``api_secret`` until restarted, and join tokens signed with the
old ``signing_key`` stop verifying.  So a file that exists but cannot be read is
an error to fix by hand, never a reason to generate new secrets.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import stat
from dataclasses import asdict, dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)

SECRETS_FILE = "secrets.json"
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class InstallSecrets:
    janus_admin_secret: str
    """Janus core ``admin_secret`` (Admin API)."""
    janus_admin_key: str
    """VideoRoom ``admin_key``: needed to create rooms and RTP forwarders."""
    janus_api_secret: str
    """Janus core ``api_secret``: every Janus API request carries it."""
    signing_key: str
    """Key for signing join tokens."""

    @classmethod
    def generate(cls) -> InstallSecrets:
        return cls(**{field.name: secrets.token_urlsafe(32) for field in fields(cls)})

    def __repr__(self) -> str:
        # Keep secrets out of logs and tracebacks.
        return f"{type(self).__name__}(<{len(fields(self))} secrets hidden>)"


def secrets_path(data_dir: Path) -> Path:
    return data_dir / SECRETS_FILE


def load_or_create(data_dir: Path) -> InstallSecrets:
    """The install's secrets, creating ``<data_dir>/secrets.json`` on first use.

    Creation is atomic and never replaces an existing file, so two processes
    starting at once end up with the same secrets.  Raises ``RuntimeError`` if
    the file exists but is unreadable or malformed.
    """
    existing = load_existing(data_dir)
    if existing is not None:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    created = InstallSecrets.generate()
    if _create_exclusive(secrets_path(data_dir), created):
        log.info("Generated install secrets in %s", secrets_path(data_dir))
        return created
    # Another process created the file between our read and our write: use its secrets.
    loaded = load_existing(data_dir)
    if loaded is None:  # pragma: no cover - only if someone deletes it in between
        raise RuntimeError(f"{secrets_path(data_dir)} vanished while it was being created")
    return loaded


def load_existing(data_dir: Path) -> InstallSecrets | None:
    """The install's secrets, or ``None`` if the file does not exist yet.

    Raises ``RuntimeError`` if the file exists but is unreadable or malformed.
    """
    path = secrets_path(data_dir)
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RuntimeError(f"cannot read the install secrets {path}: {exc.strerror}") from exc
    if stat.S_IMODE(mode) & 0o077:
        log.warning("%s was readable by other users; restricting it to mode 0600", path)
        with contextlib.suppress(OSError):
            path.chmod(0o600)
    return _parse(raw, path)


def _parse(raw: bytes, path: Path) -> InstallSecrets:
    fix = (
        "restore it from a backup. Deleting it makes Visio generate new secrets, which "
        "invalidates join tokens already issued and needs Janus to be restarted"
    )
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RuntimeError(f"the install secrets file {path} is corrupt ({exc}): {fix}") from exc
    if not isinstance(data, dict):
        raise RuntimeError(f"the install secrets file {path} is not a JSON object: {fix}")
    values: dict[str, str] = {}
    for field in fields(InstallSecrets):
        value = data.get(field.name)
        if not isinstance(value, str) or not value:
            raise RuntimeError(
                f"the install secrets file {path} has no valid {field.name!r}: {fix}"
            )
        values[field.name] = value
    return InstallSecrets(**values)


def _create_exclusive(path: Path, value: InstallSecrets) -> bool:
    """Write ``value`` to ``path`` unless it exists; False if it already did.

    The content goes to a private temporary file first, which is then hard-linked
    into place: readers never see a half-written file, and ``link`` refuses to
    replace a file another process created meanwhile.
    """
    body = json.dumps({"version": _FORMAT_VERSION, **asdict(value)}, indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        _fsync_dir(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
