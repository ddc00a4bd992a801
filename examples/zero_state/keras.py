"""No zero_state call: Keras RNN layers start from zeros when no initial_state is given."""
import keras
import numpy as np

from tf2_port import convert


def run_keras(tf1_run):
    x, w = tf1_run["inputs"], tf1_run["variables"]
    dtype, n_in = x.dtype.name, x.shape[-1]
    # [cells] stacked layers, each returning its state
    options = dict(return_sequences=True, return_state=True, dtype=dtype)
    lstm, gru = keras.layers.LSTM(6, **options), keras.layers.GRU(4, reset_after=False, **options)
    lstm.build((None, None, n_in))
    gru.build((None, None, 6))
    lstm_prefix, gru_prefix = "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/", "rnn/multi_rnn_cell/cell_1/gru_cell/"
    lstm.set_weights(convert.lstm_to_keras(w[lstm_prefix + "kernel"], w[lstm_prefix + "bias"], n_in, forget_bias=1.0))
    gru.set_weights(convert.gru_to_keras(*(w[gru_prefix + name] for name in (
        "gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")), input_size=6))
    # [state] None means zeros; or explicitly: [keras.ops.zeros((batch, 6))] * 2 for [h, c]
    lstm_state, gru_state = None, None
    # [batches] carry [h, c] and [h] from one batch to the next
    all_outputs, all_states = [], []
    for batch in x:
        sequence, h, c = lstm(batch, initial_state=lstm_state)
        outputs, g = gru(sequence, initial_state=gru_state)
        lstm_state, gru_state = [h, c], [g]
        all_outputs.append(np.asarray(outputs))
        all_states.append(((np.asarray(c), np.asarray(h)), np.asarray(g)))  # TF1 structure
    return {"outputs": all_outputs, "final_state": all_states}
