"""keras_rnn.restore_tf1_checkpoint: a real TF1 checkpoint into the keras level's rewritten graph.

The end-to-end test writes a TF1 script with the layers the keras level emits helpers for
(``tf.layers.conv1d``, ``max_pooling1d``, ``dropout``, a two-layer ``LSTMCell`` stack under
``dynamic_rnn``, ``tf.layers.dense``, ``get_variable`` softmax weights, an Adam optimizer),
rewrites it with the project's own rewrite at the compat and keras levels, trains and saves the
compat (TF1, legacy cells) graph with a real ``Saver`` in one process, and loads that checkpoint
into the keras graph in another process where ``tf_keras`` cannot be imported
(``tests/scripts/restore_checkpoint_side.py`` runs each side). The other tests build their
checkpoints in-process with plain variables of TF1's names.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import corpus_tools as ct
from migrate import rewrite_source
from tf2_port import keras_rnn

SIDE = ct.REPO / "tests" / "scripts" / "restore_checkpoint_side.py"

TF1_SCRIPT = '''\
"""A TF1 sequence tagger: conv1d features, max pooling, a two-layer LSTM stack, dense, softmax."""
import numpy as np
import tensorflow as tf

BATCH, STEPS, FEATURES, FILTERS, UNITS, HIDDEN, CLASSES = 4, 12, 5, 8, 10, 9, 3


def build_graph():
    inputs = tf.placeholder(tf.float32, [None, STEPS, FEATURES])
    targets = tf.placeholder(tf.int32, [None, STEPS // 2])
    features = tf.layers.conv1d(inputs, FILTERS, 3, padding="same", activation=tf.nn.relu)
    pooled = tf.layers.max_pooling1d(features, 2, 2)
    pooled = tf.layers.dropout(pooled, rate=0.3, training=False)
    cells = [tf.nn.rnn_cell.LSTMCell(UNITS) for _ in range(2)]
    stack = tf.nn.rnn_cell.MultiRNNCell(cells)
    outputs, state = tf.nn.dynamic_rnn(stack, pooled, dtype=tf.float32)
    hidden = tf.layers.dense(outputs, HIDDEN, activation=tf.nn.tanh)
    softmax_w = tf.get_variable("softmax_w", [HIDDEN, CLASSES])
    softmax_b = tf.get_variable("softmax_b", [CLASSES], initializer=tf.zeros_initializer())
    logits = tf.reshape(tf.matmul(tf.reshape(hidden, [-1, HIDDEN]), softmax_w) + softmax_b,
                        [-1, STEPS // 2, CLASSES])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits))
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=global_step)
    feeds = {"inputs": inputs, "targets": targets}
    fetches = {"logits": logits, "loss": loss, "state": state}
    return feeds, fetches, train_op


def proof_feed(rng):
    return {"inputs": rng.uniform(-1, 1, (BATCH, STEPS, FEATURES)).astype(np.float32),
            "targets": rng.randint(0, CLASSES, (BATCH, STEPS // 2))}
'''

# What the keras rewrite must contain for this test to exercise the helpers it is about.
EMITTED = (
    'keras_rnn.functional_layer("conv1d"', 'keras_rnn.functional_layer("max_pooling1d"',
    "keras_rnn.dropout(", "keras_rnn.dense(", "keras.layers.StackedRNNCells(", "keras_rnn.dynamic_rnn(",
)

# TF1 names the keras side must have loaded: layers by name, cells by prefix, the script's own
# variables and counters by name, and the Adam slots of each (a cell's as <prefix>/<slot>).
CELLS = [f"rnn/multi_rnn_cell/cell_{i}/lstm_cell" for i in range(2)]
BY_NAME = ["conv1d/kernel", "conv1d/bias", "dense/kernel", "dense/bias", "softmax_w", "softmax_b"]
EXPECTED_LOADED = sorted(
    [*BY_NAME, *CELLS, "global_step", "beta1_power", "beta2_power"]
    + [f"{name}/{slot}" for name in BY_NAME + CELLS for slot in ("Adam", "Adam_1")]
)

# float32 on both sides. The conv, dense and softmax ops are the same ops on the same values;
# Keras computes TF1's joined [x, h] @ W as x @ W_x + h @ W_h, which rounds in another order:
# measured at most 1.8e-7 after the restore and 3.0e-7 after one more Adam step, for values up
# to 1.9. 2e-6 relative to the value's magnitude (at least 1) leaves a wide margin over that and
# still fails on any real mistake: measured on this script, the first layer's forget bias left
# out moves the restored values by 0.64, and Adam slots left at zero the stepped values by 0.80.
FLOAT32_TOLERANCE = 2e-6


def _run_side(side: str, module: str, checkpoint: str, *, block_tf_keras: bool) -> dict:
    proc = subprocess.run(
        [sys.executable, str(SIDE), side, module, checkpoint],
        env=ct.script_env(block_tf_keras=block_tf_keras), capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError(f"{side} side: no result, exit {proc.returncode}\n{ct.tail(proc.stderr)}")


@pytest.mark.slow
def test_keras_rewrite_loads_a_tf1_checkpoint_of_conv_pooling_lstm_stack_dense_and_adam(tmp_path) -> None:
    compat = rewrite_source(TF1_SCRIPT, level="compat", path="tagger.py")
    keras_level = rewrite_source(TF1_SCRIPT, level="keras", path="tagger.py")
    assert compat.error is None and keras_level.error is None
    for emitted in EMITTED:
        assert emitted in keras_level.code, emitted
    assert "tf.compat.v1.layers" not in keras_level.code and "rnn_cell" not in keras_level.code
    compat_path = ct.write_source(tmp_path / "tagger_compat.py", compat.code)
    keras_path = ct.write_source(tmp_path / "tagger_keras.py", keras_level.code)
    checkpoint = str(tmp_path / "model.ckpt")

    reference = _run_side("tf1", str(compat_path), checkpoint, block_tf_keras=False)
    ported = _run_side("keras", str(keras_path), checkpoint, block_tf_keras=True)

    assert reference["tf_keras_imported"], "the reference side must be TF1's own legacy layers"
    assert not ported["tf_keras_imported"] and ported["legacy_keras_env"] is None
    assert ported["loaded"] == EXPECTED_LOADED
    for phase, global_step in (("restored", 3), ("stepped", 4)):
        assert reference[phase]["global_step/0"] == ported[phase]["global_step/0"] == global_step
        assert sorted(reference[phase]) == sorted(ported[phase])
        for name, value in reference[phase].items():
            expected, actual = np.asarray(value), np.asarray(ported[phase][name])
            assert expected.shape == actual.shape, (phase, name)
            assert np.max(np.abs(expected)) > 0, (phase, name, "a fetch of zeros proves nothing")
            limit = FLOAT32_TOLERANCE * max(1.0, float(np.max(np.abs(expected))))
            assert np.max(np.abs(expected - actual)) <= limit, (phase, name, np.max(np.abs(expected - actual)))


def _save(tmp_path, arrays: dict[str, np.ndarray]) -> str:
    """A real Saver checkpoint of plain variables with TF1's names (no .meta)."""
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        for name, array in arrays.items():
            tf.compat.v1.get_variable(name, initializer=array)
        session.run(tf.compat.v1.global_variables_initializer())
        return tf.compat.v1.train.Saver().save(session, str(tmp_path / "tf1.ckpt"), write_meta_graph=False)


