"""Build any :class:`~tf1_reference.spec.StackSpec` as a real TF1 graph and run it.

The graph is made of ``tf.compat.v1.nn.rnn_cell`` cells and wrappers and the
chosen ``tf.compat.v1.nn`` driver, in its own ``tf.Graph`` and
``tf.compat.v1.Session`` — the same objects a 2017 script built — so what it
returns is what TF1 computes, not our reading of it.

    graph = ReferenceGraph(spec, seed=0)
    graph.randomize_variables(seed=1)          # non-trivial biases too
    result = graph.run()                       # random non-zero inputs and state
    result.outputs, result.final_state, result.variables
    graph.save_checkpoint("/tmp/model.ckpt")   # real Saver files + .meta

``run_reference(spec, ...)`` does all of that in one call.

Structures are TF1's own: ``LSTMStateTuple(c, h)`` per LSTM layer (or the flat
``concat([c, h])``), a tuple per ``MultiRNNCell``, ``(fw, bw)`` for
bidirectional drivers, and a list of per-step outputs for static drivers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from tf1_reference._legacy import tf, tf1, rnn_cell
from tf1_reference.session_model import SessionModel
from tf1_reference.spec import DropoutSpec, LayerSpec, ResidualSpec, StackSpec

_ACTIVATION_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "tanh": tf.math.tanh,
    "relu": tf.nn.relu,
    "sigmoid": tf.math.sigmoid,
    "softsign": tf.nn.softsign,
    "elu": tf.nn.elu,
    "linear": tf.identity,
}

# TF1's default variable scope of each driver when no scope= is given.
DEFAULT_DRIVER_SCOPES = {
    "dynamic_rnn": "rnn",
    "static_rnn": "rnn",
    "bidirectional_dynamic_rnn": "bidirectional_rnn",
    "static_bidirectional_rnn": "bidirectional_rnn",
    "stack_bidirectional_dynamic_rnn": "stack_bidirectional_rnn",
}


@dataclass
class ReferenceResult:
    """What one Session run of a reference graph gave, all as NumPy.

    Attributes:
        spec: the spec that was built.
        inputs: the fed inputs, ``[batch, time, depth]`` or time-major.
        initial_state: the fed initial state in TF1 structure (zeros for
            ``initial_state="zero_state"`` graphs).
        sequence_length: the fed lengths, or None.
        outputs: the driver's outputs in TF1 structure.
        final_state: the driver's final state in TF1 structure.
        variables: ``{variable name without ':0': value}``.
        training: whether dropout keep probabilities were at their spec values.
        gradients: with ``with_gradients=True``: ``{"inputs": d loss / d inputs,
            <variable name>: d loss / d variable}`` for the scalar
            ``loss = sum(weights * value)`` over ``(outputs, final_state)``.
        loss_weights: the weights of that loss, one array per leaf of
            ``tf.nest.flatten((outputs, final_state))``.
    """

    spec: StackSpec
    inputs: np.ndarray
    initial_state: Any
    sequence_length: np.ndarray | None
    outputs: Any
    final_state: Any
    variables: dict[str, np.ndarray]
    training: bool = False
    gradients: dict[str, np.ndarray] | None = None
    loss_weights: list[np.ndarray] | None = None
    loss: float | None = None

    @property
    def batch_major_outputs(self) -> Any:
        """Outputs as ``[batch, time, ...]`` arrays (static lists stacked, time-major transposed)."""
        return batch_major(self.spec, self.outputs)


def batch_major(spec: StackSpec, outputs: Any) -> Any:
    """Convert TF1-structured driver outputs to ``[batch, time, ...]`` arrays."""
    if spec.is_static:
        return np.stack(outputs, axis=1)
    if spec.time_major:
        return tf.nest.map_structure(lambda array: np.swapaxes(array, 0, 1), outputs)
    return outputs


def _variable_name(variable: Any) -> str:
    name = variable.name
    return name[: -len(":0")] if name.endswith(":0") else name


class ReferenceGraph(SessionModel):
    """A spec built into a TF1 graph with a live Session.

    Args:
        spec: the stack to build.
        seed: graph-level seed (``tf.compat.v1.set_random_seed``): fixes the
            variable initializers and the dropout masks' op seeds.
        initial_state: ``"feed"`` (placeholders in TF1 structure, the default)
            or ``"zero_state"`` (``cell.zero_state(batch, dtype)`` in the graph,
            as most old scripts did).
        with_gradients: also build ``d loss / d (inputs, variables)`` for a
            fixed weighted-sum loss over all outputs and final states.
    """

    def __init__(
        self,
        spec: StackSpec,
        seed: int = 0,
        initial_state: str = "feed",
        with_gradients: bool = False,
    ) -> None:
        if initial_state not in ("feed", "zero_state"):
            raise ValueError(
                f"Invalid value for `initial_state`: expected 'feed' or 'zero_state', received {initial_state!r}."
            )
        self.spec = spec
        self.seed = seed
        self.initial_state_mode = initial_state
        self.graph = tf.Graph()
        # (placeholder, keep probability in training mode); fed 1.0 for inference.
        self._keep_prob_feeds: list[tuple[Any, float]] = []
        with self.graph.as_default():
            tf1.set_random_seed(seed)
            self._dtype = tf.float64 if spec.dtype == "float64" else tf.float32
            self._build()
            self._loss = None
            self._gradient_tensors = None
            if with_gradients:
                self._build_gradients()
            self._finish_graph()

    # --- graph construction -----------------------------------------------------------

    def _keep_prob(self, name: str, value: float) -> Any:
        if value >= 1.0:
            return 1.0  # a Python 1.0 makes DropoutWrapper add no op at all
        placeholder = tf1.placeholder_with_default(
            np.asarray(value, dtype=self._dtype.as_numpy_dtype), [], name=name
        )
        self._keep_prob_feeds.append((placeholder, float(value)))
        return placeholder

    def _build_cell(self, layer: LayerSpec, input_size: int, tag: str) -> Any:
        activation = _ACTIVATION_FUNCTIONS[layer.activation]
        common = {"name": layer.name} if layer.name else {}
        if layer.kind == "basic_rnn":
            cell = rnn_cell.BasicRNNCell(layer.units, activation=activation, **common)
        elif layer.kind == "gru":
            cell = rnn_cell.GRUCell(layer.units, activation=activation, **common)
        elif layer.kind == "basic_lstm":
            cell = rnn_cell.BasicLSTMCell(
                layer.units,
                forget_bias=layer.forget_bias,
                state_is_tuple=layer.state_is_tuple,
                activation=activation,
                **common,
            )
        else:
            cell = rnn_cell.LSTMCell(
                layer.units,
                use_peepholes=layer.use_peepholes,
                cell_clip=layer.cell_clip,
                num_proj=layer.num_proj,
                proj_clip=layer.proj_clip,
                forget_bias=layer.forget_bias,
                state_is_tuple=layer.state_is_tuple,
                activation=activation,
                **common,
            )
        for wrapper in layer.wrappers:
            if isinstance(wrapper, ResidualSpec):
                cell = rnn_cell.ResidualWrapper(cell)
            elif isinstance(wrapper, DropoutSpec):
                cell = rnn_cell.DropoutWrapper(
                    cell,
                    input_keep_prob=self._keep_prob(f"{tag}_input_keep_prob", wrapper.input_keep_prob),
                    output_keep_prob=self._keep_prob(f"{tag}_output_keep_prob", wrapper.output_keep_prob),
                    state_keep_prob=self._keep_prob(f"{tag}_state_keep_prob", wrapper.state_keep_prob),
                    variational_recurrent=wrapper.variational_recurrent,
                    input_size=tf.TensorShape([input_size]) if wrapper.variational_recurrent else None,
                    dtype=self._dtype if wrapper.variational_recurrent else None,
                    seed=wrapper.seed,
                )
        return cell

    def _build_direction(self, direction: str) -> list[Any]:
        return [
            self._build_cell(layer, input_size, f"{direction}layer_{index}")
            for index, (layer, input_size) in enumerate(zip(self.spec.layers, self.spec.layer_input_sizes()))
        ]

    def _stack(self, cells: list[Any]) -> Any:
        if not self.spec.multi_rnn_cell:
            return cells[0]
        return rnn_cell.MultiRNNCell(cells, state_is_tuple=self.spec.multi_state_is_tuple)

    def _state_for(self, cell: Any, name: str) -> Any:
        zero_state = cell.zero_state(self.spec.batch_size, self._dtype)
        if self.initial_state_mode == "zero_state":
            return zero_state
        counter = iter(range(1_000_000))
        return tf.nest.map_structure(
            lambda zero: tf1.placeholder(self._dtype, zero.shape, name=f"{name}_{next(counter)}"),
            zero_state,
        )

    def _build(self) -> None:
        spec = self.spec
        if spec.time_major:
            input_shape = [spec.time_steps, spec.batch_size, spec.input_size]
        else:
            input_shape = [spec.batch_size, spec.time_steps, spec.input_size]
        self.inputs = tf1.placeholder(self._dtype, input_shape, name="inputs")
        self.sequence_length = (
            tf1.placeholder(tf.int32, [spec.batch_size], name="sequence_length")
            if spec.use_sequence_length
            else None
        )
        scope = spec.scope
        driver = spec.driver
        if driver in ("dynamic_rnn", "static_rnn"):
            cell = self._stack(self._build_direction(""))
            self.initial_state = self._state_for(cell, "initial_state")
            if driver == "dynamic_rnn":
                self.outputs, self.final_state = tf1.nn.dynamic_rnn(
                    cell, self.inputs, sequence_length=self.sequence_length,
                    initial_state=self.initial_state, time_major=spec.time_major, scope=scope,
                )
            else:
                self.outputs, self.final_state = tf1.nn.static_rnn(
                    cell, tf.unstack(self.inputs, axis=1), initial_state=self.initial_state,
                    sequence_length=self.sequence_length, scope=scope,
                )
        elif driver in ("bidirectional_dynamic_rnn", "static_bidirectional_rnn"):
            cell_fw = self._stack(self._build_direction("fw_"))
            cell_bw = self._stack(self._build_direction("bw_"))
            self.initial_state = (
                self._state_for(cell_fw, "initial_state_fw"),
                self._state_for(cell_bw, "initial_state_bw"),
            )
            if driver == "bidirectional_dynamic_rnn":
                self.outputs, self.final_state = tf1.nn.bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, self.inputs, sequence_length=self.sequence_length,
                    initial_state_fw=self.initial_state[0], initial_state_bw=self.initial_state[1],
                    time_major=spec.time_major, scope=scope,
                )
            else:
                outputs, state_fw, state_bw = tf1.nn.static_bidirectional_rnn(
                    cell_fw, cell_bw, tf.unstack(self.inputs, axis=1),
                    initial_state_fw=self.initial_state[0], initial_state_bw=self.initial_state[1],
                    sequence_length=self.sequence_length, scope=scope,
                )
                self.outputs, self.final_state = outputs, (state_fw, state_bw)
        else:
            self._build_stack_bidirectional(scope or DEFAULT_DRIVER_SCOPES[driver])

    def _build_stack_bidirectional(self, scope: str) -> None:
        """contrib.rnn.stack_bidirectional_dynamic_rnn, which TF 2.x no longer ships.

        Same scopes as contrib (``<scope>/cell_{i}/bidirectional_rnn/{fw,bw}``)
        so its checkpoints name variables identically.
        """
        cells_fw = self._build_direction("fw_")
        cells_bw = self._build_direction("bw_")
        states_fw = tuple(self._state_for(c, f"initial_state_fw_{i}") for i, c in enumerate(cells_fw))
        states_bw = tuple(self._state_for(c, f"initial_state_bw_{i}") for i, c in enumerate(cells_bw))
        self.initial_state = (states_fw, states_bw)
        layer_input = self.inputs
        final_fw, final_bw = [], []
        with tf1.variable_scope(scope):
            for index, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
                with tf1.variable_scope(f"cell_{index}"):
                    (out_fw, out_bw), (state_fw, state_bw) = tf1.nn.bidirectional_dynamic_rnn(
                        cell_fw, cell_bw, layer_input, sequence_length=self.sequence_length,
                        initial_state_fw=states_fw[index], initial_state_bw=states_bw[index],
                        time_major=self.spec.time_major,
                    )
                layer_input = tf.concat([out_fw, out_bw], axis=2)
                final_fw.append(state_fw)
                final_bw.append(state_bw)
        self.outputs = layer_input
        self.final_state = (tuple(final_fw), tuple(final_bw))

    def _build_gradients(self) -> None:
        leaves = tf.nest.flatten((self.outputs, self.final_state))
        rng = np.random.default_rng(self.seed + 7919)
        self._loss_weights = [
            rng.uniform(-1.0, 1.0, size=leaf.shape.as_list()).astype(self._dtype.as_numpy_dtype)
            for leaf in leaves
        ]
        self._loss = tf.add_n(
            [tf.reduce_sum(leaf * weights) for leaf, weights in zip(leaves, self._loss_weights)]
        )
        variables = tf1.trainable_variables()
        gradients = tf.gradients(self._loss, [self.inputs, *variables])
        self._gradient_tensors = {"inputs": gradients[0]}
        for variable, gradient in zip(variables, gradients[1:]):
            if gradient is not None:
                self._gradient_tensors[_variable_name(variable)] = gradient

    # --- feeding and running ----------------------------------------------------------

    def random_inputs(self, seed: int = 0) -> dict[str, Any]:
        """Seeded random non-zero inputs, initial state and lengths for this spec."""
        spec = self.spec
        rng = np.random.default_rng(seed)
        np_dtype = self._dtype.as_numpy_dtype
        inputs = rng.uniform(-1.0, 1.0, size=self.inputs.shape.as_list()).astype(np_dtype)
        initial_state = None
        if self.initial_state_mode == "feed":
            initial_state = tf.nest.map_structure(
                lambda placeholder: rng.uniform(-1.0, 1.0, size=placeholder.shape.as_list()).astype(np_dtype),
                self.initial_state,
            )
        lengths = None
        if spec.use_sequence_length:
            lengths = rng.integers(1, spec.time_steps + 1, size=spec.batch_size).astype(np.int32)
            lengths[0] = spec.time_steps  # one full row
            if spec.batch_size > 2:
                lengths[-1] = 0  # TF1 returns the initial state for a length-0 row
        return {"inputs": inputs, "initial_state": initial_state, "sequence_length": lengths}

    def run(
        self,
        inputs: np.ndarray | None = None,
        initial_state: Any = None,
        sequence_length: np.ndarray | None = None,
        training: bool = False,
        seed: int = 0,
    ) -> ReferenceResult:
        """Run the graph once; anything not given is drawn from ``random_inputs(seed)``.

        ``training=False`` feeds 1.0 to every keep probability, as old scripts did
        at evaluation; ``training=True`` leaves them at their spec values.
        """
        defaults = self.random_inputs(seed)
        inputs = defaults["inputs"] if inputs is None else np.asarray(inputs)
        if initial_state is None:
            initial_state = defaults["initial_state"]
        if sequence_length is None:
            sequence_length = defaults["sequence_length"]
        if tuple(inputs.shape) != tuple(self.inputs.shape.as_list()):
            raise ValueError(
                f"Invalid `inputs`: expected shape {tuple(self.inputs.shape.as_list())}, "
                f"received {tuple(inputs.shape)}."
            )
        feed = {self.inputs: inputs}
        if self.sequence_length is not None:
            feed[self.sequence_length] = np.asarray(sequence_length, dtype=np.int32)
        if self.initial_state_mode == "feed":
            try:
                tf.nest.assert_same_structure(self.initial_state, initial_state, check_types=False)
            except (ValueError, TypeError) as error:
                raise ValueError(
                    f"Invalid `initial_state`: expected the TF1 structure {self.initial_state}, "
                    f"received {initial_state!r}."
                ) from error
            for placeholder, value in zip(tf.nest.flatten(self.initial_state), tf.nest.flatten(initial_state)):
                feed[placeholder] = value
        else:
            initial_state = None
        if not training:
            for placeholder, _ in self._keep_prob_feeds:
                feed[placeholder] = 1.0
        fetches = {"outputs": self.outputs, "final_state": self.final_state}
        if self._gradient_tensors is not None:
            fetches["gradients"] = self._gradient_tensors
            fetches["loss"] = self._loss
        fetched = self.session.run(fetches, feed)
        if initial_state is None:  # zero_state mode: report the zeros the graph used
            initial_state = tf.nest.map_structure(
                lambda tensor: np.zeros(tensor.shape.as_list(), self._dtype.as_numpy_dtype),
                self.initial_state,
            )
        return ReferenceResult(
            spec=self.spec,
            inputs=inputs,
            initial_state=initial_state,
            sequence_length=None if self.sequence_length is None else feed[self.sequence_length],
            outputs=fetched["outputs"],
            final_state=fetched["final_state"],
            variables=self.variables(),
            training=training,
            gradients=fetched.get("gradients"),
            loss_weights=self._loss_weights if self._gradient_tensors is not None else None,
            loss=float(fetched["loss"]) if "loss" in fetched else None,
        )

    # --- variables ------------------------------------------------------------------

    def variables(self) -> dict[str, np.ndarray]:
        """``{name without ':0': value}`` of every variable (all are cell weights)."""
        return self.get_variables()

    def randomize_variables(self, seed: int = 1, scale: float = 0.5) -> dict[str, np.ndarray]:
        """Replace every variable by seeded ``uniform(-scale, scale)`` values.

        TF1 initializes biases to 0 (1 for GRU gates), which would hide any
        bias-layout mistake in a port; random biases expose it.
        """
        rng = np.random.default_rng(seed)
        self.set_variables({
            name: rng.uniform(-scale, scale, size=variable.shape.as_list())
            for name, variable in self._model_variables.items()
        })
        return self.get_variables()


def run_reference(
    spec: StackSpec,
    seed: int = 0,
    *,
    inputs: np.ndarray | None = None,
    initial_state: Any = None,
    sequence_length: np.ndarray | None = None,
    variables: dict[str, np.ndarray] | str | None = "random",
    training: bool = False,
    with_gradients: bool = False,
    initial_state_mode: str = "feed",
    checkpoint_path: str | os.PathLike[str] | None = None,
) -> ReferenceResult:
    """Build ``spec``, set its variables, run it once, optionally save a checkpoint.

    Args:
        variables: ``"random"`` (seeded uniform values, biases included),
            ``None`` (TF1's own initializers) or a ``{name: array}`` dict.
    """
    with ReferenceGraph(spec, seed=seed, initial_state=initial_state_mode, with_gradients=with_gradients) as graph:
        if isinstance(variables, str):
            if variables != "random":
                raise ValueError(
                    f"Invalid value for `variables`: expected 'random', None or a dict, received {variables!r}."
                )
            graph.randomize_variables(seed=seed + 1)
        elif variables is not None:
            graph.set_variables(variables)
        result = graph.run(inputs, initial_state, sequence_length, training=training, seed=seed)
        if checkpoint_path is not None:
            graph.save_checkpoint(checkpoint_path)
        return result


__all__ = [
    "DEFAULT_DRIVER_SCOPES", "ReferenceGraph", "ReferenceResult", "batch_major",
    "run_reference",
]
