# Character-level LSTM language model, TF 1.3 era: the whole script, as it was written.
import numpy as np
import tensorflow as tf
import keras
from tf2_port import keras_rnn

tf.compat.v1.disable_eager_execution()

text = ("the quick brown fox jumps over the lazy dog. " * 40 +
        "pack my box with five dozen liquor jugs. " * 40)
hidden_size, num_layers = 32, 2
batch_size, seq_length = 8, 20
learning_rate, num_steps = 0.01, 100

chars = sorted(set(text))
vocab_size = len(chars)
data = np.array([chars.index(ch) for ch in text])

# [graph]
input_data = tf.compat.v1.placeholder(tf.int32, [batch_size, seq_length])
targets = tf.compat.v1.placeholder(tf.int32, [batch_size, seq_length])
embedding = tf.compat.v1.get_variable("embedding", [vocab_size, hidden_size])
inputs = tf.compat.v1.nn.embedding_lookup(embedding, input_data)

# [cells]
cells = [keras.layers.LSTMCell(hidden_size) for _ in range(num_layers)]
cell = keras.layers.StackedRNNCells(cells)
# [state]
initial_state = keras_rnn.zero_state(cell, batch_size, tf.float32)
# [forward]
outputs, final_state = keras_rnn.dynamic_rnn(cell, inputs, initial_state=initial_state)
logits = keras_rnn.dense(outputs, vocab_size, name="softmax")
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits))
train_op = tf.compat.v1.train.AdamOptimizer(learning_rate).minimize(loss)

# [session]
sess = tf.compat.v1.Session()
sess.run(tf.compat.v1.global_variables_initializer())

# [train] the final state of one batch is fed as the next batch's initial state
if __name__ == "__main__":
    rows = data[: len(data) // batch_size * batch_size].reshape(batch_size, -1)
    state = sess.run(initial_state)
    for step in range(num_steps):
        start = step * seq_length % (rows.shape[1] - seq_length - 1)
        feed = {input_data: rows[:, start:start + seq_length],
                targets: rows[:, start + 1:start + seq_length + 1]}
        for i, (c, h) in enumerate(initial_state):
            feed[c] = state[i].c
            feed[h] = state[i].h
        train_loss, state, _ = sess.run([loss, final_state, train_op], feed)
        if step % 20 == 0:
            print("step %d, loss %.3f" % (step, train_loss))
