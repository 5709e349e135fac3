"""The committed JSON Schemas and docs/protocol.md stay in step with the message models.

The models in ``visio.signaling.messages`` are the source of truth.  These
tests fail when someone changes a model without regenerating the schemas
(``make schema``) or without documenting the change in docs/protocol.md.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

from visio.cli import TRANSPORT_MAX_FRAME
from visio.config import Settings
from visio.errors import WS_CLOSE_CODES, VisioError
from visio.signaling import messages as m
from visio.signaling.room import substream_for_height
from visio.signaling.session import SEND_QUEUE_LIMIT

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_protocol_schema.py"
SCHEMA_DIR = ROOT / "docs" / "protocol"
DOC = ROOT / "docs" / "protocol.md"

CLIENT_SECTION = "Client → server messages"
SERVER_SECTION = "Server → client messages"
OBJECTS_SECTION = "Shared objects"
ERRORS_SECTION = "Errors"
CLOSE_SECTION = "Close codes"
LIMITS_SECTION = "Limits"


# --- helpers ----------------------------------------------------------------------


@functools.cache
def generator() -> ModuleType:
    """scripts/gen_protocol_schema.py, imported from its path (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location("gen_protocol_schema", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_files() -> dict[str, str]:
    files: dict[str, str] = generator().expected_files()
    return files


def run_generator(*args: str) -> int:
    code: int = generator().main(list(args))
    return code


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(expected_files()[name])
    return loaded


def client_schema() -> dict[str, Any]:
    return schema("client-messages.schema.json")


def server_schema() -> dict[str, Any]:
    return schema("server-messages.schema.json")


def message_defs(generated: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Message type → its schema definition, from the union's discriminator mapping."""
    mapping: dict[str, str] = generated["discriminator"]["mapping"]
    return {kind: generated["$defs"][ref.removeprefix("#/$defs/")] for kind, ref in mapping.items()}


def object_defs(generated: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Definitions of the objects nested in messages (everything that is no message)."""
    messages = set(generated["discriminator"]["mapping"].values())
    return {
        name: definition
        for name, definition in generated["$defs"].items()
        if f"#/$defs/{name}" not in messages
    }


def model_types(union: object) -> set[str]:
    """The ``type`` values of the models in an ``Annotated[A | B | ..., Field(...)]`` union."""
    (members, *_) = typing.get_args(union)
    types = set()
    for model in typing.get_args(members):
        assert issubclass(model, BaseModel)
        (literal,) = typing.get_args(model.model_fields["type"].annotation)
        types.add(literal)
    return types


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def doc_sections() -> dict[str, str]:
    """``## Heading`` → the text under it, up to the next ``## ``."""
    parts = re.split(r"^## (.+)$", doc_text(), flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def subsections(section: str) -> dict[str, str]:
    """``### `name` `` → the text under it, inside one ``##`` section."""
    parts = re.split(r"^### `([^`]+)`.*$", doc_sections()[section], flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def table_rows(section: str) -> dict[str, str]:
    """First cell → whole row, for every table row of a ``##`` section."""
    rows = {}
    for line in doc_sections()[section].splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            first = line.split("|")[1].strip()
            rows[first] = line
    return rows


def json_examples(text: str) -> list[str]:
    return re.findall(r"^```json\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def all_error_classes() -> list[type[VisioError]]:
    """The errors of visio.errors; HTTP-only ones defined by their edge (readyz, web) are not
    protocol errors."""
    found: list[type[VisioError]] = [VisioError]
    for cls in found:
        found.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__ == "visio.errors"]


# --- the schema files -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["client-messages.schema.json", "server-messages.schema.json"])
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == expected_files()[name], (
        f"docs/protocol/{name} is stale: run `make schema` and commit the result"
    )


def test_check_mode_passes_on_the_committed_files() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_check_mode_fails_and_says_how_to_regenerate_when_a_schema_is_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_generator("--out-dir", str(tmp_path)) == 0
    stale = tmp_path / "server-messages.schema.json"
    stale.write_text(stale.read_text(encoding="utf-8").replace('"pong"', '"pang"'))
    capsys.readouterr()

    assert run_generator("--check", "--out-dir", str(tmp_path)) == 1

    err = capsys.readouterr().err
    assert "server-messages.schema.json" in err
    assert "client-messages.schema.json" not in err
    assert "make schema" in err
    assert "scripts/gen_protocol_schema.py" in err


def test_check_mode_fails_when_the_schemas_are_missing(tmp_path: Path) -> None:
    assert run_generator("--check", "--out-dir", str(tmp_path / "nowhere")) == 1


def test_check_mode_writes_nothing(tmp_path: Path) -> None:
    run_generator("--check", "--out-dir", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_generating_again_changes_nothing(tmp_path: Path) -> None:
    assert run_generator("--out-dir", str(tmp_path)) == 0
    first = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert run_generator("--out-dir", str(tmp_path)) == 0
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == first
    assert set(first) == set(expected_files())


@pytest.mark.parametrize("name", ["client-messages.schema.json", "server-messages.schema.json"])
def test_schema_text_is_sorted_indented_and_ends_with_one_newline(name: str) -> None:
    text = expected_files()[name]
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert expected_files()[name] == text


def test_schemas_describe_every_message_type_of_the_models() -> None:
    assert set(message_defs(client_schema())) == m.CLIENT_TYPES == model_types(m.ClientMessage)
    assert set(message_defs(server_schema())) == model_types(m.ServerMessage)


def test_server_schema_requires_every_field_because_the_server_sends_them_all() -> None:
    # A generated client type can then narrow the union on `type`.
    definitions = server_schema()["$defs"]
    for name, definition in definitions.items():
        assert set(definition.get("required", [])) == set(definition["properties"]), name


def test_client_schema_requires_type_but_not_the_request_id() -> None:
    for kind, definition in message_defs(client_schema()).items():
        assert "type" in definition["required"], kind
        assert "id" in definition["properties"] and "id" not in definition["required"], kind


def test_client_schema_refuses_unknown_fields_like_the_server() -> None:
    for name, definition in client_schema()["$defs"].items():
        assert definition.get("additionalProperties") is False, name


# --- docs/protocol.md -----------------------------------------------------------------


def test_doc_states_the_protocol_version() -> None:
    assert doc_text().startswith(f"# Visio signaling protocol, version {m.PROTOCOL_VERSION}\n")


@pytest.mark.parametrize(
    ("section", "generated"),
    [(CLIENT_SECTION, client_schema), (SERVER_SECTION, server_schema)],
    ids=["client", "server"],
)
def test_doc_has_a_section_for_every_message_type(
    section: str, generated: typing.Callable[[], dict[str, Any]]
) -> None:
    documented = set(subsections(section))
    expected = set(message_defs(generated()))
    assert expected - documented == set(), f"undocumented in '{section}'"
    assert documented - expected == set(), f"documented in '{section}' but not in the models"


@pytest.mark.parametrize(
    ("section", "generated"),
    [(CLIENT_SECTION, client_schema), (SERVER_SECTION, server_schema)],
    ids=["client", "server"],
)
def test_doc_names_every_field_of_every_message(
    section: str, generated: typing.Callable[[], dict[str, Any]]
) -> None:
    texts = subsections(section)
    # The common `type` and `id` of client messages are described once, above the messages.
    common = doc_sections()[section].split("### ", 1)[0]
    missing = [
        f"{kind}.{field}"
        for kind, definition in message_defs(generated()).items()
        for field in definition["properties"]
        if f"`{field}`" not in texts.get(kind, "") and f"`{field}`" not in common
    ]
    assert missing == []


def test_doc_describes_every_shared_object_and_its_fields() -> None:
    texts = subsections(OBJECTS_SECTION)
    objects = object_defs(client_schema()) | object_defs(server_schema())
    missing = [
        f"{name}.{field}"
        for name, definition in objects.items()
        for field in definition["properties"]
        if f"| `{field}` |" not in texts.get(name, "")
    ]
    assert set(objects) - set(texts) == set()
    assert missing == []


def test_every_client_example_in_the_doc_is_a_valid_message_of_its_section() -> None:
    for kind, text in subsections(CLIENT_SECTION).items():
        examples = json_examples(text)
        assert examples, f"no JSON example for client message {kind}"
        for example in examples:
            assert m.parse_client_message(example).type == kind


def test_every_server_example_in_the_doc_is_a_valid_message_of_its_section() -> None:
    for kind, text in subsections(SERVER_SECTION).items():
        examples = json_examples(text)
        assert examples, f"no JSON example for server message {kind}"
        for example in examples:
            message = m.SERVER_ADAPTER.validate_json(example)
            assert message.type == kind
            # Examples show what the server really sends: every field, nulls included.
            assert set(json.loads(example)) == set(json.loads(m.dump(message)))


def test_error_table_lists_every_error_code_with_its_close_code() -> None:
    rows = table_rows(ERRORS_SECTION)
    for error in all_error_classes():
        row = rows.get(f"`{error.code}`")
        assert row is not None, f"error code {error.code} is not in the error table"
        if error.ws_close is not None:
            assert f"**{error.ws_close}**" in row, f"{error.code} closes with {error.ws_close}"


def test_close_code_table_lists_every_close_code_the_server_uses() -> None:
    rows = table_rows(CLOSE_SECTION)
    for code in WS_CLOSE_CODES:
        assert str(code) in rows, f"close code {code} is not in the close code table"
    for error in all_error_classes():
        if error.ws_close is not None:
            assert str(error.ws_close) in rows
    assert str(1008) in rows  # the slow-client close of the session's send queue


def test_documented_limits_are_the_server_defaults() -> None:
    fields = Settings.model_fields
    limits = doc_sections()[LIMITS_SECTION]
    assert fields["ws_max_message_bytes"].default == 64 * 1024 and "| 64 KiB;" in limits
    assert TRANSPORT_MAX_FRAME == 1024 * 1024 and "| 1 MiB;" in limits
    assert fields["ws_idle_timeout_seconds"].default == 60 and "| 60 s;" in limits
    assert fields["max_participants"].default == 150 and "| 150 (" in limits
    assert fields["max_video_subscriptions"].default == 25 and "| 25 |" in limits
    assert fields["chat_history"].default == 200 and "| 200 latest" in limits
    assert m.MAX_SDP_CHARS == 60_000 and "| 60 000 characters |" in limits
    assert SEND_QUEUE_LIMIT == 5000 and "| 5000;" in limits
    ttl_max = max(meta.le for meta in fields["turn_ttl_seconds"].metadata if hasattr(meta, "le"))
    assert ttl_max == 3600 and "≤ 1 h" in limits


def test_documented_simulcast_layers_are_the_ones_the_server_picks() -> None:
    layers = doc_sections()["Media"]
    assert "| \N{LESS-THAN OR EQUAL TO} 200 | 0 " in layers
    assert "| 201\N{EN DASH}400 | 1 " in layers
    assert "| > 400, absent or `null` | 2 " in layers
    picked = {h: substream_for_height(h) for h in (0, 200, 201, 400, 401, 4320, None)}
    assert picked == {0: 0, 200: 0, 201: 1, 400: 1, 401: 2, 4320: 2, None: 2}


def test_documented_reactions_are_the_fixed_emoji_set() -> None:
    reaction = subsections(CLIENT_SECTION)["reaction"]
    assert " ".join(f'`"{emoji}"`' for emoji in m.REACTIONS) in reaction
