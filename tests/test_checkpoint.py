"""TF1 checkpoints -> .keras models: discovery, settings from .meta, numbers, errors, atomic writes.

Every checkpoint here is a real one: written by ``tf1_reference`` graphs of legacy
cells (``run_reference(..., checkpoint_path=...)``), by the seed models, or — for
cells TF 2.21 can no longer build (TF <= 1.1 names, contrib GRUBlockCell,
CudnnLSTM/CudnnGRU canonical variables) — by ``tf.compat.v1.train.Saver`` over
raw-named variables, checked against the NumPy equations of ``numpy_cells``.
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import numpy_cells
from equivalence import tf1_outputs_in_port_layout
from tf1_reference.builder import run_reference
from tf1_reference.echo_task import HallstromConfig, generate_data
from tf1_reference.models import CharLanguageModel, CharLMConfig, HallstromEchoModel, LanguageModel
from tf1_reference.spec import LayerSpec, ResidualSpec, StackSpec
from tf2_port.build import StackPort
from tf2_port.checkpoint import (
    CudnnGRUStackPort, convert_checkpoint, discover_stacks, format_mapping, load_checkpoint_into_port,
    read_checkpoint, read_meta_settings,
)
from tf2_port.names import tf1_cell_prefix
from tf2_port.state import tf1_state_to_keras, unpack_layers_c_h_to_keras_h_c

# float32, unit-scale values over 5-15 steps and 1-4 layers: TF1 computes
# concat([x, h]) @ W in one matmul, Keras x @ K + h @ R, so sums round
# differently (measured <= 4e-7); 2e-6 leaves a margin of five. Relu paths are
# unbounded, so the allowance is scaled by the largest output magnitude.
ATOL = 2e-6


def _tolerance(values: np.ndarray) -> float:
    return ATOL * max(1.0, float(np.max(np.abs(values))))


def _assert_close(got, want, what: str) -> float:
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    diff = float(np.max(np.abs(got - want))) if got.size else 0.0
    assert diff <= _tolerance(want), f"{what}: max |diff| {diff:.2e} > {_tolerance(want):.2e}"
    return diff


def _nothing_written(out_dir) -> bool:
    parent = os.path.dirname(os.fspath(out_dir))
    leftovers = [name for name in os.listdir(parent) if name.startswith(f".{os.path.basename(out_dir)}.")]
    return not os.path.exists(out_dir) and not leftovers


def _compare_with_reference(keras_path, spec, reference) -> float:
    """Load the .keras file, run it on the reference's feeds, compare outputs and final states."""
    model = keras.saving.load_model(keras_path)
    result = model(reference.inputs if not spec.time_major else np.swapaxes(reference.inputs, 0, 1),
                   initial_state=tf1_state_to_keras(spec, reference.initial_state),
                   sequence_length=reference.sequence_length)
    expected = tf1_outputs_in_port_layout(spec, reference.outputs)
    if spec.time_major:  # the converted model is batch-major (a checkpoint cannot say)
        expected = np.swapaxes(expected, 0, 1)
    worst = _assert_close(result[0], expected, "outputs")
    want_states = tf1_state_to_keras(spec, reference.final_state)
    assert len(result) - 1 == len(want_states)
    for index, (got, want) in enumerate(zip(result[1:], want_states)):
        worst = max(worst, _assert_close(got, want, f"state[{index}]"))
    return worst


# --- discovery + numbers on run_reference checkpoints ------------------------------------

# name: (spec, expected stack root)
DISCOVERY_CASES = {
    "dynamic_multi": (StackSpec(layers=(LayerSpec("lstm", 6), LayerSpec("gru", 4)), use_sequence_length=True), "rnn"),
    "static_multi": (StackSpec(layers=(LayerSpec("basic_lstm", 5, forget_bias=0.0), LayerSpec("basic_rnn", 3)),
                               driver="static_rnn"), "rnn"),
    "bidirectional": (StackSpec(layers=(LayerSpec("lstm", 4), LayerSpec("lstm", 3)),
                                driver="bidirectional_dynamic_rnn", use_sequence_length=True), "bidirectional_rnn"),
    "static_bidirectional_bare": (StackSpec(layers=(LayerSpec("gru", 4),), driver="static_bidirectional_rnn",
                                            multi_rnn_cell=False), "bidirectional_rnn"),
    "stacked_bidirectional": (StackSpec(layers=(LayerSpec("lstm", 4, num_proj=3), LayerSpec("gru", 3)),
                                        driver="stack_bidirectional_dynamic_rnn"), "stack_bidirectional_rnn"),
    "scoped": (StackSpec(layers=(LayerSpec("lstm", 5), LayerSpec("lstm", 4)), scope="m/rnn", time_major=True), "m/rnn"),
    "bare_cell": (StackSpec(layers=(LayerSpec("lstm", 5),), multi_rnn_cell=False), "rnn"),
    "custom_named": (StackSpec(layers=(LayerSpec("lstm", 5, name="my_lstm"), LayerSpec("basic_rnn", 3, name="my_rnn")),
                               scope="encoder"), "encoder"),
    "peephole_projection": (StackSpec(layers=(
        LayerSpec("lstm", 6, use_peepholes=True, num_proj=4, cell_clip=0.8, proj_clip=0.6),
        LayerSpec("lstm", 4, use_peepholes=True)), scope="enc"), "enc"),
}
# Checkpoints cannot tell static from dynamic drivers, time-major from batch-major, or
# whether lengths were fed: the port's spec is the dynamic, batch-major form.
PORT_DRIVER = {"static_rnn": "dynamic_rnn", "static_bidirectional_rnn": "bidirectional_dynamic_rnn"}


