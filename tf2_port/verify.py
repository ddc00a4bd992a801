"""Reference vs port: load a TF1 run's variables into the Keras 3 port, report per-tensor max |diff|.

The reference run comes from the caller (``migrate.compare_sides.compare_spec`` builds it
with ``tf1_reference``): this module uses only the reference's spec, never its builder, so
importing it never loads ``tf_keras`` (ARCHITECTURE.md, dependency direction). The
checkpoint check below imports the ``.meta`` graph with TensorFlow itself, no legacy cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tf1_reference.spec import StackSpec
from tf2_port.build import StackPort
from tf2_port.state import keras_state_to_tf1, tf1_state_to_keras

# Round-off allowances used by the equivalence suite and `tf1-migrate verify`.
# float32: TF1 computes concat([x, h]) @ W in one matmul, Keras x @ K + h @ R, so
# sums round differently (measured <= 4e-7 on unit-scale values); float64: the
# same at 1e-16 relative. Both scale with the magnitude of the values.
TOLERANCES = {"float32": 1e-6, "float64": 1e-14}


def tf1_outputs_in_port_layout(spec: StackSpec, outputs: Any) -> np.ndarray:
    """TF1 driver outputs -> one array in the port's layout (bidirectional: ``concat(fw, bw)``)."""
    if spec.is_static:
        return np.stack(outputs, axis=1)
    if spec.driver == "bidirectional_dynamic_rnn":
        return np.concatenate(outputs, axis=-1)
    return np.asarray(outputs)


def _leaves(structure: Any) -> list[np.ndarray]:
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _leaves(item)]
    return [np.asarray(structure)]


@dataclass
class Comparison:
    """One reference-vs-port run: the arrays and the per-tensor max |diff|."""

    spec: StackSpec
    reference: Any
    port_outputs: np.ndarray
    port_state: Any
    diffs: dict[str, float] = field(default_factory=dict)

    @property
    def max_diff(self) -> float:
        return max(self.diffs.values())

    @property
    def tolerance(self) -> float:
        # Relative round-off grows with magnitude (relu stacks are unbounded).
        scale = max(1.0, float(np.max(np.abs(self.port_outputs))))
        return TOLERANCES[self.spec.dtype] * scale

    @property
    def passed(self) -> bool:
        return self.max_diff <= self.tolerance


def compare_port(spec: StackSpec, reference: Any, *, fast: bool = False, training: bool = False) -> Comparison:
    """Load ``reference.variables`` into a port of ``spec``, run it on the reference's feeds, compare."""
    port = StackPort(spec, fast=fast)
    port.set_tf1_variables(reference.variables)
    result = port(
        reference.inputs,
        initial_state=tf1_state_to_keras(spec, reference.initial_state),
        sequence_length=reference.sequence_length,
        training=training,
    )
    port_outputs = np.asarray(result[0])
    port_state = keras_state_to_tf1(spec, [np.asarray(s) for s in result[1:]])
    expected_outputs = tf1_outputs_in_port_layout(spec, reference.outputs)
    if port_outputs.shape != expected_outputs.shape:
        raise ValueError(
            f"Port outputs have shape {port_outputs.shape}, expected the reference's {expected_outputs.shape}."
        )
    diffs = {"outputs": float(np.max(np.abs(port_outputs - expected_outputs)))}
    expected_leaves, got_leaves = _leaves(reference.final_state), _leaves(port_state)
    if len(expected_leaves) != len(got_leaves):
        raise ValueError(f"Port state has {len(got_leaves)} tensors, expected {len(expected_leaves)}.")
    for index, (got, expected) in enumerate(zip(got_leaves, expected_leaves)):
        if got.shape != expected.shape:
            raise ValueError(f"Port state[{index}] has shape {got.shape}, expected {expected.shape}.")
        diffs[f"state[{index}]"] = float(np.max(np.abs(got - expected)))
    return Comparison(spec, reference, port_outputs, port_state, diffs)


