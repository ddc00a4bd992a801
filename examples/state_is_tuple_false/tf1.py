"""state_is_tuple=False: each LSTM state is one concat([c, h]) tensor, and so is the whole stack's."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1

BATCH, TIME, INPUT, UNITS = 3, 5, 4, (6, 4)


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(dtype)
    # [state] one flat tensor: [c0 (6) | h0 (6) | c1 (4) | h1 (4)]
    initial_state = rng.uniform(-1, 1, (BATCH, 2 * sum(UNITS))).astype(dtype)
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, INPUT])
        state0 = tf1.placeholder(dtype, [BATCH, 2 * sum(UNITS)])
        # [cells]
        cell = rnn_cell.MultiRNNCell(
            [rnn_cell.LSTMCell(units, state_is_tuple=False) for units in UNITS], state_is_tuple=False)
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(cell, inputs, initial_state=state0)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            outputs, final_state = sess.run([outputs, final_state], {inputs: x, state0: initial_state})
            variables = variable_dict(sess)
    return {"inputs": x, "initial_state": initial_state, "outputs": outputs,
            "final_state": final_state, "variables": variables}
