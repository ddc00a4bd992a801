"""``tf1-migrate prove`` (issue 13): the rewritten script against its compat reference.

The scripts here are small TF1 programs, each written to exercise one part of prove: the
hand-over of weights, the seeds, neutralised calls, the verdicts. They are proved in two shared
batches (one reference and one or two candidate processes per batch), and the faults prove must
catch are injected into the *candidate's* runtime by a ``sitecustomize`` module (the reference
process sets ``TF_USE_LEGACY_KERAS=1``, the candidate does not; the injection keys on that).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import corpus_tools as ct
from migrate.prove import compare, keras_seed_fence
from migrate.prove.orchestrate import format_report, prove_scripts

HEADER = '''\
import os
import random

import numpy as np
import tensorflow as tf
'''

# A two-layer LSTM echo model with Hallström's packed state, an Adagrad step per call, the
# state fed back: the weights, the state order and the training trajectory all show in the
# fetches.
PACKED_STATE = HEADER + '''
layers, batch, steps, units = 2, 3, 5, 4
x = tf.placeholder(tf.float32, [batch, steps, 1])
y = tf.placeholder(tf.int32, [batch, steps])
packed = tf.placeholder(tf.float32, [layers, 2, batch, units])
per_layer = tf.unstack(packed, axis=0)
state = tuple(tf.nn.rnn_cell.LSTMStateTuple(p[0], p[1]) for p in per_layer)
cells = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.LSTMCell(units) for _ in range(layers)])
outputs, final = tf.nn.dynamic_rnn(cells, x, initial_state=state)
logits = tf.layers.dense(outputs, 2)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.AdagradOptimizer(0.3).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    current = np.zeros((layers, 2, batch, units), np.float32)
    for step in range(200):
        bits = np.random.randint(0, 2, (batch, steps))
        feed = {x: bits[..., None].astype(np.float32), y: np.roll(bits, 1, axis=1), packed: current}
        value, _, current = sess.run([loss, train, final], feed)
        print("loss: %.5f" % value)
'''

# Data drawn by Python's `random` AFTER the cells are built, and by a TF random op created
# after them: both must be the same in the two runs although the runs build different cells.
RANDOM_STREAMS = HEADER + '''
x = tf.placeholder(tf.float32, [2, 3, 2])
cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(3), tf.nn.rnn_cell.GRUCell(3)])
outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
noise = tf.random_uniform([2, 3])
total = tf.reduce_sum(outputs) + tf.reduce_sum(noise)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for _ in range(3):
    data = np.array([[[random.random() for _ in range(2)] for _ in range(3)] for _ in range(2)])
    print(sess.run([total, noise], {x: data}))
'''

# A DropoutWrapper with a fed keep probability: equal with dropout forced off, and with
# --keep-dropout equal in shape and dtype only.
DROPOUT = HEADER + '''
keep = tf.placeholder(tf.float32, [])
x = tf.placeholder(tf.float32, [4, 6, 3])
cells = [tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(5), output_keep_prob=keep)
         for _ in range(2)]
outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        print(sess.run([outputs, state], {x: np.random.rand(4, 6, 3), keep: 0.5}))
'''

# input(), plt.show() and an endless loop: neutralised and ended after --steps calls; the
# script's own arguments arrive in sys.argv.
INTERACTIVE = HEADER + '''
import sys
import matplotlib.pyplot as plt

assert sys.argv[1:] == ["--width", "7"], sys.argv
answer = input("continue? ")
x = tf.placeholder(tf.float32, [2, 4, 7])
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(3), x, dtype=tf.float32)
sess = tf.InteractiveSession()
tf.global_variables_initializer().run()
while True:
    value = outputs.eval({x: np.random.rand(2, 4, 7)})
    plt.plot(value[0])
    plt.show()
'''

# The train op alone for 9 calls, the loss every 10th: --steps counts the calls with a value.
SPARSE_FETCHES = HEADER + '''
x = tf.placeholder(tf.float32, [2, 3, 2])
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(3), x, dtype=tf.float32)
loss = tf.reduce_mean(tf.square(outputs))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1000):
        data = np.random.rand(2, 3, 2)
        if step % 10 == 9:
            print(sess.run(loss, {x: data}))
        else:
            sess.run(train, {x: data})
'''

# Only operations, never a value: nothing to compare, and prove says so.
ONLY_OPERATIONS = HEADER + '''
x = tf.placeholder(tf.float32, [2, 3, 2])
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), x, dtype=tf.float32)
train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(outputs))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(30):
        sess.run(train, {x: np.random.rand(2, 3, 2)})
'''

NO_SESSION = HEADER + '''
cell = tf.nn.rnn_cell.LSTMCell(4)
print("a model module: builds nothing it runs")
'''

FAILS_IN_REFERENCE = HEADER + '''
with open("data/missing.txt") as handle:
    text = handle.read()
'''

# One stack object as cell_fw and cell_bw: TF1 created its variables under fw only, and the
# backward direction shared them; the rewrite shares the Keras cells the same way.
SHARED_FW_BW = HEADER + '''
x = tf.placeholder(tf.float32, [3, 5, 2])
lengths = tf.placeholder(tf.int32, [3])
stack = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.LSTMCell(4) for _ in range(2)])
outputs, states = tf.nn.bidirectional_dynamic_rnn(stack, stack, x, sequence_length=lengths, dtype=tf.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(sess.run([tf.concat(outputs, 2), states], {x: np.random.rand(3, 5, 2), lengths: [5, 3, 0]}))
'''

# A tf.keras cell (not a TF1 cell) in a TF1 driver: its variables carry Keras names in both runs.
TF_KERAS_CELL = HEADER + '''
with tf.variable_scope("one_cell"):
    cell = tf.keras.layers.SimpleRNNCell(units=3)
    outputs, _ = tf.nn.dynamic_rnn(cell, np.ones((2, 4, 5), np.float32), dtype=tf.float32)
sess = tf.Session()
sess.run(tf.global_variables_initializer())
print(sess.run(outputs))
'''

# Saver.save fetches the path it wrote, here with a time stamp: listed, never compared.
SAVER_PATH = HEADER + '''
import time
x = tf.placeholder(tf.float32, [2, 3, 2])
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), x, dtype=tf.float32)
saver = tf.train.Saver()
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(2):
        print(sess.run(outputs, {x: np.random.rand(2, 3, 2)}))
        time.sleep(0.01)
        saver.save(sess, os.path.join("checkpoints", "model-%f" % time.time()))
'''

# tf.app.flags of the same name in two scripts proved in one process; the second also finds
# its arguments.
FLAGS_SCRIPT = HEADER + '''
tf.app.flags.DEFINE_integer("units", 3, "cell size")
FLAGS = tf.app.flags.FLAGS


def main(_):
    x = tf.placeholder(tf.float32, [2, 3, 2])
    outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(FLAGS.units), x, dtype=tf.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print(sess.run(outputs, {x: np.random.rand(2, 3, 2)}))


tf.app.run(main)
'''

# The script imports a module of its folder that still needs tf_keras at the keras level
# (batch_normalization stays legacy): the candidate process must allow tf_keras.
# Its dropout, fed 0.5, is in the module too: it must be off in both runs (it once stayed on in
# the candidate, because only the script's own text was looked at).
SIBLING_MODEL = HEADER + '''

def build(x, keep):
    cells = [tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(4), output_keep_prob=keep) for _ in range(2)]
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float32)
    return tf.layers.batch_normalization(outputs, training=False), state
'''
SIBLING_TRAIN = HEADER + '''
import model

x = tf.placeholder(tf.float32, [2, 5, 3])
keep = tf.placeholder(tf.float32, [])
normalised, state = model.build(x, keep)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(sess.run([normalised, state], {x: np.random.rand(2, 5, 3), keep: 0.5}))
'''

# A float64 graph: TF1 cells took the inputs' dtype; the Keras cells must too (compared at the
# float64 tolerance).
FLOAT64_GRAPH = HEADER + '''
x = tf.placeholder(tf.float64, [3, 5, 2])
cells = [tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.LSTMCell(4), output_keep_prob=0.5) for _ in range(2)]
outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float64)
prediction = tf.layers.dense(outputs, 1)
loss = tf.reduce_mean(tf.square(prediction))
train = tf.train.AdamOptimizer(0.01).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        print(sess.run([loss, state, train], {x: np.random.rand(3, 5, 2)}))
'''

# The cell class picked at run time and called later (char-rnn's `cell_fn`), with a forget bias
# that is not a literal and a flat state chosen by a variable: keras_rnn's TF1-signature
# constructors build the Keras cells when the script runs.
CELL_CLASSES = HEADER + '''
kind, flat = "lstm", False
cell_fn = {"lstm": tf.nn.rnn_cell.LSTMCell, "gru": tf.nn.rnn_cell.GRUCell}[kind]
bias = 0.5
x = tf.placeholder(tf.float32, [3, 5, 2])
stack = tf.nn.rnn_cell.MultiRNNCell([cell_fn(4, forget_bias=bias, state_is_tuple=not flat) for _ in range(2)],
                                    state_is_tuple=not flat)
outputs, state = tf.nn.dynamic_rnn(stack, x, dtype=tf.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(sess.run([outputs, state], {x: np.random.rand(3, 5, 2)}))
'''

# contrib helpers the keras level converts and the reference gets back as TF1 formulas.
CONTRIB_HELPERS = HEADER + '''
ids = tf.placeholder(tf.int32, [3, 4])
embedded = tf.contrib.layers.embed_sequence(ids, vocab_size=7, embed_dim=5)
encoder = tf.unstack(embedded, axis=1)
cell = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.BasicLSTMCell(6) for _ in range(2)])
outputs, state = tf.contrib.legacy_seq2seq.basic_rnn_seq2seq(encoder, encoder[::-1], cell)
print(tf.contrib.learn.run_n({"outputs": outputs[-1], "c": state[1].c}, feed_dict={ids: np.arange(12).reshape(3, 4) % 7}, n=2))
'''

SCRIPTS = {
    "packed_state.py": PACKED_STATE,
    "contrib_helpers.py": CONTRIB_HELPERS,
    "cell_classes.py": CELL_CLASSES,
    "float64_graph.py": FLOAT64_GRAPH,
    "shared_fw_bw.py": SHARED_FW_BW,
    "tf_keras_cell.py": TF_KERAS_CELL,
    "saver_path.py": SAVER_PATH,
    "flags_a.py": FLAGS_SCRIPT,
    "flags_b.py": FLAGS_SCRIPT,
    "train_with_sibling.py": {"train_with_sibling.py": SIBLING_TRAIN, "model.py": SIBLING_MODEL},
    "random_streams.py": RANDOM_STREAMS,
    "dropout.py": DROPOUT,
    "interactive.py": INTERACTIVE,
    "no_session.py": NO_SESSION,
    "sparse_fetches.py": SPARSE_FETCHES,
    "only_operations.py": ONLY_OPERATIONS,
    "fails_in_reference.py": FAILS_IN_REFERENCE,
}

# Injected into the candidate only (the process without TF_USE_LEGACY_KERAS). Which fault
# applies depends on the script now running (prove sets sys.argv[0] per script).
FAULTS = '''\
"""tf1-migrate prove tests: faults injected into the candidate's runtime."""
import importlib.abc
import os
import sys


