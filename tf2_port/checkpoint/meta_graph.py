"""Settings a checkpoint does not store, read from the TF1 ``.meta`` graph beside it.

The cell ops are found by data flow from the kernel variables (through reads, ``Enter`` ops
and the function arguments of v2 control flow), not by name; :func:`read_meta_settings`
reads ``forget_bias``, ``activation``, the clips and a ``ResidualWrapper`` from them. The op
tables are in :mod:`.tables`; ``tf2_port.verify`` reuses the tracer (:func:`_graph_contexts`,
:func:`_kernel_variable`).
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Sequence

import numpy as np

from tf2_port.checkpoint.reading import _tf
from tf2_port.tf1_names import split_role
from tf2_port.checkpoint.tables import (
    LSTM_CANDIDATE_OUTPUT,
    LSTM_FORGET_OUTPUT,
    LSTM_GATE_SPLITS,
    META_ACTIVATION_OPS,
    META_CALLER_ATTRS,
    META_FUSED_GRU_OPS,
    META_FUSED_LSTM_OPS,
    META_KERNEL_CONSUMERS,
    META_KERNEL_ROLES,
    META_PASS_THROUGH_OPS,
    META_RESIDUAL_ADD,
    META_VARIABLE_OPS,
    META_WRAPPER_SCOPES,
)


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
    """``(cell prefix, role)`` of a kernel variable (either naming era), or None."""
    return split_role(variable, META_KERNEL_ROLES)


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
