"""The LanguageModel in Keras 3 with stock layers: one model, Keras' training flag for the dropout."""
import keras
import numpy as np

from tf2_port import convert


def run_keras(tf1_run):
    ids, w = tf1_run["inputs"], tf1_run["variables"]
    vocab_size, num_lstm_units, num_lstm_layers = 40, 16, 2
    # [cells] output_keep_prob 0.5 = Dropout(0.5) on each layer's output: fresh per step, row, unit
    embedding = keras.layers.Embedding(vocab_size, num_lstm_units, mask_zero=True)
    lstms = [keras.layers.LSTM(num_lstm_units, return_sequences=True, zero_output_for_mask=True)
             for _ in range(num_lstm_layers)]
    dropouts = [keras.layers.Dropout(0.5) for _ in range(num_lstm_layers)]
    dense = keras.layers.Dense(vocab_size)
    # [weights] lm/embedding_matrix, lm/rnn/multi_rnn_cell/cell_i/lstm_cell/*, lm/dense/*
    embedding.build((None, None))
    embedding.set_weights([w["lm/embedding_matrix"]])
    for index, lstm in enumerate(lstms):
        lstm.build((None, None, num_lstm_units))
        prefix = f"lm/rnn/multi_rnn_cell/cell_{index}/lstm_cell/"
        lstm.set_weights(convert.lstm_to_keras(w[prefix + "kernel"], w[prefix + "bias"],
                                               num_lstm_units, forget_bias=1.0))
    dense.build((None, None, num_lstm_units))
    dense.set_weights([w["lm/dense/kernel"], w["lm/dense/bias"]])

    # [forward] mask_zero=True: the mask from id 0 replaces sequence_length = sum(sign(ids))
    def run_lstm(input_sequences, training):
        sequence = embedding(input_sequences)
        for lstm, dropout in zip(lstms, dropouts):
            sequence = dropout(lstm(sequence), training=training)
        return sequence
    # [graphs] no second graph: the same layers with training=True / False
    logits = dense(run_lstm(ids, training=False))
    train_outputs = run_lstm(ids, training=True)
    return {"outputs": np.asarray(logits), "train_lstm_outputs": np.asarray(train_outputs)}
