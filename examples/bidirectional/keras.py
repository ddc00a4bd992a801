"""Bidirectional(RNN(StackedRNNCells)) with merge_mode="concat"; initial state [fw..., bw...]."""
import keras
import numpy as np

from tf2_port import convert


def run_keras(tf1_run):
    x, w, lengths = tf1_run["inputs"], tf1_run["variables"], tf1_run["sequence_length"]
    dtype, n_in = x.dtype.name, x.shape[-1]
    # [state] TF1 ((g, (c, h)) fw, (g, (c, h)) bw) -> Keras [[g], [h, c]] fw + the same bw
    (g_fw, (c_fw, h_fw)), (g_bw, (c_bw, h_bw)) = tf1_run["initial_state"]
    initial_state = [[g_fw], [h_fw, c_fw], [g_bw], [h_bw, c_bw]]
    # [cells]
    stack = keras.layers.StackedRNNCells([keras.layers.GRUCell(6, reset_after=False, dtype=dtype),
                                          keras.layers.LSTMCell(4, dtype=dtype)], dtype=dtype)
    bidirectional = keras.layers.Bidirectional(keras.layers.RNN(
        stack, return_sequences=True, return_state=True, zero_output_for_mask=True, dtype=dtype),
        merge_mode="concat", dtype=dtype)
    bidirectional.build((None, None, n_in))
    for direction, layer in (("fw", bidirectional.forward_layer), ("bw", bidirectional.backward_layer)):
        gru_cell, lstm_cell = layer.cell.cells
        gru = f"bidirectional_rnn/{direction}/multi_rnn_cell/cell_0/gru_cell/"
        lstm = f"bidirectional_rnn/{direction}/multi_rnn_cell/cell_1/lstm_cell/"
        gru_cell.set_weights(convert.gru_to_keras(w[gru + "gates/kernel"], w[gru + "gates/bias"],
                                                  w[gru + "candidate/kernel"], w[gru + "candidate/bias"], n_in))
        lstm_cell.set_weights(convert.lstm_to_keras(w[lstm + "kernel"], w[lstm + "bias"], 6, forget_bias=1.0))
    # [forward] go_backwards with a mask reads each row backwards within its length
    mask = np.arange(x.shape[1])[None, :] < lengths[:, None]
    outputs, [g_fw], [h_fw, c_fw], [g_bw], [h_bw, c_bw] = bidirectional(
        x, initial_state=initial_state, mask=mask)
    a = np.asarray
    return {"outputs": a(outputs),
            "final_state": ((a(g_fw), (a(c_fw), a(h_fw))), (a(g_bw), (a(c_bw), a(h_bw))))}
