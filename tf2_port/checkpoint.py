"""TF1 checkpoint -> one Keras 3 ``.keras`` model per RNN stack, plus an ``.npz`` of the rest.

    result = convert_checkpoint("old/model.ckpt", "converted/")
    print(format_mapping(result))                     # TF1 name -> Keras weight, per stack
    model = load_converted(result.stacks[0].keras_path)   # keras.saving.load_model, minus wasted draws
    outputs, *states = model(x, initial_state=keras_states, sequence_length=lengths)
    heads = np.load(result.rest_path)                 # W2, lm/dense/kernel, embeddings, ...

What happens, in order (DESIGN.md §2, §3.3):

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
``.meta`` files), so importing this module to load a converted ``.keras`` file
works on any Keras backend.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import keras
import numpy as np
from keras import ops

from tf1_reference.spec import ACTIVATIONS, LayerSpec, ResidualSpec, StackSpec
from tf2_port import convert
from tf2_port.build import StackPort, base_cell
from tf2_port.names import TF1_DRIVER_SCOPES

_PACKAGE = "tf1_migrate"

# --- Tables ---------------------------------------------------------------------------

# Names that are not model weights. Matched against the last name component
# (optimizer slots live at `<variable>/<slot>`) or the whole name.
SKIPPED_VARIABLES: dict[str, str] = {
    "Adam": "optimizer slot (Adam m)",
    "Adam_1": "optimizer slot (Adam v)",
    "Adagrad": "optimizer slot (Adagrad accumulator)",
    "Momentum": "optimizer slot (Momentum)",
    "RMSProp": "optimizer slot (RMSProp ms)",
    "RMSProp_1": "optimizer slot (RMSProp mom)",
    "Adadelta": "optimizer slot (Adadelta accum)",
    "Adadelta_1": "optimizer slot (Adadelta accum_update)",
    "Ftrl": "optimizer slot (Ftrl accum)",
    "Ftrl_1": "optimizer slot (Ftrl linear)",
    "beta1_power": "optimizer state (Adam beta1 power)",
    "beta2_power": "optimizer state (Adam beta2 power)",
    "global_step": "training step counter",
    # CudnnLSTM/CudnnGRU keep their weights twice: the opaque blob and the
    # canonical cudnn_compatible_* variables that are converted.
    "opaque_kernel": "cuDNN opaque parameter blob (the canonical variables are converted)",
    "_CHECKPOINTABLE_OBJECT_GRAPH": "TF2 object graph (not a TF1 variable)",
}

# TF <= 1.1 named the variables of `_linear` `weights`/`biases`.
LEGACY_LEAF_NAMES = {"weights": "kernel", "biases": "bias"}

# Pre-1.0 names (`tf.nn.rnn_cell` of TF 0.x): refused with a pointer, not guessed.
PRE_TF1_NAME_PATTERNS = (
    re.compile(r"(^|/)(Basic)?LSTMCell/W_\d+$"),
    re.compile(r"(^|/)Linear/(Matrix|Bias)$"),
    re.compile(r"(^|/)MultiRNNCell/Cell\d+/"),
)

# Cell families: the variables of one cell scope (roles = names relative to the
# scope, after LEGACY_LEAF_NAMES) as (required, optional).
FAMILY_VARIABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "basic_rnn": (("kernel", "bias"), ()),
    # LSTMCell / BasicLSTMCell / contrib LSTMBlockCell (same layout).
    "lstm": (("kernel", "bias"), ("w_i_diag", "w_f_diag", "w_o_diag", "projection/kernel")),
    "gru": (("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias"), ()),
    "gru_block": (("w_ru", "b_ru", "w_c", "b_c"), ()),
    "cudnn_lstm": (("kernel", "bias"), ()),
    "cudnn_gru": (
        ("gates/kernel", "gates/bias", "candidate/input_projection/kernel", "candidate/input_projection/bias",
         "candidate/hidden_projection/kernel", "candidate/hidden_projection/bias"),
        (),
    ),
}
PEEPHOLE_ROLES = ("w_i_diag", "w_f_diag", "w_o_diag")
PROJECTION_ROLE = "projection/kernel"
FAMILY_DESCRIPTIONS = {
    "basic_rnn": "BasicRNNCell {kernel, bias}",
    "lstm": "LSTMCell/BasicLSTMCell {kernel, bias[, w_i_diag, w_f_diag, w_o_diag][, projection/kernel]}",
    "gru": "GRUCell {gates/kernel, gates/bias, candidate/kernel, candidate/bias}",
    "gru_block": "GRUBlockCell {w_ru, b_ru, w_c, b_c}",
    "cudnn_lstm": "CudnnCompatibleLSTMCell {kernel, bias}",
    "cudnn_gru": "CudnnCompatibleGRUCell {gates/*, candidate/input_projection/*, candidate/hidden_projection/*}",
}

# Default variable scope of each TF1 cell class -> the families that use it.
CELL_SCOPE_FAMILIES: dict[str, tuple[str, ...]] = {
    "basic_rnn_cell": ("basic_rnn",),
    "gru_cell": ("gru", "gru_block"),  # contrib GRUBlockCell keeps GRUCell's scope
    "basic_lstm_cell": ("lstm",),
    "lstm_cell": ("lstm",),  # contrib LSTMBlockCell keeps LSTMCell's scope
    "cudnn_compatible_lstm_cell": ("cudnn_lstm",),
    "cudnn_compatible_gru_cell": ("cudnn_gru",),
}
# Families a custom-named cell may be inferred as (cuDNN cells always have their default scope).
CUSTOM_NAME_FAMILIES = ("basic_rnn", "lstm", "gru", "gru_block", "cudnn_gru")

# `cell_kinds=` values -> (family, StackSpec kind).
CELL_KIND_OPTIONS: dict[str, tuple[str, str]] = {
    "basic_rnn": ("basic_rnn", "basic_rnn"),
    "lstm": ("lstm", "lstm"),
    "basic_lstm": ("lstm", "basic_lstm"),
    "gru": ("gru", "gru"),
    "gru_block": ("gru_block", "gru"),
    "cudnn_lstm": ("cudnn_lstm", "lstm"),
    "cudnn_gru": ("cudnn_gru", "gru"),
}
FAMILY_SPEC_KINDS = {"basic_rnn": "basic_rnn", "lstm": "lstm", "gru": "gru", "gru_block": "gru",
                     "cudnn_lstm": "lstm", "cudnn_gru": "gru"}
# The TF1 scope StackSpec's kind implies when LayerSpec.name is None (tf2_port.names.TF1_CELL_SCOPES).
SPEC_KIND_SCOPES = {"basic_rnn": "basic_rnn_cell", "gru": "gru_cell", "basic_lstm": "basic_lstm_cell",
                    "lstm": "lstm_cell"}

# Per family: the variable `units` is read from and how many gate blocks it holds,
# and the fused kernel whose row count is `input + recurrent width`.
FAMILY_UNITS_SOURCE = {
    "basic_rnn": ("bias", 1), "lstm": ("bias", 4), "gru": ("candidate/bias", 1),
    "gru_block": ("b_c", 1), "cudnn_lstm": ("bias", 4), "cudnn_gru": ("candidate/input_projection/bias", 1),
}
FAMILY_FUSED_KERNEL = {
    "basic_rnn": "kernel", "lstm": "kernel", "gru": "gates/kernel", "gru_block": "w_ru",
    "cudnn_lstm": "kernel", "cudnn_gru": "gates/kernel",
}


def _lstm_kernel_shape(d: "_Dims") -> tuple[int, int]:
    return (d.input_size + d.recurrent_width, 4 * d.units)


# Expected shape of every role: (formula for messages, shape from the dimensions).
EXPECTED_SHAPES: dict[str, dict[str, tuple[str, Any]]] = {
    "basic_rnn": {
        "kernel": ("(in+units, units)", lambda d: (d.input_size + d.units, d.units)),
        "bias": ("(units,)", lambda d: (d.units,)),
    },
    "lstm": {
        "kernel": ("(in+h, 4*units)", _lstm_kernel_shape),
        "bias": ("(4*units,)", lambda d: (4 * d.units,)),
        "w_i_diag": ("(units,)", lambda d: (d.units,)),
        "w_f_diag": ("(units,)", lambda d: (d.units,)),
        "w_o_diag": ("(units,)", lambda d: (d.units,)),
        "projection/kernel": ("(units, num_proj)", lambda d: (d.units, d.num_proj)),
    },
    "gru": {
        "gates/kernel": ("(in+units, 2*units)", lambda d: (d.input_size + d.units, 2 * d.units)),
        "gates/bias": ("(2*units,)", lambda d: (2 * d.units,)),
        "candidate/kernel": ("(in+units, units)", lambda d: (d.input_size + d.units, d.units)),
        "candidate/bias": ("(units,)", lambda d: (d.units,)),
    },
    "gru_block": {
        "w_ru": ("(in+units, 2*units)", lambda d: (d.input_size + d.units, 2 * d.units)),
        "b_ru": ("(2*units,)", lambda d: (2 * d.units,)),
        "w_c": ("(in+units, units)", lambda d: (d.input_size + d.units, d.units)),
        "b_c": ("(units,)", lambda d: (d.units,)),
    },
    "cudnn_lstm": {
        "kernel": ("(in+units, 4*units)", _lstm_kernel_shape),
        "bias": ("(4*units,)", lambda d: (4 * d.units,)),
    },
    "cudnn_gru": {
        "gates/kernel": ("(in+units, 2*units)", lambda d: (d.input_size + d.units, 2 * d.units)),
        "gates/bias": ("(2*units,)", lambda d: (2 * d.units,)),
        "candidate/input_projection/kernel": ("(in, units)", lambda d: (d.input_size, d.units)),
        "candidate/input_projection/bias": ("(units,)", lambda d: (d.units,)),
        "candidate/hidden_projection/kernel": ("(units, units)", lambda d: (d.units, d.units)),
        "candidate/hidden_projection/bias": ("(units,)", lambda d: (d.units,)),
    },
}

# The TF1 roles each Keras weight is made from, in `cell.set_weights` order.
# LSTM layers append one entry per peephole and one for the projection.
KERAS_WEIGHT_SOURCES: dict[str, tuple[tuple[str, ...], ...]] = {
    "basic_rnn": (("kernel",), ("kernel",), ("bias",)),
    "lstm": (("kernel",), ("kernel",), ("bias",)),
    "cudnn_lstm": (("kernel",), ("kernel",), ("bias",)),
    "gru": (("gates/kernel", "candidate/kernel"), ("gates/kernel", "candidate/kernel"),
            ("gates/bias", "candidate/bias")),
    "gru_block": (("w_ru", "w_c"), ("w_ru", "w_c"), ("b_ru", "b_c")),
    "cudnn_gru": (("gates/kernel", "candidate/input_projection/kernel"),
                  ("gates/kernel", "candidate/hidden_projection/kernel"),
                  ("gates/bias", "candidate/input_projection/bias", "candidate/hidden_projection/bias")),
}

# Settings a checkpoint does not store, per family; families with fixed settings list them.
SETTING_NAMES = ("forget_bias", "activation", "cell_clip", "proj_clip")
FIXED_SETTINGS: dict[str, dict[str, Any]] = {
    "cudnn_lstm": {"forget_bias": 0.0, "activation": "tanh", "cell_clip": None, "proj_clip": None},
    "cudnn_gru": {"activation": "tanh"},
    "gru_block": {"activation": "tanh"},
}
# What `tf1_defaults=True` fills in. forget_bias is deliberately absent: old code
# often changed it (the PTB tutorial used 0.0) and it moves every output.
TF1_DEFAULT_SETTINGS = {"activation": "tanh", "cell_clip": None, "proj_clip": None}
SETTING_HELP = {
    "forget_bias": "pass forget_bias (TF1's default was 1.0; BasicLSTMCell/LSTMCell add it to the "
                   "forget gate at every step)",
    "activation": f"pass activation (one of {ACTIVATIONS}; TF1's default was 'tanh'), or tf1_defaults=True",
    "cell_clip": "pass cell_clip (a number, or False for no clipping, TF1's default), or tf1_defaults=True",
    "proj_clip": "pass proj_clip (a number, or False for no clipping, TF1's default), or tf1_defaults=True",
}

# --- .meta graph reading tables ---------------------------------------------------------

# Ops that consume a cell's fused kernel, and the input index of the kernel.
META_KERNEL_CONSUMERS = {"MatMul": 1, "LSTMBlockCell": 3, "BlockLSTM": 4, "BlockLSTMV2": 4, "GRUBlockCell": 2}
# Kernel variables (relative to the cell scope) whose consumer op locates the cell's ops.
META_KERNEL_ROLES = ("kernel", "gates/kernel", "candidate/kernel", "projection/kernel", "w_ru", "w_c",
                     "candidate/input_projection/kernel", "candidate/hidden_projection/kernel")
# Ops a variable's value passes through on its way to a consumer.
META_PASS_THROUGH_OPS = ("Identity", "Enter", "RefEnter", "ReadVariableOp", "RefIdentity", "Snapshot")
META_VARIABLE_OPS = ("VariableV2", "Variable", "VarHandleOp")
# Ops that call functions: attribute -> offset of the first argument among the op's inputs.
META_CALLER_ATTRS = {
    "While": (("body", 0), ("cond", 0)),
    "StatelessWhile": (("body", 0), ("cond", 0)),
    "If": (("then_branch", 1), ("else_branch", 1)),
    "StatelessIf": (("then_branch", 1), ("else_branch", 1)),
    "PartitionedCall": (("f", 0),),
    "StatefulPartitionedCall": (("f", 0),),
}
# Activation op types (tf.nn.* in TF1, keras.activations.* in Keras 3).
META_ACTIVATION_OPS = {"Tanh": "tanh", "Relu": "relu", "Sigmoid": "sigmoid", "Softsign": "softsign",
                       "Elu": "elu", "Identity": "linear"}
# Fused LSTM ops: settings are attributes (the python LSTMBlockCell passes cell_clip=-1 for None).
META_FUSED_LSTM_OPS = ("LSTMBlockCell", "BlockLSTM")
META_FUSED_GRU_OPS = ("GRUBlockCell",)
# ResidualWrapper adds its input to what the wrapped cell (or a DropoutWrapper
# around it, whose ops sit in a sibling `dropout` scope) emits, in the scope
# that encloses the cell's: `multi_rnn_cell/cell_0/add`, `rnn/add_3`, `rnn/while/add_1`.
META_RESIDUAL_ADD = re.compile(r"add(_\d+)*$")
META_WRAPPER_SCOPES = ("dropout",)
LSTM_GATE_SPLITS = 4  # i, j, f, o
LSTM_FORGET_OUTPUT = 2  # f
LSTM_CANDIDATE_OUTPUT = 1  # j, the one the activation is applied to


# --- Results --------------------------------------------------------------------------


class WeightMapping(NamedTuple):
    """One TF1 variable feeding one Keras weight (a fused TF1 kernel feeds two).

    ``keras_path`` is ``<model name>/[<direction>/]layer_<i>/<weight name>``: the
    weight of ``tf2_port.build.base_cell(model.cells[direction][i])`` (direction
    ``""`` for unidirectional stacks). Keras' own variable paths are not used
    because their auto-numbered cell names change from process to process.
    """

    tf1_name: str
    tf1_shape: tuple[int, ...]
    keras_path: str
    keras_shape: tuple[int, ...]


@dataclass(frozen=True)
class DiscoveredCell:
    """One TF1 cell found in a checkpoint.

    Attributes:
        prefix: its variable scope, e.g. ``rnn/multi_rnn_cell/cell_0/lstm_cell``.
        family: a key of ``FAMILY_VARIABLES``.
        kind: the ``LayerSpec.kind`` it becomes.
        variables: ``{role: TF1 name}``, e.g. ``{"kernel": ".../weights"}`` for TF <= 1.1.
        units, input_size, num_proj, use_peepholes: read from the shapes.
        dtype: ``"float32"`` or ``"float64"``.
    """

    prefix: str
    family: str
    kind: str
    variables: dict[str, str]
    units: int
    input_size: int
    num_proj: int | None
    use_peepholes: bool
    dtype: str

    @property
    def scope_name(self) -> str:
        return self.prefix.rsplit("/", 1)[-1]

    @property
    def output_size(self) -> int:
        return self.num_proj if self.num_proj is not None else self.units

    def structure(self) -> tuple[Any, ...]:
        """What must agree between the fw and bw copies of a layer."""
        return (self.family, self.kind, self.scope_name, self.units, self.input_size, self.num_proj,
                self.use_peepholes, self.dtype)


@dataclass(frozen=True)
class DiscoveredStack:
    """One RNN stack: a driver root and its cells per direction (``""``, or ``"fw"``/``"bw"``)."""

    root: str
    driver: str
    multi_rnn_cell: bool
    cells: dict[str, tuple[DiscoveredCell, ...]]

    @property
    def layers(self) -> tuple[DiscoveredCell, ...]:
        """The layers of one direction (both directions have the same structure)."""
        return next(iter(self.cells.values()))

    @property
    def family(self) -> str:
        return self.layers[0].family

    @property
    def file_stem(self) -> str:
        return keras_name_for_root(self.root)

    def variable_names(self) -> list[str]:
        return [name for cells in self.cells.values() for cell in cells for name in cell.variables.values()]


@dataclass(frozen=True)
class Setting:
    """A resolved setting and where it came from: "argument", "meta", "tf1_defaults" or "fixed"."""

    value: Any
    source: str


@dataclass
class StackConversion:
    """One converted stack.

    Attributes:
        root: the TF1 driver scope, e.g. ``lm/rnn``.
        spec: the ``StackSpec`` its ``StackPort`` was built from (``None`` for
            ``CudnnGRU``, which StackSpec cannot express: see ``layers``).
        keras_path: the ``.keras`` file (in ``out_dir``).
        model_class: ``"StackPort"`` or ``"CudnnGRUStackPort"``.
        layers: the discovered cells per direction.
        settings: ``{cell prefix: {setting: Setting}}``.
        mapping: every (TF1 variable, Keras weight) pair.
    """

    root: str
    spec: StackSpec | None
    keras_path: str
    model_class: str
    layers: dict[str, tuple[DiscoveredCell, ...]]
    settings: dict[str, dict[str, Setting]]
    mapping: list[WeightMapping]


@dataclass
class ConversionResult:
    """What :func:`convert_checkpoint` wrote.

    Attributes:
        checkpoint: the checkpoint prefix that was read.
        meta_path: the ``.meta`` graph settings were read from, or None.
        out_dir: the output directory.
        stacks: one ``StackConversion`` per RNN stack.
        rest_path: ``rest.npz``: every other array, keys = TF1 names.
        rest: ``[(TF1 name, shape)]`` of the arrays in ``rest.npz``.
        skipped: ``[(TF1 name, reason)]`` of the arrays converted nowhere.
    """

    checkpoint: str
    meta_path: str | None
    out_dir: str
    stacks: list[StackConversion]
    rest_path: str
    rest: list[tuple[str, tuple[int, ...]]]
    skipped: list[tuple[str, str]] = field(default_factory=list)


# --- Reading --------------------------------------------------------------------------


def _tf() -> Any:
    # TensorFlow only to read files: importing this module to load a converted
    # model must work on any Keras backend.
    import tensorflow as tf

    return tf


def resolve_checkpoint_path(path: str | os.PathLike[str]) -> str:
    """The checkpoint prefix for a prefix, a V1 file, or a directory with a ``checkpoint`` file.

    Raises:
        FileNotFoundError: naming the path and what was looked for.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        latest = _tf().train.latest_checkpoint(path)
        if latest is not None:
            return latest
        # A moved directory: its `checkpoint` file may hold stale absolute paths.
        prefixes = sorted(name[: -len(".index")] for name in glob.glob(os.path.join(path, "*.index")))
        if len(prefixes) == 1:
            return prefixes[0]
        if prefixes:
            raise FileNotFoundError(
                f"Invalid checkpoint directory `{path}`: expected a `checkpoint` file naming the latest "
                f"checkpoint or a single checkpoint, found several: {[os.path.basename(p) for p in prefixes]}. "
                "Pass one prefix."
            )
        raise FileNotFoundError(
            f"Invalid checkpoint directory `{path}`: expected a `checkpoint` file or `<prefix>.index` files, "
            "found neither."
        )
    if os.path.exists(path + ".index") or os.path.isfile(path) or glob.glob(path + "-?????-of-?????"):
        return path
    raise FileNotFoundError(
        f"Invalid checkpoint path `{path}`: expected a checkpoint prefix (`{path}.index` for Saver V2, "
        "or a V1 file) or a directory holding a `checkpoint` file; nothing exists there."
    )


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Every array of a TF1 Saver checkpoint (V1 or V2) as ``{name: ndarray}``.

    Args:
        path: a checkpoint prefix (``model.ckpt-1000``) or a directory with a
            ``checkpoint`` file (its latest checkpoint is read).

    Raises:
        FileNotFoundError: when there is no checkpoint at ``path``.
        ValueError: when the files are not a readable checkpoint.
    """
    prefix = resolve_checkpoint_path(path)
    tf = _tf()
    try:
        reader = tf.train.load_checkpoint(prefix)
        names = sorted(reader.get_variable_to_shape_map())
        return {name: np.asarray(reader.get_tensor(name)) for name in names}
    except (tf.errors.OpError, ValueError) as error:
        raise ValueError(f"Invalid checkpoint `{prefix}`: TensorFlow cannot read it ({error}).") from error


class _CheckpointArray:
    """One checkpoint tensor read only when it becomes an array (``np.asarray``).

    ``.shape`` and ``.dtype`` come from the checkpoint's index, so discovery reads no data,
    and a conversion holds one cell's arrays at a time instead of the whole checkpoint.
    """

    __slots__ = ("_reader", "_prefix", "name", "shape", "dtype")

    def __init__(self, reader: Any, prefix: str, name: str, shape: Sequence[int], dtype: Any) -> None:
        self._reader, self._prefix, self.name = reader, prefix, name
        self.shape = tuple(int(dim) for dim in shape)
        self.dtype = np.dtype(dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        tf = _tf()
        try:
            value = np.asarray(self._reader.get_tensor(self.name))
        except (tf.errors.OpError, ValueError) as error:
            raise ValueError(f"Invalid checkpoint `{self._prefix}`: TensorFlow cannot read `{self.name}` "
                             f"({error}).") from error
        return value if dtype is None else value.astype(dtype, copy=False)


def _open_checkpoint(prefix: str) -> dict[str, _CheckpointArray]:
    """Every tensor of a checkpoint as a lazily read :class:`_CheckpointArray`, sorted by name."""
    tf = _tf()
    try:
        reader = tf.train.load_checkpoint(prefix)
        shapes = reader.get_variable_to_shape_map()
        dtypes = reader.get_variable_to_dtype_map()
        return {name: _CheckpointArray(reader, prefix, name, shapes[name], dtypes[name].as_numpy_dtype)
                for name in sorted(shapes)}
    except (tf.errors.OpError, ValueError) as error:
        raise ValueError(f"Invalid checkpoint `{prefix}`: TensorFlow cannot read it ({error}).") from error


def skip_reason(name: str) -> str | None:
    """Why ``name`` is not a model weight (an entry of ``SKIPPED_VARIABLES``), or None."""
    last = name.rsplit("/", 1)[-1]
    if name in SKIPPED_VARIABLES:
        return SKIPPED_VARIABLES[name]
    # beta1_power_1 etc.: TF1 uniquifies the non-slot optimizer variables.
    base = re.sub(r"_\d+$", "", last) if last.startswith(("beta1_power", "beta2_power")) else last
    return SKIPPED_VARIABLES.get(base)


def keras_name_for_root(root: str) -> str:
    """A Keras-legal name (and file stem) for a TF1 scope: Keras forbids ``/`` in names."""
    return root.replace("/", "__")


# --- Discovery ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dims:
    units: int
    input_size: int
    num_proj: int | None

    @property
    def recurrent_width(self) -> int:
        return self.num_proj if self.num_proj is not None else self.units


def _fmt_shape(shape: Sequence[int]) -> str:
    shape = tuple(int(dim) for dim in shape)
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(str(dim) for dim in shape) + ")"


def _shape_error(name: str, formula: str, expected: str | None, received: Sequence[int],
                 note: str = "") -> ValueError:
    wanted = formula if expected is None else f"{formula} = {expected}"
    message = f"Invalid `{name}`: expected shape {wanted}, received {_fmt_shape(received)}."
    return ValueError(f"{message} {note}".rstrip())


def _canonical_names(names: Iterable[str]) -> dict[str, str]:
    """``{canonical name: checkpoint name}`` with TF <= 1.1 ``weights``/``biases`` renamed."""
    canonical: dict[str, str] = {}
    for name in names:
        head, _, last = name.rpartition("/")
        renamed = f"{head}/{LEGACY_LEAF_NAMES[last]}" if head and last in LEGACY_LEAF_NAMES else name
        if renamed in canonical:
            raise ValueError(
                f"Invalid checkpoint: `{canonical[renamed]}` and `{name}` both name `{renamed}` "
                "(TF <= 1.1 `weights`/`biases` next to TF >= 1.2 `kernel`/`bias`); expected one of them."
            )
        canonical[renamed] = name
    return canonical


_ALL_ROLES = sorted({role for required, optional in FAMILY_VARIABLES.values() for role in required + optional},
                    key=lambda role: -role.count("/"))


def _split_role(canonical_name: str) -> tuple[str, str] | None:
    """``(cell prefix, role)`` for the longest role the name ends with, or None."""
    for role in _ALL_ROLES:
        if canonical_name.endswith("/" + role):
            return canonical_name[: -len(role) - 1], role
    return None


_CELL_INDEX = re.compile(r"cell_(\d+)$")


@dataclass(frozen=True)
class _Placement:
    root: str
    driver: str
    direction: str
    index: int
    multi_rnn_cell: bool


def _placement(prefix: str) -> _Placement | None:
    """Where a cell scope sits (DESIGN.md §3.3), or None when it has no RNN context."""
    parts = prefix.split("/")
    scope_name, context = parts[-1], parts[:-1]
    multi = len(context) >= 2 and context[-2] == "multi_rnn_cell" and _CELL_INDEX.match(context[-1]) is not None
    index = 0
    if multi:
        index = int(_CELL_INDEX.match(context[-1]).group(1))
        context = context[:-2]
    if context and context[-1] in ("fw", "bw"):
        direction, context = context[-1], context[:-1]
        stacked = (len(context) >= 2 and context[-1] == "bidirectional_rnn"
                   and _CELL_INDEX.match(context[-2]) is not None)
        if stacked and not multi:
            index = int(_CELL_INDEX.match(context[-2]).group(1))
            return _Placement("/".join(context[:-2]), "stack_bidirectional_dynamic_rnn", direction, index, True)
        return _Placement("/".join(context), "bidirectional_dynamic_rnn", direction, index, multi)
    known_scope = scope_name in CELL_SCOPE_FAMILIES
    under_driver_scope = bool(context) and context[-1] in set(TF1_DRIVER_SCOPES.values())
    if multi or known_scope or under_driver_scope:
        return _Placement("/".join(context), "dynamic_rnn", "", index, multi)
    return None


def _family_candidates(prefix: str, roles: set[str], cell_kinds: Mapping[str, str]) -> list[tuple[str, str]]:
    """``[(family, spec kind)]`` whose variable set is exactly ``roles``."""
    scope_name = prefix.rsplit("/", 1)[-1]
    fitting = [family for family, (required, optional) in FAMILY_VARIABLES.items()
               if set(required) <= roles <= set(required) | set(optional)]
    if prefix in cell_kinds:
        family, kind = CELL_KIND_OPTIONS[cell_kinds[prefix]]
        return [(family, kind)] if family in fitting else []
    allowed = CELL_SCOPE_FAMILIES.get(scope_name, CUSTOM_NAME_FAMILIES)
    candidates = []
    for family in fitting:
        if family in allowed:
            kind = "basic_lstm" if scope_name == "basic_lstm_cell" else FAMILY_SPEC_KINDS[family]
            candidates.append((family, kind))
    return candidates


def _cell_dims(family: str, prefix: str, roles: Mapping[str, str], shapes: Mapping[str, tuple[int, ...]],
               input_size: int | None = None) -> _Dims:
    """Units, input width and projection of one cell read from its shapes, every shape checked."""
    unit_role, blocks = FAMILY_UNITS_SOURCE[family]
    unit_name = roles[unit_role]
    unit_shape = shapes[unit_name]
    formula = EXPECTED_SHAPES[family][unit_role][0]
    if len(unit_shape) != 1 or unit_shape[0] == 0 or unit_shape[0] % blocks:
        raise _shape_error(unit_name, f"{formula} with units >= 1", None, unit_shape)
    units = unit_shape[0] // blocks
    note = f"(units = {units} is read from `{unit_name}` {_fmt_shape(unit_shape)}.)"
    num_proj = None
    if PROJECTION_ROLE in roles:
        projection_shape = shapes[roles[PROJECTION_ROLE]]
        if len(projection_shape) != 2 or projection_shape[0] != units or projection_shape[1] < 1:
            raise _shape_error(roles[PROJECTION_ROLE], "(units, num_proj)", f"({units}, num_proj)",
                               projection_shape, note)
        num_proj = projection_shape[1]
    recurrent_width = num_proj if num_proj is not None else units
    kernel_role = FAMILY_FUSED_KERNEL[family]
    kernel_name = roles[kernel_role]
    kernel_shape = shapes[kernel_name]
    kernel_formula, kernel_expected = EXPECTED_SHAPES[family][kernel_role]
    if input_size is None:
        rows = kernel_shape[0] - recurrent_width if len(kernel_shape) == 2 else 0
        if rows < 1:
            probe = kernel_expected(_Dims(units, 0, num_proj))
            raise _shape_error(kernel_name, kernel_formula, f"(in+{probe[0]}, {probe[1]}) with in >= 1",
                               kernel_shape, note)
        input_size = rows
    dims = _Dims(units, input_size, num_proj)
    for role, name in roles.items():
        role_formula, expected = EXPECTED_SHAPES[family][role]
        if tuple(shapes[name]) != tuple(expected(dims)):
            raise _shape_error(name, role_formula, _fmt_shape(expected(dims)), shapes[name],
                               f"(units = {units} from `{unit_name}`, input width {input_size}"
                               + (f", num_proj = {num_proj}" if num_proj is not None else "") + ".)")
    return dims


@dataclass
class _CellCandidates:
    prefix: str
    placement: _Placement
    roles: dict[str, str]  # role -> checkpoint name
    options: list[tuple[str, str, _Dims]]  # (family, kind, dims)


def discover_stacks(
    variables: Mapping[str, Any],
    *,
    cell_kinds: Mapping[str, str] | None = None,
) -> list[DiscoveredStack]:
    """Find every RNN stack in ``{name: array}`` (only ``.shape`` and ``.dtype`` are used).

    Args:
        variables: checkpoint arrays; skipped names (``skip_reason``) are ignored.
        cell_kinds: ``{cell prefix: kind}`` for custom-named cells whose kind
            the shapes cannot settle; kinds are the keys of ``CELL_KIND_OPTIONS``.

    Returns:
        The stacks, sorted by root.

    Raises:
        ValueError: naming the variables, for every layout it cannot map exactly.
    """
    cell_kinds = dict(cell_kinds or {})
    for prefix, kind in cell_kinds.items():
        if kind not in CELL_KIND_OPTIONS:
            raise ValueError(
                f"Invalid value for `cell_kinds[{prefix!r}]`: expected one of {tuple(CELL_KIND_OPTIONS)}, "
                f"received {kind!r}."
            )
    names = [name for name in variables if skip_reason(name) is None]
    for name in names:
        if any(pattern.search(name) for pattern in PRE_TF1_NAME_PATTERNS):
            raise ValueError(
                f"Unsupported variable `{name}`: pre-1.0 TensorFlow cell names (`LSTMCell/W_0`, "
                "`Linear/Matrix`, `MultiRNNCell/CellN`) are not converted; expected TF >= 1.0 names "
                "(`multi_rnn_cell/cell_N/<cell>/kernel` or `.../weights`)."
            )
    shapes = {name: tuple(int(dim) for dim in np.shape(variables[name])) for name in names}
    dtypes = {name: np.dtype(getattr(variables[name], "dtype", None) or np.asarray(variables[name]).dtype).name
              for name in names}
    canonical = _canonical_names(names)

    by_prefix: dict[str, dict[str, str]] = {}
    for canonical_name, name in canonical.items():
        split = _split_role(canonical_name)
        if split is not None:
            prefix, role = split
            by_prefix.setdefault(prefix, {})[role] = name

    candidates: list[_CellCandidates] = []
    for prefix, roles in sorted(by_prefix.items()):
        placement = _placement(prefix)
        if placement is None:
            continue  # no RNN context: a dense layer or similar, kept in rest.npz
        if not placement.root:
            raise ValueError(
                f"Unsupported cell `{prefix}`: expected it under a driver scope (`rnn/{prefix}/...`, "
                f"`<scope>/{prefix}/...`), found it at the top level; convert it with `load_checkpoint_into_port` "
                "and an explicit spec."
            )
        families = _family_candidates(prefix, set(roles), cell_kinds)
        if not families:
            listed = ", ".join(f"`{name}` {_fmt_shape(shapes[name])}" for name in sorted(roles.values()))
            hint = (f" (`cell_kinds` says {cell_kinds[prefix]!r}, which does not fit these variables)"
                    if prefix in cell_kinds else "")
            raise ValueError(
                f"Unknown cell layout under `{prefix}`: variables {listed}{hint}. Expected the variables of one "
                f"of: {'; '.join(FAMILY_DESCRIPTIONS.values())}."
            )
        options, errors = [], []
        for family, kind in families:
            try:
                options.append((family, kind, _cell_dims(family, prefix, roles, shapes)))
            except ValueError as error:
                errors.append(str(error))
        if not options:
            raise ValueError(errors[0])
        dtype_set = {dtypes[name] for name in roles.values()}
        if len(dtype_set) != 1 or next(iter(dtype_set)) not in ("float32", "float64"):
            raise ValueError(
                f"Invalid variables of `{prefix}`: expected float32 or float64 arrays of one dtype, "
                f"received {sorted(dtype_set)}."
            )
        candidates.append(_CellCandidates(prefix, placement, roles, options))

    unknown = sorted(set(cell_kinds) - {c.prefix for c in candidates})
    if unknown:
        raise ValueError(
            f"Unknown cell prefix(es) {unknown} in `cell_kinds`: expected some of {[c.prefix for c in candidates]}."
        )
    _reject_unmapped(canonical, by_prefix, [c.prefix for c in candidates])

    by_root: dict[str, list[_CellCandidates]] = {}
    for candidate in candidates:
        by_root.setdefault(candidate.placement.root, []).append(candidate)
    return [_assemble_stack(root, members, shapes, dtypes) for root, members in sorted(by_root.items())]


def _reject_unmapped(canonical: Mapping[str, str], by_prefix: Mapping[str, Mapping[str, str]],
                     cell_prefixes: Sequence[str]) -> None:
    used = {name for prefix in cell_prefixes for name in by_prefix[prefix].values()}
    for canonical_name, name in canonical.items():
        if name in used:
            continue
        for prefix in cell_prefixes:
            if canonical_name.startswith(prefix + "/"):
                raise ValueError(
                    f"Unmapped variable `{name}` inside the cell scope `{prefix}`: expected only the cell's "
                    f"own variables ({', '.join(sorted(by_prefix[prefix]))})."
                )


def _assemble_stack(root: str, members: list[_CellCandidates], shapes: Mapping[str, tuple[int, ...]],
                    dtypes: Mapping[str, str]) -> DiscoveredStack:
    drivers = {m.placement.driver for m in members}
    multis = {m.placement.multi_rnn_cell for m in members}
    if len(drivers) != 1 or len(multis) != 1:
        listed = ", ".join(f"`{m.prefix}`" for m in members)
        raise ValueError(
            f"Invalid stack `{root}`: expected one driver layout per scope (a MultiRNNCell, a bare cell, "
            f"fw/bw directions, or stacked bidirectional layers), received a mix: {listed}."
        )
    driver, multi = drivers.pop(), multis.pop()
    directions: dict[str, dict[int, _CellCandidates]] = {}
    for member in members:
        layers = directions.setdefault(member.placement.direction, {})
        if member.placement.index in layers:
            raise ValueError(
                f"Invalid stack `{root}`: `{layers[member.placement.index].prefix}` and `{member.prefix}` "
                "are both its layer " f"{member.placement.index}; expected one cell per layer."
            )
        layers[member.placement.index] = member
    if driver != "dynamic_rnn" and set(directions) != {"fw", "bw"}:
        raise ValueError(
            f"Invalid bidirectional stack `{root}`: expected `fw` and `bw` cells, received only "
            f"{sorted(directions)}."
        )
    cells: dict[str, tuple[DiscoveredCell, ...]] = {}
    for direction in sorted(directions, key=lambda d: ("", "fw", "bw").index(d)):
        layers = directions[direction]
        if sorted(layers) != list(range(len(layers))):
            raise ValueError(
                f"Invalid stack `{root}`{f' ({direction})' if direction else ''}: expected layers "
                f"cell_0..cell_{len(layers) - 1}, received cell indices {sorted(layers)}."
            )
        ordered = [layers[index] for index in range(len(layers))]
        cells[direction] = _resolve_chain(root, driver, ordered, shapes, dtypes)
    if driver != "dynamic_rnn":
        fw, bw = cells["fw"], cells["bw"]
        if len(fw) != len(bw) or any(a.structure() != b.structure() for a, b in zip(fw, bw)):
            raise ValueError(
                f"Unsupported bidirectional stack `{root}`: its fw layers {[c.prefix for c in fw]} and bw layers "
                f"{[c.prefix for c in bw]} differ in kind or size; StackSpec needs the same layers both ways."
            )
    stack = DiscoveredStack(root, driver, multi, cells)
    if stack.family == "cudnn_gru" and driver != "dynamic_rnn":
        raise ValueError(
            f"Unsupported stack `{root}`: a bidirectional CudnnGRU (reset_after=True GRU) is not converted; "
            "expected a unidirectional one."
        )
    if any(cell.family == "cudnn_gru" for cell in stack.layers) and any(
            cell.family != "cudnn_gru" for cell in stack.layers):
        raise ValueError(f"Unsupported stack `{root}`: CudnnGRU layers mixed with other cells.")
    return stack


def _resolve_chain(root: str, driver: str, layers: list[_CellCandidates], shapes: Mapping[str, tuple[int, ...]],
                   dtypes: Mapping[str, str]) -> tuple[DiscoveredCell, ...]:
    """Pick each layer's reading so that every layer's input width is the previous output width."""
    width_factor = 2 if driver == "stack_bidirectional_dynamic_rnn" else 1
    solutions = []
    for choice in itertools.product(*(layer.options for layer in layers)):
        if all(choice[i + 1][2].input_size == width_factor * choice[i][2].recurrent_width
               for i in range(len(choice) - 1)):
            solutions.append(choice)
    if len(solutions) != 1:
        if not solutions and all(len(layer.options) == 1 for layer in layers):
            for i in range(len(layers) - 1):
                _, _, below = layers[i].options[0]
                family, _, dims = layers[i + 1].options[0]
                expected_in = width_factor * below.recurrent_width
                if dims.input_size != expected_in:
                    kernel_role = FAMILY_FUSED_KERNEL[family]
                    formula, expected = EXPECTED_SHAPES[family][kernel_role]
                    name = layers[i + 1].roles[kernel_role]
                    wanted = expected(_Dims(dims.units, expected_in, dims.num_proj))
                    source = (f"{'2 x ' if width_factor == 2 else ''}the output width "
                              f"{below.recurrent_width} of layer {i} (`{layers[i].prefix}`)")
                    raise _shape_error(name, formula, _fmt_shape(wanted), shapes[name],
                                       f"(in = {expected_in} is {source}.)")
        ambiguous = [layer for layer in layers if len({opt[:2] for opt in layer.options}) > 1]
        described = "; ".join(
            f"`{layer.prefix}` ({', '.join(f'`{n}` {_fmt_shape(shapes[n])}' for n in sorted(layer.roles.values()))})"
            f" could be {' or '.join(f'{kind} (units={dims.units}, input {dims.input_size})' for _, kind, dims in layer.options)}"
            for layer in ambiguous or layers
        )
        raise ValueError(
            f"Cannot tell the kind of the custom-named cell(s) of `{root}` from the checkpoint: {described}. "
            "Pass `cell_kinds={<cell prefix>: 'lstm' | 'basic_rnn' | ...}`."
            if solutions else
            f"No reading of the cells of `{root}` fits together (each layer's input width must be the previous "
            f"layer's output width): {described}. Pass `cell_kinds` or check the checkpoint."
        )
    cells = []
    for layer, (family, kind, dims) in zip(layers, solutions[0]):
        dtype = dtypes[next(iter(layer.roles.values()))]
        cells.append(DiscoveredCell(
            prefix=layer.prefix, family=family, kind=kind, variables=dict(layer.roles), units=dims.units,
            input_size=dims.input_size, num_proj=dims.num_proj,
            use_peepholes=any(role in layer.roles for role in PEEPHOLE_ROLES), dtype=dtype,
        ))
    return tuple(cells)


# --- .meta graph ------------------------------------------------------------------------


def _parse_ref(ref: str) -> tuple[str, int]:
    """``node``, ``node:2`` (graph) or ``node:output:2`` (function body) -> (node name, output index)."""
    parts = ref.lstrip("^").split(":")
    index = int(parts[-1]) if len(parts) > 1 and parts[-1].isdigit() else 0
    return parts[0], index


class _GraphContext:
    """The main graph or one library function of a MetaGraphDef, with its callers."""

    def __init__(self, name: str, nodes: Iterable[Any], arg_names: Sequence[str] = ()) -> None:
        self.name = name
        self.nodes = {node.name: node for node in nodes}
        self.arg_index = {arg: index for index, arg in enumerate(arg_names)}
        self.callers: list[tuple[_GraphContext, Any, int]] = []
        self.consumers: dict[tuple[str, int], list[Any]] = {}
        self.children: dict[str, list[Any]] = {}  # name scope -> the nodes directly in it
        for node in self.nodes.values():
            self.children.setdefault(node.name.rpartition("/")[0], []).append(node)
            for ref in node.input:
                if not ref.startswith("^"):
                    self.consumers.setdefault(_parse_ref(ref), []).append(node)

    def trace(self, ref: str, through: Sequence[str], depth: int = 0) -> list[tuple["_GraphContext", Any]]:
        """The nodes ``ref`` comes from, followed through ``through`` ops and into callers."""
        if depth > 64:
            return []
        name, _ = _parse_ref(ref)
        if name in self.arg_index:
            found = []
            for caller_ctx, caller, offset in self.callers:
                inputs = [i for i in caller.input if not i.startswith("^")]
                position = self.arg_index[name] + offset
                if position < len(inputs):
                    found.extend(caller_ctx.trace(inputs[position], through, depth + 1))
            return found
        node = self.nodes.get(name)
        if node is None:
            return []
        if node.op in through and node.input:
            return self.trace(node.input[0], through, depth + 1)
        return [(self, node)]


def _load_meta_graph(meta_path: str) -> Any:
    from google.protobuf.message import DecodeError
    from tensorflow.core.protobuf import meta_graph_pb2

    meta = meta_graph_pb2.MetaGraphDef()
    with open(meta_path, "rb") as handle:
        try:
            meta.ParseFromString(handle.read())
        except DecodeError as error:
            raise ValueError(f"Invalid .meta graph `{meta_path}`: expected a MetaGraphDef, cannot parse it "
                             f"({error}).") from error
    return meta


def _graph_contexts(meta: Any) -> list[_GraphContext]:
    main = _GraphContext("", meta.graph_def.node)
    functions = {
        function.signature.name: _GraphContext(
            function.signature.name, function.node_def, [arg.name for arg in function.signature.input_arg])
        for function in meta.graph_def.library.function
    }
    contexts = [main, *functions.values()]
    for context in contexts:
        for node in context.nodes.values():
            for attr, offset in META_CALLER_ATTRS.get(node.op, ()):
                callee = functions.get(node.attr[attr].func.name)
                if callee is not None:
                    callee.callers.append((context, node, offset))
    return contexts


def _scalar_const(context: _GraphContext, ref: str) -> float | None:
    values = set()
    for _, node in context.trace(ref, ("Identity", "Enter")):
        if node.op != "Const":
            return None
        array = _tf().make_ndarray(node.attr["value"].tensor)
        if array.size != 1 or not np.issubdtype(array.dtype, np.floating):
            return None
        # str() of a float32 is its shortest round-tripping decimal: 0.7 stays 0.7, and
        # casting it back to float32 gives the very constant the graph used.
        values.add(float(str(array.reshape(()))))
    return values.pop() if len(values) == 1 else None


def _kernel_variable(context: _GraphContext, node: Any) -> str | None:
    index = META_KERNEL_CONSUMERS[node.op]
    if index >= len(node.input):
        return None
    sources = {n.name for _, n in context.trace(node.input[index], META_PASS_THROUGH_OPS)
               if n.op in META_VARIABLE_OPS}
    return sources.pop() if len(sources) == 1 else None


def _cell_of_kernel(variable: str) -> tuple[str, str] | None:
    """``(cell prefix, role)`` of a kernel variable, or None."""
    head, _, last = variable.rpartition("/")
    canonical = f"{head}/{LEGACY_LEAF_NAMES.get(last, last)}" if head else variable
    for role in sorted(META_KERNEL_ROLES, key=lambda r: -r.count("/")):
        if canonical.endswith("/" + role):
            return canonical[: -len(role) - 1], role
    return None


class _Readings:
    """Values of each setting seen for one cell; a setting is read only if all agree."""

    def __init__(self) -> None:
        self.values: dict[str, set[Any]] = {}
        self.unreadable: set[str] = set()

    def add(self, key: str, value: Any) -> None:
        self.values.setdefault(key, set()).add(value)

    def settings(self) -> dict[str, Any]:
        return {key: next(iter(values)) for key, values in self.values.items()
                if len(values) == 1 and key not in self.unreadable}


def _has_residual_add(context: _GraphContext, op_scope: str) -> bool:
    parent = op_scope.rpartition("/")[0]
    inner_scopes = tuple(f"{scope}/" for scope in (op_scope, *(
        "/".join(part for part in (parent, wrapper) if part) for wrapper in META_WRAPPER_SCOPES)))
    for node in context.children.get(parent, ()):
        if node.op not in ("Add", "AddV2") or not META_RESIDUAL_ADD.match(node.name.rpartition("/")[2]):
            continue
        producers = [context.nodes.get(_parse_ref(ref)[0]) for ref in node.input if not ref.startswith("^")]
        if any(producer is not None and producer.op == "Const" for producer in producers):
            continue  # a loop counter, not a residual
        from_cell = [p for p in producers if p is not None and p.name.startswith(inner_scopes)]
        if len(producers) == 2 and len(from_cell) == 1:
            return True
    return False


def _read_cell_ops(context: _GraphContext, op_scope: str, readings: _Readings) -> None:
    """Read forget bias, activation, clips and a residual wrapper from the ops of one cell."""
    scope = op_scope + "/"
    cell_nodes = [node for name, node in context.nodes.items() if name.startswith(scope)]
    readings.add("residual", _has_residual_add(context, op_scope))
    gate_splits = [node for node in cell_nodes if node.op in ("Split", "SplitV")
                   and node.attr["num_split"].i == LSTM_GATE_SPLITS]
    if gate_splits:
        for split in gate_splits:
            for consumer in context.consumers.get((split.name, LSTM_FORGET_OUTPUT), []):
                if consumer.op in ("Add", "AddV2") and consumer.name.startswith(scope):
                    others = [ref for ref in consumer.input
                              if not ref.startswith("^") and _parse_ref(ref)[0] != split.name]
                    value = _scalar_const(context, others[0]) if len(others) == 1 else None
                    if value is not None:
                        readings.add("forget_bias", value)
            for consumer in context.consumers.get((split.name, LSTM_CANDIDATE_OUTPUT), []):
                if not consumer.name.startswith(scope):
                    continue  # gradient accumulators and the like read j too
                if consumer.op in META_ACTIVATION_OPS:
                    readings.add("activation", META_ACTIVATION_OPS[consumer.op])
                else:
                    readings.unreadable.add("activation")  # a lambda or an op we do not port
        clips = {"cell_clip": [], "proj_clip": []}
        for node in cell_nodes:
            if node.op != "Minimum" or len(node.input) < 2:
                continue
            bound = _scalar_const(context, node.input[1])
            clipped = context.trace(node.input[0], ("Identity",))
            if bound is None or len(clipped) != 1:
                readings.unreadable.update(("cell_clip", "proj_clip"))
                continue
            # LSTMCell clips the new c (an Add) and, after the projection MatMul, the output.
            clips["proj_clip" if clipped[0][1].op == "MatMul" else "cell_clip"].append(bound)
        for key, bounds in clips.items():
            for bound in bounds or [None]:
                readings.add(key, bound)
        return
    # GRUCell / BasicRNNCell: the activation is the non-gate op applied to a BiasAdd.
    for node in cell_nodes:
        if node.op in META_ACTIVATION_OPS and node.input:
            producers = context.trace(node.input[0], ())
            feeds_split = any(c.op in ("Split", "SplitV") for c in context.consumers.get((node.name, 0), []))
            if len(producers) == 1 and producers[0][1].op == "BiasAdd" and not feeds_split:
                readings.add("activation", META_ACTIVATION_OPS[node.op])


def _read_fused_op(node: Any, readings: _Readings) -> None:
    readings.add("activation", "tanh")
    if node.op in META_FUSED_LSTM_OPS:
        readings.add("forget_bias", float(str(np.float32(node.attr["forget_bias"].f))))
        clip = node.attr["cell_clip"].f
        readings.add("cell_clip", float(str(np.float32(clip))) if clip > 0 else None)
        readings.add("proj_clip", None)


def read_meta_settings(meta_path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Settings checkpoints do not store, read from a TF1 ``.meta`` graph, per cell.

    The cell ops are located by data flow, not by name: each op that consumes
    a cell kernel (``MatMul``, ``LSTMBlockCell``, ...) is traced back through
    reads, ``Enter`` ops (v1 while loops) and function arguments (the
    ``While`` bodies of v2 control flow, whose op names have lost their scope)
    to the kernel variable. The ops sharing that consumer's name scope are the
    cell's; from them:

    * ``forget_bias``: the scalar ``Const`` added to output 2 (f) of the
      4-way gate split (``lstm_cell/add/y``, ``basic_lstm_cell/Const_1``);
    * ``activation``: the op applied to output 1 (j) of the gate split
      (LSTM), or to the candidate ``BiasAdd`` (GRU, BasicRNN);
    * ``cell_clip`` / ``proj_clip``: the bound of a ``Minimum`` clipping the new
      c, or the projection ``MatMul``. Present as None when the cell has none;
    * contrib fused ops: their ``forget_bias`` / ``cell_clip`` attributes;
    * ``residual``: True when a ``ResidualWrapper``'s add follows the cell (an
      ``add`` in the enclosing scope summing the cell's output and its input).

    A static_rnn has one copy of these ops per step, and one graph may run a
    cell several times (train and eval graphs): a setting is returned only
    when every copy agrees.

    Returns:
        ``{cell prefix: {"forget_bias": ..., "activation": ..., "cell_clip": ...,
        "proj_clip": ..., "residual": ...}}`` with only the keys that were read
        unambiguously.
    """
    meta = _load_meta_graph(os.fspath(meta_path))
    scopes: dict[tuple[int, str], set[str]] = {}
    readings: dict[str, _Readings] = {}
    contexts = _graph_contexts(meta)
    for position, context in enumerate(contexts):
        for node in context.nodes.values():
            if node.op not in META_KERNEL_CONSUMERS:
                continue
            if node.op == "MatMul" and (node.attr["transpose_a"].b or node.attr["transpose_b"].b):
                continue  # a gradient's MatMul: cells multiply by the kernel untransposed
            variable = _kernel_variable(context, node)
            cell = _cell_of_kernel(variable) if variable else None
            if cell is None:
                continue
            prefix, role = cell
            if node.op in META_FUSED_LSTM_OPS + META_FUSED_GRU_OPS:
                _read_fused_op(node, readings.setdefault(prefix, _Readings()))
                continue
            op_scope = node.name.rpartition("/")[0]
            role_scope = role.rpartition("/")[0]
            # Old _linear put e.g. the GRU gate matmul in a `gates` name scope inside the cell's.
            if role_scope and op_scope.endswith("/" + role_scope):
                op_scope = op_scope[: -len(role_scope) - 1]
            if op_scope:
                scopes.setdefault((position, op_scope), set()).add(prefix)
    for (position, op_scope), prefixes in scopes.items():
        if len(prefixes) != 1:
            continue  # two cells' ops under one name scope: nothing there is theirs for sure
        prefix = prefixes.pop()
        _read_cell_ops(contexts[position], op_scope, readings.setdefault(prefix, _Readings()))
    return {prefix: settings for prefix, reading in sorted(readings.items()) if (settings := reading.settings())}


