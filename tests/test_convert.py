"""tf2_port.convert: TF1 cell weights to Keras 3 cell weights, proven numerically.

1. Core cells (BasicRNNCell, GRUCell, BasicLSTMCell, LSTMCell): a real TF1 graph
   of the legacy cell runs with random weights (biases included); its variables
   are converted and loaded into the stock Keras 3 cell, which runs eagerly on
   the same inputs and initial state. Outputs and every final-state part must
   agree. The three classic conversion mistakes are shown to break that.
2. contrib (LSTMBlockCell, GRUBlockCell) and cuDNN-canonical cells: TF 2.21
   cannot build them, so their TF1 equations, written in NumPy in
   tests/numpy_cells.py, stand in for the graph.
3. Layout properties: round trips through the inverses, dtype kept, inputs
   untouched, Keras-style shape errors.

Not here: LSTMCell with peepholes / num_proj / clips needs the project's own
TF1LSTMCell; its equivalence with TF1 is tested with that cell (through
tf2_port.build), and only its weight layout is tested below.

Tolerances. float32: TF1 computes concat([x, h]) @ W in one matmul while Keras
computes x @ K + h @ R, so partial sums round differently; measured <= 4e-7 on
unit-scale values (ARCHITECTURE.md: facts), so atol 1e-6. float64: the same effect at
~1e-16; 1e-12 leaves a wide margin yet is far below any layout error (> 1e-2).
relu is unbounded, so outputs can exceed 1 and rounding grows with magnitude:
the absolute tolerance is scaled by the largest reference magnitude (>= 1).
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tf1_reference.builder import run_reference
from tf1_reference.spec import LayerSpec, StackSpec
from tf2_port import convert

import numpy_cells

ATOL = {"float32": 1e-6, "float64": 1e-12}
DTYPES = ("float32", "float64")
# input width != units, so a kernel split at the wrong row cannot pass by accident.
BATCH, TIME, INPUT_SIZE, UNITS = 3, 6, 3, 5

# ARCHITECTURE.md, facts (names): variable scope of each legacy cell under dynamic_rnn's "rnn".
TF1_CELL_SCOPES = {
    "basic_rnn": "basic_rnn_cell", "gru": "gru_cell", "basic_lstm": "basic_lstm_cell", "lstm": "lstm_cell",
}
KERAS_CELLS = {"basic_rnn": "SimpleRNNCell", "gru": "GRUCell", "basic_lstm": "LSTMCell", "lstm": "LSTMCell"}
# A classic mistake must miss by far more than any tolerance (measured: reset_after=True 0.10,
# forget_bias not added 0.26, no gate reorder 1.30 max |diff|, float32).
CLASSIC_MISTAKE_MIN_ERROR = 1e-2


# --- helpers --------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def keras_rnn(cell_class: str, activation: str, dtype: str, reset_after: bool = False) -> keras.layers.RNN:
    """A built, reusable RNN layer; each test loads its own weights into it."""
    options = {"activation": activation, "dtype": dtype}
    if cell_class == "GRUCell":
        options["reset_after"] = reset_after
    cell = getattr(keras.layers, cell_class)(UNITS, **options)
    # dtype on the cell *and* the RNN layer, never a global policy: other tests share the process.
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True, dtype=dtype)
    layer.build((None, None, INPUT_SIZE))
    return layer


def run_keras(layer: keras.layers.RNN, weights, inputs, initial_state):
    """Outputs and the final state list (Keras order) of ``layer`` with ``weights``."""
    layer.cell.set_weights(weights)
    outputs, *states = layer(inputs, initial_state=list(initial_state))
    return keras.ops.convert_to_numpy(outputs), [keras.ops.convert_to_numpy(s) for s in states]


def is_lstm(kind: str) -> bool:
    return kind in ("basic_lstm", "lstm")


def tf1_state_to_keras(kind: str, state):
    # TF1's LSTMStateTuple is (c, h); Keras' LSTM state is [h, c].
    if is_lstm(kind):
        c, h = state
        return [h, c]
    return [state]


def max_diffs(expected: dict, actual: dict) -> dict[str, float]:
    return {name: float(np.max(np.abs(actual[name] - expected[name]))) for name in expected}


def assert_close(expected: dict, actual: dict, dtype: str) -> None:
    for name in expected:
        assert actual[name].dtype == np.dtype(dtype), name
        scale = max(1.0, float(np.max(np.abs(expected[name]))))  # relu outputs may exceed 1
        np.testing.assert_allclose(actual[name], expected[name], rtol=0, atol=ATOL[dtype] * scale, err_msg=name)


def reference_run(kind: str, dtype: str, forget_bias: float = 1.0, activation: str = "tanh", seed: int = 0):
    options = {"forget_bias": forget_bias} if is_lstm(kind) else {}
    layer = LayerSpec(kind, UNITS, activation=activation, **options)
    spec = StackSpec(layers=(layer,), multi_rnn_cell=False, dtype=dtype,
                     batch_size=BATCH, time_steps=TIME, input_size=INPUT_SIZE)
    return run_reference(spec, seed=seed, variables="random")


def tf1_variables_to_keras(kind: str, variables: dict, forget_bias: float) -> list[np.ndarray]:
    prefix = f"rnn/{TF1_CELL_SCOPES[kind]}"
    if kind == "basic_rnn":
        return convert.basic_rnn_to_keras(variables[f"{prefix}/kernel"], variables[f"{prefix}/bias"], INPUT_SIZE)
    if kind == "gru":
        return convert.gru_to_keras(
            variables[f"{prefix}/gates/kernel"], variables[f"{prefix}/gates/bias"],
            variables[f"{prefix}/candidate/kernel"], variables[f"{prefix}/candidate/bias"], INPUT_SIZE,
        )
    return convert.lstm_to_keras(variables[f"{prefix}/kernel"], variables[f"{prefix}/bias"], INPUT_SIZE, forget_bias)


def compare_with_reference(reference, kind: str, keras_layer, weights) -> tuple[dict, dict]:
    """(expected, actual) arrays keyed by tensor name, both in TF1's naming."""
    outputs, states = run_keras(keras_layer, weights, reference.inputs,
                                tf1_state_to_keras(kind, reference.initial_state))
    expected = {"outputs": reference.outputs}
    actual = {"outputs": outputs}
    if is_lstm(kind):
        expected.update(c=reference.final_state.c, h=reference.final_state.h)
        actual.update(h=states[0], c=states[1])
    else:
        expected["h"] = reference.final_state
        actual["h"] = states[0]
    return expected, actual


