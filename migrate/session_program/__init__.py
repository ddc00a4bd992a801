"""The tf2 level's analysis: a keras-level Session program, split into state and step functions.

A TF1 script builds a graph once and runs pieces of it many times through ``Session.run``.
TensorFlow 2 runs eagerly, so the same program is written as *state* created once (variables,
Keras cells and layers, the optimizer) and one ``@tf.function`` per ``Session.run`` call site
whose parameters are the placeholders that site feeds and whose return value has the
structure that site fetched (TensorFlow's migration guide, "sess.run(f(placeholder),
feed_dict=...) becomes f(input)").

The modules, in the order the work happens:

- :mod:`.resolve`: what a name or attribute chain of the stage's input refers to
  (``tensorflow...``, ``keras...``, ``tf2_port.keras_rnn...``), by binding.
- :mod:`.inline`: graph-building helpers (functions, a model class's methods) the program calls,
  written out where it calls them, so that every graph statement is in the program's block.
- :mod:`.regions`: the module's top-level statements, split into the *graph region* (before the
  one ``Session``) and the *session region*, each graph statement classified (host code,
  placeholder, variable, layer, optimizer, train op, initializer, computation) with the names
  it binds and reads.
- :mod:`.sites`: every ``sess.run`` in the session region: its fetch structure, its feeds, and
  the graph statements it needs (a backward slice).
- :mod:`.native_rnn`: the keras-level runtime's calls (``keras_rnn.static_rnn``,
  ``dynamic_rnn``, ``LSTMStateTuple``) written out as plain Keras 3 code, the (c, h) <-> [h, c]
  swap visible.
- :mod:`.emit`: the new module -- state at module level, the step functions, the call sites;
  with :mod:`.checkpoints` (a ``Saver`` as a ``tf.train.Checkpoint``, its save and restore
  calls) and :mod:`.summaries` (a ``FileWriter``, the graphs and summaries it wrote).

Whatever the analysis cannot restructure exactly raises :class:`Refusal` naming the construct
and the node: the codemod then leaves the file at the keras level with one finding. Nothing is
half-converted.
"""

from __future__ import annotations

import libcst as cst


class Refusal(Exception):
    """The file cannot be restructured exactly: ``node`` is where, ``construct`` what."""

    def __init__(self, node: cst.CSTNode, construct: str, suggestion: str = "") -> None:
        super().__init__(construct)
        self.node = node
        self.construct = construct
        self.suggestion = suggestion
