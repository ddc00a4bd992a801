"""tf2_port.tf1_restore: a real TF1 checkpoint into the objects of an eager TensorFlow 2 program.

The TF1 side is a real ``tf.compat.v1`` graph of TF1's own legacy cells and layers (through
``tf1_reference._legacy``, which makes them importable), run by a Session and saved with a real
``Saver`` and its ``.meta`` graph: a ``MultiRNNCell`` of two ``BasicLSTMCell(forget_bias=0.7)``
under ``dynamic_rnn`` (scope ``rnn``), a plain ``tf.Variable`` (``Variable``), a
``tf.layers.dense`` (``dense``), a ``MultiRNNCell`` of two ``GRUCell`` s under ``static_rnn``
(scope ``encoder``) and a lone ``BasicRNNCell`` in a ``DropoutWrapper`` (scope ``lone``). Every
variable is given random values (biases included) before saving, so no weight is zero by
chance. The eager side builds the Keras objects unbuilt, restores by an explicit name table,
and runs the same inputs and initial states; the TF1 graph lives only inside
``with tf.Graph().as_default()``, so eager execution stays on everywhere else.
"""

from __future__ import annotations

import os
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf1_reference._legacy import rnn_cell, tf1
from tf2_port import restore_tf1_checkpoint_into as exported_restore
from tf2_port.cells import DropoutWrapperCell
from tf2_port.tf1_restore import restore_tf1_checkpoint_into, tf1_object_assignments

BATCH, STEPS, FEATURES = 3, 5, 4
LSTM_UNITS, GRU_UNITS, LONE_UNITS, PROJECTED, DENSE_UNITS = 6, 5, 3, 2, 7
FORGET_BIAS = 0.7  # not TF1's default 1.0: the restore must read it from the .meta graph
LSTM_PREFIXES = [f"rnn/multi_rnn_cell/cell_{i}/basic_lstm_cell" for i in range(2)]
GRU_PREFIXES = [f"encoder/multi_rnn_cell/cell_{i}/gru_cell" for i in range(2)]
LONE_PREFIX = "lone/basic_rnn_cell"

# The TF1 side uses tf.layers.dense / conv1d on purpose: they wrote `dense/kernel` and
# `conv1d/kernel` in TF1 scripts.
pytestmark = pytest.mark.filterwarnings(r"ignore:`tf\.layers\.\w+` is deprecated:UserWarning")

# float32 on both sides. Keras computes TF1's joined concat([x, h]) @ W as x @ W_x + h @ W_h,
# which rounds in another order (~1e-7 on values of order one); the dense layer and the matmul
# are the same ops on the same values. 1e-6 relative to the value's magnitude (at least 1)
# leaves a margin over that and still fails on any real mistake (a forget bias off by 0.3
# moves the LSTM outputs by more than 1e-2: see the forget-bias test).
FLOAT32_TOLERANCE = 1e-6


def _tolerance(expected: np.ndarray) -> float:
    return FLOAT32_TOLERANCE * max(1.0, float(np.max(np.abs(expected))))


def _assert_close(actual, expected, what: str) -> float:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    assert np.max(np.abs(expected)) > 0, (what, "a fetch of zeros proves nothing")
    difference = float(np.max(np.abs(actual - expected)))
    assert difference <= _tolerance(expected), (what, difference)
    return difference


def _inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)

    def uniform(*shape):
        return rng.uniform(-1, 1, shape).astype(np.float32)

    return {
        "x": uniform(BATCH, STEPS, FEATURES),
        # TF1 order per LSTM layer: (c, h).
        "lstm_c": [uniform(BATCH, LSTM_UNITS) for _ in range(2)],
        "lstm_h": [uniform(BATCH, LSTM_UNITS) for _ in range(2)],
        "gru_h": [uniform(BATCH, GRU_UNITS) for _ in range(2)],
        "lone_h": uniform(BATCH, LONE_UNITS),
    }


