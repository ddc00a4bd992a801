"""The tf2 level's renames that are not identities: each v1 call and its TF2 namesake, called as the
rule allows, give the same numbers; and why the steps densify IndexedSlices gradients."""

from __future__ import annotations

import libcst as cst
import numpy as np
import pytest
import tensorflow as tf

from migrate.session_program.tf2_names import CALL_RENAMES, rename_to_tf2

RNG = np.random.default_rng(0)
X = tf.constant(RNG.normal(size=(4, 5)).astype(np.float32))
LABELS = tf.constant(np.eye(5, dtype=np.float32)[RNG.integers(0, 5, 4)])
TABLE = tf.Variable(RNG.normal(size=(7, 3)).astype(np.float32))
IDS = tf.constant([[0, 3, 3], [6, 1, 0]])

# One call per rule, as the rule lets it be renamed: (positional arguments, keyword arguments).
CALLS = {
    "nn.embedding_lookup": ((TABLE, IDS), {}),
    "nn.softmax_cross_entropy_with_logits_v2": ((), {"labels": LABELS, "logits": X}),
    "nn.softmax": ((X, 0), {}),
    "nn.log_softmax": ((X,), {"axis": -1}),
    "reduce_mean": ((X, 1), {"keepdims": True}),
    "reduce_sum": ((X,), {"axis": 0}),
    "reduce_max": ((X, [0, 1]), {}),
    "transpose": ((X, [1, 0]), {}),
    "argmax": ((X, 1), {"output_type": tf.int32}),
}


def _resolve(root, dotted: str):
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


def test_every_rule_has_a_numeric_case() -> None:
    assert set(CALLS) == set(CALL_RENAMES)


@pytest.mark.parametrize("v1_name", sorted(CALL_RENAMES))
def test_the_v1_call_and_its_tf2_namesake_give_the_same_numbers(v1_name: str) -> None:
    args, kwargs = CALLS[v1_name]
    rule = CALL_RENAMES[v1_name]
    assert len(args) <= rule.positional and set(kwargs) <= rule.keywords  # the case fits its rule
    v1 = _resolve(tf.compat.v1, v1_name)(*args, **kwargs)
    tf2 = _resolve(tf, rule.tf2_name)(*args, **kwargs)
    assert v1.dtype == tf2.dtype and v1.shape == tf2.shape
    np.testing.assert_array_equal(v1.numpy(), tf2.numpy())  # the same kernels: bit for bit


def _renamed(code: str, variables=frozenset()) -> str:
    return rename_to_tf2(cst.parse_module(code), frozenset(variables)).code


def test_renamed_only_when_the_call_fits_its_rule() -> None:
    head = "import tensorflow as tf\n"
    assert _renamed(head + "y = tf.compat.v1.reduce_mean(x, 1)\n") == head + "y = tf.reduce_mean(x, 1)\n"
    # reduction_indices= is v1 only; a third positional is keepdims in v1 and v2 alike but the
    # rule shares two: both stay as they were (the safety net then refuses the file).
    for kept in ("y = tf.compat.v1.reduce_mean(x, reduction_indices=[1])\n",
                 "y = tf.compat.v1.reduce_mean(x, 1, True)\n"):
        assert _renamed(head + kept) == head + kept
    # embedding_lookup: only with one variable as params (a list of shards was partitioned).
    lookup = "y = tf.compat.v1.nn.embedding_lookup(table, ids)\n"
    assert _renamed(head + lookup, {"table"}) == head + "y = tf.nn.embedding_lookup(table, ids)\n"
    assert _renamed(head + lookup) == head + lookup
    # The identity table renames by binding, whatever the alias.
    assert _renamed("import tensorflow as T\nz = T.compat.v1.random_normal([2])\n") == \
        "import tensorflow as T\nz = T.random.normal([2])\n"


