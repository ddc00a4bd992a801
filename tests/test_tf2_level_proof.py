"""The tf2 level end to end: scripts rewritten into TensorFlow 2 programs, run, and proven equal
to their compat runs call by call (each step's return against the Session.run it replaced).

Real parts only: the reference is TF1's own graph and Session through tf_keras, the candidate
the tf2 program in a process without tf_keras, weights handed over through a real Saver
checkpoint and the project's converter (``tf2_port.tf1_restore``).
"""

from __future__ import annotations

import ast
import shutil

import pytest

import corpus_tools as ct
from migrate.engine import rewrite_source
from migrate.prove import prove_script
from migrate.session_program import native_rnn

pytestmark = pytest.mark.slow

HALLSTROM = ct.REPO / "tf1_reference" / "data" / "hallstrom_echo_tf1.py"
SINE = ct.REPO / "tests" / "fixtures" / "tf2_level" / "stacked_lstm_sine_two_sites.py"
D2L = ct.REPO / "tests" / "fixtures" / "tf2_level" / "d2l_char_lm_tf1.py"
DROPOUT = ct.REPO / "tests" / "fixtures" / "tf2_level" / "dropout_keep_prob_placeholder.py"
# The course LanguageModel: its graphs built by methods of a class, training and evaluation
# graphs sharing every weight through variable_scope(reuse=AUTO_REUSE).
COURSE = ct.REPO / "tests" / "fixtures" / "tf2_level" / "course_language_model_tf1.py"
# Saver: checkpoints saved with a step number and a final one read back before predicting.
SAVER = ct.REPO / "tests" / "fixtures" / "tf2_level" / "saver_checkpoints.py"
# A learning rate fed per run, decaying: the Keras optimizer reads a variable the step sets.
FED_LEARNING_RATE = ct.REPO / "tests" / "fixtures" / "tf2_level" / "fed_learning_rate.py"
# TensorBoard: a scalar and a histogram summary fetched each step (compared by value and by
# TF1's histogram statistics), the graph written through a FileWriter.
SUMMARIES = ct.REPO / "tests" / "fixtures" / "tf2_level" / "summaries_tensorboard.py"
# state_is_tuple=False: GRU and LSTM stacks whose whole state is one matrix fed back each run
# (an LSTM's as c, h per layer), dropout around the stack.
FLAT_STATE = ct.REPO / "tests" / "fixtures" / "tf2_level" / "flat_state_char_rnn.py"
SCRIPTS = [HALLSTROM, SINE, D2L, DROPOUT, COURSE, SAVER, FED_LEARNING_RATE, SUMMARIES, FLAT_STATE]
SCRIPT_IDS = ["hallstrom", "sine_two_sites", "d2l_char_lm", "dropout_keep_prob", "course_language_model", "saver",
              "fed_learning_rate", "summaries", "flat_state"]

# What a tf2 program must not use any more (the level's contract, point 5): by what names refer
# to, never by text (the scripts' own names say "placeholder" and their docstrings "Session").
TF1_MODULES = ("tensorflow.compat", "tf2_port")
# What the contract lets a tf2 program import from the project, with a finding: the cells and
# wrappers Keras 3 lacks (TFM603), and the converter that restores old TF1 checkpoints (TFM604).
ALLOWED = ("tf2_port.cells.", "tf2_port.tf1_dropout.", "tf2_port.tf1_restore.restore_tf1_checkpoint_into")
TF1_ATTRIBUTES = {"Session", "InteractiveSession", "placeholder", "disable_eager_execution", "get_variable"}