def fault():
    if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
        return None
    return os.path.basename(sys.argv[0]) if sys.argv else None


def patch(module):
    # The swap is injected where the drivers look it up: the globals of the package's states module.
    structure = module.states
    to_keras, to_tf1 = structure._single_to_keras, structure._single_to_tf1
    variable_assignments = module.tf1_variable_assignments
    dynamic_rnn = module.dynamic_rnn

    def no_swap_to_keras(cell, state, flat):
        if fault() == "swap_c_h.py" and structure._is_lstm_like(cell) and not flat and not structure.tf.is_tensor(state):
            return list(state)  # (c, h) handed over as if it were [h, c]
        return to_keras(cell, state, flat)

    def no_swap_to_tf1(cell, states, flat):
        if fault() == "swap_c_h.py" and structure._is_lstm_like(cell) and not flat:
            return structure.LSTMStateTuple(*states)
        return to_tf1(cell, states, flat)

    def drop_one(*args, **kwargs):
        assignments = variable_assignments(*args, **kwargs)
        if fault() == "lost_weight.py":
            return [a for a in assignments if "multi_rnn_cell/cell_1" not in a[2]]
        return assignments

    def broken_driver(*args, **kwargs):
        if fault() == "candidate_fails.py":
            raise RuntimeError("injected: the candidate's driver is broken")
        return dynamic_rnn(*args, **kwargs)

    structure._single_to_keras, structure._single_to_tf1 = no_swap_to_keras, no_swap_to_tf1
    module.tf1_variable_assignments = drop_one
    module.dynamic_rnn = broken_driver


