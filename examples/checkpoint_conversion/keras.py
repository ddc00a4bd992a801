"""Read the TF1 checkpoint by name (no graph, no tf_keras) and convert each cell explicitly."""
import keras
import numpy as np
import tensorflow as tf

from tf2_port import convert

INPUT, CLASSES = 5, 3


def run_keras(tf1_run):
    x = tf1_run["inputs"]
    # [cells]
    lstm = keras.layers.LSTM(8, return_sequences=True, return_state=True)
    gru = keras.layers.GRU(6, reset_after=False, return_sequences=True, return_state=True)
    dense = keras.layers.Dense(CLASSES, activation="softmax")
    lstm.build((None, None, INPUT))
    gru.build((None, None, 8))
    dense.build((None, None, 6))
    # [checkpoint] name -> array; */Adam, */Adam_1, beta1_power, beta2_power are optimizer state
    reader = tf.train.load_checkpoint(tf1_run["checkpoint"])
    shapes = reader.get_variable_to_shape_map()
    w = {name: reader.get_tensor(name) for name in shapes if "Adam" not in name and "_power" not in name}
    # [weights] forget_bias is not in the checkpoint: it comes from the old code (0.5 here)
    cell = "tagger/rnn/multi_rnn_cell/cell_{}/"
    lstm.set_weights(convert.lstm_to_keras(w[cell.format(0) + "lstm_cell/kernel"],
                                           w[cell.format(0) + "lstm_cell/bias"], INPUT, forget_bias=0.5))
    gru.set_weights(convert.gru_to_keras(*(w[cell.format(1) + "gru_cell/" + name] for name in (
        "gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias")), input_size=8))
    dense.set_weights([w["tagger/logits/kernel"], w["tagger/logits/bias"]])
    # [forward]
    sequence, h, c = lstm(x)
    sequence, g = gru(sequence)
    return {"outputs": np.asarray(dense(sequence)),
            "final_state": ((np.asarray(c), np.asarray(h)), np.asarray(g))}
