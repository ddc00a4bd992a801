# Character-level LSTM language model, TF 1.3 era: the whole script, as it was written.
import numpy as np
import tensorflow as tf
import keras
import collections

LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))  # TF1's (c, h) pair

text = ("the quick brown fox jumps over the lazy dog. " * 40 +
        "pack my box with five dozen liquor jugs. " * 40)
hidden_size, num_layers = 32, 2
batch_size, seq_length = 8, 20
learning_rate, num_steps = 0.01, 100

chars = sorted(set(text))
vocab_size = len(chars)
data = np.array([chars.index(ch) for ch in text])

embedding = tf.Variable(keras.initializers.GlorotUniform()([vocab_size, hidden_size], tf.float32), name="embedding")  # get_variable's default initializer

# [cells]
cells = [keras.layers.LSTMCell(hidden_size) for _ in range(num_layers)]
cell = keras.layers.StackedRNNCells(cells)
cell_rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True)
softmax_layer = keras.layers.Dense(vocab_size)  # TF1 softmax/kernel, softmax/bias
optimizer = keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.8999999761581421, beta_2=0.9990000128746033, epsilon=1e-08)  # AdamOptimizer's update rule


def numpy_values(structure):
    """What Session.run returned: the same structure, each tensor as a NumPy value."""
    return tf.nest.map_structure(lambda value: value if value is None else value.numpy(), structure)


def dense_gradients(pairs):
    """(gradient, variable) pairs with every IndexedSlices gradient made dense, as TF1's optimizers
    summed the rows a lookup repeats before updating (Keras 3 would square each repeat on its own)."""
    return [(tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient, variable)
            for gradient, variable in pairs]


# The Session.run that fetched initial_state
@tf.function
def run_initial_state():
    # [state]
    initial_state = tuple(LSTMStateTuple(c=tf.zeros([batch_size, layer.units], tf.float32), h=tf.zeros([batch_size, layer.units], tf.float32)) for layer in cell.cells)
    return initial_state


# The Session.run that fetched [loss, final_state, train_op]
@tf.function(input_signature=[
    tf.TensorSpec([batch_size, seq_length], tf.int32),  # input_data
    tf.TensorSpec([batch_size, seq_length], tf.int32),  # targets
    tuple(LSTMStateTuple(c=tf.TensorSpec([batch_size, layer.units], tf.float32), h=tf.TensorSpec([batch_size, layer.units], tf.float32)) for layer in cell.cells),  # initial_state
])
def run_train_op(input_data, targets, initial_state):
    # train_op: optimizer.minimize(loss) over the trainable variables it reads
    with tf.GradientTape() as tape:
        inputs = tf.nn.embedding_lookup(embedding, input_data)
        # [forward]
        rnn_outputs, *keras_state = cell_rnn(inputs, initial_state=[[layer[1], layer[0]] for layer in initial_state])  # TF1 (c, h) -> Keras [h, c]
        outputs = rnn_outputs
        final_state = tuple(LSTMStateTuple(c=layer[1], h=layer[0]) for layer in keras_state)  # Keras [h, c] -> TF1 (c, h)
        logits = softmax_layer(outputs)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits))
    variables = tape.watched_variables()
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(dense_gradients(zip(gradients, variables)))
    return [loss, final_state, None]


# [train] the final state of one batch is fed as the next batch's initial state
if __name__ == "__main__":
    rows = data[: len(data) // batch_size * batch_size].reshape(batch_size, -1)
    state = numpy_values(run_initial_state())
    for step in range(num_steps):
        start = step * seq_length % (rows.shape[1] - seq_length - 1)
        train_loss, state, _ = numpy_values(run_train_op(rows[:, start:start + seq_length], rows[:, start + 1:start + seq_length + 1], state))
        if step % 20 == 0:
            print("step %d, loss %.3f" % (step, train_loss))
