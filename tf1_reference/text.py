"""Corpora and tokenizers for the seed language models.

Nothing here imports TensorFlow: the same corpora feed the TF1 references and the
Keras 3 ports, and the tokenizers must behave identically on both sides.

Two families of helpers:

* Character level, after Dive into Deep Learning §8.2/§8.3 (seed 003): ``preprocess_lines``,
  ``tokenize``, ``Vocab``, ``load_char_corpus`` and ``seq_data_iter_sequential``. d2l trains on
  H. G. Wells' *The Time Machine*, downloaded at run time; we default to English prose that ships
  with CPython (``default_char_corpus``) so that nothing is downloaded.
* Word level, for the course's ``LanguageModel`` (seeds 000/004): ``WordTokenizer`` reproduces
  ``tf.keras.preprocessing.text.Tokenizer``, which Keras 3 no longer has, and
  ``zen_of_python_lines`` is the default small sentence corpus.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import io
import pathlib
import re
from typing import Iterable, Iterator, Sequence

import numpy as np

__all__ = [
    "KERAS_TOKENIZER_FILTERS",
    "Vocab",
    "WordTokenizer",
    "default_char_corpus",
    "load_char_corpus",
    "load_text",
    "preprocess_lines",
    "seq_data_iter_sequential",
    "text_to_word_sequence",
    "tokenize",
    "zen_of_python_lines",
]

# Standard-library modules whose docstrings are the fallback corpus when CPython was built
# without ``pydoc_data`` (some distributions strip it). All are cheap to import and their
# docstrings are plain English.
_FALLBACK_DOCSTRING_MODULES = (
    "argparse", "collections", "contextlib", "csv", "dataclasses", "decimal", "difflib",
    "doctest", "email", "fractions", "functools", "heapq", "inspect", "json", "logging",
    "pathlib", "pickle", "random", "re", "shutil", "string", "subprocess", "tarfile",
    "textwrap", "threading", "typing", "unittest", "uuid", "warnings", "zipfile",
)


# ---------------------------------------------------------------------------------------------
# Corpora
# ---------------------------------------------------------------------------------------------


def default_char_corpus() -> str:
    """Return English prose that ships with Python, for the character language model.

    The text is CPython's interactive help (``pydoc_data.topics.topics``, about 465k characters
    of prose on the language reference topics), joined in sorted topic order so the corpus is the
    same on every run. If that module is missing, the docstrings of a fixed list of standard
    library modules are used instead.
    """
    try:
        from pydoc_data.topics import topics
    except ImportError:  # Stripped-down CPython builds omit pydoc_data.
        return _stdlib_docstring_corpus()
    return "\n\n".join(topics[name] for name in sorted(topics))


def _stdlib_docstring_corpus() -> str:
    """The fallback corpus: module docstrings of common standard-library modules."""
    docs = []
    for module_name in _FALLBACK_DOCSTRING_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # A minimal Python may lack a module; the others still give prose.
            continue
        if module.__doc__:
            docs.append(module.__doc__)
    return "\n\n".join(docs)


def load_text(path: str | pathlib.Path | None = None) -> str:
    """Return the text of ``path`` (UTF-8), or ``default_char_corpus()`` when ``path`` is None."""
    if path is None:
        return default_char_corpus()
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Expected `path` to be a readable text file, got {str(path)!r}.")
    return path.read_text(encoding="utf-8")


def zen_of_python_lines() -> list[str]:
    """Return the 19 aphorisms of the Zen of Python, one sentence per line.

    The text is decoded from the standard-library ``this`` module (``this.s`` is the Zen in
    ROT13, ``this.d`` the decoding table). The title line is left out.
    """
    # Importing `this` prints the Zen the first time; library code must not print.
    with contextlib.redirect_stdout(io.StringIO()):
        this = importlib.import_module("this")
    decoded = "".join(this.d.get(char, char) for char in this.s)
    lines = [line.strip() for line in decoded.splitlines() if line.strip()]
    return [line for line in lines if not line.startswith("The Zen of Python")]


# ---------------------------------------------------------------------------------------------
# d2l character pipeline
# ---------------------------------------------------------------------------------------------


def preprocess_lines(text: str) -> list[str]:
    """d2l's ``read_time_machine`` cleaning: per line, non-letters to one space, strip, lower."""
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in text.splitlines()]


def tokenize(lines: Sequence[str], token: str = "char") -> list[list[str]]:
    """Split each line into ``'word'`` or ``'char'`` tokens, as d2l's ``tokenize``."""
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"Expected `token` to be 'word' or 'char', got {token!r}.")


