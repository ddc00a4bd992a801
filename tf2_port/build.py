"""Build the Keras 3 port of a :class:`~tf1_reference.spec.StackSpec`.

    port = StackPort(spec)                   # RNN(StackedRNNCells([...])): the card's form
    port = StackPort(spec, fast=True)        # stacked keras.layers.LSTM/GRU/SimpleRNN
    port.set_tf1_variables(variables)        # {TF1 name: array}, converted exactly
    outputs, *states = port(x, initial_state=keras_states, sequence_length=lengths)

The mapping (ARCHITECTURE.md, "Facts the code encodes"):

* cells: ``BasicRNNCell`` -> ``SimpleRNNCell``; ``GRUCell`` ->
  ``GRUCell(reset_after=False)``; ``BasicLSTMCell`` / ``LSTMCell`` ->
  ``LSTMCell`` (``TF1LSTMCell`` with peepholes, clips or projection);
  ``ResidualWrapper`` -> ``ResidualCell``; ``DropoutWrapper`` ->
  ``DropoutWrapperCell`` (dropped when every keep probability is 1.0).
* drivers: ``dynamic_rnn`` / ``static_rnn`` -> ``RNN``; bidirectional drivers ->
  ``Bidirectional(merge_mode="concat")`` (TF1 scripts concatenated fw/bw);
  ``stack_bidirectional_dynamic_rnn`` -> one ``Bidirectional`` per layer.
* ``sequence_length`` -> a mask with ``zero_output_for_mask=True``;
  ``time_major`` -> transposes in and out.

The port returns ``[sequence_output, *states]`` with the states in the flat
Keras order of :mod:`tf2_port.state` (``[h, c]`` per LSTM layer).
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
from keras import ops

from tf1_reference.spec import DropoutSpec, LayerSpec, ResidualSpec, StackSpec
from tf2_port import convert
from tf2_port.cells import DropoutWrapperCell, ResidualCell, TF1LSTMCell
from tf2_port.names import directions, tf1_cell_prefix
from tf2_port.state import layer_state_sizes
from tf2_port.tf1_names import (
    FAMILY_ROLES, OPTIONAL_ROLE_KEYWORDS, SPEC_KIND_FAMILIES, cell_roles, find_variable_name,
)

_PACKAGE = "tf1_migrate"


def needs_tf1_lstm_cell(layer: LayerSpec) -> bool:
    """True when an LSTM layer uses an option stock Keras ``LSTMCell`` lacks."""
    return layer.kind == "lstm" and (
        layer.use_peepholes or layer.cell_clip is not None or layer.num_proj is not None
    )


def make_base_cell(layer: LayerSpec, dtype: str) -> Any:
    """The Keras 3 cell computing what the layer's TF1 cell computes (no wrappers)."""
    if layer.kind == "basic_rnn":
        return keras.layers.SimpleRNNCell(layer.units, activation=layer.activation, dtype=dtype)
    if layer.kind == "gru":
        # Keras 3 defaults to reset_after=True; TF1's GRUCell applies the reset gate before the matmul.
        return keras.layers.GRUCell(
            layer.units, activation=layer.activation, recurrent_activation="sigmoid",
            reset_after=False, dtype=dtype,
        )
    if needs_tf1_lstm_cell(layer):
        return TF1LSTMCell(
            layer.units, num_proj=layer.num_proj, use_peepholes=layer.use_peepholes,
            cell_clip=layer.cell_clip, proj_clip=layer.proj_clip, activation=layer.activation, dtype=dtype,
        )
    return keras.layers.LSTMCell(
        layer.units, activation=layer.activation, recurrent_activation="sigmoid",
        unit_forget_bias=True, dtype=dtype,
    )


def make_cell(layer: LayerSpec, dtype: str) -> Any:
    """The layer's base cell wrapped as its TF1 wrappers say, innermost first."""
    cell = make_base_cell(layer, dtype)
    for wrapper in layer.wrappers:
        if isinstance(wrapper, ResidualSpec):
            cell = ResidualCell(cell, dtype=dtype)
        elif isinstance(wrapper, DropoutSpec) and not wrapper.is_identity:
            cell = DropoutWrapperCell(
                cell,
                input_keep_prob=wrapper.input_keep_prob,
                output_keep_prob=wrapper.output_keep_prob,
                state_keep_prob=wrapper.state_keep_prob,
                variational_recurrent=wrapper.variational_recurrent,
                # TF1's state filter spares c only inside an LSTMStateTuple.
                drop_whole_state=layer.is_lstm and not layer.state_is_tuple,
                seed=wrapper.seed,
                dtype=dtype,
            )
    return cell


