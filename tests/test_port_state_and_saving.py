"""State helpers and .keras serialization of the port."""

import json

import keras
import numpy as np
import pytest

from tf1_reference.builder import run_reference
from tf1_reference.spec import DropoutSpec, LayerSpec, ResidualSpec, StackSpec
from tf2_port.build import StackPort
from tf2_port.cells import DropoutWrapperCell, ResidualCell, TF1LSTMCell
from tf2_port.state import (
    LSTMStateTuple, keras_state_to_tf1, pack_keras_h_c_to_layers_c_h, tf1_state_to_keras,
    unpack_layers_c_h_to_keras_h_c,
)

from equivalence import run_saved_port_in_fresh_process


def test_packed_state_c_at_0_h_at_1_becomes_keras_h_c_pairs():
    layers, batch, units = 3, 2, 4
    packed = np.arange(layers * 2 * batch * units, dtype=np.float32).reshape(layers, 2, batch, units)
    flat = unpack_layers_c_h_to_keras_h_c(packed)
    assert len(flat) == 6
    for layer in range(layers):
        np.testing.assert_array_equal(flat[2 * layer], packed[layer, 1])  # h first for Keras
        np.testing.assert_array_equal(flat[2 * layer + 1], packed[layer, 0])  # then c
    np.testing.assert_array_equal(pack_keras_h_c_to_layers_c_h(flat), packed)
    # Tensors too (a migrated TF1 graph calls these on graph tensors).
    packed_tensor = keras.ops.convert_to_tensor(packed)
    np.testing.assert_array_equal(
        np.asarray(pack_keras_h_c_to_layers_c_h(unpack_layers_c_h_to_keras_h_c(packed_tensor))), packed)


def test_packed_state_errors_name_the_expected_layout():
    with pytest.raises(ValueError, match=r"expected shape \(num_layers, 2, batch, units\) with c at index 0"):
        unpack_layers_c_h_to_keras_h_c(np.zeros((3, 3, 2, 4)))
    with pytest.raises(ValueError, match=r"expected \[h, c\] pairs per LSTM layer, received 3 tensors"):
        pack_keras_h_c_to_layers_c_h([np.zeros((2, 4))] * 3)


def test_tf1_keras_state_round_trip_every_driver():
    for driver in ("dynamic_rnn", "bidirectional_dynamic_rnn", "stack_bidirectional_dynamic_rnn"):
        spec = StackSpec(layers=(LayerSpec("lstm", 4, num_proj=2), LayerSpec("gru", 3),
                                 LayerSpec("basic_lstm", 2, state_is_tuple=False)), driver=driver)
        reference = run_reference(spec)
        keras_states = tf1_state_to_keras(spec, reference.initial_state)
        back = keras_state_to_tf1(spec, keras_states)
        import tensorflow as tf
        for got, want in zip(tf.nest.flatten(back), tf.nest.flatten(reference.initial_state)):
            np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expected 5 tensors, received 2"):
        keras_state_to_tf1(StackSpec(layers=(LayerSpec("lstm", 4), LayerSpec("gru", 3), LayerSpec("lstm", 2))),
                           [np.zeros((3, 4))] * 2)
    assert LSTMStateTuple(c=1, h=2) == (1, 2)  # TF1's field order


@pytest.mark.parametrize("cell", [
    TF1LSTMCell(6, num_proj=3, use_peepholes=True, cell_clip=2.0, proj_clip=1.0, activation="relu"),
    ResidualCell(keras.layers.GRUCell(4, reset_after=False)),
    DropoutWrapperCell(TF1LSTMCell(5, num_proj=2), input_keep_prob=0.9, output_keep_prob=0.8,
                       state_keep_prob=0.7, variational_recurrent=True, drop_whole_state=True, seed=3),
])
def test_custom_cells_get_config_round_trips(cell):
    config = cell.get_config()
    rebuilt = type(cell).from_config(json.loads(json.dumps(keras.saving.serialize_keras_object(cell)))["config"])
    assert rebuilt.get_config() == config


SAVED_SPECS = {
    "lstm_options_bidirectional": StackSpec(
        layers=(LayerSpec("lstm", 6, use_peepholes=True, num_proj=3, cell_clip=1.0),
                LayerSpec("gru", 3, wrappers=(ResidualSpec(), DropoutSpec(output_keep_prob=0.5)))),
        driver="bidirectional_dynamic_rnn", use_sequence_length=True, input_size=4),
    "fast_time_major": StackSpec(layers=(LayerSpec("lstm", 5), LayerSpec("basic_rnn", 4)),
                                 time_major=True, use_sequence_length=True),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SAVED_SPECS))
def test_keras_file_loads_in_a_fresh_process_without_legacy_keras(tmp_path, name):
    result = run_saved_port_in_fresh_process(SAVED_SPECS[name], tmp_path, fast=name.startswith("fast"))
    assert result["backend"] == "tensorflow"
    assert not result["tf_keras_loaded"] and result["legacy_keras_flag"] is None  # no tf_keras, no legacy flag
    assert result["max_diff"] <= 2e-6  # float32 round-off, as in the equivalence suite


def test_set_tf1_variables_refuses_missing_or_mismatched_weights_and_assigns_nothing():
    spec = StackSpec(layers=(LayerSpec("lstm", 4), LayerSpec("gru", 3)))
    variables = run_reference(spec).variables
    port = StackPort(spec)
    before = [w.copy() for w in port.get_weights()]
    missing = {k: v for k, v in variables.items() if not k.endswith("candidate/bias")}
    with pytest.raises(ValueError, match="Missing TF1 variable `rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias`"):
        port.set_tf1_variables(missing)
    for got, want in zip(port.get_weights(), before):
        np.testing.assert_array_equal(got, want)
    wrong_units = StackPort(StackSpec(layers=(LayerSpec("lstm", 4), LayerSpec("gru", 5))))
    before = [w.copy() for w in wrong_units.get_weights()]
    with pytest.raises(ValueError, match=r"expected shape \(4, 15\) \(from the spec\), received \(4, 9\)"):
        wrong_units.set_tf1_variables(variables)
    for got, want in zip(wrong_units.get_weights(), before):
        np.testing.assert_array_equal(got, want)  # the (fitting) first layer was not loaded either


@pytest.mark.parametrize("driver", ["dynamic_rnn", "bidirectional_dynamic_rnn", "stack_bidirectional_dynamic_rnn"])
def test_omitted_initial_state_is_zeros_in_the_port_state_order(driver):
    from tf2_port.state import layer_state_sizes

    spec = StackSpec(layers=(LayerSpec("lstm", 5, num_proj=3), LayerSpec("gru", 4), LayerSpec("basic_lstm", 2)),
                     driver=driver)
    port = StackPort(spec)
    x = np.random.default_rng(0).uniform(-1, 1, (3, 5, 4)).astype(np.float32)
    implicit = port(x)
    explicit = port(x, initial_state=[np.zeros(s.shape, np.float32) for s in implicit[1:]])
    for got, want in zip(implicit, explicit):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))  # same computation: bit-identical
    per_direction = [size for layer in spec.layers for size in layer_state_sizes(layer)]
    assert len(implicit) - 1 == len(per_direction) * (1 if driver == "dynamic_rnn" else 2)
