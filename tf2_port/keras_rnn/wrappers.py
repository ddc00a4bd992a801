"""TF1's cell wrappers under their TF1 names: ``DropoutWrapper`` and ``ResidualWrapper``.

Both build the Keras 3 wrappers of :mod:`tf2_port.cells` from TF1's arguments. Dropout follows
TF1's rule (drop whenever a keep probability is below 1, tensors allowed) instead of Keras'
``training`` flag; a wrapper around a ``state_is_tuple=False`` cell keeps the flat state.
"""

from __future__ import annotations

from typing import Any

from tf2_port.cells import ResidualCell
from tf2_port.tf1_dropout import TF1DropoutWrapper
from tf2_port.tf1_cells import flat_state
from tf2_port.tf1_cells import is_flat as _is_flat


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