def _adam_after_one_step(dense: bool) -> np.ndarray:
    table = tf.Variable(TABLE.numpy())
    optimizer = __import__("keras").optimizers.Adam(learning_rate=0.1, beta_1=0.8999999761581421,
                                                    beta_2=0.9990000128746033, epsilon=1e-08)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.embedding_lookup(table, IDS) ** 2)
    gradient = tape.gradient(loss, table)
    assert isinstance(gradient, tf.IndexedSlices)  # rows 0 and 3 repeated
    if dense:
        gradient = tf.convert_to_tensor(gradient)
    optimizer.apply_gradients([(gradient, table)])
    return table.numpy()


def _tf1_adam_after_one_step() -> np.ndarray:
    start, ids = TABLE.numpy(), IDS.numpy()  # read eagerly, before the graph
    with tf.Graph().as_default():
        table = tf.compat.v1.Variable(start)
        loss = tf.reduce_sum(tf.nn.embedding_lookup(table, ids) ** 2)
        train = tf.compat.v1.train.AdamOptimizer(0.1).minimize(loss)
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            session.run(train)
            return session.run(table)


def test_dense_gradients_are_what_tf1s_adam_did_with_repeated_rows() -> None:
    tf1 = _tf1_adam_after_one_step()
    # float32, one Adam step of size 0.1: the two sides agree to rounding (~1e-7).
    np.testing.assert_allclose(_adam_after_one_step(dense=True), tf1, atol=1e-6)
    # Keras' own sparse update squares each repeated row on its own: visibly another step.
    assert np.max(np.abs(_adam_after_one_step(dense=False) - tf1)) > 1e-3


def test_v1_softmax_cross_entropy_becomes_tf2s_of_stopped_labels() -> None:
    head = "import tensorflow as tf\n"
    assert _renamed(head + "c = tf.compat.v1.nn.softmax_cross_entropy_with_logits(logits=z, labels=y)\n") == (
        head + "c = tf.nn.softmax_cross_entropy_with_logits(logits=z, labels=tf.stop_gradient(y))\n")
    # Same values, and like v1 no gradient into the labels (TF2's own would give one).
    labels = tf.Variable(tf.nn.softmax(tf.constant(RNG.normal(size=(4, 5)).astype(np.float32))))
    with tf.GradientTape(persistent=True) as tape:
        v1 = tf.compat.v1.nn.softmax_cross_entropy_with_logits(labels=labels, logits=X)
        tf2 = tf.nn.softmax_cross_entropy_with_logits(labels=tf.stop_gradient(labels), logits=X)
        plain = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=X)
    np.testing.assert_array_equal(v1.numpy(), tf2.numpy())
    assert tape.gradient(v1, labels) is None and tape.gradient(tf2, labels) is None
    assert tape.gradient(plain, labels) is not None


def test_tf1s_sparse_momentum_moves_only_the_rows_looked_up_where_keras_moves_every_row() -> None:
    # Why the tf2 level refuses Momentum on an embedding's gradient (emit.LAZY_SPARSE_OPTIMIZERS).
    start = TABLE.numpy()
    batches = [np.array([0, 3]), np.array([6, 1])]  # row 0 is looked up in the first batch only
    with tf.Graph().as_default():
        table = tf.compat.v1.Variable(start)
        ids = tf.compat.v1.placeholder(tf.int32, [2])
        loss = tf.reduce_sum(tf.nn.embedding_lookup(table, ids) ** 2)
        train = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            session.run(train, {ids: batches[0]})
            after_first = session.run(table)
            session.run(train, {ids: batches[1]})
            tf1 = session.run(table)
    np.testing.assert_array_equal(tf1[0], after_first[0])  # TF1: row 0 not looked up, not moved
    keras_table = tf.Variable(start)
    optimizer = __import__("keras").optimizers.SGD(learning_rate=0.1, momentum=0.9)
    for batch in batches:
        with tf.GradientTape() as tape:
            keras_loss = tf.reduce_sum(tf.nn.embedding_lookup(keras_table, batch) ** 2)
        optimizer.apply_gradients([(tape.gradient(keras_loss, keras_table), keras_table)])
    assert np.max(np.abs(keras_table.numpy()[0] - tf1[0])) > 1e-3  # Keras: momentum moved row 0 again
