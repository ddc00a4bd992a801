"""Weight sharing the way TF1 variable scopes did it, per graph.

Every cell a driver runs and every layer ``dense``/``functional_layer`` builds is registered
under its TF1 scope and name in ``_SHARED`` (one table per graph). A later call under a reusing
scope gets the registered weights back, as TF1 shared its variables; :mod:`.restore` reads the same
table to find each layer's TF1 checkpoint names.
"""

from __future__ import annotations

import weakref
from typing import Any

import keras
import tensorflow as tf

from tf2_port.cells import DropoutWrapperCell, ResidualCell, _state_sizes, _unwrap
from tf2_port.keras_rnn.states import _layers


_SHARED: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()


def _scope_key(name: str) -> tuple[dict[str, Any], str, bool]:
    scope = tf.compat.v1.get_variable_scope()
    graph = tf.compat.v1.get_default_graph()
    table = _SHARED.setdefault(graph, {})
    key = f"{scope.name}/{name}" if scope.name else name
    # Eagerly, TF1's variable scopes always report AUTO_REUSE and share nothing by name: only
    # graphs (the migrated scripts' Sessions) share.
    return table, key, bool(scope.reuse) and not tf.executing_eagerly()


def _unique_key(table: dict[str, Any], key: str) -> str:
    """``key``, or TF1's next free variant of it (``dense_1``, ``dense_2``...)."""
    if key not in table:
        return key
    index = 1
    while f"{key}_{index}" in table:
        index += 1
    return f"{key}_{index}"


def _base_cells(cell: Any) -> list[Any]:
    layers = _layers(cell)
    return [_unwrap(layer) for layer in layers] if layers is not None else [_unwrap(cell)]


def _share_cells(cell: Any, name: str) -> Any:
    """The cell to run: ``cell`` itself, with its base cells swapped for those registered
    under the same scope and name when the scope reuses variables (TF1 shared them)."""
    table, key, reuse = _scope_key(name)
    key = key.rstrip("/")
    registered = table.get(key)
    if registered is None or not reuse or registered is cell:
        table.setdefault(key, cell)
        return cell
    new_bases, old_bases = _base_cells(cell), _base_cells(registered)
    if [type(c) for c in new_bases] != [type(c) for c in old_bases] or [
        _state_sizes(c) for c in new_bases
    ] != [_state_sizes(c) for c in old_bases]:
        raise ValueError(
            f"variable scope {key!r} reuses the variables of a "
            f"{[type(c).__name__ for c in old_bases]} stack: expected the same cells, got "
            f"{[type(c).__name__ for c in new_bases]}"
        )
    if _unwrap(cell) is cell and _layers(cell) is None:
        return registered if _unwrap(registered) is registered else old_bases[0]
    _replace_bases(cell, iter(old_bases))
    return cell


def _replace_bases(cell: Any, replacements: Any) -> Any:
    """Swap the base cells inside wrappers and stacks, in order; returns the new node."""
    if isinstance(cell, (ResidualCell, DropoutWrapperCell)):
        cell.cell = _replace_bases(cell.cell, replacements)
        return cell
    if isinstance(cell, keras.layers.StackedRNNCells):
        cell.cells = [_replace_bases(layer, replacements) for layer in cell.cells]
        return cell
    return next(replacements)
