"""Keras 3 has no time_major: transpose in, run batch-major, transpose out."""
import keras
import numpy as np

from tf2_port import convert


def run_keras(tf1_run):
    x, w = tf1_run["inputs"], tf1_run["variables"]
    dtype, n_in = x.dtype.name, x.shape[-1]
    # [cells] MultiRNNCell = RNN(StackedRNNCells); the GRU needs reset_after=False
    gru_cell = keras.layers.GRUCell(6, reset_after=False, dtype=dtype)
    lstm_cell = keras.layers.LSTMCell(4, dtype=dtype)
    rnn = keras.layers.RNN(keras.layers.StackedRNNCells([gru_cell, lstm_cell], dtype=dtype),
                           return_sequences=True, return_state=True, dtype=dtype)
    rnn.build((None, None, n_in))
    gru = "rnn/multi_rnn_cell/cell_0/gru_cell/"
    gru_cell.set_weights(convert.gru_to_keras(w[gru + "gates/kernel"], w[gru + "gates/bias"],
                                              w[gru + "candidate/kernel"], w[gru + "candidate/bias"], n_in))
    lstm = "rnn/multi_rnn_cell/cell_1/lstm_cell/"
    lstm_cell.set_weights(convert.lstm_to_keras(w[lstm + "kernel"], w[lstm + "bias"], 6, forget_bias=1.0))
    # [forward] [time, batch, depth] -> [batch, time, depth] and back
    outputs, [g], [h, c] = rnn(np.transpose(x, (1, 0, 2)))
    outputs = np.transpose(np.asarray(outputs), (1, 0, 2))
    return {"outputs": outputs, "final_state": (np.asarray(g), (np.asarray(c), np.asarray(h)))}
