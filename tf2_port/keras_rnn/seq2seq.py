"""TF1's seq2seq helpers: ``rnn_decoder``, ``basic_rnn_seq2seq`` and the sequence losses.

``rnn_decoder`` steps a Keras cell through :func:`~tf2_port.keras_rnn.call_cell` (and a cell the
keras level left TF1 through TF1's own loop, ``legacy_rnn_decoder``); the losses are TF1's
formulas on logits and integer targets.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Sequence

import keras
import tensorflow as tf

from tf2_port.keras_rnn.drivers import call_cell, static_rnn


def rnn_decoder(
    decoder_inputs: Sequence[Any],
    initial_state: Any,
    cell: Any,
    loop_function: Callable[[Any, int], Any] | None = None,
    scope: Any = None,
) -> tuple[list[Any], Any]:
    """TF1 ``legacy_seq2seq.rnn_decoder``: a loop over the Keras cell, TF1 state structure.

    With ``loop_function``, steps after the first take ``loop_function(previous_output, i)``
    instead of the given input (the sampling decoder).
    """
    if not isinstance(cell, keras.layers.Layer):
        return legacy_rnn_decoder(decoder_inputs, initial_state, cell, loop_function, scope)
    state = initial_state
    outputs: list[Any] = []
    previous = None
    # TF1 ran the cell under variable_scope(scope or "rnn_decoder"): the weights are shared
    # (and named) per that scope.
    with tf.compat.v1.variable_scope(scope or "rnn_decoder"):
        for step, step_input in enumerate(decoder_inputs):
            if loop_function is not None and previous is not None:
                step_input = loop_function(previous, step)
            output, state = call_cell(cell, step_input, state)
            outputs.append(output)
            if loop_function is not None:
                previous = output
    return outputs, state


def legacy_rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
    """TF1's own loop, as TF 1.15 wrote it, for a legacy cell: what the keras level runs for a cell
    it left TF1 (a chain it could not convert whole, TFM506) -- ``legacy_seq2seq`` has no
    TensorFlow 2 home, so its call is this module's either way -- and what prove's reference run
    runs (``migrate.prove.reference_shims``). One copy of TF1's formula: the candidate runs it only
    where the reference's cells are TF1's too."""
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


def basic_rnn_seq2seq(
    encoder_inputs: Sequence[Any],
    decoder_inputs: Sequence[Any],
    cell: Any,
    dtype: Any = tf.float32,
    scope: Any = None,
) -> tuple[list[Any], Any]:
    """TF1 ``legacy_seq2seq.basic_rnn_seq2seq``: a static encoder, its final state starting
    :func:`rnn_decoder`. As in TF 1.x, the encoder runs a *copy* of ``cell`` (its own weights,
    under ``<scope>/rnn``) and the decoder the cell itself (under ``<scope>/rnn_decoder``)."""
    with tf.compat.v1.variable_scope(scope or "basic_rnn_seq2seq"):
        _, encoder_state = static_rnn(copy.deepcopy(cell), encoder_inputs, dtype=dtype)
        return rnn_decoder(decoder_inputs, encoder_state, cell)


def sequence_loss_by_example(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: bool = True,
    softmax_loss_function: Callable[..., Any] | None = None,
    name: str | None = None,
) -> Any:
    """TF1 ``legacy_seq2seq.sequence_loss_by_example``: weighted per-example log-perplexity."""
    del name
    if not len(logits) == len(targets) == len(weights):
        raise ValueError(
            "sequence_loss_by_example: expected logits, targets and weights of one length, got "
            f"{len(logits)}, {len(targets)} and {len(weights)}"
        )
    terms = []
    for logit, target, weight in zip(logits, targets, weights):
        if softmax_loss_function is None:
            crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.reshape(target, [-1]), logits=logit
            )
        else:
            crossent = softmax_loss_function(labels=target, logits=logit)
        terms.append(crossent * weight)
    total = tf.add_n(terms)
    if average_across_timesteps:
        total /= tf.add_n(list(weights)) + 1e-12  # TF1's guard against all-zero weights
    return total


def sequence_loss(
    logits: Any,
    targets: Any,
    weights: Any,
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    sum_over_timesteps: bool = False,
    sum_over_batch: bool = False,
    softmax_loss_function: Callable[..., Any] | None = None,
    name: str | None = None,
) -> Any:
    """TF1 ``contrib.seq2seq.sequence_loss`` (TF 1.15's rules, ``div_no_nan`` included)."""
    del name
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError("sequence_loss: expected at most one of average_across_timesteps and sum_over_timesteps")
    if average_across_batch and sum_over_batch:
        raise ValueError("sequence_loss: expected at most one of average_across_batch and sum_over_batch")
    num_classes = tf.shape(logits)[2]
    flat_logits = tf.reshape(logits, [-1, num_classes])
    flat_targets = tf.reshape(targets, [-1])
    if softmax_loss_function is None:
        crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=flat_targets, logits=flat_logits)
    else:
        crossent = softmax_loss_function(labels=flat_targets, logits=flat_logits)
    crossent *= tf.reshape(weights, [-1])
    if average_across_timesteps and average_across_batch:
        return tf.math.divide_no_nan(tf.reduce_sum(crossent), tf.reduce_sum(weights))
    if sum_over_timesteps and sum_over_batch:
        return tf.math.divide_no_nan(tf.reduce_sum(crossent), tf.cast(tf.math.count_nonzero(weights), crossent.dtype))
    crossent = tf.reshape(crossent, tf.shape(logits)[0:2])
    if average_across_timesteps or sum_over_timesteps:
        summed = tf.reduce_sum(crossent, axis=[1])
        if average_across_timesteps:
            return tf.math.divide_no_nan(summed, tf.reduce_sum(weights, axis=[1]))
        return tf.math.divide_no_nan(summed, tf.cast(tf.math.count_nonzero(weights, axis=[1]), crossent.dtype))
    if average_across_batch or sum_over_batch:
        summed = tf.reduce_sum(crossent, axis=[0])
        if average_across_batch:
            return tf.math.divide_no_nan(summed, tf.reduce_sum(weights, axis=[0]))
        return tf.math.divide_no_nan(summed, tf.cast(tf.math.count_nonzero(weights, axis=[0]), crossent.dtype))
    return crossent
