"""One compiled training step for a ported model (TensorFlow backend).

TF1 scripts ran ``session.run(train_op, feed)`` in their own loops (feeding
state back between batches), so the ports are trained the same way: a loop
calling one ``tf.function`` step, rather than ``model.fit``.
"""

from __future__ import annotations

from typing import Any, Callable

import tensorflow as tf


def make_train_step(model: Any, optimizer: Any, loss_fn: Callable[..., tuple]) -> Callable[..., tuple]:
    """A ``tf.function`` that runs ``loss_fn(*batch)`` and applies one optimizer update.

    ``loss_fn`` returns ``(loss, *extras)`` (e.g. the final state to carry into
    the next batch); the step returns the same tuple, with the loss measured
    before the update, as TF1's ``session.run([loss, train_op])`` did.
    """

    @tf.function
    def step(*batch: Any) -> tuple:
        with tf.GradientTape() as tape:
            loss, *extras = loss_fn(*batch)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return (loss, *extras)

    return step


__all__ = ["make_train_step"]