@pytest.mark.parametrize("case", sorted(DISCOVERY_CASES))
def test_discovery_finds_the_stack_spec_and_names_and_the_keras_file_reproduces_tf1(case, tmp_path):
    spec, root = DISCOVERY_CASES[case]
    reference = run_reference(spec, seed=3, checkpoint_path=tmp_path / "ckpt" / "model.ckpt")
    result = convert_checkpoint(tmp_path / "ckpt", tmp_path / "out")  # a directory with a `checkpoint` file

    (stack,) = result.stacks
    expected_spec = dataclasses.replace(spec, driver=PORT_DRIVER.get(spec.driver, spec.driver),
                                        time_major=False, use_sequence_length=False)
    assert stack.root == root
    assert stack.spec == expected_spec
    assert os.path.basename(stack.keras_path) == root.replace("/", "__") + ".keras"
    # The spec names the checkpoint's variables back through tf1_cell_prefix.
    for direction, cells in stack.layers.items():
        for index, cell in enumerate(cells):
            assert tf1_cell_prefix(stack.spec, direction, index) == cell.prefix
    assert {row.tf1_name for row in stack.mapping} == set(reference.variables)
    assert all(setting.source == "meta" for settings in stack.settings.values() for setting in settings.values())
    assert result.rest == [] and result.skipped == []

    _compare_with_reference(stack.keras_path, spec, reference)


def test_settings_from_meta_reproduce_forget_bias_clips_and_activation_without_arguments(tmp_path):
    spec = StackSpec(layers=(
        LayerSpec("lstm", 5, forget_bias=0.3, activation="relu", use_peepholes=True, cell_clip=0.5, num_proj=3,
                  proj_clip=0.25),
        LayerSpec("basic_lstm", 4, forget_bias=0.7, activation="softsign"),
        LayerSpec("gru", 4, activation="elu", wrappers=(ResidualSpec(),)),
    ), scope="enc")
    # with_gradients: the backward MatMuls also read the kernels; they must not count as cell ops.
    reference = run_reference(spec, checkpoint_path=tmp_path / "model.ckpt", with_gradients=True)
    result = convert_checkpoint(tmp_path / "model.ckpt", tmp_path / "out")
    (stack,) = result.stacks
    assert stack.spec == spec  # forget biases, relu, both clips, the residual wrapper: all from the .meta
    settings = stack.settings["enc/multi_rnn_cell/cell_0/lstm_cell"]
    assert {key: (s.value, s.source) for key, s in settings.items()} == {
        "forget_bias": (0.3, "meta"), "activation": ("relu", "meta"), "cell_clip": (0.5, "meta"),
        "proj_clip": (0.25, "meta")}
    _compare_with_reference(stack.keras_path, spec, reference)

    # An explicit argument overrides the .meta graph.
    override = convert_checkpoint(tmp_path / "model.ckpt", tmp_path / "override", forget_bias=0.9)
    assert override.stacks[0].spec.layers[0].forget_bias == 0.9
    assert override.stacks[0].settings["enc/multi_rnn_cell/cell_1/basic_lstm_cell"]["forget_bias"].source == "argument"


def _meta_case_spec():
    return StackSpec(layers=(
        LayerSpec("lstm", 5, forget_bias=0.7, cell_clip=0.5, num_proj=3, proj_clip=0.25, activation="relu"),
        LayerSpec("lstm", 4, proj_clip=0.4, num_proj=3, activation="sigmoid", use_peepholes=True),
        LayerSpec("lstm", 3, forget_bias=0.0),
        LayerSpec("basic_lstm", 3, forget_bias=0.3, activation="elu"),
        LayerSpec("gru", 3, activation="softsign"),
        LayerSpec("basic_rnn", 2, activation="linear"),
    ), scope="enc", time_steps=2)  # two steps: a static graph is unrolled once per step


META_EXPECTED = {
    "enc/multi_rnn_cell/cell_0/lstm_cell": {"forget_bias": 0.7, "activation": "relu", "cell_clip": 0.5,
                                            "proj_clip": 0.25, "residual": False},
    "enc/multi_rnn_cell/cell_1/lstm_cell": {"forget_bias": 1.0, "activation": "sigmoid", "cell_clip": None,
                                            "proj_clip": 0.4, "residual": False},
    "enc/multi_rnn_cell/cell_2/lstm_cell": {"forget_bias": 0.0, "activation": "tanh", "cell_clip": None,
                                            "proj_clip": None, "residual": False},
    "enc/multi_rnn_cell/cell_3/basic_lstm_cell": {"forget_bias": 0.3, "activation": "elu", "cell_clip": None,
                                                  "proj_clip": None, "residual": False},
    "enc/multi_rnn_cell/cell_4/gru_cell": {"activation": "softsign", "residual": False},
    "enc/multi_rnn_cell/cell_5/basic_rnn_cell": {"activation": "linear", "residual": False},
}


@pytest.mark.parametrize("graph_form", ["dynamic_v2_while", "dynamic_v1_while", "static"])
def test_read_meta_settings_every_cell_kind_with_and_without_clips(graph_form, tmp_path):
    spec = _meta_case_spec()
    if graph_form == "static":
        spec = dataclasses.replace(spec, driver="static_rnn")
    if graph_form == "dynamic_v1_while":
        # Real TF 1.x graphs: ops named `enc/while/enc/multi_rnn_cell/cell_0/lstm_cell/add/y`,
        # the kernel reaching the loop through an Enter op.
        tf.compat.v1.disable_control_flow_v2()
    try:
        run_reference(spec, checkpoint_path=tmp_path / "model.ckpt", variables=None)
    finally:
        tf.compat.v1.enable_control_flow_v2()
    assert read_meta_settings(tmp_path / "model.ckpt.meta") == META_EXPECTED