# --- 1. against the real TF1 cells ----------------------------------------------------

REFERENCE_CASES = [
    ("basic_rnn", 1.0, "tanh"), ("basic_rnn", 1.0, "relu"),
    ("gru", 1.0, "tanh"), ("gru", 1.0, "relu"),
    *[(kind, forget_bias, activation)
      for kind in ("basic_lstm", "lstm") for forget_bias in (1.0, 0.0, 0.7) for activation in ("tanh", "relu")],
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kind,forget_bias,activation", REFERENCE_CASES,
    ids=[f"{kind}-fb{fb}-{act}" for kind, fb, act in REFERENCE_CASES],
)
def test_converted_weights_reproduce_the_tf1_cell(kind, forget_bias, activation, dtype):
    reference = reference_run(kind, dtype, forget_bias, activation)
    weights = tf1_variables_to_keras(kind, reference.variables, forget_bias)
    expected, actual = compare_with_reference(reference, kind, keras_rnn(KERAS_CELLS[kind], activation, dtype), weights)
    assert_close(expected, actual, dtype)


def lstm_weights_without_gate_reorder(kernel, bias, forget_bias):
    """Mistake 1: split the kernel and add forget_bias, but keep TF1's (i, j, f, o) blocks."""
    units = bias.shape[0] // 4
    forget = convert.TF1_LSTM_GATES.index("f")
    bias = bias.copy()
    bias[forget * units:(forget + 1) * units] += forget_bias
    return [kernel[:INPUT_SIZE], kernel[INPUT_SIZE:], bias]


