"""tf2_port's ResidualCell inside one masked RNN: Add after a masked layer would leak the input."""
import keras
import numpy as np

from tf2_port import convert
from tf2_port.cells import ResidualCell

UNITS = 5


def run_keras(tf1_run):
    x, w, lengths = tf1_run["inputs"], tf1_run["variables"], tf1_run["sequence_length"]
    dtype = x.dtype.name
    # [cells] the residual sum happens inside the step, so a masked step emits 0 like TF1
    gru_cell = keras.layers.GRUCell(UNITS, reset_after=False, dtype=dtype)
    lstm_cell = keras.layers.LSTMCell(UNITS, dtype=dtype)
    rnn = keras.layers.RNN(keras.layers.StackedRNNCells(
        [ResidualCell(gru_cell, dtype=dtype), ResidualCell(lstm_cell, dtype=dtype)], dtype=dtype),
        return_sequences=True, return_state=True, zero_output_for_mask=True, dtype=dtype)
    rnn.build((None, None, UNITS))
    gru, lstm = "rnn/multi_rnn_cell/cell_0/gru_cell/", "rnn/multi_rnn_cell/cell_1/lstm_cell/"
    gru_cell.set_weights(convert.gru_to_keras(w[gru + "gates/kernel"], w[gru + "gates/bias"],
                                              w[gru + "candidate/kernel"], w[gru + "candidate/bias"], UNITS))
    lstm_cell.set_weights(convert.lstm_to_keras(w[lstm + "kernel"], w[lstm + "bias"], UNITS, forget_bias=1.0))
    # [forward]
    mask = np.arange(x.shape[1])[None, :] < lengths[:, None]
    outputs, [g], [h, c] = rnn(x, mask=mask)
    return {"outputs": np.asarray(outputs), "final_state": (np.asarray(g), (np.asarray(c), np.asarray(h)))}