# --- Settings -------------------------------------------------------------------------


def _applicable_settings(cell: DiscoveredCell) -> tuple[str, ...]:
    """The unstored settings this cell's numbers depend on."""
    if cell.family in FIXED_SETTINGS:
        return ()
    if cell.family != "lstm":
        return ("activation",)
    if cell.kind == "basic_lstm":
        return ("forget_bias", "activation")
    return ("forget_bias", "activation", "cell_clip") + (("proj_clip",) if cell.num_proj is not None else ())


def _check_setting(name: str, value: Any) -> Any:
    """An argument value checked, with False (no clipping) returned as None."""
    if name == "forget_bias":
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise ValueError(f"Invalid value for `forget_bias`: expected a number, received {value!r}.")
        return float(value)
    if name == "activation":
        if value not in ACTIVATIONS:
            raise ValueError(f"Invalid value for `activation`: expected one of {ACTIVATIONS}, received {value!r}.")
        return value
    if value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not value > 0:
        raise ValueError(
            f"Invalid value for `{name}`: expected a positive number or False (no clipping), received {value!r}."
        )
    return float(value)


def _argument_value(name: str, argument: Any, prefix: str) -> tuple[bool, Any]:
    """(given, value) of an argument for one cell; a Mapping gives per-cell values."""
    if argument is None:
        return False, None
    if isinstance(argument, Mapping):
        if prefix not in argument:
            return False, None
        return True, _check_setting(name, argument[prefix])
    return True, _check_setting(name, argument)


