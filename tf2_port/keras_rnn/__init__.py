"""TF1's RNN call signatures on native Keras 3 cells: what `tf1-migrate rewrite` (level keras) calls.

A migrated script keeps its TF1 program shape -- a ``tf.compat.v1`` graph, ``feed_dict`` loops,
state tensors it feeds and fetches in TF1 structure -- while every RNN part is a Keras 3 layer:

    cell = keras.layers.StackedRNNCells([keras.layers.LSTMCell(64) for _ in range(2)])
    outputs, state = keras_rnn.dynamic_rnn(cell, x, sequence_length=lengths, initial_state=s0)

Each driver here is a ``keras.layers.RNN(cell, return_sequences=True, return_state=True)`` call
(ARCHITECTURE.md: facts): ``sequence_length`` becomes a mask with ``zero_output_for_mask=True``,
``time_major`` becomes transposes, and the state crosses the boundary with the (c, h) <-> [h, c]
swap, so the script still sees ``LSTMStateTuple(c, h)`` per LSTM layer (a tuple of them for a
stack, or one concatenated matrix for ``state_is_tuple=False``) -- the layout it feeds and fetches
is unchanged.

What TF1 did through variable scopes is kept where scripts rely on it: a driver or ``dense`` call
made again in a scope with ``reuse`` set (``reuse=True``, ``AUTO_REUSE``, ``reuse_variables()``)
uses the weights of the first call made under the same scope and name, as the TF1 variables were
shared. Keras layers otherwise own their weights, so the checkpoint variable names differ from
TF1's: ``tf1-migrate convert-checkpoint`` maps old checkpoints.

Dropout follows TF1, not Keras: ``DropoutWrapper`` drops whenever a keep probability is below 1
(there is no training flag in TF1 graphs), and the keep probabilities may be tensors, such as a
placeholder fed 0.5 while training and 1.0 at evaluation. A keep probability of exactly 1 leaves
every value unchanged (``floor(1 + u) == 1`` for ``u`` in [0, 1)).

The runtime is split by what a reader looks for; every public name is re-exported here, and
scripts call them as ``keras_rnn.X``: :mod:`.states` (``LSTMStateTuple``, the TF1 <-> Keras
state structure, ``zero_state``, ``state_size``), :mod:`.wrappers` (``DropoutWrapper``,
``ResidualWrapper``), :mod:`.scopes` (weight sharing by variable scope), :mod:`.drivers`
(``dynamic_rnn`` and the other drivers, ``call_cell``), :mod:`.seq2seq` (``rnn_decoder``,
``basic_rnn_seq2seq``, the sequence losses), :mod:`.layers` (``dense``, ``functional_layer``,
``dropout``, ``embed_sequence``), :mod:`.training` (``optimize_loss``, ``run_n``) and
:mod:`.restore` (old TF1 checkpoints). TF1's cell constructors (``LSTMCell``, ``MultiRNNCell``...)
come from :mod:`tf2_port.tf1_cells`.
"""

from __future__ import annotations

from tf2_port.keras_rnn.drivers import (
    bidirectional_dynamic_rnn,
    call_cell,
    dynamic_rnn,
    stack_bidirectional_dynamic_rnn,
    static_bidirectional_rnn,
    static_rnn,
)
from tf2_port.keras_rnn.layers import FUNCTIONAL_LAYERS, dense, dropout, embed_sequence, functional_layer
from tf2_port.keras_rnn.restore import _tf_variable  # migrate.prove.hooks hands weights over with it
from tf2_port.keras_rnn.restore import restore_tf1_checkpoint, tf1_variable_assignments
from tf2_port.keras_rnn.seq2seq import basic_rnn_seq2seq, rnn_decoder, sequence_loss, sequence_loss_by_example
from tf2_port.keras_rnn.states import LSTMStateTuple, state_size, to_keras_state, to_tf1_state, zero_state
from tf2_port.keras_rnn.training import optimize_loss, run_n
from tf2_port.keras_rnn.wrappers import DropoutWrapper, ResidualWrapper, TF1DropoutWrapper
from tf2_port.tf1_cells import BasicLSTMCell, BasicRNNCell, ForgetBiasInitializer, GRUCell, LSTMCell, MultiRNNCell
from tf2_port.tf1_cells import flat_state

__all__ = [
    "BasicLSTMCell",
    "BasicRNNCell",
    "DropoutWrapper",
    "GRUCell",
    "LSTMCell",
    "MultiRNNCell",
    "basic_rnn_seq2seq",
    "embed_sequence",
    "run_n",
    "ForgetBiasInitializer",
    "LSTMStateTuple",
    "ResidualWrapper",
    "TF1DropoutWrapper",
    "bidirectional_dynamic_rnn",
    "call_cell",
    "dense",
    "dynamic_rnn",
    "dropout",
    "flat_state",
    "functional_layer",
    "optimize_loss",
    "restore_tf1_checkpoint",
    "rnn_decoder",
    "sequence_loss",
    "sequence_loss_by_example",
    "static_bidirectional_rnn",
    "stack_bidirectional_dynamic_rnn",
    "static_rnn",
    "state_size",
    "to_keras_state",
    "tf1_variable_assignments",
    "to_tf1_state",
    "zero_state",
]
