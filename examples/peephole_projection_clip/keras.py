"""Keras 3's LSTMCell has no peepholes, clips or projection: tf2_port's TF1LSTMCell fills the gap."""
import keras
import numpy as np

from tf2_port import convert
from tf2_port.cells import TF1LSTMCell

UNITS, PROJ = 8, 4


def run_keras(tf1_run):
    x, w = tf1_run["inputs"], tf1_run["variables"]
    dtype, n_in = x.dtype.name, x.shape[-1]
    # [state] TF1 (c [UNITS], h [PROJ]) -> Keras [h, c]
    c0, h0 = tf1_run["initial_state"]
    # [cells] a Keras 3 cell (keras.ops only), driven by the stock RNN layer
    cell = TF1LSTMCell(UNITS, use_peepholes=True, cell_clip=0.8, num_proj=PROJ, proj_clip=0.3, dtype=dtype)
    rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True, dtype=dtype)
    rnn.build((None, None, n_in))
    # peepholes and projection are copied as they are; kernel, gates and forget_bias as for LSTMCell
    cell.set_weights(convert.lstm_peephole_projection_to_keras(
        w["rnn/lstm_cell/kernel"], w["rnn/lstm_cell/bias"], n_in, forget_bias=0.7,
        w_i_diag=w["rnn/lstm_cell/w_i_diag"], w_f_diag=w["rnn/lstm_cell/w_f_diag"],
        w_o_diag=w["rnn/lstm_cell/w_o_diag"], projection_kernel=w["rnn/lstm_cell/projection/kernel"]))
    # [forward]
    outputs, h, c = rnn(x, initial_state=[h0, c0])
    return {"outputs": np.asarray(outputs), "final_state": (np.asarray(c), np.asarray(h))}
