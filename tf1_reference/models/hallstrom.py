"""Erik Hallström's multi-layer LSTM echo model (seed 001), as TF1 graph code.

"Using the Multilayered LSTM API in TensorFlow (4/7)", Nov 2016. The network learns to echo a
random binary series ``echo_step`` steps later. Its point is the state handling: the whole
stack's state is held in one placeholder of shape ``[num_layers, 2, batch_size, state_size]``
(index 0 = cell state c, index 1 = hidden state h), unpacked into a tuple of
``LSTMStateTuple(c, h)`` for ``MultiRNNCell``, and the final state is fed back as a NumPy array
every truncated-backprop batch.

The graph is the article's, line for line, brought to TF 2.21 ``tf.compat.v1``:

* ``tf.unpack`` -> ``tf.unstack``, ``tf.split(1, T, x)`` -> ``tf.split(x, T, axis=1)``,
  ``tf.nn.rnn`` -> ``tf.compat.v1.nn.static_rnn``, ``initialize_all_variables`` ->
  ``global_variables_initializer``, keyword ``logits=``/``labels=`` for the loss;
* ``MultiRNNCell([cell] * num_layers)`` -> one distinct ``LSTMCell`` per layer (a shared cell
  object is an error since TF 1.1);
* the article fetched the nested ``current_state`` tuple and let NumPy pack it; here the final
  state is ``tf.stack``-ed back into the packed layout inside the graph, which is the same array;
* the softmax head's variables are named ``W2`` and ``b2`` (the article's unnamed
  ``tf.Variable``s would be ``Variable`` and ``Variable_1`` in a checkpoint).

``driver="dynamic_rnn"`` is the variant of part 5/7 (inputs ``[batch, T, 1]``, one
``dynamic_rnn`` call, reshaped logits); it creates the same variables under the same names.
"""

from __future__ import annotations

import numpy as np

from tf1_reference._legacy import LSTMStateTuple, rnn_cell, tf, tf1
from tf1_reference.echo_task import HallstromConfig, generate_data
from tf1_reference.session_model import SessionModel

__all__ = ["HallstromConfig", "HallstromEchoModel", "generate_data"]


