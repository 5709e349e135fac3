"""The Janus supervisor against a real Janus (API on loopback: no namespace needed)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from visio.config import load_settings
from visio.doctor import run_doctor
from visio.media.janus.supervisor import JANUS_SUBPROTOCOL, JanusSupervisor, probe_janus
from visio.secrets_store import InstallSecrets, load_or_create

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("janus") is None, reason="Janus is not installed"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_supervisor(
    data_dir: Path,
    *,
    binary: str = "janus",
    on_restarted: Callable[[], Awaitable[None]] | None = None,
    **overrides: Any,
) -> JanusSupervisor:
    settings: dict[str, Any] = {
        "ws_port": free_port(),
        "admin_ws_port": free_port(),
        "rtp_range": (42000, 42100),
        "restart_backoff_max": 1.0,
        **overrides,
    }
    if "secrets" not in settings:
        settings["secrets"] = load_or_create(data_dir)
    return JanusSupervisor(binary=binary, data_dir=data_dir, on_restarted=on_restarted, **settings)


class RestartWatch:
    """An on_restarted callback that counts its calls and can be waited on."""

    def __init__(self) -> None:
        self.calls = 0
        self._changed = asyncio.Event()

    async def __call__(self) -> None:
        self.calls += 1
        self._changed.set()

    async def wait_for(self, calls: int) -> None:
        async with asyncio.timeout(20):
            while self.calls < calls:
                self._changed.clear()
                await self._changed.wait()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[JanusSupervisor, RestartWatch]]:
    """A started supervisor, quick to notice trouble, and its on_restarted callback."""
    watch = RestartWatch()
    supervisor = make_supervisor(tmp_path, on_restarted=watch, health_interval=0.3)
    try:
        await supervisor.start()
        yield supervisor, watch
    finally:
        await supervisor.stop()


class RawJanus:
    """Just enough of the Janus WebSocket API to drive VideoRoom by hand."""

    def __init__(self, ws: ClientConnection, api_secret: str) -> None:
        self.ws = ws
        self.api_secret = api_secret

    async def call(self, **payload: Any) -> dict[str, Any]:
        transaction = secrets.token_hex(6)
        await self.ws.send(
            json.dumps({**payload, "transaction": transaction, "apisecret": self.api_secret})
        )
        async with asyncio.timeout(5):
            while True:
                reply: dict[str, Any] = json.loads(await self.ws.recv())
                if reply.get("transaction") == transaction and reply.get("janus") != "ack":
                    return reply

    async def attach_videoroom(self) -> tuple[int, int]:
        session = await self.call(janus="create")
        assert session["janus"] == "success", session
        session_id: int = session["data"]["id"]
        handle = await self.call(
            janus="attach", session_id=session_id, plugin="janus.plugin.videoroom"
        )
        assert handle["janus"] == "success", handle
        handle_id: int = handle["data"]["id"]
        return session_id, handle_id

    async def videoroom(self, ids: tuple[int, int], body: dict[str, Any]) -> dict[str, Any]:
        reply = await self.call(janus="message", session_id=ids[0], handle_id=ids[1], body=body)
        assert reply["janus"] == "success", reply
        data: dict[str, Any] = reply["plugindata"]["data"]
        return data


async def create_room(supervisor: JanusSupervisor, admin_key: str | None) -> dict[str, Any]:
    async with connect(supervisor.ws_url, subprotocols=[JANUS_SUBPROTOCOL], proxy=None) as ws:
        janus = RawJanus(ws, supervisor.secrets.janus_api_secret)
        ids = await janus.attach_videoroom()
        body: dict[str, Any] = {"request": "create", "publishers": 4}
        if admin_key is not None:
            body["admin_key"] = admin_key
        return await janus.videoroom(ids, body)


def listening_ipv4_sockets() -> dict[int, str]:
    """Port -> hex IPv4 address of each listening TCP socket (0100007F is 127.0.0.1)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    # Columns: sl local_address rem_address st ...; st 0A is LISTEN.
    return {
        int(local.split(":")[1], 16): local.split(":")[0]
        for _, local, _, state, *_ in (row.split() for row in rows)
        if state == "0A"
    }


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_info_lists_only_videoroom_and_websockets(
    running: tuple[JanusSupervisor, RestartWatch],
) -> None:
    supervisor, _ = running

    info = await probe_janus(supervisor.ws_url)

    assert info["version_string"] == "1.1.2"
    assert list(info["plugins"]) == ["janus.plugin.videoroom"]
    assert list(info["transports"]) == ["janus.transport.websockets"]
    assert info["events"] == {}
    assert info["loggers"] == {}
    assert info["api_secret"] is True
    assert info["session-timeout"] == 60


async def test_api_listens_on_loopback_only(running: tuple[JanusSupervisor, RestartWatch]) -> None:
    supervisor, _ = running

    bound = listening_ipv4_sockets()

    assert bound[supervisor.ws_port] == "0100007F"
    assert bound[supervisor.admin_ws_port] == "0100007F"


async def test_requests_without_api_secret_are_refused(
    running: tuple[JanusSupervisor, RestartWatch],
) -> None:
    supervisor, _ = running
    async with connect(supervisor.ws_url, subprotocols=[JANUS_SUBPROTOCOL], proxy=None) as ws:
        reply = await RawJanus(ws, "wrong").call(janus="create")

    assert reply["janus"] == "error"
    assert reply["error"]["code"] == 403