def format_diff_table(rows: list[tuple[str, Comparison]]) -> str:
    """A text table: name, dtype, outputs max |diff|, worst state max |diff|, tolerance, verdict."""
    header = f"{'case':<34} {'dtype':<8} {'outputs':>10} {'states':>10} {'tolerance':>10}  result"
    lines = [header, "-" * len(header)]
    for name, comparison in rows:
        states = max((v for k, v in comparison.diffs.items() if k != "outputs"), default=0.0)
        lines.append(
            f"{name:<34} {comparison.spec.dtype:<8} {comparison.diffs['outputs']:>10.1e} {states:>10.1e} "
            f"{comparison.tolerance:>10.1e}  {'ok' if comparison.passed else 'FAIL'}"
        )
    return "\n".join(lines)




# --- a converted checkpoint against the graph that wrote it ---------------------------------

# Loop-variable ops of TF1's two while-loop forms: v1 (Enter/Exit frames, the graphs TF 1.x
# wrote) and v2 (a While op calling a body function, TF >= 2 graphs).
_WHILE_V2_OPS = ("While", "StatelessWhile")
# How the loop reads the step's input: v1 a TensorArray read, v2 a TensorList item.
_STEP_READ_OPS = ("TensorArrayReadV3", "TensorListGetItem")
# Feed sizes where the graph leaves batch or time open. Three rows give a full-length row,
# a shorter one and a length-0 one (TF1 returns the initial state for it).
FEED_BATCH, FEED_TIME = 3, 6
NO_META_LIMITATION = (
    "no {meta}: the weights were converted and their layouts checked, but the graph's settings "
    "(forget_bias, activation, clips, residual wrappers) could not be checked against the graph "
    "that wrote them; nothing was compared"
)


@dataclass
class CheckpointComparison:
    """One converted stack of a checkpoint, compared against the ``.meta`` graph that wrote it.

    Attributes:
        root: the stack's TF1 driver scope.
        comparison: the per-tensor max |diff|, or None when nothing could be compared.
        problem: why nothing was compared (no ``.meta`` graph, a stack the graph does not
            show in a form this locates), or None.
    """

    root: str
    comparison: Comparison | None
    problem: str | None = None


@dataclass
class _StackTensors:
    """Where one stack sits in an imported graph: tensor names to feed and to fetch."""

    time_major_inputs: str
    outputs_time_major: str
    initial_states: list[str]
    final_states: list[str]
    sequence_length: str | None


def _first_kernel_name(conversion: Any) -> str | None:
    cell = next(iter(conversion.layers.values()))[0]
    return cell.variables.get("kernel") or cell.variables.get("gates/kernel")


def _forward(context: Any, name: str, index: int, through: tuple[str, ...] = ("Identity",)) -> list[Any]:
    """The consumers of ``name:index``, followed forward through ``through`` ops."""
    found = []
    for node in context.consumers.get((name, index), []):
        found.extend(_forward(context, node.name, 0, through) if node.op in through else [node])
    return found


