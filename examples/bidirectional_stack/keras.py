"""Stacked Bidirectional(LSTM) layers: the Keras form seed 002 recommends, here from TF1 weights."""
import keras
import numpy as np

from tf2_port import convert

UNITS, LAYERS = 6, 2


def run_keras(tf1_run):
    x, w, lengths = tf1_run["inputs"], tf1_run["variables"], tf1_run["sequence_length"]
    dtype = x.dtype.name
    # [layers]
    width, layers = x.shape[-1], []
    for layer in range(LAYERS):
        # [cells] zero_output_for_mask: TF1 emits 0 past each row's length, in both directions
        bidirectional = keras.layers.Bidirectional(keras.layers.LSTM(
            UNITS, return_sequences=True, return_state=True, zero_output_for_mask=True, dtype=dtype),
            merge_mode="concat", dtype=dtype)
        bidirectional.build((None, None, width))
        for direction, lstm in (("fw", bidirectional.forward_layer), ("bw", bidirectional.backward_layer)):
            prefix = f"layer_{layer}/bidirectional_rnn/{direction}/lstm_cell/"
            lstm.set_weights(convert.lstm_to_keras(w[prefix + "kernel"], w[prefix + "bias"], width,
                                                   forget_bias=1.0))
        layers.append(bidirectional)
        width = 2 * UNITS
    # [forward]
    mask = np.arange(x.shape[1])[None, :] < lengths[:, None]
    sequence, final_state = x, []
    for bidirectional in layers:
        sequence, h_fw, c_fw, h_bw, c_bw = bidirectional(sequence, mask=mask)
        final_state.append(tuple((np.asarray(c), np.asarray(h)) for h, c in ((h_fw, c_fw), (h_bw, c_bw))))
    return {"outputs": np.asarray(sequence), "final_state": final_state}
