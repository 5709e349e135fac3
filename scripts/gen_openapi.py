"""Write the server's OpenAPI document for the web client's generated API client.

    .venv/bin/python scripts/gen_openapi.py           # (re)write frontend/openapi.json
    .venv/bin/python scripts/gen_openapi.py --check   # exit 1 when it is stale

The FastAPI routes are the source of truth; ``frontend/openapi.json`` is what
``npm run gen`` (in ``frontend/``) turns into ``src/api/schema.gen.ts``.  The
app is built with a null media server and a throw-away data folder, so nothing
is started and no Janus is needed.  Output is deterministic: sorted keys,
two-space indent, UTF-8, one trailing newline.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from visio.app import create_app
from visio.config import load_settings
from visio.media.null import NullMediaServer

ROOT = Path(__file__).resolve().parent.parent
OUT_FILE = ROOT / "frontend" / "openapi.json"
REGENERATE = ".venv/bin/python scripts/gen_openapi.py  (then: cd frontend && npm run gen)"


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document, as served at ``/api/v1/openapi.json``."""
    with tempfile.TemporaryDirectory(prefix="visio-openapi-") as data_dir:
        # web_dir=None: whether a web build exists must not change the document.
        settings = load_settings(data_dir=Path(data_dir), web_dir=None)
        app = create_app(settings, media=NullMediaServer(ready=False))
        return app.openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write frontend/openapi.json from the app.")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the file is missing or out of date",
    )
    parser.add_argument(
        "--out", type=Path, default=OUT_FILE, help=f"where to write (default {OUT_FILE})"
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    text = render(openapi_document())
    current = out.read_text(encoding="utf-8") if out.is_file() else None
    if args.check:
        if current != text:
            problem = "is out of date with" if current is not None else "is missing; it comes from"
            print(f"{_shown(out)} {problem} the FastAPI routes", file=sys.stderr)
            print(f"Regenerate it with: {REGENERATE}", file=sys.stderr)
            return 1
        print(f"{_shown(out)} is up to date")
        return 0
    if current == text:
        print(f"{_shown(out)} is up to date")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    # newline="" keeps "\n" on every platform: the bytes are the same everywhere.
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    print(f"wrote {_shown(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
