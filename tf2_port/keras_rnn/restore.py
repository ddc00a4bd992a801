"""Old TF1 checkpoints into a migrated graph: ``restore_tf1_checkpoint`` and its assignments.

The layers and cells the runtime ran are found in the scope table of :mod:`.scopes` under the
TF1 names they would have had; RNN cell weights are converted with :mod:`tf2_port.convert`,
their optimizer slots the same way, and every other variable is loaded by its own name, as
TF1's ``Saver`` did. The checkpoint reader (:mod:`tf2_port.checkpoint`) is imported only
when a restore runs.

Finding a cell's TF1 scope, converting its weights, copying a layer's weights by name and
naming what the checkpoint lacks are shared with the eager path,
:func:`tf2_port.tf1_restore.restore_tf1_checkpoint_into` (objects given by an explicit name
table instead of this runtime's scope table), and live there.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import tensorflow as tf

from tf2_port.keras_rnn.scopes import _SHARED
from tf2_port.tf1_restore import (
    _cell_groups,
    _driver_cell_scopes,
    _missing,
    _named_weights_group,
    _read_tf1_checkpoint,
    _tf_variable,
    _WeightGroup,
)

# Keras names the random state of a layer's SeedGenerator (dropout masks) this way. TF1 kept no
# such variable (its random ops took graph-level seeds), so a TF1 checkpoint never holds one.
_KERAS_RNG_STATE = "seed_generator_state"


def _weight_groups(variables: Mapping[str, Any], settings: Mapping[str, Any], graph: Any) -> list[_WeightGroup]:
    """Every layer and cell the helpers of :mod:`tf2_port.keras_rnn` ran in ``graph``, with its TF1 names."""
    groups: list[_WeightGroup] = []
    cells: dict[int, tuple[Any, list[str]]] = {}
    for key, layer in sorted(_SHARED.get(graph, {}).items()):
        if not hasattr(layer, "state_size"):
            # Dense, Conv1D/2D...; pooling and flatten own no weights and need nothing.
            if layer.weights:
                groups.append(_named_weights_group(layer, key, variables))
            continue
        for base, cell_scope in _driver_cell_scopes(layer, key):
            cells.setdefault(id(base), (base, []))[1].append(cell_scope)
    return groups + _cell_groups(cells, variables, settings)


def _graph_name(variable: Any) -> str:
    return _tf_variable(variable).name.split(":")[0]


def _is_keras_rng_state(variable: Any) -> bool:
    return _graph_name(variable).rsplit("/", 1)[-1].startswith(_KERAS_RNG_STATE)


def _assignments(
    variables: Mapping[str, Any], settings: Mapping[str, Any], graph: Any,
) -> tuple[list[tuple[Any, np.ndarray, str]], list[_WeightGroup]]:
    groups = _weight_groups(variables, settings, graph)
    assignments: list[tuple[Any, np.ndarray, str]] = []
    covered: set[int] = set()
    for group in groups:
        for weight, array, source in zip(group.weights, group.arrays(variables, False), group.sources):
            if id(weight) not in covered:
                assignments.append((weight, array, source))
                covered.add(id(weight))
    converted = {id(_tf_variable(weight)) for weight, _, _ in assignments}
    for variable in graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES):
        name = _graph_name(variable)
        if name in variables and id(variable) not in converted:
            assignments.append((variable, np.asarray(variables[name]), name))
    return assignments, groups


def tf1_variable_assignments(
    variables: Mapping[str, Any],
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    graph: Any = None,
) -> list[tuple[Any, np.ndarray, str]]:
    """Which TF1 arrays go into which variables of a migrated graph: ``(variable, array, TF1 name)``.

    The layers and cells the runtime's helpers ran in ``graph`` are found by the variable scope
    TF1 would have used: ``dense`` and the ``functional_layer`` convolutions take
    ``<scope>/kernel`` and ``<scope>/bias`` as they are (pooling, flatten and dropout own no
    weights); RNN cells behind the drivers (``LM/rnn`` finds
    ``LM/rnn/multi_rnn_cell/cell_0/lstm_cell/...``) are converted with the pure-NumPy converters
    of :mod:`tf2_port.convert` (gate reorder, kernel split, ``forget_bias`` folded in). Every
    other variable of the graph whose name the checkpoint holds (``get_variable`` embeddings,
    softmax weights, ``embed_sequence``) takes the array of that name, as TF1's ``Saver`` did.
    Variables with no TF1 array are left out: :func:`restore_tf1_checkpoint` refuses them.

    Args:
        variables: ``{TF1 name: array}``, e.g. ``tf2_port.checkpoint.read_checkpoint(path)``.
        settings: ``{TF1 cell prefix: {"forget_bias": ...}}`` as
            ``tf2_port.checkpoint.read_meta_settings`` reads them from a ``.meta`` graph.
        graph: the migrated graph (default: the default graph).

    Raises:
        ValueError: naming the TF1 name and the closest checkpoint names, when a layer or cell
            of the graph has no TF1 array (or one of another shape).
    """
    graph = graph or tf.compat.v1.get_default_graph()
    return _assignments(variables, settings or {}, graph)[0]


def _slot_assignments(
    variables: Mapping[str, Any], groups: list[_WeightGroup], unassigned: list[Any],
) -> list[tuple[Any, np.ndarray, str]]:
    """Optimizer slots (Adam's ``m``/``v``, Adagrad's accumulator...) of converted weights.

    TF1 named a slot ``<weight>/<slot>`` (``.../lstm_cell/kernel/Adam``) and so does a TF1
    optimizer in the migrated graph, after the Keras weight (``.../lstm_cell/recurrent_kernel/Adam``).
    Slots are elementwise per weight, so the weight's conversion (gate reorder, kernel split)
    applies to them, without the forget bias.
    """
    owners = {}
    for group in groups:
        for index, weight in enumerate(group.weights):
            owners[_graph_name(weight)] = (group, index)
    cache: dict[tuple[int, str], list[np.ndarray] | None] = {}
    found = []
    for variable in unassigned:
        name = _graph_name(variable)
        owner = max((p for p in owners if name.startswith(p + "/")), key=len, default=None)
        if owner is None:
            continue
        group, index = owners[owner]
        slot = name[len(owner) + 1:]
        key = (id(group), slot)
        if key not in cache:
            ending = "/" + slot
            view = {
                tf1_name[: -len(ending)]: array for tf1_name, array in variables.items()
                if tf1_name.startswith(group.scope + "/") and tf1_name.endswith(ending)
            }
            try:
                cache[key] = group.arrays(view, True)
            except ValueError:
                cache[key] = None  # the checkpoint lacks this slot: reported as missing
        if cache[key] is None:
            continue
        array = cache[key][index]
        if tuple(array.shape) == tuple(variable.shape):
            found.append((variable, array, f"{group.sources[index]}/{slot}"))
    return found


def restore_tf1_checkpoint(session: Any, checkpoint: str, forget_biases: Mapping[str, float] | None = None) -> list[str]:
    """Load an old TF1 checkpoint into a migrated graph, converting the RNN weights exactly.

    Call it after building the graph and running the variable initializer, where the TF1
    script called ``saver.restore(sess, path)``. Like that call, it gives every variable of the
    graph its checkpoint value or fails: the layers and cells of the runtime by their TF1 names
    (see :func:`tf1_variable_assignments`: ``dense/kernel``, ``conv1d/kernel``, converted RNN
    cells), optimizer slots of those weights converted the same way (a training script resumes
    where TF1 stopped), and every other variable (``get_variable``, ``global_step``, Adam's
    ``beta1_power``) by its own name. Keras' random-number state (``seed_generator_state``,
    which TF1 never had) keeps its value. The ``.meta`` file next to the checkpoint supplies
    each LSTM's ``forget_bias``; without it pass ``forget_biases={cell prefix: value}``.

    Returns:
        The TF1 names that were loaded: a cell's prefix for its converted weights and
        ``<prefix>/<slot>`` for their optimizer slots.

    Raises:
        ValueError: when a variable of the graph gets no value, naming it and the closest
            checkpoint names ("expected a checkpoint value for X; closest checkpoint names:
            ..."), or when an LSTM's ``forget_bias`` is unknown.
    """
    variables, settings = _read_tf1_checkpoint(checkpoint, forget_biases)
    assignments, groups = _assignments(variables, settings, session.graph)
    assigned = {id(_tf_variable(variable)) for variable, _, _ in assignments}
    unassigned = [
        variable for variable in session.graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES)
        if id(variable) not in assigned and not _is_keras_rng_state(variable)
    ]
    assignments += _slot_assignments(variables, groups, unassigned)
    assigned = {id(_tf_variable(variable)) for variable, _, _ in assignments}
    missing = [variable for variable in unassigned if id(variable) not in assigned]
    if missing:
        error = _missing(_graph_name(missing[0]), variables)
        if len(missing) > 1:
            others = ", ".join(_graph_name(variable) for variable in missing[1:6])
            error = ValueError(f"{error}; no value either for {len(missing) - 1} more: {others}"
                               + (" ..." if len(missing) > 6 else ""))
        raise error
    feeds, assign_ops = {}, []
    with session.graph.as_default():
        for variable, array, name in assignments:
            target = _tf_variable(variable)
            if tuple(np.shape(array)) != tuple(target.shape):
                raise ValueError(
                    f"restore: expected {name} of shape {tuple(target.shape)} (graph variable "
                    f"{_graph_name(target)}), got {tuple(np.shape(array))}"
                )
            # Fed, not embedded as constants: the graph does not grow by the checkpoint's size.
            placeholder = tf.compat.v1.placeholder(target.dtype.base_dtype, shape=target.shape)
            assign_ops.append(target.assign(placeholder))
            feeds[placeholder] = array
    session.run(assign_ops, feeds)
    return sorted({name for _, _, name in assignments})