class HallstromEchoModel(SessionModel):
    """The article's 3-layer LSTM echo model, built in its own graph and session.

    Args:
        config: a ``HallstromConfig``; the default is the article's setting.

    Example:
        >>> with HallstromEchoModel(HallstromConfig(total_series_length=1500)) as model:
        ...     losses = model.train(num_epochs=1)
        ...     x, y = generate_data(np.random.default_rng(0), model.config)
        ...     loss, state, predictions = model.run_batch(
        ...         x[:, :15], y[:, :15], model.zero_state(), train=False)
        >>> state.shape
        (3, 2, 5, 4)
    """

    def __init__(self, config: HallstromConfig | None = None):
        self.config = config or HallstromConfig()
        self.graph = tf.Graph()
        with self.graph.as_default():
            self._build()
            self._finish_graph()

    def _build(self) -> None:
        cfg = self.config
        tf1.set_random_seed(cfg.seed)
        numpy_rng = np.random.default_rng(cfg.seed)
        T = cfg.truncated_backprop_length

        self.batchX_placeholder = tf1.placeholder(tf.float32, [cfg.batch_size, T])
        self.batchY_placeholder = tf1.placeholder(tf.int32, [cfg.batch_size, T])
        self.init_state = tf1.placeholder(tf.float32, list(cfg.packed_state_shape))

        state_per_layer_list = tf.unstack(self.init_state, axis=0)
        rnn_tuple_state = tuple(
            LSTMStateTuple(state_per_layer_list[idx][0], state_per_layer_list[idx][1])
            for idx in range(cfg.num_layers)
        )

        # The article: W2 = tf.Variable(np.random.rand(state_size, num_classes)), b2 zeros.
        self.W2 = tf1.Variable(
            numpy_rng.random((cfg.state_size, cfg.num_classes)), dtype=tf.float32, name="W2"
        )
        self.b2 = tf1.Variable(np.zeros((1, cfg.num_classes)), dtype=tf.float32, name="b2")

        # One LSTMCell object per layer: the article's `[cell] * num_layers` shares one kernel.
        cell = rnn_cell.MultiRNNCell(
            [rnn_cell.LSTMCell(cfg.state_size, state_is_tuple=True)
             for _ in range(cfg.num_layers)],
            state_is_tuple=True,
        )

        if cfg.driver == "static_rnn":
            inputs_series = tf.split(self.batchX_placeholder, T, axis=1)  # T x [batch, 1]
            labels_series = tf.unstack(self.batchY_placeholder, axis=1)
            states_series, current_state = tf1.nn.static_rnn(
                cell, inputs_series, initial_state=rnn_tuple_state
            )
            logits_series = [tf.matmul(state, self.W2) + self.b2 for state in states_series]
            losses = [
                tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=labels)
                for logits, labels in zip(logits_series, labels_series)
            ]
        else:  # dynamic_rnn, part 5/7
            states_series, current_state = tf1.nn.dynamic_rnn(
                cell, tf.expand_dims(self.batchX_placeholder, -1), initial_state=rnn_tuple_state
            )
            states_series = tf.reshape(states_series, [-1, cfg.state_size])
            logits = tf.matmul(states_series, self.W2) + self.b2
            labels = tf.reshape(self.batchY_placeholder, [-1])
            logits_series = tf.unstack(
                tf.reshape(logits, [cfg.batch_size, T, cfg.num_classes]), axis=1
            )
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=labels)

        self.predictions_series = [tf.nn.softmax(logits) for logits in logits_series]
        self.predictions = tf.stack(self.predictions_series, axis=1)  # [batch, T, classes]
        self.total_loss = tf.reduce_mean(losses)
        self.current_state = current_state
        # Back to the packed layout [num_layers, 2, batch, state_size], c at 0 and h at 1.
        self.packed_final_state = tf.stack(
            [tf.stack([layer_state.c, layer_state.h]) for layer_state in current_state]
        )

        if cfg.optimizer == "adagrad":
            optimizer = tf1.train.AdagradOptimizer(cfg.learning_rate)
        else:
            optimizer = tf1.train.GradientDescentOptimizer(cfg.learning_rate)
        self.train_step = optimizer.minimize(self.total_loss)

    # -- running ------------------------------------------------------------------------------

    def zero_state(self) -> np.ndarray:
        """A float32 zero packed state ``[num_layers, 2, batch_size, state_size]``."""
        return np.zeros(self.config.packed_state_shape, dtype=np.float32)

    def run_batch(
        self, x: np.ndarray, y: np.ndarray, packed_state: np.ndarray, train: bool
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Run one truncated-backprop batch, optionally taking one optimizer step.

        Args:
            x: inputs ``[batch_size, truncated_backprop_length]`` (0/1 values).
            y: labels, same shape, ints in ``[0, num_classes)``.
            packed_state: initial state ``[num_layers, 2, batch_size, state_size]``, c at index 0
                and h at index 1 of the second axis.
            train: run the optimizer step too. The loss and outputs are those before the update.

        Returns:
            ``(loss, packed_final_state, predictions)``: the mean cross-entropy, the final state
            in the packed layout (float32 ndarray), and the softmax outputs
            ``[batch_size, truncated_backprop_length, num_classes]``.
        """
        cfg = self.config
        batch_shape = (cfg.batch_size, cfg.truncated_backprop_length)
        x, y, packed_state = np.asarray(x), np.asarray(y), np.asarray(packed_state)
        for name, value, shape in (
            ("x", x, batch_shape),
            ("y", y, batch_shape),
            ("packed_state", packed_state, cfg.packed_state_shape),
        ):
            if value.shape != shape:
                raise ValueError(f"Expected `{name}` of shape {shape}, got {value.shape}.")
        fetches = [self.total_loss, self.packed_final_state, self.predictions]
        if train:
            fetches.append(self.train_step)
        loss, final_state, predictions = self.session.run(
            fetches,
            feed_dict={
                self.batchX_placeholder: x,
                self.batchY_placeholder: y,
                self.init_state: packed_state,
            },
        )[:3]
        return float(loss), final_state, predictions

    def train(
        self,
        num_epochs: int | None = None,
        num_steps: int | None = None,
        data_seed: int | None = None,
    ) -> list[float]:
        """Train as the article's loop does and return the loss of every batch.

        Each epoch draws a fresh series with ``generate_data``, resets the packed state to zeros,
        and walks the series in ``truncated_backprop_length`` slices, feeding each batch's final
        state into the next batch.

        Args:
            num_epochs: number of epochs of ``config.num_batches`` batches each.
            num_steps: stop after this many batches in total (the last epoch may be partial).
                At least one of ``num_epochs`` and ``num_steps`` is required; with both, training
                stops at whichever limit comes first.
            data_seed: seed of the data generator; ``None`` uses ``config.seed``. The same seed
                replays the same series.

        Returns:
            The per-batch training losses, in order (each measured before its update).
        """
        if num_epochs is None and num_steps is None:
            raise ValueError("Expected `num_epochs` or `num_steps`, got neither.")
        for name, value in (("num_epochs", num_epochs), ("num_steps", num_steps)):
            if value is not None and value < 1:
                raise ValueError(f"Expected `{name}` to be >= 1 or None, got {value}.")
        cfg = self.config
        rng = np.random.default_rng(cfg.seed if data_seed is None else data_seed)
        T = cfg.truncated_backprop_length
        loss_list: list[float] = []
        epoch = 0
        while num_epochs is None or epoch < num_epochs:
            x, y = generate_data(rng, cfg)
            current_state = self.zero_state()
            for batch_idx in range(cfg.num_batches):
                if num_steps is not None and len(loss_list) >= num_steps:
                    return loss_list
                start_idx = batch_idx * T
                batch_x = x[:, start_idx : start_idx + T]
                batch_y = y[:, start_idx : start_idx + T]
                loss, current_state, _ = self.run_batch(batch_x, batch_y, current_state, True)
                loss_list.append(loss)
            epoch += 1
        return loss_list
