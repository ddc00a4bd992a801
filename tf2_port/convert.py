"""TF1 RNN cell weights to Keras 3 cell weights and back, in pure NumPy.

A TF1 checkpoint stores each cell as one fused ``kernel`` over ``concat([x, h])``
with its gates in TF1's order; Keras 3 cells keep an input ``kernel``, a
``recurrent_kernel`` and a ``bias`` with the gates in Keras' order. The functions
here move weights between the two layouts (ARCHITECTURE.md, facts: weights), one function per
cell family, each docstring stating both layouts. They get right the three
things hand-written conversions get wrong: the gate order, the kernel split
and the ``forget_bias`` that TF1 adds at run time but never saves.

Every ``*_to_keras`` function returns the list ``cell.set_weights()`` takes, in
that order. The ``keras_to_*`` inverses take that list and give the TF1 arrays
back, so Keras weights can be written to a TF1 checkpoint.

Properties every function keeps:

* Pure NumPy: no TensorFlow or Keras import, so checkpoints can be converted
  (and these functions tested) without building a model.
* Dtypes are preserved (float32 stays float32, float64 stays float64); all
  inputs of one call must share a floating dtype.
* Inputs are never mutated and outputs never share memory with them.
* Re-arranging is exact. The only arithmetic is the ``forget_bias`` addition
  (and its subtraction in the inverses), which rounds once in the forget block.
* Shapes are checked before anything is computed; a mismatch raises
  ``ValueError`` naming the argument, the expected and the received shape.

Conventions in shapes: ``in`` is ``input_size``, ``units`` the cell width
(``num_units``), ``h`` the width of the recurrent state fed back (``units``, or
``num_proj`` for a projecting LSTMCell).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

# --- Tables -----------------------------------------------------------------------------
# Gate blocks along the last axis of the fused kernels and biases, in storage order.

# LSTMCell, BasicLSTMCell, contrib LSTMBlockCell / LSTMBlockFusedCell and
# CudnnCompatibleLSTMCell: input gate, candidate ("j", the new input), forget, output.
TF1_LSTM_GATES = ("i", "j", "f", "o")
# keras.layers.LSTMCell and tf2_port.cells.TF1LSTMCell: input, forget, candidate, output.
KERAS_LSTM_GATES = ("i", "f", "c", "o")
TF1_TO_KERAS_LSTM_GATE = {"i": "i", "j": "c", "f": "f", "o": "o"}
# The block TF1 adds `forget_bias` to at every step (same letter on both sides).
LSTM_FORGET_GATE = "f"
# TF1 peephole variables, in the order TF1LSTMCell lists its peephole weights
# (input_gate_peephole, forget_gate_peephole, output_gate_peephole).
TF1_LSTM_PEEPHOLES = ("w_i_diag", "w_f_diag", "w_o_diag")
KERAS_LSTM_PEEPHOLES = ("input_gate_peephole", "forget_gate_peephole", "output_gate_peephole")

# GRUCell / GRUBlockCell ``gates``: reset, update. The candidate lives in its own
# kernel (``candidate/kernel`` or ``w_c``), named "c" here.
TF1_GRU_GATES = ("r", "u")
TF1_GRU_CANDIDATE = "c"
# keras.layers.GRUCell: update ("z", TF1's u), reset, candidate ("h").
KERAS_GRU_GATES = ("z", "r", "h")
TF1_TO_KERAS_GRU_GATE = {"u": "z", "r": "r", "c": "h"}

KERAS_RNN_WEIGHTS = ("kernel", "recurrent_kernel", "bias")


# --- Block helpers: every reorder goes through the tables above ---------------------------


def _split_blocks(array: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Split the last axis into ``len(names)`` equal blocks, keyed by name."""
    return dict(zip(names, np.split(array, len(names), axis=-1)))