async def test_rooms_need_the_admin_key(running: tuple[JanusSupervisor, RestartWatch]) -> None:
    supervisor, _ = running

    refused = await create_room(supervisor, admin_key=None)
    wrong = await create_room(supervisor, admin_key="not-the-key")
    created = await create_room(supervisor, admin_key=supervisor.secrets.janus_admin_key)

    assert refused["error_code"] == 429, refused
    assert "admin_key" in refused["error"]
    assert "error_code" in wrong, wrong
    assert created["videoroom"] == "created", created


async def test_killed_janus_is_restarted_and_callback_runs(
    running: tuple[JanusSupervisor, RestartWatch],
) -> None:
    supervisor, watch = running
    first_pid = supervisor.pid
    assert first_pid is not None

    os.kill(first_pid, signal.SIGKILL)
    await watch.wait_for(1)

    assert supervisor.restarts == 1
    assert supervisor.pid is not None
    assert supervisor.pid != first_pid
    assert watch.calls == 1
    assert (await probe_janus(supervisor.ws_url))["janus"] == "server_info"
    created = await create_room(supervisor, admin_key=supervisor.secrets.janus_admin_key)
    assert created["videoroom"] == "created"
    # The crashed run's log is kept next to the new one.
    assert (supervisor.log_path.parent / "janus.log.1").read_text()


async def test_hung_janus_is_killed_and_restarted(
    running: tuple[JanusSupervisor, RestartWatch],
) -> None:
    supervisor, watch = running
    first_pid = supervisor.pid
    assert first_pid is not None

    os.kill(first_pid, signal.SIGSTOP)  # alive but deaf: only health checks notice
    await watch.wait_for(1)

    assert not is_alive(first_pid)
    assert supervisor.pid not in (None, first_pid)
    assert supervisor.restarts == 1


async def test_stop_leaves_no_janus_running(tmp_path: Path) -> None:
    watch = RestartWatch()
    supervisor = make_supervisor(tmp_path, on_restarted=watch, health_interval=0.3)
    await supervisor.start()
    pids = [supervisor.pid]
    try:
        assert pids[0] is not None
        os.kill(pids[0], signal.SIGKILL)
        await watch.wait_for(1)
        pids.append(supervisor.pid)
    finally:
        await supervisor.stop()

    assert supervisor.pid is None
    assert not any(pid is not None and is_alive(pid) for pid in pids)
    assert not (tmp_path / "janus" / "janus.pid").exists()
    await supervisor.stop()  # idempotent


async def test_start_refuses_a_missing_binary(tmp_path: Path) -> None:
    supervisor = make_supervisor(tmp_path, binary=str(tmp_path / "no-such-janus"))

    with pytest.raises(RuntimeError, match=r"Janus is not installed.*apt-get install janus"):
        await supervisor.start()


async def test_start_refuses_a_taken_port(tmp_path: Path) -> None:
    supervisor = make_supervisor(tmp_path)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", supervisor.ws_port))
        squatter.listen()

        with pytest.raises(RuntimeError, match=f"port {supervisor.ws_port} is already in use"):
            await supervisor.start()

    assert supervisor.pid is None


async def test_start_names_a_leftover_janus(tmp_path: Path) -> None:
    first = make_supervisor(tmp_path)
    await first.start()
    try:
        second = JanusSupervisor(
            binary="janus",
            data_dir=tmp_path,
            ws_port=first.ws_port,
            admin_ws_port=first.admin_ws_port,
            rtp_range=first.rtp_range,
            secrets=first.secrets,
        )
        with pytest.raises(RuntimeError, match=rf"left over.*kill {first.pid}"):
            await second.start()
    finally:
        await first.stop()


async def test_secrets_with_quotes_and_backslashes_reach_janus_intact(tmp_path: Path) -> None:
    awkward = InstallSecrets(
        janus_admin_secret='adm"in\\secret',
        janus_admin_key='key "with" \\ quotes # and hash',
        janus_api_secret='api\\"secret',
        signing_key="unused",
    )
    supervisor = make_supervisor(tmp_path, secrets=awkward)
    try:
        await supervisor.start()  # health checks already send the api_secret

        created = await create_room(supervisor, admin_key=awkward.janus_admin_key)
    finally:
        await supervisor.stop()

    assert created["videoroom"] == "created", created


async def test_doctor_accepts_ports_held_by_our_own_janus(
    running: tuple[JanusSupervisor, RestartWatch],
) -> None:
    supervisor, _ = running
    settings = load_settings(
        data_dir=supervisor.data_dir,
        janus_ws_port=supervisor.ws_port,
        janus_admin_ws_port=supervisor.admin_ws_port,
    )

    checks = {check.name: check for check in await run_doctor(settings)}

    assert checks["Janus API port"].ok, checks["Janus API port"]
    assert f"pid {supervisor.pid}" in checks["Janus API port"].detail
    assert checks["Janus admin port"].ok, checks["Janus admin port"]


async def test_doctor_checks_an_external_node_and_its_api_secret(
    running: tuple[JanusSupervisor, RestartWatch],
) -> None:
    supervisor, _ = running

    def node(api_secret: str) -> dict[str, Any]:
        return {"url": supervisor.ws_url, "admin_key": "k", "api_secret": api_secret}

    good = await run_doctor(
        load_settings(
            data_dir=supervisor.data_dir,
            janus_nodes=[node(supervisor.secrets.janus_api_secret) | {"name": "good"}],
        )
    )
    bad = await run_doctor(
        load_settings(data_dir=supervisor.data_dir, janus_nodes=[node("wrong") | {"name": "bad"}])
    )

    good_node = next(check for check in good if check.name == "Janus node good")
    bad_node = next(check for check in bad if check.name == "Janus node bad")
    assert good_node.ok, good_node
    assert "1.1.2 with VideoRoom" in good_node.detail
    assert not bad_node.ok
    assert "Unauthorized" in bad_node.detail
