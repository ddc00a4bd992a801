"""State structures: TF1's (c, h) world and Keras' [h, c] world, converted explicitly.

TF1's ``LSTMStateTuple`` is ``(c, h)``; a Keras LSTM state is ``[h, c]``. Mixing
them up gives numbers of the right shape and the wrong meaning, so every
conversion here says its order in its name.

The port's flat Keras state list is, layer by layer (bottom first), ``[h, c]``
for an LSTM layer and ``[h]`` for a GRU / simple RNN layer; bidirectional
drivers list every forward layer, then every backward layer, except
``stack_bidirectional_dynamic_rnn``, whose layers are separate bidirectional
layers (layer 0 fw, layer 0 bw, layer 1 fw, ...).

Functions work on NumPy arrays and on backend tensors (slicing and
``keras.ops``), so a migrated TF1 graph can call them on graph tensors too.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Sequence

import numpy as np
from keras import ops

from tf1_reference.spec import LayerSpec, StackSpec

# Same fields and order as TF1's LSTMStateTuple, so tf.nest treats both alike.
LSTMStateTuple = namedtuple("LSTMStateTuple", ("c", "h"))


def _concatenate(parts: Sequence[Any]) -> Any:
    if all(isinstance(part, np.ndarray) for part in parts):
        return np.concatenate(parts, axis=-1)
    return ops.concatenate(list(parts), axis=-1)


def layer_state_sizes(layer: LayerSpec) -> list[int]:
    """Widths of the layer's Keras states: ``[h, c]`` for LSTMs, ``[h]`` otherwise."""
    if layer.is_lstm:
        return [layer.output_size, layer.units]
    return [layer.units]


def _tf1_layer_to_keras(layer: LayerSpec, state: Any) -> list[Any]:
    if not layer.is_lstm:
        return [state]
    if layer.state_is_tuple:
        c, h = state
    else:  # TF1 flat LSTM state: concat([c, h])
        c, h = state[..., : layer.units], state[..., layer.units:]
    return [h, c]


def _keras_layer_to_tf1(layer: LayerSpec, states: Sequence[Any]) -> Any:
    if not layer.is_lstm:
        return states[0]
    h, c = states
    return LSTMStateTuple(c, h) if layer.state_is_tuple else _concatenate([c, h])


def _tf1_flat_width(layer: LayerSpec) -> int:
    return sum(layer_state_sizes(layer))


def _split_multi_flat(spec: StackSpec, flat: Any) -> list[Any]:
    """MultiRNNCell(state_is_tuple=False): per-layer flat states concatenated in order."""
    parts, start = [], 0
    for layer in spec.layers:
        width = _tf1_flat_width(layer)
        parts.append(flat[..., start: start + width])
        start += width
    return parts


def _direction_tf1_to_keras(spec: StackSpec, state: Any) -> list[Any]:
    if not spec.multi_rnn_cell:
        per_layer = [state]
    elif not spec.multi_state_is_tuple:
        per_layer = _split_multi_flat(spec, state)
    else:
        per_layer = list(state)
    if len(per_layer) != len(spec.layers):
        raise ValueError(
            f"Invalid TF1 state: expected {len(spec.layers)} per-layer states, received {len(per_layer)}."
        )
    flat: list[Any] = []
    for layer, layer_state in zip(spec.layers, per_layer):
        flat.extend(_tf1_layer_to_keras(layer, layer_state))
    return flat


def _direction_keras_to_tf1(spec: StackSpec, states: Sequence[Any]) -> Any:
    per_layer, start = [], 0
    for layer in spec.layers:
        count = len(layer_state_sizes(layer))
        per_layer.append(_keras_layer_to_tf1(layer, states[start: start + count]))
        start += count
    if not spec.multi_rnn_cell:
        return per_layer[0]
    if not spec.multi_state_is_tuple:
        return _concatenate(per_layer)
    return tuple(per_layer)


def keras_state_count(spec: StackSpec) -> int:
    """Length of the port's flat Keras state list."""
    per_direction = sum(len(layer_state_sizes(layer)) for layer in spec.layers)
    return per_direction * (2 if spec.is_bidirectional else 1)