def test_without_meta_lstm_conversion_names_forget_bias_and_passing_it_works(tmp_path):
    spec = StackSpec(layers=(LayerSpec("lstm", 5, forget_bias=0.0), LayerSpec("gru", 3)))
    reference = run_reference(spec, checkpoint_path=tmp_path / "model.ckpt")
    os.remove(tmp_path / "model.ckpt.meta")
    out_dir = tmp_path / "out"
    with pytest.raises(ValueError, match=r"(?s)has LSTM layers but no \.meta graph.*"
                       r"forget_bias of `rnn/multi_rnn_cell/cell_0/lstm_cell`: pass forget_bias "
                       r"\(TF1's default was 1\.0; BasicLSTMCell/LSTMCell add it to the forget gate"
                       r".*activation of .*`rnn/multi_rnn_cell/cell_1/gru_cell`: pass activation"):
        convert_checkpoint(tmp_path / "model.ckpt", out_dir)
    assert _nothing_written(out_dir)
    with pytest.raises(ValueError, match=r"cell_clip of `rnn/multi_rnn_cell/cell_0/lstm_cell`: pass cell_clip"):
        convert_checkpoint(tmp_path / "model.ckpt", out_dir, forget_bias=0.0, activation="tanh")

    result = convert_checkpoint(tmp_path / "model.ckpt", out_dir, forget_bias=0.0, tf1_defaults=True)
    assert result.meta_path is None
    assert result.stacks[0].spec == spec
    sources = result.stacks[0].settings["rnn/multi_rnn_cell/cell_0/lstm_cell"]
    assert (sources["forget_bias"].source, sources["activation"].source) == ("argument", "tf1_defaults")
    _compare_with_reference(result.stacks[0].keras_path, spec, reference)
    assert "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel" in format_mapping(result)


# --- seed models ------------------------------------------------------------------------


def test_hallstrom_checkpoint_heads_in_rest_slots_skipped_and_predictions_match(tmp_path):
    config = HallstromConfig(total_series_length=1500)
    rng = np.random.default_rng(0)
    x, y = generate_data(rng, config)
    packed = rng.uniform(-1, 1, config.packed_state_shape).astype(np.float32)
    with HallstromEchoModel(config) as model:  # its optimizer already made the Adagrad slots
        model.save_checkpoint(tmp_path / "hallstrom" / "model.ckpt")
        _, final_state, predictions = model.run_batch(x[:, :15], y[:, :15], packed, train=False)
    result = convert_checkpoint(tmp_path / "hallstrom" / "model.ckpt", tmp_path / "out")

    (stack,) = result.stacks
    assert stack.root == "rnn"
    assert stack.spec == StackSpec(layers=(LayerSpec("lstm", 4),) * 3, input_size=1)
    assert sorted(name for name, _ in result.rest) == ["W2", "b2"]
    skipped = dict(result.skipped)
    assert "rnn/multi_rnn_cell/cell_2/lstm_cell/kernel/Adagrad" in skipped and "W2/Adagrad" in skipped
    assert all("Adagrad" in name for name in skipped)

    model = keras.saving.load_model(stack.keras_path)
    heads = np.load(result.rest_path)
    outputs, *states = model(x[:, :15, None].astype(np.float32), initial_state=unpack_layers_c_h_to_keras_h_c(packed))
    logits = np.asarray(outputs) @ heads["W2"] + heads["b2"]
    _assert_close(keras.ops.softmax(logits), predictions, "predictions")
    _assert_close(np.stack([np.stack([c, h]) for h, c in zip(states[::2], states[1::2])]), final_state, "state")


def test_language_model_scoped_root_adam_state_skipped_and_logits_match(tmp_path):
    with LanguageModel(vocab_size=12, max_length=6, num_lstm_units=6, num_lstm_layers=2) as model:
        model.save_checkpoint(tmp_path / "lm" / "model.ckpt")
        ids = np.array([[3, 5, 7, 2, 0, 0], [1, 2, 3, 4, 5, 6], [4, 0, 0, 0, 0, 0]], dtype=np.int32)
        expected_logits = model.compute_logits(ids)
    result = convert_checkpoint(tmp_path / "lm" / "model.ckpt", tmp_path / "out")
    (stack,) = result.stacks
    assert (stack.root, os.path.basename(stack.keras_path)) == ("lm/rnn", "lm__rnn.keras")
    assert stack.spec == StackSpec(layers=(LayerSpec("lstm", 6),) * 2, scope="lm/rnn", input_size=6)
    assert sorted(name for name, _ in result.rest) == ["lm/dense/bias", "lm/dense/kernel", "lm/embedding_matrix"]
    skipped = dict(result.skipped)
    assert {"beta1_power", "beta2_power", "lm/embedding_matrix/Adam", "lm/dense/kernel/Adam_1"} <= set(skipped)

    model = keras.saving.load_model(stack.keras_path)
    rest = np.load(result.rest_path)
    outputs = model(rest["lm/embedding_matrix"][ids], sequence_length=np.sign(ids).sum(axis=1))[0]
    logits = np.asarray(outputs) @ rest["lm/dense/kernel"] + rest["lm/dense/bias"]
    _assert_close(logits, expected_logits, "logits")


