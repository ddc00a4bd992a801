"""Old TF1 checkpoints into the objects of an eager TensorFlow 2 program, by an explicit name table.

A TF1 script restored its weights with ``saver.restore(sess, "model.ckpt")``; the same program
migrated to eager TensorFlow 2 holds ``tf.Variable`` s and Keras layers that carry none of the
TF1 names. The codemod that writes the migrated program knows which TF1 name each object had,
and writes the table out:

    restore_tf1_checkpoint_into("model.ckpt", {
        "Variable": W2, "Variable_1": b2,   # a variable: the array of exactly that name
        "rnn": cell,                        # an RNN cell or stack: its driver's scope
        "dense": dense,                     # another layer: <scope>/kernel, <scope>/bias...
    })

RNN weights are converted exactly as the keras-level runtime converts them
(:mod:`tf2_port.convert`: gate reorder, kernel split, ``forget_bias`` folded into the bias,
ARCHITECTURE.md: facts the code encodes); everything else is copied by name.

The pieces both restore paths share live here: the keras-level runtime's
``tf2_port.keras_rnn.restore_tf1_checkpoint`` (a migrated TF1 *graph*, whose layers are found in
the runtime's scope table) finds cells, converts them and names missing values with the same
helpers. This module runs eagerly, imports neither ``tf_keras`` nor the keras-level runtime, and
reads checkpoints (:mod:`tf2_port.checkpoint`) only when a restore runs.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

import keras
import numpy as np
import tensorflow as tf

from tf2_port import convert, tf1_names
from tf2_port.cells import TF1LSTMCell, _unwrap

# The converter of each family whose Keras cell takes the converter's output as it is; an
# LSTM's depends on the cell (stock LSTMCell or TF1LSTMCell) and on forget_bias.
_CONVERTERS = {"basic_rnn": convert.basic_rnn_to_keras, "gru": convert.gru_to_keras}

# Unbuilt layers this module can build from the checkpoint's shapes alone (besides RNN cells):
# the input width is readable from the kernel. Any other layer must be built (or called once)
# before a restore, since its input shape is not in the checkpoint.
_CONV_LAYERS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)


# --- Shared with tf2_port.keras_rnn.restore --------------------------------------------------


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


def _stack_layers(cell: Any) -> list[Any] | None:
    """The layers of a ``StackedRNNCells`` (a TF1 ``MultiRNNCell``), inside any wrappers, or None."""
    inner = _unwrap(cell)
    return list(inner.cells) if isinstance(inner, keras.layers.StackedRNNCells) else None


def _driver_cell_scopes(cell: Any, driver_scope: str) -> list[tuple[Any, str]]:
    """``(base cell, the scope its TF1 cell scope sits in)`` for each cell a driver ran.

    A ``MultiRNNCell`` layer sits in ``<driver>/multi_rnn_cell/cell_<i>/``, a lone cell directly in
    ``<driver>/`` (``""`` for a cell run with no driver scope); :func:`_cell_prefix` then finds
    the cell's own scope (``lstm_cell``, ``gru_cell``, a custom name) in the checkpoint.
    """
    layers = _stack_layers(cell)
    if layers is None:
        return [(_unwrap(cell), f"{driver_scope}/" if driver_scope else "")]
    return [
        (_unwrap(layer), f"{tf1_names.layer_scope(driver_scope, index=index, multi_rnn_cell=True)}/")
        for index, layer in enumerate(layers)
    ]


def _tf_variable(variable: Any) -> Any:
    """The ``tf.Variable`` behind a Keras 3 variable (or the variable itself)."""
    return variable.value if isinstance(variable, keras.Variable) else variable


def _read_tf1_checkpoint(
    checkpoint: str | os.PathLike[str], forget_biases: Mapping[str, float] | None,
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
    """``({TF1 name: array}, {cell prefix: settings})`` of a checkpoint: the settings from the
    ``.meta`` graph beside it when there is one, each ``forget_biases`` entry overriding."""
    from tf2_port.checkpoint import read_checkpoint, read_meta_settings, resolve_checkpoint_path

    prefix = resolve_checkpoint_path(checkpoint)
    settings: dict[str, dict[str, Any]] = {}
    meta = prefix + ".meta"
    if os.path.exists(meta):
        settings = {key: dict(value) for key, value in read_meta_settings(meta).items()}
    for cell_prefix, value in (forget_biases or {}).items():
        settings.setdefault(cell_prefix, {})["forget_bias"] = float(value)
    return read_checkpoint(prefix), settings


# --- Eager objects by an explicit table ------------------------------------------------------


def _is_variable(target: Any) -> bool:
    return isinstance(target, (tf.Variable, keras.Variable))


def _is_rnn_cell(target: Any) -> bool:
    """A Keras RNN cell, a ``StackedRNNCells``, or a project wrapper of either (not an RNN layer)."""
    return isinstance(target, keras.layers.Layer) and hasattr(target, "state_size") and not isinstance(
        target, (keras.layers.RNN, keras.layers.Bidirectional))


def _variable_assignment(key: str, variable: Any, arrays: Mapping[str, Any]) -> tuple[Any, np.ndarray, str]:
    if key not in arrays:
        raise _missing(key, arrays)
    array = np.asarray(arrays[key])
    if tuple(array.shape) != tuple(variable.shape):
        raise ValueError(
            f"restore: expected {key} of shape {tuple(variable.shape)} (the variable it is restored "
            f"into), got {tuple(array.shape)}"
        )
    # TF1's Saver refused a value of another dtype; a silent cast (float64 -> float32, float ->
    # int) would change the program's numbers.
    expected_dtype = np.dtype(tf.as_dtype(variable.dtype).as_numpy_dtype)
    if array.dtype != expected_dtype:
        raise ValueError(
            f"restore: expected {key} of dtype {expected_dtype.name} (the variable it is restored "
            f"into), got {array.dtype.name}"
        )
    return variable, array, key


def _build_cell(cell: Any, key: str, cell_scopes: list[tuple[Any, str]], arrays: Mapping[str, Any]) -> None:
    """Build an unbuilt cell or stack for the input width its first TF1 kernel was made for."""
    first, scope = cell_scopes[0]
    family = _family(first)
    prefix = _cell_prefix(arrays, scope, family)
    kernel_role = tf1_names.FAMILY_ROLES[family][0][0]
    kernel = _variable(arrays, prefix, kernel_role)
    # TF1's fused kernel runs over concat([x, h]): its rows are the input width plus the
    # fed-back width (the units, or num_proj for a projected LSTM).
    input_width = kernel.shape[0] - first.output_size
    if input_width < 1:
        raise ValueError(
            f"restore: expected {prefix}/{kernel_role} to have more rows than the "
            f"{type(first).__name__}'s fed-back width {first.output_size} (its rows are the input "
            f"width plus that width), got shape {tuple(kernel.shape)} for scope {key!r}"
        )
    cell.build((None, input_width))


def _build_layer(layer: Any, key: str, arrays: Mapping[str, Any]) -> None:
    """Build an unbuilt Dense, Conv1D/2D/3D or Embedding from its TF1 kernel's shape."""
    if isinstance(layer, keras.layers.Embedding):
        layer.build()  # its weight's shape is in its arguments
        return
    if isinstance(layer, keras.layers.Dense):
        layer.build((None, _variable(arrays, key, "kernel").shape[0]))
        return
    if isinstance(layer, _CONV_LAYERS):
        # TF1's and Keras' kernels are both [*window, in, filters]; the spatial sizes stay open.
        channels = _variable(arrays, key, "kernel").shape[-2]
        spatial = (None,) * layer.rank
        shape = (None, channels, *spatial) if layer.data_format == "channels_first" else (None, *spatial, channels)
        layer.build(shape)
        return
    raise ValueError(
        f"restore: expected a built layer for {key!r} (only RNN cells, Dense, Conv1D/2D/3D and "
        f"Embedding are built from the checkpoint's shapes), got an unbuilt {type(layer).__name__}; "
        "call it once or build() it before the restore"
    )