def _locate_stack(meta: Any, contexts: list[Any], conversion: Any) -> _StackTensors:
    """The feeds and fetches of one ``dynamic_rnn`` stack, found by data flow from its first kernel.

    The first layer's kernel is consumed by a ``MatMul`` of ``concat([x_t, h])``; ``x_t``
    is read inside the driver's while loop from the unstacked time-major inputs, so the
    loop, its inputs, its state variables and its stacked outputs all follow from it.

    Raises:
        ValueError: naming the stack and what was not found.
    """
    from tf2_port.checkpoint import _kernel_variable  # the settings reader's .meta tracer

    root = conversion.root
    kernel = _first_kernel_name(conversion)
    matmuls = [(context, node) for context in contexts for node in context.nodes.values()
               if node.op == "MatMul" and not node.attr["transpose_a"].b and not node.attr["transpose_b"].b
               and _kernel_variable(context, node) == kernel]
    reads = []
    for context, matmul in matmuls:
        concat = context.trace(matmul.input[0], ("Identity",))
        if len(concat) == 1 and concat[0][1].op == "ConcatV2":
            concat_context, concat_node = concat[0]
            reads.extend(found for found in concat_context.trace(concat_node.input[0], ("Identity",))
                         if found[1].op in _STEP_READ_OPS)
    if len(reads) != 1:
        why = ("a static_rnn or hand-unrolled stack has no loop; only dynamic_rnn stacks are located" if not reads
               else "the graph runs the stack in several loops (train and eval graphs?); pick one graph")
        raise ValueError(
            f"cannot find the stack `{root}` in the .meta graph: expected one dynamic_rnn loop reading "
            f"its inputs into the MatMul of `{kernel}`, found {len(reads)} ({why})"
        )
    context, read = reads[0]
    main = contexts[0]
    if read.op == "TensorArrayReadV3":
        return _locate_v1_loop(main, context, read, root)
    return _locate_v2_loop(meta, main, context, read, root)


def _locate_v1_loop(main: Any, context: Any, read: Any, root: str) -> _StackTensors:
    scatter = context.trace(read.input[2], ("Identity", "Enter"))
    handle = context.trace(read.input[0], ("Identity",))
    if len(scatter) != 1 or scatter[0][1].op != "TensorArrayScatterV3" or len(handle) != 1:
        raise ValueError(f"cannot find the inputs of the stack `{root}` in the .meta graph's while loop")
    frame = handle[0][1].attr["frame_name"].s
    loop_vars = [node for node in main.nodes.values()
                 if node.op == "Enter" and node.attr["frame_name"].s == frame and not node.attr["is_constant"].b]
    initial, final, outputs = [], [], None
    for enter in loop_vars:
        exits = [exit_node for merge in _forward(main, enter.name, 0) if merge.op == "Merge"
                 for switch in _forward(main, merge.name, 0) if switch.op == "Switch"
                 for exit_node in _forward(main, switch.name, 0) if exit_node.op == "Exit"]
        if len(exits) != 1:
            continue
        gathers = [node for node in _forward(main, exits[0].name, 0) if node.op == "TensorArrayGatherV3"]
        if gathers:
            outputs = gathers[0].name + ":0"
        initial.append(enter.input[0])
        final.append(exits[0].name + ":0")
    scope = frame.decode().removesuffix("/while_context").rpartition("/")[0]
    return _StackTensors(scatter[0][1].input[2], outputs, initial, final,
                         _sequence_length(main, scope))


def _locate_v2_loop(meta: Any, main: Any, body: Any, read: Any, root: str) -> _StackTensors:
    unstacked = body.trace(read.input[0], ("Identity",))
    loops = [caller for _, caller, _ in body.callers if caller.op in _WHILE_V2_OPS]
    if len(unstacked) != 1 or unstacked[0][1].op != "TensorListFromTensor" or len(loops) != 1:
        raise ValueError(f"cannot find the inputs of the stack `{root}` in the .meta graph's while loop")
    loop = loops[0]
    function = next(f for f in meta.graph_def.library.function if f.signature.name == body.name)
    arguments = [arg.name for arg in function.signature.input_arg]
    results = [function.ret[arg.name].split(":")[0] for arg in function.signature.output_arg]
    inputs = [ref for ref in loop.input if not ref.startswith("^")]
    initial, final, outputs = [], [], None
    for index, ref in enumerate(inputs[: len(arguments)]):
        if results[index] == arguments[index]:
            continue  # passed through unchanged: a captured constant, kernel or length, not loop state
        stacks = [node for node in _forward(main, loop.name, index) if node.op == "TensorListStack"]
        if stacks:
            outputs = stacks[0].name + ":0"
        initial.append(ref)
        final.append(f"{loop.name}:{index}")
    scope = loop.name.rpartition("/")[0]
    return _StackTensors(unstacked[0][1].input[0], outputs, initial, final, _sequence_length(main, scope))


