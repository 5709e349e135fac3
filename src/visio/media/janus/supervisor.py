"""Run, watch and restart the local Janus.

:class:`JanusSupervisor` writes Janus's configuration folder under
``<data_dir>/janus/``, starts ``janus -C <dir>/janus.jcfg -F <dir>`` in its own
session (so a Ctrl-C in the terminal reaches Visio, which then stops Janus
cleanly), and keeps it alive: a monitor task restarts it, with exponential
backoff, when it exits or stops answering ``info`` requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import secrets as secrets_module
import shutil
import signal
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

from visio.media.janus.jconfig import LOOPBACK, write_janus_config
from visio.secrets_store import InstallSecrets

log = logging.getLogger(__name__)

JANUS_SUBPROTOCOL = Subprotocol("janus-protocol")
LOG_FILE = "janus.log"
PID_FILE = "janus.pid"
#: A Janus that stayed up this long resets the restart backoff.
_STABLE_AFTER_SECONDS = 30.0
_BACKOFF_FIRST_SECONDS = 0.5
_LOG_TAIL_LINES = 15


async def probe_janus(
    url: str, *, api_secret: str | None = None, time_limit: float = 2.0
) -> dict[str, Any]:
    """Send a Janus ``info`` request and return the ``server_info`` reply.

    Raises ``ConnectionError`` with a plain-words reason if the server cannot be
    reached in ``time_limit`` seconds or answers something else.
    """
    transaction = secrets_module.token_hex(8)
    request: dict[str, str] = {"janus": "info", "transaction": transaction}
    if api_secret is not None:
        request["apisecret"] = api_secret
    try:
        async with asyncio.timeout(time_limit):
            async with connect(
                url,
                subprotocols=[JANUS_SUBPROTOCOL],
                proxy=None,
                compression=None,
                open_timeout=None,
                close_timeout=1.0,
            ) as ws:
                await ws.send(json.dumps(request))
                while True:
                    reply = json.loads(await ws.recv())
                    if isinstance(reply, dict) and reply.get("transaction") == transaction:
                        break
    except TimeoutError as exc:
        raise ConnectionError(f"no answer from {url} within {time_limit:g} s") from exc
    except (OSError, WebSocketException) as exc:
        raise ConnectionError(f"cannot talk to Janus at {url}: {exc}") from exc
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError
        raise ConnectionError(f"{url} answered something that is not JSON: {exc}") from exc
    if reply.get("janus") != "server_info":
        raise ConnectionError(f"{url} did not answer the info request: {reply}")
    return reply


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a TCP server could listen on ``host:port`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the servers do: a port with only TIME_WAIT connections is usable.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def running_janus_pid(data_dir: Path) -> int | None:
    """The PID of a Janus started by a supervisor on ``data_dir``, if one runs.

    It may be the current supervisor's, or one left behind by a Visio that was
    killed before it could stop its Janus.
    """
    folder = (data_dir / "janus").resolve()
    try:
        pid = int((folder / PID_FILE).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    # The PID may have been reused by another program since: check its arguments.
    if os.fsencode(str(folder)) in cmdline and b"-F" in cmdline:
        return pid
    return None


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


class JanusSupervisor:
    """Runs one local Janus and restarts it when it dies or hangs.

    ``restarts`` counts successful restarts since :meth:`start`.
    ``on_restarted`` is awaited after each one (Janus lost every session and
    room: the callback recreates what Visio needs); its exceptions are logged.
    """

    def __init__(
        self,
        *,
        binary: str,
        data_dir: Path,
        ws_port: int,
        admin_ws_port: int,
        rtp_range: tuple[int, int],
        secrets: InstallSecrets,
        ice_enforce_list: str | None = None,
        nat_1_1_mapping: str | None = None,
        restart_backoff_max: float = 5.0,
        on_restarted: Callable[[], Awaitable[None]] | None = None,
        lib_dir: Path | None = None,
        health_interval: float = 5.0,
        health_failures: int = 3,
        start_timeout: float = 20.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.binary = binary
        self.data_dir = data_dir
        self.folder = data_dir / "janus"
        self.ws_port = ws_port
        self.admin_ws_port = admin_ws_port
        self.rtp_range = rtp_range
        self.secrets = secrets
        self.ice_enforce_list = ice_enforce_list
        self.nat_1_1_mapping = nat_1_1_mapping
        self.restart_backoff_max = restart_backoff_max
        self.on_restarted = on_restarted
        self.lib_dir = lib_dir
        self.health_interval = health_interval
        self.health_failures = health_failures
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.restarts = 0
        self._process: asyncio.subprocess.Process | None = None
        self._monitor_task: asyncio.Task[None] | None = None
        self._executable: str | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://{LOOPBACK}:{self.ws_port}"

    @property
    def admin_ws_url(self) -> str:
        return f"ws://{LOOPBACK}:{self.admin_ws_port}"

    @property
    def pid(self) -> int | None:
        """The running Janus's PID; ``None`` before start, after stop, or mid-restart."""
        process = self._process
        if process is None or process.returncode is not None:
            return None
        return process.pid

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_FILE

    async def start(self) -> None:
        """Start Janus and return once it answers ``info``.

        Raises ``RuntimeError`` with a plain-words reason and fix if Janus is
        not installed, a port is taken, or Janus does not come up in time.
        """
        if self._monitor_task is not None:
            raise RuntimeError("the Janus supervisor is already started")
        executable = shutil.which(self.binary)
        if executable is None:
            raise RuntimeError(
                f"Janus is not installed (no {self.binary!r} program found): "
                "apt-get install janus, or set VISIO_JANUS_BINARY to its path"
            )
        self._executable = executable
        self._check_ports()
        self._write_config()
        self.restarts = 0
        await self._launch()
        self._monitor_task = asyncio.create_task(self._monitor(), name="janus-supervisor")
        log.info("Janus is up (pid %s) on %s", self.pid, self.ws_url)

    async def stop(self) -> None:
        """Stop Janus: SIGTERM, then SIGKILL after ``stop_timeout``. Idempotent."""
        task, self._monitor_task = self._monitor_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        process, self._process = self._process, None
        if process is not None:
            await self._terminate(process)
            log.info("Janus (pid %d) stopped", process.pid)
        with contextlib.suppress(OSError):
            (self.folder / PID_FILE).unlink()

    # --- starting -----------------------------------------------------------

    def _check_ports(self) -> None:
        for port, variable in (
            (self.ws_port, "VISIO_JANUS_WS_PORT"),
            (self.admin_ws_port, "VISIO_JANUS_ADMIN_WS_PORT"),
        ):
            if port_is_free(port):
                continue
            leftover = running_janus_pid(self.data_dir)
            if leftover is not None:
                raise RuntimeError(
                    f"port {port} is held by a Janus left over from an earlier Visio run "
                    f"(pid {leftover}): stop it with `kill {leftover}`"
                )
            raise RuntimeError(f"port {port} is already in use: set {variable}")

    def _write_config(self) -> Path:
        return write_janus_config(
            self.folder,
            ws_port=self.ws_port,
            admin_ws_port=self.admin_ws_port,
            rtp_range=self.rtp_range,
            secrets=self.secrets,
            ice_enforce_list=self.ice_enforce_list,
            nat_1_1_mapping=self.nat_1_1_mapping,
            log_file=None,  # stdout and stderr go to janus.log
            lib_dir=self.lib_dir,
        )

    async def _launch(self) -> None:
        """Spawn Janus and wait until it is healthy; kill it and raise RuntimeError if not."""
        process = await self._spawn()
        try:
            await self._wait_healthy(process)
        except BaseException:
            # Also on cancellation (stop() during a restart): never leave it running.
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await asyncio.shield(process.wait())
            self._process = None
            raise

    async def _spawn(self) -> asyncio.subprocess.Process:
        assert self._executable is not None, "start() resolves the executable first"
        folder = self.folder.resolve()
        log_handle = self._open_log()
        try:
            process = await asyncio.create_subprocess_exec(
                self._executable,
                "-C",
                str(folder / "janus.jcfg"),
                "-F",
                str(folder),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_handle,
                stderr=asyncio.subprocess.STDOUT,
                cwd=folder,
                start_new_session=True,
            )
        finally:
            os.close(log_handle)
        self._process = process
        (folder / PID_FILE).write_text(f"{process.pid}\n")
        log.info("Started Janus (pid %d), log in %s", process.pid, self.log_path)
        return process

    def _open_log(self) -> int:
        path = self.log_path
        if path.exists():
            # Keep one previous log: after a crash it holds the reason.
            path.replace(path.with_name(LOG_FILE + ".1"))
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o640)

    async def _wait_healthy(self, process: asyncio.subprocess.Process) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        last_error = "no answer yet"
        while True:
            if process.returncode is not None:
                raise RuntimeError(
                    f"Janus {describe_exit(process.returncode)} while starting; "
                    f"see {self.log_path}:\n{self._log_tail()}"
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise RuntimeError(
                    f"Janus did not answer on {self.ws_url} within {self.start_timeout:g} s "
                    f"({last_error}); see {self.log_path}:\n{self._log_tail()}"
                )
            try:
                await probe_janus(
                    self.ws_url,
                    api_secret=self.secrets.janus_api_secret,
                    time_limit=min(remaining, 2),
                )
            except ConnectionError as exc:
                last_error = str(exc)
                await asyncio.sleep(0.1)
            else:
                return

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-_LOG_TAIL_LINES:])

    # --- watching -----------------------------------------------------------

    async def _monitor(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0  # restarts in a row that did not last; drives the backoff
        while True:
            process = self._process
            assert process is not None, "the monitor only runs while Janus does"
            started_at = loop.time()
            reason = await self._watch(process)
            log.warning("Janus (pid %d) %s; restarting it", process.pid, reason)
            # A Janus that stopped answering gets no chance to hang on SIGTERM too.
            await self._terminate(process, graceful=False)
            self._process = None
            if loop.time() - started_at >= _STABLE_AFTER_SECONDS:
                failures = 0
            while True:
                delay = min(_BACKOFF_FIRST_SECONDS * 2**failures, self.restart_backoff_max)
                failures += 1
                await asyncio.sleep(delay)
                try:
                    self._check_ports()
                    await self._launch()
                except RuntimeError as exc:
                    log.error("Restarting Janus failed, trying again: %s", exc)
                else:
                    break
            self.restarts += 1
            log.warning("Janus restarted (pid %s, restart #%d)", self.pid, self.restarts)
            if self.on_restarted is not None:
                try:
                    await self.on_restarted()
                except Exception:
                    log.exception("The on_restarted callback of the Janus supervisor failed")

    async def _watch(self, process: asyncio.subprocess.Process) -> str:
        """Return why Janus needs restarting: it exited, or it stopped answering."""
        exited = asyncio.ensure_future(process.wait())
        failed_checks = 0
        try:
            while True:
                done, _ = await asyncio.wait({exited}, timeout=self.health_interval)
                if done:
                    return describe_exit(exited.result())
                try:
                    await probe_janus(
                        self.ws_url,
                        api_secret=self.secrets.janus_api_secret,
                        time_limit=min(2.0, self.health_interval),
                    )
                except ConnectionError as exc:
                    failed_checks += 1
                    log.warning(
                        "Janus health check %d/%d failed: %s",
                        failed_checks,
                        self.health_failures,
                        exc,
                    )
                    if failed_checks >= self.health_failures:
                        return f"failed {failed_checks} health checks in a row ({exc})"
                else:
                    failed_checks = 0
        finally:
            exited.cancel()

    async def _terminate(
        self, process: asyncio.subprocess.Process, *, graceful: bool = True
    ) -> None:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
            try:
                await asyncio.wait_for(process.wait(), self.stop_timeout)
            except TimeoutError:
                log.warning(
                    "Janus (pid %d) ignored SIGTERM for %g s; killing it",
                    process.pid,
                    self.stop_timeout,
                )
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        await process.wait()
