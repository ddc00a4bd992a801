"""TF1 cell arrays -> the weights of a stack's Keras model, with the TF1 -> Keras name mapping.

One converter per cell family (the NumPy layouts are in :mod:`tf2_port.convert`);
:func:`_build_model` builds the stack's ``StackPort`` (or ``CudnnGRUStackPort``) without its
random initial draws and assigns the converted weights cell by cell.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from tf1_reference.spec import StackSpec
from tf2_port import convert
from tf2_port.build import StackPort, base_cell
from tf2_port.checkpoint.cudnn_gru import CudnnGRUStackPort
from tf2_port.checkpoint.discovery import DiscoveredCell, DiscoveredStack, keras_name_for_root
from tf2_port.checkpoint.initial_draws import _no_random_draws
from tf2_port.checkpoint.results import WeightMapping
from tf2_port.checkpoint.settings import Setting
from tf2_port.tf1_names import PROJECTION_ROLE, keras_weight_sources


def _convert_basic_rnn(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.basic_rnn_to_keras(arrays["kernel"], arrays["bias"], cell.input_size)


def _convert_lstm(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    # Without extras this is exactly lstm_to_keras, and with them TF1LSTMCell's layout.
    return convert.lstm_peephole_projection_to_keras(
        arrays["kernel"], arrays["bias"], cell.input_size, settings["forget_bias"],
        w_i_diag=arrays.get("w_i_diag"), w_f_diag=arrays.get("w_f_diag"), w_o_diag=arrays.get("w_o_diag"),
        projection_kernel=arrays.get(PROJECTION_ROLE),
    )


def _convert_gru(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.gru_to_keras(arrays["gates/kernel"], arrays["gates/bias"], arrays["candidate/kernel"],
                                arrays["candidate/bias"], cell.input_size)


def _convert_gru_block(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.gru_block_to_keras(arrays["w_ru"], arrays["b_ru"], arrays["w_c"], arrays["b_c"], cell.input_size)


def _convert_cudnn_lstm(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.cudnn_lstm_to_keras(arrays["kernel"], arrays["bias"], cell.input_size)


def _convert_cudnn_gru(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.cudnn_gru_to_keras(
        arrays["gates/kernel"], arrays["gates/bias"],
        arrays["candidate/input_projection/kernel"], arrays["candidate/input_projection/bias"],
        arrays["candidate/hidden_projection/kernel"], arrays["candidate/hidden_projection/bias"],
        cell.input_size,
    )


FAMILY_CONVERTERS = {
    "basic_rnn": _convert_basic_rnn,
    "lstm": _convert_lstm,
    "gru": _convert_gru,
    "gru_block": _convert_gru_block,
    "cudnn_lstm": _convert_cudnn_lstm,
    "cudnn_gru": _convert_cudnn_gru,
}


def _weight_sources(cell: DiscoveredCell) -> list[tuple[str, ...]]:
    """The TF1 roles each Keras weight of ``cell`` is made from, in ``set_weights`` order."""
    return [roles for _, roles in keras_weight_sources(cell.family, cell.variables)]


def _build_model(stack: DiscoveredStack, spec: StackSpec | None, variables: Mapping[str, np.ndarray],
                 settings: Mapping[str, Mapping[str, Setting]]) -> tuple[Any, list[WeightMapping]]:
    """The stack's Keras model with converted weights, and the name mapping."""
    name = keras_name_for_root(stack.root)
    with _no_random_draws():
        if spec is None:
            model = CudnnGRUStackPort([cell.units for cell in stack.layers], stack.layers[0].input_size,
                                      name=name, dtype=stack.layers[0].dtype)
        else:
            model = StackPort(spec, name=name)
    mapping: list[WeightMapping] = []
    for direction, cells in stack.cells.items():
        for index, cell in enumerate(cells):
            arrays = {role: np.asarray(variables[tf1_name]) for role, tf1_name in cell.variables.items()}
            values = {key: setting.value for key, setting in settings[cell.prefix].items()}
            try:
                weights = FAMILY_CONVERTERS[cell.family](arrays, cell, values)
            except ValueError as error:
                raise ValueError(f"Cannot convert the cell `{cell.prefix}`: {error}") from error
            keras_cell = base_cell(model.cells[direction][index])
            sources = _weight_sources(cell)
            if len(keras_cell.weights) != len(weights) or len(sources) != len(weights):
                raise ValueError(
                    f"Cannot convert the cell `{cell.prefix}`: its Keras cell {type(keras_cell).__name__} has "
                    f"{len(keras_cell.weights)} weights, the converter gave {len(weights)}."
                )
            layer_path = "/".join(part for part in (name, direction, f"layer_{index}") if part)
            for keras_weight, value, roles in zip(keras_cell.weights, weights, sources):
                for role in roles:
                    tf1_name = cell.variables[role]
                    mapping.append(WeightMapping(tf1_name, tuple(np.shape(variables[tf1_name])),
                                                 f"{layer_path}/{keras_weight.name}", tuple(np.shape(value))))
            # Assigned cell by cell (the model is discarded on any error), so that only one
            # cell's TF1 and converted arrays are alive at a time.
            keras_cell.set_weights(weights)
            del arrays, weights
    return model, mapping
