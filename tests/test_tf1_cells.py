"""tf2_port.tf1_cells: TF1's cell constructors, with TF1's signatures, building Keras 3 cells.

The numbers are proven end to end by ``tests/test_prove.py`` (a script that passes the classes
around, proven against TF1's own cells); here, what each constructor builds.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tf2_port import keras_rnn, tf1_cells
from tf2_port.cells import TF1LSTMCell


def test_lstm_constructors_keep_tf1s_meaning() -> None:
    plain = tf1_cells.BasicLSTMCell(4)
    assert type(plain) is keras.layers.LSTMCell and plain.units == 4 and plain.unit_forget_bias
    assert plain.activation is keras.activations.tanh  # TF1's activation=None is tanh
    zero = tf1_cells.LSTMCell(4, forget_bias=0.0, activation=keras.activations.relu, name="enc")
    assert not zero.unit_forget_bias and zero.activation is keras.activations.relu and zero.name == "enc"
    other = tf1_cells.BasicLSTMCell(4, forget_bias=2.5, reuse=True, name="a/b")
    assert isinstance(other.bias_initializer, tf1_cells.ForgetBiasInitializer)
    assert other.bias_initializer.forget_bias == 2.5 and "/" not in other.name
    bias = np.asarray(other.bias_initializer((16,)))
    np.testing.assert_array_equal(bias, [0.0] * 4 + [2.5] * 4 + [0.0] * 8)  # Keras gate order (i, f, c, o)
    projected = tf1_cells.LSTMCell(6, use_peepholes=True, num_proj=3, cell_clip=2.0, num_unit_shards=2)
    assert isinstance(projected, TF1LSTMCell) and projected.output_size == 3


def test_gru_rnn_stack_dtype_and_flat_state() -> None:
    gru = tf1_cells.GRUCell(5, kernel_initializer="ones", dtype="float64")
    assert type(gru) is keras.layers.GRUCell and not gru.reset_after and gru.dtype_policy.name == "float64"
    rnn = tf1_cells.BasicRNNCell(3)
    assert type(rnn) is keras.layers.SimpleRNNCell and rnn.activation is keras.activations.tanh
    flat = tf1_cells.MultiRNNCell([tf1_cells.LSTMCell(2, state_is_tuple=False), rnn], state_is_tuple=False)
    assert isinstance(flat, keras.layers.StackedRNNCells) and tf1_cells.is_flat(flat)
    assert tf1_cells.is_flat(flat.cells[0]) and not tf1_cells.is_flat(flat.cells[1])
    assert keras_rnn.state_size(flat) == 2 + 2 + 3  # TF1's flat width: c and h of the LSTM, then the RNN


def test_keras_rnn_exports_the_constructors_under_tf1s_names() -> None:
    for name, constructor in tf1_cells.CONSTRUCTORS.items():
        assert getattr(keras_rnn, name) is constructor


def test_unknown_arguments_fail_as_keras_fails() -> None:
    with pytest.raises(ValueError, match="no_such_argument"):
        tf1_cells.GRUCell(3, no_such_argument=1)
