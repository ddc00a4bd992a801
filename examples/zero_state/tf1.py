"""cell.zero_state(batch, dtype) for the first batch, then the final state fed back (the PTB idiom)."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1

BATCH, TIME, INPUT = 3, 5, 4


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (2, BATCH, TIME, INPUT)).astype(dtype)  # two consecutive batches
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, INPUT])
        # [cells]
        cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(6), rnn_cell.GRUCell(4)])
        # [state] zeros in the cell's structure: (LSTMStateTuple(c, h), h)
        initial_state = cell.zero_state(BATCH, dtype)
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(cell, inputs, initial_state=initial_state)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            # [batches] zero_state tensors can be fed like placeholders: carry the state over
            state = sess.run(initial_state)
            all_outputs, all_states = [], []
            for batch in x:
                batch_outputs, state = sess.run([outputs, final_state], {inputs: batch, initial_state: state})
                all_outputs.append(batch_outputs)
                all_states.append(state)
            variables = variable_dict(sess)
    return {"inputs": x, "outputs": all_outputs, "final_state": all_states, "variables": variables}
