"""Write the JSON Schemas of the signaling protocol from its message models.

    .venv/bin/python scripts/gen_protocol_schema.py           # (re)write the files
    .venv/bin/python scripts/gen_protocol_schema.py --check   # exit 1 when they are stale

The models in ``visio.signaling.messages`` are the source of truth; the files
under ``docs/protocol/`` are what other languages (the TypeScript web client)
generate their types from.  Output is deterministic: sorted keys, two-space
indent, UTF-8, one trailing newline.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from visio.signaling.messages import CLIENT_ADAPTER, PROTOCOL_VERSION, SERVER_ADAPTER

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "docs" / "protocol"
CLIENT_FILE = "client-messages.schema.json"
SERVER_FILE = "server-messages.schema.json"
REGENERATE = "make schema  (or: .venv/bin/python scripts/gen_protocol_schema.py)"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


class _EveryFieldSent(GenerateJsonSchema):
    """Serialisation schema in which every field is required.

    The server writes every field of every message, ``null`` included
    (``messages.dump`` uses ``exclude_none=False``).  Pydantic would mark
    fields with a default, ``type`` among them, as optional, and a client
    generating types from the schema could then not narrow the union on
    ``type``.
    """

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization":
            return True
        return super().field_is_required(field, total)


def _with_header(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "title": title,
        "description": (
            f"{description} Visio signaling protocol version {PROTOCOL_VERSION}"
            " (docs/protocol.md). Generated from visio.signaling.messages by"
            " scripts/gen_protocol_schema.py: do not edit."
        ),
        **schema,
    }


def client_schema() -> dict[str, Any]:
    """What the server accepts from a client (validation mode: defaults are optional)."""
    return _with_header(
        CLIENT_ADAPTER.json_schema(mode="validation"),
        "Visio signaling: client to server messages",
        "One JSON text frame a client sends on /api/v1/rooms/{slug}/ws.",
    )


def server_schema() -> dict[str, Any]:
    """What the server sends (serialisation mode: every field is always present)."""
    return _with_header(
        SERVER_ADAPTER.json_schema(mode="serialization", schema_generator=_EveryFieldSent),
        "Visio signaling: server to client messages",
        "One JSON text frame the server sends on /api/v1/rooms/{slug}/ws;"
        " every field is always present (null when it has no value).",
    )


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files() -> dict[str, str]:
    """File name → the text it must hold."""
    return {CLIENT_FILE: render(client_schema()), SERVER_FILE: render(server_schema())}


def stale_files(out_dir: Path) -> list[str]:
    """Names of the files in ``out_dir`` that are missing or differ from the models."""
    stale = []
    for name, text in expected_files().items():
        path = out_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def write_files(out_dir: Path) -> list[Path]:
    """Write the schemas into ``out_dir``; returns the files that changed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in expected_files().items():
        path = out_dir / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        # newline="" keeps "\n" on every platform: the bytes are the same everywhere.
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        changed.append(path)
    return changed


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write docs/protocol/*.schema.json from the signaling message models."
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the files are missing or out of date",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=OUT_DIR, help=f"where the schemas live (default {OUT_DIR})"
    )
    args = parser.parse_args(argv)
    out_dir: Path = args.out_dir
    if args.check:
        stale = stale_files(out_dir)
        if stale:
            for name in stale:
                path = out_dir / name
                problem = "is out of date with" if path.is_file() else "is missing; it comes from"
                print(f"{_shown(path)} {problem} visio.signaling.messages", file=sys.stderr)
            print(f"Regenerate the protocol schemas with: {REGENERATE}", file=sys.stderr)
            return 1
        print(f"protocol schemas in {_shown(out_dir)} are up to date")
        return 0
    for path in write_files(out_dir):
        print(f"wrote {_shown(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
