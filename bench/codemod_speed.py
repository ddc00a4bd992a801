"""Codemod throughput: files/s of ``migrate`` on a generated tree of realistic TF1 files.

    python bench/codemod_speed.py                 # ~300 files, 5 interleaved rounds
    python bench/codemod_speed.py --files 600 --rounds 3
    python bench/codemod_speed.py --quick         # tiny smoke run (tests/test_bench_smoke.py)

The tree is generated, nothing is downloaded: copies of the fixture corpus, tests/fixtures/tf1_scripts/*.py
and the Hallström script it reads from tf1_reference/data/ (legacy TF 0.x/1.x RNN scripts, a
notebook export, Python 2 files, an unparseable file and a TensorFlow-free one among them) spread
over sub-packages, each copy made distinct by a header comment. Measured in the same run, in a
rotating order every round:

* ``bare libcst (jobs 1)``  parse + one bare ``CSTTransformer`` + ``.code`` per file: the floor
  any libcst codemod pays (= 1.00: every ratio is against it, within the same round);
* ``bare libcst (jobs 2)``  the same over a 2-process pool;
* ``migrate run_paths``  ``migrate.runner.run_paths`` in process (read, pre-check, full rewrite and
  findings; nothing written): the keras level (the default) at jobs 1 and 2, compat at jobs 2;
* whole commands in a subprocess (start-up included), when ``--commands`` is on (default):
  ``tf1-migrate rewrite --level keras|compat --check -j 2`` and ``tf_upgrade_v2 --intree``
  (TensorFlow's own upgrader, whose start-up imports TensorFlow), if its console script is
  installed. Issue 8's target is the keras command's files/s over tf_upgrade_v2's, taken within
  each round: the table's last column.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

import libcst as cst

import common  # bench/ is the script's folder
from common import (REPO, ForeignLoad, console_script, foreign_load_line, format_spread, quiet_env, rotated,
                    skipped_lines, spread, table_head)

FIXTURES = REPO / "tests" / "fixtures" / "tf1_scripts"
# A corpus script kept where the demo bundles it (tests/corpus_tools.py, HALLSTROM_SCRIPT).
HALLSTROM = REPO / "tf1_reference" / "data" / "hallstrom_echo_tf1.py"


def generate_tree(root: pathlib.Path, count: int) -> list[str]:
    """``count`` distinct copies of the fixture scripts under ``root/pkg_<n>/``; returns their paths."""
    fixtures = list(FIXTURES.glob("*.py"))
    if not fixtures:
        raise SystemExit(f"no fixture scripts in {FIXTURES}")
    sources = sorted([*fixtures, HALLSTROM], key=lambda path: path.name)
    paths = []
    for index in range(count):
        source = sources[index % len(sources)]
        package = root / f"pkg_{index // len(sources)}"
        package.mkdir(parents=True, exist_ok=True)
        target = package / f"{source.stem}_{index}.py"
        data = source.read_bytes()
        # A distinct first line per copy (kept as bytes: CRLF and odd encodings survive).
        newline = b"\r\n" if b"\r\n" in data else b"\n"
        target.write_bytes(b"# generated copy " + str(index).encode() + newline + data)
        paths.append(str(target))
    return paths


class RenameMultiply(cst.CSTTransformer):
    """The baseline's one transform: ``tf.mul`` -> ``tf.multiply`` (visits every node)."""

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        if updated_node.attr.value == "mul":
            return updated_node.with_changes(attr=cst.Name("multiply"))
        return updated_node


def bare_libcst_file(path: str) -> bool:
    """Parse + one transformer + code, as a minimal libcst codemod would; False if unparseable."""
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        source = handle.read()
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return False
    module.visit(RenameMultiply()).code
    return True