def classic_mistake_error(mistake: str) -> float:
    """Max |diff| over outputs and final states when the conversion makes ``mistake``."""
    kind = "gru" if mistake == "gru_reset_after_default" else "lstm"
    reference = reference_run(kind, "float32", forget_bias=1.0)
    prefix = f"rnn/{TF1_CELL_SCOPES[kind]}"
    reset_after = False
    if mistake == "no_gate_reorder":
        weights = lstm_weights_without_gate_reorder(
            reference.variables[f"{prefix}/kernel"], reference.variables[f"{prefix}/bias"], 1.0)
    elif mistake == "forget_bias_not_added":
        weights = convert.lstm_to_keras(
            reference.variables[f"{prefix}/kernel"], reference.variables[f"{prefix}/bias"], INPUT_SIZE, 0.0)
    else:  # Keras' default GRUCell(reset_after=True), with the right weights otherwise.
        kernel, recurrent_kernel, bias = tf1_variables_to_keras(kind, reference.variables, 1.0)
        weights = [kernel, recurrent_kernel, np.stack([bias, np.zeros_like(bias)])]
        reset_after = True
    layer = keras_rnn(KERAS_CELLS[kind], "tanh", "float32", reset_after=reset_after)
    expected, actual = compare_with_reference(reference, kind, layer, weights)
    return max(max_diffs(expected, actual).values())


@pytest.mark.parametrize("mistake", ["no_gate_reorder", "forget_bias_not_added", "gru_reset_after_default"])
def test_each_classic_mistake_fails_the_comparison(mistake):
    # Proves the facts matter: each mistake alone misses by orders of magnitude
    # more than the tolerance the correct conversion meets.
    assert classic_mistake_error(mistake) > CLASSIC_MISTAKE_MIN_ERROR


# --- 2. contrib and cuDNN-canonical cells, against their NumPy equations ---------------


def random_arrays(rng, shapes: dict, dtype: str) -> dict:
    return {name: rng.uniform(-0.5, 0.5, size=shape).astype(dtype) for name, shape in shapes.items()}


def lstm_block_case(rng, dtype, forget_bias):
    variables = random_arrays(rng, {"kernel": (INPUT_SIZE + UNITS, 4 * UNITS), "bias": (4 * UNITS,)}, dtype)
    weights = convert.lstm_block_to_keras(variables["kernel"], variables["bias"], INPUT_SIZE, forget_bias)
    return variables, weights, functools.partial(numpy_cells.lstm_block_step, variables, forget_bias=forget_bias)


def gru_block_case(rng, dtype, forget_bias):
    variables = random_arrays(rng, {
        "w_ru": (INPUT_SIZE + UNITS, 2 * UNITS), "b_ru": (2 * UNITS,),
        "w_c": (INPUT_SIZE + UNITS, UNITS), "b_c": (UNITS,),
    }, dtype)
    weights = convert.gru_block_to_keras(variables["w_ru"], variables["b_ru"], variables["w_c"], variables["b_c"],
                                         INPUT_SIZE)
    return variables, weights, functools.partial(numpy_cells.gru_block_step, variables)


def cudnn_lstm_case(rng, dtype, forget_bias):
    variables = random_arrays(rng, {"kernel": (INPUT_SIZE + UNITS, 4 * UNITS), "bias": (4 * UNITS,)}, dtype)
    weights = convert.cudnn_lstm_to_keras(variables["kernel"], variables["bias"], INPUT_SIZE)
    return variables, weights, functools.partial(numpy_cells.cudnn_lstm_step, variables)


def cudnn_gru_case(rng, dtype, forget_bias):
    variables = random_arrays(rng, {
        "gates/kernel": (INPUT_SIZE + UNITS, 2 * UNITS), "gates/bias": (2 * UNITS,),
        "candidate/input_projection/kernel": (INPUT_SIZE, UNITS), "candidate/input_projection/bias": (UNITS,),
        "candidate/hidden_projection/kernel": (UNITS, UNITS), "candidate/hidden_projection/bias": (UNITS,),
    }, dtype)
    weights = convert.cudnn_gru_to_keras(*variables.values(), INPUT_SIZE)
    return variables, weights, functools.partial(numpy_cells.cudnn_gru_step, variables)


# family: (case builder, Keras cell class, reset_after, LSTM state?)
EQUATION_FAMILIES = {
    "lstm_block": (lstm_block_case, "LSTMCell", False, True),
    "gru_block": (gru_block_case, "GRUCell", False, False),
    "cudnn_lstm": (cudnn_lstm_case, "LSTMCell", False, True),
    "cudnn_gru": (cudnn_gru_case, "GRUCell", True, False),
}
EQUATION_CASES = [("lstm_block", 1.0), ("lstm_block", 0.6), ("gru_block", None), ("cudnn_lstm", None),
                  ("cudnn_gru", None)]


