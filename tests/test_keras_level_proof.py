"""Numerical proof of the keras level (issue 5): the original TF1 graph and the rewritten graph,
from the same weights, give the same outputs, states, losses and gradient norms.

For each fixture in ``tests/fixtures/keras_level/`` the harness
(``tests/scripts/prove_keras_level.py``, one subprocess for all four: the rewritten modules
disable eager execution process-wide) builds the compat-level graph -- TF1's own legacy cells --
initialises it and saves a real ``Saver`` checkpoint with its ``.meta``; it then builds the
keras-level graph, loads that checkpoint with ``keras_rnn.restore_tf1_checkpoint`` (gate
reorder, kernel split, ``forget_bias`` read from the ``.meta`` and folded into the bias) and
runs the same fetches on the same feed.

Hallström's packed-state script is proved at the keras level from its one copy, the demo's bundled
``tf1_reference/data/hallstrom_echo_tf1.py``, by ``tf1-migrate prove`` (tests/test_fixture_proofs.py).
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

import corpus_tools as ct

FIXTURES = ct.REPO / "tests" / "fixtures" / "keras_level"
HARNESS = ct.REPO / "tests" / "scripts" / "prove_keras_level.py"

# fixture -> (TF1 cell scopes whose weights must have been loaded into Keras cells, fetches whose
# value is random on both sides because dropout is on: compared by shape only)
EXPECTED = {
    "course_language_model.py": ([f"LM/rnn/multi_rnn_cell/cell_{i}/lstm_cell" for i in range(2)] + ["LM/dense/kernel"], ("train_loss",)),
    "bidirectional_lengths.py": ([f"bidirectional_rnn/{d}/multi_rnn_cell/cell_{i}/lstm_cell" for d in ("fw", "bw") for i in range(2)], ()),
    "gru_stack_time_major.py": ([f"encoder/rnn/multi_rnn_cell/cell_{i}/gru_cell" for i in range(3)], ()),
    "dropout_keep_prob_eval.py": ([f"rnn/multi_rnn_cell/cell_{i}/basic_lstm_cell" for i in range(2)], ()),
}

# float32 throughout. Keras computes TF1's joined [x, h] @ W as x @ W_x + h @ W_h, which sums in
# another order: over these 6-15 step runs the rounding differences measured at most 1.5e-7 for
# values up to 0.7. 2e-6 relative to the fetch's magnitude (at least 1) leaves ten times that
# margin and still fails on any real error (a gate out of order is ~1e-1, a missing forget bias ~1e-2).
FLOAT32_TOLERANCE = 2e-6


@pytest.fixture(scope="module")
def proofs():
    paths = [str(FIXTURES / name) for name in EXPECTED]
    proc = subprocess.run(
        [sys.executable, str(HARNESS), *paths], env=ct.script_env(), capture_output=True, text=True,
        timeout=600, stdin=subprocess.DEVNULL,
    )
    reports = {}
    for line in proc.stdout.splitlines():
        if line.startswith("PROOF "):
            report = json.loads(line[len("PROOF "):])
            reports[pathlib.Path(report["fixture"]).name] = report
    return reports, proc


def test_every_fixture_has_a_readme_entry_and_a_proof_entry() -> None:
    on_disk = sorted(path.name for path in FIXTURES.glob("*.py"))
    assert on_disk == sorted(EXPECTED)
    readme = (FIXTURES / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in on_disk)


@pytest.mark.slow
@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_rewritten_graph_equals_the_tf1_graph_from_the_same_checkpoint(fixture, proofs) -> None:
    reports, proc = proofs
    assert fixture in reports, f"no proof for {fixture}: exit {proc.returncode}\n{ct.tail(proc.stderr)}"
    report = reports[fixture]
    cells, random_fetches = EXPECTED[fixture]
    for cell in cells:
        assert cell in report["loaded"], (cell, report["loaded"])
    assert len(report["fetches"]) >= 4
    for name, fetch in report["fetches"].items():
        assert fetch["shape_keras"] == fetch["shape_tf1"], (name, fetch)
        if name in random_fetches:
            continue
        assert fetch["max_abs_value"] > 0, (name, "a fetch of zeros proves nothing")
        limit = FLOAT32_TOLERANCE * max(1.0, fetch["max_abs_value"])
        assert fetch["max_abs_diff"] <= limit, (name, fetch)
