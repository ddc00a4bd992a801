"""The TF1 reference: every spec option builds a real graph with TF1's names,
structures and semantics."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tf1_reference._legacy import LSTMStateTuple, tf
from tf1_reference.builder import ReferenceGraph, batch_major, run_reference
from tf1_reference.spec import DropoutSpec, LayerSpec, ResidualSpec, StackSpec

import numpy_cells

CELL_VARIABLES = {
    "basic_rnn": ["basic_rnn_cell/kernel", "basic_rnn_cell/bias"],
    "gru": ["gru_cell/gates/kernel", "gru_cell/gates/bias", "gru_cell/candidate/kernel", "gru_cell/candidate/bias"],
    "basic_lstm": ["basic_lstm_cell/kernel", "basic_lstm_cell/bias"],
    "lstm": ["lstm_cell/kernel", "lstm_cell/bias"],
}


def _spec(*layers, **options):
    options.setdefault("batch_size", 3)
    options.setdefault("time_steps", 5)
    options.setdefault("input_size", 4)
    return StackSpec(layers=tuple(layers), **options)


# --- names (ARCHITECTURE.md: facts, names) ---------------------------------------------


@pytest.mark.parametrize("kind", ["basic_rnn", "gru", "basic_lstm", "lstm"])
def test_multi_rnn_cell_variable_names_and_shapes(kind):
    spec = _spec(LayerSpec(kind, 6), LayerSpec(kind, 5))
    result = run_reference(spec)
    expected = [f"rnn/multi_rnn_cell/cell_{i}/{name}" for i in range(2) for name in CELL_VARIABLES[kind]]
    assert sorted(result.variables) == sorted(expected)
    gates = {"basic_rnn": 1, "gru": 2, "basic_lstm": 4, "lstm": 4}[kind]
    first_kernel = result.variables[expected[0]]
    # TF1 kernels act on concat([x, h]): [input + units, gates * units].
    assert first_kernel.shape == (4 + 6, gates * 6)
    assert result.variables[expected[len(CELL_VARIABLES[kind])]].shape == (6 + 5, gates * 5)


@pytest.mark.parametrize(
    "options, prefix",
    [
        ({"scope": "enc"}, "enc/multi_rnn_cell/cell_0/"),
        ({"driver": "static_rnn"}, "rnn/multi_rnn_cell/cell_0/"),
        ({"multi_rnn_cell": False}, "rnn/"),
        ({"driver": "bidirectional_dynamic_rnn"}, "bidirectional_rnn/fw/multi_rnn_cell/cell_0/"),
        ({"driver": "static_bidirectional_rnn", "scope": "birnn"}, "birnn/fw/multi_rnn_cell/cell_0/"),
        ({"driver": "stack_bidirectional_dynamic_rnn"}, "stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/"),
    ],
)
def test_driver_scopes(options, prefix):
    result = run_reference(_spec(LayerSpec("lstm", 4), **options))
    assert f"{prefix}lstm_cell/kernel" in result.variables
    if "bidirectional" in options.get("driver", ""):
        assert f"{prefix.replace('/fw/', '/bw/')}lstm_cell/kernel" in result.variables


def test_lstm_options_add_peephole_and_projection_variables_and_cell_name():
    spec = _spec(LayerSpec("lstm", 6, use_peepholes=True, num_proj=3, cell_clip=1.0, proj_clip=0.5, name="decoder_cell"))
    variables = run_reference(spec).variables
    prefix = "rnn/multi_rnn_cell/cell_0/decoder_cell/"
    assert {name: value.shape for name, value in variables.items()} == {
        prefix + "kernel": (4 + 3, 24),  # the recurrent input is the projected h
        prefix + "bias": (24,),
        prefix + "w_f_diag": (6,),
        prefix + "w_i_diag": (6,),
        prefix + "w_o_diag": (6,),
        prefix + "projection/kernel": (6, 3),
    }


def test_wrappers_add_no_variables_or_scopes():
    plain = run_reference(_spec(LayerSpec("lstm", 4), LayerSpec("lstm", 4)))
    wrapped = run_reference(_spec(
        LayerSpec("lstm", 4, wrappers=(DropoutSpec(0.5, 0.5, 0.5, variational_recurrent=True),)),
        LayerSpec("lstm", 4, wrappers=(ResidualSpec(), DropoutSpec(output_keep_prob=0.7))),
    ))
    assert sorted(wrapped.variables) == sorted(plain.variables)


# --- structures ---------------------------------------------------------------------------


def test_state_structure_per_layer_kind():
    spec = _spec(LayerSpec("lstm", 6, num_proj=2), LayerSpec("gru", 5), LayerSpec("basic_lstm", 3))
    result = run_reference(spec)
    assert isinstance(result.final_state, tuple) and len(result.final_state) == 3
    lstm_state, gru_state, basic_state = result.final_state
    assert isinstance(lstm_state, LSTMStateTuple)
    assert lstm_state.c.shape == (3, 6) and lstm_state.h.shape == (3, 2)  # c full width, h projected
    assert gru_state.shape == (3, 5)
    assert isinstance(basic_state, LSTMStateTuple) and basic_state.c.shape == (3, 3)
    assert result.outputs.shape == (3, 5, 3)
    # The last output of a stack is the top layer's h.
    np.testing.assert_array_equal(result.outputs[:, -1], basic_state.h)


def test_flat_lstm_state_is_concat_c_h_of_the_tuple_state():
    tuple_spec = _spec(LayerSpec("lstm", 4), LayerSpec("basic_lstm", 3))
    flat_spec = _spec(
        LayerSpec("lstm", 4, state_is_tuple=False), LayerSpec("basic_lstm", 3, state_is_tuple=False),
        multi_state_is_tuple=False,
    )
    tuple_result = run_reference(tuple_spec)
    flat_state = np.concatenate(
        [np.concatenate([s.c, s.h], axis=1) for s in tuple_result.initial_state], axis=1
    )
    flat_result = run_reference(flat_spec, variables=tuple_result.variables, initial_state=flat_state)
    assert flat_result.final_state.shape == (3, 2 * 4 + 2 * 3)
    expected = np.concatenate([np.concatenate([s.c, s.h], axis=1) for s in tuple_result.final_state], axis=1)
    # Same weights, same arithmetic: only the state packing differs.
    np.testing.assert_array_equal(flat_result.final_state, expected)
    np.testing.assert_array_equal(flat_result.outputs, tuple_result.outputs)


def test_time_major_is_the_transposed_batch_major_run():
    batch_spec = _spec(LayerSpec("gru", 4), LayerSpec("lstm", 3), use_sequence_length=True)
    time_spec = _spec(LayerSpec("gru", 4), LayerSpec("lstm", 3), use_sequence_length=True, time_major=True)
    batch_result = run_reference(batch_spec)
    time_result = run_reference(
        time_spec, variables=batch_result.variables, inputs=np.swapaxes(batch_result.inputs, 0, 1),
        initial_state=batch_result.initial_state, sequence_length=batch_result.sequence_length,
    )
    assert time_result.outputs.shape == (5, 3, 3)
    np.testing.assert_allclose(batch_major(time_spec, time_result.outputs), batch_result.outputs, rtol=0, atol=1e-6)


def test_static_rnn_matches_dynamic_rnn_and_returns_a_list():
    dynamic = run_reference(_spec(LayerSpec("lstm", 4), LayerSpec("gru", 3), use_sequence_length=True))
    static_spec = _spec(LayerSpec("lstm", 4), LayerSpec("gru", 3), use_sequence_length=True, driver="static_rnn")
    static = run_reference(static_spec, variables=dynamic.variables)
    assert isinstance(static.outputs, list) and len(static.outputs) == 5
    # Same ops per step; dynamic_rnn's while loop may fuse differently: float32 round-off.
    np.testing.assert_allclose(static.batch_major_outputs, dynamic.outputs, rtol=0, atol=1e-6)
    for s, d in zip(tf.nest.flatten(static.final_state), tf.nest.flatten(dynamic.final_state)):
        np.testing.assert_allclose(s, d, rtol=0, atol=1e-6)


# --- semantics ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_sequence_length_zeroes_padding_and_keeps_state_at_last_step(kind):
    spec = _spec(LayerSpec(kind, 4), use_sequence_length=True, batch_size=4, time_steps=6)
    masked = run_reference(spec)
    unmasked = run_reference(
        _spec(LayerSpec(kind, 4), batch_size=4, time_steps=6), variables=masked.variables,
        inputs=masked.inputs, initial_state=masked.initial_state,
    )
    lengths = masked.sequence_length
    assert lengths[0] == 6 and lengths[-1] == 0
    (final,) = masked.final_state
    (initial,) = masked.initial_state
    final_h = final.h if kind == "lstm" else final
    initial_h = initial.h if kind == "lstm" else initial
    for row, length in enumerate(lengths):
        assert np.all(masked.outputs[row, length:] == 0.0)  # exactly zero past the length
        np.testing.assert_allclose(masked.outputs[row, :length], unmasked.outputs[row, :length], atol=1e-6)
        if length == 0:
            np.testing.assert_array_equal(final_h[row], initial_h[row])  # length 0: initial state back
        else:
            np.testing.assert_allclose(final_h[row], unmasked.outputs[row, length - 1], atol=1e-6)


def test_bidirectional_backward_direction_reads_each_row_reversed_within_its_length():
    spec = _spec(LayerSpec("gru", 3), driver="bidirectional_dynamic_rnn", use_sequence_length=True)
    result = run_reference(spec)
    out_fw, out_bw = result.outputs
    assert out_fw.shape == out_bw.shape == (3, 5, 3)
    bw_variables = {
        name.replace("bidirectional_rnn/bw/", "rnn/"): value
        for name, value in result.variables.items() if "/bw/" in name
    }
    reversed_inputs = np.zeros_like(result.inputs)
    for row, length in enumerate(result.sequence_length):
        reversed_inputs[row, :length] = result.inputs[row, :length][::-1]
    forward_of_reversed = run_reference(
        _spec(LayerSpec("gru", 3), use_sequence_length=True), variables=bw_variables,
        inputs=reversed_inputs, initial_state=result.initial_state[1],
        sequence_length=result.sequence_length,
    )
    for row, length in enumerate(result.sequence_length):
        np.testing.assert_allclose(out_bw[row, :length], forward_of_reversed.outputs[row, :length][::-1], atol=1e-6)


def test_stack_bidirectional_feeds_concatenated_outputs_upward():
    spec = _spec(LayerSpec("lstm", 3), LayerSpec("lstm", 2), driver="stack_bidirectional_dynamic_rnn")
    result = run_reference(spec)
    assert result.outputs.shape == (3, 5, 4)
    states_fw, states_bw = result.final_state
    assert len(states_fw) == len(states_bw) == 2
    assert result.variables["stack_bidirectional_rnn/cell_1/bidirectional_rnn/fw/lstm_cell/kernel"].shape == (6 + 2, 8)
    np.testing.assert_array_equal(result.outputs[:, -1, :2], states_fw[1].h)
    np.testing.assert_array_equal(result.outputs[:, 0, 2:], states_bw[1].h)


def test_residual_wrapper_adds_the_layer_input():
    plain = run_reference(_spec(LayerSpec("basic_rnn", 4)))
    residual = run_reference(
        _spec(LayerSpec("basic_rnn", 4, wrappers=(ResidualSpec(),))), variables=plain.variables,
        inputs=plain.inputs, initial_state=plain.initial_state,
    )
    np.testing.assert_allclose(residual.outputs, plain.outputs + plain.inputs, rtol=0, atol=1e-6)
    # The state carried is the inner cell's, not the residual sum.
    np.testing.assert_array_equal(residual.final_state[0], plain.final_state[0])


def test_zero_state_mode_equals_feeding_zeros():
    spec = _spec(LayerSpec("lstm", 4), LayerSpec("gru", 3))
    with ReferenceGraph(spec, initial_state="zero_state") as graph:
        values = graph.randomize_variables(seed=5)
        zero_state_result = graph.run(seed=2)
    zeros = tf.nest.map_structure(np.zeros_like, zero_state_result.final_state)
    fed = run_reference(spec, seed=2, variables=values, inputs=zero_state_result.inputs, initial_state=zeros)
    np.testing.assert_array_equal(zero_state_result.outputs, fed.outputs)
    assert all(np.all(leaf == 0) for leaf in tf.nest.flatten(zero_state_result.initial_state))


def test_float64_end_to_end():
    result = run_reference(_spec(LayerSpec("lstm", 4, num_proj=2), LayerSpec("gru", 3), dtype="float64"))
    assert result.outputs.dtype == np.float64
    assert all(value.dtype == np.float64 for value in result.variables.values())


# --- dropout (training vs inference) ------------------------------------------------------

DROPOUT_SIZES = {"batch_size": 16, "time_steps": 20, "input_size": 8}


def test_dropout_wrapper_at_inference_is_the_plain_cell():
    plain = run_reference(_spec(LayerSpec("lstm", 4), LayerSpec("lstm", 4)))
    wrapped_spec = _spec(
        LayerSpec("lstm", 4, wrappers=(DropoutSpec(0.5, 0.5, 0.5),)),
        LayerSpec("lstm", 4, wrappers=(DropoutSpec(0.6, 0.7, 0.8, variational_recurrent=True),)),
    )
    wrapped = run_reference(wrapped_spec, variables=plain.variables)
    np.testing.assert_array_equal(wrapped.outputs, plain.outputs)  # keep prob fed 1.0: x * 1 * 1


def test_output_dropout_fresh_mask_per_step_row_and_unit():
    spec = _spec(LayerSpec("lstm", 16, wrappers=(DropoutSpec(output_keep_prob=0.5),)), **DROPOUT_SIZES)
    result = run_reference(spec, training=True)
    zeros = result.outputs == 0.0
    # 16*20*16 = 5120 Bernoulli(0.5) draws: std of the rate 0.007, bound at ~7 std.
    assert abs(zeros.mean() - 0.5) < 0.05
    # Fresh per step: the zero pattern changes over time and over rows.
    assert not np.array_equal(zeros[:, 0], zeros[:, 1])
    assert not np.array_equal(zeros[0], zeros[1])
    # The state is untouched by output dropout: final h has no dropped units.
    assert np.count_nonzero(result.final_state[0].h == 0.0) == 0


def test_variational_output_dropout_one_mask_shared_by_rows_and_steps():
    spec = _spec(LayerSpec("gru", 64, wrappers=(DropoutSpec(output_keep_prob=0.5, variational_recurrent=True),)),
                 **DROPOUT_SIZES)
    result = run_reference(spec, training=True)
    zeros = result.outputs == 0.0
    pattern = zeros[0, 0]
    assert np.all(zeros == pattern)  # the same [1, units] mask at every row and step
    assert 0 < pattern.sum() < pattern.size


def test_state_dropout_drops_h_never_c():
    spec = _spec(LayerSpec("lstm", 32, wrappers=(DropoutSpec(state_keep_prob=0.5),)), **DROPOUT_SIZES)
    result = run_reference(spec, training=True)
    (final,) = result.final_state
    # 16*32 = 512 draws of the returned h: std of the rate 0.022; bound at ~7 std.
    assert abs((final.h == 0.0).mean() - 0.5) < 0.15
    assert np.count_nonzero(final.c == 0.0) == 0


def test_input_dropout_changes_training_outputs_only():
    spec = _spec(LayerSpec("basic_rnn", 8, wrappers=(DropoutSpec(input_keep_prob=0.5),)), **DROPOUT_SIZES)
    with ReferenceGraph(spec) as graph:
        graph.randomize_variables()
        inference = [graph.run(training=False).outputs for _ in range(2)]
        training = [graph.run(training=True).outputs for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])
    assert not np.allclose(training[0], inference[0])
    assert not np.allclose(training[0], training[1])  # a fresh draw per session.run


# --- numbers: TF1 agrees with the cell equations written out in NumPy ----------------------

NUMPY_CASES = [
    LayerSpec("basic_rnn", 5),
    LayerSpec("basic_rnn", 5, activation="relu"),
    LayerSpec("gru", 5),
    LayerSpec("gru", 5, activation="softsign"),
    LayerSpec("basic_lstm", 5, forget_bias=0.3),
    LayerSpec("lstm", 5),
    LayerSpec("lstm", 5, forget_bias=0.0, activation="elu"),
    LayerSpec("lstm", 5, use_peepholes=True, cell_clip=0.4),
    LayerSpec("lstm", 5, use_peepholes=True, num_proj=3, proj_clip=0.2),
]


def _layer_id(layer):
    options = [f"{name}={getattr(layer, name)}" for name in ("activation", "forget_bias", "use_peepholes",
                                                              "cell_clip", "num_proj", "proj_clip")
               if getattr(layer, name) != getattr(LayerSpec(layer.kind, 1), name)]
    return "-".join([layer.kind, *options])


@pytest.mark.parametrize("layer", NUMPY_CASES, ids=_layer_id)
def test_reference_matches_numpy_cell_equations(layer):
    spec = _spec(layer, dtype="float64", multi_rnn_cell=False)
    result = run_reference(spec)
    prefix = f"rnn/{numpy_cells.STEPS and CELL_VARIABLES[layer.kind][0].split('/')[0]}/"
    weights = {name[len(prefix):]: value for name, value in result.variables.items()}
    outputs, final = numpy_cells.run_layer(layer, weights, result.inputs, result.initial_state)
    # float64 over 5 steps of a few-unit cell: round-off ~1e-15; 1e-12 leaves margin.
    np.testing.assert_allclose(result.outputs, outputs, rtol=0, atol=1e-12)
    for got, expected in zip(tf.nest.flatten(result.final_state), tf.nest.flatten(final)):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_gradients_match_central_differences():
    spec = _spec(LayerSpec("lstm", 3, use_peepholes=True), LayerSpec("gru", 2), dtype="float64",
                 batch_size=2, time_steps=3, input_size=2)
    with ReferenceGraph(spec, with_gradients=True) as graph:
        graph.randomize_variables()
        base = graph.run(seed=4)
        assert set(base.gradients) == {"inputs", *base.variables}
        step = 1e-6
        for index in [(0, 0, 0), (1, 2, 1)]:
            bumped = {}
            for sign in (+1, -1):
                inputs = base.inputs.copy()
                inputs[index] += sign * step
                bumped[sign] = graph.run(inputs=inputs, seed=4).loss
            numeric = (bumped[+1] - bumped[-1]) / (2 * step)
            # Central differences in float64 have O(step^2) + O(eps/step) error ~1e-9.
            assert abs(numeric - base.gradients["inputs"][index]) < 1e-7


# --- checkpoints --------------------------------------------------------------------------


def test_saver_checkpoint_is_readable_by_name(tmp_path):
    spec = _spec(LayerSpec("lstm", 4, use_peepholes=True), LayerSpec("gru", 3), scope="encoder")
    prefix = str(tmp_path / "model.ckpt")
    result = run_reference(spec, checkpoint_path=prefix)
    assert os.path.exists(prefix + ".meta") and os.path.exists(prefix + ".index")
    listed = dict(tf.train.list_variables(prefix))
    assert listed == {name: list(value.shape) for name, value in result.variables.items()}
    reader = tf.train.load_checkpoint(prefix)
    for name, value in result.variables.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)


# --- errors -------------------------------------------------------------------------------


def test_bad_feeds_and_variables_raise_clear_errors():
    spec = _spec(LayerSpec("lstm", 4))
    with ReferenceGraph(spec) as graph:
        with pytest.raises(ValueError, match=r"`inputs`: expected shape \(3, 5, 4\), received \(3, 5, 2\)"):
            graph.run(inputs=np.zeros((3, 5, 2), np.float32))
        with pytest.raises(ValueError, match="`initial_state`: expected the TF1 structure"):
            graph.run(initial_state=np.zeros((3, 4), np.float32))
        values = graph.variables()
        with pytest.raises(ValueError, match=r"missing names \['rnn/multi_rnn_cell/cell_0/lstm_cell/bias'\]"):
            graph.set_variables({k: v for k, v in values.items() if not k.endswith("bias")})
        bad_shape = {**values, "rnn/multi_rnn_cell/cell_0/lstm_cell/bias": np.zeros(3)}
        with pytest.raises(ValueError, match=r"to have shape \(16,\), got \(3,\)"):
            graph.set_variables(bad_shape)
    with pytest.raises(ValueError, match="`initial_state`: expected 'feed' or 'zero_state'"):
        ReferenceGraph(spec, initial_state="random")


# --- generated specs ----------------------------------------------------------------------


@st.composite
def runnable_specs(draw):
    input_size = draw(st.integers(1, 4))
    layers, width = [], input_size
    driver = draw(st.sampled_from(["dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn",
                                   "static_bidirectional_rnn", "stack_bidirectional_dynamic_rnn"]))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["basic_rnn", "gru", "basic_lstm", "lstm"]))
        options = {}
        if kind == "lstm":
            options = {"use_peepholes": draw(st.booleans()), "num_proj": draw(st.one_of(st.none(), st.integers(1, 4)))}
        layer = LayerSpec(kind, draw(st.integers(1, 5)), **options)
        layers.append(layer)
        width = layer.output_size * (2 if driver == "stack_bidirectional_dynamic_rnn" else 1)
    time_major = draw(st.booleans()) and driver not in ("static_rnn", "static_bidirectional_rnn")
    return StackSpec(layers=tuple(layers), driver=driver, time_major=time_major,
                     use_sequence_length=draw(st.booleans()), batch_size=draw(st.integers(1, 3)),
                     time_steps=draw(st.integers(1, 4)), input_size=input_size)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runnable_specs())
def test_generated_specs_build_and_run_with_tf1_shapes(spec):
    result = run_reference(spec)
    outputs = result.batch_major_outputs
    if isinstance(outputs, tuple):  # bidirectional_dynamic_rnn: (fw, bw)
        outputs = np.concatenate(outputs, axis=2)
    directions = 2 if spec.is_bidirectional else 1
    assert outputs.shape == (spec.batch_size, spec.time_steps, directions * spec.output_size)
    assert all(np.all(np.isfinite(leaf)) for leaf in tf.nest.flatten(result.final_state))
