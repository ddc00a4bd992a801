"""The benchmark scripts run end to end in --quick mode and print their tables.

Structure only (a table, one row per contender, positive ratios): timings are never asserted,
the machine is shared and the numbers are what bench/RESULTS.md is for.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _run_quick(script: str) -> str:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_USE_LEGACY_KERAS", None)  # the workers set what they need themselves
    run = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True, text=True,
                         env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def _table_rows(output: str) -> list[list[str]]:
    lines = [line for line in output.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    assert lines, output
    header, rows = lines[0], lines[1:]
    assert header.startswith("| contender |")
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def _ratio(cell: str) -> float:
    match = re.fullmatch(r"(\d+\.\d\d) \((\d+\.\d\d)–(\d+\.\d\d)\)", cell)  # median (min–max)
    assert match, cell
    median, low, high = (float(group) for group in match.groups())
    assert 0 < low <= median <= high
    return median


@pytest.mark.slow  # ~25 s: one TensorFlow (or PyTorch) worker process per contender
def test_rnn_speed_quick_prints_every_contender_with_positive_ratios():
    output = _run_quick("rnn_speed.py")
    assert output.startswith("machine: ") and "logical cores" in output
    rows = {row[0]: row for row in _table_rows(output)}
    expected = ["TF1 graph", "Keras 3 RNN(StackedRNNCells)", "StackPort fast form", "PrecomputedInputLSTM x 2",
                "PrecomputedInputLSTM x 2 + XLA"]
    for label in expected:
        assert any(name.startswith(label) for name in rows), (label, list(rows))
    assert "PyTorch nn.LSTM, eager" in rows or "skipped torch" in output
    for name, (_, train, infer, train_rate, infer_rate, first_step, peak_rss, logit_diff) in rows.items():
        assert _ratio(train) > 0 and _ratio(infer) > 0
        if name.startswith("TF1 graph"):
            assert train.startswith("1.00") and infer.startswith("1.00")  # the reference of every round
        assert float(train_rate.replace(",", "")) > 0 and float(infer_rate.replace(",", "")) > 0
        assert float(first_step) > 0 and float(peak_rss.replace(",", "")) > 0
        # Every contender starts from the TF1 weights: logits equal to float32 rounding.
        assert float(logit_diff) < 1e-5, (name, logit_diff)


def test_codemod_speed_quick_prints_ratios_against_bare_libcst():
    output = _run_quick("codemod_speed.py")
    assert "12 generated TF1 files" in output
    rows = {row[0]: row for row in _table_rows(output)}
    assert set(rows) == {"bare libcst (jobs 1)", "bare libcst (jobs 2)", "migrate run_paths, keras level (jobs 1)",
                         "migrate run_paths, keras level (jobs 2)", "migrate run_paths, compat level (jobs 2)"}
    assert rows["bare libcst (jobs 1)"][1].startswith("1.00")
    for _, ratio, files_per_second, to_upgrader in rows.values():
        assert _ratio(ratio) > 0 and float(files_per_second) > 0
        assert to_upgrader == "–"  # --quick runs no whole commands, so no tf_upgrade_v2 to pair with


def _tables(output: str) -> list[list[list[str]]]:
    """Every Markdown table of the output: [header cells, *row cells], separator lines dropped."""
    tables, current = [], []
    for line in output.splitlines() + [""]:
        if line.startswith("| "):
            if not line.startswith("| ---"):
                current.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
        elif current:
            tables.append(current)
            current = []
    return tables


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


@pytest.mark.slow  # ~35 s: generates a checkpoint, then six fresh TensorFlow processes
def test_checkpoint_speed_quick_reports_time_and_memory_against_the_checkpoint_size():
    output = _run_quick("checkpoint_speed.py")
    assert output.startswith("machine: ") and "2 x LSTM 64" in output and "MB on disk" in output
    main, profile = _tables(output)
    assert main[0][:2] == ["contender", "wall (s)"] and main[0][-1] == "memory ratio"
    rows = {row[0]: row for row in main[1:]}
    assert list(rows)[0] == "import tensorflow, keras (baseline)"
    assert "convert_checkpoint (library call)" in rows and "read_checkpoint (every array in memory)" in rows
    assert "tf1-migrate convert-checkpoint (CLI)" in rows or "skipped tf1-migrate" in output
    for name, (_, wall, own_time, time_ratio, rate, peak, own_rss, memory_ratio) in rows.items():
        assert _number(wall) > 0 and _number(peak) > 0
        if name.startswith(("convert_checkpoint", "tf1-migrate")):
            # Building a Keras model costs memory beyond the bare imports: positive at any size.
            assert _number(own_rss) > 0 and _number(memory_ratio) > 0
            assert _number(time_ratio) == _number(time_ratio)  # a number (not nan); its sign is noise here
    assert profile[0][0] == "step"
    steps = [row[0] for row in profile[1:]]
    assert any(step.startswith("_build_model") for step in steps) and any("Model.save" in s for s in steps)
    for row in profile[1:]:
        assert all(_number(cell) >= 0 for cell in row[1:4])


def test_stdlib_speed_quick_counts_the_files_and_reports_files_per_second():
    output = _run_quick("stdlib_speed.py")
    match = re.search(r"(\d[\d,]*) \.py files the command visits", output)
    assert match and _number(match.group(1)) > 0, output
    (table,) = _tables(output)
    assert table[0][0] == "contender"
    rows = {row[0]: row for row in table[1:]}
    assert any(name.startswith("tf1-migrate --help") for name in rows)
    rewrites = [row for name, row in rows.items() if "rewrite --check" in name]
    assert len(rewrites) == 2
    for _, wall, files_per_second, ratio, exit_code in rewrites:
        assert _number(wall.split()[0]) > 0 and _number(files_per_second) > 0
        assert _ratio(ratio) > 0
