"""The char LM in Keras 3: two stacked LSTM layers (d2l's StackedRNNCells, on the fused path)."""
import keras
import numpy as np

from tf2_port import convert

num_hiddens, num_layers, vocab_size = 256, 2, 28


def run_keras(tf1_run):
    X, w = tf1_run["inputs"], tf1_run["variables"]
    # [cells]
    lstms = [keras.layers.LSTM(num_hiddens, return_sequences=True, return_state=True)
             for _ in range(num_layers)]
    dense = keras.layers.Dense(vocab_size)
    width = vocab_size
    for index, lstm in enumerate(lstms):
        lstm.build((None, None, width))
        prefix = f"rnn/multi_rnn_cell/cell_{index}/lstm_cell/"
        lstm.set_weights(convert.lstm_to_keras(w[prefix + "kernel"], w[prefix + "bias"], width, forget_bias=1.0))
        width = num_hiddens
    dense.build((None, None, num_hiddens))
    dense.set_weights([w["dense/kernel"], w["dense/bias"]])
    # [state] None = zeros for the first minibatch; then [h, c] per layer
    states = [None] * num_layers
    # [forward]
    def forward(batch, states):
        sequence, final = keras.ops.one_hot(batch, vocab_size), []
        for lstm, state in zip(lstms, states):
            sequence, h, c = lstm(sequence, initial_state=state)
            final.append([h, c])
        return dense(sequence), final
    # [batches]
    all_logits, all_states = [], []
    for batch in X:
        logits, states = forward(batch, states)
        all_logits.append(np.asarray(logits))
        all_states.append(tuple((np.asarray(c), np.asarray(h)) for h, c in states))  # TF1's (c, h)
    return {"outputs": all_logits, "final_state": all_states}