def _sequence_length(main: Any, scope: str) -> str | None:
    # dynamic_rnn names its cast lengths `<scope>/sequence_length` (an Identity).
    node = main.nodes.get(f"{scope}/sequence_length" if scope else "sequence_length")
    return node.name + ":0" if node is not None and node.op == "Identity" else None


def _tensor_name(ref: str) -> str:
    return ref if ":" in ref else ref + ":0"


def _feed_shape(tensor: Any, sizes: dict[int, int]) -> tuple[int, ...]:
    """The static shape of ``tensor`` with its open dimensions taken from ``sizes`` (by axis)."""
    dims = tensor.shape.as_list()
    return tuple(dim if dim is not None else sizes[axis] for axis, dim in enumerate(dims))


def _group_widths(graph_widths: list[int], leaf_widths: list[int], root: str) -> list[int]:
    """How many port state leaves make up each graph state tensor (TF1 flat states concatenate them)."""
    counts, leaf = [], 0
    for width in graph_widths:
        total, count = 0, 0
        while leaf < len(leaf_widths) and total < width:
            total, count, leaf = total + leaf_widths[leaf], count + 1, leaf + 1
        if total != width:
            break
        counts.append(count)
    if sum(counts) != len(leaf_widths) or len(counts) != len(graph_widths):
        raise ValueError(
            f"the state of the stack `{root}` in the .meta graph has widths {graph_widths}; expected the "
            f"converted stack's (c, h) widths {leaf_widths}, possibly concatenated"
        )
    return counts


def _tf1_leaf_widths(spec: StackSpec) -> list[int]:
    widths = []
    for layer in spec.layers:
        widths.extend([layer.units, layer.output_size] if layer.is_lstm else [layer.units])
    return widths


def _tf1_leaves_to_keras(spec: StackSpec, leaves: list[np.ndarray]) -> list[np.ndarray]:
    """TF1 (c, h) per LSTM layer, in TF1's flatten order -> the port's [h, c] list."""
    keras_states, position = [], 0
    for layer in spec.layers:
        if layer.is_lstm:
            c, h = leaves[position], leaves[position + 1]
            keras_states.extend([h, c])
            position += 2
        else:
            keras_states.append(leaves[position])
            position += 1
    return keras_states


def _keras_to_tf1_leaves(spec: StackSpec, keras_states: list[np.ndarray]) -> list[np.ndarray]:
    leaves, position = [], 0
    for layer in spec.layers:
        if layer.is_lstm:
            h, c = keras_states[position], keras_states[position + 1]
            leaves.extend([c, h])
            position += 2
        else:
            leaves.append(keras_states[position])
            position += 1
    return leaves


@dataclass
class _GraphRun:
    """What the graph computed for one stack, with the values it was fed (TF1 layouts)."""

    inputs: np.ndarray  # batch-major
    initial_leaves: list[np.ndarray]  # TF1 (c, h) leaves in flatten order
    sequence_length: np.ndarray | None
    outputs: np.ndarray  # batch-major
    final_states: list[np.ndarray]  # as the graph holds them (flat states concatenated)
    leaves_per_state: list[int]


