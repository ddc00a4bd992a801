"""bidirectional_dynamic_rnn over a GRU + LSTM stack per direction, with lengths and initial states."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import LSTMStateTuple, rnn_cell, tf, tf1

BATCH, TIME, INPUT = 4, 6, 5


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(dtype)
    lengths = np.array([6, 5, 2, 1], np.int32)
    s = lambda units: rng.uniform(-1, 1, (BATCH, units)).astype(dtype)  # noqa: E731
    # [state] per direction: (GRU h, LSTMStateTuple(c, h))
    state_fw, state_bw = (s(6), LSTMStateTuple(s(4), s(4))), (s(6), LSTMStateTuple(s(4), s(4)))
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, INPUT])
        # [cells] the backward stack reads each row reversed within its length
        cell_fw = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(6), rnn_cell.LSTMCell(4)])
        cell_bw = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(6), rnn_cell.LSTMCell(4)])
        # [forward]
        (outputs_fw, outputs_bw), final_state = tf1.nn.bidirectional_dynamic_rnn(
            cell_fw, cell_bw, inputs, sequence_length=lengths,
            initial_state_fw=tf.nest.map_structure(tf.constant, state_fw),
            initial_state_bw=tf.nest.map_structure(tf.constant, state_bw))
        outputs = tf.concat([outputs_fw, outputs_bw], 2)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            outputs, final_state = sess.run([outputs, final_state], {inputs: x})
            variables = variable_dict(sess)
    return {"inputs": x, "sequence_length": lengths, "initial_state": (state_fw, state_bw),
            "outputs": outputs, "final_state": final_state, "variables": variables}
