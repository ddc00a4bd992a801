"""Old TF1 checkpoints into a migrated graph: ``restore_tf1_checkpoint`` and its assignments.

The layers and cells the runtime ran are found in the scope table of :mod:`.scopes` under the
TF1 names they would have had; RNN cell weights are converted with :mod:`tf2_port.convert`,
their optimizer slots the same way, and every other variable is loaded by its own name, as
TF1's ``Saver`` did. The checkpoint reader (:mod:`tf2_port.checkpoint`) is imported only
when a restore runs.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

import keras
import numpy as np
import tensorflow as tf

from tf2_port import convert, tf1_names
from tf2_port.cells import TF1LSTMCell
from tf2_port.keras_rnn.scopes import _SHARED, _base_cells
from tf2_port.keras_rnn.states import _layers

# The converter of each family whose Keras cell takes the converter's output as it is; an
# LSTM's depends on the cell (stock LSTMCell or TF1LSTMCell) and on forget_bias.
_CONVERTERS = {"basic_rnn": convert.basic_rnn_to_keras, "gru": convert.gru_to_keras}

# Keras names the random state of a layer's SeedGenerator (dropout masks) this way. TF1 kept no
# such variable (its random ops took graph-level seeds), so a TF1 checkpoint never holds one.
_KERAS_RNG_STATE = "seed_generator_state"


def _closest_names(name: str, variables: Mapping[str, Any]) -> str:
    import difflib  # only for this message

    close = difflib.get_close_matches(name, list(variables), n=3, cutoff=0.3)
    return ", ".join(close) or "none"


def _missing(name: str, variables: Mapping[str, Any], graph_name: str | None = None) -> ValueError:
    """The error for a value the checkpoint lacks, naming the closest names it has."""
    where = f" (graph variable {graph_name})" if graph_name and graph_name != name else ""
    return ValueError(
        f"restore: expected a checkpoint value for {name}{where}; closest checkpoint names: "
        f"{_closest_names(name, variables)}"
    )


def _family(cell: Any) -> str:
    """The family (a key of ``tf1_names.FAMILY_ROLES``) of the TF1 cell a Keras cell stands for."""
    if isinstance(cell, (keras.layers.LSTMCell, TF1LSTMCell)):
        return "lstm"
    if isinstance(cell, keras.layers.GRUCell):
        return "gru"
    if isinstance(cell, keras.layers.SimpleRNNCell):
        return "basic_rnn"
    raise ValueError(f"restore: expected an LSTM, GRU or SimpleRNN Keras cell, got {type(cell).__name__}")


def _cell_prefix(variables: Mapping[str, Any], scope: str, family: str) -> str:
    """The TF1 variable scope of one cell under ``scope``: ``<scope>/lstm_cell`` or a custom name."""
    candidates = sorted({
        name[len(scope):].split("/", 1)[0]
        for name in variables
        if name.startswith(scope) and "/" in name and tf1_names.era_of(name) is not None
    })
    defaults = tf1_names.default_cell_scopes(family)
    preferred = [c for c in candidates if c in defaults]
    chosen = preferred or candidates
    if len(chosen) != 1:
        expected = f"{scope}{defaults[0]}/kernel"
        raise ValueError(
            f"restore: expected one {family} cell scope under {scope!r}, got {chosen or 'none'}; "
            f"closest checkpoint names to {expected}: {_closest_names(expected, variables)}"
        )
    return scope + chosen[0]


def _optional_variable(variables: Mapping[str, Any], prefix: str, role: str) -> np.ndarray | None:
    """``prefix/role`` in any naming era (TF >= 1.2 ``kernel``/``bias``, TF 1.0-1.1
    ``weights``/``biases``), or None."""
    name = tf1_names.find_variable_name(variables, prefix, role)
    return None if name is None else np.asarray(variables[name])


def _variable(variables: Mapping[str, Any], prefix: str, role: str) -> np.ndarray:
    array = _optional_variable(variables, prefix, role)
    if array is None:
        raise _missing(f"{prefix}/{role}", variables)
    return array


def _cell_arrays(cell: Any, variables: Mapping[str, Any], prefix: str, settings: Mapping[str, Any]) -> list[np.ndarray]:
    family = _family(cell)
    required, optional = tf1_names.FAMILY_ROLES[family]
    if family == "lstm" and "forget_bias" not in settings:
        raise ValueError(
            f"restore: expected the forget_bias of {prefix} (read from the checkpoint's .meta "
            "graph, or passed in forget_biases=), got none"
        )
    arrays = [_variable(variables, prefix, role) for role in required]
    # The fused kernel (the first role) runs over concat([x, h]): its rows beyond the fed-back
    # width h are the input's.
    input_size = arrays[0].shape[0] - cell.output_size
    if family != "lstm":
        return _CONVERTERS[family](*arrays, input_size)
    if not isinstance(cell, TF1LSTMCell):
        return convert.lstm_to_keras(*arrays, input_size, settings["forget_bias"])
    extras = {tf1_names.OPTIONAL_ROLE_KEYWORDS[role]: _optional_variable(variables, prefix, role) for role in optional}
    return convert.lstm_peephole_projection_to_keras(*arrays, input_size, settings["forget_bias"], **extras)


class _WeightGroup:
    """The Keras weights of one layer or cell and how to compute them from TF1 arrays.

    ``scope`` is the TF1 scope all the group's checkpoint names lie under; ``sources`` the TF1
    name reported per weight; ``arrays(variables, slot)`` gives one array per weight from
    ``{TF1 name: array}`` -- for ``slot=True`` from an optimizer slot's arrays, which carry the
    weights' layout but no forget bias (TF1 added it to the pre-activation, never to a slot).
    """

    def __init__(self, weights: list[Any], scope: str, sources: list[str], arrays: Callable[[Mapping[str, Any], bool], list[np.ndarray]]):
        self.weights, self.scope, self.sources, self.arrays = weights, scope, sources, arrays


def _named_weights_group(layer: Any, key: str, variables: Mapping[str, Any]) -> _WeightGroup:
    """A layer whose TF1 variables had its Keras weights' names and layouts under the layer's
    scope: ``tf.layers.dense`` -> ``<key>/kernel``, ``<key>/bias``; ``conv1d``/``conv2d`` the same
    (TF1 and Keras kernels are both ``[*window, in, filters]``)."""

    def arrays(source: Mapping[str, Any], slot: bool) -> list[np.ndarray]:
        del slot  # a by-name copy: a slot is copied as the weight is
        found = []
        for weight in layer.weights:
            array = _variable(source, key, weight.name)
            if tuple(array.shape) != tuple(weight.shape):
                raise ValueError(
                    f"restore: expected {key}/{weight.name} of shape {tuple(weight.shape)} (the "
                    f"{type(layer).__name__} layer's {weight.name}), got {tuple(array.shape)}"
                )
            found.append(array)
        return found

    return _WeightGroup(list(layer.weights), key, [f"{key}/{w.name}" for w in layer.weights], arrays)


def _cell_groups(cells: Mapping[int, tuple[Any, list[str]]], variables: Mapping[str, Any], settings: Mapping[str, Any]) -> list[_WeightGroup]:
    groups = []
    # One cell object run under several scopes (the same stack as cell_fw and cell_bw) had its
    # TF1 variables created in the first scope that ran it and shared by the others: it takes
    # its weights from whichever of its scopes the checkpoint has.
    for base, cell_scopes in cells.values():
        errors = []
        for cell_scope in cell_scopes:
            try:
                prefix = _cell_prefix(variables, cell_scope, _family(base))
            except ValueError as error:
                errors.append(error)
                continue

            def arrays(source, slot, base=base, prefix=prefix):
                cell_settings = {"forget_bias": 0.0} if slot else settings.get(prefix, {})
                return _cell_arrays(base, source, prefix, cell_settings)

            groups.append(_WeightGroup(list(base.weights), prefix, [prefix] * len(base.weights), arrays))
            break
        else:
            if _keras_named_arrays(base, variables) is None:
                raise errors[0]

            def keras_named(source, slot, base=base):
                del slot
                found = _keras_named_arrays(base, source)
                if found is None:
                    raise _missing(f"{base.name}/{base.weights[0].name}", source)
                return [array for array, _ in found]

            groups.append(_WeightGroup(
                list(base.weights), base.name, [f"{base.name}/{w.name}" for w in base.weights], keras_named,
            ))
    return groups


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
        scope = f"{key}/" if key else ""
        layers = _layers(layer)
        for index, base in enumerate(_base_cells(layer)):
            # The layer's scope; _cell_prefix finds the cell scope under it in the checkpoint.
            cell_scope = f"{tf1_names.layer_scope(key, index=index, multi_rnn_cell=True)}/" if layers is not None else scope
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


def _keras_named_arrays(cell: Any, variables: Mapping[str, Any]) -> list[tuple[np.ndarray, str]] | None:
    """A cell that was a (tf.)keras cell in the TF1 script too: its TF1 variables carry Keras'
    names and layout (``simple_rnn_cell/kernel``, ``.../recurrent_kernel``): every weight by
    that name and shape, or None."""
    found = []
    for weight in cell.weights:
        name = f"{cell.name}/{weight.name}"
        array = variables.get(name)
        if array is None or tuple(np.shape(array)) != tuple(weight.shape):
            return None
        found.append((np.asarray(array), name))
    return found


def _tf_variable(variable: Any) -> Any:
    """The ``tf.Variable`` behind a Keras 3 variable (or the variable itself)."""
    return variable.value if isinstance(variable, keras.Variable) else variable


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
    from tf2_port.checkpoint import read_checkpoint, read_meta_settings, resolve_checkpoint_path

    prefix = resolve_checkpoint_path(checkpoint)
    settings: dict[str, dict[str, Any]] = {}
    meta = prefix + ".meta"
    if os.path.exists(meta):
        settings = {key: dict(value) for key, value in read_meta_settings(meta).items()}
    for cell_prefix, value in (forget_biases or {}).items():
        settings.setdefault(cell_prefix, {})["forget_bias"] = float(value)
    variables = read_checkpoint(prefix)
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
