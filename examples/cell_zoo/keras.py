"""The same four cells as native Keras 3 layers, loaded from the TF1 variables."""
import keras
import numpy as np

from tf2_port import convert

UNITS = 8


def run_keras(tf1_run):
    x, w, s0 = tf1_run["inputs"], tf1_run["variables"], tf1_run["initial_state"]
    dtype, n_in = x.dtype.name, x.shape[-1]
    options = dict(return_sequences=True, return_state=True, dtype=dtype)
    # [cells]
    layers = {
        "basic_rnn": keras.layers.SimpleRNN(UNITS, **options),
        "gru": keras.layers.GRU(UNITS, reset_after=False, **options),  # Keras' default True is not TF1's GRU
        "basic_lstm": keras.layers.LSTM(UNITS, **options),
        "lstm": keras.layers.LSTM(UNITS, **options),
    }
    for layer in layers.values():
        layer.build(x.shape)
    # [weights] split concat([x, h]) kernels; reorder gates; fold forget_bias into the bias
    layers["basic_rnn"].set_weights(convert.basic_rnn_to_keras(
        w["basic_rnn/basic_rnn_cell/kernel"], w["basic_rnn/basic_rnn_cell/bias"], n_in))
    layers["gru"].set_weights(convert.gru_to_keras(  # TF1 gates (r, u) -> Keras (z, r, h)
        w["gru/gru_cell/gates/kernel"], w["gru/gru_cell/gates/bias"],
        w["gru/gru_cell/candidate/kernel"], w["gru/gru_cell/candidate/bias"], n_in))
    layers["basic_lstm"].set_weights(convert.lstm_to_keras(  # (i, j, f, o) -> (i, f, c, o)
        w["basic_lstm/basic_lstm_cell/kernel"], w["basic_lstm/basic_lstm_cell/bias"], n_in, forget_bias=1.0))
    layers["lstm"].set_weights(convert.lstm_to_keras(
        w["lstm/lstm_cell/kernel"], w["lstm/lstm_cell/bias"], n_in, forget_bias=0.5))
    # [run] Keras LSTM state is [h, c]; TF1's LSTMStateTuple is (c, h)
    outputs, final_state = {}, {}
    for name in ("basic_rnn", "gru"):
        outputs[name], h = layers[name](x, initial_state=[s0[name]])
        final_state[name] = np.asarray(h)
    for name in ("basic_lstm", "lstm"):
        c0, h0 = s0[name]
        outputs[name], h, c = layers[name](x, initial_state=[h0, c0])
        final_state[name] = (np.asarray(c), np.asarray(h))
    return {"outputs": {k: np.asarray(v) for k, v in outputs.items()}, "final_state": final_state}
