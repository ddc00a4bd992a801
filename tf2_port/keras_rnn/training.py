"""TF1's ``contrib`` training helpers: ``optimize_loss`` and ``run_n``.

``optimize_loss`` computes the gradients, clips them by global norm if asked and applies one
update; ``run_n`` runs the outputs ``n`` times in a fresh session. Both build on ``tf.compat.v1``
optimizers and sessions, as the scripts that called them did.
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

import tensorflow as tf


def run_n(output_dict: Any, feed_dict: Any = None, restore_checkpoint_path: str | None = None, n: int = 1) -> list[Any]:
    """TF1 ``contrib.learn.run_n``: a fresh ``Session`` on the outputs' graph, variables
    initialised (or restored), then ``output_dict`` run ``n`` times; the list of results."""
    if not output_dict:
        raise ValueError(f"run_n: expected a non-empty output_dict, got {output_dict!r}")
    graph = next(iter(output_dict.values())).graph
    results = []
    with graph.as_default(), tf.compat.v1.Session() as session:
        if restore_checkpoint_path:
            tf.compat.v1.train.Saver().restore(session, restore_checkpoint_path)
        else:
            session.run(tf.compat.v1.global_variables_initializer())
        session.run(tf.compat.v1.local_variables_initializer())
        session.run(tf.compat.v1.tables_initializer())
        for feed in itertools.repeat(feed_dict, n):
            results.append(session.run(output_dict, feed))
    return results


_OPTIMIZERS = {
    "Adagrad": tf.compat.v1.train.AdagradOptimizer,
    "Adam": tf.compat.v1.train.AdamOptimizer,
    "Ftrl": tf.compat.v1.train.FtrlOptimizer,
    "Momentum": lambda rate: tf.compat.v1.train.MomentumOptimizer(rate, momentum=0.9),
    "RMSProp": tf.compat.v1.train.RMSPropOptimizer,
    "SGD": tf.compat.v1.train.GradientDescentOptimizer,
}


def optimize_loss(
    loss: Any,
    global_step: Any,
    learning_rate: Any,
    optimizer: Any,
    clip_gradients: Any = None,
    variables: Sequence[Any] | None = None,
    name: str | None = None,
    **unsupported: Any,
) -> Any:
    """TF1 ``contrib.layers.optimize_loss``: gradients, optional global-norm clip, one update.

    The subset scripts used: an optimizer name from TF1's table (``"Adam"``, ``"SGD"``...), a
    ``tf.compat.v1.train`` optimizer class, or an instance; ``clip_gradients`` as a float
    (``tf.clip_by_global_norm``). Summaries, decay functions, moving averages and the other
    options are refused with their names, never ignored.
    """
    del name
    unsupported = {key: value for key, value in unsupported.items() if value is not None and key != "summaries"}
    if unsupported:
        raise ValueError(f"optimize_loss: expected only loss, global_step, learning_rate, optimizer, clip_gradients and variables, got also {sorted(unsupported)}")
    if isinstance(optimizer, str):
        if optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimize_loss: expected optimizer one of {sorted(_OPTIMIZERS)}, got {optimizer!r}")
        optimizer = _OPTIMIZERS[optimizer](learning_rate)
    elif isinstance(optimizer, type):
        optimizer = optimizer(learning_rate)
    if variables is None:
        variables = tf.compat.v1.trainable_variables()
    grads_and_vars = [(g, v) for g, v in optimizer.compute_gradients(loss, var_list=list(variables)) if g is not None]
    if clip_gradients is not None:
        if callable(clip_gradients):
            grads_and_vars = clip_gradients(grads_and_vars)
        else:
            grads, used = zip(*grads_and_vars)
            grads, _ = tf.clip_by_global_norm(list(grads), clip_gradients)
            grads_and_vars = list(zip(grads, used))
    update = optimizer.apply_gradients(grads_and_vars, global_step=global_step)
    # TF1 returned the loss, computed after the update ran.
    with tf.control_dependencies([update]):
        return tf.identity(loss)
