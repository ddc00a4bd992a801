"""TF1 cell equations written out in NumPy, from the TF1 variable layouts.

An independent statement of the layouts ARCHITECTURE.md (facts: weights) records (LSTM gate
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


# --- contrib and cuDNN-canonical cells ------------------------------------------------
# No TF1 graph can build these on TF 2.21 (tf.contrib is gone), so their
# equations are written out here from the TF1 sources, as stated in each docstring.
# Each step takes the variables under the names the checkpoint uses.


def lstm_block_step(weights, x, state, forget_bias, cell_clip=None):
    """contrib LSTMBlockCell / LSTMBlockFusedCell (the LSTMBlockCell op, no peepholes).

    Kernel blocks (i, cs, f, o) over concat([x, h]); tanh for the candidate and
    the cell; forget_bias added to f; the Python cell passes cell_clip=-1 (no
    clip) when cell_clip is None. state = (c, h); returns (h, (c, h)).
    """
    c_prev, h_prev = state
    icfo = np.concatenate([x, h_prev], axis=1) @ weights["kernel"] + weights["bias"]
    i, ci, f, o = np.split(icfo, 4, axis=1)
    cs = np.tanh(ci) * sigmoid(i) + c_prev * sigmoid(f + forget_bias)
    if cell_clip is not None and cell_clip > 0:
        cs = np.clip(cs, -cell_clip, cell_clip)
    h = np.tanh(cs) * sigmoid(o)
    return h, (cs, h)


def gru_block_step(weights, x, h_prev):
    """contrib GRUBlockCell: w_ru/b_ru give (r, u); w_c/b_c the candidate on concat([x, r * h])."""
    r_u = sigmoid(np.concatenate([x, h_prev], axis=1) @ weights["w_ru"] + weights["b_ru"])
    r, u = np.split(r_u, 2, axis=1)
    c = np.tanh(np.concatenate([x, r * h_prev], axis=1) @ weights["w_c"] + weights["b_c"])
    h = (1.0 - u) * c + u * h_prev
    return h, h


def cudnn_lstm_step(weights, x, state):
    """CudnnCompatibleLSTMCell: an LSTMBlockCell with forget_bias 0; bias = b_w + b_r (saved summed)."""
    return lstm_block_step(weights, x, state, forget_bias=0.0)


def cudnn_gru_step(weights, x, h_prev):
    """CudnnCompatibleGRUCell: the reset gate multiplies the projected h (cuDNN's form).

    r, u = sigmoid(concat([x, h]) @ gates/kernel + gates/bias)
    c = tanh(x @ Wi + bi + r * (h @ Wh + bh));  h' = u * h + (1 - u) * c
    """
    r_u = sigmoid(np.concatenate([x, h_prev], axis=1) @ weights["gates/kernel"] + weights["gates/bias"])
    r, u = np.split(r_u, 2, axis=1)
    input_part = x @ weights["candidate/input_projection/kernel"] + weights["candidate/input_projection/bias"]
    hidden_part = h_prev @ weights["candidate/hidden_projection/kernel"] + weights["candidate/hidden_projection/bias"]
    c = np.tanh(input_part + r * hidden_part)
    h = u * h_prev + (1.0 - u) * c
    return h, h


def unroll(step, inputs, initial_state):
    """Unroll ``step(x, state) -> (output, state)`` over batch-major inputs [batch, time, depth]."""
    state = initial_state
    outputs = []
    for t in range(inputs.shape[1]):
        output, state = step(inputs[:, t], state)
        outputs.append(output)
    return np.stack(outputs, axis=1), state
