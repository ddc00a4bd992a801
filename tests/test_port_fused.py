"""tf2_port.fused.FusedLSTMStack: PyTorch's fused LSTM kernel, the same numbers as StackPort (and TF1).

The Keras backend is fixed per process and this suite runs on TensorFlow, so the torch side
runs in a subprocess (tests/scripts/fused_lstm_torch_side.py, KERAS_BACKEND=torch). Here: the
TF1 reference runs an LSTM stack (random non-trivial weights, non-zero inputs and initial
state), ``StackPort(spec, fast=True)`` takes the converted weights and gives the values and the
gradients of a scalar loss sum(probe_i * value_i) on TensorFlow; the subprocess computes the
same with ``FusedLSTMStack`` and with stacked stock ``keras.layers.LSTM`` on torch, holding the
same weights. Widths (6, 4, 4) exercise both calls the layer makes: one single-layer kernel call
(6) and one two-layer call (4, 4).

Tolerances. The fused kernel adds ``x W_ih^T + b_ih + h W_hh^T + b_hh`` in its own order
and blocking (oneDNN in float32, ATen's loop in float64), and computes weight gradients as one
product over all steps: only rounding differs from the per-step Keras loop. Measured (these
configurations, torch 2.13 CPU on x86, against both StackPort on TensorFlow and the stock
layers on torch): float32 values ≤ 1.8e-7 on unit-scale values, 1e-6 allowed (the equivalence
suite's bound); float32 gradients ≤ 9.5e-7 on gradients up to 6.1 in magnitude (sums over
steps and rows), 1e-5 allowed; float64 values ≤ 4.4e-16, gradients ≤ 1.6e-15, 1e-13 allowed.
The same bounds as tests/test_port_fast.py.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf1_reference.builder import run_reference
from tf1_reference.spec import lstm_stack
from tf2_port.build import StackPort
from tf2_port.fused import FusedLSTMStack
from tf2_port.state import tf1_state_to_keras

pytest.importorskip("torch", reason="the fused path needs PyTorch (pip install torch==2.13.0)")

SCRIPT = Path(__file__).parent / "scripts" / "fused_lstm_torch_side.py"
UNITS = (6, 4, 4)
TOLERANCES = {  # (values, gradients); see the module docstring
    "float32": (1e-6, 1e-5),
    "float64": (1e-13, 1e-13),
}


def _port_values_and_gradients(dtype, directory):
    """Runs TF1 and StackPort here, writes the torch side's input; returns what to compare with."""
    spec = lstm_stack(list(UNITS), input_size=5, batch_size=3, time_steps=7, dtype=dtype)
    reference = run_reference(spec)
    port = StackPort(spec, fast=True)
    port.set_tf1_variables(reference.variables)
    initial = [tf.constant(s) for s in tf1_state_to_keras(spec, reference.initial_state)]
    inputs = tf.constant(reference.inputs)
    variables = [w for layer in port.cells[""] for w in layer.trainable_weights]
    rng = np.random.default_rng(3)
    with tf.GradientTape() as tape:
        tape.watch([inputs, *initial])
        values = port(inputs, initial_state=initial)
        probes = [rng.normal(size=v.shape).astype(dtype) for v in values]
        loss = sum(tf.reduce_sum(v * p) for v, p in zip(values, probes))
    gradients = tape.gradient(loss, [inputs, *initial, *variables])
    np.savez(directory / f"in_{dtype}.npz", units=np.array(UNITS), inputs=reference.inputs,
             **{f"state_{i}": np.asarray(s) for i, s in enumerate(initial)},
             **{f"weight_{i}": np.asarray(w) for i, w in enumerate(variables)},
             **{f"probe_{i}": p for i, p in enumerate(probes)})
    return reference, [np.asarray(v) for v in values], [np.asarray(g) for g in gradients]


