from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from visio.config import Settings, load_settings
from visio.doctor import (
    Check,
    check_data_dir,
    check_janus_modules,
    check_rtp_ports,
    check_turn_url,
    doctor_exit_code,
    format_report,
    run_doctor,
)

needs_janus = pytest.mark.skipif(shutil.which("janus") is None, reason="Janus is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "var",
        "janus_ws_port": free_port(),
        "janus_admin_ws_port": free_port(),
        "rtp_port_range": "30000-30999",
        **overrides,
    }
    return load_settings(**values)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


@needs_janus
async def test_installed_janus_passes(tmp_path: Path) -> None:
    checks = by_name(await run_doctor(make_settings(tmp_path)))

    assert checks["Janus program"].ok
    assert "1.1.2" in checks["Janus program"].detail
    assert not checks["Janus program"].warning
    assert checks["Janus modules"].ok
    assert checks["Janus API port"].ok
    assert checks["Janus admin port"].ok
    assert checks["data folder"].ok
    assert checks["install secrets"].ok
    assert checks["database"].ok
    assert checks["RTP ports"].ok
    assert doctor_exit_code(list(checks.values())) == 0


async def test_bogus_janus_binary_fails_with_a_hint(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, janus_binary=str(tmp_path / "not-janus"))

    checks = await run_doctor(settings)
    program = by_name(checks)["Janus program"]

    assert not program.ok
    assert program.hint is not None
    assert "apt-get install janus" in program.hint
    assert "VISIO_JANUS_BINARY" in program.hint
    assert doctor_exit_code(checks) == 1


async def test_a_program_that_is_not_janus_fails(tmp_path: Path) -> None:
    checks = by_name(await run_doctor(make_settings(tmp_path, janus_binary="true")))

    assert not checks["Janus program"].ok
    assert "does not look like Janus" in checks["Janus program"].detail


@pytest.mark.parametrize(
    "url",
    [
        "nosuchdialect://user@host/db",
        "sqlite:////nonexistent-visio-folder/visio.db",
        "not a url",
    ],
)
async def test_bad_database_url_fails(tmp_path: Path, url: str) -> None:
    checks = await run_doctor(make_settings(tmp_path, database_url=url))
    database = by_name(checks)["database"]

    assert not database.ok
    assert database.hint
    assert doctor_exit_code(checks) == 1


async def test_existing_sqlite_database_is_opened(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "visio.db").write_bytes(b"")  # an empty file is a valid SQLite db

    database = by_name(await run_doctor(make_settings(tmp_path)))["database"]

    assert database.ok, database
    assert database.detail.endswith("answers")


async def test_database_password_is_not_shown(tmp_path: Path) -> None:
    url = "postgresql+psycopg://visio:hunter2@127.0.0.1:1/visio"

    database = by_name(await run_doctor(make_settings(tmp_path, database_url=url)))["database"]

    assert not database.ok
    assert "hunter2" not in database.detail


