"""TF1 references of the three seed systems, as real ``tf.compat.v1`` graph code.

* ``HallstromEchoModel`` — Erik Hallström's multi-layer LSTM echo model (seed 001): the whole
  stack's state in one ``[num_layers, 2, batch, state_size]`` placeholder, fed back every
  truncated-backprop batch.
* ``LanguageModel`` — the online course's word-level LSTM language model (seeds 000 and 004):
  ``LSTMCell`` + ``DropoutWrapper(output_keep_prob)`` + ``MultiRNNCell``, masked loss.
* ``CharLanguageModel`` — Dive into Deep Learning's deep character language model (seed 003),
  LSTM or GRU, trained with sequential minibatches and a carried state.

Every model owns one ``tf.Graph`` and one ``tf.compat.v1.Session`` (so eager Keras 3 code can
run in the same process), and shares the small interface of ``SessionModel``: ``get_variables``,
``set_variables``, ``save_checkpoint``, ``close`` and use as a context manager.
"""

from tf1_reference.models.char_lm import CharLMConfig, CharLanguageModel
from tf1_reference.models.hallstrom import HallstromConfig, HallstromEchoModel
from tf1_reference.models.language_model import LanguageModel
from tf1_reference.session_model import SessionModel

__all__ = [
    "CharLMConfig",
    "CharLanguageModel",
    "HallstromConfig",
    "HallstromEchoModel",
    "LanguageModel",
    "SessionModel",
]
