"""Where each layer's variables live in a TF1 graph or checkpoint (DESIGN.md §3.3).

Tables first, then the one function that combines them for a spec.
"""

from __future__ import annotations

from tf1_reference.spec import StackSpec

# The variable scope a TF1 cell class opens when it is given no name=.
TF1_CELL_SCOPES = {
    "basic_rnn": "basic_rnn_cell",
    "gru": "gru_cell",
    "basic_lstm": "basic_lstm_cell",
    "lstm": "lstm_cell",
}

# The variable scope a TF1 driver opens when it is given no scope=.
TF1_DRIVER_SCOPES = {
    "dynamic_rnn": "rnn",
    "static_rnn": "rnn",
    "bidirectional_dynamic_rnn": "bidirectional_rnn",
    "static_bidirectional_rnn": "bidirectional_rnn",
    "stack_bidirectional_dynamic_rnn": "stack_bidirectional_rnn",
}

MULTI_RNN_CELL_SCOPE = "multi_rnn_cell/cell_{index}"
DIRECTION_SCOPES = ("fw", "bw")


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
    cell_scope = layer.name or TF1_CELL_SCOPES[layer.kind]
    root = spec.scope or TF1_DRIVER_SCOPES[spec.driver]
    if spec.driver == "stack_bidirectional_dynamic_rnn":
        return f"{root}/cell_{index}/bidirectional_rnn/{direction}/{cell_scope}"
    parts = [root]
    if direction:
        parts.append(direction)
    if spec.multi_rnn_cell:
        parts.append(MULTI_RNN_CELL_SCOPE.format(index=index))
    parts.append(cell_scope)
    return "/".join(parts)