def _run_graph(session: Any, graph: Any, conversion: Any, located: _StackTensors,
               rng: np.random.Generator) -> _GraphRun:
    """Feed random inputs, initial state and lengths to the stack's tensors; fetch outputs and final state."""
    spec = conversion.spec
    inputs_tensor = graph.get_tensor_by_name(_tensor_name(located.time_major_inputs))
    states = [graph.get_tensor_by_name(_tensor_name(name)) for name in located.initial_states]
    # The cells' states are the float rank-2 loop variables (time and TensorArray flows are not).
    keep = [index for index, tensor in enumerate(states) if tensor.dtype.is_floating and tensor.shape.rank == 2]
    states = [states[index] for index in keep]
    final_names = [located.final_states[index] for index in keep]
    dims = inputs_tensor.shape.as_list()
    batch = dims[1] if dims[1] is not None else next(
        (s.shape.as_list()[0] for s in states if s.shape.as_list()[0] is not None), FEED_BATCH)
    time = dims[0] if dims[0] is not None else FEED_TIME
    dtype = inputs_tensor.dtype.as_numpy_dtype
    feeds = {inputs_tensor: rng.uniform(-1.0, 1.0, _feed_shape(inputs_tensor, {0: time, 1: batch})).astype(dtype)}
    graph_widths = [int(_feed_shape(s, {0: batch})[1]) for s in states]
    leaf_widths = _tf1_leaf_widths(spec)
    counts = _group_widths(graph_widths, leaf_widths, conversion.root)
    initial_leaves: list[np.ndarray] = []
    for tensor, count, width in zip(states, counts, graph_widths):
        value = feeds.get(tensor)  # one tensor fed as two states (initial_state=(s, s)) keeps one value
        if value is None:
            value = feeds[tensor] = rng.uniform(-1.0, 1.0, (batch, width)).astype(dtype)
        split_at = np.cumsum(leaf_widths[len(initial_leaves): len(initial_leaves) + count])[:-1]
        initial_leaves.extend(np.split(value, split_at, axis=-1))
    lengths = None
    if located.sequence_length is not None:
        lengths_tensor = graph.get_tensor_by_name(located.sequence_length)
        lengths = rng.integers(1, time + 1, batch)
        lengths[0] = time
        if batch > 1:
            lengths[-1] = 0  # a length-0 row: TF1 returns its initial state and zero outputs
        feeds[lengths_tensor] = lengths.astype(lengths_tensor.dtype.as_numpy_dtype)
    fetched = session.run([graph.get_tensor_by_name(located.outputs_time_major),
                           *[graph.get_tensor_by_name(name) for name in final_names]], feeds)
    return _GraphRun(np.transpose(feeds[inputs_tensor], (1, 0, 2)), initial_leaves, lengths,
                     np.transpose(fetched[0], (1, 0, 2)), list(fetched[1:]), counts)


def _compare_converted(conversion: Any, run: _GraphRun) -> Comparison:
    """Run the converted ``.keras`` model (eagerly) on the graph's feeds; compare with what the graph gave."""
    from tf2_port.checkpoint import load_converted

    spec = conversion.spec
    model = load_converted(conversion.keras_path)
    result = model(run.inputs, initial_state=_tf1_leaves_to_keras(spec, run.initial_leaves),
                   sequence_length=run.sequence_length)
    port_outputs = np.asarray(result[0])
    port_leaves = _keras_to_tf1_leaves(spec, [np.asarray(state) for state in result[1:]])
    if port_outputs.shape != run.outputs.shape:
        raise ValueError(f"the converted stack `{conversion.root}` gives outputs of shape "
                         f"{port_outputs.shape}, expected the graph's {run.outputs.shape}")
    diffs = {"outputs": float(np.max(np.abs(port_outputs - run.outputs)))}
    position = 0
    for index, (count, graph_state) in enumerate(zip(run.leaves_per_state, run.final_states)):
        port_state = np.concatenate(port_leaves[position: position + count], axis=-1)
        position += count
        diffs[f"state[{index}]"] = float(np.max(np.abs(port_state - graph_state)))
    return Comparison(spec, run, port_outputs, port_leaves, diffs)


