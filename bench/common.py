"""What the benchmark scripts share: their command line and runner, the processes they start,
the rounds they interleave, the load of a shared machine, medians with their range, the report.

Each script keeps its own contenders, flags and table; what is here is what they did alike.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import shutil
import statistics
import sys
from typing import Any, Callable, Sequence

REPO = pathlib.Path(__file__).resolve().parent.parent


# --- the command line and the runner -----------------------------------------------------------

def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A script's parser, described by the first paragraph of its module docstring."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0])


def parse_args(doc: str, argv: list[str] | None, add_arguments: Callable[[argparse.ArgumentParser], None], *,
               quick: str, quick_values: dict[str, Any], verbose: str | None = None) -> argparse.Namespace:
    """The script's own flags (``add_arguments``), then ``--quick`` and, when ``verbose`` says what
    a round prints, ``--verbose``.

    ``--quick`` is the smoke run tests/test_bench_smoke.py makes: it sets ``quick_values`` over
    whatever else the command line said.
    """
    parser = argument_parser(doc)
    add_arguments(parser)
    parser.add_argument("--quick", action="store_true", help=quick)
    if verbose:
        parser.add_argument("--verbose", action="store_true", help=f"print every round's {verbose} to stderr")
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in quick_values.items():
            setattr(args, name, value)
    return args


def main(argv: list[str] | None, parse: Callable[[list[str] | None], argparse.Namespace],
         run: Callable[[argparse.Namespace], dict[str, Any]], format_table: Callable[[dict[str, Any]], str]) -> int:
    """A benchmark's command: its flags parsed, its measurements run, the report printed."""
    print_report(format_table(run(parse(argv))))
    return 0


# --- the processes a benchmark starts ----------------------------------------------------------

def console_script(name: str) -> str | None:
    """An installed console script: beside this interpreter (a virtualenv run without
    activating it has no PATH entry for it), else on PATH; None when it is not installed."""
    beside_python = pathlib.Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    return shutil.which(name)


def quiet_env() -> dict[str, str]:
    """This environment for a child process, TensorFlow's C++ log silenced (its start-up
    messages would otherwise fill the benchmark's stderr)."""
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


# --- rounds on a shared machine ----------------------------------------------------------------

def rotated(names: Sequence[str], round_index: int) -> list[str]:
    """The contenders in the order of round ``round_index``: rotated one further every round, so
    that none always runs first, or right after the same neighbour."""
    shift = round_index % len(names)
    return [*names[shift:], *names[:shift]]


def machine_jiffies() -> tuple[int, int] | None:
    """(busy, total) CPU jiffies of the whole machine since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(value) for value in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


class ForeignLoad:
    """The share of the machine's CPU that other processes took while a round ran: the machine's
    busy jiffies minus the benchmark's own (``own_jiffies``), over all jiffies of the round.

    Another user's tests on a shared machine slow the contenders of a round unevenly; the share
    is printed with the table, and a script may drop the rounds above a limit set in advance.
    """

    def __init__(self, own_jiffies: Callable[[], float]) -> None:
        self._own_jiffies = own_jiffies
        self._before: tuple[tuple[int, int] | None, float] = (None, 0.0)
        self.shares: list[float] = []

    def start(self) -> None:
        self._before = machine_jiffies(), self._own_jiffies()

    def stop(self) -> float | None:
        """The round's share (also kept in ``shares``), or None where /proc/stat is not read."""
        (machine_before, ours_before), machine_after, ours_after = self._before, machine_jiffies(), self._own_jiffies()
        if not (machine_before and machine_after and machine_after[1] > machine_before[1]):
            return None
        busy = machine_after[0] - machine_before[0] - (ours_after - ours_before)
        share = max(0.0, busy / (machine_after[1] - machine_before[1]))
        self.shares.append(share)
        return share

    def median(self) -> float | None:
        return statistics.median(self.shares) if self.shares else None


def spread(values: Sequence[float]) -> tuple[float, tuple[float, float]]:
    """(median, (lowest, highest)) of one contender's values over the rounds."""
    return statistics.median(values), (min(values), max(values))


# --- the report --------------------------------------------------------------------------------

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


def print_report(table: str, *context: str) -> None:
    """A benchmark's output: the machine it ran on, the ``context`` lines (what was measured),
    then, after a blank line, its table."""
    print(f"machine: {machine_description()}")
    for line in context:
        print(line)
    print()
    print(table)


def table_head(*columns: str) -> list[str]:
    """A Markdown table's header and alignment lines: the first column (names) left, the others
    (numbers) right."""
    return ["| " + " | ".join(columns) + " |", "| --- |" + " ---: |" * (len(columns) - 1)]


def format_spread(median: float, lowest: float, highest: float) -> str:
    """``1.23 (1.01–1.40)``: a median over the rounds, in brackets the lowest and highest round
    (the form tests/test_bench_smoke.py reads)."""
    return f"{median:.2f} ({lowest:.2f}–{highest:.2f})"


def foreign_load_line(share: float) -> str:
    """The report's line on the machine's load (the caller ends the sentence)."""
    return f"Other processes used {share:.0%} of the machine's CPU (median over rounds)"


def skipped_lines(skipped: dict[str, str]) -> list[str]:
    """One paragraph per contender that could not run here, with the reason."""
    return [f"\nskipped {name}: {reason}" for name, reason in skipped.items()]
