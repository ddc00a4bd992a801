"""The torch-backend half of tests/test_port_fused.py (the Keras backend is fixed per process).

Usage: KERAS_BACKEND=torch fused_lstm_torch_side.py IN.npz OUT.npz

IN.npz (written by the test): ``units``, ``inputs``, ``state_<i>``, ``weight_<i>`` (the
StackPort's weights, keras.layers.LSTM layout), ``probe_<i>`` (random weights of the scalar
loss sum(probe_i * value_i)). For both FusedLSTMStack and stacked keras.layers.LSTM layers (the
stock torch path) holding those weights, OUT.npz gets the values (``<form>_value_<i>``: outputs,
then h, c per layer) and the gradients of the loss (``<form>_gradient_<i>``: inputs, states,
weights, the weights read from each Keras variable's ``.value.grad`` as a Keras optimizer reads
them), plus ``config_ok`` for a get_config / serialization round trip on this backend and
``layout_ok`` for the kernels' storage in torch's layout (no copies, values unchanged).
Prints one JSON line: backend, which kernel torch picked.
"""

import json
import sys

import keras
import numpy as np
import torch

from tf2_port.fused import FusedLSTMStack


def _stock(units, input_size, dtype):
    layers, size = [], input_size
    for u in units:
        layer = keras.layers.LSTM(u, return_sequences=True, return_state=True, unit_forget_bias=True, dtype=dtype)
        layer.build((None, None, size))
        layers.append(layer)
        size = u

    def run(x, states):
        final = []
        for index, layer in enumerate(layers):
            x, h, c = layer(x, initial_state=states[2 * index: 2 * index + 2])
            final += [h, c]
        return [x, *final]

    return run, [w for layer in layers for w in layer.trainable_variables]


def _values_and_gradients(run, variables, data, count):
    dtype = data["inputs"].dtype
    inputs = torch.tensor(data["inputs"], requires_grad=True)
    states = [torch.tensor(data[f"state_{i}"], requires_grad=True) for i in range(count)]
    for variable in variables:
        variable.value.grad = None
    values = run(inputs, states)
    loss = sum((value * torch.from_numpy(data[f"probe_{i}"])).sum() for i, value in enumerate(values))
    loss.backward()
    gradients = [inputs.grad, *(s.grad for s in states), *(v.value.grad for v in variables)]
    assert all(g is not None and g.dtype == getattr(torch, str(dtype)) for g in gradients)
    return [v.detach().numpy() for v in values], [g.numpy() for g in gradients]


def main(in_path, out_path):
    data = dict(np.load(in_path))
    units = [int(u) for u in data["units"]]
    dtype = str(data["inputs"].dtype)
    input_size = data["inputs"].shape[-1]
    count = 2 * len(units)
    weights = [data[f"weight_{i}"] for i in range(3 * len(units))]
    out = {}

    fused = FusedLSTMStack(units, dtype=dtype)
    fused.build((None, None, input_size))
    fused.set_weights(weights)
    stock_run, stock_variables = _stock(units, input_size, dtype)
    for variable, weight in zip(stock_variables, weights):
        variable.assign(weight)
    for form, run, variables in (("fused", lambda x, s: fused(x, initial_state=s), fused.trainable_variables),
                                 ("stock", stock_run, stock_variables)):
        values, gradients = _values_and_gradients(run, variables, data, count)
        out.update({f"{form}_value_{i}": v for i, v in enumerate(values)})
        out.update({f"{form}_gradient_{i}": g for i, g in enumerate(gradients)})

    # Zero initial state by default, and under no_grad (inference) the same values.
    with torch.no_grad():
        zero_state = fused(data["inputs"])
        explicit = fused(data["inputs"], initial_state=[np.zeros((len(data["inputs"]), u), dtype)
                                                         for u in units for _ in range(2)])
    out["zero_state_diff"] = np.float64(max(float((a - b).abs().max()) for a, b in zip(zero_state, explicit)))

    # The kernels are stored in torch's layout after a call: column-major strides, the kernel's
    # transpose a view of the same memory (no copy), gradients in the same layout, values and
    # the Parameter objects unchanged; set_weights keeps the layout and the new values.
    kernels = [v for v in fused.trainable_variables if not v.path.endswith("bias")]
    tracked = {id(p) for p in fused.parameters()}
    params = fused._torch_params()
    layout_ok = all(v.value.stride(0) == 1 and id(v.value) in tracked for v in kernels)
    layout_ok &= all(p.data_ptr() == v.value.data_ptr()
                     for p, v in zip([p for i, p in enumerate(params) if i % 4 < 2], kernels))
    layout_ok &= all(v.value.grad is not None and v.value.grad.stride() == v.value.stride() for v in kernels)
    layout_ok &= all(np.array_equal(a, b) for a, b in zip(fused.get_weights(), weights))
    changed = [w * 0.5 for w in weights]
    fused.set_weights(changed)
    layout_ok &= all(v.value.stride(0) == 1 for v in kernels)
    layout_ok &= all(np.array_equal(a, b) for a, b in zip(fused.get_weights(), changed))
    with torch.no_grad():
        after = fused(data["inputs"])
        fresh = FusedLSTMStack(units, dtype=dtype)
        fresh.build((None, None, input_size))
        fresh.set_weights(changed)
        layout_ok &= all(torch.equal(a, b) for a, b in zip(after, fresh(data["inputs"])))
    out["layout_ok"] = np.bool_(layout_ok)
    fused.set_weights(weights)

    config = fused.get_config()
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(fused))
    restored.set_weights(fused.get_weights())
    with torch.no_grad():
        same = all(torch.equal(a, b) for a, b in zip(restored(data["inputs"]), fused(data["inputs"])))
    out["config_ok"] = np.bool_(isinstance(restored, FusedLSTMStack) and restored.get_config() == config
                                and config["units"] == units and same)
    np.savez(out_path, **out)
    print(json.dumps({"backend": keras.backend.backend(), "torch": torch.__version__,
                      "mkldnn": bool(torch.backends.mkldnn.is_available())}))


if __name__ == "__main__":
    main(*sys.argv[1:])
