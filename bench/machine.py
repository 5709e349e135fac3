"""The machine a benchmark ran on: results are only valid next to it (docs/benchmarks.md)."""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path


def host_info() -> dict[str, str]:
    """The machine: cores, CPU model, memory, kernel, Python (every benchmark reports them)."""
    info: dict[str, str] = {"cpus": str(len(os.sched_getaffinity(0)))}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory"] = f"{int(line.split()[1]) // 1024} MiB"
                break
    info["load average (1, 5, 15 min)"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    info["kernel"] = platform.release()
    info["python"] = platform.python_version()
    return info