def tf1_uses(code: str) -> list[str]:
    """Every dotted name of ``code`` that reaches TF1 API or the keras-level runtime."""
    tree = ast.parse(code)
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    found = [path for path in imported.values() if path.startswith(TF1_MODULES) and not path.startswith(ALLOWED)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parts, base = [node.attr], node.value
            while isinstance(base, ast.Attribute):
                parts.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in imported:
                dotted = ".".join([imported[base.id], *reversed(parts)])
                if (dotted.startswith(TF1_MODULES) and not dotted.startswith(ALLOWED)) or node.attr in TF1_ATTRIBUTES:
                    found.append(dotted)
        elif isinstance(node, ast.keyword) and node.arg == "feed_dict":
            found.append("feed_dict=")
    return found


def _tf2(path) -> str:
    result = rewrite_source(path.read_text(), "tf2", str(path))
    assert result.steps, [finding.format() for finding in result.findings]
    return result.code


def test_a_program_that_writes_summaries_says_it_needs_tensorboard() -> None:
    result = rewrite_source(SUMMARIES.read_text(), "tf2", str(SUMMARIES))
    assert [f.code for f in result.findings].count("TFM605") == 1
    plain = rewrite_source(SINE.read_text(), "tf2", str(SINE))
    assert "TFM605" not in [f.code for f in plain.findings]


@pytest.mark.parametrize("script", SCRIPTS, ids=SCRIPT_IDS)
def test_the_output_is_a_tensorflow_2_program(script) -> None:
    code = _tf2(script)
    assert not tf1_uses(code)
    assert "@tf.function" in code and "keras.layers.RNN(" in code


def test_the_check_sees_tf1_uses() -> None:
    # The check above can fail: it sees each kind of TF1 use, however imported.
    assert tf1_uses("import tensorflow as tf\nx = tf.compat.v1.placeholder(tf.float32)\n")
    assert tf1_uses("from tf2_port import keras_rnn\n")
    assert not tf1_uses("from tf2_port.tf1_dropout import TF1DropoutWrapper\n")
    assert tf1_uses("import tensorflow as t\ns = t.Session()\n")
    assert not tf1_uses('import tensorflow as tf\nbatchX_placeholder = tf.zeros([2])  # no Session\n')


@pytest.fixture()
def smoke(monkeypatch):
    monkeypatch.setenv("TF1M_SMOKE", "1")  # Hallström's script: a small run (its own switch)


def _copy(script, tmp_path):
    target = tmp_path / script.name
    shutil.copy(script, target)
    return target


@pytest.mark.parametrize("script", SCRIPTS, ids=SCRIPT_IDS)
def test_proven_against_the_compat_run_over_twenty_calls_training_included(script, tmp_path, smoke) -> None:
    report = prove_script(str(_copy(script, tmp_path)), level="tf2", steps=20)
    assert report.exit_code == 0, report.message
    assert report.candidate.calls == report.reference.calls == 20
    # Training happened: the fetched loss moved between the first and the last call.
    losses = [row for row in report.rows if row.path == "[0]" and row.compared == "values"]
    assert len(losses) >= 2


def test_a_state_swap_in_the_generated_code_is_caught_at_the_first_fed_back_state(tmp_path, smoke, monkeypatch) -> None:
    # The fault is injected into the rewrite itself: the generated code hands TF1's (c, h) to
    # Keras as if it were [h, c]. Call 1 starts from the zero state, where both orders are the
    # same zeros; call 2 feeds back the state call 1 fetched, and must differ there.
    monkeypatch.setitem(native_rnn._TO_KERAS, "lstm_stack", "[list(layer) for layer in {state}]")
    report = prove_script(str(_copy(HALLSTROM, tmp_path)), level="tf2", steps=3)
    assert report.exit_code == 1, report.message
    assert report.message.startswith("call 2,"), report.message


def test_a_fed_keep_probability_drops_while_training_and_not_when_predicting(capsys) -> None:
    # prove compares with dropout off; this checks the dropout itself in the tf2 program: the
    # keep probability the step is given (a variable the wrapper reads) decides, as in TF1.
    import numpy as np

    namespace: dict = {"__name__": "tf2_program"}
    exec(compile(_tf2(DROPOUT), str(DROPOUT), "exec"), namespace)  # runs its 30 training steps
    capsys.readouterr()
    batch = np.random.RandomState(1).randn(4, 6, 3)
    predict = namespace["run_pred"]
    kept = [predict(batch, 1.0).numpy() for _ in range(2)]
    dropped = [predict(batch, 0.5).numpy() for _ in range(2)]
    np.testing.assert_array_equal(kept[0], kept[1])  # keep 1.0: no mask, the same numbers
    assert np.max(np.abs(dropped[0] - dropped[1])) > 1e-4  # keep 0.5: a fresh mask per call
    assert np.max(np.abs(dropped[0] - kept[0])) > 1e-4


def _restructured_fixtures() -> list:
    folders = [ct.REPO / "tests" / "fixtures" / "tf1_scripts", ct.REPO / "tests" / "fixtures" / "keras_level"]
    found = []
    for path in sorted(p for folder in folders for p in folder.glob("*.py")):
        result = rewrite_source(path.read_text(), "tf2", str(path))
        if result.steps:
            found.append(path)
    return found


def test_every_fixture_the_tf2_level_restructures_is_proven(tmp_path, smoke) -> None:
    # The fixture corpus was written for the other levels: whatever of it the tf2 level takes on
    # (a set that grows with the level) must prove equal to its compat run, training included.
    from migrate.prove import prove_scripts

    fixtures = _restructured_fixtures()
    assert len(fixtures) >= 5, [path.name for path in fixtures]
    copies = []
    for path in fixtures:
        folder = tmp_path / path.stem
        folder.mkdir()
        shutil.copy(path, folder / path.name)
        copies.append(str(folder / path.name))
    reports = prove_scripts(copies, "tf2", steps=20)
    failed = {report.script: report.message for report in reports if report.exit_code != 0}
    assert not failed, failed
