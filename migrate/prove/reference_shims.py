"""TF1 names the compat level leaves without a home, provided to the *reference* run only.

``tf.contrib.legacy_seq2seq``, ``tf.nn.seq2seq``, ``tf.contrib.seq2seq.sequence_loss``,
``tf.contrib.layers.optimize_loss`` / ``embed_sequence`` and ``tf.contrib.learn.run_n`` are gone
from TensorFlow 2; the compat level reports them
(TFM101) and leaves them as written, so the compat rewrite alone cannot run. The keras level
converts them to :mod:`tf2_port.keras_rnn`. For ``prove`` to have a reference wherever the
candidate runs, the reference process gets them back under their TF1 names, built from TF1's
own formulas: the losses, ``optimize_loss``, ``embed_sequence`` and ``run_n`` are the project's
TF1-formula helpers (plain ``tf.compat.v1`` ops and Sessions, no Keras); ``rnn_decoder`` and
``basic_rnn_seq2seq`` are TF1's code over the *legacy* cell they are given, variable sharing
included. Nothing here is used by a rewritten script.
"""

from __future__ import annotations

import copy
import sys
import types
from typing import Any, Callable, Sequence

import tensorflow as tf


def rnn_decoder(*args: Any, **kwargs: Any) -> tuple[list[Any], Any]:
    """TF1 ``legacy_seq2seq.rnn_decoder``, as TF 1.15 wrote it, on a legacy cell (TF1's
    signature: :func:`tf2_port.keras_rnn.seq2seq.legacy_rnn_decoder`)."""
    from tf2_port.keras_rnn.seq2seq import legacy_rnn_decoder

    return legacy_rnn_decoder(*args, **kwargs)


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


def basic_rnn_seq2seq(
    encoder_inputs: Sequence[Any],
    decoder_inputs: Sequence[Any],
    cell: Any,
    dtype: Any = tf.float32,
    scope: Any = None,
) -> tuple[list[Any], Any]:
    """TF1 ``legacy_seq2seq.basic_rnn_seq2seq``, as TF 1.15 wrote it: the encoder runs a
    deep copy of the legacy cell, the decoder the cell itself."""
    with tf.compat.v1.variable_scope(scope or "basic_rnn_seq2seq"):
        _, encoder_state = tf.compat.v1.nn.static_rnn(copy.deepcopy(cell), encoder_inputs, dtype=dtype)
        return rnn_decoder(decoder_inputs, encoder_state, cell)


def install() -> list[str]:
    """Put the names back on ``tensorflow`` (and ``tensorflow.compat.v1``); return them."""
    from tf2_port.keras_rnn import embed_sequence, optimize_loss, run_n, sequence_loss, sequence_loss_by_example

    legacy_seq2seq = _module("tensorflow.contrib.legacy_seq2seq", {
        "rnn_decoder": rnn_decoder,
        "basic_rnn_seq2seq": basic_rnn_seq2seq,
        "sequence_loss_by_example": sequence_loss_by_example,
        "sequence_loss": legacy_sequence_loss,
    })
    seq2seq = _module("tensorflow.contrib.seq2seq", {"sequence_loss": sequence_loss})
    layers = _module("tensorflow.contrib.layers", {"optimize_loss": optimize_loss, "embed_sequence": embed_sequence})
    learn = _module("tensorflow.contrib.learn", {"run_n": run_n})
    contrib = _module("tensorflow.contrib", {
        "legacy_seq2seq": legacy_seq2seq, "seq2seq": seq2seq, "layers": layers, "learn": learn,
    })
    nn_seq2seq = _module("tensorflow.nn.seq2seq", dict(vars(legacy_seq2seq)))
    for owner in (tf, tf.compat.v1):
        setattr(owner, "contrib", contrib)
    for owner in (tf.nn, tf.compat.v1.nn):
        setattr(owner, "seq2seq", nn_seq2seq)
    return ["tf.contrib.legacy_seq2seq.{rnn_decoder, basic_rnn_seq2seq, sequence_loss_by_example, sequence_loss}",
            "tf.nn.seq2seq.*", "tf.contrib.seq2seq.sequence_loss", "tf.contrib.layers.{optimize_loss, embed_sequence}",
            "tf.contrib.learn.run_n"]


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
