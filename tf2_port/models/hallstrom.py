"""Hallström's echo model in Keras 3, keeping the packed-state interface.

The TF1 script fed the whole stack's state as one ``[num_layers, 2, batch,
state_size]`` array (c at index 0, h at index 1) and fetched it back every
truncated-backprop batch. The port keeps exactly that signature, so the
training loop around it does not change; inside, the packed array becomes
Keras' per-layer ``[h, c]`` states and back.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from tf1_reference.spec import lstm_stack
from tf2_port.build import StackPort
from tf2_port.state import pack_keras_h_c_to_layers_c_h, unpack_layers_c_h_to_keras_h_c

_PACKAGE = "tf1_migrate"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class HallstromPort(keras.Model):
    """The echo model: ``num_layers`` LSTM layers and a softmax head.

    Args:
        state_size: LSTM units per layer (the article: 4).
        num_layers: LSTM layers (the article: 3).
        num_classes: output classes (the article: 2).
        truncated_backprop_length: time steps per batch (the article: 15).
        batch_size: rows per batch (the article: 5).
        **kwargs: base ``Model`` arguments.

    Call arguments:
        batch_x: ``[batch, time]`` inputs (the echoed bits).
        packed_state: ``[num_layers, 2, batch, state_size]``, c at index 0, h at 1.
        training: unused (the model has no dropout); accepted for symmetry.

    Returns:
        ``(logits [batch, time, num_classes], packed_final_state)`` — the final
        state in the same packed layout as ``packed_state``.

    Example:

    >>> model = HallstromPort()
    >>> logits, state = model(np.zeros((5, 15), "float32"), np.zeros((3, 2, 5, 4), "float32"))
    >>> tuple(state.shape)
    (3, 2, 5, 4)
    """

    def __init__(self, state_size: int = 4, num_layers: int = 3, num_classes: int = 2,
                 truncated_backprop_length: int = 15, batch_size: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state_size = state_size
        self.num_layers = num_layers
        self.num_classes = num_classes
        self.truncated_backprop_length = truncated_backprop_length
        self.batch_size = batch_size
        spec = lstm_stack([state_size] * num_layers, input_size=1, batch_size=batch_size,
                          time_steps=truncated_backprop_length)
        self.stack = StackPort(spec)
        self.head = keras.layers.Dense(num_classes, name="head")
        self.head.build((None, state_size))
        self.built = True

    def call(self, batch_x: Any, packed_state: Any, training: Any = None) -> tuple[Any, Any]:
        x = ops.expand_dims(ops.cast(batch_x, self.compute_dtype), -1)
        outputs, *states = self.stack(x, initial_state=unpack_layers_c_h_to_keras_h_c(packed_state),
                                      training=training)
        return self.head(outputs), pack_keras_h_c_to_layers_c_h(states)

    def loss_and_state(self, batch_x: Any, batch_y: Any, packed_state: Any) -> tuple[Any, Any, Any]:
        """The article's mean sparse cross-entropy, the packed final state and the logits."""
        logits, final_state = self(batch_x, packed_state)
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(batch_y, logits, from_logits=True))
        return loss, final_state, logits

    def set_tf1_variables(self, variables: dict[str, np.ndarray]) -> None:
        """Load the TF1 model's variables (``rnn/multi_rnn_cell/cell_i/lstm_cell/*``, ``W2``, ``b2``)."""
        self.stack.set_tf1_variables(variables)
        for name in ("W2", "b2"):
            if name not in variables:
                raise ValueError(f"Missing TF1 variable `{name}`: expected the softmax head's weights.")
        self.head.set_weights([variables["W2"], np.reshape(variables["b2"], [-1])])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "state_size": self.state_size, "num_layers": self.num_layers,
            "num_classes": self.num_classes, "truncated_backprop_length": self.truncated_backprop_length,
            "batch_size": self.batch_size,
        }