def test_char_lm_gru_checkpoint_and_load_checkpoint_into_port(tmp_path):
    config = CharLMConfig(num_hiddens=6, num_layers=2, cell="gru", batch_size=2, num_steps=4, max_tokens=300)
    with CharLanguageModel(config) as model:
        model.save_checkpoint(tmp_path / "model.ckpt")
        inputs = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype=np.int32)
        state = tuple(np.random.default_rng(1).uniform(-1, 1, (2, 6)).astype(np.float32) for _ in range(2))
        expected_logits, _ = model.forward(inputs, state)
        vocab_size = model.vocab_size
    port = load_checkpoint_into_port(tmp_path / "model.ckpt")
    assert isinstance(port, StackPort) and [layer.kind for layer in port.spec.layers] == ["gru", "gru"]
    dense = read_checkpoint(tmp_path / "model.ckpt")
    outputs = port(np.eye(vocab_size, dtype=np.float32)[inputs], initial_state=list(state))[0]
    _assert_close(np.asarray(outputs) @ dense["dense/kernel"] + dense["dense/bias"], expected_logits, "logits")
    # With an explicit spec the settings come from the spec, not the .meta graph.
    explicit = load_checkpoint_into_port(tmp_path / "model.ckpt", port.spec)
    np.testing.assert_array_equal(explicit(np.eye(vocab_size, dtype=np.float32)[inputs],
                                           initial_state=list(state))[0], outputs)


# --- synthetic checkpoints of cells TF 2.21 cannot build ----------------------------------


def _write_checkpoint(prefix, arrays, build_ops=None, write_meta=False):
    """A real Saver checkpoint of raw-named variables (names exactly as given)."""
    graph = tf.Graph()
    with graph.as_default():
        variables = {name: tf.compat.v1.Variable(value, name=name) for name, value in arrays.items()}
        if build_ops is not None:
            build_ops(variables)
        saver = tf.compat.v1.train.Saver(list(variables.values()))
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, os.fspath(prefix), write_meta_graph=write_meta)
    return os.fspath(prefix)


def _uniform(rng, *shape):
    return rng.uniform(-0.5, 0.5, size=shape).astype(np.float32)


def _unroll_masked(step, inputs, state, lengths):
    """TF1's dynamic_rnn semantics: zeros past a row's length, the state frozen there."""
    outputs = np.zeros(inputs.shape[:2] + (np.shape(step(inputs[:, 0], state)[0])[-1],), np.float64)
    for t in range(inputs.shape[1]):
        output, new_state = step(inputs[:, t], state)
        live = (t < lengths)[:, None]
        outputs[:, t] = np.where(live, output, 0.0)
        state = tf.nest.map_structure(lambda new, old: np.where(live, new, old), new_state, state)
    return outputs, state


def _legacy_names_case(rng, input_size):
    # TF <= 1.1: `weights`/`biases`, also for the projection and the GRU gates.
    lstm = LayerSpec("lstm", 5, num_proj=3)
    variables = {
        "rnn/multi_rnn_cell/cell_0/lstm_cell/weights": _uniform(rng, input_size + 3, 20),
        "rnn/multi_rnn_cell/cell_0/lstm_cell/biases": _uniform(rng, 20),
        "rnn/multi_rnn_cell/cell_0/lstm_cell/projection/weights": _uniform(rng, 5, 3),
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/weights": _uniform(rng, 3 + 4, 8),
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/biases": _uniform(rng, 8),
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/weights": _uniform(rng, 3 + 4, 4),
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/biases": _uniform(rng, 4),
    }
    p0, p1 = "rnn/multi_rnn_cell/cell_0/lstm_cell/", "rnn/multi_rnn_cell/cell_1/gru_cell/"
    w0 = {"kernel": variables[p0 + "weights"], "bias": variables[p0 + "biases"],
          "projection/kernel": variables[p0 + "projection/weights"]}
    w1 = {role: variables[p1 + name] for role, name in (
        ("gates/kernel", "gates/weights"), ("gates/bias", "gates/biases"),
        ("candidate/kernel", "candidate/weights"), ("candidate/bias", "candidate/biases"))}
    layers = [
        (lambda x, s: numpy_cells.lstm_step(lstm, w0, x, s), lambda b: (_uniform(rng, b, 5), _uniform(rng, b, 3)),
         lambda s: [s[1], s[0]]),
        (lambda x, s: numpy_cells.gru_step(LayerSpec("gru", 4), w1, x, s), lambda b: _uniform(rng, b, 4),
         lambda s: [s]),
    ]
    return variables, layers, {"forget_bias": 1.0, "tf1_defaults": True}


def _gru_block_case(rng, input_size):
    variables, layers = {}, []
    widths = [input_size, 4, 3]
    for index in range(2):
        prefix = f"rnn/multi_rnn_cell/cell_{index}/gru_cell/"
        inp, units = widths[index], widths[index + 1]
        weights = {"w_ru": _uniform(rng, inp + units, 2 * units), "b_ru": _uniform(rng, 2 * units),
                   "w_c": _uniform(rng, inp + units, units), "b_c": _uniform(rng, units)}
        variables.update({prefix + role: value for role, value in weights.items()})
        layers.append((lambda x, s, w=weights: numpy_cells.gru_block_step(w, x, s),
                       lambda b, u=units: _uniform(rng, b, u), lambda s: [s]))
    return variables, layers, {}


def _cudnn_lstm_case(rng, input_size):
    variables, layers = {"cudnn_lstm/opaque_kernel": _uniform(rng, 300)}, []
    widths = [input_size, 4, 4]
    for index in range(2):
        prefix = f"cudnn_lstm/rnn/multi_rnn_cell/cell_{index}/cudnn_compatible_lstm_cell/"
        inp, units = widths[index], widths[index + 1]
        weights = {"kernel": _uniform(rng, inp + units, 4 * units), "bias": _uniform(rng, 4 * units)}
        variables.update({prefix + role: value for role, value in weights.items()})
        layers.append((lambda x, s, w=weights: numpy_cells.cudnn_lstm_step(w, x, s),
                       lambda b, u=units: (_uniform(rng, b, u), _uniform(rng, b, u)), lambda s: [s[1], s[0]]))
    return variables, layers, {}


