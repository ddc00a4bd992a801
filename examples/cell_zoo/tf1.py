"""The four TF1 cells of the course's RNN chapter (seed 004), each driven by dynamic_rnn."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import LSTMStateTuple, rnn_cell, tf, tf1

BATCH, TIME, INPUT, UNITS = 4, 6, 5, 8


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(dtype)
    s = lambda: rng.uniform(-1, 1, (BATCH, UNITS)).astype(dtype)  # noqa: E731
    # [inputs] LSTM states are LSTMStateTuple(c, h); the others are one tensor h
    initial_state = {"basic_rnn": s(), "gru": s(),
                     "basic_lstm": LSTMStateTuple(s(), s()), "lstm": LSTMStateTuple(s(), s())}
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, INPUT])
        # [cells]
        cells = {
            "basic_rnn": rnn_cell.BasicRNNCell(UNITS),
            "gru": rnn_cell.GRUCell(UNITS),
            "basic_lstm": rnn_cell.BasicLSTMCell(UNITS),  # forget_bias=1.0 by default
            "lstm": rnn_cell.LSTMCell(UNITS, forget_bias=0.5),
        }
        # [run]
        fetches = {}
        for name, cell in cells.items():
            state0 = tf.nest.map_structure(tf.constant, initial_state[name])
            fetches[name] = tf1.nn.dynamic_rnn(cell, inputs, initial_state=state0, scope=name)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            results = sess.run(fetches, {inputs: x})
            variables = variable_dict(sess)
    return {
        "inputs": x,
        "initial_state": initial_state,
        "outputs": {name: outputs for name, (outputs, _) in results.items()},
        "final_state": {name: state for name, (_, state) in results.items()},
        "variables": variables,  # e.g. "lstm/lstm_cell/kernel" [INPUT + UNITS, 4 * UNITS]
    }
