"""Training-mode semantics the numbers alone don't show: dropout structure and gradients."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from tf1_reference.builder import run_reference
from tf1_reference.spec import DropoutSpec, LayerSpec, StackSpec
from tf2_port.build import StackPort, base_cell, tf1_layer_weights
from tf2_port.names import tf1_cell_prefix
from tf2_port.state import keras_state_to_tf1, tf1_state_to_keras
from tf2_port.verify import compare_port

SIZES = {"batch_size": 16, "time_steps": 20, "input_size": 8}


def _dropout_spec(kind, units, **dropout):
    return StackSpec(layers=(LayerSpec(kind, units, wrappers=(DropoutSpec(**dropout),)),), **SIZES)


def _run_both(spec, training=True, seed=0):
    """The TF1 run and the port run (same weights, inputs and initial state)."""
    reference = run_reference(spec, seed=seed, training=training)
    comparison = compare_port(spec, reference, training=training)
    return reference, comparison.port_outputs, comparison.port_state


def _zero_rate(array):
    return float(np.mean(np.asarray(array) == 0.0))


def test_output_dropout_fresh_masks_match_tf1_structure():
    spec = _dropout_spec("lstm", 16, output_keep_prob=0.5)
    reference, port_outputs, port_state = _run_both(spec)
    for outputs, state in ((reference.outputs, reference.final_state), (port_outputs, port_state)):
        zeros = outputs == 0.0
        # 5120 Bernoulli(0.5) draws: std of the rate 0.007; bound at ~7 std.
        assert abs(zeros.mean() - 0.5) < 0.05
        assert not np.array_equal(zeros[:, 0], zeros[:, 1])  # fresh per step
        assert not np.array_equal(zeros[0], zeros[1])  # fresh per row
        assert _zero_rate(state[0].h) == 0.0  # output dropout leaves the state alone


def test_variational_output_mask_shared_by_rows_and_steps_like_tf1():
    spec = _dropout_spec("gru", 64, output_keep_prob=0.5, variational_recurrent=True)
    reference, port_outputs, _ = _run_both(spec)
    for outputs in (reference.outputs, port_outputs):
        zeros = outputs == 0.0
        assert np.all(zeros == zeros[0, 0])  # one [1, units] output mask per run
        assert 0 < zeros[0, 0].sum() < 64


def test_variational_state_mask_shared_by_rows_like_tf1():
    # Few steps: a kept state unit is scaled by 1/keep at every step, and over
    # long sequences saturated gates then add zeros of their own (in TF1 too).
    spec = StackSpec(layers=(LayerSpec("gru", 64, wrappers=(DropoutSpec(state_keep_prob=0.5,
                                                                        variational_recurrent=True),)),),
                     batch_size=16, time_steps=3, input_size=8)
    reference, _, port_state = _run_both(spec)
    for state in (reference.final_state[0], port_state[0]):
        zeros = np.asarray(state) == 0.0
        assert np.all(zeros == zeros[0])  # one [1, units] state mask for all rows
        assert 0 < zeros[0].sum() < 64


def test_state_dropout_drops_h_never_c_like_tf1():
    spec = _dropout_spec("lstm", 32, state_keep_prob=0.5)
    reference, _, port_state = _run_both(spec)
    for state in (reference.final_state[0], port_state[0]):
        # 512 draws of the returned h: std of the rate 0.022; bound at ~7 std.
        assert abs(_zero_rate(state.h) - 0.5) < 0.15
        assert _zero_rate(state.c) == 0.0


def test_flat_lstm_state_dropout_drops_c_too_like_tf1():
    # TF1's state filter spares c only inside an LSTMStateTuple; a flat [c, h] state is dropped whole.
    spec = StackSpec(layers=(LayerSpec("lstm", 32, state_is_tuple=False,
                                       wrappers=(DropoutSpec(state_keep_prob=0.5),)),), **SIZES)
    reference, _, port_state = _run_both(spec)
    for flat in (reference.final_state[0], port_state[0]):
        c, h = flat[:, :32], flat[:, 32:]
        assert abs(_zero_rate(c) - 0.5) < 0.15 and abs(_zero_rate(h) - 0.5) < 0.15


def test_input_dropout_is_active_in_training_and_exact_in_inference():
    spec = _dropout_spec("basic_rnn", 8, input_keep_prob=0.5)
    _, inference_outputs, _ = _run_both(spec, training=False)
    reference, training_outputs, _ = _run_both(spec, training=True)
    eval_reference = run_reference(spec, training=False)
    # Inference: the wrapper is the identity, equal to TF1 fed keep_prob 1.0 (float32 round-off).
    np.testing.assert_allclose(inference_outputs, eval_reference.outputs, rtol=0, atol=2e-6)
    assert np.max(np.abs(training_outputs - inference_outputs)) > 0.1
    assert np.max(np.abs(reference.outputs - eval_reference.outputs)) > 0.1


def test_fast_form_output_dropout_has_the_same_structure():
    spec = StackSpec(layers=(LayerSpec("lstm", 16, wrappers=(DropoutSpec(output_keep_prob=0.5),)),
                             LayerSpec("lstm", 16, wrappers=(DropoutSpec(output_keep_prob=0.5,
                                                                         variational_recurrent=True),))),
                     **SIZES)
    port = StackPort(spec, fast=True)
    outputs = np.asarray(port(np.ones((16, 20, 8), np.float32), training=True)[0])
    zeros = outputs == 0.0
    assert np.all(zeros == zeros[0, 0])  # top layer variational: one mask for all rows and steps
    np.testing.assert_array_equal(np.asarray(port(np.ones((16, 20, 8), np.float32), training=False)[0]),
                                  np.asarray(port(np.ones((16, 20, 8), np.float32), training=False)[0]))


# --- gradients ----------------------------------------------------------------------------

GRADIENT_SPECS = {
    "lstm_gru_rnn": StackSpec(layers=(LayerSpec("lstm", 5, forget_bias=0.7), LayerSpec("gru", 4),
                                      LayerSpec("basic_rnn", 3)), use_sequence_length=True, dtype="float64"),
    "peephole_projection": StackSpec(layers=(LayerSpec("lstm", 5, use_peepholes=True, num_proj=3, cell_clip=0.8),
                                             LayerSpec("basic_lstm", 4)), dtype="float64"),
    "float32_time_major": StackSpec(layers=(LayerSpec("gru", 5), LayerSpec("lstm", 4)), time_major=True),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_SPECS))
def test_gradients_match_tf1_through_the_conversion(name):
    spec = GRADIENT_SPECS[name]
    reference = run_reference(spec, with_gradients=True)
    port = StackPort(spec)
    port.set_tf1_variables(reference.variables)
    inputs = tf.constant(reference.inputs)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        result = port(inputs, initial_state=tf1_state_to_keras(spec, reference.initial_state),
                      sequence_length=reference.sequence_length)
        leaves = tf.nest.flatten((result[0], keras_state_to_tf1(spec, result[1:])))
        loss = tf.add_n([tf.reduce_sum(leaf * weights) for leaf, weights in zip(leaves, reference.loss_weights)])
    cells = port.cells[""]
    weights = [w for cell in cells for w in base_cell(cell).trainable_weights]
    gradients = tape.gradient(loss, [inputs, *weights])
    # float64: round-off only (1e-12); float32: unit-scale sums over 6 steps, 2e-5 absolute.
    tolerance = 1e-12 if spec.dtype == "float64" else 2e-5
    np.testing.assert_allclose(float(loss), reference.loss, rtol=0, atol=tolerance)
    np.testing.assert_allclose(np.asarray(gradients[0]), reference.gradients["inputs"], rtol=0, atol=tolerance)
    # The conversion is linear in the weights apart from the forget-bias shift, whose gradient is 0:
    # map the TF1 gradients with forget_bias=0 and compare weight by weight.
    expected = []
    for index, (layer, input_size) in enumerate(zip(spec.layers, spec.layer_input_sizes())):
        mapped, _ = tf1_layer_weights(dataclasses.replace(layer, forget_bias=0.0), reference.gradients,
                                      tf1_cell_prefix(spec, "", index), input_size)
        expected.extend(mapped)
    assert len(expected) == len(weights)
    for got, want, variable in zip(gradients[1:], expected, weights):
        np.testing.assert_allclose(np.asarray(got), want, rtol=0, atol=tolerance, err_msg=variable.path)
