"""CPU that ``visio serve`` spends per connected participant in a steady audio meeting.

N audio participants (a sine tone each) are spread over several worker
processes (one Python process cannot keep up with many aiortc peers: notes,
trap 8).  Once everyone publishes and receives, the bench reads the CPU time
(utime + stime in /proc/<pid>/stat) of the ``visio serve`` process, and of its
Janus for context, over a fixed window.

Run it inside the test network namespace (ICE needs a non-loopback path)::

    scripts/netns-run .venv/bin/python -m bench.cpu_per_participant [--json FILE]

The workers are this same module started with ``--worker``; they talk to the
bench with one JSON object per line on stdin/stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import functools
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tests.harness import RunningServer, in_test_namespace, run_server

from bench.join_latency import code_version, machine_info
from visio.client.media import ToneTrack
from visio.client.participant import Participant
from visio.signaling import messages as m

TARGET_PCT_PER_PARTICIPANT = 0.5
AUDIO_FRAMES_PER_SECOND = 50  # 20 ms Opus frames
Talk = Literal["constant", "turns"]


# --- /proc ------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (all its threads, not its children), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces: count fields after its ")".
    after_name = stat.rsplit(")", 1)[1].split()
    utime, stime = int(after_name[11]), int(after_name[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for pid {pid}")


@dataclass
class CpuWindow:
    """CPU seconds used by some processes between two instants."""

    pids: dict[str, list[int]]
    start_wall: float
    start: dict[str, float]

    @classmethod
    def open(cls, pids: dict[str, list[int]]) -> CpuWindow:
        return cls(pids, time.monotonic(), {k: sum(map(cpu_seconds, v)) for k, v in pids.items()})

    def close(self) -> tuple[float, dict[str, float]]:
        """Wall seconds elapsed, and % of one core used by each group."""
        end = {k: sum(map(cpu_seconds, v)) for k, v in self.pids.items()}
        wall = time.monotonic() - self.start_wall
        return wall, {k: 100 * (end[k] - self.start[k]) / wall for k in self.pids}


# --- worker -----------------------------------------------------------------------------


def targets_of(name: str, everyone: list[str], subscribe: int | None) -> list[str]:
    """The display names ``name`` receives audio from: the next ``subscribe`` in the ring."""
    others = everyone[everyone.index(name) + 1 :] + everyone[: everyone.index(name)]
    return others if subscribe is None else others[:subscribe]


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def take_turns(track: ToneTrack, on: float, off: float) -> None:
    """Sound then silence, forever, from a random phase: Janus raises talking events."""
    loudness = track.amplitude
    await asyncio.sleep(random.uniform(0, on + off))
    while True:
        track.amplitude = loudness
        await asyncio.sleep(on)
        track.amplitude = 0.0
        await asyncio.sleep(off)


def sees_all_published(person: Participant, everyone: list[str]) -> bool:
    return sum(1 for info in person.roster.values() if info.streams) >= len(everyone)


def sees_own_audio(person: Participant) -> bool:
    own = person.roster.get(person.participant_id or "")
    return own is not None and bool(own.streams)


def receives_all(person: Participant, participant_ids: list[str]) -> bool:
    return all(person.track_from(pid, "microphone") is not None for pid in participant_ids)


def drain(person: Participant) -> dict[str, int]:
    """How many signaling messages of each type arrived since the last call."""
    kinds: dict[str, int] = {}
    while not person.events.empty():
        kind = str(getattr(person.events.get_nowait(), "type", "?"))
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


async def read_command() -> str:
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


async def worker(
    url: str, names: list[str], everyone: list[str], subscribe: int | None, talk: Talk
) -> None:
    """Join and publish ``names``; then, on the bench's word, subscribe and report counts.

    Lines out: ``{"published"}`` once every publisher is up, ``{"ready"}`` once
    every participant receives what it wants, ``{"frames"}`` for each ``stats``.
    Lines in: ``go``, ``stats``, ``stop``.
    """
    people = {name: Participant(url, name, auto_subscribe=subscribe is None) for name in names}
    tones: list[ToneTrack] = []
    turns: list[asyncio.Task[None]] = []

    def tone(index: int) -> ToneTrack:
        track = ToneTrack(300.0 + 20 * index)
        tones.append(track)
        return track

    try:
        for name, person in people.items():
            await person.join()
            await person.publish({"microphone": functools.partial(tone, everyone.index(name))})
        for person in people.values():
            await person.wait_for(functools.partial(sees_own_audio, person), 60)
        emit({"published": True})
        if await read_command() != "go":
            return
        # Everyone has published.  A roster that still misses someone after a few
        # seconds lost an update (see docs/benchmarks.md): count those, then have
        # each participant announce itself again (an unchanged mute state is
        # broadcast as participant_updated) so that the meeting can start.
        stale = 0
        for person in people.values():
            with contextlib.suppress(TimeoutError):
                await person.wait_for(functools.partial(sees_all_published, person, everyone), 5)
            stale += not sees_all_published(person, everyone)
        for person in people.values():
            await person.set_muted("microphone", False)
        by_name: dict[str, str] = {}
        for person in people.values():
            try:
                await person.wait_for(functools.partial(sees_all_published, person, everyone), 60)
            except TimeoutError:
                seen = sorted(i.display_name for i in person.roster.values() if i.streams)
                raise TimeoutError(
                    f"{person.display_name} sees the audio of {len(seen)}/{len(everyone)}: "
                    f"missing {sorted(set(everyone) - set(seen))}"
                ) from None
            by_name.update({i.display_name: i.id for i in person.roster.values()})
        wanted = {
            name: [by_name[t] for t in targets_of(name, everyone, subscribe)] for name in names
        }
        if subscribe is not None:
            for name, person in people.items():
                requests = [
                    m.StreamRequest(participant_id=pid, mid=stream.mid)
                    for pid in wanted[name]
                    for stream in person.roster[pid].streams
                ]
                await person.subscribe(requests)
        for name, person in people.items():
            await person.wait_for(functools.partial(receives_all, person, wanted[name]), 120)
        if talk == "turns":
            turns = [asyncio.create_task(take_turns(t, 3.0, 3.0)) for t in tones]
        emit({"ready": True, "streams": sum(len(w) for w in wanted.values()), "stale": stale})
        for person in people.values():
            drain(person)
        while await read_command() == "stats":
            frames = sum(
                t.frames
                for name, person in people.items()
                for pid in wanted[name]
                if (t := person.track_from(pid, "microphone")) is not None
            )
            kinds: dict[str, int] = {}
            for person in people.values():
                for kind, count in drain(person).items():
                    kinds[kind] = kinds.get(kind, 0) + count
            emit({"frames": frames, "messages": kinds})
    finally:
        for task in turns:
            task.cancel()
        for person in people.values():
            await person.leave()


# --- the bench --------------------------------------------------------------------------


@dataclass
class Options:
    participants: int
    processes: int
    subscribe: int | None
    talk: Talk
    settle: float
    window: float
    idle_window: float
    ready_timeout: float


class Worker:
    def __init__(self, process: asyncio.subprocess.Process, names: list[str]) -> None:
        self.process = process
        self.names = names

    async def ask(self, command: str | None, timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        if command is not None:
            self.process.stdin.write(command.encode() + b"\n")
            await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"worker {self.process.pid} ({', '.join(self.names)}) exited")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def stop(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b"stop\n")
            try:
                await self.process.stdin.drain()
                await asyncio.wait_for(self.process.wait(), 15)
            except (TimeoutError, ConnectionError):
                self.process.kill()
                await self.process.wait()


async def measure(server: RunningServer, options: Options) -> dict[str, Any]:
    janus_pid = server.janus_pid()
    if janus_pid is None:
        raise RuntimeError("no running Janus")
    visio_pid = server.process.pid
    slug = server.create_room(name="cpu bench")
    url = server.meeting_url(slug)

    idle = CpuWindow.open({"visio": [visio_pid], "janus": [janus_pid]})
    await asyncio.sleep(options.idle_window)
    idle_wall, idle_pct = idle.close()
    idle_rss = rss_mib(visio_pid)

    everyone = [f"p{i:02d}" for i in range(options.participants)]
    workers: list[Worker] = []
    subscribe_arg = "all" if options.subscribe is None else str(options.subscribe)
    ramp = CpuWindow.open({"visio": [visio_pid], "janus": [janus_pid]})
    try:
        for k in range(options.processes):
            names = everyone[k :: options.processes]
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.cpu_per_participant", "--worker", url,
                "--names", ",".join(names), "--everyone", ",".join(everyone),
                "--subscribe", subscribe_arg, "--talk", options.talk,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            workers.append(Worker(process, names))
        await asyncio.gather(*(w.ask(None, options.ready_timeout) for w in workers))
        readies = await asyncio.gather(*(w.ask("go", options.ready_timeout) for w in workers))
        ramp_wall, ramp_pct = ramp.close()
        streams = sum(int(r["streams"]) for r in readies)
        stale = sum(int(r["stale"]) for r in readies)
        print(
            f"{options.participants} participants up, {streams} streams received", file=sys.stderr
        )
        await asyncio.sleep(options.settle)

        worker_pids = [w.process.pid for w in workers]
        before = await asyncio.gather(*(w.ask("stats", 10) for w in workers))
        frames_before = sum(int(r["frames"]) for r in before)
        window = CpuWindow.open(
            {"visio": [visio_pid], "janus": [janus_pid], "clients": worker_pids}
        )
        await asyncio.sleep(options.window)
        wall, pct = window.close()
        after = await asyncio.gather(*(w.ask("stats", 10) for w in workers))
        frames_after = sum(int(r["frames"]) for r in after)
        messages: dict[str, int] = {}
        for r in after:
            for kind, count in r["messages"].items():
                messages[kind] = messages.get(kind, 0) + int(count)
        visio_rss, janus_rss = rss_mib(visio_pid), rss_mib(janus_pid)
    finally:
        await asyncio.gather(*(w.stop() for w in workers))

    expected = streams * AUDIO_FRAMES_PER_SECOND * wall
    per_participant = pct["visio"] / options.participants
    return {
        "bench": "cpu_per_participant",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "code": code_version(),
        "participants": options.participants,
        "worker_processes": options.processes,
        "subscribe": subscribe_arg,
        "talk": options.talk,
        "streams_received": streams,
        "stale_rosters": stale,
        "signaling_messages_per_s": round(sum(messages.values()) / wall, 1),
        "signaling_messages": messages,
        "window_s": round(wall, 2),
        "visio_cpu_pct": round(pct["visio"], 2),
        "visio_cpu_pct_per_participant": round(per_participant, 3),
        "visio_cpu_pct_per_participant_above_idle": round(
            (pct["visio"] - idle_pct["visio"]) / options.participants, 3
        ),
        "janus_cpu_pct": round(pct["janus"], 2),
        "clients_cpu_pct": round(pct["clients"], 1),
        "visio_rss_mib": round(visio_rss, 1),
        "janus_rss_mib": round(janus_rss, 1),
        "frames_delivered_pct": (
            round(100 * (frames_after - frames_before) / expected, 1) if expected else None
        ),
        "idle": {
            "window_s": round(idle_wall, 2),
            "visio_cpu_pct": round(idle_pct["visio"], 2),
            "janus_cpu_pct": round(idle_pct["janus"], 2),
            "visio_rss_mib": round(idle_rss, 1),
        },
        "ramp": {
            "seconds": round(ramp_wall, 2),
            "visio_cpu_pct": round(ramp_pct["visio"], 2),
            "janus_cpu_pct": round(ramp_pct["janus"], 2),
        },
        "target_pct_per_participant": TARGET_PCT_PER_PARTICIPANT,
    }


def report(r: dict[str, Any]) -> str:
    ok = r["visio_cpu_pct_per_participant"] <= TARGET_PCT_PER_PARTICIPANT
    return "\n".join(
        [
            f"{r['date']}  code {r['code']}",
            f"{r['participants']} audio participants in {r['worker_processes']} processes, "
            f"each receiving {r['subscribe']} others ({r['streams_received']} streams), "
            f"talk={r['talk']}; window {r['window_s']} s",
            f"visio serve: {r['visio_cpu_pct']:.2f} % of a core = "
            f"{r['visio_cpu_pct_per_participant']:.3f} % per participant "
            f"({r['visio_cpu_pct_per_participant_above_idle']:.3f} % above idle); "
            f"RSS {r['visio_rss_mib']:.1f} MiB (idle {r['idle']['visio_rss_mib']:.1f} MiB)",
            f"idle visio serve: {r['idle']['visio_cpu_pct']:.2f} % over {r['idle']['window_s']} s",
            f"janus: {r['janus_cpu_pct']:.2f} % of a core, RSS {r['janus_rss_mib']:.1f} MiB; "
            f"clients: {r['clients_cpu_pct']:.1f} %",
            f"ramp (joins until everyone receives): {r['ramp']['seconds']} s, visio "
            f"{r['ramp']['visio_cpu_pct']:.1f} %, janus {r['ramp']['janus_cpu_pct']:.1f} %",
            f"audio frames delivered during the window: {r['frames_delivered_pct']} % "
            "of the frames sent",
            f"signaling messages received by clients: {r['signaling_messages_per_s']}/s "
            f"{r['signaling_messages']}",
            f"participants whose roster had lost an update before the re-announce: "
            f"{r['stale_rosters']}",
            f"target ≤ {TARGET_PCT_PER_PARTICIPANT} % per participant: {'met' if ok else 'MISSED'}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", "--participants", type=int, default=20)
    parser.add_argument("--processes", type=int, default=4, help="worker processes")
    parser.add_argument(
        "--subscribe", default="1",
        help="how many others each participant receives (a ring), or 'all' (auto-subscribe)",
    )  # fmt: skip
    parser.add_argument("--talk", choices=["constant", "turns"], default="constant",
                        help="tone always on, or 3 s on / 3 s off (talking events)")  # fmt: skip
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before the window")
    parser.add_argument("--window", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--idle-window", type=float, default=10.0, help="idle baseline seconds")
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--names", help=argparse.SUPPRESS)
    parser.add_argument("--everyone", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    subscribe = None if args.subscribe == "all" else int(args.subscribe)
    if args.worker:
        asyncio.run(
            worker(
                args.worker, args.names.split(","), args.everyone.split(","), subscribe, args.talk
            )
        )
        return 0
    if not in_test_namespace():
        print("run inside scripts/netns-run (ICE needs a non-loopback path)", file=sys.stderr)
        return 2
    options = Options(
        args.participants, args.processes, subscribe, args.talk, args.settle, args.window,
        args.idle_window, args.ready_timeout,
    )  # fmt: skip
    with (
        tempfile.TemporaryDirectory(prefix="visio-bench-") as tmp,
        run_server(Path(tmp) / "var") as server,
    ):
        try:
            result = asyncio.run(measure(server, options))
        except Exception:
            print(f"visio serve log:\n{server.log_tail(80)}", file=sys.stderr)
            raise
    print(report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