async def test_taken_port_fails_with_the_variable_to_set(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        checks = by_name(await run_doctor(make_settings(tmp_path, janus_ws_port=port)))

    assert not checks["Janus API port"].ok
    assert checks["Janus API port"].hint is not None
    assert "VISIO_JANUS_WS_PORT" in checks["Janus API port"].hint


def test_unwritable_data_dir_fails(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")

    check = check_data_dir(not_a_folder)

    assert not check.ok
    assert check.hint is not None
    assert "VISIO_DATA_DIR" in check.hint


def test_missing_data_dir_under_a_writable_parent_is_fine(tmp_path: Path) -> None:
    check = check_data_dir(tmp_path / "a" / "b")

    assert check.ok
    assert "will be created" in check.detail


def test_missing_modules_fail(tmp_path: Path) -> None:
    check = check_janus_modules(tmp_path)

    assert not check.ok
    assert "libjanus_videoroom.so" in check.detail


def test_tiny_rtp_range_warns(tmp_path: Path) -> None:
    check = check_rtp_ports(make_settings(tmp_path, rtp_port_range="30000-30049"))

    assert check.ok
    assert check.warning
    assert "50 ports" in check.detail


def test_rtp_range_over_the_api_port_fails(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rtp_port_range="8000-9000", janus_ws_port=8188)

    check = check_rtp_ports(settings)

    assert not check.ok
    assert "Janus API port 8188" in check.detail


async def test_turn_urls_are_checked(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        open_port = listener.getsockname()[1]
        reachable = await check_turn_url(f"turn:127.0.0.1:{open_port}?transport=tcp")
    closed = await check_turn_url(f"turn:127.0.0.1:{free_port()}?transport=tcp")
    udp = await check_turn_url("turn:localhost:3478")
    unresolvable = await check_turn_url("turn:no-such-host.invalid:3478")
    malformed = await check_turn_url("stun:example.org")
    tls_unresolvable = await check_turn_url("turns:no-such-host.invalid")

    assert reachable.ok, reachable
    assert not closed.ok
    assert udp.ok, udp
    assert not unresolvable.ok
    assert unresolvable.hint is not None
    assert "VISIO_TURN_URLS" in unresolvable.hint
    assert not malformed.ok
    assert not tls_unresolvable.ok
    assert "does not resolve" in tls_unresolvable.detail


async def test_turn_checks_run_when_turn_is_configured(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, turn_urls="turn:no-such-host.invalid:3478", turn_secret="s3cret"
    )

    checks = by_name(await run_doctor(settings))

    assert checks["TURN secret"].ok
    assert not checks["TURN turn:no-such-host.invalid:3478"].ok


async def test_unreachable_janus_node_fails(tmp_path: Path) -> None:
    nodes = f'[{{"url": "ws://127.0.0.1:{free_port()}", "admin_key": "k", "name": "edge-1"}}]'

    checks = by_name(await run_doctor(make_settings(tmp_path, janus_nodes=nodes)))

    assert not checks["Janus node edge-1"].ok
    assert "Janus program" not in checks  # external nodes: no local Janus to check


def test_report_shows_failures_with_their_fix() -> None:
    checks = [
        Check("data folder", True, "/var/lib/visio is writable"),
        Check("RTP ports", True, "only 50 ports", "widen it", warning=True),
        Check("Janus program", False, "'janus' not found", "apt-get install janus"),
    ]

    report = format_report(checks)

    assert "[ OK ] data folder: /var/lib/visio is writable" in report
    assert "[WARN] RTP ports: only 50 ports\n       fix: widen it" in report
    assert "[FAIL] Janus program: 'janus' not found\n       fix: apt-get install janus" in report
    assert report.endswith("1 problem(s) to fix, 1 warning(s).")
    assert doctor_exit_code(checks) == 1
    assert doctor_exit_code(checks[:2]) == 0


def test_speech_check_names_a_missing_model_folder(tmp_path: Path) -> None:
    from visio.doctor import check_speech

    missing = tmp_path / "large-v3"
    check = check_speech(load_settings(data_dir=tmp_path, asr_model_dir=missing))
    assert check.warning and "VISIO_ASR_MODEL_DIR" in check.detail and str(missing) in check.detail
    fine = check_speech(load_settings(data_dir=tmp_path, diarization_engine="none"))
    assert fine.ok and not fine.warning and "tiny.en" in fine.detail


def test_email_check_warns_when_no_smtp_server_is_set(tmp_path: Path) -> None:
    from visio.doctor import check_smtp

    assert check_smtp(load_settings(data_dir=tmp_path)).warning
    set_up = check_smtp(load_settings(data_dir=tmp_path, smtp_host="mail.example.gouv.fr"))
    assert set_up.ok and not set_up.warning


def test_broker_check_fails_clearly_when_redis_is_not_there() -> None:
    from visio.doctor import check_broker

    port = free_port()
    check = check_broker(f"redis://:s3cret@127.0.0.1:{port}/0")
    assert not check.ok and "cannot reach the broker" in check.detail
    assert "s3cret" not in check.detail and "VISIO_CELERY_BROKER_URL" in (check.hint or "")
