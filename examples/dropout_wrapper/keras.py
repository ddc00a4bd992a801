"""Keras' dropout=/recurrent_dropout= mean something else; tf2_port's DropoutWrapperCell is TF1's."""
import keras
import numpy as np

from tf2_port import convert
from tf2_port.cells import DropoutWrapperCell

UNITS = 16


def run_keras(tf1_run):
    x, w = tf1_run["inputs"], tf1_run["variables"]
    n_in = x.shape[-1]
    # [cells] active only when training=True; the identity otherwise (keep 1.0 in TF1)
    lstm_cell, gru_cell = keras.layers.LSTMCell(UNITS), keras.layers.GRUCell(UNITS, reset_after=False)
    rnn = keras.layers.RNN(keras.layers.StackedRNNCells([
        DropoutWrapperCell(lstm_cell, input_keep_prob=0.5, output_keep_prob=0.5, state_keep_prob=0.5),
        DropoutWrapperCell(gru_cell, output_keep_prob=0.5),
    ]), return_sequences=True, return_state=True)
    rnn.build((None, None, n_in))
    lstm, gru = "rnn/multi_rnn_cell/cell_0/lstm_cell/", "rnn/multi_rnn_cell/cell_1/gru_cell/"
    lstm_cell.set_weights(convert.lstm_to_keras(w[lstm + "kernel"], w[lstm + "bias"], n_in, forget_bias=1.0))
    gru_cell.set_weights(convert.gru_to_keras(w[gru + "gates/kernel"], w[gru + "gates/bias"],
                                              w[gru + "candidate/kernel"], w[gru + "candidate/bias"], UNITS))
    # [forward]
    def run(training):
        outputs, [h, c], [g] = rnn(x, training=training)
        return np.asarray(outputs), ((np.asarray(c), np.asarray(h)), np.asarray(g))
    # [run] same graph for both modes: Keras' training flag replaces the fed keep probability
    outputs, final_state = run(training=False)
    train_outputs, train_final_state = run(training=True)
    return {"outputs": outputs, "final_state": final_state,
            "train_outputs": train_outputs, "train_final_state": train_final_state}
