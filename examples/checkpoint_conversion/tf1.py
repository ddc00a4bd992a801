"""A trained TF1 model saved with tf.train.Saver: the checkpoint is all the Keras side gets."""
import os
import tempfile

import numpy as np

from tf1_reference._legacy import rnn_cell, tf, tf1

BATCH, TIME, INPUT, CLASSES = 8, 10, 5, 3


def run_tf1(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (BATCH, TIME, INPUT)).astype(np.float32)
    y = rng.integers(0, CLASSES, (BATCH, TIME))
    with tf.Graph().as_default():
        tf1.set_random_seed(seed)
        inputs = tf1.placeholder(tf.float32, [None, TIME, INPUT])
        labels = tf1.placeholder(tf.int32, [None, TIME])
        # [cells]
        with tf1.variable_scope("tagger"):
            cell = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(8, forget_bias=0.5), rnn_cell.GRUCell(6)])
            # [forward]
            outputs, final_state = tf1.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
            logits = tf1.layers.dense(outputs, CLASSES, name="logits")
        loss = tf1.losses.sparse_softmax_cross_entropy(labels, logits)
        train_op = tf1.train.AdamOptimizer(0.05).minimize(loss)  # Adam slots land in the checkpoint too
        # [train] a few steps, then save as every TF1 script did
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            for _ in range(20):
                sess.run(train_op, {inputs: x, labels: y})
            checkpoint = tf1.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "model.ckpt"))
            # [compare]
            probabilities, final_state = sess.run([tf.nn.softmax(logits), final_state], {inputs: x})
    return {"inputs": x, "checkpoint": checkpoint, "outputs": probabilities, "final_state": final_state}