def _check_distinct_weight_names(layer: Any, key: str) -> None:
    # Weights are found by `<key>/<weight name>`: a model of several layers (two `kernel`s) would
    # take one array twice.
    names = [weight.name for weight in layer.weights]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"restore: expected one layer for {key!r}, whose weights have distinct names, got a "
            f"{type(layer).__name__} with several weights named {repeated}; list its layers "
            "under their own TF1 scopes"
        )


def _group_arrays(group: _WeightGroup, arrays: Mapping[str, Any]) -> list[np.ndarray]:
    """The group's arrays; a converter's refusal (its own "Invalid `gates_kernel`: expected
    shape ..." message names no checkpoint scope) is given the cell's TF1 prefix."""
    try:
        return group.arrays(arrays, False)
    except ValueError as error:
        if str(error).startswith("restore:"):
            raise  # already names the TF1 name it is about
        shapes = {weight.path: tuple(weight.shape) for weight in group.weights}
        raise ValueError(
            f"restore: expected the TF1 weights of {group.scope} to convert into Keras weights of "
            f"shapes {shapes}, got: {error}"
        ) from error


def tf1_object_assignments(
    arrays: Mapping[str, Any],
    objects: Mapping[str, Any],
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[tuple[Any, np.ndarray, str]]:
    """Which TF1 arrays go into which variables of an eager program: ``(variable, array, TF1 name)``.

    Each entry of ``objects`` maps a TF1 name or scope to the object that stands for it:

    * a ``tf.Variable`` or ``keras.Variable`` takes the array of exactly that name (same shape
      and dtype, as TF1's ``Saver`` required);
    * a Keras RNN cell (``LSTMCell``, ``GRUCell(reset_after=False)``, ``SimpleRNNCell``,
      :class:`tf2_port.cells.TF1LSTMCell`) or a ``keras.layers.StackedRNNCells`` of them, each
      possibly wrapped in :class:`~tf2_port.cells.DropoutWrapperCell` /
      :class:`~tf2_port.cells.ResidualCell`, is keyed by the scope of the driver that ran it
      (``"rnn"``, ``"LM/rnn"``): a stack's layers are ``<scope>/multi_rnn_cell/cell_<i>/<cell
      scope>/...``, a lone cell's ``<scope>/<cell scope>/...``. Weights are converted as the
      keras-level runtime converts them (:mod:`tf2_port.convert`: gate reorder, kernel split,
      each LSTM's ``forget_bias`` folded into its bias); the TF1 name reported is the cell's
      prefix (``rnn/multi_rnn_cell/cell_0/lstm_cell``);
    * any other Keras layer with weights (``Dense``, ``Conv1D``, ``Embedding``...) takes
      ``<key>/<Keras weight name>`` (``dense/kernel``, ``dense/bias``), as ``tf.layers`` named
      them.

    An unbuilt cell, stack, ``Dense``, ``Conv1D/2D/3D`` or ``Embedding`` is built first from the
    checkpoint's shapes (a cell's input width is its first TF1 kernel's rows minus its fed-back
    width; a Dense's is its kernel's rows): an eager program creates Keras weights on the first
    call, and a restore at the start of a script comes before it. A restore that then fails
    leaves those objects built, with their initial values.

    Args:
        arrays: ``{TF1 name: array}``, e.g. ``tf2_port.checkpoint.read_checkpoint(path)``.
        objects: ``{TF1 name or scope: variable, cell, stack or layer}``. A cell or stack under
            two keys (run under two scopes, which TF1 shared) takes its weights from the first
            of them the checkpoint has; a variable listed both alone and inside its layer is
            assigned once, from its first entry.
        settings: ``{TF1 cell prefix: {"forget_bias": ...}}`` as
            ``tf2_port.checkpoint.read_meta_settings`` reads them from a ``.meta`` graph.

    Returns:
        One ``(variable, array, TF1 name)`` per variable, each variable once: the variables in
        the order of ``objects``, then the layers' weights, then the cells'. Nothing is
        assigned.

    Raises:
        ValueError: naming the TF1 name and the closest checkpoint names when the checkpoint
            lacks a value ("expected a checkpoint value for X; closest checkpoint names: ..."),
            when a value has another shape or dtype ("expected X of shape ..., got ..."), when
            an LSTM's ``forget_bias`` is not in ``settings``, or when an unbuilt layer's input
            shape cannot be read from the checkpoint.
        TypeError: when an object is none of the kinds above (a ``keras.layers.RNN`` or
            ``Bidirectional`` layer is refused: pass its cell under the driver's scope).
    """
    settings = settings or {}
    assignments: list[tuple[Any, np.ndarray, str]] = []
    groups: list[_WeightGroup] = []
    cells: dict[int, tuple[Any, list[str]]] = {}
    for key, target in objects.items():
        key = key.rstrip("/")
        if _is_variable(target):
            assignments.append(_variable_assignment(key, target, arrays))
        elif _is_rnn_cell(target):
            cell_scopes = _driver_cell_scopes(target, key)
            for base, _ in cell_scopes:
                _family(base)  # refuses a cell of no TF1 family before anything is built
                if isinstance(base, keras.layers.GRUCell) and base.reset_after:
                    raise ValueError(
                        f"restore: expected GRUCell(reset_after=False) under {key!r} (what TF1's "
                        "GRUCell computes), got reset_after=True"
                    )
            if not target.built:
                _build_cell(target, key, cell_scopes, arrays)
            for base, cell_scope in cell_scopes:
                cells.setdefault(id(base), (base, []))[1].append(cell_scope)
        elif isinstance(target, (keras.layers.RNN, keras.layers.Bidirectional)):
            raise TypeError(
                f"restore: expected the cell of the RNN driven under {key!r}, got a "
                f"{type(target).__name__} layer; pass its cell (layer.cell, or StackedRNNCells)"
            )
        elif isinstance(target, keras.layers.Layer):
            if not target.built:
                _build_layer(target, key, arrays)
            _check_distinct_weight_names(target, key)
            if target.weights:  # pooling, flatten, dropout own nothing to restore
                groups.append(_named_weights_group(target, key, arrays))
        else:
            raise TypeError(
                f"restore: expected a tf.Variable, keras.Variable, Keras RNN cell or Keras layer "
                f"for {key!r}, got {type(target).__name__}"
            )
    groups += _cell_groups(cells, arrays, settings)

    covered = {id(_tf_variable(variable)) for variable, _, _ in assignments}
    for group in groups:
        for weight, array, source in zip(group.weights, _group_arrays(group, arrays), group.sources):
            if id(_tf_variable(weight)) in covered:
                continue  # listed twice (as a variable and inside its layer): the first entry wins
            if tuple(np.shape(array)) != tuple(weight.shape):
                raise ValueError(
                    f"restore: expected {source} to give the Keras weight {weight.path} of shape "
                    f"{tuple(weight.shape)}, got {tuple(np.shape(array))}"
                )
            assignments.append((weight, np.asarray(array), source))
            covered.add(id(_tf_variable(weight)))
    return assignments


def restore_tf1_checkpoint_into(
    checkpoint: str | os.PathLike[str],
    objects: Mapping[str, Any],
    forget_biases: Mapping[str, float] | None = None,
) -> list[str]:
    """Load an old TF1 checkpoint into the variables and Keras layers of an eager program.

    Call it where the TF1 script called ``saver.restore(sess, path)``, with the table of which
    object stands for which TF1 name or scope (see :func:`tf1_object_assignments`):

        restore_tf1_checkpoint_into("model.ckpt", {"Variable": W2, "rnn": cell, "dense": dense})

    Every value is checked before any is assigned, so a refused restore assigns nothing
    (unbuilt layers may have been built). The ``.meta`` file beside the checkpoint supplies
    each LSTM's ``forget_bias``; without it pass ``forget_biases={cell prefix: value}``, which
    also overrides the ``.meta`` graph. Optimizer slots (Adam's ``m``/``v``) and ``global_step``
    are not restored: a migrated program resumes with fresh optimizer state.

    Args:
        checkpoint: a checkpoint prefix (``model.ckpt-1000``), a V1 file, or a directory with a
            ``checkpoint`` file.
        objects: ``{TF1 name or scope: tf.Variable, keras.Variable, RNN cell or stack, layer}``.
        forget_biases: ``{TF1 cell prefix: forget_bias}``, e.g.
            ``{"rnn/multi_rnn_cell/cell_0/basic_lstm_cell": 0.7}``.

    Returns:
        The TF1 names that were loaded, sorted: a variable's or layer weight's own name, a
        cell's prefix for its converted weights.

    Raises:
        FileNotFoundError: when there is no checkpoint at ``checkpoint``.
        ValueError: as :func:`tf1_object_assignments` (a value missing, named with the closest
            checkpoint names; another shape or dtype; an unknown ``forget_bias``).
        TypeError: as :func:`tf1_object_assignments` (an object of no supported kind).
        RuntimeError: when called without eager execution (inside ``tf.function`` or a
            ``tf.compat.v1`` graph, where an assignment would only add an op; a migrated TF1
            graph restores with ``tf2_port.keras_rnn.restore_tf1_checkpoint(session, ...)``).
    """
    if not tf.executing_eagerly():
        raise RuntimeError(
            "restore_tf1_checkpoint_into: expected eager execution, got a graph being built "
            "(tf.function or tf.compat.v1); call it outside tf.function, or in a TF1 graph use "
            "tf2_port.keras_rnn.restore_tf1_checkpoint(session, ...)"
        )
    variables, settings = _read_tf1_checkpoint(checkpoint, forget_biases)
    assignments = tf1_object_assignments(variables, objects, settings)
    for variable, array, _ in assignments:
        variable.assign(array)
    return sorted({name for _, _, name in assignments})


__all__ = ["restore_tf1_checkpoint_into", "tf1_object_assignments"]
