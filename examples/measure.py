"""Measure every example pair and write the figures where readers see them.

    python examples/measure.py              # every example
    python examples/measure.py cell_zoo     # some of them

For each example both sides run from the same weights (float32, and float64 where the
example supports it); the max |diff| over every compared tensor goes into the example's
README ("**Measured**" line) and into examples/results.json, which `tf1-migrate examples`
and its HTML page read. Training-mode dropout is recorded as zero rates, not compared.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples import harness  # noqa: E402

RESULTS = harness.EXAMPLES_DIR / "results.json"
MEASURED_LINE = re.compile(r"^\*\*Measured\*\*.*$", re.MULTILINE)


def record(runs: dict[str, tuple[dict, dict]]) -> dict:
    """The results.json entry of one example from its ``{dtype: (tf1_run, keras_run)}`` runs."""
    entry: dict = {"max_abs_diff": {}, "compared": []}
    for dtype, (tf1_run, keras_run) in runs.items():
        per_leaf = harness.diffs(tf1_run, keras_run)
        entry["max_abs_diff"][dtype] = harness.max_diff(per_leaf)
        entry["compared"] = sorted(per_leaf)
    tf1_run, keras_run = runs["float32"]
    if harness.zero_rates(keras_run):
        entry["training_zero_rates"] = {"tf1": harness.zero_rates(tf1_run), "keras": harness.zero_rates(keras_run)}
    return entry


def measured_line(entry: dict) -> str:
    figures = ", ".join(f"{dtype} {diff:.1e}" for dtype, diff in entry["max_abs_diff"].items())
    line = f"**Measured** max |diff|: {figures} (`python examples/measure.py`)."
    rates = entry.get("training_zero_rates")
    if rates:
        tf1_rate = max(rates["tf1"].values())
        keras_rate = max(rates["keras"].values())
        line += f" Training mode, largest zero rate: TF1 {tf1_rate:.2f}, Keras {keras_rate:.2f}."
    return line


def write_readme_line(name: str, entry: dict) -> None:
    readme = harness.EXAMPLES_DIR / name / "README.md"
    text = readme.read_text()
    if not MEASURED_LINE.search(text):
        raise ValueError(f"{readme}: expected a line starting with **Measured**, found none.")
    readme.write_text(MEASURED_LINE.sub(measured_line(entry).replace("\\", "\\\\"), text, count=1))


def main(argv: list[str]) -> int:
    names = argv or harness.example_names()
    unknown = sorted(set(names) - set(harness.example_names()))
    if unknown:
        print(f"unknown example(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in names:
        runs = {dtype: harness.run_pair(name, dtype) for dtype in harness.dtypes(name)}
        results[name] = record(runs)
        write_readme_line(name, results[name])
        print(f"{name:<28} " + "  ".join(f"{d} {v:.1e}" for d, v in results[name]["max_abs_diff"].items()))
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
