"""TF1's cell wrappers under their TF1 names: ``DropoutWrapper`` and ``ResidualWrapper``.

Both build the Keras 3 wrappers of :mod:`tf2_port.cells` from TF1's arguments. Dropout follows
TF1's rule (drop whenever a keep probability is below 1, tensors allowed) instead of Keras'
``training`` flag; a wrapper around a ``state_is_tuple=False`` cell keeps the flat state.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tf2_port.cells import DropoutWrapperCell, ResidualCell
from tf2_port.tf1_cells import flat_state
from tf2_port.tf1_cells import is_flat as _is_flat


@keras.saving.register_keras_serializable(package="tf1_migrate")
class TF1DropoutWrapper(DropoutWrapperCell):
    """TF1 ``DropoutWrapper``: dropout whenever a keep probability is below 1, tensors allowed.

    :class:`~tf2_port.cells.DropoutWrapperCell` with TF1's run-time rule instead of Keras'
    ``training`` flag: keep probabilities may be Python numbers or scalar tensors (a fed
    placeholder), and the masks are applied on every call. A keep probability of 1 gives the
    identity exactly. Non-tensor keep probabilities of 1 skip the mask altogether.
    """

    @staticmethod
    def _keep_prob(name: str, value: Any) -> Any:
        if tf.is_tensor(value) or isinstance(value, tf.Variable):
            return value
        return DropoutWrapperCell._keep_prob(name, value)

    @staticmethod
    def _drops(keep_prob: Any) -> bool:
        # A tensor keep probability is only known when the graph runs: always apply the mask
        # (exactly the identity when the fed value is 1).
        return not isinstance(keep_prob, (int, float)) or keep_prob < 1.0

    def _dropout_on(self, training: Any) -> bool:
        return True  # TF1 had no training flag: the keep probabilities alone decide

    def _dropout(self, value: Any, keep_prob: Any, mask_name: str, masks: dict[str, Any] | None) -> Any:
        dropped = super()._dropout(value, keep_prob, mask_name, masks)
        # A mask drawn for a dynamic shape has an unknown static shape in a TF1 graph; the
        # cell that consumes the value needs its rank, which is the value's own.
        if hasattr(dropped, "set_shape") and hasattr(value, "shape"):
            dropped.set_shape(value.shape)
        return dropped

    def get_config(self) -> dict[str, Any]:
        tensors = [
            name for name in ("input_keep_prob", "output_keep_prob", "state_keep_prob")
            if not isinstance(getattr(self, name), (int, float))
        ]
        if tensors:
            raise ValueError(
                "TF1DropoutWrapper.get_config: expected numeric keep probabilities to serialize, "
                f"got tensors for {tensors}"
            )
        return super().get_config()


def DropoutWrapper(  # noqa: N802 -- keeps TF1's spelling at rewritten call sites
    cell: Any,
    input_keep_prob: Any = 1.0,
    output_keep_prob: Any = 1.0,
    state_keep_prob: Any = 1.0,
    variational_recurrent: bool = False,
    input_size: Any = None,
    dtype: Any = None,
    seed: int | None = None,
    dropout_state_filter_visitor: Any = None,
) -> TF1DropoutWrapper:
    """TF1 ``DropoutWrapper(cell, ...)`` with its arguments, as a Keras cell wrapper.

    ``input_size`` and ``dtype`` only sized TF1's variational masks ahead of time; Keras knows
    the sizes when the cell is built. A custom ``dropout_state_filter_visitor`` has no
    equivalent and is refused. A wrapper around a ``state_is_tuple=False`` LSTM drops the
    whole concatenated state, as TF1's default filter did.
    """
    if dropout_state_filter_visitor is not None:
        raise ValueError(
            "DropoutWrapper: expected dropout_state_filter_visitor=None (TF1's default filter: "
            f"an LSTM's h but never c), got {dropout_state_filter_visitor!r}"
        )
    del input_size, dtype
    wrapper = TF1DropoutWrapper(
        cell, input_keep_prob=input_keep_prob, output_keep_prob=output_keep_prob,
        state_keep_prob=state_keep_prob, variational_recurrent=variational_recurrent,
        drop_whole_state=_is_flat(cell), seed=seed,
    )
    if _is_flat(cell):
        flat_state(wrapper)
    return wrapper


def ResidualWrapper(cell: Any, residual_fn: Any = None) -> ResidualCell:  # noqa: N802
    """TF1 ``ResidualWrapper(cell)``: output = cell output + cell input."""
    if residual_fn is not None:
        raise ValueError(f"ResidualWrapper: expected residual_fn=None (output + input), got {residual_fn!r}")
    wrapper = ResidualCell(cell)
    if _is_flat(cell):
        flat_state(wrapper)
    return wrapper