def _resolve_settings(
    stacks: Sequence[DiscoveredStack],
    arguments: Mapping[str, Any],
    meta_settings: Mapping[str, Mapping[str, Any]] | None,
    tf1_defaults: bool,
    checkpoint: str,
) -> dict[str, dict[str, Setting]]:
    cells = [cell for stack in stacks for layers in stack.cells.values() for cell in layers]
    prefixes = {cell.prefix for cell in cells}
    for name, argument in arguments.items():
        if isinstance(argument, Mapping):
            unknown = sorted(set(argument) - prefixes)
            if unknown:
                raise ValueError(
                    f"Unknown cell prefix(es) {unknown} in `{name}`: expected some of {sorted(prefixes)}."
                )
    resolved: dict[str, dict[str, Setting]] = {}
    missing: dict[str, list[str]] = {}
    for cell in cells:
        settings = {key: Setting(value, "fixed") for key, value in FIXED_SETTINGS.get(cell.family, {}).items()}
        from_meta = (meta_settings or {}).get(cell.prefix, {})
        for key in _applicable_settings(cell):
            given, value = _argument_value(key, arguments.get(key), cell.prefix)
            if given:
                settings[key] = Setting(value, "argument")
            elif key in from_meta:
                settings[key] = Setting(from_meta[key], "meta")
            elif tf1_defaults and key in TF1_DEFAULT_SETTINGS:
                settings[key] = Setting(TF1_DEFAULT_SETTINGS[key], "tf1_defaults")
            else:
                missing.setdefault(key, []).append(cell.prefix)
        if from_meta.get("residual"):
            # No variables of its own and no argument: only the .meta graph shows it.
            settings["residual"] = Setting(True, "meta")
        resolved[cell.prefix] = settings
    if missing:
        kinds = "LSTM layers" if "forget_bias" in missing else "layers"
        where = ("no .meta graph" if meta_settings is None
                 else "a .meta graph that does not show these settings")
        lines = [f"The checkpoint `{checkpoint}` has {kinds} but {where}; settings checkpoints do not "
                 "store must be passed, never guessed:"]
        for key in SETTING_NAMES:
            if key in missing:
                cells_listed = ", ".join(f"`{prefix}`" for prefix in missing[key])
                lines.append(f"  - {key} of {cells_listed}: {SETTING_HELP[key]}.")
        raise ValueError("\n".join(lines))
    return resolved


