"""Where each layer of a :class:`~tf1_reference.spec.StackSpec` has its variables in a TF1 graph.

The scopes themselves are in :mod:`tf2_port.tf1_names` (the one table of TF1 names); this
module reads a spec into it. ``TF1_CELL_SCOPES`` and ``TF1_DRIVER_SCOPES`` are that table's
``SPEC_KIND_SCOPES`` and ``DRIVER_SCOPES`` under the names their importers know.
"""

from __future__ import annotations

from tf1_reference.spec import StackSpec
from tf2_port.tf1_names import (
    DIRECTION_SCOPES,
    DRIVER_SCOPES as TF1_DRIVER_SCOPES,
    SPEC_KIND_SCOPES as TF1_CELL_SCOPES,
    CellPlace,
    format_cell_prefix,
)


def directions(spec: StackSpec) -> tuple[str, ...]:
    """``("fw", "bw")`` for bidirectional drivers, ``("",)`` otherwise."""
    return DIRECTION_SCOPES if spec.is_bidirectional else ("",)


def tf1_cell_prefix(spec: StackSpec, direction: str, index: int) -> str:
    """The TF1 name prefix of layer ``index`` in ``direction`` (``""``, ``"fw"`` or ``"bw"``).

    >>> from tf1_reference.spec import lstm_stack
    >>> tf1_cell_prefix(lstm_stack([4, 4]), "", 1)
    'rnn/multi_rnn_cell/cell_1/lstm_cell'
    """
    layer = spec.layers[index]
    return format_cell_prefix(CellPlace(
        root=spec.scope or TF1_DRIVER_SCOPES[spec.driver],
        cell_scope=layer.name or TF1_CELL_SCOPES[layer.kind],
        driver=spec.driver,
        direction=direction,
        index=index,
        multi_rnn_cell=spec.multi_rnn_cell,
    ))


__all__ = ["TF1_CELL_SCOPES", "TF1_DRIVER_SCOPES", "directions", "tf1_cell_prefix"]
