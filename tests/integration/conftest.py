from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import RunningServer, in_test_namespace, run_server


@pytest.fixture
def netns() -> None:
    """Media tests need the network namespace of scripts/netns-run: fail loudly without it."""
    if not in_test_namespace():
        pytest.fail(
            "media integration tests must run inside scripts/netns-run "
            "(ICE needs a non-loopback path; see docs/testing.md): make test"
        )


@pytest.fixture
def server(netns: None, tmp_path: Path) -> Iterator[RunningServer]:
    with run_server(tmp_path / "var") as running:
        yield running
