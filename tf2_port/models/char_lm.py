"""The d2l deep character language model in Keras 3 (LSTM or GRU), on the fast path.

Stacked ``keras.layers.LSTM`` / ``GRU(reset_after=False)`` layers (fused
kernels; cuDNN on a GPU) — bit-identical to ``RNN(StackedRNNCells)`` with the
same weights — over one-hot inputs, and a dense head, as in d2l's RNNModel.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from tf1_reference.spec import LayerSpec, StackSpec
from tf2_port.build import StackPort

_PACKAGE = "tf1_migrate"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CharLMPort(keras.Model):
    """Deep character LM: one-hot inputs, ``num_layers`` recurrent layers, dense logits.

    Args:
        vocab_size: number of character ids.
        num_hiddens: units per layer (d2l: 256).
        num_layers: recurrent layers (d2l: 2).
        cell: ``"lstm"`` or ``"gru"``.
        num_steps: sequence length the model is built for (calls may use others).
        fast: stacked Keras LSTM/GRU layers (default) instead of ``RNN(StackedRNNCells)``.
        **kwargs: base ``Model`` arguments.

    Call arguments:
        inputs: int ``[batch, time]`` character ids.
        initial_state: None (zeros) or the flat Keras state list (``[h, c]`` per
            LSTM layer, ``[h]`` per GRU layer) — carried across batches when
            training with sequential partitioning, as d2l does.
        training: unused (no dropout); accepted for symmetry.

    Returns:
        ``[logits [batch, time, vocab_size], *final_states]``.

    Example:

    >>> model = CharLMPort(vocab_size=28, num_hiddens=32)
    >>> logits, h0, c0, h1, c1 = model(np.zeros((2, 35), "int32"))
    """

    def __init__(self, vocab_size: int, num_hiddens: int = 256, num_layers: int = 2, cell: str = "lstm",
                 num_steps: int = 35, fast: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if cell not in ("lstm", "gru"):
            raise ValueError(f"Invalid value for `cell`: expected 'lstm' or 'gru', received {cell!r}.")
        self.vocab_size = vocab_size
        self.num_hiddens = num_hiddens
        self.num_layers = num_layers
        self.cell = cell
        self.num_steps = num_steps
        self.fast = fast
        spec = StackSpec(layers=tuple(LayerSpec(cell, num_hiddens) for _ in range(num_layers)),
                         input_size=vocab_size, time_steps=num_steps)
        self.stack = StackPort(spec, fast=fast)
        self.dense = keras.layers.Dense(vocab_size, name="dense")
        self.dense.build((None, num_steps, num_hiddens))
        self.built = True

    def call(self, inputs: Any, initial_state: Any = None, training: Any = None) -> list[Any]:
        one_hot = ops.one_hot(inputs, self.vocab_size, dtype=self.compute_dtype)
        outputs, *states = self.stack(one_hot, initial_state=initial_state, training=training)
        return [self.dense(outputs), *states]

    def set_tf1_variables(self, variables: dict[str, np.ndarray]) -> None:
        """Load ``rnn/multi_rnn_cell/cell_i/{lstm,gru}_cell/*`` and ``dense/{kernel,bias}``."""
        for name in ("dense/kernel", "dense/bias"):
            if name not in variables:
                raise ValueError(f"Missing TF1 variable `{name}`: expected the dense head's weights.")
        self.stack.set_tf1_variables(variables)
        self.dense.set_weights([variables["dense/kernel"], variables["dense/bias"]])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "vocab_size": self.vocab_size, "num_hiddens": self.num_hiddens,
            "num_layers": self.num_layers, "cell": self.cell, "num_steps": self.num_steps, "fast": self.fast,
        }
