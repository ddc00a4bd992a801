"""The GRU char LM in Keras 3: GRU(reset_after=False), the form TF1's GRUCell computes."""
import keras
import numpy as np

from tf2_port import convert

num_hiddens, num_layers, vocab_size = 256, 2, 28


def run_keras(tf1_run):
    X, w = tf1_run["inputs"], tf1_run["variables"]
    # [cells] Keras' default reset_after=True applies the reset gate after the matmul: not TF1's GRU
    grus = [keras.layers.GRU(num_hiddens, reset_after=False, return_sequences=True, return_state=True)
            for _ in range(num_layers)]
    dense = keras.layers.Dense(vocab_size)
    width = vocab_size
    for index, gru in enumerate(grus):
        gru.build((None, None, width))
        prefix = f"rnn/multi_rnn_cell/cell_{index}/gru_cell/"
        gru.set_weights(convert.gru_to_keras(  # TF1 gates (r, u) + candidate -> Keras (z, r, h)
            w[prefix + "gates/kernel"], w[prefix + "gates/bias"],
            w[prefix + "candidate/kernel"], w[prefix + "candidate/bias"], input_size=width))
        width = num_hiddens
    dense.build((None, None, num_hiddens))
    dense.set_weights([w["dense/kernel"], w["dense/bias"]])
    # [state] None = zeros for the first minibatch; then [h] per layer
    states = [None] * num_layers
    # [forward]
    def forward(batch, states):
        sequence, final = keras.ops.one_hot(batch, vocab_size), []
        for gru, state in zip(grus, states):
            sequence, h = gru(sequence, initial_state=state)
            final.append([h])
        return dense(sequence), final
    # [batches]
    all_logits, all_states = [], []
    for batch in X:
        logits, states = forward(batch, states)
        all_logits.append(np.asarray(logits))
        all_states.append(tuple(np.asarray(h) for [h] in states))
    return {"outputs": all_logits, "final_state": all_states}