def _write_tf1_checkpoint(prefix: str, inputs: dict[str, np.ndarray]) -> dict:
    """Build, randomise, run and save (with its .meta graph) the TF1 graph; its fetches as NumPy arrays."""
    rng = np.random.default_rng(5)
    with tf.Graph().as_default(), tf1.Session() as session:
        x = tf1.placeholder(tf.float32, [None, STEPS, FEATURES])
        lstm_state = tuple(
            rnn_cell.LSTMStateTuple(tf1.placeholder(tf.float32, [None, LSTM_UNITS]),
                                    tf1.placeholder(tf.float32, [None, LSTM_UNITS]))
            for _ in range(2)
        )
        lstm_stack = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(LSTM_UNITS, forget_bias=FORGET_BIAS) for _ in range(2)])
        lstm_outputs, lstm_final = tf1.nn.dynamic_rnn(lstm_stack, x, initial_state=lstm_state, scope="rnn")

        W = tf.Variable(rng.normal(size=(LSTM_UNITS, PROJECTED)).astype(np.float32))  # TF1 name: Variable
        projected = tf.matmul(lstm_outputs[:, -1], W)
        dense = tf1.layers.dense(lstm_outputs, DENSE_UNITS)

        gru_state = tuple(tf1.placeholder(tf.float32, [None, GRU_UNITS]) for _ in range(2))
        gru_stack = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(GRU_UNITS) for _ in range(2)])
        gru_outputs, gru_final = tf1.nn.static_rnn(gru_stack, tf.unstack(x, axis=1), initial_state=gru_state,
                                                   scope="encoder")

        lone_state = tf1.placeholder(tf.float32, [None, LONE_UNITS])
        lone_cell = rnn_cell.DropoutWrapper(rnn_cell.BasicRNNCell(LONE_UNITS), output_keep_prob=1.0)
        lone_outputs, lone_final = tf1.nn.dynamic_rnn(lone_cell, x, initial_state=lone_state, scope="lone")

        session.run(tf1.global_variables_initializer())
        # Random values everywhere, biases included (TF1 starts them at 0 or 1): a bias that
        # the conversion dropped or misplaced then changes the numbers.
        for variable in tf1.global_variables():
            variable.load(rng.normal(scale=0.5, size=variable.shape).astype(np.float32), session)
        feed = {x: inputs["x"], lone_state: inputs["lone_h"]}
        for index, state in enumerate(lstm_state):
            feed[state.c], feed[state.h] = inputs["lstm_c"][index], inputs["lstm_h"][index]
        for index, state in enumerate(gru_state):
            feed[state] = inputs["gru_h"][index]
        fetched = session.run({
            "lstm_outputs": lstm_outputs, "lstm_final": lstm_final, "projected": projected, "dense": dense,
            "gru_outputs": tf.stack(gru_outputs, axis=1), "gru_final": gru_final,
            "lone_outputs": lone_outputs, "lone_final": lone_final,
        }, feed)
        fetched["names"] = sorted(variable.op.name for variable in tf1.global_variables())
        tf1.train.Saver().save(session, prefix)  # writes model.ckpt.meta too
    return fetched


@pytest.fixture(scope="module")
def tf1_run(tmp_path_factory):
    inputs = _inputs()
    prefix = str(tmp_path_factory.mktemp("tf1") / "model.ckpt")
    reference = _write_tf1_checkpoint(prefix, inputs)
    return prefix, inputs, reference


def _keras_objects() -> dict:
    """The eager program's objects, unbuilt, as the tf2 codemod level creates them."""
    return {
        "Variable": tf.Variable(tf.zeros([LSTM_UNITS, PROJECTED])),
        "rnn": keras.layers.StackedRNNCells([keras.layers.LSTMCell(LSTM_UNITS) for _ in range(2)]),
        "dense": keras.layers.Dense(DENSE_UNITS),
        # TF1's GRUCell is Keras' reset_after=False form (ARCHITECTURE.md: facts).
        "encoder": keras.layers.StackedRNNCells([keras.layers.GRUCell(GRU_UNITS, reset_after=False) for _ in range(2)]),
        "lone": DropoutWrapperCell(keras.layers.SimpleRNNCell(LONE_UNITS), output_keep_prob=1.0),
    }