def _cudnn_gru_case(rng, input_size):
    variables, layers = {"cudnn_gru/opaque_kernel": _uniform(rng, 300)}, []
    widths = [input_size, 4, 3]
    for index in range(2):
        prefix = f"cudnn_gru/rnn/multi_rnn_cell/cell_{index}/cudnn_compatible_gru_cell/"
        inp, units = widths[index], widths[index + 1]
        weights = {
            "gates/kernel": _uniform(rng, inp + units, 2 * units), "gates/bias": _uniform(rng, 2 * units),
            "candidate/input_projection/kernel": _uniform(rng, inp, units),
            "candidate/input_projection/bias": _uniform(rng, units),
            "candidate/hidden_projection/kernel": _uniform(rng, units, units),
            "candidate/hidden_projection/bias": _uniform(rng, units),
        }
        variables.update({prefix + role: value for role, value in weights.items()})
        layers.append((lambda x, s, w=weights: numpy_cells.cudnn_gru_step(w, x, s),
                       lambda b, u=units: _uniform(rng, b, u), lambda s: [s]))
    return variables, layers, {}


# name: (builder, stack root, model class, skipped names)
SYNTHETIC_CASES = {
    "tf_1_1_weights_biases": (_legacy_names_case, "rnn", StackPort, []),
    "gru_block_cell": (_gru_block_case, "rnn", StackPort, []),
    "cudnn_lstm": (_cudnn_lstm_case, "cudnn_lstm/rnn", StackPort, ["cudnn_lstm/opaque_kernel"]),
    "cudnn_gru": (_cudnn_gru_case, "cudnn_gru/rnn", CudnnGRUStackPort, ["cudnn_gru/opaque_kernel"]),
}


@pytest.mark.parametrize("case", sorted(SYNTHETIC_CASES))
def test_synthetic_checkpoints_convert_and_match_numpy_equations(case, tmp_path):
    builder, root, model_class, skipped = SYNTHETIC_CASES[case]
    rng = np.random.default_rng(7)
    batch, steps, input_size = 3, 6, 4
    variables, layers, options = builder(rng, input_size)
    prefix = _write_checkpoint(tmp_path / "model.ckpt", variables)
    result = convert_checkpoint(prefix, tmp_path / "out", **options)  # no .meta: fixed settings or arguments
    (stack,) = result.stacks
    assert stack.root == root and stack.model_class == model_class.__name__
    assert [name for name, _ in result.skipped] == skipped
    assert {row.tf1_name for row in stack.mapping} | set(skipped) == set(variables)

    inputs = _uniform(rng, batch, steps, input_size)
    lengths = np.array([steps, 2, 0])
    expected, keras_states = inputs.astype(np.float64), []
    initial = []
    for step, make_state, to_keras in layers:
        state = make_state(batch)
        initial.extend(to_keras(state))
        expected, final = _unroll_masked(step, expected, state, lengths)
        keras_states.extend(to_keras(final))
    model = keras.saving.load_model(stack.keras_path)
    assert isinstance(model, model_class)
    result_tensors = model(inputs, initial_state=initial, sequence_length=lengths)
    _assert_close(result_tensors[0], expected, "outputs")
    for index, (got, want) in enumerate(zip(result_tensors[1:], keras_states)):
        _assert_close(got, want, f"state[{index}]")


def test_lstm_block_cell_settings_are_read_from_the_fused_op_attributes(tmp_path):
    rng = np.random.default_rng(2)
    kernel, bias = _uniform(rng, 4 + 3, 12), _uniform(rng, 12)

    def build_ops(variables):
        # What contrib.rnn.LSTMBlockCell(3, forget_bias=0.5, cell_clip=0.3) puts in a graph.
        with tf.name_scope("rnn/lstm_cell"):
            zeros = tf.zeros([2, 3])
            tf.raw_ops.LSTMBlockCell(
                x=tf.zeros([2, 4]), cs_prev=zeros, h_prev=zeros, w=variables["rnn/lstm_cell/kernel"],
                wci=tf.zeros([3]), wcf=tf.zeros([3]), wco=tf.zeros([3]), b=variables["rnn/lstm_cell/bias"],
                forget_bias=0.5, cell_clip=0.3, use_peephole=False)

    prefix = _write_checkpoint(tmp_path / "model.ckpt", {"rnn/lstm_cell/kernel": kernel, "rnn/lstm_cell/bias": bias},
                               build_ops, write_meta=True)
    assert read_meta_settings(prefix + ".meta") == {
        "rnn/lstm_cell": {"forget_bias": 0.5, "cell_clip": 0.3, "proj_clip": None, "activation": "tanh"}}
    port = load_checkpoint_into_port(prefix)
    inputs = _uniform(rng, 2, 5, 4)
    c0, h0 = _uniform(rng, 2, 3), _uniform(rng, 2, 3)
    outputs, (c, h) = numpy_cells.unroll(
        lambda x, s: numpy_cells.lstm_block_step({"kernel": kernel, "bias": bias}, x, s, 0.5, cell_clip=0.3),
        inputs.astype(np.float64), (c0, h0))
    got = port(inputs, initial_state=[h0, c0])
    _assert_close(got[0], outputs, "outputs")
    _assert_close(got[2], c, "c")


