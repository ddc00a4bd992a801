"""Dive into Deep Learning's deep character language model (seed 003, §9.3), as TF1 graph code.

d2l trains a 2-layer LSTM (256 hidden units) on one-hot characters with sequential minibatches
of 32 x 35, SGD with global-norm gradient clipping at 1, and reports perplexity (exp of the mean
cross-entropy over an epoch) and tokens per second. This is the same model written the way TF1
code wrote it: ``MultiRNNCell`` of distinct ``LSTMCell`` (or ``GRUCell``, the chapter's exercise)
objects, ``dynamic_rnn`` with the initial state fed from placeholders, ``clip_by_global_norm``
and a ``GradientDescentOptimizer``. As d2l does with sequential partitioning, the final state
of one minibatch is the initial state of the next (fed back as NumPy, so no gradient flows
across minibatches), and it is reset to zeros at the start of every epoch.

Differences from d2l: the default text is CPython's bundled help text instead of *The Time
Machine* (no download; the vocabulary is the same 28 tokens); the default learning rate is 1.0
(d2l §9.3 uses 2 for 500 epochs on a GPU); ``predict`` never emits ``<unk>`` (see there).
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from tf1_reference._legacy import LSTMStateTuple, rnn_cell, tf, tf1
from tf1_reference.session_model import SessionModel
from tf1_reference.text import load_char_corpus, load_text, seq_data_iter_sequential

__all__ = ["CharLMConfig", "CharLanguageModel", "CharTrainingHistory"]

_CELLS = ("lstm", "gru")


@dataclasses.dataclass(frozen=True)
class CharLMConfig:
    """Hyper-parameters of the character LM; the defaults are d2l §9.3's (lr: see module doc).

    Attributes:
        num_hiddens: units per recurrent layer.
        num_layers: recurrent layers in the ``MultiRNNCell``.
        batch_size: rows per minibatch.
        num_steps: time steps per minibatch.
        learning_rate: SGD learning rate.
        clip_norm: global gradient-norm threshold (``tf.clip_by_global_norm``).
        cell: ``"lstm"`` (``LSTMCell``) or ``"gru"`` (``GRUCell``).
        seed: graph seed for the initialisers and NumPy seed for the minibatch offsets.
        text_path: a UTF-8 text file to train on; ``None`` uses ``default_char_corpus()``.
        max_tokens: keep only the first ``max_tokens`` characters of the cleaned corpus (the
            vocabulary still comes from the whole text); ``None`` keeps all.
    """

    num_hiddens: int = 256
    num_layers: int = 2
    batch_size: int = 32
    num_steps: int = 35
    learning_rate: float = 1.0
    clip_norm: float = 1.0
    cell: str = "lstm"
    seed: int = 0
    text_path: str | None = None
    max_tokens: int | None = None

    def __post_init__(self):
        if self.cell not in _CELLS:
            raise ValueError(f"Expected `cell` to be one of {_CELLS}, got {self.cell!r}.")
        for field in ("num_hiddens", "num_layers", "batch_size", "num_steps"):
            if getattr(self, field) < 1:
                raise ValueError(f"Expected `{field}` to be >= 1, got {getattr(self, field)}.")
        if self.clip_norm <= 0:
            raise ValueError(f"Expected `clip_norm` > 0, got {self.clip_norm}.")


@dataclasses.dataclass
class CharTrainingHistory:
    """What ``CharLanguageModel.train`` measured.

    Attributes:
        perplexities: one value per epoch (exp of the token-weighted mean loss over the epoch),
            or one per step when training was given ``num_steps``.
        per: ``"epoch"`` or ``"step"``: what each perplexity covers.
        num_tokens: target tokens processed.
        seconds: wall-clock time of the training loop.
    """

    perplexities: list[float]
    per: str
    num_tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        """Training throughput, as d2l reports it."""
        return self.num_tokens / self.seconds if self.seconds > 0 else float("nan")


class CharLanguageModel(SessionModel):
    """d2l's deep (2-layer) LSTM/GRU character language model, with its own graph and session.

    Args:
        config: a ``CharLMConfig``; the default is d2l's setting on the default corpus.

    Attributes:
        vocab: the ``Vocab`` of the training text (28 tokens on the default corpus).
        corpus: the training text as token ids.

    Example:
        >>> config = CharLMConfig(num_hiddens=32, batch_size=8, num_steps=10, max_tokens=5000)
        >>> with CharLanguageModel(config) as model:
        ...     history = model.train(num_steps=30)
        ...     text = model.predict("the ", 10)
        >>> len(text)
        14
    """

    def __init__(self, config: CharLMConfig | None = None):
        self.config = config or CharLMConfig()
        self.corpus, self.vocab = load_char_corpus(
            load_text(self.config.text_path), self.config.max_tokens
        )
        self._data_rng = np.random.default_rng(self.config.seed)
        self.graph = tf.Graph()
        with self.graph.as_default():
            self._build()
            self._finish_graph()

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def _make_cell(self):
        if self.config.cell == "lstm":
            return rnn_cell.LSTMCell(self.config.num_hiddens)
        return rnn_cell.GRUCell(self.config.num_hiddens)

    def _build(self) -> None:
        cfg = self.config
        tf1.set_random_seed(cfg.seed)
        # Batch and time left open: training (batch_size x num_steps) and prediction (1 x 1)
        # run the same graph.
        self.inputs = tf1.placeholder(tf.int32, [None, None], name="inputs")
        self.targets = tf1.placeholder(tf.int32, [None, None], name="targets")
        x = tf.one_hot(self.inputs, self.vocab_size)

        def state_input(name):
            return tf1.placeholder(tf.float32, [None, cfg.num_hiddens], name=name)

        if cfg.cell == "lstm":
            self.initial_state = tuple(
                LSTMStateTuple(state_input(f"initial_c_{i}"), state_input(f"initial_h_{i}"))
                for i in range(cfg.num_layers)
            )
        else:
            self.initial_state = tuple(
                state_input(f"initial_h_{i}") for i in range(cfg.num_layers)
            )

        cell = rnn_cell.MultiRNNCell([self._make_cell() for _ in range(cfg.num_layers)])
        outputs, self.final_state = tf1.nn.dynamic_rnn(
            cell, x, initial_state=self.initial_state
        )

        # d2l's Dense head on the flattened outputs.
        with tf1.variable_scope("dense"):
            kernel = tf1.get_variable("kernel", [cfg.num_hiddens, self.vocab_size])
            bias = tf1.get_variable(
                "bias", [self.vocab_size], initializer=tf1.zeros_initializer()
            )
        flat_logits = tf.matmul(tf.reshape(outputs, [-1, cfg.num_hiddens]), kernel) + bias
        self.logits = tf.reshape(
            flat_logits, tf.concat([tf.shape(self.inputs), [self.vocab_size]], axis=0)
        )
        self.loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=self.targets, logits=self.logits)
        )

        params = tf1.trainable_variables()
        grads = tf.gradients(self.loss, params)
        clipped, self.gradient_norm = tf.clip_by_global_norm(grads, cfg.clip_norm)
        optimizer = tf1.train.GradientDescentOptimizer(cfg.learning_rate)
        self.train_op = optimizer.apply_gradients(zip(clipped, params))

        self._state_inputs = tf.nest.flatten(self.initial_state)
        self._state_outputs = tf.nest.flatten(self.final_state)

    # -- running ------------------------------------------------------------------------------

    def zero_state(self, batch_size: int):
        """Zeros in the TF1 state structure: per layer ``LSTMStateTuple(c, h)`` or ``h``."""
        zeros = [np.zeros((batch_size, self.config.num_hiddens), np.float32)
                 for _ in self._state_inputs]
        return tf.nest.pack_sequence_as(self.initial_state, zeros)

    def _feed(self, inputs, state, targets=None) -> dict:
        inputs = np.asarray(inputs)
        if inputs.ndim != 2:
            raise ValueError(f"Expected `inputs` of shape (batch, time), got {inputs.shape}.")
        if state is None:
            state = self.zero_state(inputs.shape[0])
        state_arrays = tf.nest.flatten(state)
        if len(state_arrays) != len(self._state_inputs):
            raise ValueError(
                f"Expected a state of {len(self._state_inputs)} arrays "
                f"({self.config.num_layers} {self.config.cell} layers), got {len(state_arrays)}."
            )
        feed = {self.inputs: inputs}
        feed.update(zip(self._state_inputs, state_arrays))
        if targets is not None:
            feed[self.targets] = targets
        return feed

    def forward(self, inputs: np.ndarray, state=None):
        """Logits ``[batch, time, vocab_size]`` and final state for int ``inputs [batch, time]``.

        ``state`` is the TF1 state structure (see ``zero_state``); ``None`` means zeros.
        """
        logits, final_state = self.session.run(
            [self.logits, self._state_outputs], feed_dict=self._feed(inputs, state)
        )
        return logits, tf.nest.pack_sequence_as(self.initial_state, final_state)

    def run_batch(self, inputs: np.ndarray, targets: np.ndarray, state=None, train: bool = False):
        """Mean cross-entropy of one minibatch and its final state; optionally one SGD step.

        Returns:
            ``(loss, final_state)``; the loss is measured before the update.
        """
        fetches = [self.loss, self._state_outputs]
        if train:
            fetches.append(self.train_op)
        loss, final_state = self.session.run(
            fetches, feed_dict=self._feed(inputs, state, targets)
        )[:2]
        return float(loss), tf.nest.pack_sequence_as(self.initial_state, final_state)

    def train(
        self, num_epochs: int | None = None, num_steps: int | None = None
    ) -> CharTrainingHistory:
        """Train as d2l's ``train_ch8`` with sequential partitioning.

        Every epoch draws a new random offset, starts from a zero state and carries the final
        state of each minibatch into the next one.

        Args:
            num_epochs: full passes over the corpus; perplexity is reported per epoch.
            num_steps: minibatches in total, crossing epoch boundaries as needed; perplexity is
                reported per step. Exactly one of the two is required.
        """
        if (num_epochs is None) == (num_steps is None):
            raise ValueError(
                f"Expected exactly one of `num_epochs` and `num_steps`, got {num_epochs} and "
                f"{num_steps}."
            )
        limit = num_epochs if num_steps is None else num_steps
        if limit < 1:
            raise ValueError(f"Expected a positive number of epochs or steps, got {limit}.")
        cfg = self.config
        perplexities: list[float] = []
        num_tokens, steps_done, epochs_done = 0, 0, 0
        start = time.perf_counter()
        while True:
            state = None
            epoch_loss_sum, epoch_tokens = 0.0, 0
            batches = seq_data_iter_sequential(
                self.corpus, cfg.batch_size, cfg.num_steps, self._data_rng
            )
            for inputs, targets in batches:
                loss, state = self.run_batch(inputs, targets, state, train=True)
                epoch_loss_sum += loss * targets.size
                epoch_tokens += targets.size
                num_tokens += targets.size
                steps_done += 1
                if num_steps is not None:
                    perplexities.append(math.exp(loss))
                    if steps_done >= num_steps:
                        return CharTrainingHistory(
                            perplexities, "step", num_tokens, time.perf_counter() - start
                        )
            epochs_done += 1
            if num_epochs is not None:
                perplexities.append(math.exp(epoch_loss_sum / epoch_tokens))
                if epochs_done >= num_epochs:
                    return CharTrainingHistory(
                        perplexities, "epoch", num_tokens, time.perf_counter() - start
                    )

    def predict(self, prefix: str, num_preds: int) -> str:
        """Greedy continuation of ``prefix``, as d2l's ``predict_ch8``.

        The prefix warms the state up, then the most likely next character is fed back
        ``num_preds`` times. ``<unk>`` is never chosen: it never occurs as a target in a corpus
        whose vocabulary was built from it, so only an untrained head can rank it first, and
        excluding it keeps the result exactly ``len(prefix) + num_preds`` characters long.

        Returns:
            ``prefix`` followed by ``num_preds`` predicted characters.
        """
        if not prefix:
            raise ValueError("Expected a non-empty `prefix`, got ''.")
        if num_preds < 0:
            raise ValueError(f"Expected `num_preds` >= 0, got {num_preds}.")
        outputs = [self.vocab[char] for char in prefix]
        logits, state = self.forward(np.array([outputs], dtype=np.int32))
        for step in range(num_preds):
            last = logits[0, -1].copy()
            last[self.vocab.unk] = -np.inf
            outputs.append(int(np.argmax(last)))
            if step + 1 < num_preds:
                logits, state = self.forward(np.array([[outputs[-1]]], dtype=np.int32), state)
        return prefix + "".join(self.vocab.to_tokens(outputs[len(prefix):]))

