"""Seed 002's deep stack with skip connections: ResidualWrapper on every layer above the first."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1

BATCH, TIME, INPUT, UNITS, LAYERS = 4, 10, 6, 8, 4


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(dtype)
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, INPUT])
        # [cells] a layer's output + its input: widths must match, so not on the first layer
        cells = [rnn_cell.LSTMCell(UNITS)]
        cells += [rnn_cell.ResidualWrapper(rnn_cell.LSTMCell(UNITS)) for _ in range(LAYERS - 1)]
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(rnn_cell.MultiRNNCell(cells), inputs, dtype=dtype)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            outputs, final_state = sess.run([outputs, final_state], {inputs: x})
            variables = variable_dict(sess)
    return {"inputs": x, "outputs": outputs, "final_state": final_state, "variables": variables}
