"""Checkpoints of tf2-level programs (``migrate.session_program.checkpoints``), run for real.

The fixture trains, saves with a step number every 5 steps (keeping the last 3), saves a final
checkpoint and restores it. Its tf2 program is executed in this process (eager TensorFlow 2);
the TF1 checkpoint comes from the compat-level script run under TF1's own Saver.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
import tensorflow as tf

import corpus_tools as ct
from migrate.engine import rewrite_source

SCRIPT = ct.REPO / "tests" / "fixtures" / "tf2_level" / "saver_checkpoints.py"


def _tf2_program(directory, monkeypatch, capsys) -> dict:
    """The tf2 program, run to its end with its checkpoints in ``directory``; its namespace."""
    result = rewrite_source(SCRIPT.read_text(), "tf2", str(SCRIPT))
    assert result.steps, [finding.format() for finding in result.findings]
    monkeypatch.setenv("CHECKPOINT_DIR", str(directory))
    source = ct.write_source(directory.parent / f"tf2_program_{directory.name}.py", result.code)
    namespace: dict = {"__name__": "tf2_program"}
    exec(compile(result.code, str(source), "exec"), namespace)  # AutoGraph reads the steps' source
    capsys.readouterr()
    return namespace


def _every_variable(namespace: dict) -> list:
    return [*namespace["cell_rnn"].weights, namespace["w"], *namespace["optimizer"].variables]


def test_every_weight_and_the_optimizer_state_round_trip(tmp_path, monkeypatch, capsys) -> None:
    program = _tf2_program(tmp_path / "own", monkeypatch, capsys)
    variables = _every_variable(program)
    # 2 GRU layers x (kernel, recurrent kernel, bias), w; Adam: iterations, learning rate, m and v each
    assert len(variables) == 7 + 2 + 2 * 7
    saved = [v.numpy().copy() for v in variables]
    prefix = program["save_checkpoint"](str(tmp_path / "again"))
    for variable in variables:
        variable.assign(tf.fill(variable.shape, tf.constant(3, variable.dtype)))
    program["restore_checkpoint"](prefix)
    for variable, value in zip(variables, saved):
        np.testing.assert_array_equal(variable.numpy(), value, err_msg=variable.name)  # exact: bytes read back


def test_saves_with_a_step_number_keep_the_last_three_and_are_listed(tmp_path, monkeypatch, capsys) -> None:
    own = tmp_path / "own"
    _tf2_program(own, monkeypatch, capsys)
    kept = sorted(name[:-len(".index")] for name in os.listdir(own) if name.endswith(".index"))
    # TF1's Saver(max_to_keep=3) at steps 5, 10, 15, 20, and the final save without a step
    assert kept == ["final", "model-10", "model-15", "model-20"]
    assert tf.train.latest_checkpoint(str(own)) == str(own / "model-20")


def test_a_run_resumes_from_the_latest_checkpoint_of_its_directory(tmp_path, monkeypatch, capsys) -> None:
    own = tmp_path / "own"
    first = _tf2_program(own, monkeypatch, capsys)
    at_step_20 = tf.train.load_checkpoint(str(own / "model-20")).get_tensor("w/.ATTRIBUTES/VARIABLE_VALUE")
    resumed = _tf2_program(own, monkeypatch, capsys)  # restores model-20 first, then trains on
    restored_then_trained = resumed["w"].numpy()
    assert not np.array_equal(first["w"].numpy(), restored_then_trained)
    # The second run started from step 20's weights, not from a fresh draw: 20 small Adam steps
    # (lr 0.01) move w by at most 20 * 0.01 per element.
    assert np.max(np.abs(restored_then_trained - at_step_20)) <= 20 * 0.01 + 1e-6


@pytest.mark.slow
def test_a_checkpoint_the_tf1_script_saved_restores_through_the_converter(tmp_path, monkeypatch, capsys) -> None:
    # The TF1 script (compat level: TF1's own cells, Saver and graph) writes its checkpoints...
    compat = rewrite_source(SCRIPT.read_text(), "compat", str(SCRIPT))
    script = ct.write_source(tmp_path / "compat_script.py", compat.code)
    tf1_directory = tmp_path / "tf1"
    code, _, stdout, stderr = ct.run_script(script, {"CHECKPOINT_DIR": str(tf1_directory)})
    assert code == 0, ct.tail(stderr)
    prediction_lines = stdout[stdout.rindex("saved"):].split("\n", 1)[1]  # what follows the last save line
    printed = np.array([float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", prediction_lines)])
    assert printed.shape == (2,), stdout
    # ... and the tf2 program reads the final one by TF1 names: the same prediction.
    program = _tf2_program(tmp_path / "own", monkeypatch, capsys)
    own = program["run_prediction"](np.ones([2, 7, 3], np.float32)).numpy().ravel()
    assert np.max(np.abs(own - printed)) > 1e-3  # its own training gave other weights
    program["restore_checkpoint"](str(tf1_directory / "final"))
    prediction = program["run_prediction"](np.ones([2, 7, 3], np.float32)).numpy().ravel()
    # NumPy prints 8 significant digits; the GRU weights are converted exactly (float32 sums)
    np.testing.assert_allclose(prediction, printed, rtol=1e-5, atol=1e-6)
