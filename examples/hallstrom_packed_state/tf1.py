"""Erik Hallström's multi-layer LSTM echo model (seed 001): the whole state in one placeholder."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import LSTMStateTuple, rnn_cell, tf, tf1
from tf1_reference.echo_task import HallstromConfig, generate_data

num_layers, batch_size, state_size, num_classes = 3, 5, 4, 2
truncated_backprop_length = 15


def run_tf1(seed=0):
    rng = np.random.default_rng(seed)
    x, _ = generate_data(rng, HallstromConfig(total_series_length=150))  # [batch, 2 * 15] bits
    with tf.Graph().as_default():
        batchX_placeholder = tf1.placeholder(tf.float32, [batch_size, truncated_backprop_length])
        # [state] one tensor [num_layers, 2, batch, state_size]: index 0 is c, index 1 is h
        init_state = tf1.placeholder(tf.float32, [num_layers, 2, batch_size, state_size])
        state_per_layer_list = tf.unstack(init_state, axis=0)
        rnn_tuple_state = tuple(
            LSTMStateTuple(state_per_layer_list[idx][0], state_per_layer_list[idx][1])
            for idx in range(num_layers))
        # [cells] the article's [cell] * num_layers shared one cell: an error since TF 1.1
        W2 = tf1.Variable(np.random.rand(state_size, num_classes), dtype=tf.float32)
        b2 = tf1.Variable(np.zeros((1, num_classes)), dtype=tf.float32)
        cell = rnn_cell.MultiRNNCell([rnn_cell.LSTMCell(state_size) for _ in range(num_layers)])
        # [forward]
        inputs_series = tf.split(batchX_placeholder, truncated_backprop_length, axis=1)
        states_series, current_state = tf1.nn.static_rnn(cell, inputs_series, initial_state=rnn_tuple_state)
        logits_series = [tf.matmul(state, W2) + b2 for state in states_series]
        predictions_series = [tf.nn.softmax(logits) for logits in logits_series]
        # [batches] the article's loop: each batch's final state is fed back as the next initial state
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            _current_state = np.zeros((num_layers, 2, batch_size, state_size))
            initial_states, predictions, final_states = [], [], []
            for batch_idx in range(2):
                start_idx = batch_idx * truncated_backprop_length
                end_idx = start_idx + truncated_backprop_length
                initial_states.append(np.array(_current_state, dtype=np.float32))
                _predictions_series, _current_state = sess.run(
                    [predictions_series, current_state],
                    feed_dict={batchX_placeholder: x[:, start_idx:end_idx], init_state: _current_state})
                predictions.append(np.stack(_predictions_series, axis=1))  # [batch, time, classes]
                final_states.append(np.array(_current_state))  # NumPy packs the tuples: [L, 2, B, U]
            variables = variable_dict(sess)  # the unnamed W2, b2 are "Variable", "Variable_1"
    return {"inputs": x.astype(np.float32), "initial_state": initial_states[0], "outputs": predictions,
            "final_state": final_states, "variables": variables}
