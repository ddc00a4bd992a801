"""sequence_length -> a boolean mask, and zero_output_for_mask=True for TF1's zero outputs."""
import keras
import numpy as np

from tf2_port import convert


def run_keras(tf1_run):
    x, w, lengths = tf1_run["inputs"], tf1_run["variables"], tf1_run["sequence_length"]
    dtype, n_in = x.dtype.name, x.shape[-1]
    # [state] TF1 (LSTMStateTuple(c, h), h) -> Keras [h, c] and [h]
    (c0, h0), g0 = tf1_run["initial_state"]
    # [cells] without zero_output_for_mask, padded steps would repeat the last valid output
    options = dict(return_sequences=True, return_state=True, zero_output_for_mask=True, dtype=dtype)
    lstm, gru = keras.layers.LSTM(8, **options), keras.layers.GRU(4, reset_after=False, **options)
    lstm.build((None, None, n_in))
    gru.build((None, None, 8))
    prefix = "rnn/multi_rnn_cell/cell_{}/{}"
    lstm.set_weights(convert.lstm_to_keras(w[prefix.format(0, "lstm_cell/kernel")],
                                           w[prefix.format(0, "lstm_cell/bias")], n_in, forget_bias=1.0))
    gru.set_weights(convert.gru_to_keras(*(w[prefix.format(1, "gru_cell/" + name)] for name in (
        "gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")), input_size=8))
    # [forward] mask[b, t] = t < sequence_length[b]; a length-0 row keeps its initial state
    mask = np.arange(x.shape[1])[None, :] < lengths[:, None]
    sequence, h, c = lstm(x, initial_state=[h0, c0], mask=mask)
    outputs, g = gru(sequence, initial_state=[g0], mask=mask)
    return {"outputs": np.asarray(outputs), "final_state": ((np.asarray(c), np.asarray(h)), np.asarray(g))}
