"""TF1 cell equations written out in NumPy, from the TF1 variable layouts.

An independent statement of the layouts DESIGN.md §3.1 records (LSTM gate
blocks (i, j, f, o) with forget_bias added to f; GRU gates (r, u) then a
candidate on concat([x, r * h])): if the reference graph agrees with these to
float64 round-off, the converters in tf2_port start from facts.
"""

import numpy as np

ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "linear": lambda x: x,
}
sigmoid = ACTIVATIONS["sigmoid"]


def lstm_step(layer, weights, x, state):
    """One TF1 LSTMCell / BasicLSTMCell step. state = (c, h); returns (output, (c, h))."""
    c_prev, h_prev = state
    act = ACTIVATIONS[layer.activation]
    gates = np.concatenate([x, h_prev], axis=1) @ weights["kernel"] + weights["bias"]
    i, j, f, o = np.split(gates, 4, axis=1)
    if layer.use_peepholes:
        c = (sigmoid(f + layer.forget_bias + weights["w_f_diag"] * c_prev) * c_prev
             + sigmoid(i + weights["w_i_diag"] * c_prev) * act(j))
    else:
        c = sigmoid(f + layer.forget_bias) * c_prev + sigmoid(i) * act(j)
    if layer.cell_clip is not None:
        c = np.clip(c, -layer.cell_clip, layer.cell_clip)
    if layer.use_peepholes:
        h = sigmoid(o + weights["w_o_diag"] * c) * act(c)
    else:
        h = sigmoid(o) * act(c)
    if layer.num_proj is not None:
        h = h @ weights["projection/kernel"]
        if layer.proj_clip is not None:
            h = np.clip(h, -layer.proj_clip, layer.proj_clip)
    return h, (c, h)


def gru_step(layer, weights, x, h_prev):
    act = ACTIVATIONS[layer.activation]
    gates = sigmoid(np.concatenate([x, h_prev], axis=1) @ weights["gates/kernel"] + weights["gates/bias"])
    r, u = np.split(gates, 2, axis=1)
    candidate = act(np.concatenate([x, r * h_prev], axis=1) @ weights["candidate/kernel"] + weights["candidate/bias"])
    h = u * h_prev + (1.0 - u) * candidate
    return h, h


def basic_rnn_step(layer, weights, x, h_prev):
    h = ACTIVATIONS[layer.activation](np.concatenate([x, h_prev], axis=1) @ weights["kernel"] + weights["bias"])
    return h, h


STEPS = {"lstm": lstm_step, "basic_lstm": lstm_step, "gru": gru_step, "basic_rnn": basic_rnn_step}


def run_layer(layer, weights, inputs, initial_state):
    """Unroll one layer over batch-major inputs [batch, time, depth]."""
    step = STEPS[layer.kind]
    state = initial_state
    outputs = []
    for t in range(inputs.shape[1]):
        output, state = step(layer, weights, inputs[:, t], state)
        outputs.append(output)
    return np.stack(outputs, axis=1), state