def base_cell(cell: Any) -> Any:
    """The innermost cell of a (possibly wrapped) cell or of a fast RNN layer."""
    cell = getattr(cell, "cell", cell) if isinstance(cell, keras.layers.RNN) else cell
    while isinstance(cell, (ResidualCell, DropoutWrapperCell)):
        cell = cell.cell
    return cell


def fast_form_supported(spec: StackSpec) -> bool:
    """Whether stacked ``keras.layers.LSTM/GRU/SimpleRNN`` layers reproduce the spec exactly.

    Needs stock cells (no TF1LSTMCell), no residual wrapper (``Add`` after a
    masked layer is not zero on padded steps) and no state dropout (it acts
    inside the recurrence). Input and output dropout become ``Dropout`` layers.
    """
    if spec.driver == "stack_bidirectional_dynamic_rnn":
        return False
    for layer in spec.layers:
        if needs_tf1_lstm_cell(layer) or layer.has_residual:
            return False
        dropout = layer.dropout
        if dropout is not None and dropout.state_keep_prob < 1.0:
            return False
    return True


def _fast_layer(layer: LayerSpec, dtype: str, go_backwards: bool = False) -> Any:
    options = dict(return_sequences=True, return_state=True, zero_output_for_mask=True,
                   go_backwards=go_backwards, activation=layer.activation, dtype=dtype)
    if layer.kind == "basic_rnn":
        return keras.layers.SimpleRNN(layer.units, **options)
    if layer.kind == "gru":
        return keras.layers.GRU(layer.units, recurrent_activation="sigmoid", reset_after=False, **options)
    return keras.layers.LSTM(layer.units, recurrent_activation="sigmoid", unit_forget_bias=True, **options)


def _dropout_layer(keep_prob: float, variational: bool, width: int, seed: int | None, dtype: str) -> Any:
    # Variational: one [1, width] mask for all rows and steps, as TF1 draws it.
    noise_shape = (1, 1, width) if variational else None
    return keras.layers.Dropout(1.0 - keep_prob, noise_shape=noise_shape, seed=seed, dtype=dtype)


def _rnn_cells(rnn_layer: Any) -> list[Any]:
    cell = rnn_layer.cell
    return list(cell.cells) if isinstance(cell, keras.layers.StackedRNNCells) else [cell]