def _layer_spec(cell: DiscoveredCell, settings: Mapping[str, Setting]) -> LayerSpec:
    value = {key: setting.value for key, setting in settings.items()}
    name = None if SPEC_KIND_SCOPES.get(cell.kind) == cell.scope_name else cell.scope_name
    options: dict[str, Any] = {"activation": value.get("activation", "tanh"), "name": name,
                               "wrappers": (ResidualSpec(),) if value.get("residual") else ()}
    if cell.kind in ("lstm", "basic_lstm"):
        options["forget_bias"] = value["forget_bias"]
    if cell.kind == "lstm":
        options.update(use_peepholes=cell.use_peepholes, num_proj=cell.num_proj,
                       cell_clip=value.get("cell_clip"), proj_clip=value.get("proj_clip"))
    return LayerSpec(cell.kind, cell.units, **options)


def stack_spec(stack: DiscoveredStack, settings: Mapping[str, Mapping[str, Setting]]) -> StackSpec | None:
    """The ``StackSpec`` of a discovered stack (None for CudnnGRU, which it cannot express)."""
    if stack.family == "cudnn_gru":
        return None
    layers = []
    for index, cell in enumerate(stack.layers):
        specs = {_layer_spec(cells[index], settings[cells[index].prefix]) for cells in stack.cells.values()}
        if len(specs) != 1:
            prefixes = [cells[index].prefix for cells in stack.cells.values()]
            raise ValueError(
                f"Unsupported bidirectional stack `{stack.root}`: the settings of {prefixes} differ "
                f"({sorted(map(repr, specs))}); StackSpec needs the same layer both ways."
            )
        layers.append(specs.pop())
    default_root = TF1_DRIVER_SCOPES[stack.driver]
    return StackSpec(
        layers=tuple(layers), driver=stack.driver, multi_rnn_cell=stack.multi_rnn_cell,
        scope=None if stack.root == default_root else stack.root, dtype=stack.layers[0].dtype,
        input_size=stack.layers[0].input_size,
    )


