"""dynamic_rnn(sequence_length=...): rows of different lengths, a length-0 row included."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import LSTMStateTuple, rnn_cell, tf, tf1

BATCH, TIME, INPUT = 4, 6, 5


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(dtype)
    lengths = np.array([6, 4, 1, 0], np.int32)
    # [state]
    initial_state = (LSTMStateTuple(*rng.uniform(-1, 1, (2, BATCH, 8)).astype(dtype)),
                     rng.uniform(-1, 1, (BATCH, 4)).astype(dtype))
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, INPUT])
        sequence_length = tf1.placeholder(tf.int32, [BATCH])
        # [cells]
        cell = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(8), rnn_cell.GRUCell(4)])
        # [forward] steps at or past a row's length emit 0 and keep the state
        outputs, final_state = tf1.nn.dynamic_rnn(
            cell, inputs, sequence_length=sequence_length,
            initial_state=tf.nest.map_structure(tf.constant, initial_state))
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            outputs, final_state = sess.run([outputs, final_state], {inputs: x, sequence_length: lengths})
            variables = variable_dict(sess)
    return {"inputs": x, "sequence_length": lengths, "initial_state": initial_state,
            "outputs": outputs, "final_state": final_state, "variables": variables}
