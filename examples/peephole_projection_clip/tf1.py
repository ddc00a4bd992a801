"""LSTMCell with peepholes, cell clipping and a clipped projection (speech-model style)."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import LSTMStateTuple, rnn_cell, tf, tf1

BATCH, TIME, INPUT, UNITS, PROJ = 4, 8, 5, 8, 4


def run_tf1(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (BATCH, TIME, INPUT)).astype(dtype)
    # [state] c has UNITS columns, h has PROJ: the projected output is what is fed back
    initial_state = LSTMStateTuple(rng.uniform(-1, 1, (BATCH, UNITS)).astype(dtype),
                                   rng.uniform(-0.3, 0.3, (BATCH, PROJ)).astype(dtype))
    with tf.Graph().as_default():
        inputs = tf1.placeholder(dtype, [BATCH, TIME, INPUT])
        # [cells]
        cell = rnn_cell.LSTMCell(UNITS, use_peepholes=True, cell_clip=0.8, num_proj=PROJ,
                                 proj_clip=0.3, forget_bias=0.7)
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(
            cell, inputs, initial_state=tf.nest.map_structure(tf.constant, initial_state))
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            outputs, final_state = sess.run([outputs, final_state], {inputs: x})
            variables = variable_dict(sess)
    return {"inputs": x, "initial_state": initial_state, "outputs": outputs,
            "final_state": final_state, "variables": variables}
