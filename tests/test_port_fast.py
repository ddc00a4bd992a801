"""tf2_port.fast (PrecomputedInputLSTM, UnrolledLSTMStack): the same numbers as StackPort (and TF1).

An LSTM stack is run by the TF1 reference (random non-trivial weights, non-zero inputs and
initial state), by ``StackPort(spec, fast=True)`` with the converted weights, and by
``PrecomputedInputLSTM`` layers / one ``UnrolledLSTMStack`` holding the port's weights. Outputs, final states and the
gradients of a scalar loss over all of them (inputs, initial states, every weight) must agree.

Tolerances. The first layer adds ``(x W + b) + h U`` where Keras adds ``(x W + h U) + b``, and
input projections and weight gradients are one matrix product over all steps (blocked
differently from per-step products): only rounding differs. Measured against the port (these
configurations, TF 2.21 on x86): float32 values ≤ 1.2e-7 on unit-scale values, 1e-6 allowed
(the equivalence suite's bound, a margin of eight); float32 gradients ≤ 7.2e-7 on gradients up
to 6.4 in magnitude (sums over steps and rows), 1e-5 allowed; float64 ≤ 8.9e-16 for both,
1e-13 allowed.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf1_reference.builder import run_reference
from tf1_reference.spec import lstm_stack
from tf2_port.build import StackPort
from tf2_port.fast import PrecomputedInputLSTM, UnrolledLSTMStack, lstm_recurrence
from tf2_port.state import tf1_state_to_keras

TOLERANCES = {  # (values, gradients); see the module docstring
    "float32": (1e-6, 1e-5),
    "float64": (1e-13, 1e-13),
}


def _setup(dtype, units=(6, 4), input_size=5, batch=3, steps=7):
    spec = lstm_stack(list(units), input_size=input_size, batch_size=batch, time_steps=steps, dtype=dtype)
    reference = run_reference(spec)
    port = StackPort(spec, fast=True)
    port.set_tf1_variables(reference.variables)
    initial = tf1_state_to_keras(spec, reference.initial_state)
    return spec, reference, port, initial


def _precomputed_stack(port, spec, unroll, compile_loops=False):
    layers = []
    for port_layer, input_size in zip(port.cells[""], spec.layer_input_sizes()):
        layer = PrecomputedInputLSTM(port_layer.units, unroll=unroll, compile_loops=compile_loops, dtype=spec.dtype)
        layer.build((None, spec.time_steps, input_size))
        layer.set_weights(port_layer.get_weights())
        layers.append(layer)
    return layers


def _run_stack(layers, inputs, initial):
    x, final = inputs, []
    for index, layer in enumerate(layers):
        state = None if initial is None else initial[2 * index: 2 * index + 2]
        x, h, c = layer(x, initial_state=state)
        final += [h, c]
    return [x, *final]


def _loss_and_gradients(run, variables, inputs, initial, seed=3):
    """Values, and gradients of sum(random weights * value) over outputs and states."""
    inputs = tf.constant(inputs)
    initial = [tf.constant(s) for s in initial]
    with tf.GradientTape() as tape:
        tape.watch([inputs, *initial])
        values = run(inputs, initial)
        rng = np.random.default_rng(seed)
        loss = sum(tf.reduce_sum(v * rng.normal(size=v.shape).astype(v.dtype.name)) for v in values)
    gradients = tape.gradient(loss, [inputs, *initial, *variables])
    return [np.asarray(v) for v in values], [np.asarray(g) for g in gradients]


@pytest.mark.parametrize("unroll, compile_loops", [(None, False), (False, False), (None, True)],
                         ids=["unrolled", "scan", "unrolled-xla-loops"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_outputs_states_and_gradients_equal_the_stack_port(dtype, unroll, compile_loops):
    spec, reference, port, initial = _setup(dtype)
    layers = _precomputed_stack(port, spec, unroll, compile_loops)
    value_atol, gradient_atol = TOLERANCES[dtype]
    port_variables = [w for layer in port.cells[""] for w in layer.trainable_weights]
    fast_variables = [w for layer in layers for w in layer.trainable_weights]
    want_values, want_gradients = _loss_and_gradients(
        lambda x, s: port(x, initial_state=s), port_variables, reference.inputs, initial)
    got_values, got_gradients = _loss_and_gradients(
        lambda x, s: _run_stack(layers, x, s), fast_variables, reference.inputs, initial)
    assert len(got_gradients) == 1 + 4 + 6  # inputs, [h, c] x 2, (kernel, recurrent_kernel, bias) x 2
    for got, want in zip(got_values, want_values):
        np.testing.assert_allclose(got, want, rtol=0, atol=value_atol)
    for got, want in zip(got_gradients, want_gradients):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, want, rtol=0, atol=gradient_atol)
    # And so the TF1 reference's outputs (the equivalence suite's float32 bound, see there).
    np.testing.assert_allclose(got_values[0], reference.outputs, rtol=0, atol=value_atol)


def test_gradients_inside_tf_function_when_only_the_outputs_feed_the_loss():
    # In a graph, unused outputs (the final states here) reach the custom gradient as None.
    spec, reference, port, initial = _setup("float32")
    layers = _precomputed_stack(port, spec, unroll=None)

    def gradients_of(run, variables):
        @tf.function
        def compute(inputs):
            with tf.GradientTape() as tape:
                tape.watch(inputs)
                loss = tf.reduce_sum(tf.square(run(inputs, initial)[0]))
            return tape.gradient(loss, [inputs, *variables])

        return [np.asarray(g) for g in compute(tf.constant(reference.inputs))]

    want = gradients_of(lambda x, s: port(x, initial_state=s), [w for l in port.cells[""] for w in l.trainable_weights])
    got = gradients_of(lambda x, s: _run_stack(layers, x, s), [w for l in layers for w in l.trainable_weights])
    for got_gradient, want_gradient in zip(got, want):
        np.testing.assert_allclose(got_gradient, want_gradient, rtol=0, atol=TOLERANCES["float32"][1])


def test_zero_initial_state_by_default_and_unknown_length_uses_scan():
    spec, reference, port, _ = _setup("float32")
    layers = _precomputed_stack(port, spec, unroll=None)
    want = port(reference.inputs)
    got = _run_stack(layers, reference.inputs, None)
    for got_value, want_value in zip(got, want):
        np.testing.assert_allclose(np.asarray(got_value), np.asarray(want_value), rtol=0, atol=1e-6)
    # A time dimension unknown when traced: the tf.scan path.
    run_any_length = tf.function(lambda x: layers[0](x)[0],
                                 input_signature=[tf.TensorSpec((None, None, spec.input_size), tf.float32)])
    np.testing.assert_allclose(np.asarray(run_any_length(reference.inputs)),
                               np.asarray(layers[0](reference.inputs)[0]), rtol=0, atol=1e-6)


def test_get_config_round_trip_and_keras_serialization():
    layer = PrecomputedInputLSTM(4, unroll=False, name="lstm_a", dtype="float64")
    layer.build((None, 3, 2))
    config = layer.get_config()
    assert config["units"] == 4 and config["unroll"] is False and config["compile_loops"] is False
    assert config["name"] == "lstm_a"
    clone = PrecomputedInputLSTM.from_config(config)
    assert clone.get_config() == config
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, PrecomputedInputLSTM) and restored.get_config() == config
    assert restored.built  # serialization carries the build shape
    restored.set_weights(layer.get_weights())
    inputs = np.random.default_rng(0).normal(size=(2, 3, 2))
    for got, want in zip(restored(inputs), layer(inputs)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_weights_match_keras_lstm_layout_and_initial_forget_bias():
    layer = PrecomputedInputLSTM(3)
    layer.build((None, 5, 2))
    stock = keras.layers.LSTM(3, unit_forget_bias=True)
    stock.build((None, 5, 2))
    assert [tuple(w.shape) for w in layer.weights] == [tuple(w.shape) for w in stock.weights]
    np.testing.assert_array_equal(np.asarray(layer.bias), np.asarray(stock.cell.bias))  # ones in the f block only


def test_errors_say_what_is_supported():
    layer = PrecomputedInputLSTM(3)
    inputs = np.ones((2, 4, 2), "float32")
    with pytest.raises(ValueError, match="does not support masks"):
        layer(inputs, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="expected a positive int, received 0"):
        PrecomputedInputLSTM(0)
    with pytest.raises(ValueError, match="expected False or None for a sequence of unknown length"):
        tf.function(lambda xw: lstm_recurrence(xw, tf.zeros((2, 3)), tf.zeros((2, 3)), tf.zeros((3, 12)), unroll=True),
                    input_signature=[tf.TensorSpec((2, None, 12), tf.float32)]).get_concrete_function()


# --- UnrolledLSTMStack ------------------------------------------------------------------------------

def _unrolled_stack(port, spec):
    stack = UnrolledLSTMStack([layer.units for layer in spec.layers], dtype=spec.dtype)
    stack.build((None, spec.time_steps, spec.input_size))
    stack.set_weights([w for layer in port.cells[""] for w in layer.get_weights()])
    return stack


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unrolled_stack_outputs_states_and_gradients_equal_the_stack_port(dtype):
    # Three layers of different widths: the first (projection hoisted) and two upper ones.
    spec, reference, port, initial = _setup(dtype, units=(6, 4, 5))
    stack = _unrolled_stack(port, spec)
    value_atol, gradient_atol = TOLERANCES[dtype]
    want_values, want_gradients = _loss_and_gradients(
        lambda x, s: port(x, initial_state=s), [w for l in port.cells[""] for w in l.trainable_weights],
        reference.inputs, initial)
    got_values, got_gradients = _loss_and_gradients(
        lambda x, s: stack(x, initial_state=s), stack.trainable_weights, reference.inputs, initial)
    assert len(got_values) == 1 + 6 and len(got_gradients) == 1 + 6 + 9
    for got, want in zip(got_values, want_values):
        np.testing.assert_allclose(got, want, rtol=0, atol=value_atol)
    for got, want in zip(got_gradients, want_gradients):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, want, rtol=0, atol=gradient_atol)
    np.testing.assert_allclose(got_values[0], reference.outputs, rtol=0, atol=value_atol)


def test_unrolled_stack_in_tf_function_zero_state_and_unused_state_gradients():
    spec, reference, port, _ = _setup("float32")
    stack = _unrolled_stack(port, spec)

    def gradients_of(run, variables):
        @tf.function
        def compute(inputs):
            with tf.GradientTape() as tape:
                tape.watch(inputs)
                loss = tf.reduce_sum(tf.square(run(inputs)[0]))  # final states unused: None upstream
            return tape.gradient(loss, [inputs, *variables])

        return [np.asarray(g) for g in compute(tf.constant(reference.inputs))]

    want = gradients_of(port, [w for l in port.cells[""] for w in l.trainable_weights])
    got = gradients_of(stack, stack.trainable_weights)
    for got_gradient, want_gradient in zip(got, want):
        np.testing.assert_allclose(got_gradient, want_gradient, rtol=0, atol=TOLERANCES["float32"][1])


def test_unrolled_stack_config_round_trip_weights_layout_and_errors():
    stack = UnrolledLSTMStack([4, 3], name="stack_a")
    stack.build((None, 5, 2))
    config = stack.get_config()
    assert config["units"] == [4, 3] and config["name"] == "stack_a"
    assert UnrolledLSTMStack.from_config(config).get_config() == config
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(stack))
    assert isinstance(restored, UnrolledLSTMStack) and restored.built
    restored.set_weights(stack.get_weights())
    inputs = np.random.default_rng(0).normal(size=(2, 5, 2)).astype("float32")
    for got, want in zip(restored(inputs), stack(inputs)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    stock = [keras.layers.LSTM(4, unit_forget_bias=True), keras.layers.LSTM(3, unit_forget_bias=True)]
    stock[0].build((None, 5, 2))
    stock[1].build((None, 5, 4))
    assert [tuple(w.shape) for w in stack.weights] == [tuple(w.shape) for layer in stock for w in layer.weights]
    np.testing.assert_array_equal(np.asarray(stack.weights[5]), np.asarray(stock[1].cell.bias))
    with pytest.raises(ValueError, match="does not support masks"):
        stack(inputs, mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match=r"expected 4 tensors \(\[h, c\] per layer\), received 2"):
        stack(inputs, initial_state=[np.zeros((2, 4), "float32")] * 2)
    with pytest.raises(ValueError, match="expected a non-empty sequence of positive ints, received \\(\\)"):
        UnrolledLSTMStack(())
