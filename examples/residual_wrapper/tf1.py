"""ResidualWrapper with sequence_length: padded steps must stay exactly 0."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1

BATCH, TIME, UNITS = 4, 6, 5


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, UNITS)).astype(dtype)
    lengths = np.array([6, 3, 1, 0], np.int32)
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, UNITS])
        # [cells]
        cell = rnn_cell.MultiRNNCell([rnn_cell.ResidualWrapper(rnn_cell.GRUCell(UNITS)),
                                      rnn_cell.ResidualWrapper(rnn_cell.LSTMCell(UNITS))])
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(cell, inputs, sequence_length=lengths, dtype=dtype)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            outputs, final_state = sess.run([outputs, final_state], {inputs: x})
            variables = variable_dict(sess)
    return {"inputs": x, "sequence_length": lengths, "outputs": outputs,
            "final_state": final_state, "variables": variables}