def _join_blocks(blocks: Mapping[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    """Concatenate ``blocks`` along the last axis in the order ``names`` (a new array)."""
    return np.concatenate([blocks[name] for name in names], axis=-1)


def _renamed(blocks: Mapping[str, np.ndarray], renaming: Mapping[str, str]) -> dict[str, np.ndarray]:
    return {renaming[name]: block for name, block in blocks.items()}


def _inverted(mapping: Mapping[str, str]) -> dict[str, str]:
    return {target: source for source, target in mapping.items()}


KERAS_TO_TF1_LSTM_GATE = _inverted(TF1_TO_KERAS_LSTM_GATE)
KERAS_TO_TF1_GRU_GATE = _inverted(TF1_TO_KERAS_GRU_GATE)


def _tf1_lstm_blocks_to_keras(array: np.ndarray) -> np.ndarray:
    return _join_blocks(_renamed(_split_blocks(array, TF1_LSTM_GATES), TF1_TO_KERAS_LSTM_GATE), KERAS_LSTM_GATES)


def _keras_lstm_blocks_to_tf1(array: np.ndarray) -> np.ndarray:
    return _join_blocks(_renamed(_split_blocks(array, KERAS_LSTM_GATES), KERAS_TO_TF1_LSTM_GATE), TF1_LSTM_GATES)


def _tf1_gru_blocks_to_keras(gates: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    blocks = {**_split_blocks(gates, TF1_GRU_GATES), TF1_GRU_CANDIDATE: candidate}
    return _join_blocks(_renamed(blocks, TF1_TO_KERAS_GRU_GATE), KERAS_GRU_GATES)


def _keras_gru_blocks_to_tf1(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    blocks = _renamed(_split_blocks(array, KERAS_GRU_GATES), KERAS_TO_TF1_GRU_GATE)
    return _join_blocks(blocks, TF1_GRU_GATES), np.array(blocks[TF1_GRU_CANDIDATE], copy=True)


def _shift_block(array: np.ndarray, gates: Sequence[str], gate: str, shift: float) -> np.ndarray:
    """A copy of ``array`` with ``shift`` added to one gate block, in ``array``'s dtype."""
    blocks = _split_blocks(array, gates)
    blocks[gate] = blocks[gate] + np.asarray(shift, dtype=array.dtype)
    return _join_blocks(blocks, gates)


def _copy(array: np.ndarray) -> np.ndarray:
    return np.array(array, copy=True, order="C")


# --- Validation -------------------------------------------------------------------------


def _format_shape(dims: Sequence[Any]) -> str:
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ", ".join(str(dim) for dim in dims) + ")"


def _shape_error(argument: str, formula: str, expected: Sequence[Any], received: np.ndarray,
                 note: str = "") -> ValueError:
    message = (
        f"Invalid {argument}: expected shape {formula} = {_format_shape(expected)}, "
        f"received {_format_shape(received.shape)}."
    )
    return ValueError(f"{message} {note}" if note else message)


def _require_shape(argument: str, array: np.ndarray, formula: str, expected: tuple[int, ...],
                   note: str = "") -> None:
    if array.shape != expected:
        raise _shape_error(argument, formula, expected, array, note)


def _require_input_size(input_size: Any) -> int:
    if isinstance(input_size, (bool, np.bool_)) or not isinstance(input_size, (int, np.integer)) or input_size < 1:
        raise ValueError(f"Invalid value for `input_size`: expected a positive int, received {input_size!r}.")
    return int(input_size)


def _require_forget_bias(forget_bias: Any) -> float:
    if isinstance(forget_bias, (bool, np.bool_)) or not isinstance(forget_bias, (int, float, np.integer, np.floating)):
        raise ValueError(
            f"Invalid value for `forget_bias`: expected a number (TF1's LSTM `forget_bias`, "
            f"default 1.0; checkpoints do not store it), received {forget_bias!r}."
        )
    return float(forget_bias)


def _weights(named_values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``{argument label: array}`` checked to be floating arrays of one common dtype."""
    arrays: dict[str, np.ndarray] = {}
    for argument, value in named_values.items():
        array = np.asarray(value)
        if not np.issubdtype(array.dtype, np.floating):
            raise ValueError(f"Invalid {argument}: expected a floating-point array, received dtype {array.dtype}.")
        arrays[argument] = array
    (first_argument, first), *rest = arrays.items()
    for argument, array in rest:
        if array.dtype != first.dtype:
            raise ValueError(
                f"Invalid {argument}: expected dtype {first.dtype} (the dtype of {first_argument}), "
                f"received {array.dtype}."
            )
    return arrays


def _units_from_bias(argument: str, bias: np.ndarray, blocks: int) -> int:
    """``units`` read from a 1-D bias made of ``blocks`` gate blocks."""
    if bias.ndim != 1 or bias.shape[0] == 0 or bias.shape[0] % blocks:
        formula = "(units,)" if blocks == 1 else f"({blocks}*units,)"
        raise ValueError(
            f"Invalid {argument}: expected a 1-D shape {formula} with units >= 1, "
            f"received {_format_shape(bias.shape)}."
        )
    return bias.shape[0] // blocks


def _units_note(units: int, argument: str, bias: np.ndarray) -> str:
    return f"(units = {units} is read from {argument} of shape {_format_shape(bias.shape)}.)"


def _require_free_rows(argument: str, array: np.ndarray, formula: str, min_rows: int,
                             columns: int, note: str) -> int:
    """Check a 2-D array whose row count is free (>= ``min_rows``); returns the row count."""
    if array.ndim != 2 or array.shape[0] < min_rows or array.shape[1] != columns:
        rows = array.shape[0] if array.ndim == 2 and array.shape[0] >= min_rows else f">={min_rows}"
        raise _shape_error(argument, formula, (rows, columns), array, note)
    return array.shape[0]


def _require_projection(argument: str, projection: np.ndarray, units: int, note: str) -> int:
    """Check a ``[units, num_proj]`` projection kernel; returns ``num_proj``."""
    if projection.ndim != 2 or projection.shape[0] != units or projection.shape[1] < 1:
        columns = projection.shape[1] if projection.ndim == 2 and projection.shape[1] >= 1 else "num_proj"
        raise _shape_error(argument, "(units, num_proj)", (units, columns), projection, note)
    return projection.shape[1]


def _arg(name: str) -> str:
    return f"`{name}`"


def _weights_list(weights: Any, names: Sequence[str], what: str) -> list[Any]:
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence) or len(weights) != len(names):
        received = f"{len(weights)} arrays" if isinstance(weights, Sequence) else repr(type(weights).__name__)
        raise ValueError(
            f"Invalid `weights`: expected {len(names)} arrays [{', '.join(names)}] ({what}), received {received}."
        )
    return list(weights)


def _weight_labels(names: Sequence[str]) -> list[str]:
    return [f"`weights[{index}]` ({name})" for index, name in enumerate(names)]


# --- BasicRNNCell ---------------------------------------------------------------------


def basic_rnn_to_keras(kernel: Any, bias: Any, input_size: int) -> list[np.ndarray]:
    """TF1 ``BasicRNNCell`` weights to ``keras.layers.SimpleRNNCell`` weights.

    TF1 layout (``basic_rnn_cell/...``):
        ``kernel [in+units, units]`` over ``concat([x, h])``; ``bias [units]``.
        ``h' = activation(concat([x, h]) @ kernel + bias)``.

    Keras 3 layout (``SimpleRNNCell.get_weights()``):
        ``[kernel [in, units], recurrent_kernel [units, units], bias [units]]``;
        ``h' = activation(x @ kernel + h @ recurrent_kernel + bias)``.

    The conversion is the row split ``kernel[:in]`` / ``kernel[in:]``.

    Args:
        kernel, bias: the TF1 variables.
        input_size: width of the cell's input ``x``.

    Returns:
        ``[kernel, recurrent_kernel, bias]`` for ``cell.set_weights``.
    """
    input_size = _require_input_size(input_size)
    arrays = _weights({"`kernel`": kernel, "`bias`": bias})
    kernel, bias = arrays["`kernel`"], arrays["`bias`"]
    units = _units_from_bias("`bias`", bias, 1)
    _require_shape("`kernel`", kernel, "(in+units, units)", (input_size + units, units),
                   _units_note(units, "`bias`", bias))
    return [_copy(kernel[:input_size]), _copy(kernel[input_size:]), _copy(bias)]


def keras_to_basic_rnn(weights: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Keras 3 ``SimpleRNNCell`` weights to TF1 ``BasicRNNCell`` variables.

    Inverse of :func:`basic_rnn_to_keras` (see it for both layouts).

    Args:
        weights: ``[kernel [in, units], recurrent_kernel [units, units], bias [units]]``.

    Returns:
        ``(kernel [in+units, units], bias [units])`` — TF1's ``basic_rnn_cell/kernel``
        and ``basic_rnn_cell/bias``.
    """
    labels = _weight_labels(KERAS_RNN_WEIGHTS)
    arrays = _weights(dict(zip(labels, _weights_list(weights, KERAS_RNN_WEIGHTS, "SimpleRNNCell"))))
    kernel, recurrent_kernel, bias = arrays.values()
    units = _units_from_bias(labels[2], bias, 1)
    note = _units_note(units, labels[2], bias)
    _require_free_rows(labels[0], kernel, "(in, units)", 1, units, note)
    _require_shape(labels[1], recurrent_kernel, "(units, units)", (units, units), note)
    return np.concatenate([kernel, recurrent_kernel], axis=0), _copy(bias)


# --- GRUCell / GRUBlockCell -------------------------------------------------------------


def _tf1_gru_to_keras(input_size: Any, arguments: Mapping[str, Any]) -> list[np.ndarray]:
    """Shared body of the TF1-layout GRU converters; ``arguments`` keep the caller's names.

    Keys, in order: gates kernel, gates bias, candidate kernel, candidate bias.
    """
    input_size = _require_input_size(input_size)
    labels = [_arg(name) for name in arguments]
    arrays = _weights(dict(zip(labels, arguments.values())))
    gates_kernel, gates_bias, candidate_kernel, candidate_bias = arrays.values()
    gates_kernel_label, gates_bias_label, candidate_kernel_label, candidate_bias_label = labels
    units = _units_from_bias(candidate_bias_label, candidate_bias, 1)
    note = _units_note(units, candidate_bias_label, candidate_bias)
    _require_shape(gates_kernel_label, gates_kernel, "(in+units, 2*units)", (input_size + units, 2 * units), note)
    _require_shape(gates_bias_label, gates_bias, "(2*units,)", (2 * units,), note)
    _require_shape(candidate_kernel_label, candidate_kernel, "(in+units, units)", (input_size + units, units), note)
    return [
        _tf1_gru_blocks_to_keras(gates_kernel[:input_size], candidate_kernel[:input_size]),
        _tf1_gru_blocks_to_keras(gates_kernel[input_size:], candidate_kernel[input_size:]),
        _tf1_gru_blocks_to_keras(gates_bias, candidate_bias),
    ]


def gru_to_keras(gates_kernel: Any, gates_bias: Any, candidate_kernel: Any, candidate_bias: Any,
                 input_size: int) -> list[np.ndarray]:
    """TF1 ``GRUCell`` weights to ``keras.layers.GRUCell(reset_after=False)`` weights.

    TF1 layout (``gru_cell/...``):
        ``gates/kernel [in+units, 2*units]``, ``gates/bias [2*units]``, column
        blocks ``(r, u)`` (reset, update); ``candidate/kernel [in+units, units]``,
        ``candidate/bias [units]``::

            r, u = sigmoid(concat([x, h]) @ gates/kernel + gates/bias)
            c = activation(concat([x, r * h]) @ candidate/kernel + candidate/bias)
            h' = u * h + (1 - u) * c

    Keras 3 layout (``GRUCell(reset_after=False).get_weights()``):
        ``[kernel [in, 3*units], recurrent_kernel [units, 3*units], bias [3*units]]``,
        blocks ``(z, r, h)`` with ``z`` = TF1's ``u``; the reset gate multiplies
        ``h`` *before* the recurrent matmul, as in TF1. The Keras default
        ``reset_after=True`` computes something else: do not use it with these.

    The conversion: ``kernel = [G[:in, u:] | G[:in, :u] | C[:in]]``,
    ``recurrent_kernel`` the same with ``[in:]``, ``bias = [gb[u:] | gb[:u] | cb]``.

    Args:
        gates_kernel, gates_bias, candidate_kernel, candidate_bias: the TF1 variables.
        input_size: width of the cell's input ``x``.

    Returns:
        ``[kernel, recurrent_kernel, bias]`` for ``cell.set_weights``.
    """
    return _tf1_gru_to_keras(input_size, {
        "gates_kernel": gates_kernel, "gates_bias": gates_bias,
        "candidate_kernel": candidate_kernel, "candidate_bias": candidate_bias,
    })


def keras_to_gru(weights: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keras 3 ``GRUCell(reset_after=False)`` weights to TF1 ``GRUCell`` variables.

    Inverse of :func:`gru_to_keras` (see it for both layouts). Weights of a
    ``reset_after=True`` cell (bias ``[2, 3*units]``) have no TF1 ``GRUCell``
    equivalent and are refused.

    Args:
        weights: ``[kernel [in, 3*units], recurrent_kernel [units, 3*units], bias [3*units]]``.

    Returns:
        ``(gates_kernel [in+units, 2*units], gates_bias [2*units],
        candidate_kernel [in+units, units], candidate_bias [units])``.
    """
    labels = _weight_labels(KERAS_RNN_WEIGHTS)
    arrays = _weights(dict(zip(labels, _weights_list(weights, KERAS_RNN_WEIGHTS, "GRUCell(reset_after=False)"))))
    kernel, recurrent_kernel, bias = arrays.values()
    if bias.ndim == 2:
        raise ValueError(
            f"Invalid {labels[2]}: expected a 1-D shape (3*units,) of GRUCell(reset_after=False), "
            f"received {_format_shape(bias.shape)} (a reset_after=True bias; TF1's GRUCell has no equivalent)."
        )
    units = _units_from_bias(labels[2], bias, len(KERAS_GRU_GATES))
    note = _units_note(units, labels[2], bias)
    _require_free_rows(labels[0], kernel, "(in, 3*units)", 1, 3 * units, note)
    _require_shape(labels[1], recurrent_kernel, "(units, 3*units)", (units, 3 * units), note)
    gates_x, candidate_x = _keras_gru_blocks_to_tf1(kernel)
    gates_h, candidate_h = _keras_gru_blocks_to_tf1(recurrent_kernel)
    gates_bias, candidate_bias = _keras_gru_blocks_to_tf1(bias)
    return (
        np.concatenate([gates_x, gates_h], axis=0), gates_bias,
        np.concatenate([candidate_x, candidate_h], axis=0), candidate_bias,
    )


def gru_block_to_keras(w_ru: Any, b_ru: Any, w_c: Any, b_c: Any, input_size: int) -> list[np.ndarray]:
    """contrib ``GRUBlockCell`` weights to ``keras.layers.GRUCell(reset_after=False)`` weights.

    TF1 layout (``tf.contrib.rnn.GRUBlockCell``, variables ``gru_cell/{w_ru,b_ru,w_c,b_c}``;
    ``GRUBlockCellV2`` names the same arrays ``gates/{kernel,bias}``,
    ``candidate/{kernel,bias}``):
        ``w_ru [in+units, 2*units]``, ``b_ru [2*units]`` — gate blocks ``(r, u)``;
        ``w_c [in+units, units]``, ``b_c [units]`` — the candidate. The equations
        are ``GRUCell``'s, with ``tanh`` as the candidate activation.

    Keras 3 layout: as :func:`gru_to_keras` —
    ``[kernel [in, 3*units], recurrent_kernel [units, 3*units], bias [3*units]]``,
    blocks ``(z, r, h)`` with ``z`` = TF1's ``u``.

    Returns:
        ``[kernel, recurrent_kernel, bias]`` for ``cell.set_weights``.
    """
    return _tf1_gru_to_keras(input_size, {"w_ru": w_ru, "b_ru": b_ru, "w_c": w_c, "b_c": b_c})


# --- LSTMCell / BasicLSTMCell / LSTMBlockCell / CudnnCompatibleLSTMCell -------------------


def _tf1_lstm_to_keras_unchecked(kernel: np.ndarray, bias: np.ndarray, input_size: int,
                                 forget_bias: float) -> list[np.ndarray]:
    return [
        _tf1_lstm_blocks_to_keras(kernel[:input_size]),
        _tf1_lstm_blocks_to_keras(kernel[input_size:]),
        _tf1_lstm_blocks_to_keras(_shift_block(bias, TF1_LSTM_GATES, LSTM_FORGET_GATE, forget_bias)),
    ]


def _keras_lstm_to_tf1_unchecked(kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray,
                                 forget_bias: float) -> tuple[np.ndarray, np.ndarray]:
    tf1_kernel = _keras_lstm_blocks_to_tf1(np.concatenate([kernel, recurrent_kernel], axis=0))
    tf1_bias = _keras_lstm_blocks_to_tf1(_shift_block(bias, KERAS_LSTM_GATES, LSTM_FORGET_GATE, -forget_bias))
    return tf1_kernel, tf1_bias


def lstm_to_keras(kernel: Any, bias: Any, input_size: int, forget_bias: float) -> list[np.ndarray]:
    """TF1 ``LSTMCell`` / ``BasicLSTMCell`` weights to ``keras.layers.LSTMCell`` weights.

    TF1 layout (``lstm_cell/...`` or ``basic_lstm_cell/...``):
        ``kernel [in+h, 4*units]`` over ``concat([x, h])``, ``bias [4*units]``,
        column blocks ``(i, j, f, o)`` (input gate, candidate, forget gate,
        output gate)::

            i, j, f, o = split(concat([x, h]) @ kernel + bias, 4)
            c' = sigmoid(f + forget_bias) * c + sigmoid(i) * activation(j)
            h' = sigmoid(o) * activation(c')

        ``forget_bias`` (default 1.0) is a constructor argument added at every
        step; it is **not** stored in checkpoints.

    Keras 3 layout (``LSTMCell.get_weights()``):
        ``[kernel [in, 4*units], recurrent_kernel [h, 4*units], bias [4*units]]``,
        blocks ``(i, f, c, o)`` with ``c`` = TF1's ``j``; no forget bias of its
        own at run time, so ``forget_bias`` is folded into the ``f`` block of
        ``bias`` here.

    ``units`` is read from ``bias`` (``bias.shape[0] // 4``) and the recurrent
    width ``h`` from ``kernel.shape[0] - input_size``: ``h`` differs from
    ``units`` for a TF1 ``LSTMCell(num_proj=...)`` (then use
    :func:`lstm_peephole_projection_to_keras`, which also converts the
    projection; ``keras.layers.LSTMCell`` itself needs ``h == units``).

    Args:
        kernel, bias: the TF1 variables.
        input_size: width of the cell's input ``x``.
        forget_bias: the TF1 cell's ``forget_bias``. Required: the checkpoint
            does not say, and a wrong value changes every output.

    Returns:
        ``[kernel, recurrent_kernel, bias]`` for ``cell.set_weights``.
    """
    input_size = _require_input_size(input_size)
    forget_bias = _require_forget_bias(forget_bias)
    arrays = _weights({"`kernel`": kernel, "`bias`": bias})
    kernel, bias = arrays["`kernel`"], arrays["`bias`"]
    units = _units_from_bias("`bias`", bias, len(TF1_LSTM_GATES))
    _require_free_rows("`kernel`", kernel, "(in+h, 4*units)", input_size + 1, 4 * units,
                             _units_note(units, "`bias`", bias))
    return _tf1_lstm_to_keras_unchecked(kernel, bias, input_size, forget_bias)


def keras_to_lstm(weights: Sequence[Any], forget_bias: float) -> tuple[np.ndarray, np.ndarray]:
    """Keras 3 ``LSTMCell`` weights to TF1 ``LSTMCell`` / ``BasicLSTMCell`` variables.

    Inverse of :func:`lstm_to_keras` (see it for both layouts): blocks back to
    ``(i, j, f, o)``, kernels stacked over ``concat([x, h])``, and
    ``forget_bias`` subtracted from the forget block, because the TF1 cell that
    loads the result adds it again at every step.

    Args:
        weights: ``[kernel [in, 4*units], recurrent_kernel [h, 4*units], bias [4*units]]``.
        forget_bias: the ``forget_bias`` of the TF1 cell that will use the variables.

    Returns:
        ``(kernel [in+h, 4*units], bias [4*units])``. The round trip through
        :func:`lstm_to_keras` is exact except for one rounding of the forget block.
    """
    forget_bias = _require_forget_bias(forget_bias)
    labels = _weight_labels(KERAS_RNN_WEIGHTS)
    arrays = _weights(dict(zip(labels, _weights_list(weights, KERAS_RNN_WEIGHTS, "LSTMCell"))))
    kernel, recurrent_kernel, bias = arrays.values()
    units = _units_from_bias(labels[2], bias, len(KERAS_LSTM_GATES))
    note = _units_note(units, labels[2], bias)
    _require_free_rows(labels[0], kernel, "(in, 4*units)", 1, 4 * units, note)
    _require_free_rows(labels[1], recurrent_kernel, "(h, 4*units)", 1, 4 * units, note)
    return _keras_lstm_to_tf1_unchecked(kernel, recurrent_kernel, bias, forget_bias)


def lstm_peephole_projection_to_keras(
    kernel: Any,
    bias: Any,
    input_size: int,
    forget_bias: float,
    w_i_diag: Any = None,
    w_f_diag: Any = None,
    w_o_diag: Any = None,
    projection_kernel: Any = None,
) -> list[np.ndarray]:
    """TF1 ``LSTMCell(use_peepholes, num_proj, ...)`` weights to ``tf2_port.cells.TF1LSTMCell`` weights.

    TF1 layout (``lstm_cell/...``):
        ``kernel [in+h, 4*units]``, ``bias [4*units]``, blocks ``(i, j, f, o)``
        as in :func:`lstm_to_keras`; with ``use_peepholes`` also
        ``w_i_diag, w_f_diag, w_o_diag [units]``; with ``num_proj`` also
        ``projection/kernel [units, num_proj]``, and then ``h = num_proj``
        (the projected output is what is fed back), otherwise ``h = units``.
        ``cell_clip`` / ``proj_clip`` are constructor arguments, not variables.

    Keras 3 layout (``TF1LSTMCell.get_weights()``, gate order ``(i, f, c, o)``):
        ``[kernel [in, 4*units], recurrent_kernel [h, 4*units], bias [4*units]]``
        with ``forget_bias`` folded into the ``f`` block of ``bias``, then
        ``[input_gate_peephole, forget_gate_peephole, output_gate_peephole] [units]``
        (TF1's ``w_i_diag, w_f_diag, w_o_diag`` as they are) when peepholes are
        given, then ``[projection_kernel [units, num_proj]]`` (as it is) when a
        projection is given.

    Args:
        kernel, bias: the TF1 variables.
        input_size: width of the cell's input ``x``.
        forget_bias: the TF1 cell's ``forget_bias`` (not stored in checkpoints).
        w_i_diag, w_f_diag, w_o_diag: all three peephole vectors, or none.
        projection_kernel: TF1's ``projection/kernel``, or None.

    Returns:
        The weight list for ``TF1LSTMCell.set_weights``.
    """
    input_size = _require_input_size(input_size)
    forget_bias = _require_forget_bias(forget_bias)
    # Ordered as the table, which is also the order of TF1LSTMCell's peephole weights.
    peepholes = dict(zip(TF1_LSTM_PEEPHOLES, (w_i_diag, w_f_diag, w_o_diag)))
    given = [name for name, value in peepholes.items() if value is not None]
    if given and len(given) != len(peepholes):
        missing = [name for name in peepholes if name not in given]
        raise ValueError(
            f"Invalid `{missing[0]}`: expected all of `w_i_diag`, `w_f_diag`, `w_o_diag` or none, "
            f"received only {', '.join(f'`{name}`' for name in given)}."
        )
    named = {"`kernel`": kernel, "`bias`": bias}
    named.update({f"`{name}`": peepholes[name] for name in given})
    if projection_kernel is not None:
        named["`projection_kernel`"] = projection_kernel
    arrays = _weights(named)
    kernel, bias = arrays["`kernel`"], arrays["`bias`"]
    units = _units_from_bias("`bias`", bias, len(TF1_LSTM_GATES))
    note = _units_note(units, "`bias`", bias)
    extras: list[np.ndarray] = []
    for name in given:
        diag = arrays[f"`{name}`"]
        _require_shape(f"`{name}`", diag, "(units,)", (units,), note)
        extras.append(_copy(diag))
    if projection_kernel is not None:
        projection = arrays["`projection_kernel`"]
        recurrent_width = _require_projection("`projection_kernel`", projection, units, note)
        _require_shape("`kernel`", kernel, "(in+num_proj, 4*units)", (input_size + recurrent_width, 4 * units),
                       f"(units = {units} is read from `bias`, num_proj = {recurrent_width} from `projection_kernel`.)")
        extras.append(_copy(projection))
    else:
        _require_shape("`kernel`", kernel, "(in+units, 4*units)", (input_size + units, 4 * units), note)
    return _tf1_lstm_to_keras_unchecked(kernel, bias, input_size, forget_bias) + extras


def keras_to_lstm_peephole_projection(weights: Sequence[Any], forget_bias: float) -> dict[str, np.ndarray | None]:
    """``tf2_port.cells.TF1LSTMCell`` weights to TF1 ``LSTMCell`` variables.

    Inverse of :func:`lstm_peephole_projection_to_keras` (see it for both
    layouts). Which optional weights are present is read from the list length:
    3 (plain), 4 (projection), 6 (peepholes), 7 (peepholes and projection).

    Args:
        weights: ``TF1LSTMCell.get_weights()``.
        forget_bias: the ``forget_bias`` of the TF1 cell that will use the variables.

    Returns:
        ``{"kernel", "bias", "w_i_diag", "w_f_diag", "w_o_diag", "projection_kernel"}``
        — the keyword arguments of :func:`lstm_peephole_projection_to_keras`,
        absent weights as None. ``projection_kernel`` is TF1's ``projection/kernel``.
    """
    forget_bias = _require_forget_bias(forget_bias)
    peephole_names = KERAS_LSTM_PEEPHOLES
    layouts = {
        3: KERAS_RNN_WEIGHTS,
        4: KERAS_RNN_WEIGHTS + ("projection_kernel",),
        6: KERAS_RNN_WEIGHTS + peephole_names,
        7: KERAS_RNN_WEIGHTS + peephole_names + ("projection_kernel",),
    }
    count = len(weights) if isinstance(weights, Sequence) and not isinstance(weights, (str, bytes)) else None
    if count not in layouts:
        received = f"{count} arrays" if count is not None else repr(type(weights).__name__)
        raise ValueError(
            "Invalid `weights`: expected TF1LSTMCell weights, 3, 4, 6 or 7 arrays "
            f"([kernel, recurrent_kernel, bias] + 3 peepholes if any + projection_kernel if any), "
            f"received {received}."
        )
    names = layouts[count]
    labels = _weight_labels(names)
    arrays = dict(zip(names, _weights(dict(zip(labels, weights))).values()))
    label_of = dict(zip(names, labels))
    bias = arrays["bias"]
    units = _units_from_bias(label_of["bias"], bias, len(KERAS_LSTM_GATES))
    note = _units_note(units, label_of["bias"], bias)
    _require_free_rows(label_of["kernel"], arrays["kernel"], "(in, 4*units)", 1, 4 * units, note)
    recurrent_width = units
    if "projection_kernel" in arrays:
        recurrent_width = _require_projection(label_of["projection_kernel"], arrays["projection_kernel"], units, note)
    _require_shape(label_of["recurrent_kernel"], arrays["recurrent_kernel"],
                   "(num_proj, 4*units)" if "projection_kernel" in arrays else "(units, 4*units)",
                   (recurrent_width, 4 * units), note)
    for name in (name for name in peephole_names if name in arrays):
        _require_shape(label_of[name], arrays[name], "(units,)", (units,), note)
    kernel, bias = _keras_lstm_to_tf1_unchecked(arrays["kernel"], arrays["recurrent_kernel"], bias, forget_bias)
    result: dict[str, np.ndarray | None] = {"kernel": kernel, "bias": bias}
    for tf1_name, keras_name in zip(TF1_LSTM_PEEPHOLES, peephole_names):
        result[tf1_name] = _copy(arrays[keras_name]) if keras_name in arrays else None
    result["projection_kernel"] = _copy(arrays["projection_kernel"]) if "projection_kernel" in arrays else None
    return result


def lstm_block_to_keras(kernel: Any, bias: Any, input_size: int, forget_bias: float) -> list[np.ndarray]:
    """contrib ``LSTMBlockCell`` / ``LSTMBlockFusedCell`` weights to ``keras.layers.LSTMCell`` weights.

    TF1 layout (``tf.contrib.rnn.LSTMBlockCell``, default scope ``lstm_cell`` for
    checkpoint compatibility with ``LSTMCell``; ``LSTMBlockFusedCell``):
        ``kernel [in+units, 4*units]``, ``bias [4*units]``, blocks
        ``(i, cs, f, o)`` — the same as ``LSTMCell``'s ``(i, j, f, o)``;
        ``forget_bias`` (default 1.0) is added at every step and not saved;
        the candidate and cell activations are always ``tanh``. Clipping: the
        raw ``LSTMBlockCell`` op's default ``cell_clip`` is 3.0, but the Python
        ``LSTMBlockCell(cell_clip=None)`` passes -1, meaning no clipping — the
        case ``keras.layers.LSTMCell`` reproduces. A clipped or peephole block
        cell (``w_i_diag, w_f_diag, w_o_diag``, same equations as ``LSTMCell``'s)
        needs :func:`lstm_peephole_projection_to_keras` and ``TF1LSTMCell``.

    Keras 3 layout: as :func:`lstm_to_keras` —
    ``[kernel [in, 4*units], recurrent_kernel [units, 4*units], bias [4*units]]``,
    blocks ``(i, f, c, o)``, ``forget_bias`` folded into the ``f`` block.

    Returns:
        ``[kernel, recurrent_kernel, bias]`` for ``cell.set_weights``.
    """
    # The block cells have no projection, so the recurrent width must be units.
    return lstm_peephole_projection_to_keras(kernel, bias, input_size, forget_bias)


# --- cuDNN canonical (CudnnCompatible*Cell) ------------------------------------------


def cudnn_lstm_to_keras(kernel: Any, bias: Any, input_size: int) -> list[np.ndarray]:
    """``CudnnLSTM`` canonical weights to ``keras.layers.LSTMCell`` weights.

    TF1 layout (``CudnnCompatibleLSTMCell``, variables
    ``.../cudnn_compatible_lstm_cell/{kernel,bias}``; the opaque
    ``cudnn_lstm/opaque_kernel`` is not needed):
        ``kernel [in+units, 4*units]``, ``bias [4*units]``, blocks
        ``(i, j, f, o)`` as ``LSTMCell``. The cell is an ``LSTMBlockCell`` with
        ``forget_bias=0``, and cuDNN's two biases are saved already summed
        (``bias = b_w + b_r``).

    Keras 3 layout: as :func:`lstm_to_keras` with ``forget_bias=0`` —
    ``[kernel [in, 4*units], recurrent_kernel [units, 4*units], bias [4*units]]``,
    blocks ``(i, f, c, o)``. (Keras' own cuDNN path also sums its single bias.)

    Returns:
        ``[kernel, recurrent_kernel, bias]`` for ``cell.set_weights``.
    """
    return lstm_peephole_projection_to_keras(kernel, bias, input_size, forget_bias=0.0)


def cudnn_gru_to_keras(
    gates_kernel: Any,
    gates_bias: Any,
    input_projection_kernel: Any,
    input_projection_bias: Any,
    hidden_projection_kernel: Any,
    hidden_projection_bias: Any,
    input_size: int,
) -> list[np.ndarray]:
    """``CudnnGRU`` canonical weights to ``keras.layers.GRUCell(reset_after=True)`` weights.

    TF1 layout (``CudnnCompatibleGRUCell``, variables
    ``.../cudnn_compatible_gru_cell/gates/{kernel,bias}`` and
    ``.../candidate/{input_projection,hidden_projection}/{kernel,bias}``):
        ``gates/kernel [in+units, 2*units]``, ``gates/bias [2*units]``, blocks
        ``(r, u)``; ``input_projection/kernel [in, units]``,
        ``input_projection/bias [units]``, ``hidden_projection/kernel [units, units]``,
        ``hidden_projection/bias [units]``::

            r, u = sigmoid(concat([x, h]) @ gates/kernel + gates/bias)
            c = tanh(x @ Wi + bi + r * (h @ Wh + bh))
            h' = u * h + (1 - u) * c

        The reset gate multiplies the projected ``h`` (cuDNN's form), which is
        what Keras' ``reset_after=True`` computes.

    Keras 3 layout (``GRUCell(reset_after=True).get_weights()``):
        ``[kernel [in, 3*units], recurrent_kernel [units, 3*units], bias [2, 3*units]]``,
        blocks ``(z, r, h)`` with ``z`` = TF1's ``u``; ``bias[0]`` is added to
        the input part, ``bias[1]`` to the recurrent part (inside ``r * (...)``
        for the candidate). The conversion::

            kernel = [G[:in, u:] | G[:in, :u] | Wi]
            recurrent_kernel = [G[in:, u:] | G[in:, :u] | Wh]
            bias = [[gb[u:], gb[:u], bi],
                    [0,      0,      bh]]

    Returns:
        ``[kernel, recurrent_kernel, bias]`` for ``cell.set_weights``.
    """
    input_size = _require_input_size(input_size)
    arguments = {
        "gates_kernel": gates_kernel, "gates_bias": gates_bias,
        "input_projection_kernel": input_projection_kernel, "input_projection_bias": input_projection_bias,
        "hidden_projection_kernel": hidden_projection_kernel, "hidden_projection_bias": hidden_projection_bias,
    }
    arrays = dict(zip(arguments, _weights({_arg(name): value for name, value in arguments.items()}).values()))
    units = _units_from_bias("`input_projection_bias`", arrays["input_projection_bias"], 1)
    note = _units_note(units, "`input_projection_bias`", arrays["input_projection_bias"])
    expected = {
        "gates_kernel": ("(in+units, 2*units)", (input_size + units, 2 * units)),
        "gates_bias": ("(2*units,)", (2 * units,)),
        "input_projection_kernel": ("(in, units)", (input_size, units)),
        "hidden_projection_kernel": ("(units, units)", (units, units)),
        "hidden_projection_bias": ("(units,)", (units,)),
    }
    for name, (formula, shape) in expected.items():
        _require_shape(_arg(name), arrays[name], formula, shape, note)
    gates_kernel, gates_bias = arrays["gates_kernel"], arrays["gates_bias"]
    # cuDNN-compatible gates have one bias; the recurrent row of the gate blocks is 0.
    no_recurrent_gates_bias = np.zeros_like(gates_bias)
    return [
        _tf1_gru_blocks_to_keras(gates_kernel[:input_size], arrays["input_projection_kernel"]),
        _tf1_gru_blocks_to_keras(gates_kernel[input_size:], arrays["hidden_projection_kernel"]),
        np.stack([
            _tf1_gru_blocks_to_keras(gates_bias, arrays["input_projection_bias"]),
            _tf1_gru_blocks_to_keras(no_recurrent_gates_bias, arrays["hidden_projection_bias"]),
        ]),
    ]


__all__ = [
    "KERAS_GRU_GATES", "KERAS_LSTM_GATES", "KERAS_LSTM_PEEPHOLES", "LSTM_FORGET_GATE", "TF1_GRU_CANDIDATE", "TF1_GRU_GATES",
    "TF1_LSTM_GATES", "TF1_LSTM_PEEPHOLES", "TF1_TO_KERAS_GRU_GATE", "TF1_TO_KERAS_LSTM_GATE",
    "basic_rnn_to_keras", "cudnn_gru_to_keras", "cudnn_lstm_to_keras", "gru_block_to_keras",
    "gru_to_keras", "keras_to_basic_rnn", "keras_to_gru", "keras_to_lstm",
    "keras_to_lstm_peephole_projection", "lstm_block_to_keras", "lstm_peephole_projection_to_keras",
    "lstm_to_keras",
]