def test_two_stacks_become_two_files_and_scope_picks_one(tmp_path):
    rng = np.random.default_rng(4)
    variables = {
        "encoder/rnn/multi_rnn_cell/cell_0/gru_cell/w_ru": _uniform(rng, 3 + 4, 8),
        "encoder/rnn/multi_rnn_cell/cell_0/gru_cell/b_ru": _uniform(rng, 8),
        "encoder/rnn/multi_rnn_cell/cell_0/gru_cell/w_c": _uniform(rng, 3 + 4, 4),
        "encoder/rnn/multi_rnn_cell/cell_0/gru_cell/b_c": _uniform(rng, 4),
        "decoder/cudnn_compatible_lstm_cell/kernel": _uniform(rng, 4 + 2, 8),
        "decoder/cudnn_compatible_lstm_cell/bias": _uniform(rng, 8),
        "decoder/dense/kernel": _uniform(rng, 2, 5),
        "global_step": np.int64(12),
    }
    prefix = _write_checkpoint(tmp_path / "model.ckpt", variables)
    both = convert_checkpoint(prefix, tmp_path / "both")
    assert sorted(os.listdir(tmp_path / "both")) == ["decoder.keras", "encoder__rnn.keras", "rest.npz"]
    assert both.rest == [("decoder/dense/kernel", (2, 5))]
    assert both.skipped == [("global_step", "training step counter")]

    only = convert_checkpoint(prefix, tmp_path / "only", scope="decoder")
    assert [stack.root for stack in only.stacks] == ["decoder"]
    assert sorted(name for name, _ in only.skipped)[0] == "encoder/rnn/multi_rnn_cell/cell_0/gru_cell/b_c"
    with pytest.raises(ValueError, match=r"`scope`: expected one of the stack roots \['decoder', 'encoder/rnn'\]"):
        convert_checkpoint(prefix, tmp_path / "none", scope="enc")
    assert _nothing_written(tmp_path / "none")


def test_custom_named_cell_of_ambiguous_kind_asks_for_cell_kinds(tmp_path):
    rng = np.random.default_rng(5)
    # kernel [7, 4], bias [4]: a BasicRNNCell(4) on 3 inputs, or an LSTMCell(1) on 6.
    prefix = _write_checkpoint(tmp_path / "model.ckpt", {"rnn/my_cell/kernel": _uniform(rng, 7, 4),
                                                         "rnn/my_cell/bias": _uniform(rng, 4)})
    with pytest.raises(ValueError, match=r"Cannot tell the kind of the custom-named cell\(s\) of `rnn` from the checkpoint: "
                       r"`rnn/my_cell` \(`rnn/my_cell/bias` \(4,\), `rnn/my_cell/kernel` \(7, 4\)\) could be "
                       r"basic_rnn \(units=4, input 3\) or lstm \(units=1, input 6\)\. Pass `cell_kinds="):
        convert_checkpoint(prefix, tmp_path / "out")
    assert _nothing_written(tmp_path / "out")
    result = convert_checkpoint(prefix, tmp_path / "out", cell_kinds={"rnn/my_cell": "basic_rnn"}, activation="tanh")
    assert result.stacks[0].spec == StackSpec(layers=(LayerSpec("basic_rnn", 4, name="my_cell"),),
                                              multi_rnn_cell=False, input_size=3)


# --- errors and atomic writes ---------------------------------------------------------------

LSTM0 = "rnn/multi_rnn_cell/cell_0/lstm_cell"
LSTM1 = "rnn/multi_rnn_cell/cell_1/lstm_cell"
ERROR_CASES = {
    "unknown_cell_layout": (
        {f"{LSTM0}/kernel": (7, 16), f"{LSTM0}/w_c": (4,)},
        r"Unknown cell layout under `rnn/multi_rnn_cell/cell_0/lstm_cell`: variables "
        r"`rnn/multi_rnn_cell/cell_0/lstm_cell/kernel` \(7, 16\), `rnn/multi_rnn_cell/cell_0/lstm_cell/w_c` \(4,\)\. "
        r"Expected the variables of one of: BasicRNNCell"),
    "misshaped_kernel": (
        {f"{LSTM0}/kernel": (7, 12), f"{LSTM0}/bias": (16,)},
        r"Invalid `rnn/multi_rnn_cell/cell_0/lstm_cell/kernel`: expected shape \(in\+h, 4\*units\) = \(7, 16\), "
        r"received \(7, 12\)\. \(units = 4 from `rnn/multi_rnn_cell/cell_0/lstm_cell/bias`, input width 3\.\)"),
    "misshaped_bias": (
        {f"{LSTM0}/kernel": (7, 16), f"{LSTM0}/bias": (15,)},
        r"Invalid `rnn/multi_rnn_cell/cell_0/lstm_cell/bias`: expected shape \(4\*units,\) with units >= 1, "
        r"received \(15,\)\."),
    "unmapped_variable_in_cell_scope": (
        {f"{LSTM0}/kernel": (7, 16), f"{LSTM0}/bias": (16,), f"{LSTM0}/kernel/ExponentialMovingAverage": (7, 16)},
        r"Unmapped variable `rnn/multi_rnn_cell/cell_0/lstm_cell/kernel/ExponentialMovingAverage` inside the cell "
        r"scope `rnn/multi_rnn_cell/cell_0/lstm_cell`"),
    "layer_input_not_previous_output": (
        {f"{LSTM0}/kernel": (7, 16), f"{LSTM0}/bias": (16,), f"{LSTM1}/kernel": (10, 20), f"{LSTM1}/bias": (20,)},
        r"Invalid `rnn/multi_rnn_cell/cell_1/lstm_cell/kernel`: expected shape \(in\+h, 4\*units\) = \(9, 20\), "
        r"received \(10, 20\)\. \(in = 4 is the output width 4 of layer 0 \(`rnn/multi_rnn_cell/cell_0/lstm_cell`\)\.\)"),
    "pre_1_0_names": (
        {"rnn/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix": (7, 16)},
        r"Unsupported variable `rnn/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix`: pre-1\.0 TensorFlow"),
}



