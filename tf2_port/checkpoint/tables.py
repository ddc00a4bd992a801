"""The tables of checkpoint conversion: what TF1 names, shapes and graph ops mean.

Data only; the logic that reads them is in :mod:`.discovery` (names and shapes -> stacks),
:mod:`.meta_graph` (ops of a ``.meta`` graph -> settings), :mod:`.settings` (which settings
each cell needs, TF1's defaults) and :mod:`.weights` (TF1 roles -> Keras weights).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tf1_reference.spec import ACTIVATIONS
from tf2_port.tf1_names import FAMILY_ROLES

if TYPE_CHECKING:
    from tf2_port.checkpoint.discovery import _Dims


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

# The cell families and their roles are tf2_port.tf1_names' (the one table of TF1 names);
# FAMILY_VARIABLES is its FAMILY_ROLES under the name this package's callers know.
FAMILY_VARIABLES = FAMILY_ROLES
FAMILY_DESCRIPTIONS = {
    "basic_rnn": "BasicRNNCell {kernel, bias}",
    "lstm": "LSTMCell/BasicLSTMCell {kernel, bias[, w_i_diag, w_f_diag, w_o_diag][, projection/kernel]}",
    "gru": "GRUCell {gates/kernel, gates/bias, candidate/kernel, candidate/bias}",
    "gru_block": "GRUBlockCell {w_ru, b_ru, w_c, b_c}",
    "cudnn_lstm": "CudnnCompatibleLSTMCell {kernel, bias}",
    "cudnn_gru": "CudnnCompatibleGRUCell {gates/*, candidate/input_projection/*, candidate/hidden_projection/*}",
}

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