def _arrays(**shapes: tuple[int, ...]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {name.replace("__", "/"): rng.normal(size=shape).astype(np.float32) for name, shape in shapes.items()}


def test_layers_without_weights_are_skipped_and_conv_dense_load_by_their_tf1_names(tmp_path) -> None:
    arrays = _arrays(conv1d__kernel=(3, 2, 4), conv1d__bias=(4,), dense__kernel=(12, 5), dense__bias=(5,))
    path = _save(tmp_path, arrays)
    x = np.random.default_rng(4).uniform(-1, 1, (2, 6, 2)).astype(np.float32)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        inputs = tf.compat.v1.placeholder(tf.float32, [None, 6, 2])
        features = keras_rnn.functional_layer("conv1d", inputs, 4, 3, padding="same")
        pooled = keras_rnn.functional_layer("max_pooling1d", features, 2, 2)
        dropped = keras_rnn.dropout(pooled, rate=0.5, training=False)  # a Keras Dropout: RNG state only
        logits = keras_rnn.dense(keras_rnn.functional_layer("flatten", dropped), 5)
        session.run(tf.compat.v1.global_variables_initializer())
        loaded = keras_rnn.restore_tf1_checkpoint(session, path)
        assert loaded == sorted(arrays)
        actual = session.run(logits, {inputs: x})
    # The same layers written out in NumPy from the saved arrays ('same' padding of a width-3
    # window: one zero row at each end).
    padded = np.pad(x, ((0, 0), (1, 1), (0, 0)))
    windows = np.stack([padded[:, t:t + 3] for t in range(6)], axis=1)
    conv = np.einsum("btkc,kcf->btf", windows, arrays["conv1d/kernel"]) + arrays["conv1d/bias"]
    pooled = conv.reshape(2, 3, 2, 4).max(axis=2).reshape(2, 12)
    expected = pooled @ arrays["dense/kernel"] + arrays["dense/bias"]
    # float32 sums of at most 12 products of values below ~5: a few ulps of values up to ~30.
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5)


