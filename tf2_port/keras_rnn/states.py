"""The state structure: TF1's ``LSTMStateTuple(c, h)`` layouts against Keras 3's ``[h, c]`` lists.

``to_keras_state`` and ``to_tf1_state`` carry a script's state across the boundary of every
driver and :func:`~tf2_port.keras_rnn.call_cell` (per layer for a stack, one concatenated
matrix for ``state_is_tuple=False``); ``state_size`` and ``zero_state`` answer what TF1's
``cell.state_size`` and ``cell.zero_state`` did. Wrapped cells (dropout, residual) count as the
cell they wrap.
"""

from __future__ import annotations

import collections
from typing import Any, Sequence

import keras
import tensorflow as tf

from tf2_port.cells import _is_lstm_like, _state_sizes, _unwrap  # the wrappers' own structure rules
from tf2_port.tf1_cells import is_flat as _is_flat


LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))
LSTMStateTuple.__doc__ = "TF1's LSTM state pair, (c, h) in this order (Keras uses [h, c])."


def _layers(cell: Any) -> list[Any] | None:
    inner = _unwrap(cell)
    if isinstance(inner, keras.layers.StackedRNNCells):
        return list(inner.cells)
    return None


def _as_list(states: Any) -> list[Any]:
    return list(states) if isinstance(states, (list, tuple)) else [states]


def _tf1_widths(cell: Any) -> list[int]:
    """The widths of the cell's TF1 state parts in TF1 order (an LSTM: c then h)."""
    layers = _layers(cell)
    if layers is not None:
        return [sum(_tf1_widths(layer)) for layer in layers]
    sizes = _state_sizes(_unwrap(cell))
    return [sizes[1], sizes[0]] if _is_lstm_like(cell) else sizes


def _single_to_keras(cell: Any, state: Any, flat: bool) -> list[Any]:
    if _is_lstm_like(cell):
        if flat or tf.is_tensor(state):  # one concat([c, h]) matrix
            c_width = _state_sizes(_unwrap(cell))[1]
            return [state[:, c_width:], state[:, :c_width]]
        c, h = state
        return [h, c]
    return _as_list(state)


def _single_to_tf1(cell: Any, states: Any, flat: bool) -> Any:
    states = _as_list(states)
    if _is_lstm_like(cell):
        h, c = states
        return tf.concat([c, h], 1) if flat else LSTMStateTuple(c, h)
    return states[0]


def to_keras_state(cell: Any, tf1_state: Any) -> list[Any]:
    """A TF1-structured state of ``cell`` as the ``initial_state`` Keras' ``RNN`` takes."""
    layers = _layers(cell)
    flat = _is_flat(cell)
    if layers is None:
        return _single_to_keras(cell, tf1_state, flat)
    if flat:
        tf1_state = tf.split(tf1_state, [sum(_tf1_widths(layer)) for layer in layers], axis=1)
    if len(tf1_state) != len(layers):
        raise ValueError(
            f"state of a {len(layers)}-layer stack: expected {len(layers)} per-layer states, "
            f"got {len(tf1_state)}"
        )
    return [
        _single_to_keras(layer, part, flat or _is_flat(layer)) for layer, part in zip(layers, tf1_state)
    ]


def to_tf1_state(cell: Any, keras_states: Sequence[Any]) -> Any:
    """Keras states of ``cell`` (as ``RNN(return_state=True)`` returns them) in TF1 structure."""
    layers = _layers(cell)
    flat = _is_flat(cell)
    if layers is None:
        return _single_to_tf1(cell, keras_states, flat)
    keras_states = list(keras_states)
    if len(keras_states) != len(layers):
        raise ValueError(
            f"Keras states of a {len(layers)}-layer stack: expected {len(layers)} per-layer "
            f"states, got {len(keras_states)}"
        )
    per_layer = [
        _single_to_tf1(layer, part, flat or _is_flat(layer)) for layer, part in zip(layers, keras_states)
    ]
    return tf.concat(per_layer, 1) if flat else tuple(per_layer)


def state_size(cell: Any) -> Any:
    """TF1 ``cell.state_size``: an int, ``LSTMStateTuple(c=..., h=...)`` or a tuple per layer;
    one int (the concatenated width) for ``state_is_tuple=False``."""
    layers = _layers(cell)
    if _is_flat(cell):
        return sum(_tf1_widths(cell))
    if layers is not None:
        return tuple(state_size(layer) for layer in layers)
    sizes = _state_sizes(_unwrap(cell))
    if _is_lstm_like(cell):
        return LSTMStateTuple(c=sizes[1], h=sizes[0])
    return sizes[0]


def zero_state(cell: Any, batch_size: Any, dtype: Any = tf.float32) -> Any:
    """TF1 ``cell.zero_state(batch_size, dtype)``: zeros in the TF1 state structure."""
    layers = _layers(cell)
    if layers is None:
        keras_zeros = [tf.zeros(tf.stack([batch_size, size]), dtype=dtype) for size in _state_sizes(_unwrap(cell))]
    else:
        keras_zeros = [
            [tf.zeros(tf.stack([batch_size, size]), dtype=dtype) for size in _state_sizes(_unwrap(layer))]
            for layer in layers
        ]
    return to_tf1_state(cell, keras_zeros)