def _run_lstm(stack, inputs):
    # Keras' LSTM state is [h, c] per layer where TF1's LSTMStateTuple is (c, h).
    initial = [[inputs["lstm_h"][i], inputs["lstm_c"][i]] for i in range(2)]
    outputs, *final = keras.layers.RNN(stack, return_sequences=True, return_state=True)(inputs["x"], initial_state=initial)
    return np.asarray(outputs), [(np.asarray(c), np.asarray(h)) for h, c in final]


def test_every_object_kind_restores_and_runs_as_the_tf1_graph(tf1_run):
    prefix, inputs, reference = tf1_run
    objects = _keras_objects()
    assert not any(o.built for o in objects.values() if isinstance(o, keras.layers.Layer))

    loaded = restore_tf1_checkpoint_into(prefix, objects)

    assert loaded == sorted(["Variable", "dense/bias", "dense/kernel", *LSTM_PREFIXES, *GRU_PREFIXES, LONE_PREFIX])
    differences = {}
    lstm_outputs, lstm_final = _run_lstm(objects["rnn"], inputs)
    differences["lstm outputs"] = _assert_close(lstm_outputs, reference["lstm_outputs"], "lstm outputs")
    for index, (c, h) in enumerate(lstm_final):
        differences[f"lstm c{index}"] = _assert_close(c, reference["lstm_final"][index].c, f"lstm c{index}")
        differences[f"lstm h{index}"] = _assert_close(h, reference["lstm_final"][index].h, f"lstm h{index}")
    # The dense layer and the matmul read the TF1 LSTM outputs: they are checked on their own.
    tf1_lstm_outputs = reference["lstm_outputs"]
    differences["projected"] = _assert_close(tf1_lstm_outputs[:, -1] @ objects["Variable"].numpy(),
                                             reference["projected"], "projected")
    differences["dense"] = _assert_close(objects["dense"](tf1_lstm_outputs), reference["dense"], "dense")

    gru_outputs, *gru_final = keras.layers.RNN(objects["encoder"], return_sequences=True, return_state=True)(
        inputs["x"], initial_state=[[h] for h in inputs["gru_h"]])
    differences["gru outputs"] = _assert_close(gru_outputs, reference["gru_outputs"], "gru outputs")
    for index, (h,) in enumerate(gru_final):
        differences[f"gru h{index}"] = _assert_close(h, reference["gru_final"][index], f"gru h{index}")

    lone_outputs, lone_final = keras.layers.RNN(objects["lone"], return_sequences=True, return_state=True)(
        inputs["x"], initial_state=[inputs["lone_h"]])
    differences["lone outputs"] = _assert_close(lone_outputs, reference["lone_outputs"], "lone outputs")
    differences["lone h"] = _assert_close(lone_final, reference["lone_final"], "lone h")
    print("max |diff| per fetch:", {name: f"{value:.2e}" for name, value in differences.items()})


def test_assignments_cover_every_keras_weight_once_and_the_package_exports_the_restore(tf1_run):
    prefix, _, reference = tf1_run
    from tf2_port.checkpoint import read_checkpoint, read_meta_settings

    objects = _keras_objects()
    # The same variable listed twice, alone and inside its layer, is assigned once.
    objects["dense"].build((None, LSTM_UNITS))
    objects["dense/kernel"] = objects["dense"].kernel
    assignments = tf1_object_assignments(read_checkpoint(prefix), objects, read_meta_settings(prefix + ".meta"))
    variables = [variable for variable, _, _ in assignments]
    expected = [objects["Variable"], *objects["dense"].weights, *objects["rnn"].weights,
                *objects["encoder"].weights, *objects["lone"].cell.weights]
    assert sorted(map(id, variables)) == sorted(map(id, expected))
    # Every TF1 variable of the graph is accounted for: by name, or inside a cell's prefix.
    sources = {name for _, _, name in assignments}
    assert all(name in sources or any(name.startswith(p + "/") for p in sources) for name in reference["names"])
    assert exported_restore is restore_tf1_checkpoint_into