def equation_family_diffs(family: str, forget_bias, dtype: str) -> tuple[dict, dict]:
    build_case, cell_class, reset_after, lstm_state = EQUATION_FAMILIES[family]
    rng = np.random.default_rng(7)
    _, weights, step = build_case(rng, dtype, forget_bias)
    inputs = rng.uniform(-1.0, 1.0, size=(BATCH, TIME, INPUT_SIZE)).astype(dtype)
    c0, h0 = (rng.uniform(-1.0, 1.0, size=(BATCH, UNITS)).astype(dtype) for _ in range(2))
    expected_outputs, expected_state = numpy_cells.unroll(step, inputs, (c0, h0) if lstm_state else h0)
    outputs, states = run_keras(keras_rnn(cell_class, "tanh", dtype, reset_after=reset_after), weights, inputs,
                                [h0, c0] if lstm_state else [h0])
    expected, actual = {"outputs": expected_outputs}, {"outputs": outputs}
    if lstm_state:
        expected.update(c=expected_state[0], h=expected_state[1])
        actual.update(h=states[0], c=states[1])
    else:
        expected["h"], actual["h"] = expected_state, states[0]
    return expected, actual


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("family,forget_bias", EQUATION_CASES, ids=[f"{f}-fb{fb}" for f, fb in EQUATION_CASES])
def test_contrib_and_cudnn_weights_reproduce_their_equations(family, forget_bias, dtype):
    expected, actual = equation_family_diffs(family, forget_bias, dtype)
    assert_close(expected, actual, dtype)


# --- 3. layout properties ---------------------------------------------------------------


