"""Keras 3 cells for the TF1 constructs that stock Keras lacks.

* :class:`TF1LSTMCell` — ``tf.compat.v1.nn.rnn_cell.LSTMCell`` with peepholes,
  cell clipping, a projection and projection clipping.
* :class:`ResidualCell` — ``ResidualWrapper``: output = input + cell output.
* :class:`DropoutWrapperCell` — a faithful ``DropoutWrapper``: input, output and
  state keep probabilities, fresh or variational masks, TF1's state filter.

All three are written with ``keras.ops`` only, so they run on every Keras
backend, and are registered for ``.keras`` saving under the package name
``tf1_migrate``. They fit anywhere a Keras cell fits: ``keras.layers.RNN``,
``StackedRNNCells``, ``Bidirectional``.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

# Keras 3's RNN layer pre-creates the dropout masks of cells that subclass
# DropoutRNNCell — including cells inside StackedRNNCells — *before* its time
# loop, so a mask drawn there is shared by every step (what TF1's
# variational_recurrent does). Keras does not export the class: the fence
# module is the one place that reaches for it, and checks it.
from tf2_port.keras_dropout_cell_fence import DropoutRNNCell

_PACKAGE = "tf1_migrate"


def _unwrap(cell: Any) -> Any:
    while isinstance(cell, (ResidualCell, DropoutWrapperCell)):
        cell = cell.cell
    return cell


def _is_lstm_like(cell: Any) -> bool:
    """True when the cell's state is Keras' ``[h, c]`` pair (TF1's LSTMStateTuple)."""
    return isinstance(_unwrap(cell), (keras.layers.LSTMCell, TF1LSTMCell))


def _state_sizes(cell: Any) -> list[int]:
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


@keras.saving.register_keras_serializable(package=_PACKAGE)
class TF1LSTMCell(keras.layers.Layer):
    """TF1 ``LSTMCell`` with peepholes, cell clip and projection, in Keras 3.

    Computes exactly what ``tf.compat.v1.nn.rnn_cell.LSTMCell`` computes, with
    the weights in Keras' gate order ``(i, f, c, o)`` and TF1's ``forget_bias``
    folded into the bias (see ``tf2_port.convert.lstm_peephole_projection_to_keras``):

        z = x @ kernel + h @ recurrent_kernel + bias
        i = sigmoid(z_i + input_gate_peephole * c)        # peephole terms only
        f = sigmoid(z_f + forget_gate_peephole * c)       # with use_peepholes
        c' = clip(f * c + i * activation(z_c), cell_clip)
        o = sigmoid(z_o + output_gate_peephole * c')      # the *new*, clipped c
        h' = clip((o * activation(c')) @ projection_kernel, proj_clip)

    Without peepholes, clips or projection it equals ``keras.layers.LSTMCell``.

    Args:
        units: width of the cell state ``c`` (TF1 ``num_units``).
        num_proj: width of the projected output and ``h``, or None.
        use_peepholes: add diagonal peephole connections.
        cell_clip: clip ``c`` to ``[-cell_clip, cell_clip]`` after each step, or None.
        proj_clip: clip the projected ``h`` likewise, or None (needs ``num_proj``).
        activation: activation of the candidate and of ``c``; default ``"tanh"``.
        recurrent_activation: gate activation; TF1 always uses ``"sigmoid"``.
        kernel_initializer, recurrent_initializer, bias_initializer,
        peephole_initializer, projection_initializer: weight initializers.
        unit_forget_bias: add 1.0 to the forget-gate bias at initialization
            (TF1's default ``forget_bias=1.0``, folded into the bias).
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: a 2D tensor ``[batch, input_dim]``.
        states: ``[h, c]`` — Keras order (TF1's LSTMStateTuple is ``(c, h)``).
        training: unused; accepted for cell-interface symmetry.

    Returns:
        ``(h', [h', c'])``.

    Example:

    >>> cell = TF1LSTMCell(8, num_proj=4, use_peepholes=True, cell_clip=3.0)
    >>> layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    >>> outputs, h, c = layer(keras.ops.ones((2, 5, 3)))
    >>> tuple(outputs.shape), tuple(h.shape), tuple(c.shape)
    ((2, 5, 4), (2, 4), (2, 8))
    """

    def __init__(
        self,
        units: int,
        num_proj: int | None = None,
        use_peepholes: bool = False,
        cell_clip: float | None = None,
        proj_clip: float | None = None,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        peephole_initializer: Any = "glorot_uniform",
        projection_initializer: Any = "glorot_uniform",
        unit_forget_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Invalid value for `units`: expected a positive int, received {units!r}.")
        if num_proj is not None and (not isinstance(num_proj, int) or isinstance(num_proj, bool) or num_proj <= 0):
            raise ValueError(f"Invalid value for `num_proj`: expected None or a positive int, received {num_proj!r}.")
        if proj_clip is not None and num_proj is None:
            raise ValueError(f"Invalid value for `proj_clip`: expected None when `num_proj` is None, received {proj_clip!r}.")
        for name, clip in (("cell_clip", cell_clip), ("proj_clip", proj_clip)):
            if clip is not None and not clip > 0:
                raise ValueError(f"Invalid value for `{name}`: expected None or a positive number, received {clip!r}.")
        self.units = units
        self.num_proj = num_proj
        self.use_peepholes = use_peepholes
        self.cell_clip = cell_clip
        self.proj_clip = proj_clip
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.peephole_initializer = keras.initializers.get(peephole_initializer)
        self.projection_initializer = keras.initializers.get(projection_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.output_size = num_proj if num_proj is not None else units
        self.state_size = [self.output_size, units]

    def build(self, input_shape: Any) -> None:
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, 4 * self.units), name="kernel", initializer=self.kernel_initializer
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.output_size, 4 * self.units), name="recurrent_kernel",
            initializer=self.recurrent_initializer,
        )
        if self.unit_forget_bias:
            units, base = self.units, self.bias_initializer

            def bias_initializer(shape: Any, dtype: Any = None) -> Any:
                return ops.concatenate([
                    base((units,), dtype=dtype),
                    keras.initializers.get("ones")((units,), dtype=dtype),
                    base((2 * units,), dtype=dtype),
                ])
        else:
            bias_initializer = self.bias_initializer
        self.bias = self.add_weight(shape=(4 * self.units,), name="bias", initializer=bias_initializer)
        if self.use_peepholes:
            self.input_gate_peephole = self.add_weight(
                shape=(self.units,), name="input_gate_peephole", initializer=self.peephole_initializer
            )
            self.forget_gate_peephole = self.add_weight(
                shape=(self.units,), name="forget_gate_peephole", initializer=self.peephole_initializer
            )
            self.output_gate_peephole = self.add_weight(
                shape=(self.units,), name="output_gate_peephole", initializer=self.peephole_initializer
            )
        if self.num_proj is not None:
            self.projection_kernel = self.add_weight(
                shape=(self.units, self.num_proj), name="projection_kernel",
                initializer=self.projection_initializer,
            )

    def call(self, inputs: Any, states: Any, training: Any = None) -> Any:
        h_prev, c_prev = states[0], states[1]
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel) + self.bias
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        if self.use_peepholes:
            i = self.recurrent_activation(z_i + self.input_gate_peephole * c_prev)
            f = self.recurrent_activation(z_f + self.forget_gate_peephole * c_prev)
        else:
            i = self.recurrent_activation(z_i)
            f = self.recurrent_activation(z_f)
        c = f * c_prev + i * self.activation(z_c)
        if self.cell_clip is not None:
            c = ops.clip(c, -self.cell_clip, self.cell_clip)
        if self.use_peepholes:
            o = self.recurrent_activation(z_o + self.output_gate_peephole * c)
        else:
            o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        if self.num_proj is not None:
            h = ops.matmul(h, self.projection_kernel)
            if self.proj_clip is not None:
                h = ops.clip(h, -self.proj_clip, self.proj_clip)
        return h, [h, c]

    def get_initial_state(self, batch_size: Any = None) -> list[Any]:
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in self.state_size]

    def get_config(self) -> dict[str, Any]:
        config = {
            "units": self.units,
            "num_proj": self.num_proj,
            "use_peepholes": self.use_peepholes,
            "cell_clip": self.cell_clip,
            "proj_clip": self.proj_clip,
            "activation": keras.activations.serialize(self.activation),
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "peephole_initializer": keras.initializers.serialize(self.peephole_initializer),
            "projection_initializer": keras.initializers.serialize(self.projection_initializer),
            "unit_forget_bias": self.unit_forget_bias,
        }
        return {**super().get_config(), **config}