# --- The CudnnGRU port ----------------------------------------------------------------


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CudnnGRUStackPort(keras.Model):
    """The Keras 3 port of a unidirectional ``CudnnGRU`` stack (canonical weights).

    ``CudnnCompatibleGRUCell`` applies the reset gate to the projected state
    (``r * (h @ Wh + bh)``), which is Keras' ``GRUCell(reset_after=True)``;
    ``StackPort`` builds only TF1's ``reset_after=False`` GRU, so this model is
    ``RNN(StackedRNNCells([GRUCell(reset_after=True), ...]))`` with
    ``StackPort``'s call contract.

    Args:
        units: the ``num_units`` of each layer, bottom first.
        input_size: width of the inputs.
        **kwargs: base ``Model`` arguments (``name``, ``dtype``).

    Call arguments:
        inputs: ``[batch, time, input_size]``.
        initial_state: None (zeros) or ``[h_0, h_1, ...]``, one per layer.
        sequence_length: None or int lengths ``[batch]``: steps past a row's
            length emit zeros and keep the state, as TF1's ``dynamic_rnn``.
        training: unused (no dropout).

    Returns:
        ``[sequence_output, h_0, h_1, ...]``.

    Example:

    >>> model = CudnnGRUStackPort([8, 8], input_size=3)
    >>> outputs, h0, h1 = model(keras.ops.ones((2, 5, 3)))
    """

    def __init__(self, units: Sequence[int], input_size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        units = [int(u) for u in units]
        if not units or any(u < 1 for u in units):
            raise ValueError(f"Invalid value for `units`: expected a non-empty list of positive ints, received {units!r}.")
        if isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)) or input_size < 1:
            raise ValueError(f"Invalid value for `input_size`: expected a positive int, received {input_size!r}.")
        self.units = units
        self.input_size = int(input_size)
        dtype = self.dtype_policy.variable_dtype
        self.cells = {"": [
            keras.layers.GRUCell(u, activation="tanh", recurrent_activation="sigmoid", reset_after=True, dtype=dtype)
            for u in units
        ]}
        cells = self.cells[""]
        # As StackPort: StackedRNNCells mishandles the state of a one-cell stack.
        cell = cells[0] if len(cells) == 1 else keras.layers.StackedRNNCells(cells, dtype=dtype)
        self.rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True, zero_output_for_mask=True,
                                    dtype=dtype)
        input_sizes = [self.input_size] + units[:-1]
        for layer_cell, width in zip(cells, input_sizes):
            layer_cell.build((None, width))
        self.rnn.build((None, None, self.input_size))
        self.built = True

    def call(self, inputs: Any, initial_state: Any = None, sequence_length: Any = None,
             training: Any = None) -> list[Any]:
        mask = None
        if sequence_length is not None:
            lengths = ops.cast(ops.convert_to_tensor(sequence_length), "int32")
            mask = ops.arange(ops.shape(inputs)[1], dtype="int32")[None, :] < lengths[:, None]
        if initial_state is None:
            batch = ops.shape(inputs)[0]
            initial_state = [ops.zeros((batch, u), dtype=self.compute_dtype) for u in self.units]
        states = list(initial_state)
        nested = [[state] for state in states] if len(states) > 1 else states
        result = self.rnn(inputs, initial_state=nested, mask=mask, training=training)
        final: list[Any] = []
        for item in result[1:]:
            final.extend(item if isinstance(item, (list, tuple)) else [item])
        return [result[0], *final]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": list(self.units), "input_size": self.input_size}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "CudnnGRUStackPort":
        return cls(**config)