def test_without_the_folded_forget_bias_the_lstm_is_far_off(tf1_run):
    prefix, inputs, reference = tf1_run
    stack = keras.layers.StackedRNNCells([keras.layers.LSTMCell(LSTM_UNITS) for _ in range(2)])
    # TF1's default forget bias instead of the 0.7 the graph ran with.
    restore_tf1_checkpoint_into(prefix, {"rnn": stack}, forget_biases={p: 1.0 for p in LSTM_PREFIXES})
    outputs, _ = _run_lstm(stack, inputs)
    difference = float(np.max(np.abs(outputs - reference["lstm_outputs"])))
    # Measured 0.057 (0.0017 even for 0.69); 1e-2 is four orders above the float32 tolerance.
    assert difference > 1e-2, difference


def test_an_lstm_without_meta_graph_or_forget_biases_is_refused_and_forget_biases_fix_it(tf1_run, tmp_path):
    prefix, inputs, reference = tf1_run
    bare = str(tmp_path / "model.ckpt")
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copy(prefix + suffix, bare + suffix)
    assert not os.path.exists(bare + ".meta")
    stack = keras.layers.StackedRNNCells([keras.layers.LSTMCell(LSTM_UNITS) for _ in range(2)])
    with pytest.raises(ValueError, match=r"expected the forget_bias of rnn/multi_rnn_cell/cell_0/basic_lstm_cell"):
        restore_tf1_checkpoint_into(bare, {"rnn": stack})
    restore_tf1_checkpoint_into(bare, {"rnn": stack}, forget_biases={p: FORGET_BIAS for p in LSTM_PREFIXES})
    outputs, _ = _run_lstm(stack, inputs)
    _assert_close(outputs, reference["lstm_outputs"], "lstm outputs")


def test_a_missing_scope_or_name_is_named_with_the_closest_checkpoint_names(tf1_run):
    prefix = tf1_run[0]
    stack = keras.layers.StackedRNNCells([keras.layers.GRUCell(GRU_UNITS, reset_after=False) for _ in range(2)])
    with pytest.raises(ValueError, match=r"expected one gru cell scope under 'decoder/multi_rnn_cell/cell_0/', got none; "
                                         r"closest checkpoint names to decoder/multi_rnn_cell/cell_0/gru_cell/kernel: "
                                         r"[^;]*encoder/multi_rnn_cell/cell_0/gru_cell/"):
        restore_tf1_checkpoint_into(prefix, {"decoder": stack})
    with pytest.raises(ValueError, match=r"expected a checkpoint value for Variable_3; closest checkpoint names: [^;]*Variable"):
        restore_tf1_checkpoint_into(prefix, {"Variable_3": tf.Variable(tf.zeros([LSTM_UNITS, PROJECTED]))})
    with pytest.raises(ValueError, match=r"expected a checkpoint value for projection/kernel; closest checkpoint names: "):
        restore_tf1_checkpoint_into(prefix, {"projection": keras.layers.Dense(2)})


def test_a_shape_or_dtype_mismatch_is_refused_and_nothing_is_assigned(tf1_run):
    prefix = tf1_run[0]
    variable = tf.Variable(tf.zeros([LSTM_UNITS, PROJECTED]))
    wide = keras.layers.Dense(DENSE_UNITS + 1)
    with pytest.raises(ValueError, match=rf"expected dense/kernel of shape \({LSTM_UNITS}, {DENSE_UNITS + 1}\) "
                                         rf".*got \({LSTM_UNITS}, {DENSE_UNITS}\)"):
        restore_tf1_checkpoint_into(prefix, {"Variable": variable, "dense": wide})
    # Every value is checked before any is assigned: the variable listed first is untouched.
    np.testing.assert_array_equal(variable.numpy(), 0.0)
    with pytest.raises(ValueError, match=rf"expected Variable of shape \(2, {PROJECTED}\) .*got \({LSTM_UNITS}, {PROJECTED}\)"):
        restore_tf1_checkpoint_into(prefix, {"Variable": tf.Variable(tf.zeros([2, PROJECTED]))})
    with pytest.raises(ValueError, match="expected Variable of dtype float64 .*got float32"):
        restore_tf1_checkpoint_into(prefix, {"Variable": tf.Variable(tf.zeros([LSTM_UNITS, PROJECTED], tf.float64))})
    # A built cell stack of other units: the converted weights do not fit its Keras weights.
    stack = keras.layers.StackedRNNCells([keras.layers.GRUCell(GRU_UNITS + 1, reset_after=False) for _ in range(2)])
    stack.build((None, FEATURES))
    with pytest.raises(ValueError, match=r"expected the TF1 weights of encoder/multi_rnn_cell/cell_0/gru_cell to "
                                         r"convert into Keras weights of shapes .*\(4, 18\).*, got: .*gates_kernel"):
        restore_tf1_checkpoint_into(prefix, {"encoder": stack})
    # An unbuilt one is built from the checkpoint's input width, then refused on the weights.
    stack = keras.layers.StackedRNNCells([keras.layers.LSTMCell(LSTM_UNITS + 1) for _ in range(2)])
    with pytest.raises(ValueError, match=r"expected rnn/multi_rnn_cell/cell_0/basic_lstm_cell to give the Keras weight "
                                         rf"\S+/kernel of shape \(3, {4 * (LSTM_UNITS + 1)}\), got \(3, {4 * LSTM_UNITS}\)"):
        restore_tf1_checkpoint_into(prefix, {"rnn": stack})