def tf1_state_to_keras(spec: StackSpec, tf1_state: Any) -> list[Any]:
    """A TF1-structured state of ``spec``'s driver -> the port's flat Keras list ([h, c] per LSTM)."""
    if spec.driver == "stack_bidirectional_dynamic_rnn":
        states_fw, states_bw = tf1_state
        flat: list[Any] = []
        for layer, state_fw, state_bw in zip(spec.layers, states_fw, states_bw):
            flat.extend(_tf1_layer_to_keras(layer, state_fw))
            flat.extend(_tf1_layer_to_keras(layer, state_bw))
        return flat
    if spec.is_bidirectional:
        state_fw, state_bw = tf1_state
        return _direction_tf1_to_keras(spec, state_fw) + _direction_tf1_to_keras(spec, state_bw)
    return _direction_tf1_to_keras(spec, tf1_state)


def keras_state_to_tf1(spec: StackSpec, keras_states: Sequence[Any]) -> Any:
    """The port's flat Keras state list -> the TF1 structure of ``spec``'s driver ((c, h) per LSTM)."""
    keras_states = list(keras_states)
    if len(keras_states) != keras_state_count(spec):
        raise ValueError(
            f"Invalid `keras_states`: expected {keras_state_count(spec)} tensors, received {len(keras_states)}."
        )
    if spec.driver == "stack_bidirectional_dynamic_rnn":
        states_fw, states_bw, start = [], [], 0
        for layer in spec.layers:
            count = len(layer_state_sizes(layer))
            states_fw.append(_keras_layer_to_tf1(layer, keras_states[start: start + count]))
            states_bw.append(_keras_layer_to_tf1(layer, keras_states[start + count: start + 2 * count]))
            start += 2 * count
        return tuple(states_fw), tuple(states_bw)
    if spec.is_bidirectional:
        half = len(keras_states) // 2
        return (_direction_keras_to_tf1(spec, keras_states[:half]),
                _direction_keras_to_tf1(spec, keras_states[half:]))
    return _direction_keras_to_tf1(spec, keras_states)


# --- Hallström's packed state: [num_layers, 2, batch, units], index 0 = c, index 1 = h ----


def unpack_layers_c_h_to_keras_h_c(packed: Any) -> list[Any]:
    """``[L, 2, B, U]`` with c at index 0 and h at index 1 -> flat ``[h_0, c_0, h_1, c_1, ...]``."""
    shape = tuple(packed.shape)
    if len(shape) != 4 or shape[1] != 2:
        raise ValueError(
            f"Invalid packed state: expected shape (num_layers, 2, batch, units) with c at index 0 "
            f"and h at index 1, received {shape}."
        )
    flat: list[Any] = []
    for layer in range(shape[0]):
        flat.extend([packed[layer, 1], packed[layer, 0]])  # Keras wants h first
    return flat


def pack_keras_h_c_to_layers_c_h(keras_states: Sequence[Any]) -> Any:
    """Flat ``[h_0, c_0, h_1, c_1, ...]`` -> ``[L, 2, B, U]`` with c at index 0 and h at index 1."""
    keras_states = list(keras_states)
    if not keras_states or len(keras_states) % 2:
        raise ValueError(
            f"Invalid `keras_states`: expected [h, c] pairs per LSTM layer, received {len(keras_states)} tensors."
        )
    pairs = [(keras_states[i + 1], keras_states[i]) for i in range(0, len(keras_states), 2)]  # (c, h)
    if all(isinstance(s, np.ndarray) for s in keras_states):
        return np.stack([np.stack(pair) for pair in pairs])
    return ops.stack([ops.stack(list(pair)) for pair in pairs])


__all__ = [
    "LSTMStateTuple", "keras_state_count", "keras_state_to_tf1", "layer_state_sizes",
    "pack_keras_h_c_to_layers_c_h", "tf1_state_to_keras", "unpack_layers_c_h_to_keras_h_c",
]