def test_a_script_variable_without_a_checkpoint_value_is_named_with_the_closest_names(tmp_path) -> None:
    path = _save(tmp_path, _arrays(softmax_w=(4, 3), softmax_bias=(3,)))
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        softmax_w = tf.compat.v1.get_variable("softmax_w", [4, 3])
        tf.compat.v1.get_variable("softmax_b", [3], initializer=tf.compat.v1.constant_initializer(7.0))
        session.run(tf.compat.v1.global_variables_initializer())
        before = session.run(softmax_w)
        with pytest.raises(ValueError, match=r"expected a checkpoint value for softmax_b; closest checkpoint names: [^;]*softmax_bias"):
            keras_rnn.restore_tf1_checkpoint(session, path)
        # Nothing was assigned: a failed restore leaves no half-loaded graph behind.
        np.testing.assert_array_equal(session.run(softmax_w), before)


def test_a_layer_weight_missing_from_the_checkpoint_is_named_with_the_closest_names(tmp_path) -> None:
    path = _save(tmp_path, _arrays(dense__kernel=(4, 2), dense__bias_old=(2,)))
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        keras_rnn.dense(tf.compat.v1.placeholder(tf.float32, [None, 4]), 2)
        session.run(tf.compat.v1.global_variables_initializer())
        with pytest.raises(ValueError, match=r"expected a checkpoint value for dense/bias; closest checkpoint names: [^;]*dense/bias_old"):
            keras_rnn.restore_tf1_checkpoint(session, path)


def test_an_optimizer_slot_missing_from_the_checkpoint_is_named(tmp_path) -> None:
    # The checkpoint of a script that never trained with Adam: the migrated graph's Adam slots
    # have no TF1 value, and TF1's Saver.restore would have refused it too.
    path = _save(tmp_path, _arrays(rnn__lstm_cell__kernel=(3 + 2, 8), rnn__lstm_cell__bias=(8,)))
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        cell = keras.layers.LSTMCell(2)
        outputs, _ = keras_rnn.dynamic_rnn(cell, tf.compat.v1.placeholder(tf.float32, [None, 4, 3]), dtype=tf.float32)
        tf.compat.v1.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(outputs))
        session.run(tf.compat.v1.global_variables_initializer())
        with pytest.raises(ValueError, match="expected a checkpoint value for beta1_power; closest checkpoint names: none") as raised:
            keras_rnn.restore_tf1_checkpoint(session, path, forget_biases={"rnn/lstm_cell": 1.0})
    message = str(raised.value)
    # Graph names carry Keras' process-wide layer counters (rnn_38/lstm_cell_22 after other
    # tests built RNNs), so the suffixes are left open.
    assert re.search(r"no value either for 7 more: beta2_power, rnn(_\d+)?/lstm_cell(_\d+)?/kernel/Adam, ", message), message
    assert re.search(r"rnn(_\d+)?/lstm_cell(_\d+)?/recurrent_kernel/Adam", message), message


def test_conv2d_and_embed_sequence_load_by_their_tf1_names(tmp_path) -> None:
    arrays = _arrays(conv2d__kernel=(2, 2, 1, 3), conv2d__bias=(3,), EmbedSequence__embeddings=(7, 4))
    path = _save(tmp_path, arrays)
    ids = np.array([[1, 6, 0], [3, 3, 2]])
    image = np.random.default_rng(5).uniform(-1, 1, (2, 3, 3, 1)).astype(np.float32)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        id_input = tf.compat.v1.placeholder(tf.int32, [None, 3])
        image_input = tf.compat.v1.placeholder(tf.float32, [None, 3, 3, 1])
        embedded = keras_rnn.embed_sequence(id_input, vocab_size=7, embed_dim=4)
        convolved = keras_rnn.functional_layer("conv2d", image_input, 3, 2)
        session.run(tf.compat.v1.global_variables_initializer())
        assert keras_rnn.restore_tf1_checkpoint(session, path) == sorted(arrays)
        actual_embedded, actual_convolved = session.run([embedded, convolved], {id_input: ids, image_input: image})
    np.testing.assert_array_equal(actual_embedded, arrays["EmbedSequence/embeddings"][ids])  # a lookup: exact
    windows = np.stack([np.stack([image[:, i:i + 2, j:j + 2] for j in range(2)], 1) for i in range(2)], 1)
    expected = np.einsum("bijhwc,hwcf->bijf", windows, arrays["conv2d/kernel"]) + arrays["conv2d/bias"]
    # float32 sums of 4 products of values below ~4: a few ulps of values up to ~10.
    np.testing.assert_allclose(actual_convolved, expected, rtol=0, atol=1e-5)