class _WrapperCell(DropoutRNNCell, keras.layers.Layer):
    """Shared plumbing of cell wrappers: build, sizes, (de)serialization."""

    def __init__(self, cell: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not hasattr(cell, "state_size") or not hasattr(cell, "call"):
            raise ValueError(f"Invalid value for `cell`: expected a Keras RNN cell, received {cell!r}.")
        self.cell = cell

    @property
    def state_size(self) -> Any:
        return self.cell.state_size

    @property
    def output_size(self) -> Any:
        return getattr(self.cell, "output_size", _state_sizes(self.cell)[0])

    def build(self, input_shape: Any) -> None:
        if not self.cell.built:
            self.cell.build(input_shape)

    def get_initial_state(self, batch_size: Any = None) -> Any:
        get_initial_state = getattr(self.cell, "get_initial_state", None)
        if get_initial_state is not None:
            return get_initial_state(batch_size=batch_size)
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in _state_sizes(self.cell)]

    def _call_cell(self, inputs: Any, states: Any, training: Any) -> tuple[Any, list[Any]]:
        output, new_states = self.cell(inputs, list(states), training=training)
        if isinstance(self.cell, keras.layers.StackedRNNCells) and len(self.cell.cells) == 1:
            # Keras returns a one-layer stack's states without their per-layer list; give them
            # back in the structure they came in (a masked RNN loop compares the two).
            new_states = [new_states]
        if not isinstance(new_states, (list, tuple)):
            new_states = [new_states]
        return output, list(new_states)

    # An inner wrapper (e.g. Residual(Dropout(cell))) must get its per-sequence
    # masks too: pass Keras' pre-loop hooks down.
    def get_dropout_mask(self, step_input: Any) -> Any:
        if isinstance(self.cell, DropoutRNNCell):
            return self.cell.get_dropout_mask(step_input)
        return None

    def get_recurrent_dropout_mask(self, step_input: Any) -> Any:
        return None

    def reset_dropout_mask(self) -> None:
        if isinstance(self.cell, DropoutRNNCell):
            self.cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self) -> None:
        return None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cell": keras.saving.serialize_keras_object(self.cell)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "_WrapperCell":
        config = dict(config)
        config["cell"] = keras.saving.deserialize_keras_object(config["cell"])
        return cls(**config)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ResidualCell(_WrapperCell):
    """TF1 ``ResidualWrapper``: the cell's output plus its input; the state is the cell's.

    Inside one ``RNN`` (e.g. in ``StackedRNNCells``) it is exact even with
    masks: padded steps emit zeros like TF1, where separate layers plus ``Add``
    would emit the input there.

    Args:
        cell: the Keras cell to wrap; its output width must equal its input width.
        **kwargs: base ``Layer`` arguments.

    Call arguments:
        inputs: ``[batch, width]``.
        states: the wrapped cell's states.
        training: passed to the wrapped cell.

    Example:

    >>> cell = ResidualCell(keras.layers.GRUCell(4, reset_after=False))
    >>> keras.layers.RNN(cell)(keras.ops.ones((2, 3, 4))).shape
    TensorShape([2, 4])
    """

    def build(self, input_shape: Any) -> None:
        if input_shape[-1] is not None and input_shape[-1] != self.output_size:
            raise ValueError(
                f"Invalid input for ResidualCell: expected input width equal to the cell's output "
                f"width {self.output_size}, received {input_shape[-1]}."
            )
        super().build(input_shape)

    def call(self, inputs: Any, states: Any, training: Any = None) -> Any:
        output, new_states = self._call_cell(inputs, states, training)
        return inputs + output, new_states


