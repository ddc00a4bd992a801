"""TF1's functional layers on Keras 3: ``dense``, ``functional_layer``, ``dropout``, ``embed_sequence``.

Calls keep TF1's arguments; ``dense`` and ``functional_layer`` share a layer by scope and name
as TF1 shared its variables (:mod:`.scopes`). ``dropout`` is the identity unless ``training``;
``embed_sequence`` creates TF1's own ``<scope>/embeddings`` variable.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tf2_port.keras_rnn.scopes import _scope_key, _unique_key


def dense(
    inputs: Any,
    units: int,
    activation: Any = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    kernel_constraint: Any = None,
    bias_constraint: Any = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
) -> Any:
    """TF1 ``tf.layers.dense`` (and ``fully_connected``) as a ``keras.layers.Dense`` call.

    A call with the same ``name`` under a reusing scope, or with ``reuse=True``, uses the
    same ``Dense`` layer (TF1 shared its variables); without ``name``, reuse keys on TF1's
    default name ``dense``.
    """
    table, key, scope_reuse = _scope_key(name or "dense")
    layer = table.get(key)
    if layer is None or not (reuse or scope_reuse):
        layer = keras.layers.Dense(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer or "glorot_uniform",
            bias_initializer=bias_initializer or "zeros",
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, trainable=trainable,
            # TF1's dense took its dtype from the inputs; Keras would cast them to floatx.
            dtype=tf.as_dtype(inputs.dtype).name if tf.as_dtype(inputs.dtype).is_floating else None,
        )
        table[_unique_key(table, key)] = layer
    elif layer.units != units:
        raise ValueError(f"dense {key!r} reuses a layer of {layer.units} units: expected units={layer.units}, got {units}")
    return layer(inputs)


# TF1 functional layers (tf.layers.X(inputs, ...)) -> the Keras 3 layer class and TF1's
# positional parameters after ``inputs``; ``name`` and ``reuse`` share as in ``dense``.
_CONV_PARAMETERS = (
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
    "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
    "activity_regularizer", "kernel_constraint", "bias_constraint", "trainable",
)
_POOL_PARAMETERS = ("pool_size", "strides", "padding", "data_format")
FUNCTIONAL_LAYERS = {
    "conv1d": (keras.layers.Conv1D, _CONV_PARAMETERS),
    "conv2d": (keras.layers.Conv2D, _CONV_PARAMETERS),
    "max_pooling1d": (keras.layers.MaxPooling1D, _POOL_PARAMETERS),
    "max_pooling2d": (keras.layers.MaxPooling2D, _POOL_PARAMETERS),
    "average_pooling1d": (keras.layers.AveragePooling1D, _POOL_PARAMETERS),
    "average_pooling2d": (keras.layers.AveragePooling2D, _POOL_PARAMETERS),
    "flatten": (keras.layers.Flatten, ("data_format",)),
}


def functional_layer(kind: str, inputs: Any, *args: Any, name: str | None = None, reuse: Any = None, **kwargs: Any) -> Any:
    """TF1 ``tf.layers.<kind>(inputs, ...)`` as the Keras 3 layer of :data:`FUNCTIONAL_LAYERS`.

    Arguments keep TF1's positions and names; ``None`` initializers take TF1's defaults
    (``glorot_uniform`` kernel, zero bias, which are Keras' too). A call with the same ``name``
    (or TF1's default name, ``kind``) under a reusing scope, or with ``reuse=True``, runs the same
    layer, as TF1 shared the variables.
    """
    if kind not in FUNCTIONAL_LAYERS:
        raise ValueError(f"functional_layer: expected one of {sorted(FUNCTIONAL_LAYERS)}, got {kind!r}")
    layer_class, parameters = FUNCTIONAL_LAYERS[kind]
    if len(args) > len(parameters):
        raise ValueError(f"{kind}: expected at most {len(parameters)} positional arguments after inputs, got {len(args)}")
    for parameter, value in zip(parameters, args):
        if parameter in kwargs:
            raise ValueError(f"{kind}: argument {parameter!r} given twice")
        kwargs[parameter] = value
    kwargs = {key: value for key, value in kwargs.items() if value is not None}
    floating = tf.as_dtype(inputs.dtype).is_floating
    table, key, scope_reuse = _scope_key(name or kind)
    layer = table.get(key)
    if layer is None or not (reuse or scope_reuse):
        layer = layer_class(**kwargs, dtype=tf.as_dtype(inputs.dtype).name if floating else None)
        table[_unique_key(table, key)] = layer
    return layer(inputs)


def dropout(inputs: Any, rate: Any = 0.5, noise_shape: Any = None, seed: int | None = None,
            training: Any = False, name: str | None = None) -> Any:
    """TF1 ``tf.layers.dropout``: identity unless ``training`` (a bool or a boolean tensor)."""
    del name
    if isinstance(training, (bool, type(None))):
        return keras.layers.Dropout(rate, noise_shape=noise_shape, seed=seed)(inputs, training=bool(training))
    return tf.cond(
        tf.cast(training, tf.bool),
        lambda: tf.nn.dropout(inputs, rate=rate, noise_shape=noise_shape, seed=seed),
        lambda: tf.identity(inputs),
    )


def embed_sequence(
    ids: Any,
    vocab_size: int | None = None,
    embed_dim: int | None = None,
    unique: bool = False,
    initializer: Any = None,
    regularizer: Any = None,
    trainable: bool = True,
    scope: Any = None,
    reuse: Any = None,
) -> Any:
    """TF1 ``contrib.layers.embed_sequence``: a ``[vocab_size, embed_dim]`` variable
    ``<scope>/embeddings`` (scope default ``EmbedSequence``) and a lookup of ``ids``."""
    if vocab_size is None or embed_dim is None:
        raise ValueError(f"embed_sequence: expected vocab_size and embed_dim, got {vocab_size} and {embed_dim}")
    with tf.compat.v1.variable_scope(scope, "EmbedSequence", [ids], reuse=reuse):
        embeddings = tf.compat.v1.get_variable(
            "embeddings", shape=[vocab_size, embed_dim], initializer=initializer, regularizer=regularizer,
            trainable=trainable,
        )
        if unique:
            return tf.compat.v1.nn.embedding_lookup_unique(embeddings, ids)
        return tf.nn.embedding_lookup(embeddings, ids)
