"""Keras 3 ports of the three seed systems, loadable from their TF1 variables.

* ``HallstromPort`` — Hallström's echo model with the same interface: packed
  state ``[num_layers, 2, batch, state_size]`` (c at 0, h at 1) in, packed
  final state out.
* ``LanguageModelPort`` — the course LanguageModel: embedding, LSTM layers with
  TF1 output dropout (keep 0.5 when training), masked loss.
* ``CharLMPort`` — the d2l deep character LM (LSTM or GRU), fast stacked layers.

Each has ``set_tf1_variables({name: array})`` taking the TF1 model's variables.
"""

from tf2_port.models.char_lm import CharLMPort
from tf2_port.models.hallstrom import HallstromPort
from tf2_port.models.language_model import LanguageModelPort, masked_sequence_loss

__all__ = ["CharLMPort", "HallstromPort", "LanguageModelPort", "masked_sequence_loss"]
