"""What every benchmark script prints and measures the same way: the machine, its CPU load."""

from __future__ import annotations

import os
import platform


def machine_description() -> str:
    """CPU model, logical cores, OS and the versions that matter, without importing TensorFlow."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from importlib import metadata

    versions = [f"Python {platform.python_version()}"]
    for package in ("tensorflow", "keras", "torch", "numpy"):
        try:  # read from the installed metadata: importing TensorFlow here would cost seconds
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} absent")
    return f"{model}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}; " + ", ".join(versions)


def machine_jiffies() -> tuple[int, int] | None:
    """(busy, total) CPU jiffies of the whole machine since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(value) for value in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def print_report(table: str) -> None:
    """A benchmark's output: the machine it ran on, then its table."""
    print(f"machine: {machine_description()}")
    print()
    print(table)
