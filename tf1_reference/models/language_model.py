"""The online course's word-level LSTM language model (seeds 000 and 004), as TF1 graph code.

The course builds ``LanguageModel`` method by method: ``make_lstm_cell`` (an ``LSTMCell`` in a
``DropoutWrapper`` with ``output_keep_prob``), ``stacked_lstm_cells`` (keep probability 0.5 when
training, 1.0 otherwise), ``run_lstm`` (embeddings, ``tf.math.sign`` padding mask, sequence
lengths, ``dynamic_rnn``) and ``calculate_loss`` (dense logits, masked sparse cross-entropy).
The methods keep the course's names and signatures; they are graph-building methods, called
inside this model's graph by the constructor.

Changes from the course, each for a reason:

* ``tf.keras.preprocessing.text.Tokenizer`` is gone from Keras 3: ``WordTokenizer`` reproduces it.
* The course's cells came from ``tf.keras.layers.LSTMCell``; the TF1 form the migration tool
  meets in the wild is ``tf.compat.v1.nn.rnn_cell.LSTMCell``, used here.
* The training and evaluation graphs live in one ``tf.Graph`` and share their variables through
  ``variable_scope('lm', reuse=AUTO_REUSE)``: the evaluation graph is the same network with keep
  probability 1.0, so its output is deterministic.
* The loss is averaged over real (non-padding) tokens instead of summed (see ``calculate_loss``).
"""

from __future__ import annotations

import numpy as np

from tf1_reference._legacy import rnn_cell, tf, tf1
from tf1_reference.session_model import SessionModel
from tf1_reference.text import WordTokenizer, zen_of_python_lines

__all__ = ["LanguageModel"]

TRAINING_KEEP_PROB = 0.5
EVAL_KEEP_PROB = 1.0


