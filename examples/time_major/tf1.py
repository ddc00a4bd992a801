"""dynamic_rnn(time_major=True): inputs and outputs are [time, batch, depth]."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1

TIME, BATCH, INPUT = 7, 3, 5


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (TIME, BATCH, INPUT)).astype(dtype)  # time first
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [TIME, BATCH, INPUT])
        # [cells]
        cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(6), rnn_cell.LSTMCell(4)])
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(cell, inputs, time_major=True, dtype=dtype)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            outputs, final_state = sess.run([outputs, final_state], {inputs: x})
            variables = variable_dict(sess)
    return {"inputs": x, "outputs": outputs, "final_state": final_state, "variables": variables}