def test_objects_of_no_tf1_meaning_and_graph_mode_are_refused(tf1_run):
    prefix = tf1_run[0]
    with pytest.raises(ValueError, match=r"expected GRUCell\(reset_after=False\) under 'encoder'.*got reset_after=True"):
        restore_tf1_checkpoint_into(prefix, {"encoder": keras.layers.GRUCell(GRU_UNITS)})
    with pytest.raises(TypeError, match=r"expected the cell of the RNN driven under 'rnn', got a RNN layer"):
        restore_tf1_checkpoint_into(prefix, {"rnn": keras.layers.RNN(keras.layers.LSTMCell(LSTM_UNITS))})
    with pytest.raises(TypeError, match=r"expected a tf.Variable, .* for 'Variable', got ndarray"):
        restore_tf1_checkpoint_into(prefix, {"Variable": np.zeros([LSTM_UNITS, PROJECTED])})
    with tf.Graph().as_default():
        with pytest.raises(RuntimeError, match="expected eager execution"):
            restore_tf1_checkpoint_into(prefix, {})


def test_unbuilt_conv_and_embedding_layers_are_built_from_the_checkpoint_and_run_as_tf1(tmp_path):
    prefix = str(tmp_path / "layers.ckpt")
    rng = np.random.default_rng(9)
    signal = rng.uniform(-1, 1, (BATCH, STEPS, FEATURES)).astype(np.float32)
    ids = rng.integers(0, 7, (BATCH, STEPS))
    with tf.Graph().as_default(), tf1.Session() as session:
        x = tf1.placeholder(tf.float32, [None, STEPS, FEATURES])
        convolved = tf1.layers.conv1d(x, 3, 2, padding="same")  # scope conv1d
        with tf1.variable_scope("EmbedSequence"):  # where contrib's embed_sequence kept its table
            table = tf1.get_variable("embeddings", [7, 4])
        looked_up = tf.nn.embedding_lookup(table, ids)
        session.run(tf1.global_variables_initializer())
        for variable in tf1.global_variables():
            variable.load(rng.normal(scale=0.5, size=variable.shape).astype(np.float32), session)
        expected_conv, expected_lookup = session.run([convolved, looked_up], {x: signal})
        tf1.train.Saver().save(session, prefix)
    conv, embedding = keras.layers.Conv1D(3, 2, padding="same"), keras.layers.Embedding(7, 4)
    loaded = restore_tf1_checkpoint_into(prefix, {"conv1d": conv, "EmbedSequence": embedding})
    assert loaded == ["EmbedSequence/embeddings", "conv1d/bias", "conv1d/kernel"]
    # The same convolution on the same float32 values: ~1e-7 from the summation order at most.
    print("max |diff| conv1d:", f"{_assert_close(conv(signal), expected_conv, 'conv1d'):.2e}")
    np.testing.assert_array_equal(embedding(ids), expected_lookup)  # a lookup: exact
    with pytest.raises(ValueError, match=r"expected a built layer for 'norm' .*got an unbuilt BatchNormalization"):
        restore_tf1_checkpoint_into(prefix, {"norm": keras.layers.BatchNormalization()})
