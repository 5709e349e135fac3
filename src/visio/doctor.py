"""``visio doctor``: check an install and say plainly what to fix.

Each check returns a :class:`Check`; none of them changes anything (the data
folder check writes and removes one temporary file).  Checks that can take long
(network, database) have timeouts of a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from visio.config import JanusNode, Settings
from visio.media.janus.jconfig import VIDEOROOM_SO, WEBSOCKETS_SO, find_janus_lib_dir
from visio.media.janus.supervisor import (
    JANUS_SUBPROTOCOL,
    port_is_free,
    probe_janus,
    running_janus_pid,
)
from visio.secrets_store import load_existing, secrets_path

MIN_JANUS_VERSION = (1, 1)
MIN_RTP_PORTS = 100
NETWORK_TIMEOUT = 2.0
JANUS_TIMEOUT = 5.0
DATABASE_TIMEOUT = 10.0
_VERSION = re.compile(r"Janus version:\s*\d+\s*\((\d+(?:\.\d+)+)\)")
_FIX_TURN_HOST = "fix the host name in VISIO_TURN_URLS or its DNS record"
_TURN_URL = re.compile(r"^(?P<scheme>turns?):(?P<host>\[[^\]]+\]|[^:?\[\]]+)(?::(?P<port>\d+))?$")


@dataclass(frozen=True)
class Check:
    """One finding. ``ok=False`` makes the doctor fail; ``warning`` flags an ok
    result worth a look. ``hint`` says how to fix it."""

    name: str
    ok: bool
    detail: str
    hint: str | None = None
    warning: bool = False


def _ok(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def _warn(name: str, detail: str, hint: str) -> Check:
    return Check(name, True, detail, hint, warning=True)


def _fail(name: str, detail: str, hint: str | None) -> Check:
    return Check(name, False, detail, hint)


async def run_doctor(settings: Settings) -> list[Check]:
    """Run every check that applies to ``settings``, in a stable order."""
    checks = [check_data_dir(settings.data_dir), check_install_secrets(settings.data_dir)]
    checks.append(await check_database(settings.resolved_database_url, settings.data_dir))
    if settings.supervise_local_janus:
        checks.append(await check_janus_binary(settings.janus_binary))
        checks.append(check_janus_modules(find_janus_lib_dir()))
        checks.append(
            check_janus_port(
                "Janus API port", settings.janus_ws_port, "VISIO_JANUS_WS_PORT", settings
            )
        )
        checks.append(
            check_janus_port(
                "Janus admin port",
                settings.janus_admin_ws_port,
                "VISIO_JANUS_ADMIN_WS_PORT",
                settings,
            )
        )
        checks.append(check_rtp_ports(settings))
    else:
        checks.extend(await asyncio.gather(*(check_janus_node(n) for n in settings.janus_nodes)))
    if settings.turn_urls:
        checks.append(check_turn_secret(settings))
        checks.extend(await asyncio.gather(*(check_turn_url(url) for url in settings.turn_urls)))
    checks.append(check_speech(settings))
    checks.append(check_smtp(settings))
    if settings.celery_broker_url:
        checks.append(await asyncio.to_thread(check_broker, settings.celery_broker_url))
    return checks


def check_broker(url: str) -> Check:
    """The Redis that carries transcript jobs to ``visio worker`` processes."""
    import redis

    # The broker's password never reaches the report (the same redaction as the database's).
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = "(a URL that cannot be parsed)"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return _fail(
            "Job queue",
            f"cannot reach the broker {shown}: {_first_line(exc)}",
            "Start Redis, or fix VISIO_CELERY_BROKER_URL (unset: jobs run inside visio serve)",
        )
    return _ok("Job queue", f"Redis broker {shown} answers; run `visio worker` processes")


def check_speech(settings: Settings) -> Check:
    """Transcript engines: model folders and packages (nothing is loaded)."""
    from visio.speech.engines import check_engines

    problems = check_engines(settings)
    if not problems:
        model = str(settings.asr_model_dir) if settings.asr_model_dir else "bundled tiny.en"
        return _ok("Speech engines", f"ASR {model}, diarization {settings.diarization_engine}")
    return _warn(
        "Speech engines",
        "; ".join(problems),
        "Transcripts that need these engines will fail until this is fixed (docs/speech.md)",
    )


def check_smtp(settings: Settings) -> Check:
    if settings.smtp_host is None:
        return _warn(
            "Email",
            "VISIO_SMTP_HOST is not set: no invitations or transcript notices by email",
            "Set VISIO_SMTP_HOST (and VISIO_SMTP_FROM, credentials) to send email",
        )
    return _ok(
        "Email", f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"
    )


def format_report(checks: Sequence[Check]) -> str:
    lines = []
    for check in checks:
        label = "FAIL" if not check.ok else "WARN" if check.warning else " OK "
        lines.append(f"[{label}] {check.name}: {check.detail}")
        if check.hint and (not check.ok or check.warning):
            lines.append(f"       fix: {check.hint}")
    failures = sum(not check.ok for check in checks)
    warnings = sum(check.ok and check.warning for check in checks)
    if failures:
        lines.append(f"{failures} problem(s) to fix, {warnings} warning(s).")
    else:
        lines.append(f"All checks passed, {warnings} warning(s).")
    return "\n".join(lines)


def doctor_exit_code(checks: Sequence[Check]) -> int:
    """0 if every check passed (warnings allowed), 1 otherwise."""
    return 0 if all(check.ok for check in checks) else 1


# --- state ---------------------------------------------------------------------


def check_data_dir(data_dir: Path) -> Check:
    name = "data folder"
    folder = data_dir.absolute()
    hint = f"create {folder} and give the user running Visio write access, or set VISIO_DATA_DIR"
    if folder.exists():
        if not folder.is_dir():
            return _fail(name, f"{folder} exists but is not a folder", hint)
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            return _fail(name, f"cannot write in {folder}: {exc.strerror}", hint)
        return _ok(name, f"{folder} is writable")
    parent = next((p for p in folder.parents if p.exists()), Path("/"))
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return _ok(name, f"{folder} does not exist yet; it will be created in {parent}")
    return _fail(name, f"{folder} does not exist and {parent} is not writable", hint)


def check_install_secrets(data_dir: Path) -> Check:
    name = "install secrets"
    try:
        found = load_existing(data_dir)
    except RuntimeError as exc:
        return _fail(name, str(exc), None)  # the message already says how to fix it
    if found is None:
        return _ok(name, f"not created yet; the first start writes {secrets_path(data_dir)}")
    return _ok(name, f"{secrets_path(data_dir)} is readable")


async def check_database(url: str, data_dir: Path | None = None) -> Check:
    """Open the database and run ``SELECT 1``.

    A SQLite file that does not exist yet is fine if Visio can create it: in an
    existing writable folder, or inside ``data_dir`` (created at start).
    """
    name = "database"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        return _fail(name, f"not a database URL: {exc}", "fix VISIO_DATABASE_URL")
    shown = parsed.render_as_string(hide_password=True)
    not_created_yet = _sqlite_not_created_yet(parsed, shown, data_dir)
    if not_created_yet is not None:
        return not_created_yet
    try:
        await asyncio.wait_for(asyncio.to_thread(_select_one, url), DATABASE_TIMEOUT)
    except TimeoutError:
        return _fail(
            name,
            f"{shown}: no answer within {DATABASE_TIMEOUT:g} s",
            "check that the database server runs and is reachable",
        )
    except ImportError as exc:
        return _fail(
            name,
            f"{shown}: the database driver is not installed ({exc})",
            "for PostgreSQL install visio[postgres] and use a postgresql+psycopg:// URL",
        )
    except Exception as exc:  # whatever the driver raises: report it, don't crash
        return _fail(
            name,
            f"{shown}: {type(exc).__name__}: {_first_line(exc)}",
            "check VISIO_DATABASE_URL (driver, host, user, password, database name) "
            "and that the database server runs",
        )
    return _ok(name, f"{shown} answers")


def _sqlite_not_created_yet(parsed: URL, shown: str, data_dir: Path | None) -> Check | None:
    """The verdict on a SQLite file that does not exist yet; None when there is a file to open."""
    name = "database"
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = Path(str(parsed.database)).absolute()
    if database.exists():
        return None
    folder = database.parent
    if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
        return _ok(name, f"{shown}: the file will be created on first start")
    if (
        data_dir is not None
        and folder.is_relative_to(data_dir.absolute())
        and check_data_dir(data_dir).ok
    ):
        return _ok(name, f"{shown}: created with the data folder on first start")
    return _fail(
        name,
        f"{shown}: cannot create the database, {folder} is not a writable folder",
        "create the folder, or fix VISIO_DATA_DIR / VISIO_DATABASE_URL",
    )


def _select_one(url: str) -> None:
    connect_args: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = int(DATABASE_TIMEOUT)
    engine = create_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


# --- local Janus ---------------------------------------------------------------


async def check_janus_binary(binary: str) -> Check:
    name = "Janus program"
    hint = "apt-get install janus, or set VISIO_JANUS_BINARY to the path of the janus program"
    found = shutil.which(binary)
    if found is None:
        return _fail(name, f"{binary!r} not found", hint)
    try:
        process = await asyncio.create_subprocess_exec(
            found,
            "--version",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as exc:
        return _fail(name, f"cannot run {found}: {exc.strerror}", hint)
    try:
        output, _ = await asyncio.wait_for(process.communicate(), JANUS_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return _fail(name, f"{found} --version did not finish", hint)
    # Janus 1.1.2 prints its version, then exits 1 because it has no --version option.
    match = _VERSION.search(output.decode(errors="replace"))
    if match is None:
        return _fail(name, f"{found} does not look like Janus (no version printed)", hint)
    version = match.group(1)
    if tuple(int(part) for part in version.split(".")[:2]) < MIN_JANUS_VERSION:
        return _warn(
            name,
            f"{found} is Janus {version}, older than the 1.1 Visio is tested with",
            "upgrade Janus to 1.1 or later (multistream VideoRoom)",
        )
    return _ok(name, f"{found}, Janus {version}")


def check_janus_modules(lib_dir: Path) -> Check:
    name = "Janus modules"
    wanted = [lib_dir / "plugins" / VIDEOROOM_SO, lib_dir / "transports" / WEBSOCKETS_SO]
    missing = [str(path) for path in wanted if not path.exists()]
    if missing:
        return _fail(
            name,
            f"missing {', '.join(missing)}",
            "apt-get install janus (the VideoRoom plugin and WebSocket transport ship with it)",
        )
    return _ok(name, f"VideoRoom plugin and WebSocket transport in {lib_dir}")


def check_janus_port(name: str, port: int, variable: str, settings: Settings) -> Check:
    if port == 0:
        return _fail(name, "port 0 is not a usable fixed port", f"set {variable}")
    try:
        free = port_is_free(port)
    except OSError as exc:
        return _fail(name, f"cannot test port {port}: {exc.strerror}", None)
    if free:
        return _ok(name, f"{port} is free")
    pid = running_janus_pid(settings.data_dir)
    if pid is not None and _pid_listens_on(pid, port):
        return _ok(name, f"{port} is held by Visio's own Janus (pid {pid})")
    return _fail(
        name,
        f"port {port} is already in use by another program",
        f"stop it (see `ss -ltnp 'sport = :{port}'`) or set {variable} to a free port",
    )


def _pid_listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` owns a socket listening on TCP ``port`` (Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            # local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the inode.
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(f"socket:[{fields[9]}]")
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(descriptor) in inodes:
                return True
        except OSError:
            continue
    return False


def check_rtp_ports(settings: Settings) -> Check:
    name = "RTP ports"
    low, high = settings.rtp_range
    count = high - low + 1
    clashes = [
        f"{label} {port}"
        for label, port in (
            ("Janus API port", settings.janus_ws_port),
            ("Janus admin port", settings.janus_admin_ws_port),
            ("HTTP port", settings.port),
        )
        if low <= port <= high
    ]
    if clashes:
        return _fail(
            name,
            f"{settings.rtp_port_range} contains the {', '.join(clashes)}",
            "move VISIO_RTP_PORT_RANGE or the clashing port apart",
        )
    # Each participant holds about two PeerConnections (publish + subscribe), one port each.
    if count < MIN_RTP_PORTS:
        return _warn(
            name,
            f"{settings.rtp_port_range} is only {count} ports (about {count // 2} participants)",
            "widen VISIO_RTP_PORT_RANGE (e.g. 20000-40000) and open it in the firewall (UDP)",
        )
    return _ok(name, f"{settings.rtp_port_range} ({count} UDP ports; open them in the firewall)")


# --- external Janus nodes ------------------------------------------------------


async def check_janus_node(node: JanusNode) -> Check:
    name = f"Janus node {node.name or node.url}"
    api_secret = node.api_secret.get_secret_value() if node.api_secret else None
    try:
        info = await probe_janus(node.url, api_secret=api_secret, time_limit=JANUS_TIMEOUT)
    except ConnectionError as exc:
        return _fail(
            name,
            str(exc),
            "check that Janus runs there, that its WebSocket transport listens on that "
            "address and port, and that the firewall lets Visio through",
        )
    version = info.get("version_string", "?")
    plugins = info.get("plugins")
    if not isinstance(plugins, dict) or "janus.plugin.videoroom" not in plugins:
        return _fail(
            name,
            f"Janus {version} answers but has no VideoRoom plugin",
            "install and enable janus.plugin.videoroom on that node",
        )
    if info.get("api_secret") and api_secret is None:
        return _fail(
            name,
            "the node requires an api_secret and none is configured",
            'add "api_secret" for this node to VISIO_JANUS_NODES',
        )
    refusal = await _session_refusal(node.url, api_secret)
    if refusal is not None:
        return _fail(name, refusal, "fix this node's api_secret in VISIO_JANUS_NODES")
    return _ok(name, f"Janus {version} with VideoRoom")


async def _session_refusal(url: str, api_secret: str | None) -> str | None:
    """Create and destroy a Janus session: why it was refused, or None if it worked."""

    async def call(ws: Any, payload: dict[str, Any]) -> dict[str, Any]:
        transaction = secrets.token_hex(6)
        message = {**payload, "transaction": transaction}
        if api_secret is not None:
            message["apisecret"] = api_secret
        await ws.send(json.dumps(message))
        while True:
            reply = json.loads(await ws.recv())
            if isinstance(reply, dict) and reply.get("transaction") == transaction:
                return reply

    try:
        async with asyncio.timeout(JANUS_TIMEOUT):
            async with connect(
                url, subprotocols=[JANUS_SUBPROTOCOL], proxy=None, open_timeout=None
            ) as ws:
                created = await call(ws, {"janus": "create"})
                if created.get("janus") != "success":
                    reason = created.get("error", {}).get("reason", created)
                    return f"Janus refused to open a session: {reason}"
                await call(ws, {"janus": "destroy", "session_id": created["data"]["id"]})
    except (TimeoutError, OSError, WebSocketException, ValueError, KeyError) as exc:
        return f"opening a session failed: {exc!r}"
    return None


# --- TURN ----------------------------------------------------------------------


def check_turn_secret(settings: Settings) -> Check:
    name = "TURN secret"
    if settings.turn_secret is None or not settings.turn_secret.get_secret_value():
        return _fail(
            name,
            "VISIO_TURN_URLS is set but the TURN secret is empty",
            "set VISIO_TURN_SECRET to coturn's static-auth-secret",
        )
    return _ok(name, "set")


async def check_turn_url(url: str) -> Check:
    name = f"TURN {url}"
    address, _, query = url.partition("?")
    match = _TURN_URL.match(address)
    transport = parse_qs(query).get("transport", ["udp"])[0].lower()
    if match is None or transport not in ("udp", "tcp"):
        return _fail(
            name,
            "not a TURN URL",
            "write it as turn:host:port, turn:host:port?transport=tcp or turns:host:port",
        )
    host = match["host"].strip("[]")
    secure = match["scheme"] == "turns"
    port = int(match["port"] or (5349 if secure else 3478))
    if secure or transport == "tcp":
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), NETWORK_TIMEOUT)
        except TimeoutError:
            return _fail(
                name,
                f"no TCP answer from {host}:{port} within {NETWORK_TIMEOUT:g} s",
                "check that coturn runs and that the firewall lets TCP through to that port",
            )
        except socket.gaierror as exc:
            return _fail(name, f"{host} does not resolve: {exc.strerror}", _FIX_TURN_HOST)
        except OSError as exc:
            return _fail(
                name,
                f"cannot connect to {host}:{port} over TCP: {exc.strerror or exc}",
                "check that coturn runs and listens on that address and port",
            )
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return _ok(name, f"{host}:{port} accepts TCP connections")
    try:
        loop = asyncio.get_running_loop()
        addresses = await asyncio.wait_for(loop.getaddrinfo(host, port), NETWORK_TIMEOUT)
    except (TimeoutError, OSError) as exc:
        return _fail(name, f"{host} does not resolve: {exc}", _FIX_TURN_HOST)
    resolved = sorted({str(address[4][0]) for address in addresses})
    return _ok(name, f"{host} resolves to {', '.join(resolved)} (UDP is not probed)")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""
