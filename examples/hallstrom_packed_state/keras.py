"""The echo model in Keras 3, keeping the packed [num_layers, 2 (c, h), batch, units] state."""
import keras
import numpy as np

from tf2_port import convert

num_layers, state_size, num_classes = 3, 4, 2
truncated_backprop_length = 15


def run_keras(tf1_run):
    x, w = tf1_run["inputs"], tf1_run["variables"]
    # [state] packed[layer, 0] is c and packed[layer, 1] is h; a Keras LSTM wants [h, c]
    def unpack(packed):
        return [[packed[layer, 1], packed[layer, 0]] for layer in range(num_layers)]

    def pack(states):
        return np.stack([np.stack([c, h]) for h, c in states])
    # [cells] MultiRNNCell of LSTMCells = stacked LSTM layers (fused kernels; cuDNN on a GPU)
    lstms = [keras.layers.LSTM(state_size, return_sequences=True, return_state=True)
             for _ in range(num_layers)]
    head = keras.layers.Dense(num_classes, activation="softmax")
    # [weights] TF1 gates (i, j, f, o) -> Keras (i, f, c, o); forget_bias 1.0 folded into the bias
    width = 1
    for layer, lstm in enumerate(lstms):
        lstm.build((None, None, width))
        prefix = f"rnn/multi_rnn_cell/cell_{layer}/lstm_cell"
        lstm.set_weights(convert.lstm_to_keras(w[f"{prefix}/kernel"], w[f"{prefix}/bias"],
                                               input_size=width, forget_bias=1.0))
        width = state_size
    head.build((None, state_size))
    head.set_weights([w["Variable"], w["Variable_1"][0]])  # W2 [state, classes], b2 [1, classes]

    # [forward] static_rnn over split inputs = one RNN call over [batch, time, 1]
    def run_batch(batch_x, packed_state):
        sequence, final_states = batch_x[:, :, None], []
        for lstm, initial_state in zip(lstms, unpack(packed_state)):
            sequence, h, c = lstm(sequence, initial_state=initial_state)
            final_states.append([h, c])
        return np.asarray(head(sequence)), pack(final_states)
    # [batches] the same loop: the packed final state goes back in
    current_state = np.zeros((num_layers, 2, x.shape[0], state_size), np.float32)
    predictions, final_states = [], []
    for batch_idx in range(2):
        start_idx = batch_idx * truncated_backprop_length
        batch_predictions, current_state = run_batch(
            x[:, start_idx:start_idx + truncated_backprop_length], current_state)
        predictions.append(batch_predictions)
        final_states.append(current_state)
    return {"outputs": predictions, "final_state": final_states}