@pytest.fixture(scope="module")
def torch_side(tmp_path_factory):
    """Both dtypes in one subprocess run: importing torch + Keras costs most of its ~8 s."""
    directory = tmp_path_factory.mktemp("fused")
    expected = {dtype: _port_values_and_gradients(dtype, directory) for dtype in TOLERANCES}
    env = {k: v for k, v in os.environ.items() if k not in ("TF_USE_LEGACY_KERAS", "KERAS_BACKEND")}
    env["KERAS_BACKEND"] = "torch"
    env["PYTHONPATH"] = os.pathsep.join([str(SCRIPT.parent), str(SCRIPT.parents[2]), env.get("PYTHONPATH", "")])
    script = ("from fused_lstm_torch_side import main\n"
              + "".join(f"main({str(directory / f'in_{d}.npz')!r}, {str(directory / f'out_{d}.npz')!r})\n"
                        for d in TOLERANCES))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    info = json.loads(run.stdout.strip().splitlines()[-1])
    assert info["backend"] == "torch"
    return expected, {dtype: dict(np.load(directory / f"out_{dtype}.npz")) for dtype in TOLERANCES}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("against", ["stack_port_on_tensorflow", "stock_lstm_on_torch"])
def test_outputs_states_and_gradients_equal(torch_side, dtype, against):
    expected, results = torch_side
    reference, port_values, port_gradients = expected[dtype]
    got = results[dtype]
    if against == "stock_lstm_on_torch":
        want_values = [got[f"stock_value_{i}"] for i in range(len(port_values))]
        want_gradients = [got[f"stock_gradient_{i}"] for i in range(len(port_gradients))]
    else:
        want_values, want_gradients = port_values, port_gradients
    value_atol, gradient_atol = TOLERANCES[dtype]
    assert len(want_values) == 1 + 6 and len(want_gradients) == 1 + 6 + 9
    for i, want in enumerate(want_values):
        value = got[f"fused_value_{i}"]
        assert value.dtype == np.dtype(dtype)
        np.testing.assert_allclose(value, want, rtol=0, atol=value_atol)
    for i, want in enumerate(want_gradients):
        gradient = got[f"fused_gradient_{i}"]
        assert gradient.dtype == np.dtype(dtype) and gradient.shape == want.shape
        np.testing.assert_allclose(gradient, want, rtol=0, atol=gradient_atol)
    # And so the TF1 reference's outputs (the equivalence suite's float32 bound).
    np.testing.assert_allclose(got["fused_value_0"], reference.outputs, rtol=0, atol=value_atol)


def test_zero_initial_state_weight_cache_and_config_round_trip_on_torch(torch_side):
    _, results = torch_side
    for dtype in TOLERANCES:
        assert results[dtype]["zero_state_diff"] == 0.0  # the same kernel call either way
        assert bool(results[dtype]["config_ok"])
        assert bool(results[dtype]["layout_ok"])  # kernels in torch's layout: no copies, same values


def test_other_backends_run_the_stock_layers_config_round_trip_and_errors():
    # This process is on TensorFlow: FusedLSTMStack runs its keras.layers.LSTM sublayers, so it
    # is StackPort's fast form exactly (the same ops on the same variables).
    spec = lstm_stack(list(UNITS), input_size=5, batch_size=3, time_steps=7, dtype="float32")
    reference = run_reference(spec)
    port = StackPort(spec, fast=True)
    port.set_tf1_variables(reference.variables)
    initial = tf1_state_to_keras(spec, reference.initial_state)
    stack = FusedLSTMStack(UNITS, name="fused_a")
    stack.build((None, 7, 5))
    stack.set_weights([w for layer in port.cells[""] for w in layer.get_weights()])
    for got, want in zip(stack(reference.inputs, initial_state=initial), port(reference.inputs, initial_state=initial)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    config = stack.get_config()
    assert config["units"] == list(UNITS) and config["name"] == "fused_a"
    assert FusedLSTMStack.from_config(config).get_config() == config
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(stack))
    assert isinstance(restored, FusedLSTMStack) and restored.built
    restored.set_weights(stack.get_weights())
    for got, want in zip(restored(reference.inputs), stack(reference.inputs)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    stock = keras.layers.LSTM(6, unit_forget_bias=True)
    stock.build((None, 7, 5))
    assert [tuple(w.shape) for w in stack.weights[:3]] == [tuple(w.shape) for w in stock.weights]
    with pytest.raises(ValueError, match="does not support masks"):
        stack(reference.inputs, mask=np.ones((3, 7), bool))
    with pytest.raises(ValueError, match=r"expected 6 tensors \(\[h, c\] per layer\), received 2"):
        stack(reference.inputs, initial_state=initial[:2])
    with pytest.raises(ValueError, match="expected a non-empty sequence of positive ints, received \\(\\)"):
        FusedLSTMStack(())
