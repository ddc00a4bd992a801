"""Seed 002's bidirectional stack: each layer reads the previous layer's concatenated fw/bw outputs."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1

BATCH, TIME, INPUT, UNITS, LAYERS = 4, 8, 5, 6, 2


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(dtype)
    lengths = np.array([8, 6, 3, 1], np.int32)
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, INPUT])
        # [layers]
        layer_input, final_states = inputs, []
        for layer in range(LAYERS):
            with tf1.variable_scope(f"layer_{layer}"):
                # [cells]
                cell_fw, cell_bw = rnn_cell.LSTMCell(UNITS), rnn_cell.LSTMCell(UNITS)
                # [forward]
                (output_fw, output_bw), state = tf1.nn.bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, layer_input, sequence_length=lengths, dtype=dtype)
            layer_input = tf.concat([output_fw, output_bw], axis=2)
            final_states.append(state)  # (LSTMStateTuple fw, LSTMStateTuple bw)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            outputs, final_state = sess.run([layer_input, final_states], {inputs: x})
            variables = variable_dict(sess)
    return {"inputs": x, "sequence_length": lengths, "outputs": outputs,
            "final_state": final_state, "variables": variables}