# --- Weight conversion ----------------------------------------------------------------


def _convert_basic_rnn(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.basic_rnn_to_keras(arrays["kernel"], arrays["bias"], cell.input_size)


def _convert_lstm(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    # Without extras this is exactly lstm_to_keras, and with them TF1LSTMCell's layout.
    return convert.lstm_peephole_projection_to_keras(
        arrays["kernel"], arrays["bias"], cell.input_size, settings["forget_bias"],
        w_i_diag=arrays.get("w_i_diag"), w_f_diag=arrays.get("w_f_diag"), w_o_diag=arrays.get("w_o_diag"),
        projection_kernel=arrays.get(PROJECTION_ROLE),
    )


def _convert_gru(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.gru_to_keras(arrays["gates/kernel"], arrays["gates/bias"], arrays["candidate/kernel"],
                                arrays["candidate/bias"], cell.input_size)


def _convert_gru_block(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.gru_block_to_keras(arrays["w_ru"], arrays["b_ru"], arrays["w_c"], arrays["b_c"], cell.input_size)


def _convert_cudnn_lstm(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.cudnn_lstm_to_keras(arrays["kernel"], arrays["bias"], cell.input_size)


def _convert_cudnn_gru(arrays: Mapping[str, np.ndarray], cell: DiscoveredCell, settings: Mapping[str, Any]) -> list:
    return convert.cudnn_gru_to_keras(
        arrays["gates/kernel"], arrays["gates/bias"],
        arrays["candidate/input_projection/kernel"], arrays["candidate/input_projection/bias"],
        arrays["candidate/hidden_projection/kernel"], arrays["candidate/hidden_projection/bias"],
        cell.input_size,
    )


FAMILY_CONVERTERS = {
    "basic_rnn": _convert_basic_rnn,
    "lstm": _convert_lstm,
    "gru": _convert_gru,
    "gru_block": _convert_gru_block,
    "cudnn_lstm": _convert_cudnn_lstm,
    "cudnn_gru": _convert_cudnn_gru,
}


def _weight_sources(cell: DiscoveredCell) -> list[tuple[str, ...]]:
    sources = list(KERAS_WEIGHT_SOURCES[cell.family])
    if cell.family == "lstm":
        sources += [(role,) for role in PEEPHOLE_ROLES if role in cell.variables]
        if PROJECTION_ROLE in cell.variables:
            sources.append((PROJECTION_ROLE,))
    return sources


# Keras' random initializers: each defines its own ``__call__`` (GlorotUniform, HeNormal... are
# VarianceScaling with fixed arguments and inherit it).
_RANDOM_INITIALIZERS = (
    keras.initializers.RandomNormal,
    keras.initializers.RandomUniform,
    keras.initializers.TruncatedNormal,
    keras.initializers.VarianceScaling,
    keras.initializers.Orthogonal,
)


@contextlib.contextmanager
def _no_random_draws():
    """Build with zeros where Keras would draw random initial weights.

    Every weight is overwritten right after the build (by the checkpoint's, or by a
    ``.keras`` file's), and the draws are what building a big stack costs: a QR decomposition
    per recurrent kernel (``Orthogonal``; 21 of the 26 s of converting a 4 x 2048 LSTM before
    this existed) and a uniform draw per kernel (``GlorotUniform``; 2.3 s for the four
    ``[4096, 8192]`` kernels). Only the initial values change: the layers keep their
    initializer objects, so the saved configuration is the same.
    """
    draws = [(initializer, initializer.__dict__["__call__"]) for initializer in _RANDOM_INITIALIZERS]
    for initializer, _ in draws:
        initializer.__call__ = lambda self, shape, dtype=None: ops.zeros(shape, dtype=dtype)
    try:
        yield
    finally:
        for initializer, draw in draws:
            initializer.__call__ = draw


def load_converted(path: str | os.PathLike[str], **load_model_kwargs: Any) -> Any:
    """``keras.saving.load_model`` for a ``.keras`` file of this converter, without the random draws.

    Loading builds the model first -- drawing every weight from its initializer: a QR
    decomposition per recurrent kernel (Keras' default ``Orthogonal``), a uniform draw per
    kernel -- then overwrites every weight with the file's. The draws are thrown away, and for
    big stacks they are nearly all the cost (a 4 x 2048 LSTM: see bench/checkpoint_speed.py).
    This loads with zeros in their place; the result is the same model with the same weights
    and configuration (its layers still hold their initializers). Keras checks that the file
    holds every weight of the model it builds, so no zero can survive the load. Any ``.keras``
    file loads this way; the keyword arguments go to ``keras.saving.load_model``.
    """
    path = os.fspath(path)
    if not str(path).endswith(".keras"):
        raise ValueError(f"path: expected a .keras file (convert_checkpoint writes them), got {path!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path: expected an existing .keras file, got {path!r} (no such file)")
    with _no_random_draws():
        return keras.saving.load_model(path, **load_model_kwargs)


def _build_model(stack: DiscoveredStack, spec: StackSpec | None, variables: Mapping[str, np.ndarray],
                 settings: Mapping[str, Mapping[str, Setting]]) -> tuple[Any, list[WeightMapping]]:
    """The stack's Keras model with converted weights, and the name mapping."""
    name = keras_name_for_root(stack.root)
    with _no_random_draws():
        if spec is None:
            model = CudnnGRUStackPort([cell.units for cell in stack.layers], stack.layers[0].input_size,
                                      name=name, dtype=stack.layers[0].dtype)
        else:
            model = StackPort(spec, name=name)
    mapping: list[WeightMapping] = []
    for direction, cells in stack.cells.items():
        for index, cell in enumerate(cells):
            arrays = {role: np.asarray(variables[tf1_name]) for role, tf1_name in cell.variables.items()}
            values = {key: setting.value for key, setting in settings[cell.prefix].items()}
            try:
                weights = FAMILY_CONVERTERS[cell.family](arrays, cell, values)
            except ValueError as error:
                raise ValueError(f"Cannot convert the cell `{cell.prefix}`: {error}") from error
            keras_cell = base_cell(model.cells[direction][index])
            sources = _weight_sources(cell)
            if len(keras_cell.weights) != len(weights) or len(sources) != len(weights):
                raise ValueError(
                    f"Cannot convert the cell `{cell.prefix}`: its Keras cell {type(keras_cell).__name__} has "
                    f"{len(keras_cell.weights)} weights, the converter gave {len(weights)}."
                )
            layer_path = "/".join(part for part in (name, direction, f"layer_{index}") if part)
            for keras_weight, value, roles in zip(keras_cell.weights, weights, sources):
                for role in roles:
                    tf1_name = cell.variables[role]
                    mapping.append(WeightMapping(tf1_name, tuple(np.shape(variables[tf1_name])),
                                                 f"{layer_path}/{keras_weight.name}", tuple(np.shape(value))))
            # Assigned cell by cell (the model is discarded on any error), so that only one
            # cell's TF1 and converted arrays are alive at a time.
            keras_cell.set_weights(weights)
            del arrays, weights
    return model, mapping


# --- Conversion -----------------------------------------------------------------------


@dataclass
class _Plan:
    checkpoint: str
    meta_path: str | None
    stacks: list[tuple[DiscoveredStack, StackSpec | None, Any, list[WeightMapping], dict[str, dict[str, Setting]]]]
    rest: dict[str, np.ndarray]
    skipped: list[tuple[str, str]]


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
    out_dir = os.path.abspath(os.fspath(out_dir))
    if os.path.exists(out_dir) and not (os.path.isdir(out_dir) and (overwrite or not os.listdir(out_dir))):
        raise FileExistsError(
            f"Invalid `out_dir`: expected a new or empty directory (or overwrite=True), `{out_dir}` "
            f"{'is not empty' if os.path.isdir(out_dir) else 'is a file'}."
        )
    plan = _plan(path, forget_bias=forget_bias, activation=activation, cell_clip=cell_clip, proj_clip=proj_clip,
                 tf1_defaults=tf1_defaults, cell_kinds=cell_kinds, scope=scope, meta_path=meta_path)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}.partial-", dir=parent)
    try:
        conversions = []
        for stack, spec, model, mapping, settings in plan.stacks:
            file_name = f"{stack.file_stem}.keras"
            model.save(os.path.join(staging, file_name))
            conversions.append(StackConversion(
                root=stack.root, spec=spec, keras_path=os.path.join(out_dir, file_name),
                model_class=type(model).__name__, layers=dict(stack.cells), settings=settings, mapping=mapping,
            ))
        np.savez(os.path.join(staging, "rest.npz"), **plan.rest)
        _move_into_place(staging, out_dir)
    except BaseException:
        # Any failure (KeyboardInterrupt included) must leave nothing behind; re-raised as is.
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ConversionResult(
        checkpoint=plan.checkpoint, meta_path=plan.meta_path, out_dir=out_dir, stacks=conversions,
        rest_path=os.path.join(out_dir, "rest.npz"),
        rest=[(name, tuple(np.shape(array))) for name, array in plan.rest.items()], skipped=plan.skipped,
    )


def _move_into_place(staging: str, out_dir: str) -> None:
    if not os.path.exists(out_dir):
        os.rename(staging, out_dir)
        return
    if not os.listdir(out_dir):
        os.rmdir(out_dir)
        os.rename(staging, out_dir)
        return
    # overwrite=True: swap, then drop the old directory.
    retired = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}.old-", dir=os.path.dirname(out_dir))
    os.rmdir(retired)
    os.rename(out_dir, retired)
    os.rename(staging, out_dir)
    shutil.rmtree(retired, ignore_errors=True)


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


# --- Reporting ------------------------------------------------------------------------


def format_mapping(result: ConversionResult) -> str:
    """The conversion as a text table: per stack its settings and TF1 -> Keras weights; the rest; the skipped."""
    lines = [f"checkpoint: {result.checkpoint}",
             f"settings from: {result.meta_path or 'arguments (no .meta graph)'}"]
    for stack in result.stacks:
        lines.append("")
        lines.append(f"stack `{stack.root}` -> {stack.keras_path} ({stack.model_class})")
        for prefix, settings in stack.settings.items():
            described = ", ".join(f"{key}={setting.value!r} [{setting.source}]" for key, setting in settings.items())
            lines.append(f"  {prefix}: {described or 'no unstored settings'}")
        rows = [(m.tf1_name, _fmt_shape(m.tf1_shape), m.keras_path, _fmt_shape(m.keras_shape)) for m in stack.mapping]
        lines.extend(_table(("TF1 variable", "shape", "Keras weight", "shape"), rows))
    lines.append("")
    lines.append(f"rest -> {result.rest_path} ({len(result.rest)} arrays)")
    lines.extend(f"  {name} {_fmt_shape(shape) if shape else '()'}" for name, shape in result.rest)
    lines.append(f"skipped ({len(result.skipped)})")
    lines.extend(f"  {name}: {reason}" for name, reason in result.skipped)
    return "\n".join(lines)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    render = lambda row: "  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()  # noqa: E731
    return [render(header), "  " + "  ".join("-" * width for width in widths), *map(render, rows)]


__all__ = [
    "CELL_KIND_OPTIONS", "ConversionResult", "CudnnGRUStackPort", "DiscoveredCell", "DiscoveredStack",
    "FAMILY_VARIABLES", "SKIPPED_VARIABLES", "Setting", "StackConversion", "WeightMapping", "convert_checkpoint",
    "discover_stacks", "format_mapping", "keras_name_for_root", "load_checkpoint_into_port", "load_converted",
    "read_checkpoint",
    "read_meta_settings", "resolve_checkpoint_path", "skip_reason", "stack_spec",
]
