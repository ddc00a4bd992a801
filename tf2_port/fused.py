"""An LSTM stack that runs PyTorch's fused LSTM kernel on the torch backend (issue 8).

PyTorch's lead on CPU (bench/RESULTS.md) is its fused LSTM (``torch._VF.lstm``, reached through
:mod:`tf2_port.torch_lstm_fence`: oneDNN in
float32, ATen's own loop otherwise), which hoists the input projection of every layer into one
product and computes the weight gradients as one product each. ``keras.layers.LSTM`` on the
torch backend calls that kernel only on CUDA; on CPU it runs a Python loop of per-step ops.
:class:`FusedLSTMStack` calls the kernel directly with the Keras variables' own tensors (on the
torch backend a Keras variable *is* a ``torch.nn.Parameter``), so autograd fills their
``.grad`` and a Keras optimizer trains them like any other layer's.

Weight mapping (the layout ``keras.layers.LSTM``'s cell uses, gate order ``(i, f, c, o)``,
which is PyTorch's ``(i, f, g, o)``): ``weight_ih = kernel.T``, ``weight_hh =
recurrent_kernel.T``, ``bias_ih = bias``, ``bias_hh = 0``. PyTorch adds ``x W_ih^T + b_ih +
h W_hh^T + b_hh`` where Keras adds ``x K + h R + b``: the same numbers to float rounding, not
bit for bit (tests/test_port_fused.py has the measured differences).

The kernels are kept in memory in PyTorch's layout (:func:`_in_torch_layout`: same shapes and
values for Keras, column-major strides), so the kernel reads them without a transposed copy.
Measured on 2 CPU cores (bench/RESULTS.md section 0, d2l char LM, 2 x 256): 2.1-2.4x the TF1
graph in training, 1.5x in inference; against PyTorch eager ``nn.LSTM`` within the same rounds
0.79-1.09x in training over two runs (paired in one process: 0.95-0.97x; level at 2 x 1024).

On any other backend the layer runs its stacked ``keras.layers.LSTM`` sublayers (the stock
path: the weights are the same variables either way), so a model saved on one backend loads
and computes on another.
"""

from __future__ import annotations

from typing import Any

import keras

_PACKAGE = "tf1_migrate"


def stack_units(units: Any) -> tuple[int, ...]:
    """``units`` of a whole-stack layer, bottom first, validated as a tuple of positive ints."""
    units = tuple(units) if isinstance(units, (list, tuple)) else units
    if not isinstance(units, tuple) or not units or not all(isinstance(u, int) and u > 0 for u in units):
        raise ValueError(f"Invalid value for `units`: expected a non-empty sequence of positive ints, "
                         f"received {units!r}.")
    return units


