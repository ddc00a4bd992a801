"""The course LanguageModel in Keras 3: embedding, LSTM stack with TF1 output dropout, dense logits.

The TF1 class built two graphs sharing variables — keep probability 0.5 when
training, 1.0 when evaluating. Here one model does both through Keras'
``training`` flag; the dropout is TF1's (``DropoutWrapperCell`` with
``output_keep_prob``), not Keras' ``dropout=``, which would draw one input mask
for the whole sequence instead.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from tf1_reference.spec import DropoutSpec, LayerSpec, StackSpec
from tf1_reference.text import WordTokenizer
from tf2_port.build import StackPort

_PACKAGE = "tf1_migrate"


def masked_sequence_loss(logits: Any, targets: Any, inputs: Any) -> Any:
    """Sparse cross-entropy averaged over real (non-padding, id != 0) input positions."""
    mask = ops.cast(ops.sign(inputs), logits.dtype)
    losses = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    return ops.sum(losses * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class LanguageModelPort(keras.Model):
    """The course's LSTM language model.

    Args:
        vocab_size: number of token ids (0 is padding).
        max_length: padded sequence length.
        num_lstm_units: LSTM units and embedding width.
        num_lstm_layers: stacked LSTM layers.
        dropout_keep_prob: TF1 ``output_keep_prob`` when training (the course: 0.5).
        **kwargs: base ``Model`` arguments.

    Call arguments:
        input_sequences: int ``[batch, max_length]``, 0-padded at the end.
        training: dropout on (TF1 ``is_training=True``) or off.

    Returns:
        logits ``[batch, max_length, vocab_size]``; padded steps see zero LSTM
        outputs, as TF1's ``dynamic_rnn`` with ``sequence_length`` gave.

    Example:

    >>> model = LanguageModelPort(vocab_size=50, max_length=10, num_lstm_units=16, num_lstm_layers=2)
    >>> logits = model(np.ones((3, 10), "int32"))
    """

    def __init__(self, vocab_size: int, max_length: int, num_lstm_units: int, num_lstm_layers: int,
                 dropout_keep_prob: float = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.max_length = max_length
        self.num_lstm_units = num_lstm_units
        self.num_lstm_layers = num_lstm_layers
        self.dropout_keep_prob = dropout_keep_prob
        self.tokenizer = WordTokenizer(num_words=vocab_size)
        spec = StackSpec(
            layers=tuple(LayerSpec("lstm", num_lstm_units, wrappers=(DropoutSpec(output_keep_prob=dropout_keep_prob),))
                         for _ in range(num_lstm_layers)),
            use_sequence_length=True, scope="lm/rnn", input_size=num_lstm_units, time_steps=max_length,
        )
        self.embedding = keras.layers.Embedding(vocab_size, num_lstm_units, name="embedding")
        self.stack = StackPort(spec)
        self.dense = keras.layers.Dense(vocab_size, name="dense")
        self.embedding.build((None, max_length))
        self.dense.build((None, max_length, num_lstm_units))
        self.built = True

    def call(self, input_sequences: Any, training: Any = None) -> Any:
        lengths = ops.sum(ops.sign(input_sequences), axis=1)
        outputs = self.stack(self.embedding(input_sequences), sequence_length=lengths, training=training)[0]
        return self.dense(outputs)

    def set_tf1_variables(self, variables: dict[str, np.ndarray]) -> None:
        """Load ``lm/embedding_matrix``, ``lm/rnn/multi_rnn_cell/cell_i/lstm_cell/*`` and ``lm/dense/*``."""
        for name in ("lm/embedding_matrix", "lm/dense/kernel", "lm/dense/bias"):
            if name not in variables:
                raise ValueError(f"Missing TF1 variable `{name}`: expected it in the LanguageModel's variables.")
        self.stack.set_tf1_variables(variables)
        self.embedding.set_weights([variables["lm/embedding_matrix"]])
        self.dense.set_weights([variables["lm/dense/kernel"], variables["lm/dense/bias"]])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "vocab_size": self.vocab_size, "max_length": self.max_length,
            "num_lstm_units": self.num_lstm_units, "num_lstm_layers": self.num_lstm_layers,
            "dropout_keep_prob": self.dropout_keep_prob,
        }