def test_module_is_pure_numpy():
    # Checkpoints must convert without TensorFlow or Keras: load the file on its own.
    path = Path(convert.__file__)
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('convert', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "print(sorted(name for name in ('tensorflow', 'keras', 'tf_keras', 'jax', 'torch') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_lstm_layout_matches_the_design_table_slice_by_slice():
    # ARCHITECTURE.md, facts (weights), written as explicit slices, independent of the module's tables.
    rng = np.random.default_rng(0)
    u = UNITS
    kernel = rng.normal(size=(INPUT_SIZE + u, 4 * u))
    bias = rng.normal(size=4 * u)
    keras_kernel, keras_recurrent, keras_bias = convert.lstm_to_keras(kernel, bias, INPUT_SIZE, 0.7)
    i, j, f, o = (slice(k * u, (k + 1) * u) for k in range(4))
    np.testing.assert_array_equal(
        keras_kernel, np.concatenate([kernel[:INPUT_SIZE, s] for s in (i, f, j, o)], axis=1))
    np.testing.assert_array_equal(
        keras_recurrent, np.concatenate([kernel[INPUT_SIZE:, s] for s in (i, f, j, o)], axis=1))
    np.testing.assert_array_equal(keras_bias, np.concatenate([bias[i], bias[f] + 0.7, bias[j], bias[o]]))


def test_gru_and_cudnn_gru_layouts_match_the_design_table_slice_by_slice():
    rng = np.random.default_rng(1)
    u, n = UNITS, INPUT_SIZE
    gates_kernel, candidate_kernel = rng.normal(size=(n + u, 2 * u)), rng.normal(size=(n + u, u))
    gates_bias, candidate_bias = rng.normal(size=2 * u), rng.normal(size=u)
    kernel, recurrent_kernel, bias = convert.gru_to_keras(gates_kernel, gates_bias, candidate_kernel,
                                                          candidate_bias, n)
    np.testing.assert_array_equal(kernel, np.hstack([gates_kernel[:n, u:], gates_kernel[:n, :u], candidate_kernel[:n]]))
    np.testing.assert_array_equal(recurrent_kernel,
                                  np.hstack([gates_kernel[n:, u:], gates_kernel[n:, :u], candidate_kernel[n:]]))
    np.testing.assert_array_equal(bias, np.concatenate([gates_bias[u:], gates_bias[:u], candidate_bias]))

    wi, bi, wh, bh = rng.normal(size=(n, u)), rng.normal(size=u), rng.normal(size=(u, u)), rng.normal(size=u)
    kernel, recurrent_kernel, bias = convert.cudnn_gru_to_keras(gates_kernel, gates_bias, wi, bi, wh, bh, n)
    np.testing.assert_array_equal(kernel, np.hstack([gates_kernel[:n, u:], gates_kernel[:n, :u], wi]))
    np.testing.assert_array_equal(recurrent_kernel, np.hstack([gates_kernel[n:, u:], gates_kernel[n:, :u], wh]))
    np.testing.assert_array_equal(bias, np.stack([np.concatenate([gates_bias[u:], gates_bias[:u], bi]),
                                                  np.concatenate([np.zeros(2 * u), bh])]))


def test_family_aliases_share_the_lstm_layout():
    rng = np.random.default_rng(2)
    kernel, bias = rng.normal(size=(INPUT_SIZE + UNITS, 4 * UNITS)), rng.normal(size=4 * UNITS)
    plain = convert.lstm_to_keras(kernel, bias, INPUT_SIZE, 1.0)
    for weights in (convert.lstm_block_to_keras(kernel, bias, INPUT_SIZE, 1.0),
                    convert.lstm_peephole_projection_to_keras(kernel, bias, INPUT_SIZE, 1.0)):
        for expected, actual in zip(plain, weights, strict=True):
            np.testing.assert_array_equal(actual, expected)
    for expected, actual in zip(convert.lstm_to_keras(kernel, bias, INPUT_SIZE, 0.0),
                                convert.cudnn_lstm_to_keras(kernel, bias, INPUT_SIZE), strict=True):
        np.testing.assert_array_equal(actual, expected)


def _arrays(rng, shapes, dtype):
    return [rng.uniform(-2.0, 2.0, size=shape).astype(dtype) for shape in shapes]


def _assert_pure(inputs, copies, outputs, dtype):
    """Inputs unchanged, outputs fresh (no shared memory) and of the input dtype."""
    for original, copy in zip(inputs, copies, strict=True):
        np.testing.assert_array_equal(original, copy)
    for output in outputs:
        assert output.dtype == np.dtype(dtype)
        assert not any(np.shares_memory(output, original) for original in inputs)


def _assert_same(expected, actual):
    for want, got in zip(expected, actual, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


sizes = st.integers(1, 6)
dtypes = st.sampled_from(DTYPES)
seeds = st.integers(0, 2**32 - 1)
forget_biases = st.sampled_from([0.0, 1.0, 0.7, -0.3, 2.5])
round_trip_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@round_trip_settings
@given(input_size=sizes, units=sizes, dtype=dtypes, seed=seeds)
def test_basic_rnn_and_gru_round_trips_are_exact(input_size, units, dtype, seed):
    rng = np.random.default_rng(seed)
    tf1_rnn = _arrays(rng, [(input_size + units, units), (units,)], dtype)
    copies = [a.copy() for a in tf1_rnn]
    keras_rnn_weights = convert.basic_rnn_to_keras(*tf1_rnn, input_size)
    _assert_pure(tf1_rnn, copies, keras_rnn_weights, dtype)
    _assert_same(tf1_rnn, convert.keras_to_basic_rnn(keras_rnn_weights))

    tf1_gru = _arrays(rng, [(input_size + units, 2 * units), (2 * units,), (input_size + units, units), (units,)],
                      dtype)
    copies = [a.copy() for a in tf1_gru]
    keras_gru = convert.gru_to_keras(*tf1_gru, input_size)
    _assert_pure(tf1_gru, copies, keras_gru, dtype)
    back = convert.keras_to_gru(keras_gru)
    _assert_pure(keras_gru, [a.copy() for a in keras_gru], back, dtype)
    _assert_same(tf1_gru, back)
    _assert_same(keras_gru, convert.gru_block_to_keras(*tf1_gru, input_size))


def _assert_lstm_bias_round_trip(original, returned, forget_bias):
    # Exact except the forget block: (b + fb) - fb rounds once, within one ulp of |b| + |fb|.
    units = original.shape[0] // 4
    forget = slice(units * convert.TF1_LSTM_GATES.index("f"), units * (convert.TF1_LSTM_GATES.index("f") + 1))
    others = np.ones(original.shape[0], bool)
    others[forget] = False
    np.testing.assert_array_equal(returned[others], original[others])
    ulp = np.spacing((2 * np.maximum(np.abs(original[forget]), abs(forget_bias))).astype(original.dtype))
    assert np.all(np.abs(returned[forget] - original[forget]) <= ulp)
    if forget_bias == 0.0:
        np.testing.assert_array_equal(returned, original)


@round_trip_settings
@given(input_size=sizes, units=sizes, dtype=dtypes, seed=seeds, forget_bias=forget_biases,
       num_proj=st.one_of(st.none(), sizes), use_peepholes=st.booleans())
def test_lstm_round_trips(input_size, units, dtype, seed, forget_bias, num_proj, use_peepholes):
    rng = np.random.default_rng(seed)
    width = num_proj or units
    kernel, bias = _arrays(rng, [(input_size + width, 4 * units), (4 * units,)], dtype)
    extras = {}
    if use_peepholes:
        extras.update(zip(convert.TF1_LSTM_PEEPHOLES, _arrays(rng, [(units,)] * 3, dtype)))
    if num_proj is not None:
        extras["projection_kernel"] = _arrays(rng, [(units, num_proj)], dtype)[0]
    inputs = [kernel, bias, *extras.values()]
    copies = [a.copy() for a in inputs]

    keras_weights = convert.lstm_peephole_projection_to_keras(kernel, bias, input_size, forget_bias, **extras)
    _assert_pure(inputs, copies, keras_weights, dtype)
    assert len(keras_weights) == 3 + 3 * use_peepholes + (num_proj is not None)
    assert keras_weights[1].shape == (width, 4 * units)
    _assert_same(list(extras.values()), keras_weights[3:])  # peepholes and projection copied as they are

    back = convert.keras_to_lstm_peephole_projection(keras_weights, forget_bias)
    np.testing.assert_array_equal(back["kernel"], kernel)
    _assert_lstm_bias_round_trip(bias, back["bias"], forget_bias)
    for name in (*convert.TF1_LSTM_PEEPHOLES, "projection_kernel"):
        if name in extras:
            np.testing.assert_array_equal(back[name], extras[name])
        else:
            assert back[name] is None

    # The plain LSTMCell pair accepts h != units (a num_proj kernel) too.
    plain = convert.lstm_to_keras(kernel, bias, input_size, forget_bias)
    _assert_same(keras_weights[:3], plain)
    plain_kernel, plain_bias = convert.keras_to_lstm(plain, forget_bias)
    np.testing.assert_array_equal(plain_kernel, kernel)
    _assert_lstm_bias_round_trip(bias, plain_bias, forget_bias)
    assert plain_kernel.dtype == plain_bias.dtype == np.dtype(dtype)


# --- errors -------------------------------------------------------------------------------

z = np.zeros  # float64 arrays of a given shape; only shapes matter below

ERROR_CASES = {
    "lstm kernel columns": (
        lambda: convert.lstm_to_keras(z((7, 12)), z(16), 3, 1.0),
        "Invalid `kernel`: expected shape (in+h, 4*units) = (7, 16), received (7, 12). "
        "(units = 4 is read from `bias` of shape (16,).)"),
    "lstm kernel without recurrent rows": (
        lambda: convert.lstm_to_keras(z((3, 16)), z(16), 3, 1.0),
        "Invalid `kernel`: expected shape (in+h, 4*units) = (>=4, 16), received (3, 16)."),
    "lstm bias not 4 blocks": (
        lambda: convert.lstm_to_keras(z((7, 16)), z(10), 3, 1.0),
        "Invalid `bias`: expected a 1-D shape (4*units,) with units >= 1, received (10,)."),
    "lstm forget_bias missing": (
        lambda: convert.lstm_to_keras(z((7, 16)), z(16), 3, None),
        "Invalid value for `forget_bias`: expected a number"),
    "input_size": (
        lambda: convert.basic_rnn_to_keras(z((7, 4)), z(4), 0),
        "Invalid value for `input_size`: expected a positive int, received 0."),
    "basic rnn kernel": (
        lambda: convert.basic_rnn_to_keras(z((6, 4)), z(4), 3),
        "Invalid `kernel`: expected shape (in+units, units) = (7, 4), received (6, 4)."),
    "gru gates kernel": (
        lambda: convert.gru_to_keras(z((7, 6)), z(8), z((7, 4)), z(4), 3),
        "Invalid `gates_kernel`: expected shape (in+units, 2*units) = (7, 8), received (7, 6)."),
    "gru candidate kernel": (
        lambda: convert.gru_to_keras(z((7, 8)), z(8), z((6, 4)), z(4), 3),
        "Invalid `candidate_kernel`: expected shape (in+units, units) = (7, 4), received (6, 4)."),
    "gru block names its own arguments": (
        lambda: convert.gru_block_to_keras(z((7, 8)), z(6), z((7, 4)), z(4), 3),
        "Invalid `b_ru`: expected shape (2*units,) = (8,), received (6,)."),
    "dtype mismatch": (
        lambda: convert.gru_to_keras(z((7, 8)), z(8), z((7, 4)), z(4, np.float32), 3),
        "Invalid `candidate_bias`: expected dtype float64 (the dtype of `gates_kernel`), received float32."),
    "integer weights": (
        lambda: convert.basic_rnn_to_keras(z((7, 4), int), z(4), 3),
        "Invalid `kernel`: expected a floating-point array, received dtype int64."),
    "peepholes all or none": (
        lambda: convert.lstm_peephole_projection_to_keras(z((7, 16)), z(16), 3, 1.0, w_i_diag=z(4), w_o_diag=z(4)),
        "Invalid `w_f_diag`: expected all of `w_i_diag`, `w_f_diag`, `w_o_diag` or none, "
        "received only `w_i_diag`, `w_o_diag`."),
    "peephole shape": (
        lambda: convert.lstm_peephole_projection_to_keras(z((7, 16)), z(16), 3, 1.0, w_i_diag=z(4), w_f_diag=z(5),
                                                          w_o_diag=z(4)),
        "Invalid `w_f_diag`: expected shape (units,) = (4,), received (5,)."),
    "kernel rows must fit num_proj": (
        lambda: convert.lstm_peephole_projection_to_keras(z((7, 16)), z(16), 3, 1.0, projection_kernel=z((4, 2))),
        "Invalid `kernel`: expected shape (in+num_proj, 4*units) = (5, 16), received (7, 16)."),
    "projection rows": (
        lambda: convert.lstm_peephole_projection_to_keras(z((5, 16)), z(16), 3, 1.0, projection_kernel=z((3, 2))),
        "Invalid `projection_kernel`: expected shape (units, num_proj) = (4, 2), received (3, 2)."),
    "block cell has no projection": (
        lambda: convert.lstm_block_to_keras(z((5, 16)), z(16), 3, 1.0),
        "Invalid `kernel`: expected shape (in+units, 4*units) = (7, 16), received (5, 16)."),
    "cudnn gru hidden projection": (
        lambda: convert.cudnn_gru_to_keras(z((7, 8)), z(8), z((3, 4)), z(4), z((4, 3)), z(4), 3),
        "Invalid `hidden_projection_kernel`: expected shape (units, units) = (4, 4), received (4, 3)."),
    "keras weights count": (
        lambda: convert.keras_to_lstm([z((3, 16)), z((4, 16))], 1.0),
        "Invalid `weights`: expected 3 arrays [kernel, recurrent_kernel, bias] (LSTMCell), received 2 arrays."),
    "keras recurrent kernel": (
        lambda: convert.keras_to_basic_rnn([z((3, 4)), z((4, 3)), z(4)]),
        "Invalid `weights[1]` (recurrent_kernel): expected shape (units, units) = (4, 4), received (4, 3)."),
    "keras gru reset_after=True bias": (
        lambda: convert.keras_to_gru([z((3, 12)), z((4, 12)), z((2, 12))]),
        "Invalid `weights[2]` (bias): expected a 1-D shape (3*units,) of GRUCell(reset_after=False)"),
    "tf1 lstm cell weights count": (
        lambda: convert.keras_to_lstm_peephole_projection([z((3, 16))] * 5, 1.0),
        "Invalid `weights`: expected TF1LSTMCell weights, 3, 4, 6 or 7 arrays"),
    "tf1 lstm cell recurrent kernel with projection": (
        lambda: convert.keras_to_lstm_peephole_projection([z((3, 16)), z((4, 16)), z(16), z((4, 2))], 1.0),
        "Invalid `weights[1]` (recurrent_kernel): expected shape (num_proj, 4*units) = (2, 16), received (4, 16)."),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_shape_errors_name_the_argument_and_both_shapes(case):
    call, message = ERROR_CASES[case]
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
