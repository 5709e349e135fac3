"""Command line: ``visio serve | worker | doctor | migrate | bot | schema``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from visio.config import Settings, load_settings

#: Frames above this are refused by the WebSocket transport itself (close 1009);
#: the protocol limit (``ws_max_message_bytes``) is enforced with an error message.
TRANSPORT_MAX_FRAME = 1024 * 1024


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in exc.errors()
        ]
        print("Invalid settings (environment VISIO_*):\n" + "\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from visio.app import create_app

    settings = _settings(host=args.host, port=args.port)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws_max_size=TRANSPORT_MAX_FRAME,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        log_level=args.log_level,
        proxy_headers=True,
    )
    uvicorn.Server(config).run()
    return 0


def cmd_doctor(_: argparse.Namespace) -> int:
    from visio.doctor import doctor_exit_code, format_report, run_doctor

    settings = _settings()
    checks = asyncio.run(run_doctor(settings))
    print(format_report(checks))
    return doctor_exit_code(checks)


def cmd_migrate(_: argparse.Namespace) -> int:
    from visio.db import Database

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    database.upgrade()
    database.dispose()
    print("database is up to date")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.celery_broker_url is None:
        print(
            "VISIO_CELERY_BROKER_URL is not set: transcripts run inside `visio serve`"
            " (set it, e.g. redis://127.0.0.1:6379/0, on the server and the workers)",
            file=sys.stderr,
        )
        return 2
    from visio.transcripts.celery_app import run_worker

    return run_worker(settings, concurrency=args.concurrency, loglevel=args.log_level)


def cmd_bot(args: argparse.Namespace) -> int:
    from visio.client.bot import run_bot

    return asyncio.run(run_bot(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="visio", description="Visio video conferencing")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (and a local Janus)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(func=cmd_serve)

    doctor = sub.add_parser("doctor", help="check the installation")
    doctor.set_defaults(func=cmd_doctor)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)

    worker = sub.add_parser(
        "worker", help="run transcript jobs from the Celery queue (VISIO_CELERY_BROKER_URL)"
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="jobs at once, one process each (each loads the speech models)",
    )
    worker.set_defaults(func=cmd_worker)

    from visio.client.bot import add_bot_arguments

    bot = sub.add_parser("bot", help="join a meeting as a bot participant")
    add_bot_arguments(bot)
    bot.set_defaults(func=cmd_bot)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    result: int = args.func(args)
    return result