def _flatten_states(nested: Sequence[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in nested:
        if isinstance(item, (list, tuple)):
            flat.extend(_flatten_states(item))
        else:
            flat.append(item)
    return flat


@keras.saving.register_keras_serializable(package=_PACKAGE)
class StackPort(keras.Model):
    """The Keras 3 port of a TF1 RNN stack described by a ``StackSpec``.

    Args:
        spec: the stack (a ``StackSpec`` or its ``to_dict()`` form).
        fast: build stacked ``keras.layers.LSTM`` / ``GRU`` / ``SimpleRNN``
            layers (fused kernels; cuDNN on a GPU) instead of one
            ``RNN(StackedRNNCells)``. Same weights, same numbers; only for
            specs where ``fast_form_supported(spec)``.
        **kwargs: base ``Model`` arguments.

    Call arguments:
        inputs: ``[batch, time, input_size]`` (``[time, batch, input_size]``
            when ``spec.time_major``).
        initial_state: None (zeros) or the flat Keras state list (see
            ``tf2_port.state``; convert TF1 states with ``tf1_state_to_keras``).
        sequence_length: None or int lengths ``[batch]``: steps at or past a
            row's length emit zeros and keep the state, as in TF1.
        training: whether dropout wrappers are active.

    Returns:
        ``[sequence_output, *states]``; for bidirectional drivers the output
        is ``concat([fw, bw], -1)``.

    Example:

    >>> from tf1_reference.spec import lstm_stack
    >>> port = StackPort(lstm_stack([8, 8], input_size=3))
    >>> outputs, h0, c0, h1, c1 = port(keras.ops.ones((2, 5, 3)))
    """

    def __init__(self, spec: StackSpec | dict[str, Any], fast: bool = False, **kwargs: Any) -> None:
        if isinstance(spec, dict):
            spec = StackSpec.from_dict(spec)
        if not isinstance(spec, StackSpec):
            raise ValueError(f"Invalid value for `spec`: expected a StackSpec or its dict, received {spec!r}.")
        # The model's own policy decides how Keras casts its inputs on entry: a
        # float32 model would round float64 inputs before any layer sees them.
        kwargs.setdefault("dtype", spec.dtype)
        super().__init__(**kwargs)
        if fast and not fast_form_supported(spec):
            raise ValueError(
                "Invalid value for `fast`: expected False for this spec (the fast form needs stock "
                "cells, no ResidualWrapper, no state dropout, no stacked bidirectional driver), received True."
            )
        self.spec = spec
        self.fast = fast
        dtype = spec.dtype
        self._layer_input_sizes = spec.layer_input_sizes()
        # cells[direction][layer]: the (wrapped) Keras cell or fast layer of each TF1 cell.
        self.cells: dict[str, list[Any]] = {}
        if fast:
            self._build_fast(dtype)
        elif spec.driver == "stack_bidirectional_dynamic_rnn":
            self._build_stack_bidirectional(dtype)
        else:
            self._build_cell_form(dtype)
        self._build_weights()

    # --- construction ----------------------------------------------------------------

    def _rnn(self, cells: list[Any], dtype: str, go_backwards: bool = False) -> Any:
        # Keras' StackedRNNCells unwraps the state of a one-cell stack inside its
        # loop (and then mismatches its own state structure): drive a lone cell bare.
        cell = cells[0] if len(cells) == 1 else keras.layers.StackedRNNCells(cells, dtype=dtype)
        return keras.layers.RNN(cell, return_sequences=True, return_state=True,
                                zero_output_for_mask=True, go_backwards=go_backwards, dtype=dtype)

    def _build_cell_form(self, dtype: str) -> None:
        spec = self.spec
        for direction in directions(spec):
            self.cells[direction] = [make_cell(layer, dtype) for layer in spec.layers]
        if spec.is_bidirectional:
            self.rnn = keras.layers.Bidirectional(
                self._rnn(self.cells["fw"], dtype),
                backward_layer=self._rnn(self.cells["bw"], dtype, go_backwards=True),
                merge_mode="concat", dtype=dtype,
            )
            # Bidirectional re-creates its forward layer from config: use its cells.
            self.cells["fw"] = _rnn_cells(self.rnn.forward_layer)
        else:
            self.rnn = self._rnn(self.cells[""], dtype)

    def _build_stack_bidirectional(self, dtype: str) -> None:
        self.cells = {"fw": [], "bw": []}
        self.rnn_layers = []
        for layer in self.spec.layers:
            cell_fw, cell_bw = make_cell(layer, dtype), make_cell(layer, dtype)
            bidirectional = keras.layers.Bidirectional(
                keras.layers.RNN(cell_fw, return_sequences=True, return_state=True,
                                 zero_output_for_mask=True, dtype=dtype),
                backward_layer=keras.layers.RNN(cell_bw, return_sequences=True, return_state=True,
                                                zero_output_for_mask=True, go_backwards=True, dtype=dtype),
                merge_mode="concat", dtype=dtype,
            )
            self.cells["fw"].extend(_rnn_cells(bidirectional.forward_layer))
            self.cells["bw"].append(cell_bw)
            self.rnn_layers.append(bidirectional)

    def _build_fast(self, dtype: str) -> None:
        spec = self.spec
        self.fast_layers = []  # per layer: (input dropout, rnn layer, output dropout)
        for direction in directions(spec):
            self.cells[direction] = []
        for index, (layer, input_size) in enumerate(zip(spec.layers, self._layer_input_sizes)):
            dropout = layer.dropout
            input_dropout = output_dropout = None
            if dropout is not None and dropout.input_keep_prob < 1.0:
                input_dropout = _dropout_layer(dropout.input_keep_prob, dropout.variational_recurrent,
                                               input_size, dropout.seed, dtype)
            if dropout is not None and dropout.output_keep_prob < 1.0:
                output_dropout = _dropout_layer(dropout.output_keep_prob, dropout.variational_recurrent,
                                                layer.output_size, dropout.seed, dtype)
            if spec.is_bidirectional:
                forward, backward = _fast_layer(layer, dtype), _fast_layer(layer, dtype, go_backwards=True)
                self.cells["fw"].append(forward)
                self.cells["bw"].append(backward)
                rnn_layer = (forward, backward)
            else:
                rnn_layer = _fast_layer(layer, dtype)
                self.cells[""].append(rnn_layer)
            self.fast_layers.append((input_dropout, rnn_layer, output_dropout))

    def _build_weights(self) -> None:
        spec = self.spec
        steps = spec.time_steps
        for direction, cells in self.cells.items():
            for cell, layer, input_size in zip(cells, spec.layers, self._layer_input_sizes):
                if isinstance(cell, keras.layers.RNN):
                    cell.build((None, steps, input_size))
                else:
                    cell.build((None, input_size))
        # Build the container layers too, so that weights exist before any call
        # (set_tf1_variables and .keras loading need them).
        if hasattr(self, "rnn"):
            self.rnn.build((None, steps, spec.input_size))
        for rnn, input_size in zip(getattr(self, "rnn_layers", []), self._layer_input_sizes):
            rnn.build((None, steps, input_size))
        self.built = True

    # --- running ---------------------------------------------------------------------

    def _mask(self, sequence_length: Any, steps: int) -> Any:
        if sequence_length is None:
            return None
        lengths = ops.cast(ops.convert_to_tensor(sequence_length), "int32")
        return ops.arange(steps, dtype="int32")[None, :] < lengths[:, None]

    def _split_per_layer(self, flat_states: Sequence[Any]) -> list[list[Any]]:
        per_layer, start = [], 0
        for layer in self.spec.layers:
            count = len(layer_state_sizes(layer))
            per_layer.append(list(flat_states[start: start + count]))
            start += count
        return per_layer

    def _initial(self, initial_state: Any, batch: Any) -> list[Any]:
        if initial_state is not None:
            return list(initial_state)
        spec = self.spec
        per_layer = [layer_state_sizes(layer) for layer in spec.layers]
        if spec.driver == "stack_bidirectional_dynamic_rnn":  # layer 0 fw, layer 0 bw, layer 1 fw, ...
            sizes = [size for layer_sizes in per_layer for size in layer_sizes * 2]
        else:  # every layer forward, then (bidirectional) every layer backward
            sizes = [size for _ in directions(spec) for layer_sizes in per_layer for size in layer_sizes]
        return [ops.zeros((batch, size), dtype=spec.dtype) for size in sizes]

    def call(self, inputs: Any, initial_state: Any = None, sequence_length: Any = None,
             training: Any = None) -> list[Any]:
        spec = self.spec
        x = ops.transpose(inputs, (1, 0, 2)) if spec.time_major else inputs
        mask = self._mask(sequence_length, spec.time_steps if x.shape[1] is None else x.shape[1])
        states = self._initial(initial_state, ops.shape(x)[0])
        if self.fast:
            output, final = self._call_fast(x, states, mask, training)
        elif spec.driver == "stack_bidirectional_dynamic_rnn":
            output, final = self._call_stack_bidirectional(x, states, mask, training)
        else:
            if spec.is_bidirectional:
                half = len(states) // 2
                initial = self._nest(states[:half]) + self._nest(states[half:])
            else:
                initial = self._nest(states)
            result = self.rnn(x, initial_state=initial, mask=mask, training=training)
            output, final = result[0], _flatten_states(result[1:])
        if spec.time_major:
            output = ops.transpose(output, (1, 0, 2))
        return [output, *final]

    def _nest(self, flat_states: Sequence[Any]) -> list[Any]:
        per_layer = self._split_per_layer(flat_states)
        return per_layer if len(per_layer) > 1 else per_layer[0]

    def _call_stack_bidirectional(self, x: Any, states: list[Any], mask: Any, training: Any) -> Any:
        final: list[Any] = []
        start = 0
        for layer, rnn in zip(self.spec.layers, self.rnn_layers):
            count = 2 * len(layer_state_sizes(layer))
            result = rnn(x, initial_state=states[start: start + count], mask=mask, training=training)
            start += count
            x = result[0]
            final.extend(_flatten_states(result[1:]))
        return x, final

    def _call_fast(self, x: Any, states: list[Any], mask: Any, training: Any) -> Any:
        spec = self.spec
        if spec.is_bidirectional:
            half = len(states) // 2
            per_layer_fw, per_layer_bw = self._split_per_layer(states[:half]), self._split_per_layer(states[half:])
        else:
            per_layer_fw, per_layer_bw = self._split_per_layer(states), None
        final_fw: list[Any] = []
        final_bw: list[Any] = []
        outputs_fw = outputs_bw = x
        for index, (input_dropout, rnn_layer, output_dropout) in enumerate(self.fast_layers):
            if spec.is_bidirectional:
                forward, backward = rnn_layer
                inputs_fw = input_dropout(outputs_fw, training=training) if input_dropout else outputs_fw
                inputs_bw = input_dropout(outputs_bw, training=training) if input_dropout else outputs_bw
                result_fw = forward(inputs_fw, initial_state=per_layer_fw[index], mask=mask, training=training)
                result_bw = backward(inputs_bw, initial_state=per_layer_bw[index], mask=mask, training=training)
                outputs_fw, outputs_bw = result_fw[0], ops.flip(result_bw[0], axis=1)
                if output_dropout:
                    outputs_fw = output_dropout(outputs_fw, training=training)
                    outputs_bw = output_dropout(outputs_bw, training=training)
                # With right padding, go_backwards meets the padded (masked) steps first and
                # holds its state through them: each row is read backwards within its length,
                # as TF1's reverse_sequence does, and the flip puts padded zeros at the end.
                final_fw.extend(result_fw[1:])
                final_bw.extend(result_bw[1:])
            else:
                inputs = input_dropout(outputs_fw, training=training) if input_dropout else outputs_fw
                result = rnn_layer(inputs, initial_state=per_layer_fw[index], mask=mask, training=training)
                outputs_fw = result[0]
                if output_dropout:
                    outputs_fw = output_dropout(outputs_fw, training=training)
                final_fw.extend(result[1:])
        if spec.is_bidirectional:
            return ops.concatenate([outputs_fw, outputs_bw], axis=-1), final_fw + final_bw
        return outputs_fw, final_fw

    # --- weights ---------------------------------------------------------------------

    def set_tf1_variables(self, variables: dict[str, Any]) -> list[str]:
        """Load TF1 variables ``{name: array}`` into every cell, converted exactly.

        Returns the TF1 names used. Raises ``ValueError`` naming any missing
        variable or mis-shaped array; nothing is assigned in that case.
        """
        assignments = []
        used: list[str] = []
        for direction, cells in self.cells.items():
            for index, (cell, layer, input_size) in enumerate(zip(cells, self.spec.layers, self._layer_input_sizes)):
                prefix = tf1_cell_prefix(self.spec, direction, index)
                weights, names = tf1_layer_weights(layer, variables, prefix, input_size)
                assignments.append((base_cell(cell), weights))
                used.extend(names)
        for cell, weights in assignments:
            for variable, value in zip(cell.weights, weights):
                if tuple(variable.shape) != tuple(value.shape):
                    raise ValueError(
                        f"Invalid TF1 weights for `{variable.path}`: expected shape {tuple(variable.shape)} "
                        f"(from the spec), received {tuple(value.shape)} (from the TF1 variables). "
                        "Check the spec's units, num_proj and input_size against the checkpoint."
                    )
        for cell, weights in assignments:  # all checked first: nothing is assigned on error
            cell.set_weights(weights)
        return used

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "spec": self.spec.to_dict(), "fast": self.fast}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "StackPort":
        return cls(**config)


def _tf1_variable(variables: dict[str, Any], prefix: str, role: str) -> tuple[Any, str]:
    """``(array, name)`` of ``role`` under ``prefix``, in TF >= 1.2 or TF 1.0-1.1 spelling."""
    name = find_variable_name(variables, prefix, role)
    if name is None:
        raise ValueError(
            f"Missing TF1 variable `{prefix}/{role}`: expected it in the variables, received none by that name."
        )
    return variables[name], name


def tf1_layer_weights(layer: LayerSpec, variables: dict[str, Any], prefix: str,
                      input_size: int) -> tuple[list[Any], list[str]]:
    """The Keras weight list of one layer's base cell from TF1 variables under ``prefix``.

    Also returns the TF1 names read, in the family's role order (:mod:`tf2_port.tf1_names`).
    """
    family = SPEC_KIND_FAMILIES[layer.kind]
    roles = cell_roles(family, peepholes=layer.use_peepholes, projection=layer.num_proj is not None)
    found = {role: _tf1_variable(variables, prefix, role) for role in roles}
    required = [found[role][0] for role in FAMILY_ROLES[family][0]]
    if layer.kind == "basic_rnn":
        weights = convert.basic_rnn_to_keras(*required, input_size)
    elif layer.kind == "gru":
        weights = convert.gru_to_keras(*required, input_size)
    elif needs_tf1_lstm_cell(layer):
        extras = {OPTIONAL_ROLE_KEYWORDS[role]: found[role][0] for role in roles if role in OPTIONAL_ROLE_KEYWORDS}
        weights = convert.lstm_peephole_projection_to_keras(*required, input_size, layer.forget_bias, **extras)
    else:
        weights = convert.lstm_to_keras(*required, input_size, layer.forget_bias)
    return weights, [found[role][1] for role in roles]


__all__ = [
    "StackPort", "base_cell", "fast_form_supported", "make_base_cell", "make_cell",
    "needs_tf1_lstm_cell", "tf1_layer_weights",
]
