"""Start a real ``visio serve`` (with its supervised Janus) for integration tests and benchmarks.

Media tests need a network path that ICE can use: Janus and aioice ignore
loopback, so they run inside a network namespace with a veth pair, made by
``scripts/netns-run`` (docs/testing.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from visio.client.participant import API_HEADERS
from visio.media.janus.supervisor import running_janus_pid
from visio.media.janus.transport import JanusConnection, JanusSession
from visio.media.null import NullMediaServer
from visio.secrets_store import InstallSecrets, load_existing

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    (port,) = free_ports(1)
    return port


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports: all held open while they are chosen, so that the
    kernel cannot hand the same one out twice (one server's HTTP port must not be
    its Janus's)."""
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def ice_path_available() -> bool:
    """True when a non-loopback IPv4 interface is up (inside scripts/netns-run)."""
    try:
        out = subprocess.run(
            ["ip", "-o", "-4", "addr", "show", "up"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    return any(" lo " not in line and "inet " in line for line in out.splitlines())


def in_test_namespace() -> bool:
    return bool(os.environ.get("VISIO_TEST_NETNS")) and ice_path_available()


async def list_janus_rooms(url: str, secrets: InstallSecrets) -> list[int]:
    """The VideoRoom rooms on a Janus, private ones included (with the admin key)."""
    connection = JanusConnection(url, api_secret=secrets.janus_api_secret)
    await connection.connect()
    try:
        session = await JanusSession.create(connection)
        handle = await session.attach("janus.plugin.videoroom", lambda _m: None)
        reply = await session.message(
            handle, {"request": "list", "admin_key": secrets.janus_admin_key}
        )
        await session.destroy()
    finally:
        await connection.close()
    return [int(room["room"]) for room in reply.data["list"]]


@dataclass
class RunningServer:
    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    janus_url: str

    async def janus_rooms(self) -> list[int]:
        secrets = load_existing(self.data_dir)
        assert secrets is not None, "the server wrote no install secrets"
        return await list_janus_rooms(self.janus_url, secrets)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"content-type": "application/json", "x-visio-request": "1"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def create_room(self, **fields: Any) -> str:
        """A public meeting unless ``settings`` say otherwise (access is tested on its own)."""
        fields["settings"] = {"access_level": "public"} | fields.get("settings", {})
        status, body = self.request("POST", "/api/v1/rooms", fields)
        assert status == 201, body
        slug: str = body["slug"]
        return slug

    def meeting_url(self, slug: str) -> str:
        return f"{self.base_url}/{slug}"

    def janus_pid(self) -> int | None:
        return running_janus_pid(self.data_dir)

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"visio serve exited:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                status, _ = self.request("GET", "/readyz")
                if status == 200:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"visio serve not ready in {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextlib.contextmanager
def _serve(
    command: list[str], data_dir: Path, port: int, janus_url: str, env: dict[str, str]
) -> Iterator[RunningServer]:
    """Run a Visio server process until the block ends; stop it, and a Janus it left."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "visio.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    server = RunningServer(f"http://127.0.0.1:{port}", data_dir, process, log_path, janus_url)
    try:
        server.wait_ready()
        yield server
    finally:
        janus = server.janus_pid()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Only if Visio could not stop the Janus it started (it was killed).
        janus_left = server.janus_pid()
        if janus_left is not None and janus_left == janus:
            with contextlib.suppress(ProcessLookupError):
                os.kill(janus_left, signal.SIGKILL)


def _environment(data_dir: Path, port: int, settings: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(VISIO_DATA_DIR=str(data_dir), VISIO_HOST="127.0.0.1", VISIO_PORT=str(port))
    env.update({f"VISIO_{key.upper()}": value for key, value in settings.items()})
    return env


def run_server(data_dir: Path, **settings: str) -> contextlib.AbstractContextManager[RunningServer]:
    """``visio serve`` on free ports with its own data folder; stopped on exit."""
    port, janus_port, janus_admin_port = free_ports(3)
    defaults = {
        "janus_ws_port": str(janus_port),
        "janus_admin_ws_port": str(janus_admin_port),
        "empty_room_grace_seconds": "1",
    }
    env = _environment(data_dir, port, defaults | settings)
    command = [sys.executable, "-m", "visio", "serve"]
    return _serve(command, data_dir, port, f"ws://127.0.0.1:{janus_port}", env)


# --- HTTP-only features (sign-in...): the app without any media server ---------


def app_without_media() -> FastAPI:
    """uvicorn factory (``tests.harness:app_without_media``): the app from ``VISIO_*``."""
    from visio.app import create_app
    from visio.config import load_settings

    return create_app(load_settings(), media=NullMediaServer())


def run_app_without_media(
    data_dir: Path, **settings: str
) -> contextlib.AbstractContextManager[RunningServer]:
    """The Visio app served by uvicorn in its own process, with a null media server.

    Same environment and life cycle as :func:`run_server`, minus Janus (so no
    network namespace is needed); ``janus_url`` is empty.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "tests.harness:app_without_media",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    return _serve(command, data_dir, port, "", _environment(data_dir, port, settings))


# --- transcripts: a throw-away Redis and `visio worker` processes ---------------


@contextlib.contextmanager
def run_redis(folder: Path) -> Iterator[str]:
    """A ``redis-server`` of its own on a free loopback port (no persistence); yields its URL."""
    import redis

    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(folder / "redis.log", "wb") as log:
        process = subprocess.Popen(
            [
                *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(folder)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def run_worker(
    data_dir: Path, log_name: str = "worker.log", **settings: str
) -> Iterator[subprocess.Popen[bytes]]:
    """``visio worker`` (Celery, prefork) in a session of its own; the group is killed on exit."""
    env = _environment(data_dir, free_port(), settings)
    with open(data_dir / log_name, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "visio", "worker"],
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Pool processes outlive a killed parent: end the whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


# --- HTTP clients of a running server -----------------------------------------


@contextlib.asynccontextmanager
async def browser(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of ``server`` with its own cookies, like one browser."""
    async with httpx.AsyncClient(base_url=server.base_url, headers=API_HEADERS) as client:
        yield client


async def owned_meeting(client: httpx.AsyncClient, name: str | None = None, **settings: Any) -> str:
    """A new meeting ``client`` creates (and so owns), with ``settings``; its code."""
    response = await client.post("/api/v1/rooms", json={"name": name, "settings": settings})
    assert response.status_code == 201, response.text
    assert response.json()["your_role"] == "owner"
    slug: str = response.json()["slug"]
    return slug