@keras.saving.register_keras_serializable(package=_PACKAGE)
class FusedLSTMStack(keras.layers.Layer):
    """Stacked ``keras.layers.LSTM`` layers, run by PyTorch's fused kernel on the torch backend.

    Holds ``len(units)`` ``keras.layers.LSTM(u, return_sequences=True, return_state=True,
    unit_forget_bias=True)`` sublayers; ``get_weights`` / ``set_weights`` are theirs
    concatenated (``kernel``, ``recurrent_kernel``, ``bias`` per layer), the same list as a
    ``StackPort(spec, fast=True)``'s layers and as ``tf2_port.fast.UnrolledLSTMStack``.

    On the torch backend ``call`` makes one ``torch._VF.lstm`` call for a stack of equal widths
    (what ``torch.nn.LSTM(num_layers=n)`` makes) and one per layer otherwise. Elsewhere it calls
    the sublayers (TensorFlow, JAX: the stock ``keras.layers.LSTM`` path; on the TensorFlow
    backend ``tf2_port.fast.UnrolledLSTMStack`` is the faster choice on CPU).

    Limits: no masking, dropout, reversal or other activations (use ``StackPort`` for those).

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

    >>> stack = FusedLSTMStack((8, 8))
    >>> outputs, h0, c0, h1, c1 = stack(keras.ops.ones((2, 5, 3)))
    >>> tuple(outputs.shape)
    (2, 5, 8)
    """

    def __init__(self, units: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units = stack_units(units)
        # Sublayers, not bare weights: the variables are then keras.layers.LSTM's own (same names,
        # initializers, unit_forget_bias), and the non-torch path is the stock layer itself.
        self.lstms = [keras.layers.LSTM(u, return_sequences=True, return_state=True, unit_forget_bias=True,
                                        dtype=self.dtype_policy, name=f"lstm_{index}")
                      for index, u in enumerate(units)]

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        for lstm, units in zip(self.lstms, self.units):
            lstm.build(shape)
            shape = shape[:-1] + (units,)

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None) -> list[Any]:
        if mask is not None:
            raise ValueError("FusedLSTMStack does not support masks; received a mask. "
                             "Use StackPort for masked sequences.")
        if initial_state is not None and len(initial_state) != 2 * len(self.units):
            raise ValueError(f"Invalid `initial_state`: expected {2 * len(self.units)} tensors ([h, c] per layer), "
                             f"received {len(initial_state)}.")
        if keras.backend.backend() == "torch":
            return self._call_torch(inputs, initial_state)
        x, final = inputs, []
        for index, lstm in enumerate(self.lstms):
            state = None if initial_state is None else list(initial_state[2 * index: 2 * index + 2])
            x, h, c = lstm(x, initial_state=state)
            final += [h, c]
        return [x, *final]

    def _call_torch(self, inputs: Any, initial_state: Any) -> list[Any]:
        import torch

        from tf2_port.torch_lstm_fence import fused_lstm

        x = keras.ops.convert_to_tensor(inputs, self.compute_dtype)
        batch = x.shape[0]
        if initial_state is None:
            states = [torch.zeros((batch, units), dtype=x.dtype, device=x.device)
                      for units in self.units for _ in range(2)]
        else:
            states = [keras.ops.convert_to_tensor(state, self.compute_dtype) for state in initial_state]
        params = self._torch_params()
        # One kernel call per run of equal widths: torch's multi-layer call needs the same hidden
        # size in every layer (it stacks h and c into [layers, batch, units]).
        final = []
        start = 0
        while start < len(self.units):
            stop = start + 1
            while stop < len(self.units) and self.units[stop] == self.units[start]:
                stop += 1
            h0 = torch.stack(states[2 * start: 2 * stop: 2])
            c0 = torch.stack(states[2 * start + 1: 2 * stop: 2])
            x, h_n, c_n = fused_lstm(x, h0, c0, params[4 * start: 4 * stop], stop - start)
            for h, c in zip(h_n.unbind(0), c_n.unbind(0)):
                final += [h, c]
            start = stop
        return [x, *final]

    def _torch_params(self) -> list[Any]:
        """``[weight_ih, weight_hh, bias_ih, bias_hh]`` per layer, in torch's layout."""
        import torch

        # ``.value`` is the torch.nn.Parameter itself: the transposes below are autograd views
        # of it, so loss.backward() reaches the Keras variable. With the kernels stored in
        # torch's layout (_in_torch_layout) the transposes are contiguous and
        # ``.contiguous()`` copies nothing.
        params = []
        for lstm in self.lstms:
            cell = lstm.cell
            bias = cell.bias.value
            params += [_in_torch_layout(cell.kernel.value).t().contiguous(),
                       _in_torch_layout(cell.recurrent_kernel.value).t().contiguous(), bias,
                       torch.zeros_like(bias, requires_grad=False)]
        return params

    def compute_output_spec(self, inputs: Any, initial_state: Any = None, mask: Any = None) -> list[Any]:
        batch, steps = inputs.shape[0], inputs.shape[1]
        specs = [keras.KerasTensor((batch, steps, self.units[-1]), dtype=self.compute_dtype)]
        for units in self.units:
            specs += [keras.KerasTensor((batch, units), dtype=self.compute_dtype)] * 2
        return specs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": list(self.units)}


def _in_torch_layout(parameter: Any) -> Any:
    """``parameter`` (a Keras ``[input, 4 units]`` kernel) with its numbers laid out in memory
    as PyTorch's ``[4 units, input]``; done once, on the first call that holds the real
    parameter (Keras builds on the meta device, then creates the parameters).

    The variable keeps its Keras shape and values -- ``kernel[i, j]`` is what it was for every
    reader: Keras ops, ``get_weights``, saving, the optimizers (which write with ``copy_``, and
    that keeps the layout) -- but its strides become column-major, so the transpose the kernel
    wants is a view, not a copy, and autograd returns the gradient in the same layout, again
    without a copy. ``.data`` is replaced on the same ``torch.nn.Parameter``, so every
    reference to it (Keras' parameter tracking, a torch optimizer) stays valid. Measured in
    bench/RESULTS.md: the copies this removes were most of this layer's gap to ``nn.LSTM``.
    """
    import torch

    from tf2_port.torch_lstm_fence import store_transposed

    if isinstance(parameter, torch.nn.Parameter) and parameter.dim() == 2 and parameter.shape[0] > 1 \
            and parameter.is_contiguous():
        store_transposed(parameter)
    return parameter


__all__ = ["FusedLSTMStack", "stack_units"]
