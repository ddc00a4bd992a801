"""LSTM forms for CPU training on the TensorFlow backend, numerically equal to ``StackPort``.

``keras.layers.LSTM`` on the TensorFlow backend without a GPU runs its cell once per step:
``x_t @ kernel + h @ recurrent_kernel + bias`` with thin ``[batch, ...]`` matrix products, and
autodiff adds two more thin products per step for the weight gradients. PyTorch's fused CPU
LSTM (issue 8) does the input part as one product over all steps and the weight gradients as
one product each. Two forms here do that with ordinary TensorFlow ops; both keep the weights,
gate order ``(i, f, c, o)`` and activations (tanh, sigmoid) of ``keras.layers.LSTM``, and agree
with it to float rounding (additions are ordered differently), not bit for bit:

* :class:`UnrolledLSTMStack` — the fast path (bench/RESULTS.md): a whole stack in one unrolled
  graph with a hand-written gradient (``lstm_stack_recurrence``). Its layers overlap in time:
  step t of layer l+1 and step t+1 of layer l are independent, and TensorFlow's executor runs
  them on different cores.
* :class:`PrecomputedInputLSTM` — one layer, ``lstm_recurrence``:

  - forward: ``xw = x @ kernel + bias`` for every step at once; the loop does only
    ``z = xw_t + h @ recurrent_kernel`` and the gate arithmetic;
  - backward (``tf.custom_gradient``): the gate derivatives that do not depend on the incoming
    gradient are computed for all steps at once before the loop; the loop does one product
    (``dz @ recurrent_kernel^T``) and a few element-wise ops per step; afterwards
    ``d recurrent_kernel`` is one product over all steps, and ``d kernel``, ``d bias`` and
    ``d x`` come from autodiff of the single input projection, again one product each.

  Measured on 2 CPU cores it is only slightly faster than ``keras.layers.LSTM``: TensorFlow's
  thin per-step products are about as efficient as one large one, and each layer's hoisted
  projection makes the next layer wait for the whole sequence.

TensorFlow backend only (``tf.custom_gradient``).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from tf2_port.fused import stack_units

_PACKAGE = "tf1_migrate"
# Unrolling gives TensorFlow's graph optimiser and executor whole steps to schedule with no
# while-loop frame overhead; past this length the graph (forward + backward) grows too large
# and a tf.scan over the steps is used instead.
MAX_UNROLLED_STEPS = 200


def _gates(z: Any) -> tuple[Any, Any, Any, Any]:
    z_i, z_f, z_c, z_o = tf.split(z, 4, axis=-1)
    return tf.sigmoid(z_i), tf.sigmoid(z_f), tf.tanh(z_c), tf.sigmoid(z_o)


def _lstm_step(z: Any, c: Any) -> tuple[Any, Any]:
    """``(h, c)`` after one step, from the pre-activations ``z`` and the previous ``c``."""
    i, f, g, o = _gates(z)
    c = f * c + i * g
    return o * tf.tanh(c), c


def _forward_unrolled(xw: Any, h: Any, c: Any, recurrent_kernel: Any) -> tuple[Any, Any, Any, Any, Any]:
    """Returns ``(outputs, cells, pre-activations z)`` ``[B, T, ...]`` and the final ``h, c``."""
    outputs, cells, zs = [], [], []
    for xw_t in tf.unstack(xw, axis=1):
        z = xw_t + tf.matmul(h, recurrent_kernel)
        h, c = _lstm_step(z, c)
        outputs.append(h)
        cells.append(c)
        zs.append(z)
    return tf.stack(outputs, axis=1), tf.stack(cells, axis=1), tf.stack(zs, axis=1), h, c


def _forward_scan(xw: Any, h: Any, c: Any, recurrent_kernel: Any) -> tuple[Any, Any, Any, Any, Any]:
    xw_time_major = tf.transpose(xw, (1, 0, 2))

    def step(carry: Any, xw_t: Any) -> Any:
        h, c, _ = carry
        z = xw_t + tf.matmul(h, recurrent_kernel)
        h, c = _lstm_step(z, c)
        return h, c, z

    outputs, cells, zs = tf.scan(step, xw_time_major, initializer=(h, c, tf.zeros_like(xw_time_major[0])))
    batch_major = [tf.transpose(t, (1, 0, 2)) for t in (outputs, cells, zs)]
    return (*batch_major, outputs[-1], cells[-1])


def _backward(d_outputs: Any, d_h: Any, d_c: Any, outputs: Any, cells: Any, zs: Any, h0: Any, c0: Any,
              recurrent_kernel: Any, unrolled: bool, compile_loops: bool) -> tuple[Any, Any, Any, Any]:
    """Gradients of ``(xw, h0, c0, recurrent_kernel)``; all sequences batch-major ``[B, T, ...]``."""
    # Everything that does not depend on the incoming gradient, for all steps at once:
    # dz = [dc, dc, dc, dh] * dz_over_dc_dh with
    # dz_over_dc_dh = [g i(1-i), c_prev f(1-f), i (1-g^2), tanh(c) o(1-o)].
    i, f, g, o = _gates(zs)
    tanh_c = tf.tanh(cells)
    dz_over_dc_dh = tf.concat([g * i * (1 - i), _previous(cells, c0) * f * (1 - f), i * (1 - g * g),
                               tanh_c * o * (1 - o)], axis=-1)
    dc_over_dh = o * (1 - tanh_c * tanh_c)
    loop = _backward_loop_unrolled if unrolled else _backward_loop_scan
    if compile_loops:
        loop = _jit(loop)
    dz, d_h, d_c = loop(d_outputs, d_h, d_c, dz_over_dc_dh, dc_over_dh, f, recurrent_kernel)
    units = recurrent_kernel.shape[0]
    d_recurrent_kernel = tf.matmul(tf.reshape(_previous(outputs, h0), (-1, units)),
                                   tf.reshape(dz, (-1, 4 * units)), transpose_a=True)
    return dz, d_h, d_c, d_recurrent_kernel


def _backward_step(d_h_next: Any, d_c_next: Any, d_output_t: Any, dz_over_dc_dh_t: Any, dc_over_dh_t: Any,
                   f_t: Any, recurrent_kernel: Any) -> tuple[Any, Any, Any]:
    d_h_t = d_output_t + d_h_next
    d_c_t = d_c_next + d_h_t * dc_over_dh_t
    dz_t = tf.concat([d_c_t, d_c_t, d_c_t, d_h_t], axis=-1) * dz_over_dc_dh_t
    return tf.matmul(dz_t, recurrent_kernel, transpose_b=True), d_c_t * f_t, dz_t


def _backward_loop_unrolled(d_outputs: Any, d_h: Any, d_c: Any, dz_over_dc_dh: Any, dc_over_dh: Any, f: Any,
                            recurrent_kernel: Any) -> tuple[Any, Any, Any]:
    per_step = [tf.unstack(t, axis=1) for t in (d_outputs, dz_over_dc_dh, dc_over_dh, f)]
    dz = [None] * len(per_step[0])
    for t in reversed(range(len(dz))):
        d_h, d_c, dz[t] = _backward_step(d_h, d_c, *(sequence[t] for sequence in per_step), recurrent_kernel)
    return tf.stack(dz, axis=1), d_h, d_c


def _backward_loop_scan(d_outputs: Any, d_h: Any, d_c: Any, dz_over_dc_dh: Any, dc_over_dh: Any, f: Any,
                        recurrent_kernel: Any) -> tuple[Any, Any, Any]:
    time_major = tuple(tf.transpose(t, (1, 0, 2)) for t in (d_outputs, dz_over_dc_dh, dc_over_dh, f))

    def scan_step(carry: Any, elements: Any) -> Any:
        return _backward_step(carry[0], carry[1], *elements, recurrent_kernel)

    d_hs, d_cs, dz = tf.scan(scan_step, time_major, reverse=True,
                             initializer=(d_h, d_c, tf.zeros_like(time_major[1][0])))
    return tf.transpose(dz, (1, 0, 2)), d_hs[0], d_cs[0]


# One XLA-compiled tf.function per loop function, shared by every layer and trace: XLA then
# compiles once per distinct shape instead of once per call site.
_JIT_CACHE: dict = {}


def _jit(function: Any) -> Any:
    if function not in _JIT_CACHE:
        _JIT_CACHE[function] = tf.function(function, jit_compile=True, autograph=False)
    return _JIT_CACHE[function]


def _previous(sequence: Any, first: Any) -> Any:
    """``[first, sequence[:, 0], ..., sequence[:, -2]]``: the value each step started from."""
    return tf.concat([first[:, None], sequence[:, :-1]], axis=1)


def lstm_recurrence(xw: Any, h0: Any, c0: Any, recurrent_kernel: Any, unroll: bool | None = None,
                    compile_loops: bool = False) -> tuple[Any, Any, Any]:
    """The recurrent part of an LSTM over precomputed input projections.

    Args:
        xw: ``x @ kernel + bias``, ``[batch, time, 4 * units]`` in Keras gate order.
        h0, c0: initial state, ``[batch, units]`` each.
        recurrent_kernel: ``[units, 4 * units]``.
        unroll: unroll the steps in the graph (default: when the time dimension is static and at
            most ``MAX_UNROLLED_STEPS``), else a ``tf.scan``.
        compile_loops: XLA-compile the forward and backward time loops (only them: the large
            products around them stay TensorFlow's). Measured: a few per cent faster training,
            seconds of compile time on the first step (bench/RESULTS.md).

    Returns:
        ``(outputs [batch, time, units], h, c)``, differentiable in every input.
    """
    steps = xw.shape[1]
    unrolled = (steps is not None and steps <= MAX_UNROLLED_STEPS) if unroll is None else unroll
    if unrolled and steps is None:
        raise ValueError("Invalid value for `unroll`: expected False or None for a sequence of unknown length, "
                         "received True.")

    @tf.custom_gradient
    def recurrence(xw: Any, h0: Any, c0: Any, recurrent_kernel: Any) -> Any:
        forward = _forward_unrolled if unrolled else _forward_scan
        if compile_loops:
            forward = _jit(forward)
        outputs, cells, zs, h, c = forward(xw, h0, c0, recurrent_kernel)

        def gradient(d_outputs: Any, d_h: Any, d_c: Any) -> tuple[Any, Any, Any, Any]:
            d_outputs = tf.zeros_like(outputs) if d_outputs is None else d_outputs
            d_h = tf.zeros_like(h) if d_h is None else d_h
            d_c = tf.zeros_like(c) if d_c is None else d_c
            return _backward(d_outputs, d_h, d_c, outputs, cells, zs, h0, c0, recurrent_kernel, unrolled, compile_loops)

        return (outputs, h, c), gradient

    return recurrence(xw, h0, c0, recurrent_kernel)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PrecomputedInputLSTM(keras.layers.Layer):
    """``keras.layers.LSTM`` (tanh/sigmoid, all outputs and the final state) built for CPU training.

    Computes what ``keras.layers.LSTM(units, return_sequences=True, return_state=True,
    unit_forget_bias=True)`` computes, with the same three weights in the same layout
    (``kernel [input, 4 units]``, ``recurrent_kernel [units, 4 units]``, ``bias [4 units]``,
    gate order ``(i, f, c, o)``), so ``set_weights(lstm.get_weights())`` copies a stock layer
    (and the weights of a ``StackPort``, and so of a TF1 checkpoint). It differs in how: the
    input projection of all steps is one matrix product outside the time loop, and the
    gradient is hand-written so that the weight gradients are one product each over all steps
    (see the module docstring). Results agree with ``keras.layers.LSTM`` to float rounding.

    Limits: TensorFlow backend only; no masking, dropout, ``go_backwards`` or other
    activations (use ``keras.layers.LSTM`` or ``StackPort`` for those).

    Args:
        units: size of the hidden and cell state.
        unroll: unroll the time loop in the graph; ``None`` (default) unrolls sequences of known
            length up to ``MAX_UNROLLED_STEPS`` steps, otherwise uses ``tf.scan``.
        compile_loops: XLA-compile the time loops (see ``lstm_recurrence``).
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``...).

    Call arguments:
        inputs: ``[batch, time, input_size]``.
        initial_state: None (zeros) or ``[h, c]``, ``[batch, units]`` each.

    Returns:
        ``[outputs [batch, time, units], h, c]``, as ``keras.layers.LSTM(return_sequences=True,
        return_state=True)``.

    Example:

    >>> layer = PrecomputedInputLSTM(8)
    >>> outputs, h, c = layer(keras.ops.ones((2, 5, 3)))
    >>> tuple(outputs.shape), tuple(h.shape)
    ((2, 5, 8), (2, 8))
    """

    def __init__(self, units: int, unroll: bool | None = None, compile_loops: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if keras.backend.backend() != "tensorflow":
            raise ValueError(
                f"PrecomputedInputLSTM needs the TensorFlow backend (it uses tf.custom_gradient), "
                f"received the {keras.backend.backend()!r} backend; use keras.layers.LSTM there."
            )
        if not isinstance(units, int) or units < 1:
            raise ValueError(f"Invalid value for `units`: expected a positive int, received {units!r}.")
        self.units = units
        self.unroll = unroll
        self.compile_loops = compile_loops

    def build(self, input_shape: Any) -> None:
        input_size = input_shape[-1]
        self.kernel = self.add_weight(shape=(input_size, 4 * self.units), initializer="glorot_uniform",
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, 4 * self.units), initializer="orthogonal",
                                                name="recurrent_kernel")
        units = self.units

        # keras.layers.LSTM(unit_forget_bias=True): zeros with ones in the forget block.
        def bias_initializer(shape: Any, dtype: Any = None) -> Any:
            return tf.concat([tf.zeros((units,), dtype), tf.ones((units,), dtype),
                              tf.zeros((2 * units,), dtype)], axis=0)

        self.bias = self.add_weight(shape=(4 * self.units,), initializer=bias_initializer, name="bias")

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None) -> list[Any]:
        if mask is not None:
            raise ValueError("PrecomputedInputLSTM does not support masks; received a mask. "
                             "Use keras.layers.LSTM (or StackPort) for masked sequences.")
        inputs = tf.convert_to_tensor(inputs, self.compute_dtype)
        units = self.units
        if initial_state is None:
            zeros = tf.zeros((tf.shape(inputs)[0], units), self.compute_dtype)
            h0, c0 = zeros, zeros
        else:
            h0, c0 = (tf.convert_to_tensor(state, self.compute_dtype) for state in initial_state)
        input_size = inputs.shape[-1]
        # One product for every step (and batch row) at once.
        xw = tf.reshape(tf.matmul(tf.reshape(inputs, (-1, input_size)), tf.convert_to_tensor(self.kernel))
                        + tf.convert_to_tensor(self.bias), tf.concat([tf.shape(inputs)[:2], [4 * units]], 0))
        xw = tf.ensure_shape(xw, (inputs.shape[0], inputs.shape[1], 4 * units))
        outputs, h, c = lstm_recurrence(xw, h0, c0, tf.convert_to_tensor(self.recurrent_kernel), self.unroll,
                                       self.compile_loops)
        return [outputs, h, c]

    def compute_output_spec(self, inputs: Any, initial_state: Any = None, mask: Any = None) -> list[Any]:
        batch, steps = inputs.shape[0], inputs.shape[1]
        return [keras.KerasTensor((batch, steps, self.units), dtype=self.compute_dtype),
                keras.KerasTensor((batch, self.units), dtype=self.compute_dtype),
                keras.KerasTensor((batch, self.units), dtype=self.compute_dtype)]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "unroll": self.unroll, "compile_loops": self.compile_loops}




# --- a whole stack in one unrolled graph: the layers overlap in time ------------------------------

def lstm_stack_recurrence(inputs: Any, states: list[Any], weights: list[Any]) -> list[Any]:
    """An LSTM stack over ``inputs [batch, time, input_size]``, unrolled, with a hand-written gradient.

    Args:
        inputs: ``[batch, time, input_size]``; the time dimension must be static.
        states: ``[h, c]`` per layer, flat.
        weights: ``[kernel, recurrent_kernel, bias]`` per layer, flat (Keras LSTM layout).

    Returns:
        ``[outputs of the last layer [batch, time, units], h, c per layer...]``.

    The first layer's input projection is one product over all steps (its input is known up
    front). Every upper layer multiplies the step's output of the layer below inside the step,
    so nothing waits for a whole layer: step t of layer l+1 and step t+1 of layer l are
    independent and TensorFlow's executor runs them on different cores, as it runs the
    iterations of ``RNN(StackedRNNCells)``'s while loop in parallel. The backward pass overlaps
    the same way; weight gradients are one product each over all steps, after the loop.
    """
    steps = inputs.shape[1]
    if steps is None:
        raise ValueError("lstm_stack_recurrence needs a static number of time steps; received None.")
    num_layers = len(weights) // 3

    @tf.custom_gradient
    def stack(inputs: Any, *flat: Any) -> Any:
        states, weights = flat[: 2 * num_layers], flat[2 * num_layers:]
        kernels, recurrent_kernels, biases = weights[0::3], weights[1::3], weights[2::3]
        input_size = inputs.shape[-1]
        xw = tf.matmul(tf.reshape(inputs, (-1, input_size)), kernels[0]) + biases[0]
        xw_steps = tf.unstack(tf.reshape(xw, (-1, steps, xw.shape[-1])), axis=1)
        h, c = list(states[0::2]), list(states[1::2])
        outputs = [[] for _ in range(num_layers)]
        cells = [[] for _ in range(num_layers)]
        zs = [[] for _ in range(num_layers)]
        for t in range(steps):
            below = None
            for layer in range(num_layers):
                if layer == 0:
                    z = xw_steps[t] + tf.matmul(h[0], recurrent_kernels[0])
                else:  # Keras' own order of additions: (x K + h R) + b
                    z = tf.matmul(below, kernels[layer]) + tf.matmul(h[layer], recurrent_kernels[layer]) + biases[layer]
                h[layer], c[layer] = _lstm_step(z, c[layer])
                outputs[layer].append(h[layer])
                cells[layer].append(c[layer])
                zs[layer].append(z)
                below = h[layer]
        final = [value for pair in zip(h, c) for value in pair]
        top = tf.stack(outputs[-1], axis=1)

        def gradient(d_top: Any, *d_final: Any) -> tuple[Any, ...]:
            d_top = tf.zeros_like(top) if d_top is None else d_top
            d_final = [tf.zeros_like(v) if d is None else d for d, v in zip(d_final, final)]
            d_h, d_c = list(d_final[0::2]), list(d_final[1::2])
            stacked = [(tf.stack(outputs[layer], axis=1), tf.stack(cells[layer], axis=1)) for layer in range(num_layers)]
            # Per layer, for all steps at once: what does not depend on the incoming gradient.
            dz_over_dc_dh, dc_over_dh, forget = [], [], []
            for layer, (layer_outputs, layer_cells) in enumerate(stacked):
                i, f, g, o = _gates(tf.stack(zs[layer], axis=1))
                tanh_c = tf.tanh(layer_cells)
                c_previous = _previous(layer_cells, states[2 * layer + 1])
                dz_over_dc_dh.append(tf.unstack(tf.concat(
                    [g * i * (1 - i), c_previous * f * (1 - f), i * (1 - g * g), tanh_c * o * (1 - o)], axis=-1), axis=1))
                dc_over_dh.append(tf.unstack(o * (1 - tanh_c * tanh_c), axis=1))
                forget.append(tf.unstack(f, axis=1))
            d_top_steps = tf.unstack(d_top, axis=1)
            dz = [[None] * steps for _ in range(num_layers)]
            for t in reversed(range(steps)):
                from_above = d_top_steps[t]
                for layer in reversed(range(num_layers)):
                    d_h_t = from_above + d_h[layer]
                    d_c_t = d_c[layer] + d_h_t * dc_over_dh[layer][t]
                    dz_t = tf.concat([d_c_t, d_c_t, d_c_t, d_h_t], axis=-1) * dz_over_dc_dh[layer][t]
                    d_h[layer] = tf.matmul(dz_t, recurrent_kernels[layer], transpose_b=True)
                    d_c[layer] = d_c_t * forget[layer][t]
                    if layer > 0:
                        from_above = tf.matmul(dz_t, kernels[layer], transpose_b=True)
                    dz[layer][t] = dz_t
            d_states = [value for pair in zip(d_h, d_c) for value in pair]
            d_weights = []
            d_inputs = None
            for layer in range(num_layers):
                units = recurrent_kernels[layer].shape[0]
                layer_dz = tf.reshape(tf.stack(dz[layer], axis=1), (-1, 4 * units))
                previous_h = tf.reshape(_previous(stacked[layer][0], states[2 * layer]), (-1, units))
                layer_inputs = inputs if layer == 0 else stacked[layer - 1][0]
                layer_inputs = tf.reshape(layer_inputs, (-1, layer_inputs.shape[-1]))
                d_weights += [tf.matmul(layer_inputs, layer_dz, transpose_a=True),
                              tf.matmul(previous_h, layer_dz, transpose_a=True),
                              tf.reduce_sum(layer_dz, axis=0)]
                if layer == 0:
                    d_inputs = tf.reshape(tf.matmul(layer_dz, kernels[0], transpose_b=True), tf.shape(inputs))
            return (d_inputs, *d_states, *d_weights)

        return (top, *final), gradient

    return list(stack(inputs, *states, *weights))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class UnrolledLSTMStack(keras.layers.Layer):
    """Stacked ``keras.layers.LSTM`` layers as one unrolled graph with a hand-written gradient.

    Computes what ``len(units)`` stacked ``keras.layers.LSTM(u, return_sequences=True,
    return_state=True, unit_forget_bias=True)`` layers compute (tanh/sigmoid, gate order
    ``(i, f, c, o)``), with the same weights in the same order (``kernel``,
    ``recurrent_kernel``, ``bias`` per layer), so ``set_weights`` takes the concatenated
    ``get_weights()`` of a ``StackPort(spec, fast=True)``'s layers. It is faster on CPU
    because the layers overlap in time (see ``lstm_stack_recurrence``), the first layer's input
    projection and every weight gradient are one product over all steps, and the backward
    step is five element-wise ops and one or two products. Results agree with the stock layers
    to float rounding (the first layer adds ``(x K + b) + h R`` instead of ``(x K + h R) + b``).

    Limits: TensorFlow backend only; a static number of time steps (the graph is unrolled:
    fine for truncated-BPTT windows such as d2l's 35 steps); no masking, dropout, reversal or
    other activations (use ``StackPort`` for those).

    Args:
        units: units per layer, bottom first, e.g. ``(256, 256)``.
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``...).

    Call arguments:
        inputs: ``[batch, time, input_size]``.
        initial_state: None (zeros) or the flat ``[h, c]`` per layer (``StackPort``'s order).

    Returns:
        ``[outputs of the last layer [batch, time, units[-1]], h, c per layer...]``, as
        ``StackPort`` returns them.

    Example:

    >>> stack = UnrolledLSTMStack((8, 8))
    >>> outputs, h0, c0, h1, c1 = stack(keras.ops.ones((2, 5, 3)))
    >>> tuple(outputs.shape)
    (2, 5, 8)
    """

    def __init__(self, units: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if keras.backend.backend() != "tensorflow":
            raise ValueError(
                f"UnrolledLSTMStack needs the TensorFlow backend (it uses tf.custom_gradient), "
                f"received the {keras.backend.backend()!r} backend; use StackPort there."
            )
        self.units = stack_units(units)

    def build(self, input_shape: Any) -> None:
        self.cells = []
        input_size = input_shape[-1]
        for index, units in enumerate(self.units):
            def bias_initializer(shape: Any, dtype: Any = None, units: int = units) -> Any:
                # keras.layers.LSTM(unit_forget_bias=True): ones in the forget block.
                return tf.concat([tf.zeros((units,), dtype), tf.ones((units,), dtype),
                                  tf.zeros((2 * units,), dtype)], axis=0)

            self.cells.append([
                self.add_weight(shape=(input_size, 4 * units), initializer="glorot_uniform", name=f"kernel_{index}"),
                self.add_weight(shape=(units, 4 * units), initializer="orthogonal", name=f"recurrent_kernel_{index}"),
                self.add_weight(shape=(4 * units,), initializer=bias_initializer, name=f"bias_{index}"),
            ])
            input_size = units

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None) -> list[Any]:
        if mask is not None:
            raise ValueError("UnrolledLSTMStack does not support masks; received a mask. "
                             "Use StackPort for masked sequences.")
        inputs = tf.convert_to_tensor(inputs, self.compute_dtype)
        if initial_state is None:
            batch = tf.shape(inputs)[0]
            initial_state = [tf.zeros((batch, units), self.compute_dtype) for units in self.units for _ in range(2)]
        elif len(initial_state) != 2 * len(self.units):
            raise ValueError(f"Invalid `initial_state`: expected {2 * len(self.units)} tensors ([h, c] per layer), "
                             f"received {len(initial_state)}.")
        states = [tf.convert_to_tensor(state, self.compute_dtype) for state in initial_state]
        weights = [tf.convert_to_tensor(weight) for cell in self.cells for weight in cell]
        return lstm_stack_recurrence(inputs, states, weights)

    def compute_output_spec(self, inputs: Any, initial_state: Any = None, mask: Any = None) -> list[Any]:
        batch, steps = inputs.shape[0], inputs.shape[1]
        specs = [keras.KerasTensor((batch, steps, self.units[-1]), dtype=self.compute_dtype)]
        for units in self.units:
            specs += [keras.KerasTensor((batch, units), dtype=self.compute_dtype)] * 2
        return specs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": list(self.units)}


__all__ = ["MAX_UNROLLED_STEPS", "PrecomputedInputLSTM", "UnrolledLSTMStack", "lstm_recurrence",
           "lstm_stack_recurrence"]
