"""Keras states are always lists: slice the flat TF1 state into [h, c] per layer, concat it back."""
import keras
import numpy as np

from tf2_port import convert

UNITS = (6, 4)


def run_keras(tf1_run):
    x, w, flat = tf1_run["inputs"], tf1_run["variables"], tf1_run["initial_state"]
    dtype = x.dtype.name
    # [state] TF1 layer state = concat([c, h]); layers follow each other in the flat tensor
    initial_states, start = [], 0
    for units in UNITS:
        c, h = flat[:, start:start + units], flat[:, start + units:start + 2 * units]
        initial_states.append([h, c])  # Keras order
        start += 2 * units
    # [cells]
    lstms = [keras.layers.LSTM(units, return_sequences=True, return_state=True, dtype=dtype)
             for units in UNITS]
    width = x.shape[-1]
    for index, (lstm, units) in enumerate(zip(lstms, UNITS)):
        lstm.build((None, None, width))
        prefix = f"rnn/multi_rnn_cell/cell_{index}/lstm_cell/"
        lstm.set_weights(convert.lstm_to_keras(w[prefix + "kernel"], w[prefix + "bias"], width, forget_bias=1.0))
        width = units
    # [forward]
    sequence, final_parts = x, []
    for lstm, initial_state in zip(lstms, initial_states):
        sequence, h, c = lstm(sequence, initial_state=initial_state)
        final_parts += [c, h]  # back to TF1's concat([c, h]) per layer
    return {"outputs": np.asarray(sequence), "final_state": np.concatenate(final_parts, axis=-1)}