def bare_libcst(paths: list[str], jobs: int) -> None:
    if jobs <= 1:
        for path in paths:
            bare_libcst_file(path)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        # The same chunking as migrate.runner.run_paths, so the pools compare like for like.
        chunk = max(1, min(16, len(paths) // (jobs * 4)))
        list(pool.map(bare_libcst_file, paths, chunksize=chunk))


def migrate_run(paths: list[str], jobs: int, level: str) -> None:
    from migrate.runner import run_paths

    outcomes = run_paths(paths, level, write=False, jobs=jobs)
    assert len(outcomes) == len(paths)


def command(arguments: list[str]) -> Callable[[list[str]], None]:
    def run(_paths: list[str]) -> None:
        # Exit codes are not checked: --check exits 1 when anything would change, and
        # tf_upgrade_v2 exits 0 or 1 depending on its report, neither means it did not run.
        subprocess.run(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=quiet_env(), timeout=3600)
    return run


def _own_jiffies() -> float:
    """CPU used by this process and its finished children (pools, commands), in jiffies."""
    times = os.times()
    return (times.user + times.system + times.children_user + times.children_system) * os.sysconf("SC_CLK_TCK")


def run(args: argparse.Namespace) -> dict[str, Any]:
    # Warm imports so no in-process contender pays a first import inside its timing.
    import migrate.engine  # noqa: F401
    import migrate.runner  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="tf1m-codemod-bench-") as temporary:
        root = pathlib.Path(temporary)
        tree = root / "tree"
        paths = generate_tree(tree, args.files)
        contenders: dict[str, Callable[[list[str]], None]] = {
            "bare libcst (jobs 1)": lambda p: bare_libcst(p, 1),
            "bare libcst (jobs 2)": lambda p: bare_libcst(p, 2),
            "migrate run_paths, keras level (jobs 1)": lambda p: migrate_run(p, 1, "keras"),
            "migrate run_paths, keras level (jobs 2)": lambda p: migrate_run(p, 2, "keras"),
            "migrate run_paths, compat level (jobs 2)": lambda p: migrate_run(p, 2, "compat"),
        }
        skipped: dict[str, str] = {}
        if args.commands:
            cli = console_script("tf1-migrate")
            if cli:
                for level in ("keras", "compat"):
                    contenders[f"tf1-migrate rewrite --level {level} --check -j 2 (whole command)"] = command(
                        [cli, "rewrite", "--level", level, "--check", "--jobs", "2", str(tree)])
            else:
                skipped["tf1-migrate"] = "console script not found (pip install -e .)"
            upgrader = console_script("tf_upgrade_v2")
            if upgrader:
                output = root / "upgraded"

                def tf_upgrade(p: list[str], upgrader: str = upgrader) -> None:
                    shutil.rmtree(output, ignore_errors=True)  # it refuses an existing --outtree
                    command([upgrader, "--intree", str(tree), "--outtree", str(output),
                             "--reportfile", str(root / "report.txt")])(p)

                contenders["tf_upgrade_v2 --intree (whole command)"] = tf_upgrade
            else:
                skipped["tf_upgrade_v2"] = "console script not found (it ships with tensorflow)"
        names = list(contenders)
        baseline = names[0]
        rates: dict[str, list[float]] = {name: [] for name in names}
        ratios: dict[str, list[float]] = {name: [] for name in names}
        upgrader_name = next((name for name in names if name.startswith("tf_upgrade_v2")), None)
        to_upgrader: dict[str, list[float]] = {name: [] for name in names}
        load = ForeignLoad(_own_jiffies)
        for round_index in range(args.rounds):
            measured = {}
            load.start()
            for name in rotated(names, round_index):
                start = time.perf_counter()
                contenders[name](paths)
                measured[name] = len(paths) / (time.perf_counter() - start)
            load.stop()
            for name in names:
                rates[name].append(measured[name])
                ratios[name].append(measured[name] / measured[baseline])
                if upgrader_name:
                    to_upgrader[name].append(measured[name] / measured[upgrader_name])
            if args.verbose:
                print(f"round {round_index + 1}: " + ", ".join(f"{n} {ratios[n][-1]:.2f}" for n in names),
                      file=sys.stderr)
        total_bytes = sum(os.path.getsize(p) for p in paths)
    rows = []
    for name in names:
        ratio, ratio_range = spread(ratios[name])
        rows.append({"name": name, "ratio": ratio, "range": ratio_range,
                     "files_per_second": statistics.median(rates[name]),
                     "to_upgrader": statistics.median(to_upgrader[name]) if to_upgrader[name] else None})
    return {"files": len(paths), "bytes": total_bytes, "rounds": args.rounds, "rows": rows, "skipped": skipped,
            "foreign_load": load.median()}


def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['files']} generated TF1 files ({result['bytes'] / 1024:.0f} KiB); median of {result['rounds']} "
        "interleaved rounds (ratio = files/s / bare libcst jobs 1 in the same round; in brackets the lowest "
        "and highest).",
    ]
    if result.get("foreign_load") is not None:
        lines.append(foreign_load_line(result["foreign_load"]) + ".")
    lines += ["", *table_head("contender", "ratio", "files/s", "ratio to tf_upgrade_v2")]
    for row in result["rows"]:
        upgrader = f"{row['to_upgrader']:.2f}" if row.get("to_upgrader") is not None else "–"
        lines.append(f"| {row['name']} | {format_spread(row['ratio'], *row['range'])} | {row['files_per_second']:.1f} "
                     f"| {upgrader} |")
    lines += skipped_lines(result["skipped"])
    return "\n".join(lines)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=300, help="files in the generated tree (default 300)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved measurement rounds (default 5)")
    parser.add_argument("--no-commands", dest="commands", action="store_false",
                        help="skip the whole-command contenders (tf1-migrate CLI, tf_upgrade_v2)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return common.parse_args(__doc__, argv, _arguments, quick="tiny smoke run: 12 files, 1 round, no commands",
                             quick_values={"files": 12, "rounds": 1, "commands": False}, verbose="ratios")


def main(argv: list[str] | None = None) -> int:
    return common.main(argv, parse_args, run, format_table)


if __name__ == "__main__":
    sys.exit(main())
