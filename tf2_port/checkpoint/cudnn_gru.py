"""The Keras 3 model of a converted ``CudnnGRU`` stack, which ``StackPort`` cannot build.

Registered with Keras when this package is imported, so that ``keras.saving.load_model``
reads the ``.keras`` files it was saved in.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np
from keras import ops

_PACKAGE = "tf1_migrate"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CudnnGRUStackPort(keras.Model):
    """The Keras 3 port of a unidirectional ``CudnnGRU`` stack (canonical weights).

    ``CudnnCompatibleGRUCell`` applies the reset gate to the projected state
    (``r * (h @ Wh + bh)``), which is Keras' ``GRUCell(reset_after=True)``;
    ``StackPort`` builds only TF1's ``reset_after=False`` GRU, so this model is
    ``RNN(StackedRNNCells([GRUCell(reset_after=True), ...]))`` with
    ``StackPort``'s call contract.

    Args:
        units: the ``num_units`` of each layer, bottom first.
        input_size: width of the inputs.
        **kwargs: base ``Model`` arguments (``name``, ``dtype``).

    Call arguments:
        inputs: ``[batch, time, input_size]``.
        initial_state: None (zeros) or ``[h_0, h_1, ...]``, one per layer.
        sequence_length: None or int lengths ``[batch]``: steps past a row's
            length emit zeros and keep the state, as TF1's ``dynamic_rnn``.
        training: unused (no dropout).

    Returns:
        ``[sequence_output, h_0, h_1, ...]``.

    Example:

    >>> model = CudnnGRUStackPort([8, 8], input_size=3)
    >>> outputs, h0, h1 = model(keras.ops.ones((2, 5, 3)))
    """

    def __init__(self, units: Sequence[int], input_size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        units = [int(u) for u in units]
        if not units or any(u < 1 for u in units):
            raise ValueError(f"Invalid value for `units`: expected a non-empty list of positive ints, received {units!r}.")
        if isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)) or input_size < 1:
            raise ValueError(f"Invalid value for `input_size`: expected a positive int, received {input_size!r}.")
        self.units = units
        self.input_size = int(input_size)
        dtype = self.dtype_policy.variable_dtype
        self.cells = {"": [
            keras.layers.GRUCell(u, activation="tanh", recurrent_activation="sigmoid", reset_after=True, dtype=dtype)
            for u in units
        ]}
        cells = self.cells[""]
        # As StackPort: StackedRNNCells mishandles the state of a one-cell stack.
        cell = cells[0] if len(cells) == 1 else keras.layers.StackedRNNCells(cells, dtype=dtype)
        self.rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True, zero_output_for_mask=True,
                                    dtype=dtype)
        input_sizes = [self.input_size] + units[:-1]
        for layer_cell, width in zip(cells, input_sizes):
            layer_cell.build((None, width))
        self.rnn.build((None, None, self.input_size))
        self.built = True

    def call(self, inputs: Any, initial_state: Any = None, sequence_length: Any = None,
             training: Any = None) -> list[Any]:
        mask = None
        if sequence_length is not None:
            lengths = ops.cast(ops.convert_to_tensor(sequence_length), "int32")
            mask = ops.arange(ops.shape(inputs)[1], dtype="int32")[None, :] < lengths[:, None]
        if initial_state is None:
            batch = ops.shape(inputs)[0]
            initial_state = [ops.zeros((batch, u), dtype=self.compute_dtype) for u in self.units]
        states = list(initial_state)
        nested = [[state] for state in states] if len(states) > 1 else states
        result = self.rnn(inputs, initial_state=nested, mask=mask, training=training)
        final: list[Any] = []
        for item in result[1:]:
            final.extend(item if isinstance(item, (list, tuple)) else [item])
        return [result[0], *final]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": list(self.units), "input_size": self.input_size}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "CudnnGRUStackPort":
        return cls(**config)
