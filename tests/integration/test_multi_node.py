"""Visio on two external Janus nodes: new meetings go to the least loaded node."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import free_port, list_janus_rooms, run_server
from tests.integration.test_meeting import assert_hears, participants, wait_media
from visio.media.janus.supervisor import JanusSupervisor
from visio.secrets_store import InstallSecrets, load_or_create

pytestmark = pytest.mark.integration


@pytest.fixture
async def nodes(
    netns: None, tmp_path: Path
) -> AsyncIterator[list[tuple[JanusSupervisor, InstallSecrets]]]:
    started: list[tuple[JanusSupervisor, InstallSecrets]] = []
    low = 30000
    try:
        for index in range(2):
            data_dir = tmp_path / f"node{index}"
            secrets = load_or_create(data_dir)
            supervisor = JanusSupervisor(
                binary="janus",
                data_dir=data_dir,
                ws_port=free_port(),
                admin_ws_port=free_port(),
                rtp_range=(low + index * 1000, low + index * 1000 + 999),
                secrets=secrets,
            )
            await supervisor.start()
            started.append((supervisor, secrets))
        yield started
    finally:
        for supervisor, _ in started:
            await supervisor.stop()


async def test_meetings_spread_over_nodes_and_media_flows_on_each(
    nodes: list[tuple[JanusSupervisor, InstallSecrets]], tmp_path: Path
) -> None:
    config = json.dumps(
        [
            {
                "name": f"node{i}",
                "url": s.ws_url,
                "admin_key": k.janus_admin_key,
                "api_secret": k.janus_api_secret,
            }
            for i, (s, k) in enumerate(nodes)
        ]
    )
    with run_server(tmp_path / "visio", janus_nodes=config) as server:
        assert server.janus_pid() is None, "with external nodes Visio starts no Janus"
        first, second = server.create_room(), server.create_room()
        async with (
            participants(server, first, ["Alice", "Bob"]) as (alice, bob),
            participants(server, second, ["Chloé"]) as (chloe,),
        ):
            assert [len(await list_janus_rooms(s.ws_url, k)) for s, k in nodes] == [1, 1]
            await wait_media(alice, bob)
            assert_hears(alice, bob)
            assert chloe.participant_id is not None
