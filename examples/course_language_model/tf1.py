"""The online course's LanguageModel (seeds 000, 004): LSTMCell + DropoutWrapper + MultiRNNCell."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1


class LanguageModel(object):
    def __init__(self, vocab_size, max_length, num_lstm_units, num_lstm_layers):
        self.vocab_size = vocab_size
        self.max_length = max_length
        self.num_lstm_units = num_lstm_units
        self.num_lstm_layers = num_lstm_layers

    # [cells] keep probability 0.5 when training, 1.0 otherwise, on each cell's output
    def make_lstm_cell(self, dropout_keep_prob):
        cell = rnn_cell.LSTMCell(self.num_lstm_units)
        return rnn_cell.DropoutWrapper(cell, output_keep_prob=dropout_keep_prob)

    def stacked_lstm_cells(self, is_training):
        dropout_keep_prob = 0.5 if is_training else 1.0
        cell_list = [self.make_lstm_cell(dropout_keep_prob) for _ in range(self.num_lstm_layers)]
        return rnn_cell.MultiRNNCell(cell_list)

    # [forward] padding id 0: the lengths come from tf.math.sign
    def run_lstm(self, input_sequences, is_training):
        cell = self.stacked_lstm_cells(is_training)
        embedding_matrix = tf1.get_variable("embedding_matrix", [self.vocab_size, self.num_lstm_units])
        input_embeddings = tf.nn.embedding_lookup(embedding_matrix, input_sequences)
        binary_sequences = tf.math.sign(input_sequences)
        sequence_lengths = tf.math.reduce_sum(binary_sequences, axis=1)
        lstm_outputs, _ = tf1.nn.dynamic_rnn(cell, input_embeddings, sequence_length=sequence_lengths,
                                             dtype=tf.float32)
        return lstm_outputs

    def calculate_logits(self, lstm_outputs):
        return tf1.layers.dense(lstm_outputs, self.vocab_size, name="dense")


def run_tf1(seed=0):
    # [data] 0-padded word ids; the last row is all padding
    rng = np.random.default_rng(seed)
    lengths = np.array([12, 9, 5, 1] * 15 + [12, 7, 3, 0])
    ids = rng.integers(1, 40, (len(lengths), 12)) * (np.arange(12)[None, :] < lengths[:, None])
    model = LanguageModel(vocab_size=40, max_length=12, num_lstm_units=16, num_lstm_layers=2)
    # [graphs] training and evaluation graphs share their variables
    with tf.Graph().as_default():
        tf1.set_random_seed(seed)
        input_sequences = tf1.placeholder(tf.int32, [None, 12])
        with tf1.variable_scope("lm", reuse=tf1.AUTO_REUSE):
            train_lstm_outputs = model.run_lstm(input_sequences, is_training=True)
            eval_logits = model.calculate_logits(model.run_lstm(input_sequences, is_training=False))
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed)
            logits, train_outputs = sess.run([eval_logits, train_lstm_outputs], {input_sequences: ids})
            variables = variable_dict(sess)
    return {"inputs": ids, "outputs": logits, "train_lstm_outputs": train_outputs, "variables": variables}
