"""d2l §9.3's deep character LM (seed 003): the GRU variant (the chapter's exercise): 2 x GRUCell(256) over one-hot characters, state carried."""
import numpy as np

from examples._support import randomize_weights, variable_dict
from tf1_reference._legacy import rnn_cell, tf, tf1
from tf1_reference.text import load_char_corpus, seq_data_iter_sequential

batch_size, num_steps, num_hiddens, num_layers = 32, 35, 256, 2


def run_tf1(seed=0):
    corpus, vocab = load_char_corpus(max_tokens=5000)  # 28 tokens: a-z, space, <unk>
    batches = seq_data_iter_sequential(corpus, batch_size, num_steps, seed)
    X = np.stack([next(batches)[0] for _ in range(2)])  # two consecutive minibatches
    with tf.Graph().as_default():
        inputs = tf1.placeholder(tf.int32, [batch_size, num_steps])
        # [cells]
        cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(num_hiddens) for _ in range(num_layers)])
        # [state] zeros at the start; d2l carries the state from one minibatch to the next
        initial_state = cell.zero_state(batch_size, tf.float32)
        # [forward]
        outputs, final_state = tf1.nn.dynamic_rnn(cell, tf.one_hot(inputs, len(vocab)),
                                                  initial_state=initial_state)
        logits = tf1.layers.dense(outputs, len(vocab), name="dense")
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            randomize_weights(sess, seed, scale=0.1)  # 256 units: keep activations unit-scale
            # [batches]
            state, all_logits, all_states = sess.run(initial_state), [], []
            for batch in X:
                batch_logits, state = sess.run([logits, final_state], {inputs: batch, initial_state: state})
                all_logits.append(batch_logits)
                all_states.append(state)  # (h, h): a GRU state is one tensor
            variables = variable_dict(sess)
    return {"inputs": X, "outputs": all_logits, "final_state": all_states, "variables": variables}