class Vocab:
    """Token <-> index table, as d2l's ``Vocab``.

    Tokens are sorted by decreasing frequency (ties keep first-seen order); index 0 is ``<unk>``,
    followed by ``reserved_tokens``. Unknown tokens map to 0.

    Args:
        tokens: a flat or nested (list of lists) sequence of tokens to count.
        min_freq: tokens seen fewer times are left out (they map to ``<unk>``).
        reserved_tokens: tokens placed right after ``<unk>`` whatever their frequency.

    Example:
        >>> vocab = Vocab(tokenize(["ab a"], "char"))
        >>> vocab["a"], vocab.to_tokens(0), len(vocab)
        (1, '<unk>', 4)
    """

    def __init__(
        self,
        tokens: Iterable = (),
        min_freq: int = 0,
        reserved_tokens: Sequence[str] | None = None,
    ):
        counter = _count_corpus(list(tokens))
        self._token_freqs = sorted(counter.items(), key=lambda item: item[1], reverse=True)
        self.idx_to_token: list[str] = ["<unk>"] + list(reserved_tokens or [])
        self.token_to_idx: dict[str, int] = {
            token: idx for idx, token in enumerate(self.idx_to_token)
        }
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.idx_to_token.append(token)
                self.token_to_idx[token] = len(self.idx_to_token) - 1

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        """Index of a token, or a list of indices for a list/tuple of tokens."""
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self[token] for token in tokens]

    def to_tokens(self, indices):
        """Token of an index, or a list of tokens for a list/tuple of indices."""
        if not isinstance(indices, (list, tuple)):
            return self.idx_to_token[int(indices)]
        return [self.idx_to_token[int(index)] for index in indices]

    @property
    def unk(self) -> int:
        """Index of the unknown token (always 0)."""
        return 0

    @property
    def token_freqs(self) -> list[tuple[str, int]]:
        """``(token, count)`` pairs, most frequent first."""
        return self._token_freqs


def _count_corpus(tokens: list) -> collections.Counter:
    if tokens and isinstance(tokens[0], list):
        tokens = [token for line in tokens for token in line]
    return collections.Counter(tokens)


def load_char_corpus(
    text: str | None = None, max_tokens: int | None = None
) -> tuple[list[int], Vocab]:
    """Character ids and vocabulary of ``text``, as d2l's ``load_corpus_time_machine``.

    Cleaned lines are concatenated without a separator, exactly as d2l does (so the last word of
    a line runs into the first word of the next one).

    Args:
        text: raw text; ``None`` uses ``default_char_corpus()``.
        max_tokens: keep only the first ``max_tokens`` ids (the vocabulary is still built from
            the whole text, as in d2l). ``None`` keeps everything.

    Returns:
        ``(corpus_ids, vocab)``; on the default corpus ``len(vocab) == 28`` (26 letters, space,
        ``<unk>``).
    """
    if text is None:
        text = default_char_corpus()
    if max_tokens is not None and max_tokens <= 0:
        raise ValueError(f"Expected `max_tokens` to be a positive int or None, got {max_tokens}.")
    tokens = tokenize(preprocess_lines(text), "char")
    vocab = Vocab(tokens)
    corpus = [vocab[token] for line in tokens for token in line]
    if max_tokens is not None:
        corpus = corpus[:max_tokens]
    return corpus, vocab


def seq_data_iter_sequential(
    corpus_ids: Sequence[int],
    batch_size: int,
    num_steps: int,
    rng: np.random.Generator | int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X, Y)`` int32 minibatches of shape ``[batch_size, num_steps]``, as d2l does.

    A random offset in ``[0, num_steps]`` starts the corpus, which is then cut into
    ``batch_size`` contiguous rows; successive minibatches continue each row where the previous
    one stopped, so a model may carry its state from one minibatch to the next. ``Y`` is ``X``
    shifted by one token.

    Args:
        corpus_ids: token ids.
        batch_size: rows per minibatch.
        num_steps: time steps per minibatch.
        rng: a NumPy ``Generator``, or a seed for one.
    """
    if batch_size <= 0 or num_steps <= 0:
        raise ValueError(
            f"Expected positive `batch_size` and `num_steps`, got {batch_size} and {num_steps}."
        )
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    corpus = np.asarray(corpus_ids, dtype=np.int32)
    offset = int(rng.integers(0, num_steps + 1))  # d2l: random.randint(0, num_steps), inclusive
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    if num_tokens < batch_size * num_steps:
        raise ValueError(
            f"Expected a corpus of at least {batch_size * num_steps + num_steps + 1} tokens for "
            f"batch_size={batch_size} and num_steps={num_steps}, got {len(corpus)}."
        )
    xs = corpus[offset : offset + num_tokens].reshape(batch_size, -1)
    ys = corpus[offset + 1 : offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = xs.shape[1] // num_steps
    for start in range(0, num_steps * num_batches, num_steps):
        yield xs[:, start : start + num_steps], ys[:, start : start + num_steps]


# ---------------------------------------------------------------------------------------------
# Keras-style word tokenizer
# ---------------------------------------------------------------------------------------------

# The default `filters` of tf.keras.preprocessing.text.Tokenizer: every ASCII punctuation
# character except the apostrophe, plus tab and newline.
KERAS_TOKENIZER_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(
    text: str, filters: str = KERAS_TOKENIZER_FILTERS, lower: bool = True, split: str = " "
) -> list[str]:
    """Split ``text`` into words as ``tf.keras.preprocessing.text.text_to_word_sequence``."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({char: split for char in filters}))
    return [word for word in text.split(split) if word]


