"""TF1 names the compat level leaves without a home, provided to the *reference* run only.

``tf.contrib.legacy_seq2seq``, ``tf.nn.seq2seq``, ``tf.contrib.seq2seq.sequence_loss`` and
``tf.contrib.layers.optimize_loss`` are gone from TensorFlow 2; the compat level reports them
(TFM101) and leaves them as written, so the compat rewrite alone cannot run. The keras level
converts them to :mod:`tf2_port.keras_rnn`. For ``prove`` to have a reference wherever the
candidate runs, the reference process gets them back under their TF1 names, built from TF1's
own formulas: the losses and ``optimize_loss`` are the project's TF1-formula helpers (plain
TensorFlow ops, no Keras); ``rnn_decoder`` is TF1's loop over the *legacy* cell it is given,
variable sharing included. Nothing here is used by a rewritten script.
"""

from __future__ import annotations

import sys
import types
from typing import Any, Callable, Sequence

import tensorflow as tf


def rnn_decoder(
    decoder_inputs: Sequence[Any],
    initial_state: Any,
    cell: Any,
    loop_function: Callable[[Any, int], Any] | None = None,
    scope: Any = None,
) -> tuple[list[Any], Any]:
    """TF1 ``legacy_seq2seq.rnn_decoder``, as TF 1.15 wrote it, on a legacy cell."""
    with tf.compat.v1.variable_scope(scope or "rnn_decoder"):
        state = initial_state
        outputs: list[Any] = []
        previous = None
        for step, step_input in enumerate(decoder_inputs):
            if loop_function is not None and previous is not None:
                with tf.compat.v1.variable_scope("loop_function", reuse=True):
                    step_input = loop_function(previous, step)
            if step > 0:
                tf.compat.v1.get_variable_scope().reuse_variables()
            output, state = cell(step_input, state)
            outputs.append(output)
            if loop_function is not None:
                previous = output
    return outputs, state


def legacy_sequence_loss(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    softmax_loss_function: Callable[..., Any] | None = None,
    name: str | None = None,
) -> Any:
    """TF1 ``legacy_seq2seq.sequence_loss``: the summed per-example loss, over the batch size."""
    from tf2_port.keras_rnn import sequence_loss_by_example

    cost = tf.reduce_sum(sequence_loss_by_example(
        logits, targets, weights, average_across_timesteps=average_across_timesteps,
        softmax_loss_function=softmax_loss_function,
    ))
    if average_across_batch:
        return cost / tf.cast(tf.shape(targets[0])[0], cost.dtype)
    return cost


def install() -> list[str]:
    """Put the names back on ``tensorflow`` (and ``tensorflow.compat.v1``); return them."""
    from tf2_port.keras_rnn import optimize_loss, sequence_loss, sequence_loss_by_example

    legacy_seq2seq = _module("tensorflow.contrib.legacy_seq2seq", {
        "rnn_decoder": rnn_decoder,
        "sequence_loss_by_example": sequence_loss_by_example,
        "sequence_loss": legacy_sequence_loss,
    })
    seq2seq = _module("tensorflow.contrib.seq2seq", {"sequence_loss": sequence_loss})
    layers = _module("tensorflow.contrib.layers", {"optimize_loss": optimize_loss})
    contrib = _module("tensorflow.contrib", {
        "legacy_seq2seq": legacy_seq2seq, "seq2seq": seq2seq, "layers": layers,
    })
    nn_seq2seq = _module("tensorflow.nn.seq2seq", dict(vars(legacy_seq2seq)))
    for owner in (tf, tf.compat.v1):
        setattr(owner, "contrib", contrib)
    for owner in (tf.nn, tf.compat.v1.nn):
        setattr(owner, "seq2seq", nn_seq2seq)
    return ["tf.contrib.legacy_seq2seq.{rnn_decoder, sequence_loss_by_example, sequence_loss}",
            "tf.nn.seq2seq.*", "tf.contrib.seq2seq.sequence_loss", "tf.contrib.layers.optimize_loss"]


def _module(name: str, attributes: dict[str, Any]) -> types.ModuleType:
    module = types.ModuleType(name, "tf1-migrate prove: TF1 formulas for the reference run")
    # A package with no files: `import tensorflow.contrib.rnn` then fails with "No module named
    # 'tensorflow.contrib.rnn'", the error TF 2 gives, not "tensorflow.contrib is not a package".
    module.__path__ = []
    for key, value in attributes.items():
        if not key.startswith("__"):
            setattr(module, key, value)
    sys.modules[name] = module
    return module