def compare_checkpoint_with_meta_graph(result: Any, *, seed: int = 0) -> list[CheckpointComparison]:
    """Each converted stack of ``result`` against the ``.meta`` graph that wrote the checkpoint.

    The graph is imported with ``tf.compat.v1.train.import_meta_graph`` and the
    checkpoint restored into it by its own Saver; the same random inputs, initial
    states and sequence lengths are fed to the stack's tensors in the graph and to
    the converted ``.keras`` model. So every setting the converter resolved
    (``forget_bias``, activation, clips...) is checked against what the graph
    computes, not against the converter's own reading of it.

    Args:
        result: a :class:`tf2_port.checkpoint.ConversionResult` whose files still exist.
        seed: of the fed values.

    Returns:
        One :class:`CheckpointComparison` per stack. Without a ``.meta`` graph, or for a
        stack the graph does not show as a ``dynamic_rnn`` loop (static or bidirectional
        drivers, CudnnGRU), ``comparison`` is None and ``problem`` says why.

    When the ``.meta`` graph cannot be imported (ops this TensorFlow lacks) or the
    checkpoint cannot be restored into it, every stack gets that as its ``problem``.
    """
    from tf2_port.checkpoint import _graph_contexts, _load_meta_graph, _tf

    if result.meta_path is None:
        problem = NO_META_LIMITATION.format(meta=f"{result.checkpoint}.meta")
        return [CheckpointComparison(stack.root, None, problem) for stack in result.stacks]
    meta = _load_meta_graph(result.meta_path)
    contexts = _graph_contexts(meta)
    tf = _tf()
    rng = np.random.default_rng(seed)
    runs: dict[str, _GraphRun | str] = {}
    with tf.Graph().as_default() as graph:
        try:
            saver = tf.compat.v1.train.import_meta_graph(result.meta_path, clear_devices=True)
        except (ValueError, KeyError, tf.errors.OpError) as error:
            problem = f"cannot import the .meta graph `{result.meta_path}`: {str(error).strip().splitlines()[0]}"
            return [CheckpointComparison(stack.root, None, problem) for stack in result.stacks]
        if saver is None:
            problem = f"the .meta graph `{result.meta_path}` has no variables to restore the checkpoint into"
            return [CheckpointComparison(stack.root, None, problem) for stack in result.stacks]
        with tf.compat.v1.Session(graph=graph) as session:
            try:
                saver.restore(session, result.checkpoint)
            except (ValueError, tf.errors.OpError) as error:
                message = getattr(error, "message", str(error)).strip().splitlines()[0]
                problem = f"cannot restore `{result.checkpoint}` into its .meta graph: {message}"
                return [CheckpointComparison(stack.root, None, problem) for stack in result.stacks]
            for conversion in result.stacks:
                driver = conversion.spec.driver if conversion.spec is not None else conversion.model_class
                if driver != "dynamic_rnn":
                    runs[conversion.root] = (f"the stack `{conversion.root}` ({driver}) is not compared: only "
                                             "unidirectional dynamic_rnn stacks are located in a .meta graph")
                    continue
                try:
                    located = _locate_stack(meta, contexts, conversion)
                    if located.outputs_time_major is None or not located.final_states:
                        raise ValueError(f"cannot find the outputs of the stack `{conversion.root}` in the .meta graph")
                    runs[conversion.root] = _run_graph(session, graph, conversion, located, rng)
                except ValueError as error:
                    runs[conversion.root] = str(error)
                except tf.errors.OpError as error:  # the located tensors would not take the feeds
                    runs[conversion.root] = (f"the stack `{conversion.root}` could not be run in the .meta graph: "
                                             f"{error.message.strip().splitlines()[0]}")
    # The Keras models run eagerly, outside the imported graph.
    rows = []
    for conversion in result.stacks:
        run = runs[conversion.root]
        if isinstance(run, str):
            rows.append(CheckpointComparison(conversion.root, None, run))
        else:
            rows.append(CheckpointComparison(conversion.root, _compare_converted(conversion, run)))
    return rows


__all__ = ["CheckpointComparison", "Comparison", "TOLERANCES", "compare_checkpoint_with_meta_graph", "compare_port",
           "format_diff_table", "tf1_outputs_in_port_layout"]
