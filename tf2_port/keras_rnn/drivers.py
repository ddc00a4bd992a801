"""The RNN drivers: ``dynamic_rnn``, ``static_rnn``, the bidirectional drivers and ``call_cell``.

Each driver checks the cell is a Keras 3 cell, lets an unbuilt cell adopt the inputs' float
dtype as TF1 cells did, shares weights under a reusing scope (:mod:`.scopes`), runs
``keras.layers.RNN(return_sequences=True, return_state=True)`` with ``sequence_length`` as a
mask and ``time_major`` as transposes, and hands the state back in TF1 structure (:mod:`.states`).
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import tensorflow as tf

from tf2_port.keras_rnn.scopes import _share_cells
from tf2_port.keras_rnn.states import _as_list, _layers, to_keras_state, to_tf1_state


def _swap_batch_time(tensor: Any) -> Any:
    rank = tensor.shape.rank
    return tf.transpose(tensor, [1, 0, *range(2, rank)])


def _run(cell: Any, inputs: Any, sequence_length: Any, initial_state: Any, go_backwards: bool = False):
    """``keras.layers.RNN`` on batch-major inputs: (outputs, TF1-structured final state)."""
    _check_cell(cell)
    _adopt_input_dtype(cell, inputs)
    _check_dtype(cell, inputs)
    # Keras' StackedRNNCells of one cell returns that cell's states without the per-layer list
    # its initial state has ([h, c] for [[h, c]]); the masked time loop then refuses the two
    # structures. A one-layer stack computes what its cell computes: run the cell itself.
    single = _single_layer(cell)
    layer = keras.layers.RNN(
        single if single is not None else cell,
        return_sequences=True, return_state=True, go_backwards=go_backwards,
        # TF1 outputs past a row's length are exactly zero; Keras would repeat the last one.
        zero_output_for_mask=sequence_length is not None,
        dtype=cell.dtype_policy,  # else a float64 cell's outputs come back cast to float32
    )
    kwargs = {}
    if sequence_length is not None:
        kwargs["mask"] = tf.sequence_mask(sequence_length, maxlen=tf.shape(inputs)[1])
    if initial_state is not None:
        keras_state = to_keras_state(cell, initial_state)
        kwargs["initial_state"] = keras_state[0] if single is not None else keras_state
    outputs, *states = layer(inputs, **kwargs)
    if go_backwards:
        outputs = tf.reverse(outputs, [1])
    return outputs, to_tf1_state(cell, [states] if single is not None else states)


def _single_layer(cell: Any) -> Any:
    """The only layer of a one-layer ``StackedRNNCells`` given as the cell itself, else None."""
    if isinstance(cell, keras.layers.StackedRNNCells) and len(cell.cells) == 1:
        return cell.cells[0]
    return None


def _check_cell(cell: Any) -> None:
    if not isinstance(cell, keras.layers.Layer) or not hasattr(cell, "state_size"):
        raise TypeError(
            f"cell: expected a Keras 3 RNN cell (keras.layers.LSTMCell, StackedRNNCells, ...), got "
            f"{type(cell).__name__}. A custom tf.compat.v1 RNNCell must be ported to a Keras layer "
            "with state_size and call(inputs, states)"
        )


def _layers_of(cell: Any) -> list[Any]:
    """The cell and every cell inside it (wrapped cells, a stack's layers)."""
    found = [cell]
    inner = getattr(cell, "cell", None)
    if isinstance(inner, keras.layers.Layer):
        found += _layers_of(inner)
    for layer in getattr(cell, "cells", None) or ():
        found += _layers_of(layer)
    return found


def _adopt_input_dtype(cell: Any, inputs: Any) -> None:
    """TF1 cells took their dtype from the inputs of their first call (a float64 graph stayed
    float64): an unbuilt cell still on the default dtype policy takes the inputs' dtype."""
    dtype = tf.as_dtype(inputs.dtype)
    layers = _layers_of(cell)
    default = keras.config.dtype_policy().name
    if not dtype.is_floating or dtype.name == cell.compute_dtype:
        return
    if any(layer.built for layer in layers) or any(layer.dtype_policy.name != default for layer in layers):
        return  # built, or given a dtype on purpose: _check_dtype says what TF1 said
    for layer in layers:
        layer.dtype_policy = keras.DTypePolicy(dtype.name)


def _check_dtype(cell: Any, inputs: Any) -> None:
    """TF1 refused a float64 input to a float32 cell; Keras would cast it silently."""
    dtype = tf.as_dtype(inputs.dtype)
    if dtype.is_floating and dtype.name != cell.compute_dtype:
        raise ValueError(
            f"RNN inputs: expected {cell.compute_dtype} (the Keras cell's dtype), got {dtype.name}. "
            f"Build the cells with dtype={dtype.name!r}, or call "
            f"keras.config.set_dtype_policy({dtype.name!r}) before building them"
        )


def dynamic_rnn(
    cell: Any,
    inputs: Any,
    sequence_length: Any = None,
    initial_state: Any = None,
    dtype: Any = None,
    parallel_iterations: Any = None,
    swap_memory: bool = False,
    time_major: bool = False,
    scope: Any = None,
) -> tuple[Any, Any]:
    """TF1 ``tf.nn.dynamic_rnn`` as ``keras.layers.RNN``: returns ``(outputs, state)``.

    ``dtype``, ``parallel_iterations`` and ``swap_memory`` tuned TF1's own loop and are not
    needed; ``scope`` names the variables the call shares under a reusing scope.
    """
    del dtype, parallel_iterations, swap_memory
    cell = _share_cells(cell, _scope_name(scope, "rnn"))
    if time_major:
        inputs = _swap_batch_time(inputs)
    outputs, state = _run(cell, inputs, sequence_length, initial_state)
    if time_major:
        outputs = _swap_batch_time(outputs)
    return outputs, state


def static_rnn(
    cell: Any,
    inputs: Sequence[Any],
    initial_state: Any = None,
    dtype: Any = None,
    sequence_length: Any = None,
    scope: Any = None,
) -> tuple[list[Any], Any]:
    """TF1 ``tf.nn.static_rnn`` (``tf.nn.rnn``): a list of per-step inputs, a list of outputs."""
    del dtype
    inputs = list(inputs)
    if not inputs:
        raise ValueError("static_rnn: expected a non-empty list of [batch, depth] inputs, got []")
    cell = _share_cells(cell, _scope_name(scope, "rnn"))
    outputs, state = _run(cell, tf.stack(inputs, axis=1), sequence_length, initial_state)
    return tf.unstack(outputs, num=len(inputs), axis=1), state


def bidirectional_dynamic_rnn(
    cell_fw: Any,
    cell_bw: Any,
    inputs: Any,
    sequence_length: Any = None,
    initial_state_fw: Any = None,
    initial_state_bw: Any = None,
    dtype: Any = None,
    parallel_iterations: Any = None,
    swap_memory: bool = False,
    time_major: bool = False,
    scope: Any = None,
) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """TF1 ``tf.nn.bidirectional_dynamic_rnn``: ``((out_fw, out_bw), (state_fw, state_bw))``.

    A forward ``RNN`` and a ``go_backwards`` ``RNN`` over the same mask -- what
    ``keras.layers.Bidirectional`` runs, with the script's own cell objects (``Bidirectional``
    clones its layers from their configs). With a mask the backward pass starts at each row's
    last valid step, as TF1's ``reverse_sequence`` did.
    """
    del dtype, parallel_iterations, swap_memory
    name = _scope_name(scope, "bidirectional_rnn")
    cell_fw = _share_cells(cell_fw, name + "/fw")
    cell_bw = _share_cells(cell_bw, name + "/bw")
    if time_major:
        inputs = _swap_batch_time(inputs)
    out_fw, state_fw = _run(cell_fw, inputs, sequence_length, initial_state_fw)
    out_bw, state_bw = _run(cell_bw, inputs, sequence_length, initial_state_bw, go_backwards=True)
    if time_major:
        out_fw, out_bw = _swap_batch_time(out_fw), _swap_batch_time(out_bw)
    return (out_fw, out_bw), (state_fw, state_bw)


def stack_bidirectional_dynamic_rnn(
    cells_fw: Sequence[Any],
    cells_bw: Sequence[Any],
    inputs: Any,
    initial_states_fw: Sequence[Any] | None = None,
    initial_states_bw: Sequence[Any] | None = None,
    dtype: Any = None,
    sequence_length: Any = None,
    parallel_iterations: Any = None,
    time_major: bool = False,
    scope: Any = None,
    swap_memory: bool = False,
) -> tuple[Any, tuple[Any, ...], tuple[Any, ...]]:
    """TF1 ``contrib.rnn.stack_bidirectional_dynamic_rnn``: one bidirectional layer per cell pair,
    each fed the previous layer's ``concat([fw, bw], 2)``; returns ``(outputs, states_fw,
    states_bw)`` with one state per layer. Scoped as TF1 did
    (``stack_bidirectional_rnn/cell_<i>/bidirectional_rnn/{fw,bw}``)."""
    del dtype, parallel_iterations, swap_memory
    if len(cells_fw) != len(cells_bw) or not cells_fw:
        raise ValueError(
            "stack_bidirectional_dynamic_rnn: expected as many backward cells as forward cells "
            f"(at least one), got {len(cells_fw)} and {len(cells_bw)}"
        )
    states_fw, states_bw = [], []
    layer_inputs = inputs
    with tf.compat.v1.variable_scope(scope or "stack_bidirectional_rnn"):
        for index, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with tf.compat.v1.variable_scope(f"cell_{index}"):
                (out_fw, out_bw), (state_fw, state_bw) = bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, layer_inputs, sequence_length=sequence_length,
                    initial_state_fw=initial_states_fw[index] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[index] if initial_states_bw else None,
                    time_major=time_major,
                )
            layer_inputs = tf.concat([out_fw, out_bw], 2)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer_inputs, tuple(states_fw), tuple(states_bw)


