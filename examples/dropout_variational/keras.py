"""Input and output variational dropout are stock Dropout layers with noise_shape=(1, 1, width)."""
import keras
import numpy as np

from tf2_port import convert

UNITS = 64


def run_keras(tf1_run):
    x, w = tf1_run["inputs"], tf1_run["variables"]
    n_in = x.shape[-1]
    # [cells] one [1, 1, width] mask per call = TF1's one [1, width] mask per session.run
    input_dropout = keras.layers.Dropout(0.5, noise_shape=(1, 1, n_in))
    lstms = [keras.layers.LSTM(UNITS, return_sequences=True, return_state=True) for _ in range(2)]
    output_dropouts = [keras.layers.Dropout(0.5, noise_shape=(1, 1, UNITS)) for _ in range(2)]
    width = n_in
    for index, lstm in enumerate(lstms):
        lstm.build((None, None, width))
        prefix = f"rnn/multi_rnn_cell/cell_{index}/lstm_cell/"
        lstm.set_weights(convert.lstm_to_keras(w[prefix + "kernel"], w[prefix + "bias"], width, forget_bias=1.0))
        width = UNITS
    # [forward] (state dropout would need tf2_port's DropoutWrapperCell: it acts inside the loop)
    def run(training):
        sequence, final_state = input_dropout(x, training=training), []
        for lstm, output_dropout in zip(lstms, output_dropouts):
            sequence, h, c = lstm(sequence)
            sequence = output_dropout(sequence, training=training)
            final_state.append((np.asarray(c), np.asarray(h)))
        return np.asarray(sequence), tuple(final_state)
    # [run]
    outputs, final_state = run(training=False)
    train_outputs, train_final_state = run(training=True)
    return {"outputs": outputs, "final_state": final_state,
            "train_outputs": train_outputs, "train_final_state": train_final_state}
