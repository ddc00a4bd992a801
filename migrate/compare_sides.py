"""Run a spec through the TF1 reference and through its Keras 3 port, and compare the two.

Here the two sides meet: ``tf1_reference`` builds and runs the ``tf.compat.v1`` graph (legacy
cells, so ``tf_keras``), ``tf2_port.verify`` loads its variables into the port and measures
the per-tensor max |diff|. ``tf2_port`` itself never reaches the reference's builder, so
importing it never loads ``tf_keras`` (ARCHITECTURE.md, dependency direction). Both sides are
imported when a comparison runs, so importing ``migrate`` needs no TensorFlow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tf1_reference.spec import StackSpec
    from tf2_port.verify import Comparison


def compare_spec(spec: StackSpec, *, fast: bool = False, seed: int = 0, training: bool = False,
                 reference: Any = None) -> Comparison:
    """Build and run the TF1 reference of ``spec`` (random weights, inputs, state), then compare.

    Args:
        spec: the stack to build on both sides.
        fast: compare the port's fast form (stacked ``keras.layers.LSTM``/``GRU`` layers).
        seed: of the reference's random weights, inputs and initial state.
        training: call the port with ``training=True``.
        reference: a reference run to reuse (``tf1_reference.builder.run_reference``'s
            result); built from ``spec`` and ``seed`` when None.

    Returns:
        A :class:`tf2_port.verify.Comparison`.
    """
    from tf2_port.verify import compare_port

    if reference is None:
        from tf1_reference.builder import run_reference  # legacy Keras: only when comparing

        reference = run_reference(spec, seed=seed)
    return compare_port(spec, reference, fast=fast, training=training)


__all__ = ["compare_spec"]
