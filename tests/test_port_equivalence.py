"""The proof: TF1 reference vs Keras 3 port, every construct, float32 and float64.

Weights are random non-trivial values (biases included) copied from the TF1
graph through tf2_port.convert; inputs and initial states are random non-zero.

Tolerances (tf2_port.verify.TOLERANCES, scaled by the largest output magnitude
for relu paths). float32: the TF1 cells compute concat([x, h]) @ W in one matmul,
Keras computes x @ K + h @ R, so sums round differently: measured ≤ 4e-7 on
unit-scale values (ARCHITECTURE.md: facts) (here: worst 1.8e-7 over the catalogue);
1e-6 absolute leaves a margin of five. float64: the same differences at 1e-16
relative (worst measured 4.4e-16); 1e-14 allowed.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tf1_reference.spec import DropoutSpec, LayerSpec, ResidualSpec, StackSpec
from tf2_port.build import fast_form_supported
from tf2_port.cases import CONSTRUCTS, DRIVER_OPTIONS, driver_case

from equivalence import compare_spec


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_construct_matches_tf1(construct, dtype):
    spec = CONSTRUCTS[construct](dtype=dtype, use_sequence_length=True)
    comparison = compare_spec(spec)
    assert comparison.passed, comparison.diffs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("driver", sorted(DRIVER_OPTIONS))
def test_driver_matches_tf1(driver, dtype):
    spec = driver_case(driver, dtype=dtype)
    comparison = compare_spec(spec)
    assert comparison.passed, comparison.diffs


@pytest.mark.parametrize("driver", ["dynamic_lengths", "time_major_lengths", "bidirectional_lengths"])
@pytest.mark.parametrize("case", ["basic_rnn", "gru", "lstm", "mixed"])
def test_fast_form_matches_tf1_and_the_cell_form_bit_for_bit(case, driver):
    layers = {
        "basic_rnn": (LayerSpec("basic_rnn", 6), LayerSpec("basic_rnn", 4)),
        "gru": (LayerSpec("gru", 6), LayerSpec("gru", 4)),
        "lstm": (LayerSpec("lstm", 6, forget_bias=0.5), LayerSpec("basic_lstm", 4)),
        "mixed": (LayerSpec("gru", 6, wrappers=(DropoutSpec(output_keep_prob=0.5),)), LayerSpec("lstm", 4),
                  LayerSpec("basic_rnn", 3)),
    }[case]
    spec = StackSpec(layers=layers, batch_size=4, time_steps=6, input_size=5, **DRIVER_OPTIONS[driver])
    assert fast_form_supported(spec)
    fast = compare_spec(spec, fast=True)
    cell_form = compare_spec(spec, reference=fast.reference)
    assert fast.passed, fast.diffs
    # ARCHITECTURE.md, facts (stacks): stacked keras.layers.LSTM == RNN(StackedRNNCells) with the same weights, bit for bit.
    np.testing.assert_array_equal(fast.port_outputs, cell_form.port_outputs)


@st.composite
def generated_specs(draw):
    dtype = draw(st.sampled_from(["float32", "float64"]))
    driver = draw(st.sampled_from(["dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn",
                                   "stack_bidirectional_dynamic_rnn"]))
    input_size = draw(st.integers(1, 5))
    layers, width = [], input_size
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["basic_rnn", "gru", "basic_lstm", "lstm"]))
        units = draw(st.integers(1, 6))
        options = {"activation": draw(st.sampled_from(["tanh", "tanh", "relu", "softsign"]))}
        if kind in ("basic_lstm", "lstm"):
            options["forget_bias"] = draw(st.sampled_from([1.0, 0.0, 0.6]))
            options["state_is_tuple"] = draw(st.booleans())
        if kind == "lstm":
            options["use_peepholes"] = draw(st.booleans())
            options["num_proj"] = draw(st.one_of(st.none(), st.integers(1, 5)))
            options["cell_clip"] = draw(st.one_of(st.none(), st.just(0.7)))
        layer = LayerSpec(kind, units, **options)
        if layer.output_size == width and draw(st.booleans()):
            layer = LayerSpec(kind, units, wrappers=(ResidualSpec(),), **options)
        layers.append(layer)
        width = layer.output_size * (2 if driver == "stack_bidirectional_dynamic_rnn" else 1)
    time_major = driver != "static_rnn" and draw(st.booleans())
    return StackSpec(layers=tuple(layers), driver=driver, time_major=time_major, dtype=dtype,
                     use_sequence_length=draw(st.booleans()), batch_size=draw(st.integers(1, 4)),
                     time_steps=draw(st.integers(1, 5)), input_size=input_size)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_specs(), st.integers(0, 1000))
def test_generated_specs_match_tf1(spec, seed):
    comparison = compare_spec(spec, seed=seed)
    assert comparison.passed, comparison.diffs
