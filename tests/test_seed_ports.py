"""The seed models' Keras 3 ports against their TF1 references, from the same weights."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf1_reference.echo_task import HallstromConfig, generate_data
from tf1_reference.models import CharLanguageModel, CharLMConfig, HallstromEchoModel, LanguageModel
from tf1_reference.text import zen_of_python_lines
from tf2_port.models import CharLMPort, HallstromPort, LanguageModelPort, masked_sequence_loss
from tf2_port.state import tf1_state_to_keras
from tf2_port.training import make_train_step
from tf1_reference.spec import LayerSpec, StackSpec

# float32, unit-scale activations over 15-35 steps and 2-3 layers: round-off of
# differently ordered sums, measured ~1e-7; 2e-6 leaves a margin of ten.
ATOL = 2e-6


@pytest.mark.parametrize("driver", ["static_rnn", "dynamic_rnn"])
def test_hallstrom_port_same_outputs_and_packed_state(driver):
    config = HallstromConfig(total_series_length=1500, driver=driver)
    rng = np.random.default_rng(3)
    with HallstromEchoModel(config) as reference:
        port = HallstromPort()
        port.set_tf1_variables(reference.get_variables())
        x, y = generate_data(rng, config)
        packed = rng.uniform(-1, 1, config.packed_state_shape).astype(np.float32)
        loss, final_state, predictions = reference.run_batch(x[:, :15], y[:, :15], packed, train=False)
    port_loss, port_state, logits = port.loss_and_state(x[:, :15].astype(np.float32), y[:, :15], packed)
    np.testing.assert_allclose(np.asarray(port_state), final_state, rtol=0, atol=ATOL)
    np.testing.assert_allclose(np.asarray(keras.ops.softmax(logits)), predictions, rtol=0, atol=ATOL)
    np.testing.assert_allclose(float(port_loss), loss, rtol=0, atol=ATOL)


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
def test_hallstrom_training_trajectories_match_for_100_steps(optimizer):
    config = HallstromConfig(total_series_length=7500, optimizer=optimizer, driver="dynamic_rnn", seed=1)
    steps = config.num_batches  # 100 truncated-backprop batches, state fed back each time
    assert steps == 100
    x, y = generate_data(np.random.default_rng(7), config)
    with HallstromEchoModel(config) as reference:
        port = HallstromPort()
        port.set_tf1_variables(reference.get_variables())
        state = reference.zero_state()
        tf1_losses = []
        for batch in range(steps):
            window = slice(batch * 15, (batch + 1) * 15)
            loss, state, _ = reference.run_batch(x[:, window], y[:, window], state, train=True)
            tf1_losses.append(loss)
    if optimizer == "sgd":
        keras_optimizer = keras.optimizers.SGD(learning_rate=config.learning_rate)
    else:
        # TF1 AdagradOptimizer: accumulators start at 0.1, update lr * g / sqrt(acc), no epsilon.
        keras_optimizer = keras.optimizers.Adagrad(learning_rate=config.learning_rate,
                                                   initial_accumulator_value=0.1, epsilon=0.0)
    step = make_train_step(port, keras_optimizer, port.loss_and_state)
    state = np.zeros(config.packed_state_shape, np.float32)
    keras_losses = []
    for batch in range(steps):
        window = slice(batch * 15, (batch + 1) * 15)
        loss, state, _ = step(x[:, window].astype(np.float32), y[:, window], state)
        keras_losses.append(float(loss))
    tf1_losses, keras_losses = np.array(tf1_losses), np.array(keras_losses)
    assert tf1_losses[-10:].mean() < tf1_losses[:10].mean()  # it trained
    # Round-off differences feed back through 100 updates and the carried state;
    # measured max |diff| 6e-8 (SGD) / 1.2e-7 (Adagrad); 1e-5 leaves a margin of ~100.
    np.testing.assert_allclose(keras_losses, tf1_losses, rtol=0, atol=1e-5)


def test_language_model_port_eval_logits_and_training_dropout():
    texts = zen_of_python_lines()
    with LanguageModel(vocab_size=60, max_length=12, num_lstm_units=16, num_lstm_layers=2) as reference:
        reference.tokenizer.fit_on_texts(texts)
        inputs, targets = reference.make_training_tuple(texts)
        reference_logits = reference.compute_logits(inputs, is_training=False)
        port = LanguageModelPort(vocab_size=60, max_length=12, num_lstm_units=16, num_lstm_layers=2)
        port.set_tf1_variables(reference.get_variables())
        reference_loss = reference.evaluate_loss(texts)
    logits = np.asarray(port(inputs, training=False))
    np.testing.assert_allclose(logits, reference_logits, rtol=0, atol=ATOL * 4)  # dense over 16 units: 4x
    np.testing.assert_allclose(float(masked_sequence_loss(logits, targets, inputs)), reference_loss, atol=1e-5)
    # Training mode: TF1 output dropout at keep 0.5 -- two calls differ, eval calls do not.
    train_a, train_b = np.asarray(port(inputs, training=True)), np.asarray(port(inputs, training=True))
    assert np.max(np.abs(train_a - train_b)) > 1e-3
    np.testing.assert_array_equal(np.asarray(port(inputs)), np.asarray(port(inputs)))


def test_language_model_port_trains():
    texts = zen_of_python_lines()
    port = LanguageModelPort(vocab_size=60, max_length=12, num_lstm_units=16, num_lstm_layers=2)
    port.tokenizer.fit_on_texts(texts)
    sequences = [s for s in port.tokenizer.texts_to_sequences(texts) if len(s) >= 2]
    padded = np.zeros((len(sequences), 13), np.int32)
    for row, sequence in enumerate(sequences):
        padded[row, : min(len(sequence), 13)] = sequence[:13]
    inputs, targets = padded[:, :-1], padded[:, 1:]
    optimizer = keras.optimizers.Adam(0.01)

    def loss_fn(batch_inputs, batch_targets):
        return (masked_sequence_loss(port(batch_inputs, training=True), batch_targets, batch_inputs),)

    step = make_train_step(port, optimizer, loss_fn)
    losses = [float(step(inputs, targets)[0]) for _ in range(150)]
    # Measured: 4.09 -> ~1.2 after 150 Adam steps on the Zen of Python; bounds leave margin.
    assert losses[0] > 3.5 and np.mean(losses[-10:]) < 2.5


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_char_lm_port_matches_tf1_forward_and_carried_state(cell):
    config = CharLMConfig(num_hiddens=24, num_layers=2, batch_size=4, num_steps=10, cell=cell, max_tokens=5000)
    with CharLanguageModel(config) as reference:
        rng = np.random.default_rng(0)
        inputs = rng.integers(0, reference.vocab_size, (4, 10)).astype(np.int32)
        state = tf.nest.map_structure(lambda z: rng.uniform(-1, 1, z.shape).astype(np.float32),
                                      reference.zero_state(4))
        logits, final_state = reference.forward(inputs, state)
        port = CharLMPort(reference.vocab_size, num_hiddens=24, num_layers=2, cell=cell, num_steps=10)
        port.set_tf1_variables(reference.get_variables())
    spec = StackSpec(layers=(LayerSpec(cell, 24), LayerSpec(cell, 24)))
    port_logits, *port_states = port(inputs, initial_state=tf1_state_to_keras(spec, state))
    np.testing.assert_allclose(np.asarray(port_logits), logits, rtol=0, atol=ATOL * 4)  # 24-unit dense head
    for got, want in zip(port_states, tf1_state_to_keras(spec, final_state)):
        np.testing.assert_allclose(np.asarray(got), want, rtol=0, atol=ATOL)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_char_lm_d2l_recipe_trains_the_same_in_tf1_and_keras(cell):
    """SGD lr 1 with global-norm clipping 1, state carried across sequential minibatches."""
    from tf1_reference.text import seq_data_iter_sequential

    config = CharLMConfig(num_hiddens=32, num_layers=2, batch_size=8, num_steps=12, cell=cell, max_tokens=20000)
    with CharLanguageModel(config) as reference:
        batches = [batch for _, batch in zip(range(30), seq_data_iter_sequential(reference.corpus, 8, 12, 0))]
        port = CharLMPort(reference.vocab_size, num_hiddens=32, num_layers=2, cell=cell, num_steps=12)
        port.set_tf1_variables(reference.get_variables())
        state, tf1_losses = None, []
        for inputs, targets in batches:
            loss, state = reference.run_batch(inputs, targets, state, train=True)
            tf1_losses.append(loss)
    # keras SGD's global_clipnorm scales by min(1, clip / global_norm), as tf.clip_by_global_norm does.
    optimizer = keras.optimizers.SGD(learning_rate=config.learning_rate, global_clipnorm=config.clip_norm)

    def loss_fn(inputs, targets, *states):
        logits, *final = port(inputs, initial_state=list(states) or None)
        loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True))
        return (loss, *final)

    step = make_train_step(port, optimizer, loss_fn)
    states, keras_losses = [], []
    for inputs, targets in batches:
        loss, *states = step(inputs, targets, *states)  # carried, detached (as d2l does)
        keras_losses.append(float(loss))
    assert np.mean(tf1_losses[-5:]) < np.mean(tf1_losses[:5])  # it trained
    # 30 clipped SGD steps, float32: measured max |diff| 4.8e-7 (LSTM and GRU); 1e-5 leaves a margin of 20.
    np.testing.assert_allclose(keras_losses, tf1_losses, rtol=0, atol=1e-5)