class WordTokenizer:
    """A drop-in for ``tf.keras.preprocessing.text.Tokenizer`` (absent from Keras 3).

    Same semantics for the word-level path: text is lower-cased, the characters in ``filters``
    become separators, words are ranked by frequency (ties keep first-seen order) starting at
    index 1 — index 0 is reserved for padding and never assigned. ``word_index`` holds every word
    seen, but ``texts_to_sequences`` emits only words whose index is below ``num_words``; the
    others are dropped, or mapped to ``oov_token``'s index when one is set.

    Args:
        num_words: emit only indices ``< num_words``; ``None`` emits all.
        filters: characters treated as separators.
        lower: lower-case the text first.
        split: the word separator.
        oov_token: if given, it takes index 1 and stands for dropped or unknown words.

    Example:
        >>> tokenizer = WordTokenizer(num_words=3)
        >>> tokenizer.fit_on_texts(["the cat", "the dog!"])
        >>> tokenizer.word_index
        {'the': 1, 'cat': 2, 'dog': 3}
        >>> tokenizer.texts_to_sequences(["The dog and the cat."])
        [[1, 1, 2]]
    """

    def __init__(
        self,
        num_words: int | None = None,
        filters: str = KERAS_TOKENIZER_FILTERS,
        lower: bool = True,
        split: str = " ",
        oov_token: str | None = None,
    ):
        if num_words is not None and (not isinstance(num_words, int) or num_words < 1):
            raise ValueError(
                f"Expected `num_words` to be a positive int or None, got {num_words!r}."
            )
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.oov_token = oov_token
        self.word_counts: collections.OrderedDict[str, int] = collections.OrderedDict()
        self.document_count = 0
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}

    def _words(self, text: str) -> list[str]:
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts: Iterable[str]) -> None:
        """Update word counts from ``texts`` and rebuild ``word_index`` (cumulative, as Keras)."""
        if isinstance(texts, str):
            raise TypeError("Expected `texts` to be a list of strings, got a single string.")
        for text in texts:
            self.document_count += 1
            for word in self._words(text):
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
        # list.sort is stable, also with reverse=True: equal counts keep first-seen order.
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary.extend(word for word, _ in ranked if word != self.oov_token)
        self.word_index = {word: index for index, word in enumerate(vocabulary, start=1)}
        self.index_word = {index: word for word, index in self.word_index.items()}

    def texts_to_sequences(self, texts: Iterable[str]) -> list[list[int]]:
        """Map each text to word indices, keeping only indices below ``num_words``."""
        if isinstance(texts, str):
            raise TypeError("Expected `texts` to be a list of strings, got a single string.")
        oov_index = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        sequences = []
        for text in texts:
            sequence = []
            for word in self._words(text):
                index = self.word_index.get(word)
                if index is None or (self.num_words and index >= self.num_words):
                    if oov_index is not None:
                        sequence.append(oov_index)
                else:
                    sequence.append(index)
            sequences.append(sequence)
        return sequences

    def sequences_to_texts(self, sequences: Iterable[Sequence[int]]) -> list[str]:
        """Map index sequences back to space-joined words.

        Padding (0), unknown ids and ids at or above ``num_words`` are dropped.
        """
        return [
            " ".join(
                self.index_word[int(i)]
                for i in sequence
                if int(i) in self.index_word and not (self.num_words and int(i) >= self.num_words)
            )
            for sequence in sequences
        ]
