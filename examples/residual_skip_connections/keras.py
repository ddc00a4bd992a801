"""Stock Keras: LSTM layers with Add skip connections (exact without masks; see residual_wrapper)."""
import keras
import numpy as np

from tf2_port import convert

UNITS, LAYERS = 8, 4


def run_keras(tf1_run):
    x, w = tf1_run["inputs"], tf1_run["variables"]
    dtype = x.dtype.name
    # [cells]
    lstms = [keras.layers.LSTM(UNITS, return_sequences=True, return_state=True, dtype=dtype)
             for _ in range(LAYERS)]
    width = x.shape[-1]
    for index, lstm in enumerate(lstms):
        lstm.build((None, None, width))
        prefix = f"rnn/multi_rnn_cell/cell_{index}/lstm_cell/"  # the wrapper adds no scope
        lstm.set_weights(convert.lstm_to_keras(w[prefix + "kernel"], w[prefix + "bias"], width, forget_bias=1.0))
        width = UNITS
    # [forward] ResidualWrapper = Add()([input, layer output]); the state is the layer's own
    sequence, final_state = x, []
    for index, lstm in enumerate(lstms):
        outputs, h, c = lstm(sequence)
        sequence = outputs if index == 0 else keras.layers.Add(dtype=dtype)([sequence, outputs])
        final_state.append((np.asarray(c), np.asarray(h)))
    return {"outputs": np.asarray(sequence), "final_state": tuple(final_state)}