class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "tf2_port.keras_rnn":
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            patch(module)

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Finder())
'''

HALLSTROM = (ct.REPO / "tf1_reference" / "data" / "hallstrom_echo_tf1.py").read_text()

FAULTY = {
    "swap_c_h.py": HALLSTROM,  # the bundled default: Hallström's packed state, TF 0.12
    "lost_weight.py": PACKED_STATE,
    "candidate_fails.py": PACKED_STATE,
    "healthy.py": PACKED_STATE,  # the same program, no fault: proves the injection is targeted
}


def _write(root: pathlib.Path, scripts: dict) -> list[pathlib.Path]:
    """One folder per script (a dict value: the folder's files, the script first)."""
    paths = []
    for name, text in scripts.items():
        folder = root / name[:-3]
        folder.mkdir(parents=True)
        files = text if isinstance(text, dict) else {name: text}
        for file_name, file_text in files.items():
            (folder / file_name).write_text(textwrap.dedent(file_text))
        paths.append(folder / name)
    return paths


def _by_name(reports) -> dict:
    return {pathlib.Path(report.script).name: report for report in reports}


@pytest.fixture(scope="module")
def proofs(tmp_path_factory):
    root = tmp_path_factory.mktemp("prove")
    paths = _write(root, SCRIPTS)
    special = {"interactive.py": ["--width", "7"], "flags_b.py": ["--units", "5"]}
    args = [special.get(path.name, []) for path in paths]
    reports = prove_scripts(paths, "keras", steps=6, args_per_script=args, timeout=300)
    return _by_name(reports), root


@pytest.fixture(scope="module")
def faulty_proofs(tmp_path_factory):
    root = tmp_path_factory.mktemp("faulty")
    paths = _write(root, FAULTY)
    site = root / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAULTS)
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(site)] + ([previous] if previous else []))
    try:
        reports = prove_scripts(paths, "keras", steps=8, timeout=300)
    finally:
        if previous is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = previous
    return _by_name(reports)


# --- verdicts on healthy scripts ------------------------------------------------------------


@pytest.mark.slow
def test_packed_state_training_is_proven_call_by_call(proofs):
    report = proofs[0]["packed_state.py"]
    assert report.exit_code == 0, format_report(report)
    assert report.verdict == "proven"
    # stopped at --steps calls that fetch values; the initializer call comes on top
    assert report.reference.value_calls == report.candidate.value_calls == 6
    assert report.reference.calls == report.candidate.calls == 7
    values = [row for row in report.rows if row.compared == "values"]
    assert {row.call for row in values} == {2, 3, 4, 5, 6, 7}  # loss and state of six training calls
    assert all(row.max_abs_diff <= row.limit for row in values)
    # the weights really were handed over: the candidate loaded the converted LSTM kernels
    loaded = report.candidate.syncs[0]["sources"]
    assert any("multi_rnn_cell/cell_1/lstm_cell" in name for name in loaded), loaded
    text = format_report(report)
    assert "PROVEN" in text and "call" in text and "max |diff|" in text


@pytest.mark.slow
def test_python_and_tf_random_streams_line_up_although_the_runs_build_different_cells(proofs):
    report = proofs[0]["random_streams.py"]
    assert report.exit_code == 0, format_report(report)
    noise = [row for row in report.rows if "random_uniform" in row.label]
    assert noise and all(row.ok and row.max_abs_diff == 0.0 for row in noise)


@pytest.mark.slow
def test_dropout_is_forced_off_in_both_runs_and_said_so(proofs):
    report = proofs[0]["dropout.py"]
    assert report.exit_code == 0, format_report(report)
    assert any("dropout disabled in both runs" in note for note in report.notes), report.notes


@pytest.mark.slow
def test_input_plt_show_and_an_endless_loop_are_neutralised_and_arguments_passed(proofs):
    report = proofs[0]["interactive.py"]
    assert report.exit_code == 0, format_report(report)
    assert report.reference.end == report.candidate.end == "steps"
    notes = " ".join(report.notes)
    assert "input()" in notes and "plt.show()" in notes


@pytest.mark.slow
def test_steps_count_the_calls_that_fetch_values(proofs):
    report = proofs[0]["sparse_fetches.py"]
    assert report.exit_code == 0, format_report(report)
    assert report.reference.value_calls == 6 and report.reference.calls == 1 + 6 * 10  # init, then 9 + 1 per value
    assert "(6 of them fetched values)" in report.message


@pytest.mark.slow
def test_a_script_that_fetches_no_value_is_not_called_proven(proofs):
    report = proofs[0]["only_operations.py"]
    assert report.exit_code == 2 and report.verdict == "nothing-compared", format_report(report)
    assert report.reference.calls == 31 and "fetched no value" in report.message


@pytest.mark.slow
def test_a_script_without_session_run_gets_a_clear_message(proofs):
    report = proofs[0]["no_session.py"]
    assert report.exit_code == 2 and report.verdict == "no-session-run"
    assert "without calling Session.run" in report.message


@pytest.mark.slow
def test_a_reference_failing_before_its_first_fetch_exits_2_with_its_error(proofs):
    report = proofs[0]["fails_in_reference.py"]
    assert report.exit_code == 2 and report.verdict == "failed"
    assert "reference run" in report.message and "FileNotFoundError" in report.message
    assert "fails_in_reference.py" in report.message  # the failing line of the script is named


@pytest.mark.slow
@pytest.mark.parametrize("name", ["shared_fw_bw.py", "tf_keras_cell.py", "saver_path.py", "flags_a.py", "flags_b.py",
                                  "train_with_sibling.py", "contrib_helpers.py", "float64_graph.py",
                                  "cell_classes.py"])
def test_real_code_shapes_are_proven(proofs, name):
    # Each of these shapes failed on a public script before prove handled it (bench/RESULTS.md).
    report = proofs[0][name]
    assert report.exit_code == 0, format_report(report)
    assert report.reference.end == report.candidate.end == "ended"


@pytest.mark.slow
def test_a_float64_graph_stays_float64_and_is_compared_at_float64_precision(proofs):
    values = [row for row in proofs[0]["float64_graph.py"].rows if row.compared == "values"]
    assert values and {row.dtype for row in values} == {"float64"}
    # float64's tolerance, or the (float64-sized) drift of the perturbed rerun where training grew it
    assert all(row.limit <= max(1e-10 * max(1.0, row.magnitude), row.drift or 0.0) for row in values)
    assert max(row.drift or 0.0 for row in values) < 1e-8


@pytest.mark.slow
def test_the_savers_own_session_runs_are_not_the_scripts_calls(proofs):
    # Saver.save runs the Session itself (its save op, returning a time-stamped path); a tf2
    # program saves without a Session run, so those runs are not recorded on either side: the
    # initializer run and the script's two runs are.
    report = proofs[0]["saver_path.py"]
    assert report.reference.calls == report.candidate.calls == 3, format_report(report)
    assert not [row for row in report.rows if row.compared == "not compared: checkpoint path"]


@pytest.mark.slow
def test_the_users_folder_is_never_modified(proofs):
    root = proofs[1]
    expected = []
    for name, text in SCRIPTS.items():
        files = text if isinstance(text, dict) else {name: text}
        expected += [name[:-3]] + [f"{name[:-3]}/{file_name}" for file_name in files]
        for file_name, file_text in files.items():
            assert (root / name[:-3] / file_name).read_text() == textwrap.dedent(file_text)
    assert sorted(str(path.relative_to(root)) for path in root.rglob("*")) == sorted(expected)


# --- faults prove must catch --------------------------------------------------------------------


@pytest.mark.slow
def test_the_injection_is_targeted(faulty_proofs):
    report = faulty_proofs["healthy.py"]
    assert report.exit_code == 0, format_report(report)


@pytest.mark.slow
def test_a_c_h_swap_in_the_runtime_is_caught_at_the_first_fetch(faulty_proofs):
    report = faulty_proofs["swap_c_h.py"]
    assert report.exit_code == 1 and report.verdict == "differs", format_report(report)
    # call 1 initialises; call 2 is the first training step, which fetches the packed state
    assert report.message.startswith("call 2, "), report.message
    first = compare.first_divergence(report.rows)
    assert first.call == 2 and first.max_abs_diff > 1e-3


@pytest.mark.slow
def test_a_candidate_variable_without_a_value_is_an_error_naming_it(faulty_proofs):
    report = faulty_proofs["lost_weight.py"]
    assert report.exit_code == 2, format_report(report)
    assert "got no value from the reference" in report.message
    assert "cell_1" in report.message or "lstm_cell_1" in report.message, report.message


@pytest.mark.slow
def test_a_candidate_failing_before_its_first_fetch_exits_2_with_its_error(faulty_proofs):
    report = faulty_proofs["candidate_fails.py"]
    assert report.exit_code == 2 and report.verdict == "failed"
    assert "candidate run (keras rewrite)" in report.message
    assert "injected: the candidate's driver is broken" in report.message


# --- a notebook, as Jupyter's Run All runs it ----------------------------------------------------


@pytest.mark.slow
def test_a_notebook_runs_its_code_cells_in_order_under_ipython(tmp_path):
    cells = [
        "%matplotlib inline\nimport numpy as np\nimport tensorflow as tf",
        "!pip install something-that-must-never-be-installed",
        "x = tf.placeholder(tf.float32, [2, 4, 3])\n"
        "stack = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(5) for _ in range(2)])\n"
        "outputs, state = tf.nn.dynamic_rnn(stack, x, dtype=tf.float32)",
        "sess = tf.InteractiveSession()\nsess.run(tf.global_variables_initializer())\n"
        "sess.run([outputs, state], {x: np.random.rand(2, 4, 3)})",
    ]
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": source} for source in cells],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 2}
    path = tmp_path / "stack.ipynb"
    path.write_text(json.dumps(notebook))
    report = prove_scripts([path], "keras", steps=5, timeout=300)[0]
    assert report.exit_code == 0, format_report(report)
    assert report.reference.value_calls == 1 and report.reference.end == "ended"
    notes = " ".join(report.notes)
    assert "%matplotlib" in notes and "!shell command" in notes  # neutralised, never run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stack.ipynb"]  # nothing written beside it


# --- the command line -----------------------------------------------------------------------


@pytest.mark.slow
def test_cli_prove_prints_the_table_writes_json_and_refuses_bad_input(tmp_path):
    script = tmp_path / "echo" / "packed_state.py"
    script.parent.mkdir()
    script.write_text(PACKED_STATE)
    report_path = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "migrate", "prove", str(script), "--steps", "3", "--report", str(report_path)],
        capture_output=True, text=True, timeout=600, env=ct.script_env(),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PROVEN: 4 Session.run calls compared (3 of them fetched values)" in proc.stdout
    data = json.loads(report_path.read_text())
    assert data["exit_code"] == 0 and data["steps"] == 3 and data["values"]
    for bad in (["prove", str(tmp_path / "absent.py")], ["prove", str(script), "--steps", "0"],
                ["prove", str(script), "--workdir", str(tmp_path)]):
        proc = subprocess.run([sys.executable, "-m", "migrate", *bad], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (bad, proc.stdout, proc.stderr)
        assert "expected" in proc.stderr, proc.stderr


# --- comparison rules (no TensorFlow) --------------------------------------------------------


def _call(values, structure="(*)", kinds=None):
    kinds = kinds or ["value"] * len(values)
    return {"call": 1, "structure": structure, "types": "list", "leaves": [
        {"path": f"[{i}]", "label": f"t{i}:0", "kind": kind, "value": value, "random_op": None}
        for i, (value, kind) in enumerate(zip(values, kinds))]}


def test_floats_compare_relative_to_the_reference_magnitude():
    big = np.full(3, 1000.0, np.float32)
    # 1e-5 relative: 5e-3 on values of 1000 passes, 2e-2 does not; on values below 1 the limit is 1e-5
    assert compare.compare_calls([_call([big])], [_call([big + 5e-3])])[0].ok
    assert not compare.compare_calls([_call([big])], [_call([big + 2e-2])])[0].ok
    small = np.full(3, 0.1, np.float32)
    assert not compare.compare_calls([_call([small])], [_call([small + 2e-5])])[0].ok
    assert compare.compare_calls([_call([small])], [_call([small + 2e-5])], tolerance=1e-4)[0].ok


def test_float64_has_its_own_tolerance_and_dtype_changes_are_divergences():
    value = np.full(2, 0.5)
    assert not compare.compare_calls([_call([value])], [_call([value + 1e-8])])[0].ok
    assert compare.compare_calls([_call([value])], [_call([value + 1e-12])])[0].ok
    row = compare.compare_calls([_call([value])], [_call([value.astype(np.float32)])])[0]
    assert not row.ok and "dtype float64 became float32" in row.reason


def test_nans_must_match_integers_are_exact_and_shapes_must_agree():
    nan = np.array([1.0, np.nan], np.float32)
    assert compare.compare_calls([_call([nan])], [_call([nan.copy()])])[0].ok
    assert not compare.compare_calls([_call([nan])], [_call([np.array([1.0, 2.0], np.float32)])])[0].ok
    assert not compare.compare_calls([_call([np.array([1, 2])])], [_call([np.array([1, 3])])])[0].ok
    row = compare.compare_calls([_call([np.zeros((2, 3))])], [_call([np.zeros((3, 2))])])[0]
    assert not row.ok and "shape" in row.reason


def test_structures_must_agree_summaries_are_skipped_and_keep_dropout_compares_shapes():
    rows = compare.compare_calls([_call([np.zeros(2)], "(*)")], [_call([np.zeros(2)], "((*))")])
    assert len(rows) == 1 and not rows[0].ok and rows[0].compared == "structure"
    rows = compare.compare_calls([_call([b"proto a"], kinds=["summary"])], [_call([b"proto b"], kinds=["summary"])])
    assert rows[0].ok and rows[0].compared.startswith("not compared")
    rows = compare.compare_calls([_call([np.zeros(2, np.float32)])], [_call([np.ones(2, np.float32)])], keep_dropout=True)
    assert rows[0].ok and rows[0].compared == "shape and dtype"


def test_the_reruns_drift_widens_the_limit_as_a_running_maximum():
    reference = [dict(_call([np.full(2, 0.5, np.float32)]), call=n) for n in (1, 2, 3)]
    perturbed = [dict(_call([np.full(2, 0.5 + d, np.float32)]), call=n) for n, d in ((1, 0.0), (2, 3e-3), (3, 1e-3))]
    drift = compare.drift_by_value(reference, perturbed)
    assert drift[(1, "[0]")] == 0.0 and drift[(3, "[0]")] == pytest.approx(3e-3, rel=1e-3)  # never shrinks
    candidate = [dict(_call([np.full(2, 0.5 + d, np.float32)]), call=n) for n, d in ((1, 2e-6), (2, 2e-2), (3, 4e-2))]
    rows = compare.compare_calls(reference, candidate, drift=drift)
    assert rows[0].ok and rows[0].drift_limit is None  # within the dtype tolerance already
    limit = compare.DRIFT_FACTOR * 3e-3
    assert rows[1].ok and rows[1].drift_limit == pytest.approx(limit, rel=1e-3)  # only the drift allows it
    assert not rows[2].ok  # beyond what rounding growth explains


def test_the_keras_seed_fences_still_find_their_private_attributes():
    # Fails loudly when Keras 3 or tf_keras move where they draw default seeds (see the module).
    from keras.src.random import seed_generator

    assert hasattr(seed_generator, "python_random")
    import tf_keras.src.backend as legacy_backend

    assert hasattr(legacy_backend, "_SEED_GENERATOR")
    import random

    state = random.getstate()
    keras_seed_fence.isolate_default_seeds(3, legacy_keras=True)
    seed_generator.make_default_seed()
    legacy_backend.RandomGenerator(None)._create_seed(None)
    assert random.getstate() == state  # neither drew from Python's global generator