@keras.saving.register_keras_serializable(package=_PACKAGE)
class DropoutWrapperCell(_WrapperCell):
    """TF1 ``DropoutWrapper`` semantics as a Keras 3 cell wrapper.

    Keras' own ``dropout=`` / ``recurrent_dropout=`` do something else (one
    input mask fixed over time; per-gate masks that also hit ``h0``; returned
    states never dropped). This wrapper reproduces TF1 instead:

    * ``input_keep_prob``: the cell input is dropped before the cell.
    * ``output_keep_prob``: the emitted output is dropped; the state is not.
      In a stack that output is the next layer's input.
    * ``state_keep_prob``: the outgoing state is dropped after each step —
      for an LSTM only ``h``, never ``c`` (TF1's default state filter), unless
      ``drop_whole_state`` (TF1 with ``state_is_tuple=False`` drops the whole
      concatenated state). The returned final state is the dropped value.
    * Masks are fresh per step, batch row and unit; with
      ``variational_recurrent=True`` one ``[1, width]`` mask per input, output
      and state part is drawn per sequence (per ``RNN`` call) and shared by all
      rows and steps.

    TF1 has no training flag — dropout ran whenever a keep probability was
    below 1 and scripts fed 1.0 at evaluation. Here dropout runs only when
    ``training`` is true, and is exactly the identity otherwise.

    Non-variational masks are drawn inside the time loop from a
    ``keras.random.SeedGenerator``: right on the TensorFlow and PyTorch
    backends; under JAX's ``lax.scan`` use ``RNN(unroll=True)`` for training.

    Args:
        cell: the Keras cell to wrap.
        input_keep_prob, output_keep_prob, state_keep_prob: keep
            probabilities in ``(0, 1]``.
        variational_recurrent: one mask per sequence instead of per step.
        drop_whole_state: drop every state tensor, ``c`` included.
        seed: seed of the wrapper's ``SeedGenerator``.
        **kwargs: base ``Layer`` arguments.

    Call arguments:
        inputs: ``[batch, input_dim]``.
        states: the wrapped cell's states.
        training: whether to apply dropout.

    Example:

    >>> cell = DropoutWrapperCell(keras.layers.LSTMCell(8), output_keep_prob=0.5)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> outputs = layer(keras.ops.ones((2, 5, 3)), training=True)
    """

    def __init__(
        self,
        cell: Any,
        input_keep_prob: float = 1.0,
        output_keep_prob: float = 1.0,
        state_keep_prob: float = 1.0,
        variational_recurrent: bool = False,
        drop_whole_state: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(cell, **kwargs)
        self.input_keep_prob = self._keep_prob("input_keep_prob", input_keep_prob)
        self.output_keep_prob = self._keep_prob("output_keep_prob", output_keep_prob)
        self.state_keep_prob = self._keep_prob("state_keep_prob", state_keep_prob)
        self.variational_recurrent = bool(variational_recurrent)
        self.drop_whole_state = bool(drop_whole_state)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._variational_masks: dict[str, Any] | None = None

    @staticmethod
    def _keep_prob(name: str, value: Any) -> Any:
        """The keep probability to store, validated (a subclass may accept more kinds)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
            raise ValueError(
                f"Invalid value for `{name}`: expected a keep probability in (0, 1], received {value!r}."
            )
        return float(value)

    @staticmethod
    def _drops(keep_prob: Any) -> bool:
        """Whether a dropout with this keep probability can change anything."""
        return keep_prob < 1.0

    def _dropout_on(self, training: Any) -> bool:
        """Keras' rule: dropout only while training."""
        return bool(training)

    def _dropped_states(self) -> list[tuple[tuple[int, ...], int]]:
        """``(path into the Keras states, width)`` of each state tensor TF1's default filter
        drops. Around a stack (TF1: ``DropoutWrapper(MultiRNNCell(...))``) the states are one
        list per layer, and the filter applies to each layer."""
        inner = _unwrap(self.cell)
        if isinstance(inner, keras.layers.StackedRNNCells):
            return [((layer_index, *path), width) for layer_index, layer in enumerate(inner.cells)
                    for path, width in self._dropped_states_of(layer)]
        return self._dropped_states_of(self.cell)

    def _dropped_states_of(self, cell: Any) -> list[tuple[tuple[int, ...], int]]:
        sizes = _state_sizes(cell)
        if _is_lstm_like(cell) and not self.drop_whole_state:
            return [((0,), sizes[0])]  # Keras [h, c]: TF1 drops h, never c
        return [((index,), size) for index, size in enumerate(sizes)]

    def _draw_mask(self, shape: Any, keep_prob: float, dtype: Any) -> Any:
        # TF1: x / keep * floor(keep + uniform) — a kept unit is scaled by 1/keep.
        keep_prob = ops.cast(keep_prob, dtype)
        uniform = keras.random.uniform(shape, dtype=dtype, seed=self.seed_generator)
        return ops.floor(keep_prob + uniform) / keep_prob

    def _make_variational_masks(self, step_input: Any) -> dict[str, Any]:
        dtype = self.compute_dtype
        masks: dict[str, Any] = {}
        if self._drops(self.input_keep_prob):
            masks["input"] = self._draw_mask((1, ops.shape(step_input)[-1]), self.input_keep_prob, dtype)
        if self._drops(self.output_keep_prob):
            masks["output"] = self._draw_mask((1, self.output_size), self.output_keep_prob, dtype)
        if self._drops(self.state_keep_prob):
            for path, width in self._dropped_states():
                masks[_state_mask_name(path)] = self._draw_mask((1, width), self.state_keep_prob, dtype)
        return masks

    def get_dropout_mask(self, step_input: Any) -> Any:
        if self.variational_recurrent and self._variational_masks is None:
            self._variational_masks = self._make_variational_masks(step_input)
        super().get_dropout_mask(step_input)
        return self._variational_masks

    def reset_dropout_mask(self) -> None:
        self._variational_masks = None
        super().reset_dropout_mask()

    def _dropout(self, value: Any, keep_prob: float, mask_name: str, masks: dict[str, Any] | None) -> Any:
        if masks is not None:
            return value * masks[mask_name]
        return value * self._draw_mask(ops.shape(value), keep_prob, value.dtype)

    def call(self, inputs: Any, states: Any, training: Any = None) -> Any:
        if not self._dropout_on(training):
            return self._call_cell(inputs, states, training)
        masks = None
        if self.variational_recurrent:
            masks = self._variational_masks
            if masks is None:  # called outside an RNN layer: one step, one draw
                masks = self._make_variational_masks(inputs)
        if self._drops(self.input_keep_prob):
            inputs = self._dropout(inputs, self.input_keep_prob, "input", masks)
        output, new_states = self._call_cell(inputs, states, training)
        if self._drops(self.state_keep_prob):
            for path, _ in self._dropped_states():
                name = _state_mask_name(path)
                new_states = _replace_state(
                    new_states, path, lambda state: self._dropout(state, self.state_keep_prob, name, masks))
        if self._drops(self.output_keep_prob):
            output = self._dropout(output, self.output_keep_prob, "output", masks)
        return output, new_states

    def get_config(self) -> dict[str, Any]:
        config = {
            "input_keep_prob": self.input_keep_prob,
            "output_keep_prob": self.output_keep_prob,
            "state_keep_prob": self.state_keep_prob,
            "variational_recurrent": self.variational_recurrent,
            "drop_whole_state": self.drop_whole_state,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


def _state_mask_name(path: tuple[int, ...]) -> str:
    return "state_" + "_".join(str(index) for index in path)


def _replace_state(states: Any, path: tuple[int, ...], replace: Any) -> Any:
    """``states`` (lists, nested per layer) with the tensor at ``path`` replaced."""
    if not isinstance(states, (list, tuple)):  # one tensor where Keras allows a one-tensor list
        return replace(states)
    states = list(states)
    head, *rest = path
    states[head] = _replace_state(states[head], tuple(rest), replace) if rest else replace(states[head])
    return states


__all__ = ["DropoutWrapperCell", "ResidualCell", "TF1LSTMCell"]
