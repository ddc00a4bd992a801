"""Codemod throughput on a TensorFlow-free tree: ``tf1-migrate rewrite --check`` over the standard library.

    python bench/stdlib_speed.py                  # the whole standard library, 3 rounds
    python bench/stdlib_speed.py --rounds 5 --verbose
    python bench/stdlib_speed.py --quick          # a few stdlib packages, 1 round (tests/test_bench_smoke.py)

Issue 8's target: on a TensorFlow-free tree (the standard library) >= 500 files/s. The tree is
``sysconfig.get_paths()["stdlib"]`` of the interpreter running this script (the venv's base
Python), read in place (nothing is written: ``--check``), with ``site-packages`` and
``dist-packages`` excluded (``--exclude``; they are not the standard library). The number of
files is what the command visits: ``migrate.runner.collect_paths`` with the same arguments, the
function the CLI itself walks with.

Contenders, each a whole command in a subprocess (interpreter start-up included), in a rotating
order every round:

* ``tf1-migrate --help``  start-up only (what every run pays before the first file);
* ``tf1-migrate rewrite --check -j 2`` at ``--level keras`` (the default) and ``--level compat``.

The exit code is shown, not judged (``--check`` exits 1 when a file would change or failed). The
command reads every visited file; files that never mention TensorFlow are passed over before any
parsing, which is what makes this tree fast (the standard library's deliberately unparseable
test files are among them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import time
from typing import Any

import common  # bench/ is the script's folder
from common import REPO, console_script, format_spread, quiet_env, rotated, spread, table_head

TARGET_FILES_PER_SECOND = 500.0
EXCLUDED = ("site-packages", "dist-packages")
QUICK_PACKAGES = ("json", "email", "importlib")


def tree_paths(quick: bool) -> list[str]:
    stdlib = sysconfig.get_paths()["stdlib"]
    if not quick:
        return [stdlib]
    return [os.path.join(stdlib, name) for name in QUICK_PACKAGES if os.path.isdir(os.path.join(stdlib, name))]


def count_files(paths: list[str]) -> tuple[int, int]:
    """(files the rewrite visits, their bytes): the CLI's own walk, same excludes."""
    sys.path.insert(0, str(REPO))
    from migrate.runner import collect_paths

    files = [collected.path for collected in collect_paths(paths, EXCLUDED) if not collected.problem]
    return len(files), sum(os.path.getsize(path) for path in files)


def run(args: argparse.Namespace) -> dict[str, Any]:
    cli = console_script("tf1-migrate")
    if cli is None:
        raise SystemExit("tf1-migrate console script not found (pip install -e .)")
    paths = tree_paths(args.quick)
    files, size = count_files(paths)
    excludes = [item for pattern in EXCLUDED for item in ("--exclude", pattern)]
    commands = {
        "tf1-migrate --help (start-up only)": [cli, "--help"],
        "tf1-migrate rewrite --check -j 2 (level keras, the default)":
            [cli, "rewrite", "--check", "--jobs", str(args.jobs), "--level", "keras", *excludes, *paths],
        "tf1-migrate rewrite --check -j 2 --level compat":
            [cli, "rewrite", "--check", "--jobs", str(args.jobs), "--level", "compat", *excludes, *paths],
    }
    names = list(commands)
    walls: dict[str, list[float]] = {name: [] for name in names}
    exits: dict[str, set[int]] = {name: set() for name in names}
    env = quiet_env()
    for round_index in range(args.rounds):
        for name in rotated(names, round_index):
            start = time.perf_counter()
            completed = subprocess.run(commands[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       env=env, timeout=3600)
            walls[name].append(time.perf_counter() - start)
            exits[name].add(completed.returncode)
        if args.verbose:
            print(f"round {round_index + 1}: " + ", ".join(f"{n} {walls[n][-1]:.2f} s" for n in names),
                  file=sys.stderr)
    rows = []
    for name in names:
        start_up = name.startswith("tf1-migrate --help")
        wall, wall_range = spread(walls[name])
        rate, rate_range = (None, None) if start_up else spread([files / seconds for seconds in walls[name]])
        rows.append({"name": name, "wall": wall, "wall_range": wall_range, "start_up": start_up,
                     "files_per_second": rate, "rate_range": rate_range, "exits": sorted(exits[name])})
    return {"paths": paths, "files": files, "bytes": size, "rounds": args.rounds, "jobs": args.jobs, "rows": rows}


def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"Standard library tree: {', '.join(result['paths'])} (excluding {', '.join(EXCLUDED)}): "
        f"{result['files']:,} .py files the command visits ({result['bytes'] / 1024 / 1024:.1f} MB). "
        f"Median of {result['rounds']} round(s), whole command in a subprocess (start-up included); "
        f"ratio = files/s / the target {TARGET_FILES_PER_SECOND:.0f} files/s (in brackets the lowest and highest).",
        "",
        *table_head("contender", "wall (s)", "files/s", "ratio to target", "exit code"),
    ]
    target = TARGET_FILES_PER_SECOND
    for row in result["rows"]:
        wall = format_spread(row["wall"], *row["wall_range"])
        exits = ",".join(str(code) for code in row["exits"])
        if row["start_up"]:
            lines.append(f"| {row['name']} | {wall} | – | – | {exits} |")
            continue
        low, high = row["rate_range"]
        ratio = format_spread(row["files_per_second"] / target, low / target, high / target)
        lines.append(f"| {row['name']} | {wall} | {row['files_per_second']:,.0f} | {ratio} | {exits} |")
    return "\n".join(lines)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the rewrite (default 2)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return common.parse_args(__doc__, argv, _arguments,
                             quick=f"smoke run: only {', '.join(QUICK_PACKAGES)} of the standard library, 1 round",
                             quick_values={"rounds": 1}, verbose="wall times")


def main(argv: list[str] | None = None) -> int:
    return common.main(argv, parse_args, run, format_table)


if __name__ == "__main__":
    sys.exit(main())
