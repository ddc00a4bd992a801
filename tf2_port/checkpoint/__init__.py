"""TF1 checkpoint -> one Keras 3 ``.keras`` model per RNN stack, plus an ``.npz`` of the rest.

    result = convert_checkpoint("old/model.ckpt", "converted/")
    print(format_mapping(result))                     # TF1 name -> Keras weight, per stack
    model = load_converted(result.stacks[0].keras_path)   # keras.saving.load_model, minus wasted draws
    outputs, *states = model(x, initial_state=keras_states, sequence_length=lengths)
    heads = np.load(result.rest_path)                 # W2, lm/dense/kernel, embeddings, ...

What happens, in order (ARCHITECTURE.md: the data flow, and TF1 checkpoint names):

1. The checkpoint is opened with ``tf.train.load_checkpoint`` (Saver V1 and V2,
   eager, no graph, no ``tf_keras``). A conversion reads it lazily: names, shapes
   and dtypes from the index first, each cell's arrays only when that cell is
   converted (so peak memory stays near the Keras weights plus one cell);
   :func:`read_checkpoint` reads every array at once.
2. Names in :data:`SKIPPED_VARIABLES` (optimizer slots, ``global_step``, cuDNN's
   opaque blob) are set aside and *listed* in the result.
3. :func:`discover_stacks` finds every RNN stack from names and shapes alone:
   driver root (any scope, ``rnn``, ``m/rnn``, ``encoder``...), ``MultiRNNCell``
   layers, bare cells, ``fw``/``bw`` directions, stacked bidirectional layers,
   and the cell family of each layer (:data:`FAMILY_VARIABLES`); units,
   ``num_proj``, peepholes and every layer's input width come from shapes, and
   each layer's input width is checked against the previous layer's output.
4. Settings that checkpoints do not store (``forget_bias``, ``activation``,
   ``cell_clip``, ``proj_clip``) come from explicit arguments, else from the
   ``.meta`` graph beside the checkpoint (:func:`read_meta_settings`), else from
   ``tf1_defaults=True`` for everything but ``forget_bias`` — else it is an
   error that says which argument to pass. Nothing is guessed.
5. Each stack becomes a :class:`~tf2_port.build.StackPort` (or, for
   ``CudnnGRU``, whose ``reset_after=True`` GRU StackPort does not build, a
   :class:`CudnnGRUStackPort`) with the converted weights, saved as
   ``<root with "/" -> "__">.keras``; every other array goes to ``rest.npz``
   under its TF1 name. All files are written to a temporary directory beside
   ``out_dir`` and renamed into place at the end: on any error nothing is written.

What the discovery refuses, with a message naming the variables: cell scopes
whose variable set fits no known family, mis-shaped variables, layers whose
input width is not the previous layer's output width, custom-named cells whose
kind the shapes cannot settle (pass ``cell_kinds``), ``fw``/``bw`` stacks whose
layers differ, pre-1.0 names (``LSTMCell/W_0``, ``Linear/Matrix``,
``MultiRNNCell/CellN``), unmapped variables inside a cell scope, and
bidirectional ``CudnnGRU``.

``ResidualWrapper`` has no variables: it is read from the ``.meta`` graph when
there is one, and cannot be seen without it. Not recovered at all (stated, not
guessed): ``DropoutWrapper`` (inference drops it anyway), ``state_is_tuple`` and
``time_major`` (the Keras
model's call contract is batch-major with Keras-order states either way), and
static vs dynamic drivers (same numbers; specs say ``dynamic_rnn``).

A custom-named cell (``LSTMCell(name="x")``) is recognised inside
``multi_rnn_cell/cell_{i}``, directly under ``fw``/``bw``, or directly under a
default driver scope (``rnn/x/...``); ``encoder/x/{kernel,bias}`` alone looks
exactly like a dense layer and is kept in ``rest.npz``.

Library code: nothing here prints; :func:`format_mapping` renders the result
for the CLI. TensorFlow is imported lazily (only to read checkpoints and
``.meta`` files), so importing this package to load a converted ``.keras`` file
works on any Keras backend.

The package is split by what a reader looks for; every public name is importable from here:
:mod:`.reading` (opening a checkpoint: :func:`read_checkpoint`, :func:`resolve_checkpoint_path`,
the lazy view a conversion reads), :mod:`.tables` (what TF1 names, shapes and graph ops mean),
:mod:`.discovery` (stacks from variable names and shapes: :func:`discover_stacks`,
:func:`skip_reason`), :mod:`.meta_graph` (settings read from a ``.meta`` graph:
:func:`read_meta_settings`), :mod:`.settings` (settings resolved, :func:`stack_spec`),
:mod:`.cudnn_gru` (:class:`CudnnGRUStackPort`), :mod:`.initial_draws` (models built without
their random initial draws, :func:`load_converted`), :mod:`.weights` (the converter of each
cell family, the stack's Keras model), :mod:`.writing` (the atomic output directory),
:mod:`.results` (:class:`ConversionResult` and its parts) and :mod:`.report`
(:func:`format_mapping`). The pipeline itself -- :func:`convert_checkpoint` and
:func:`load_checkpoint_into_port` -- is this file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from tf1_reference.spec import StackSpec
from tf2_port.build import StackPort
from tf2_port.checkpoint.cudnn_gru import CudnnGRUStackPort
from tf2_port.checkpoint.discovery import (
    DiscoveredCell,
    DiscoveredStack,
    _canonical_names,
    discover_stacks,
    keras_name_for_root,
    skip_reason,
)
from tf2_port.checkpoint.initial_draws import _no_random_draws  # tests/test_checkpoint.py checks it
from tf2_port.checkpoint.initial_draws import load_converted
from tf2_port.checkpoint.meta_graph import _graph_contexts, _kernel_variable, _load_meta_graph  # tf2_port.verify
from tf2_port.checkpoint.meta_graph import read_meta_settings
from tf2_port.checkpoint.reading import _tf  # tf2_port.verify reads .meta graphs with it
from tf2_port.checkpoint.reading import _open_checkpoint, read_checkpoint, resolve_checkpoint_path
from tf2_port.checkpoint.report import format_mapping
from tf2_port.checkpoint.results import ConversionResult, StackConversion, WeightMapping
from tf2_port.checkpoint.settings import Setting, _resolve_settings, stack_spec
from tf2_port.checkpoint.tables import CELL_KIND_OPTIONS, FAMILY_VARIABLES, SKIPPED_VARIABLES
from tf2_port.checkpoint.weights import _build_model
from tf2_port.checkpoint.writing import checked_out_dir, staged_directory


# --- Conversion -----------------------------------------------------------------------


@dataclass
class _Plan:
    checkpoint: str
    meta_path: str | None
    stacks: list[tuple[DiscoveredStack, StackSpec | None, Any, list[WeightMapping], dict[str, dict[str, Setting]]]]
    rest: dict[str, np.ndarray]
    skipped: list[tuple[str, str]]


# The steps are looked up in this module's namespace: bench/checkpoint_speed.py --profile wraps
# `_open_checkpoint` and `_build_model` here to measure each one.
def _plan(path: Any, *, forget_bias: Any, activation: Any, cell_clip: Any, proj_clip: Any, tf1_defaults: bool,
          cell_kinds: Mapping[str, str] | None, scope: str | None, meta_path: Any) -> _Plan:
    checkpoint = resolve_checkpoint_path(path)
    # Lazily read: discovery needs only shapes and dtypes, and each cell's arrays are read,
    # converted and assigned one cell at a time (peak memory ~ the Keras weights + one cell).
    variables = _open_checkpoint(checkpoint)
    skipped = [(name, reason) for name in variables if (reason := skip_reason(name)) is not None]
    stacks = discover_stacks(variables, cell_kinds=cell_kinds)
    if not stacks:
        hint = (" It is a TF2 object-based checkpoint (tf.train.Checkpoint), not a TF1 Saver one."
                if "_CHECKPOINTABLE_OBJECT_GRAPH" in variables else "")
        raise ValueError(
            f"No RNN stack found in the checkpoint `{checkpoint}`: expected cell variables such as "
            f"`rnn/multi_rnn_cell/cell_0/lstm_cell/kernel`, received {sorted(variables)[:12]}.{hint}"
        )
    if scope is not None:
        chosen = [stack for stack in stacks if stack.root == scope]
        if not chosen:
            raise ValueError(
                f"Invalid value for `scope`: expected one of the stack roots {[s.root for s in stacks]}, "
                f"received {scope!r}."
            )
        for stack in stacks:
            if stack.root != scope:
                skipped.extend((name, f"RNN stack `{stack.root}` outside scope={scope!r}")
                               for name in stack.variable_names())
        stacks = chosen
    if meta_path is None:
        candidate = checkpoint + ".meta"
        meta_path = candidate if os.path.isfile(candidate) else None
    elif not os.path.isfile(meta_path):
        raise FileNotFoundError(f"Invalid `meta_path`: expected a .meta file, `{meta_path}` does not exist.")
    meta_settings = read_meta_settings(meta_path) if meta_path is not None else None
    arguments = {"forget_bias": forget_bias, "activation": activation, "cell_clip": cell_clip,
                 "proj_clip": proj_clip}
    settings = _resolve_settings(stacks, arguments, meta_settings, tf1_defaults, checkpoint)
    planned = []
    for stack in stacks:
        stack_settings = {cell.prefix: settings[cell.prefix] for cells in stack.cells.values() for cell in cells}
        spec = stack_spec(stack, stack_settings)
        model, mapping = _build_model(stack, spec, variables, stack_settings)
        planned.append((stack, spec, model, mapping, stack_settings))
    rnn_names = {name for name, _ in skipped} | {name for stack in stacks for name in stack.variable_names()}
    rest = {name: array for name, array in variables.items() if name not in rnn_names}
    return _Plan(checkpoint, meta_path, planned, rest, skipped)


def convert_checkpoint(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    forget_bias: float | Mapping[str, float] | None = None,
    activation: str | Mapping[str, str] | None = None,
    cell_clip: float | bool | Mapping[str, float | bool] | None = None,
    proj_clip: float | bool | Mapping[str, float | bool] | None = None,
    tf1_defaults: bool = False,
    cell_kinds: Mapping[str, str] | None = None,
    scope: str | None = None,
    meta_path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> ConversionResult:
    """Convert a TF1 checkpoint into one ``.keras`` model per RNN stack plus ``rest.npz``.

    Args:
        path: checkpoint prefix or directory (see :func:`read_checkpoint`).
        out_dir: directory to create. Written atomically: everything goes to a
            temporary directory beside it, renamed into place at the end; on any
            error nothing is written.
        forget_bias, activation, cell_clip, proj_clip: settings the checkpoint
            does not store. A value applies to every cell it concerns; a
            ``{cell prefix: value}`` mapping sets cells one by one. Arguments
            override the ``.meta`` graph. ``cell_clip=False`` / ``proj_clip=False``
            say "no clipping".
        tf1_defaults: where neither an argument nor the ``.meta`` graph says,
            use TF1's defaults for ``activation`` ('tanh') and the clips (none).
            ``forget_bias`` is never defaulted.
        cell_kinds: ``{cell prefix: kind}`` for custom-named cells whose kind
            the shapes leave open (see ``CELL_KIND_OPTIONS``).
        scope: convert only the stack with this root (e.g. ``"lm/rnn"``); the
            other stacks' variables are listed as skipped.
        meta_path: the ``.meta`` graph (default: ``<prefix>.meta`` when it exists).
        overwrite: replace an existing non-empty ``out_dir``.

    Returns:
        A :class:`ConversionResult`.

    Raises:
        FileNotFoundError, ValueError: naming the path, variable, setting or
        argument, with what was expected and what was received.
    """
    out_dir = checked_out_dir(out_dir, overwrite)
    plan = _plan(path, forget_bias=forget_bias, activation=activation, cell_clip=cell_clip, proj_clip=proj_clip,
                 tf1_defaults=tf1_defaults, cell_kinds=cell_kinds, scope=scope, meta_path=meta_path)
    with staged_directory(out_dir) as staging:
        conversions = []
        for stack, spec, model, mapping, settings in plan.stacks:
            file_name = f"{stack.file_stem}.keras"
            model.save(os.path.join(staging, file_name))
            conversions.append(StackConversion(
                root=stack.root, spec=spec, keras_path=os.path.join(out_dir, file_name),
                model_class=type(model).__name__, layers=dict(stack.cells), settings=settings, mapping=mapping,
            ))
        np.savez(os.path.join(staging, "rest.npz"), **plan.rest)
    return ConversionResult(
        checkpoint=plan.checkpoint, meta_path=plan.meta_path, out_dir=out_dir, stacks=conversions,
        rest_path=os.path.join(out_dir, "rest.npz"),
        rest=[(name, tuple(np.shape(array))) for name, array in plan.rest.items()], skipped=plan.skipped,
    )


def load_checkpoint_into_port(
    path: str | os.PathLike[str],
    spec: StackSpec | None = None,
    *,
    forget_bias: float | Mapping[str, float] | None = None,
    activation: str | Mapping[str, str] | None = None,
    cell_clip: float | bool | Mapping[str, float | bool] | None = None,
    proj_clip: float | bool | Mapping[str, float | bool] | None = None,
    tf1_defaults: bool = False,
    cell_kinds: Mapping[str, str] | None = None,
    scope: str | None = None,
    meta_path: str | os.PathLike[str] | None = None,
) -> Any:
    """A ready Keras model of one stack of a checkpoint, without writing files.

    With ``spec``, its ``StackPort`` is loaded by ``set_tf1_variables`` (TF <= 1.1
    ``weights``/``biases`` accepted) and the setting arguments must be left
    out: the spec holds them. Without ``spec``, the stack is discovered as by
    :func:`convert_checkpoint` (``scope`` picks it when there are several).
    """
    if spec is not None:
        given = {name: value for name, value in (("forget_bias", forget_bias), ("activation", activation),
                                                   ("cell_clip", cell_clip), ("proj_clip", proj_clip)) if value is not None}
        if given or tf1_defaults or cell_kinds:
            raise ValueError(
                f"Invalid arguments {sorted(given) or ['tf1_defaults/cell_kinds']}: expected none with `spec` "
                "(the spec already holds every setting)."
            )
        variables = read_checkpoint(path)
        canonical = {renamed: variables[name] for renamed, name in _canonical_names(variables).items()}
        port = StackPort(spec)
        port.set_tf1_variables(canonical)
        return port
    plan = _plan(path, forget_bias=forget_bias, activation=activation, cell_clip=cell_clip, proj_clip=proj_clip,
                 tf1_defaults=tf1_defaults, cell_kinds=cell_kinds, scope=scope, meta_path=meta_path)
    if len(plan.stacks) != 1:
        raise ValueError(
            f"Invalid value for `scope`: expected one of {[s[0].root for s in plan.stacks]} (the checkpoint has "
            f"{len(plan.stacks)} RNN stacks), received None."
        )
    return plan.stacks[0][2]


__all__ = [
    "CELL_KIND_OPTIONS", "ConversionResult", "CudnnGRUStackPort", "DiscoveredCell", "DiscoveredStack",
    "FAMILY_VARIABLES", "SKIPPED_VARIABLES", "Setting", "StackConversion", "WeightMapping", "convert_checkpoint",
    "discover_stacks", "format_mapping", "keras_name_for_root", "load_checkpoint_into_port", "load_converted",
    "read_checkpoint",
    "read_meta_settings", "resolve_checkpoint_path", "skip_reason", "stack_spec",
]