@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_name_the_variable_and_shapes_and_nothing_is_written(case, tmp_path):
    shapes, message = ERROR_CASES[case]
    prefix = _write_checkpoint(tmp_path / "model.ckpt",
                               {name: np.zeros(shape, np.float32) for name, shape in shapes.items()})
    with pytest.raises(ValueError, match=message):
        convert_checkpoint(prefix, tmp_path / "out", forget_bias=1.0, tf1_defaults=True)
    assert _nothing_written(tmp_path / "out")
    with pytest.raises(ValueError, match=message):
        discover_stacks(read_checkpoint(prefix))


def test_a_failure_while_writing_leaves_nothing_and_paths_are_checked(tmp_path, monkeypatch):
    spec = StackSpec(layers=(LayerSpec("gru", 3),))
    run_reference(spec, checkpoint_path=tmp_path / "model.ckpt")

    def failing_savez(*args, **kwargs):
        raise OSError("disk full")

    # The .keras file is already in the staging directory when rest.npz fails.
    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        convert_checkpoint(tmp_path / "model.ckpt", tmp_path / "out")
    assert _nothing_written(tmp_path / "out")
    monkeypatch.undo()

    with pytest.raises(FileNotFoundError, match=r"Invalid checkpoint path `.*/missing\.ckpt`: expected a checkpoint"):
        convert_checkpoint(tmp_path / "missing.ckpt", tmp_path / "out")
    os.makedirs(tmp_path / "taken")
    (tmp_path / "taken" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match=r"expected a new or empty directory \(or overwrite=True\)"):
        convert_checkpoint(tmp_path / "model.ckpt", tmp_path / "taken")
    result = convert_checkpoint(tmp_path / "model.ckpt", tmp_path / "taken", overwrite=True)
    assert sorted(os.listdir(tmp_path / "taken")) == ["rest.npz", "rnn.keras"]
    assert result.rest == [] and np.load(result.rest_path).files == []


# --- a fresh process without legacy Keras -------------------------------------------------

_FRESH_PROCESS_SCRIPT = """
import json, sys
import keras, numpy as np
import tf2_port.checkpoint  # registers StackPort, TF1LSTMCell and CudnnGRUStackPort
model = keras.saving.load_model(sys.argv[1])
data = np.load(sys.argv[2])
states = [data[f"state_{i}"] for i in range(int(data["count"]))]
result = model(data["inputs"], initial_state=states, sequence_length=data["lengths"])
print(json.dumps({
    "outputs": float(np.max(np.abs(keras.ops.convert_to_numpy(result[0]) - data["expected"]))),
    "states": max(float(np.max(np.abs(keras.ops.convert_to_numpy(got) - data[f"final_{i}"])))
                  for i, got in enumerate(result[1:])),
    "tf_keras_loaded": "tf_keras" in sys.modules,
}))
"""


