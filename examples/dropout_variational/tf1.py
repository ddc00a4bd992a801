"""DropoutWrapper(variational_recurrent=True): one mask per session.run, shared by rows and steps."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1

BATCH, TIME, INPUT, UNITS = 16, 12, 8, 64


def run_tf1(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(np.float32)
    with tf.Graph().as_default():
        tf1.set_random_seed(seed)
        inputs = tf1.placeholder(tf.float32, [BATCH, TIME, INPUT])
        keep_prob = tf1.placeholder_with_default(1.0, [])
        # [cells] variational masks need the input size and dtype up front
        cells = [
            rnn_cell.DropoutWrapper(rnn_cell.LSTMCell(UNITS), input_keep_prob=keep_prob,
                                    output_keep_prob=keep_prob, variational_recurrent=True,
                                    input_size=INPUT, dtype=tf.float32),
            rnn_cell.DropoutWrapper(rnn_cell.LSTMCell(UNITS), output_keep_prob=keep_prob,
                                    variational_recurrent=True, input_size=UNITS, dtype=tf.float32),
        ]
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(rnn_cell.MultiRNNCell(cells), inputs, dtype=tf.float32)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed, scale=0.2)  # 64-unit layers: keep activations unit-scale
            # [run]
            evaluation = sess.run([outputs, final_state], {inputs: x})
            training = sess.run([outputs, final_state], {inputs: x, keep_prob: 0.5})
            variables = variable_dict(sess)
    return {"inputs": x, "outputs": evaluation[0], "final_state": evaluation[1],
            "train_outputs": training[0], "train_final_state": training[1], "variables": variables}