class LanguageModel(SessionModel):
    """The course's multi-layer LSTM word language model, with its own graph and session.

    Args:
        vocab_size: words in the vocabulary, padding index 0 included (the tokenizer's
            ``num_words``): ids are in ``[0, vocab_size)``.
        max_length: padded length of the input and target sequences.
        num_lstm_units: units per LSTM layer, also the embedding size.
        num_lstm_layers: LSTM layers in the ``MultiRNNCell``.
        learning_rate: Adam learning rate.
        seed: graph-level random seed (initialisers and dropout masks).

    Example:
        >>> with LanguageModel(vocab_size=60, max_length=16, num_lstm_units=32,
        ...                    num_lstm_layers=2) as lm:
        ...     losses = lm.train(num_steps=20)
        ...     eval_loss = lm.evaluate_loss()
    """

    def __init__(
        self,
        vocab_size: int,
        max_length: int,
        num_lstm_units: int,
        num_lstm_layers: int,
        *,
        learning_rate: float = 0.001,
        seed: int = 0,
    ):
        for name, value in (("vocab_size", vocab_size), ("max_length", max_length),
                            ("num_lstm_units", num_lstm_units),
                            ("num_lstm_layers", num_lstm_layers)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Expected `{name}` to be a positive int, got {value!r}.")
        if vocab_size < 2:
            raise ValueError(f"Expected `vocab_size` >= 2 (padding plus a word), got {vocab_size}.")
        self.vocab_size = int(vocab_size)
        self.max_length = int(max_length)
        self.num_lstm_units = int(num_lstm_units)
        self.num_lstm_layers = int(num_lstm_layers)
        self.learning_rate = float(learning_rate)
        self.seed = int(seed)
        self.tokenizer = WordTokenizer(num_words=self.vocab_size)

        self.graph = tf.Graph()
        with self.graph.as_default():
            self._build()
            self._finish_graph()

    # -- the course's methods -------------------------------------------------------------------

    def make_lstm_cell(self, dropout_keep_prob: float):
        """An ``LSTMCell(num_lstm_units)`` in a ``DropoutWrapper(output_keep_prob=...)``."""
        cell = rnn_cell.LSTMCell(self.num_lstm_units)
        return rnn_cell.DropoutWrapper(cell, output_keep_prob=dropout_keep_prob)

    def stacked_lstm_cells(self, is_training: bool):
        """``num_lstm_layers`` distinct dropout-wrapped cells in a ``MultiRNNCell``."""
        dropout_keep_prob = TRAINING_KEEP_PROB if is_training else EVAL_KEEP_PROB
        cell_list = [self.make_lstm_cell(dropout_keep_prob) for _ in range(self.num_lstm_layers)]
        return rnn_cell.MultiRNNCell(cell_list)

    def get_input_target_sequence(self, sequence: list[int]) -> tuple[list[int], list[int]]:
        """Input = all tokens but the last, target = all but the first; both cut or zero-padded
        (at the end) to ``max_length``."""
        input_sequence = list(sequence[:-1])[: self.max_length]
        target_sequence = list(sequence[1:])[: self.max_length]
        padding = [0] * (self.max_length - len(input_sequence))
        return input_sequence + padding, target_sequence + padding

    def make_training_tuple(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Tokenize ``texts`` and return ``(input_sequences, target_sequences)`` int32 arrays of
        shape ``[num_examples, max_length]``.

        Texts that keep fewer than two in-vocabulary words are left out: they give no
        (input, target) pair.

        Raises:
            ValueError: if the tokenizer was never fitted, or no text gives a pair.
        """
        if not self.tokenizer.word_index:
            raise ValueError(
                "Expected a fitted tokenizer, got an empty word_index: call train() or "
                "model.tokenizer.fit_on_texts(texts) first."
            )
        sequences = [s for s in self.tokenizer.texts_to_sequences(texts) if len(s) >= 2]
        if not sequences:
            raise ValueError(
                f"Expected at least one text with two or more known words, got {len(texts)} "
                "texts with none."
            )
        pairs = [self.get_input_target_sequence(sequence) for sequence in sequences]
        inputs = np.array([pair[0] for pair in pairs], dtype=np.int32)
        targets = np.array([pair[1] for pair in pairs], dtype=np.int32)
        return inputs, targets

    def run_lstm(self, input_sequences, is_training: bool):
        """Embed ``input_sequences`` and run the stacked LSTM over their unpadded lengths.

        Returns:
            ``(lstm_outputs [batch, max_length, num_lstm_units], binary_sequences)`` where
            ``binary_sequences`` is 1 at real tokens and 0 at padding.
        """
        cell = self.stacked_lstm_cells(is_training)
        embedding_matrix = tf1.get_variable(
            "embedding_matrix", [self.vocab_size, self.num_lstm_units], dtype=tf.float32
        )
        input_embeddings = tf.nn.embedding_lookup(embedding_matrix, input_sequences)
        binary_sequences = tf.math.sign(input_sequences)
        sequence_lengths = tf.math.reduce_sum(binary_sequences, axis=1)
        lstm_outputs, _ = tf1.nn.dynamic_rnn(
            cell, input_embeddings, sequence_length=sequence_lengths, dtype=tf.float32
        )
        return lstm_outputs, binary_sequences

    def calculate_loss(self, lstm_outputs, binary_sequences, output_sequences):
        """Masked sparse cross-entropy of the dense logits, averaged over real tokens."""
        logits = tf1.layers.dense(lstm_outputs, self.vocab_size, name="dense")
        batch_sequence_loss = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=output_sequences, logits=logits
        )
        mask = tf.cast(binary_sequences, tf.float32)
        unpadded_loss = mask * batch_sequence_loss
        # The course returned reduce_sum(unpadded_loss). We average over the real tokens so the
        # learning rate does not depend on the batch size or the sentence lengths.
        overall_loss = tf.math.reduce_sum(unpadded_loss) / tf.maximum(tf.reduce_sum(mask), 1.0)
        return overall_loss, logits

    # -- graph ----------------------------------------------------------------------------------

    def _build(self) -> None:
        tf1.set_random_seed(self.seed)
        shape = [None, self.max_length]
        self.input_sequences = tf1.placeholder(tf.int32, shape, name="input_sequences")
        self.output_sequences = tf1.placeholder(tf.int32, shape, name="output_sequences")
        # Same scope, AUTO_REUSE: the evaluation network reuses the training network's weights.
        self._losses, self._logits = {}, {}
        for is_training in (True, False):
            with tf1.variable_scope("lm", reuse=tf1.AUTO_REUSE):
                lstm_outputs, binary_sequences = self.run_lstm(self.input_sequences, is_training)
                loss, logits = self.calculate_loss(
                    lstm_outputs, binary_sequences, self.output_sequences
                )
            self._losses[is_training], self._logits[is_training] = loss, logits
        self.train_op = tf1.train.AdamOptimizer(self.learning_rate).minimize(self._losses[True])

    # -- running --------------------------------------------------------------------------------

    def train(
        self,
        texts: list[str] | None = None,
        num_steps: int = 200,
        batch_size: int = 8,
        seed: int = 0,
    ) -> list[float]:
        """Train with Adam on random minibatches of ``texts``; return each step's loss.

        The tokenizer is fitted on ``texts`` the first time (later calls reuse its vocabulary, so
        the embedding rows keep their meaning).

        Args:
            texts: sentences; ``None`` uses ``zen_of_python_lines()``.
            num_steps: optimizer steps.
            batch_size: examples per step, drawn without replacement within a step (all of them
                when there are fewer).
            seed: NumPy seed for the minibatch draws.

        Returns:
            The training-mode (dropout on) loss of every step, measured before its update.
        """
        if num_steps < 1 or batch_size < 1:
            raise ValueError(
                f"Expected positive `num_steps` and `batch_size`, got {num_steps} and {batch_size}."
            )
        texts = zen_of_python_lines() if texts is None else list(texts)
        if not self.tokenizer.word_index:
            self.tokenizer.fit_on_texts(texts)
        inputs, targets = self.make_training_tuple(texts)
        rng = np.random.default_rng(seed)
        take = min(batch_size, len(inputs))
        losses = []
        for _ in range(num_steps):
            rows = rng.choice(len(inputs), size=take, replace=False)
            loss, _ = self.session.run(
                [self._losses[True], self.train_op],
                feed_dict={self.input_sequences: inputs[rows],
                           self.output_sequences: targets[rows]},
            )
            losses.append(float(loss))
        return losses

    def evaluate_loss(self, texts: list[str] | None = None, is_training: bool = False) -> float:
        """Mean cross-entropy per real token over all of ``texts``, without any update.

        Args:
            texts: sentences; ``None`` uses ``zen_of_python_lines()``.
            is_training: use the training network (keep probability 0.5, a fresh dropout mask on
                every call) instead of the deterministic evaluation network.
        """
        texts = zen_of_python_lines() if texts is None else list(texts)
        inputs, targets = self.make_training_tuple(texts)
        return float(
            self.session.run(
                self._losses[bool(is_training)],
                feed_dict={self.input_sequences: inputs, self.output_sequences: targets},
            )
        )

    def compute_logits(self, input_sequences: np.ndarray, is_training: bool = False) -> np.ndarray:
        """Logits ``[batch, max_length, vocab_size]`` for padded int ``input_sequences``."""
        input_sequences = np.asarray(input_sequences)
        if input_sequences.ndim != 2 or input_sequences.shape[1] != self.max_length:
            raise ValueError(
                f"Expected `input_sequences` of shape (batch, {self.max_length}), "
                f"got {input_sequences.shape}."
            )
        if input_sequences.size and (input_sequences.min() < 0
                                     or input_sequences.max() >= self.vocab_size):
            raise ValueError(
                f"Expected ids in [0, {self.vocab_size}), got values in "
                f"[{input_sequences.min()}, {input_sequences.max()}]."
            )
        return self.session.run(
            self._logits[bool(is_training)], feed_dict={self.input_sequences: input_sequences}
        )