@pytest.mark.slow
def test_converted_keras_file_runs_in_a_fresh_process_without_legacy_keras(tmp_path):
    spec = StackSpec(layers=(LayerSpec("lstm", 5, use_peepholes=True, num_proj=3, cell_clip=0.7),
                             LayerSpec("gru", 4)),
                     driver="bidirectional_dynamic_rnn", use_sequence_length=True, scope="encoder")
    reference = run_reference(spec, checkpoint_path=tmp_path / "model.ckpt")
    (stack,) = convert_checkpoint(tmp_path / "model.ckpt", tmp_path / "out").stacks
    states = tf1_state_to_keras(spec, reference.initial_state)
    finals = tf1_state_to_keras(spec, reference.final_state)
    np.savez(tmp_path / "io.npz", inputs=reference.inputs, lengths=reference.sequence_length,
             expected=tf1_outputs_in_port_layout(spec, reference.outputs), count=len(states),
             **{f"state_{i}": s for i, s in enumerate(states)}, **{f"final_{i}": s for i, s in enumerate(finals)})
    env = {key: value for key, value in os.environ.items() if key != "TF_USE_LEGACY_KERAS"}
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                         env.get("PYTHONPATH", "")])
    completed = subprocess.run([sys.executable, "-c", _FRESH_PROCESS_SCRIPT, stack.keras_path,
                                os.fspath(tmp_path / "io.npz")],
                               env=env, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["tf_keras_loaded"] is False
    assert report["outputs"] <= ATOL and report["states"] <= ATOL, report


def test_conversion_builds_without_random_draws_and_keeps_the_initializer_config():
    # Speed only (the weights are overwritten right away): the saved config must not change,
    # and the draws must come back after the build, also when the build fails.
    import keras

    from tf2_port.checkpoint import _no_random_draws

    with _no_random_draws():
        cell = keras.layers.LSTMCell(4)
        cell.build((None, 3))
        dense = keras.layers.Dense(5, kernel_initializer="he_normal")
        dense.build((None, 3))
    assert not np.any(cell.recurrent_kernel.numpy()) and not np.any(cell.kernel.numpy())
    assert not np.any(dense.kernel.numpy())
    assert cell.get_config()["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert cell.get_config()["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert dense.get_config()["kernel_initializer"]["class_name"] == "HeNormal"
    with pytest.raises(RuntimeError):
        with _no_random_draws():
            raise RuntimeError("build failed")
    fresh = keras.layers.LSTMCell(4)
    fresh.build((None, 3))
    assert np.any(fresh.recurrent_kernel.numpy()) and np.any(fresh.kernel.numpy())
    assert np.any(keras.initializers.RandomNormal()((3, 3)))


def test_load_converted_gives_the_saved_weights_and_config(tmp_path):
    # The file's weights must replace the zero draws: every weight equal to the saved model's,
    # including the recurrent kernels the build leaves at zero.
    import keras

    from tf1_reference.spec import LayerSpec, StackSpec
    from tf2_port.build import StackPort
    from tf2_port.checkpoint import load_converted

    spec = StackSpec(layers=(LayerSpec("lstm", 5), LayerSpec("lstm", 4)))
    model = StackPort(spec, name="rnn")
    path = tmp_path / "rnn.keras"
    model.save(path)
    loaded = load_converted(path)
    reference = keras.saving.load_model(path)
    for ours, theirs, saved in zip(loaded.weights, reference.weights, model.weights):
        np.testing.assert_array_equal(ours.numpy(), saved.numpy())
        np.testing.assert_array_equal(theirs.numpy(), saved.numpy())
    assert all(np.any(w.numpy()) for w in loaded.weights if "kernel" in w.path)
    assert loaded.get_config() == reference.get_config()
    with pytest.raises(ValueError, match="expected a .keras file"):
        load_converted(tmp_path / "rnn.h5")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_converted(tmp_path / "missing.keras")


# --- building without the random draws: one block of one thread --------------------------------

# Keras' random initializer classes, each with its own draw (__call__).
RANDOM_INITIALIZER_CLASSES = (keras.initializers.RandomNormal, keras.initializers.RandomUniform,
                              keras.initializers.TruncatedNormal, keras.initializers.VarianceScaling,
                              keras.initializers.Orthogonal)


def _keras_initializers_state():
    """What a conversion must leave as it found it: every draw method, and seeded draws' values."""
    calls = {cls: vars(cls)["__call__"] for cls in RANDOM_INITIALIZER_CLASSES}
    draws = [keras.ops.convert_to_numpy(cls(seed=7)((4, 4)))
             for cls in (keras.initializers.GlorotUniform, keras.initializers.Orthogonal,
                         keras.initializers.RandomNormal, keras.initializers.HeNormal)]
    assert all(np.any(draw) for draw in draws)
    return calls, draws


def _assert_keras_initializers_unchanged(before) -> None:
    calls, draws = _keras_initializers_state()
    assert calls == before[0]
    for got, want in zip(draws, before[1]):
        np.testing.assert_array_equal(got, want)
    fresh = keras.layers.LSTMCell(4)
    fresh.build((None, 3))
    assert np.any(fresh.kernel.numpy()) and np.any(fresh.recurrent_kernel.numpy())


def test_no_random_draws_holds_for_its_own_block_and_thread_only():
    # Another thread building a model meanwhile draws as usual; afterwards no initializer anywhere
    # is still of the block's zero-drawing kind.
    import gc
    import threading

    from tf2_port.build import base_cell
    from tf2_port.checkpoint import _no_random_draws

    before = _keras_initializers_state()
    entered, other_built = threading.Event(), threading.Event()
    built, errors = {}, []

    def build_inside_the_block():
        try:
            with _no_random_draws():
                entered.set()
                assert other_built.wait(timeout=120)
                # Bidirectional copies its layers through their configs: the copies draw no more.
                built["port"] = StackPort(StackSpec(
                    layers=(LayerSpec("lstm", 4, use_peepholes=True, num_proj=3), LayerSpec("gru", 3)),
                    driver="bidirectional_dynamic_rnn"))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
            entered.set()

    worker = threading.Thread(target=build_inside_the_block)
    worker.start()
    try:
        assert entered.wait(timeout=120)
        other = keras.layers.LSTMCell(4)
        other.build((None, 3))
    finally:
        other_built.set()
        worker.join(timeout=300)
    assert not errors, errors
    assert np.any(other.kernel.numpy()) and np.any(other.recurrent_kernel.numpy())
    port = built["port"]
    drawn = [weight for weight in port.weights if not weight.path.endswith("/bias")]  # biases: zeros and ones
    assert drawn and not any(np.any(weight.numpy()) for weight in drawn)
    cell = base_cell(port.cells["fw"][0])
    assert type(cell.kernel_initializer) is keras.initializers.GlorotUniform
    assert cell.get_config()["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert not [obj for obj in gc.get_objects() if type(obj).__name__.startswith("_ZeroDraw")]
    _assert_keras_initializers_unchanged(before)


def test_two_conversions_in_two_threads_at_once_give_each_checkpoints_weights(tmp_path):
    import threading

    specs = {
        "enc": StackSpec(layers=(LayerSpec("lstm", 6, use_peepholes=True, num_proj=4), LayerSpec("lstm", 4)),
                         scope="enc"),
        "bidi": StackSpec(layers=(LayerSpec("gru", 5), LayerSpec("basic_rnn", 3)),
                          driver="bidirectional_dynamic_rnn"),
    }
    references = {name: run_reference(spec, seed=index, checkpoint_path=tmp_path / name / "model.ckpt")
                  for index, (name, spec) in enumerate(specs.items())}
    before = _keras_initializers_state()
    start = threading.Barrier(len(specs))
    results, errors = {}, {}

    def convert(name):
        try:
            start.wait(timeout=120)
            results[name] = convert_checkpoint(tmp_path / name / "model.ckpt", tmp_path / name / "out")
        except BaseException as error:  # reported by the main thread
            errors[name] = error

    threads = [threading.Thread(target=convert, args=(name,)) for name in specs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors
    for name, spec in specs.items():
        (stack,) = results[name].stacks
        _compare_with_reference(stack.keras_path, spec, references[name])
    _assert_keras_initializers_unchanged(before)
