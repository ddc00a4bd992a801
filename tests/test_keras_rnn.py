"""tf2_port.keras_rnn: TF1 call signatures and state structures on Keras 3 cells.

The end-to-end proof against TF1's own graphs is tests/test_keras_level_proof.py; these tests
pin the pieces: the state swap, masks, time-major, bidirectional, dropout semantics, the
seq2seq losses against NumPy transcriptions of TF1's formulas, weight sharing through variable
scopes, optimize_loss and checkpoint restoring.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf2_port import convert, keras_rnn

B, T, D, U = 3, 5, 4, 6


def _x(seed=0, shape=(B, T, D)):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, shape), tf.float32)


def _lstm_stack():
    return keras.layers.StackedRNNCells([keras.layers.LSTMCell(U), keras.layers.GRUCell(U, reset_after=False)])


# --- state structure ---------------------------------------------------------------------


def test_single_lstm_state_is_c_h_in_tf1_and_h_c_in_keras() -> None:
    cell = keras.layers.LSTMCell(U)
    c, h = tf.fill([B, U], 1.0), tf.fill([B, U], 2.0)
    keras_state = keras_rnn.to_keras_state(cell, keras_rnn.LSTMStateTuple(c, h))
    assert [float(s[0, 0]) for s in keras_state] == [2.0, 1.0]
    back = keras_rnn.to_tf1_state(cell, keras_state)
    assert isinstance(back, keras_rnn.LSTMStateTuple) and float(back.c[0, 0]) == 1.0


def test_flat_states_are_concatenated_c_then_h_per_layer() -> None:
    stack = keras_rnn.flat_state(keras.layers.StackedRNNCells([keras.layers.LSTMCell(2), keras.layers.LSTMCell(2)]))
    flat = tf.constant([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]])
    layers = keras_rnn.to_keras_state(stack, flat)
    # layer 0: c = [1, 2], h = [3, 4] -> Keras [h, c]
    np.testing.assert_array_equal(np.concatenate([np.asarray(t) for pair in layers for t in pair], 1),
                                  [[3, 4, 1, 2, 7, 8, 5, 6]])
    np.testing.assert_array_equal(keras_rnn.to_tf1_state(stack, layers), flat)
    assert keras_rnn.state_size(stack) == 8


def test_state_size_and_zero_state_have_tf1_structure() -> None:
    stack = _lstm_stack()
    size = keras_rnn.state_size(stack)
    assert size == (keras_rnn.LSTMStateTuple(c=U, h=U), U)
    zeros = keras_rnn.zero_state(stack, B, tf.float64)
    assert isinstance(zeros[0], keras_rnn.LSTMStateTuple) and zeros[0].c.shape == (B, U)
    assert zeros[1].dtype == tf.float64 and not np.any(zeros[1])


def test_wrong_number_of_layer_states_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="expected 2 per-layer states, got 1"):
        keras_rnn.to_keras_state(_lstm_stack(), (tf.zeros([B, U]),))


# --- drivers --------------------------------------------------------------------------------


def test_sequence_length_zeroes_padding_and_keeps_the_last_valid_state() -> None:
    cell, x = _lstm_stack(), _x()
    lengths = tf.constant([T, 2, 0])
    outputs, state = keras_rnn.dynamic_rnn(cell, x, sequence_length=lengths)
    assert not np.any(np.asarray(outputs)[1, 2:]) and not np.any(np.asarray(outputs)[2])
    # Row 1's final state is the state after its 2 valid steps.
    _, short_state = keras_rnn.dynamic_rnn(cell, x[1:2, :2])
    np.testing.assert_allclose(state[0].h[1], short_state[0].h[0], atol=1e-6)
    np.testing.assert_allclose(state[1][1], short_state[1][0], atol=1e-6)
    # A zero-length row returns its initial state (zeros here), as TF1 did.
    assert not np.any(np.asarray(state[0].c)[2])


def test_time_major_and_static_rnn_match_batch_major() -> None:
    cell, x = _lstm_stack(), _x(1)
    outputs, state = keras_rnn.dynamic_rnn(cell, x)
    tm_outputs, tm_state = keras_rnn.dynamic_rnn(cell, tf.transpose(x, [1, 0, 2]), time_major=True)
    np.testing.assert_allclose(tf.transpose(tm_outputs, [1, 0, 2]), outputs, atol=1e-6)
    step_outputs, step_state = keras_rnn.static_rnn(cell, tf.unstack(x, axis=1))
    assert isinstance(step_outputs, list) and len(step_outputs) == T
    np.testing.assert_allclose(tf.stack(step_outputs, 1), outputs, atol=1e-6)
    np.testing.assert_allclose(step_state[0].c, state[0].c, atol=1e-6)
    np.testing.assert_allclose(tm_state[1], state[1], atol=1e-6)


def test_backward_direction_starts_at_each_rows_last_valid_step() -> None:
    fw, bw, x = keras.layers.GRUCell(U, reset_after=False), keras.layers.GRUCell(U, reset_after=False), _x(2)
    lengths = tf.constant([T, 3, 1])
    (out_fw, out_bw), (state_fw, state_bw) = keras_rnn.bidirectional_dynamic_rnn(fw, bw, x, sequence_length=lengths)
    # TF1 reversed only the valid prefix: row 1's backward pass is a forward pass over x[1, 2::-1].
    reversed_outputs, reversed_state = keras_rnn.dynamic_rnn(bw, tf.reverse(x[1:2, :3], [1]))
    np.testing.assert_allclose(np.asarray(out_bw)[1, :3], np.asarray(reversed_outputs)[0, ::-1], atol=1e-6)
    np.testing.assert_allclose(state_bw[1], reversed_state[0], atol=1e-6)
    assert not np.any(np.asarray(out_bw)[1, 3:]) and not np.any(np.asarray(out_fw)[2, 1:])


def test_one_layer_stack_of_dropout_wrapped_gru_runs_bidirectionally_with_lengths() -> None:
    # Issue 14: MultiRNNCell([DropoutWrapper(GRUCell)]) under bidirectional_dynamic_rnn with
    # sequence_length raised a nested-structure error inside keras.layers.RNN (Keras unnests a
    # one-layer StackedRNNCells' states, and the masked loop compares them with the initial ones).
    def one_layer_stack():
        gru = keras.layers.GRUCell(U, reset_after=False)
        return keras.layers.StackedRNNCells([keras_rnn.DropoutWrapper(gru, output_keep_prob=tf.constant(1.0))])

    fw, bw, x, lengths = one_layer_stack(), one_layer_stack(), _x(6), tf.constant([T, 2, 0])
    (out_fw, out_bw), (state_fw, state_bw) = keras_rnn.bidirectional_dynamic_rnn(
        fw, bw, x, sequence_length=lengths, dtype=tf.float32)
    # TF1 structure: a one-layer MultiRNNCell's state is a 1-tuple of its GRU state.
    assert isinstance(state_fw, tuple) and len(state_fw) == 1 and tuple(state_fw[0].shape) == (B, U)
    # TF1 values, from runs of the bare GRUs over row 1's 2 valid steps (forward, and reversed
    # for the backward direction). Same ops on other batch shapes: 1e-6 allows kernel round-off.
    _, short_fw = keras_rnn.dynamic_rnn(fw.cells[0].cell, x[1:2, :2])
    reversed_outputs, short_bw = keras_rnn.dynamic_rnn(bw.cells[0].cell, tf.reverse(x[1:2, :2], [1]))
    np.testing.assert_allclose(state_fw[0][1], short_fw[0], atol=1e-6)
    np.testing.assert_allclose(state_bw[0][1], short_bw[0], atol=1e-6)
    np.testing.assert_allclose(np.asarray(out_bw)[1, :2], np.asarray(reversed_outputs)[0, ::-1], atol=1e-6)
    # Past a row's length the outputs are exactly 0; a zero-length row keeps its zero state.
    assert not np.any(np.asarray(out_fw)[1, 2:]) and not np.any(np.asarray(out_bw)[2])
    assert not np.any(np.asarray(state_fw[0])[2]) and not np.any(np.asarray(state_bw[0])[2])


def test_one_layer_lstm_stacks_keep_tf1_structure_in_every_driver_and_wrapper() -> None:
    x, lengths = _x(7), tf.constant([T, 3, 0])
    stack = keras.layers.StackedRNNCells([keras.layers.LSTMCell(U)])
    outputs, state = keras_rnn.dynamic_rnn(stack, x, sequence_length=lengths,
                                           initial_state=keras_rnn.zero_state(stack, B))
    assert isinstance(state, tuple) and len(state) == 1 and isinstance(state[0], keras_rnn.LSTMStateTuple)
    bare_outputs, bare_state = keras_rnn.dynamic_rnn(stack.cells[0], x, sequence_length=lengths)
    # The same cell, weights and steps: a one-layer stack computes exactly what its layer does.
    np.testing.assert_array_equal(outputs, bare_outputs)
    np.testing.assert_array_equal(state[0].c, bare_state.c)
    # One step through the stack: TF1's (LSTMStateTuple,) back, not Keras' unnested [h, c].
    output, step_state = keras_rnn.call_cell(stack, x[:, 0], keras_rnn.zero_state(stack, B))
    assert isinstance(step_state, tuple) and len(step_state) == 1
    np.testing.assert_array_equal(step_state[0].h, output)
    # A wrapper around the whole one-layer stack (TF1: DropoutWrapper(MultiRNNCell([cell]))).
    wrapped = keras_rnn.DropoutWrapper(stack, output_keep_prob=tf.constant(1.0))
    wrapped_outputs, wrapped_state = keras_rnn.dynamic_rnn(wrapped, x, sequence_length=lengths)
    np.testing.assert_array_equal(wrapped_outputs, bare_outputs)
    np.testing.assert_array_equal(wrapped_state[0].h, bare_state.h)


def test_cells_take_the_dtype_of_their_first_inputs_as_tf1_cells_did() -> None:
    x = tf.cast(_x(), tf.float64)
    # An unbuilt cell on the default policy becomes float64, stack and wrappers included.
    stack = keras.layers.StackedRNNCells([keras_rnn.DropoutWrapper(keras.layers.LSTMCell(U)),
                                          keras.layers.GRUCell(U, reset_after=False)])
    outputs, state = keras_rnn.dynamic_rnn(stack, x, dtype=tf.float64)
    assert outputs.dtype == tf.float64 and state[0].c.dtype == tf.float64 and state[1].dtype == tf.float64
    assert {weight.dtype for weight in stack.weights} == {"float64"}
    # A cell already built in float32 refuses float64 inputs, as TF1 did.
    built = keras.layers.GRUCell(U, reset_after=False)
    keras_rnn.dynamic_rnn(built, _x())
    with pytest.raises(ValueError, match="RNN inputs: expected float32 \\(the Keras cell's dtype\\), got float64"):
        keras_rnn.dynamic_rnn(built, x)
    outputs, state = keras_rnn.dynamic_rnn(keras.layers.GRUCell(U, reset_after=False, dtype="float64"), x)
    assert outputs.dtype == tf.float64 and state.dtype == tf.float64


def test_a_cell_that_is_not_a_keras_cell_is_a_clear_error() -> None:
    class LegacyCell:  # what a custom tf.compat.v1 RNNCell subclass looks like to Keras
        state_size = 3

    with pytest.raises(TypeError, match="cell: expected a Keras 3 RNN cell .*got LegacyCell"):
        keras_rnn.dynamic_rnn(LegacyCell(), _x())
    with pytest.raises(TypeError, match="got LegacyCell"):
        keras_rnn.call_cell(LegacyCell(), _x()[:, 0], tf.zeros([B, 3]))


def test_call_cell_and_rnn_decoder_step_in_tf1_structure() -> None:
    stack, x = _lstm_stack(), _x(3)
    outputs, state = keras_rnn.dynamic_rnn(stack, x)
    steps, decoder_state = keras_rnn.rnn_decoder(tf.unstack(x, axis=1), keras_rnn.zero_state(stack, B), stack)
    np.testing.assert_allclose(tf.stack(steps, 1), outputs, atol=1e-6)
    np.testing.assert_allclose(decoder_state[0].h, state[0].h, atol=1e-6)
    fed_back = []
    steps, _ = keras_rnn.rnn_decoder(tf.unstack(x, axis=1), state, stack,
                                     loop_function=lambda prev, i: fed_back.append(i) or x[:, 0])
    assert fed_back == [1, 2, 3, 4] and len(steps) == T


# --- dropout --------------------------------------------------------------------------------


def test_dropout_keep_one_is_exactly_the_bare_cell_even_as_a_tensor() -> None:
    inner, x = keras.layers.LSTMCell(U), _x(4)
    bare, _ = keras_rnn.dynamic_rnn(inner, x)
    wrapped = keras_rnn.DropoutWrapper(inner, input_keep_prob=tf.constant(1.0), output_keep_prob=tf.constant(1.0),
                                       state_keep_prob=tf.constant(1.0))
    dropped, _ = keras_rnn.dynamic_rnn(wrapped, x)
    np.testing.assert_array_equal(dropped, bare)


def test_output_dropout_is_on_without_a_training_flag_with_tf1_structure() -> None:
    inner, x = keras.layers.LSTMCell(64), _x(5, (8, T, D))
    bare, bare_state = keras_rnn.dynamic_rnn(inner, x)
    keep = tf.Variable(0.5)  # a fed placeholder in a TF1 graph
    dropped, dropped_state = keras_rnn.dynamic_rnn(keras_rnn.DropoutWrapper(inner, output_keep_prob=keep), x)
    bare, dropped = np.asarray(bare), np.asarray(dropped)
    kept = dropped != 0
    # Each output unit is either dropped or scaled by 1 / keep; the state is never touched.
    np.testing.assert_allclose(dropped[kept], 2 * bare[kept], rtol=1e-6)
    assert 0.35 < kept.mean() < 0.65
    assert (kept[:, 0] != kept[:, 1]).any()  # a fresh mask per step
    np.testing.assert_array_equal(dropped_state.c, bare_state.c)


def test_dropout_around_a_stack_drops_each_layers_state_as_tf1s_filter_did() -> None:
    # TF1's DropoutWrapper(MultiRNNCell(...), state_keep_prob=...) applied its state filter to
    # each layer: an LSTM's h but never its c, a GRU's whole state. The wrapper indexed the
    # per-layer state lists as if they were tensors (AttributeError, or a mask of shape (1, [w, w])).
    x, units = _x(8, (8, T, D)), 32
    stack = keras.layers.StackedRNNCells([keras.layers.LSTMCell(units), keras.layers.GRUCell(units, reset_after=False)])
    bare_outputs, bare_state = keras_rnn.dynamic_rnn(stack, x)
    one = tf.constant(1.0)  # a tensor keep probability always runs the masks: fed 1, the identity
    outputs, state = keras_rnn.dynamic_rnn(
        keras_rnn.DropoutWrapper(stack, input_keep_prob=one, output_keep_prob=one, state_keep_prob=one), x)
    np.testing.assert_array_equal(outputs, bare_outputs)
    np.testing.assert_array_equal(state[0].c, bare_state[0].c)
    np.testing.assert_array_equal(state[1], bare_state[1])
    for variational in (False, True):
        wrapped = keras_rnn.DropoutWrapper(stack, state_keep_prob=tf.Variable(0.5), variational_recurrent=variational)
        _, dropped = keras_rnn.dynamic_rnn(wrapped, x)
        h_zeros, gru_zeros = np.asarray(dropped[0].h) == 0, np.asarray(dropped[1]) == 0
        # At keep 0.5 the fraction dropped is 0.5 give or take sqrt(0.25 / n) for n independent
        # draws: 256 per state (8 rows x 32 units), but only 32 with one mask per sequence
        # (variational: every row shares it, sd 0.088). 4.5 sd either side: a false alarm about
        # once in 150,000 runs (a window of 0.35-0.65 failed the variational case 1 run in 3).
        independent = units if variational else units * 8
        margin = 4.5 * np.sqrt(0.25 / independent)
        assert abs(h_zeros.mean() - 0.5) < margin and abs(gru_zeros.mean() - 0.5) < margin
        assert not np.any(np.asarray(dropped[0].c) == 0)
        if variational:  # one mask per sequence: every row loses the same units
            assert (h_zeros == h_zeros[0]).all() and (gru_zeros == gru_zeros[0]).all()
        else:
            assert (h_zeros != h_zeros[0]).any()


def test_dropout_wrapper_config_and_refusals() -> None:
    wrapper = keras_rnn.DropoutWrapper(keras.layers.GRUCell(3, reset_after=False), output_keep_prob=0.8, seed=1)
    clone = keras_rnn.TF1DropoutWrapper.from_config(wrapper.get_config())
    assert clone.output_keep_prob == 0.8 and isinstance(clone.cell, keras.layers.GRUCell)
    with pytest.raises(ValueError, match="expected numeric keep probabilities"):
        keras_rnn.DropoutWrapper(keras.layers.GRUCell(3), output_keep_prob=tf.constant(0.5)).get_config()
    with pytest.raises(ValueError, match="dropout_state_filter_visitor=None"):
        keras_rnn.DropoutWrapper(keras.layers.GRUCell(3), dropout_state_filter_visitor=lambda s: True)
    with pytest.raises(ValueError, match="`output_keep_prob`: expected a keep probability in \\(0, 1\\]"):
        keras_rnn.DropoutWrapper(keras.layers.GRUCell(3), output_keep_prob="0.5")


def test_forget_bias_initializer() -> None:
    values = np.asarray(keras_rnn.ForgetBiasInitializer(2.5)((8,)))
    np.testing.assert_array_equal(values, [0, 0, 2.5, 2.5, 0, 0, 0, 0])  # Keras order (i, f, c, o)
    clone = keras_rnn.ForgetBiasInitializer.from_config(keras_rnn.ForgetBiasInitializer(0.5).get_config())
    assert clone.forget_bias == 0.5
    with pytest.raises(ValueError, match="expected a shape \\[4 \\* units\\], got \\(6,\\)"):
        keras_rnn.ForgetBiasInitializer()((6,))


# --- losses, from TF1's formulas written out in NumPy ----------------------------------------


def _sparse_xent(logits, labels):
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    return -np.take_along_axis(log_probs, labels[..., None], -1)[..., 0]


def test_sequence_loss_matches_tf1s_formulas() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(B, T, 7))
    targets = rng.integers(0, 7, (B, T))
    weights = (rng.uniform(size=(B, T)) > 0.3).astype(np.float64)
    crossent = _sparse_xent(logits, targets) * weights
    args = (tf.constant(logits), tf.constant(targets), tf.constant(weights))
    np.testing.assert_allclose(keras_rnn.sequence_loss(*args), crossent.sum() / weights.sum(), rtol=1e-12)
    np.testing.assert_allclose(keras_rnn.sequence_loss(*args, average_across_batch=False),
                               crossent.sum(1) / weights.sum(1), rtol=1e-12)
    # A step whose weights are all zero gives 0 (TF 1.15's div_no_nan), not nan.
    weights[:, -1] = 0.0
    crossent = _sparse_xent(logits, targets) * weights
    args = (tf.constant(logits), tf.constant(targets), tf.constant(weights))
    by_step = np.divide(crossent.sum(0), weights.sum(0), out=np.zeros(T), where=weights.sum(0) > 0)
    np.testing.assert_allclose(keras_rnn.sequence_loss(*args, average_across_timesteps=False), by_step, rtol=1e-12)
    np.testing.assert_allclose(
        keras_rnn.sequence_loss(*args, average_across_timesteps=False, average_across_batch=False), crossent, rtol=1e-12)


def test_sequence_loss_by_example_matches_tf1s_formula() -> None:
    rng = np.random.default_rng(1)
    logits = [rng.normal(size=(B, 7)) for _ in range(T)]
    targets = [rng.integers(0, 7, B) for _ in range(T)]
    weights = [rng.uniform(size=B) for _ in range(T)]
    per_step = [_sparse_xent(l, t) * w for l, t, w in zip(logits, targets, weights)]
    expected = sum(per_step) / (sum(weights) + 1e-12)
    actual = keras_rnn.sequence_loss_by_example([tf.constant(l) for l in logits], [tf.constant(t) for t in targets],
                                                [tf.constant(w) for w in weights])
    np.testing.assert_allclose(actual, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="of one length, got 5, 5 and 4"):
        keras_rnn.sequence_loss_by_example(logits, targets, weights[:4])


# --- graphs: sharing through scopes, optimize_loss, restoring checkpoints ----------------------


def test_reusing_scopes_share_cells_and_dense_layers_as_tf1_variables_were() -> None:
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, T, D])
        results = []
        for keep in (0.5, 1.0):
            with tf.compat.v1.variable_scope("LM", reuse=tf.compat.v1.AUTO_REUSE):
                stack = keras.layers.StackedRNNCells(
                    [keras_rnn.DropoutWrapper(keras.layers.LSTMCell(U), output_keep_prob=keep) for _ in range(2)])
                outputs, _ = keras_rnn.dynamic_rnn(stack, x)
                results.append((stack, keras_rnn.dense(outputs, 3)))
        (train_stack, _), (eval_stack, _) = results
        # The evaluation stack keeps its own dropout wrappers but runs the training stack's cells.
        assert [w.cell for w in eval_stack.cells] == [w.cell for w in train_stack.cells]
        assert eval_stack.cells[0].output_keep_prob == 1.0
        names = [v.name for v in tf.compat.v1.trainable_variables()]
        assert len(names) == 2 * 3 + 2, names  # two LSTM cells and one Dense
        unnamed = keras_rnn.dense(x, 2), keras_rnn.dense(x, 2)  # no reuse: TF1's dense, dense_1
        assert len(tf.compat.v1.trainable_variables()) == 8 + 4


def test_optimize_loss_clips_by_global_norm_then_steps() -> None:
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        w = tf.compat.v1.get_variable("w", initializer=tf.constant([3.0, 4.0]))
        loss = tf.reduce_sum(w * w) / 2  # gradient = w, norm 5
        step = tf.compat.v1.train.get_or_create_global_step()
        train = keras_rnn.optimize_loss(loss, step, learning_rate=0.1, optimizer="SGD", clip_gradients=1.0)
        session.run(tf.compat.v1.global_variables_initializer())
        session.run(train)
        np.testing.assert_allclose(session.run(w), [3.0 - 0.1 * 0.6, 4.0 - 0.1 * 0.8], rtol=1e-6)
        assert session.run(step) == 1
        with pytest.raises(ValueError, match="got also \\['learning_rate_decay_fn'\\]"):
            keras_rnn.optimize_loss(loss, step, 0.1, "SGD", learning_rate_decay_fn=lambda lr, s: lr)
        with pytest.raises(ValueError, match="expected optimizer one of"):
            keras_rnn.optimize_loss(loss, step, 0.1, "Adadelta2")


def test_restore_tf1_checkpoint_converts_and_needs_the_forget_bias(tmp_path) -> None:
    rng = np.random.default_rng(7)
    kernel, bias = rng.normal(size=(D + U, 4 * U)).astype(np.float32), rng.normal(size=4 * U).astype(np.float32)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        tf.compat.v1.get_variable("rnn/lstm_cell/kernel", initializer=kernel)
        tf.compat.v1.get_variable("rnn/lstm_cell/bias", initializer=bias)
        session.run(tf.compat.v1.global_variables_initializer())
        path = tf.compat.v1.train.Saver().save(session, str(tmp_path / "tf1.ckpt"), write_meta_graph=False)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        cell = keras.layers.LSTMCell(U)
        keras_rnn.dynamic_rnn(cell, tf.compat.v1.placeholder(tf.float32, [None, T, D]))
        session.run(tf.compat.v1.global_variables_initializer())
        with pytest.raises(ValueError, match="expected the forget_bias of rnn/lstm_cell"):
            keras_rnn.restore_tf1_checkpoint(session, path)
        loaded = keras_rnn.restore_tf1_checkpoint(session, path, forget_biases={"rnn/lstm_cell": 1.0})
        assert loaded == ["rnn/lstm_cell"]
        expected = convert.lstm_to_keras(kernel, bias, D, forget_bias=1.0)
        for weight, value in zip(cell.weights, expected):
            np.testing.assert_array_equal(session.run(weight.value), value)


def test_functional_layers_follow_tf1_arguments_and_share_by_name() -> None:
    x = _x(8, (2, 6, 3))
    pooled = keras_rnn.functional_layer("max_pooling1d", x, 2, 2)
    np.testing.assert_array_equal(pooled, np.asarray(x).reshape(2, 3, 2, 3).max(axis=2))
    flat = keras_rnn.functional_layer("flatten", x)
    assert flat.shape == (2, 18)
    with tf.Graph().as_default():
        inputs = tf.compat.v1.placeholder(tf.float32, [None, 6, 3])
        first = keras_rnn.functional_layer("conv1d", inputs, 4, 3, padding="same", name="conv")
        with tf.compat.v1.variable_scope("", reuse=True):
            keras_rnn.functional_layer("conv1d", inputs, 4, 3, padding="same", name="conv")
        assert first.shape.as_list() == [None, 6, 4]
        assert len(tf.compat.v1.trainable_variables()) == 2  # one kernel, one bias: shared
    with pytest.raises(ValueError, match="expected one of .*got 'conv3d'"):
        keras_rnn.functional_layer("conv3d", x, 4, 3)


def test_layers_dropout_is_identity_unless_training_even_as_a_tensor() -> None:
    x = tf.ones([200, 50])
    np.testing.assert_array_equal(keras_rnn.dropout(x, rate=0.5), x)
    dropped = np.asarray(keras_rnn.dropout(x, rate=0.5, training=tf.constant(True)))
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0.4 < (dropped == 0).mean() < 0.6
    np.testing.assert_array_equal(keras_rnn.dropout(x, rate=0.5, training=tf.constant(False)), x)


def test_stack_bidirectional_feeds_each_layer_the_previous_concatenation() -> None:
    x, lengths = _x(9), tf.constant([T, 2, 4])
    cells_fw = [keras.layers.LSTMCell(U), keras.layers.LSTMCell(U)]
    cells_bw = [keras.layers.LSTMCell(U), keras.layers.LSTMCell(U)]
    outputs, states_fw, states_bw = keras_rnn.stack_bidirectional_dynamic_rnn(
        cells_fw, cells_bw, x, sequence_length=lengths)
    layer_inputs = x
    for index in range(2):
        (fw, bw), (state_fw, state_bw) = keras_rnn.bidirectional_dynamic_rnn(
            cells_fw[index], cells_bw[index], layer_inputs, sequence_length=lengths)
        layer_inputs = tf.concat([fw, bw], 2)
        np.testing.assert_allclose(states_fw[index].h, state_fw.h, atol=1e-6)
        np.testing.assert_allclose(states_bw[index].c, state_bw.c, atol=1e-6)
    np.testing.assert_allclose(outputs, layer_inputs, atol=1e-6)
    assert outputs.shape == (B, T, 2 * U)
    with pytest.raises(ValueError, match="as many backward cells as forward cells .*got 2 and 1"):
        keras_rnn.stack_bidirectional_dynamic_rnn(cells_fw, cells_bw[:1], x)
