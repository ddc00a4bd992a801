"""DropoutWrapper with input, output and state keep probabilities, fed 0.5 to train and 1.0 to evaluate."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1

BATCH, TIME, INPUT, UNITS = 16, 20, 8, 16


def run_tf1(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(np.float32)
    with tf.Graph().as_default():
        tf1.set_random_seed(seed)
        inputs = tf1.placeholder(tf.float32, [BATCH, TIME, INPUT])
        keep_prob = tf1.placeholder(tf.float32, [])  # no training flag in TF1: a fed probability
        # [cells] state_keep_prob drops h after every step (never c); output_keep_prob the output only
        cell = rnn_cell.MultiRNNCell([
            rnn_cell.DropoutWrapper(rnn_cell.LSTMCell(UNITS), input_keep_prob=keep_prob,
                                    output_keep_prob=keep_prob, state_keep_prob=keep_prob),
            rnn_cell.DropoutWrapper(rnn_cell.GRUCell(UNITS), output_keep_prob=keep_prob),
        ])
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            # [run] evaluation: keep 1.0, deterministic; training: keep 0.5, fresh masks per run
            evaluation = sess.run([outputs, final_state], {inputs: x, keep_prob: 1.0})
            training = sess.run([outputs, final_state], {inputs: x, keep_prob: 0.5})
            variables = variable_dict(sess)
    return {"inputs": x, "outputs": evaluation[0], "final_state": evaluation[1],
            "train_outputs": training[0], "train_final_state": training[1], "variables": variables}