def static_bidirectional_rnn(
    cell_fw: Any,
    cell_bw: Any,
    inputs: Sequence[Any],
    initial_state_fw: Any = None,
    initial_state_bw: Any = None,
    dtype: Any = None,
    sequence_length: Any = None,
    scope: Any = None,
) -> tuple[list[Any], Any, Any]:
    """TF1 ``static_bidirectional_rnn``: per-step ``concat([fw, bw], 1)`` outputs and both states."""
    inputs = list(inputs)
    (out_fw, out_bw), (state_fw, state_bw) = bidirectional_dynamic_rnn(
        cell_fw, cell_bw, tf.stack(inputs, axis=1), sequence_length=sequence_length,
        initial_state_fw=initial_state_fw, initial_state_bw=initial_state_bw, scope=scope,
    )
    outputs = tf.concat([out_fw, out_bw], 2)
    return tf.unstack(outputs, num=len(inputs), axis=1), state_fw, state_bw


def call_cell(cell: Any, inputs: Any, state: Any, scope: Any = None) -> tuple[Any, Any]:
    """One step, TF1 ``output, new_state = cell(inputs, state)``, in TF1 state structure."""
    if scope is not None:
        with tf.compat.v1.variable_scope(scope):
            return call_cell(cell, inputs, state)
    _check_cell(cell)
    _adopt_input_dtype(cell, inputs)
    cell = _share_cells(cell, "")
    output, new_states = cell(inputs, to_keras_state(cell, state))
    if _layers(cell) is None:
        new_states = _as_list(new_states)
    elif _single_layer(cell) is not None:
        new_states = [new_states]  # Keras unnests a one-layer stack's states (see _run)
    return output, to_tf1_state(cell, new_states)


def _scope_name(scope: Any, default: str) -> str:
    if scope is None:
        return default
    if isinstance(scope, str):
        return scope
    return getattr(scope, "name", default)
