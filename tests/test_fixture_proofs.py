"""Every runnable script of ``tests/fixtures``, the bundled Hallström script and the whole-script
example's ``before.py`` are *proven* at the keras level (issue 13).

``tf1-migrate prove`` runs each script rewritten at compat (TF1's own legacy cells, the
reference) and at keras (Keras 3 cells, ``tf_keras`` blocked unless the rewrite itself kept the
legacy setting), hands the reference's freshly initialised weights to the keras run through the
converter, and compares the first 20 ``Session.run`` results value by value: losses, states,
predictions, through the training updates. Where the older corpus test only saw the loss go
down, this sees a gate order, a forget bias or a (c, h) swap. All scripts share one reference
and one candidate process (the scripts' smoke sizes, ``TF1M_SMOKE=1``).
"""

from __future__ import annotations

import os

import pytest

import corpus_tools as ct
from migrate.prove import format_report, prove_scripts

KERAS_LEVEL_FIXTURES = sorted((ct.REPO / "tests" / "fixtures" / "keras_level").glob("*.py"))
# The whole-script example's TF1 side (the bundled default, Hallström's TF 0.12 script, is in the
# corpus: ct.HALLSTROM_SCRIPT).
BUNDLED = [ct.REPO / "examples" / "whole_script_rewrite" / "before.py"]
PROVEN = [script.path for script in ct.scripts(ct.RUNS, ct.RUNS_AFTER_KERAS, ct.NOTEBOOK)] + KERAS_LEVEL_FIXTURES + BUNDLED
STEPS = 20


@pytest.fixture(scope="module")
def reports():
    previous = os.environ.get("TF1M_SMOKE")
    os.environ["TF1M_SMOKE"] = "1"
    try:
        return {report.script: report for report in prove_scripts(PROVEN, "keras", steps=STEPS, timeout=300)}
    finally:
        if previous is None:
            del os.environ["TF1M_SMOKE"]
        else:
            os.environ["TF1M_SMOKE"] = previous


@pytest.mark.slow
@pytest.mark.parametrize("path", PROVEN, ids=[path.stem for path in PROVEN])
def test_fixture_script_is_proven_at_the_keras_level(path, reports):
    report = reports[str(path)]
    assert report.exit_code == 0, format_report(report)
    # Every script trains past 20 calls: the comparison covers 20 calls that fetch values
    # (the loss, a state), updates included.
    assert report.reference.value_calls == report.candidate.value_calls == STEPS
    compared = [row for row in report.rows if row.compared in ("values", "exact")]
    assert len({row.call for row in compared}) >= STEPS - 2, "most calls must fetch a value"
    assert any(row.magnitude for row in compared), "a run of zeros proves nothing"
