"""Deep LSTM that learns to echo a random binary series a few steps late.

The whole network state (every layer's c and h) lives in ONE placeholder of shape
[num_layers, 2, batch_size, state_size], so it can be fetched as a numpy array and fed
straight back for the next truncated-backprop window.

Written for TensorFlow 0.12 (late 2016): tf.nn.rnn, tf.unpack, tf.split(dim, n, x),
initialize_all_variables, positional (logits, labels) in the loss.
"""
from __future__ import print_function, division

import os

import numpy as np
import tensorflow as tf

num_epochs = 50
total_series_length = 50000
truncated_backprop_length = 15
state_size = 4
num_classes = 2
echo_step = 3
batch_size = 5
num_layers = 3
learning_rate = 0.3

if os.environ.get("TF1M_SMOKE"):  # tiny run for the tf1-migrate test corpus
    num_epochs = 1
    state_size = 16
    learning_rate = 1.0
    total_series_length = batch_size * truncated_backprop_length * 300

num_batches = total_series_length // batch_size // truncated_backprop_length


def make_series():
    """Random bits, and the same bits delayed by echo_step (zeros shifted in)."""
    bits = np.random.randint(0, 2, size=total_series_length)
    delayed = np.zeros_like(bits)
    delayed[echo_step:] = bits[:-echo_step]
    return bits.reshape((batch_size, -1)), delayed.reshape((batch_size, -1))


batchX_placeholder = tf.placeholder(tf.float32, [batch_size, truncated_backprop_length])
batchY_placeholder = tf.placeholder(tf.int32, [batch_size, truncated_backprop_length])

# c and h of every layer in one tensor: [layer][c|h][batch][unit]
init_state = tf.placeholder(tf.float32, [num_layers, 2, batch_size, state_size])

layer_states = tf.unpack(init_state, axis=0)
rnn_tuple_state = tuple(
    [tf.nn.rnn_cell.LSTMStateTuple(layer_states[idx][0], layer_states[idx][1])
     for idx in range(num_layers)]
)

W2 = tf.Variable(np.random.rand(state_size, num_classes), dtype=tf.float32)
b2 = tf.Variable(np.zeros((1, num_classes)), dtype=tf.float32)

# one [batch, 1] tensor per time step
inputs_series = tf.split(1, truncated_backprop_length, batchX_placeholder)
labels_series = tf.unpack(batchY_placeholder, axis=1)

cell = tf.nn.rnn_cell.BasicLSTMCell(state_size, state_is_tuple=True)
cell = tf.nn.rnn_cell.MultiRNNCell([cell] * num_layers, state_is_tuple=True)
states_series, current_state = tf.nn.rnn(cell, inputs_series, initial_state=rnn_tuple_state)

logits_series = [tf.matmul(state, W2) + b2 for state in states_series]
predictions_series = [tf.nn.softmax(logits) for logits in logits_series]

losses = [tf.nn.sparse_softmax_cross_entropy_with_logits(logits, labels)
          for logits, labels in zip(logits_series, labels_series)]
total_loss = tf.reduce_mean(losses)

train_step = tf.train.AdagradOptimizer(learning_rate).minimize(total_loss)

with tf.Session() as sess:
    sess.run(tf.initialize_all_variables())

    for epoch_idx in range(num_epochs):
        x, y = make_series()
        _current_state = np.zeros((num_layers, 2, batch_size, state_size))

        print("New data, epoch", epoch_idx)

        for batch_idx in range(num_batches):
            start_idx = batch_idx * truncated_backprop_length
            end_idx = start_idx + truncated_backprop_length

            batchX = x[:, start_idx:end_idx]
            batchY = y[:, start_idx:end_idx]

            _total_loss, _train_step, _current_state, _predictions_series = sess.run(
                [total_loss, train_step, current_state, predictions_series],
                feed_dict={
                    batchX_placeholder: batchX,
                    batchY_placeholder: batchY,
                    init_state: _current_state,
                })

            print("loss: %f" % _total_loss)
            if batch_idx % 100 == 0:
                print("Step", batch_idx, "Batch loss", _total_loss)
