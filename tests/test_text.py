"""Tests of tf1_reference.text: corpora, d2l's character pipeline, the Keras-style tokenizer."""

from __future__ import annotations

import pathlib
import string
import subprocess
import sys

import numpy as np
import pytest

from tf1_reference import text
from tf1_reference.text import (
    Vocab,
    WordTokenizer,
    default_char_corpus,
    load_char_corpus,
    load_text,
    preprocess_lines,
    seq_data_iter_sequential,
    tokenize,
    zen_of_python_lines,
)


# -- corpora ----------------------------------------------------------------------------------


def test_text_module_does_not_import_tensorflow():
    # The corpora and tokenizers are shared with code that must not pull TensorFlow in; a fresh
    # interpreter shows what importing (and using) the module really loads.
    probe = (
        "import sys, tf1_reference.text as t; t.zen_of_python_lines(); t.WordTokenizer(); "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('tensorflow', 'tf_keras', 'keras')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=pathlib.Path(__file__).resolve().parents[1])
    assert result.stdout.strip() == "[]"


def test_default_char_corpus_is_long_english_prose():
    corpus = default_char_corpus()
    # CPython 3.10-3.13 ship 400k-500k characters of help topics; d2l's Time Machine has ~170k.
    assert len(corpus) > 100_000
    assert "statement" in corpus and "the" in corpus.split()


def test_stdlib_docstring_fallback_gives_all_letters():
    fallback = text._stdlib_docstring_corpus()
    assert len(fallback) > 5_000
    _, vocab = load_char_corpus(fallback)
    assert set(string.ascii_lowercase) <= set(vocab.idx_to_token)


def test_load_text_reads_a_user_file(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Hello, World!\nSecond line.", encoding="utf-8")
    assert load_text(path) == "Hello, World!\nSecond line."
    assert load_text(None) == default_char_corpus()
    with pytest.raises(FileNotFoundError, match="readable text file"):
        load_text(tmp_path / "missing.txt")


def test_zen_of_python_lines(capsys):
    lines = zen_of_python_lines()
    assert capsys.readouterr().out == ""  # importing `this` prints; the helper must not
    assert len(lines) == 19
    assert lines[0] == "Beautiful is better than ugly."
    assert lines[-1] == "Namespaces are one honking great idea -- let's do more of those!"
    assert "this" in sys.modules  # decoded from the stdlib module, not a copy


# -- d2l character pipeline -------------------------------------------------------------------


def test_preprocess_and_tokenize_like_d2l():
    lines = preprocess_lines("The Time-Machine, by H. G. Wells [1898]\n\n  I.\n")
    assert lines == ["the time machine by h g wells", "", "i"]
    assert tokenize(["ab c"], "char") == [["a", "b", " ", "c"]]
    assert tokenize(["ab c"], "word") == [["ab", "c"]]
    with pytest.raises(ValueError, match="'word' or 'char'"):
        tokenize(["x"], "byte")


def test_vocab_orders_by_frequency_with_unk_first():
    vocab = Vocab([["b", "a", "b"], ["c", "b", "a"]])
    assert vocab.idx_to_token == ["<unk>", "b", "a", "c"]
    assert len(vocab) == 4
    assert vocab["b"] == 1 and vocab[["a", "zzz"]] == [2, 0]
    assert vocab.to_tokens([3, 0]) == ["c", "<unk>"] and vocab.to_tokens(1) == "b"
    assert vocab.token_freqs[0] == ("b", 3)
    assert Vocab(["a", "b", "b"], min_freq=2).idx_to_token == ["<unk>", "b"]
    assert Vocab(["a"], reserved_tokens=["<pad>"]).idx_to_token == ["<unk>", "<pad>", "a"]


def test_default_char_corpus_has_d2l_vocabulary_of_28():
    corpus, vocab = load_char_corpus()
    # 26 letters + space + <unk>, as d2l's Time Machine vocabulary.
    assert len(vocab) == 28
    assert set(vocab.idx_to_token) == set(string.ascii_lowercase) | {" ", "<unk>"}
    assert vocab.idx_to_token[:3] == ["<unk>", " ", "e"]  # space and 'e' are most frequent
    assert 0 not in corpus  # every character of the corpus is in its own vocabulary
    capped, capped_vocab = load_char_corpus(max_tokens=1000)
    assert capped == corpus[:1000] and len(capped_vocab) == 28
    with pytest.raises(ValueError, match="max_tokens"):
        load_char_corpus("abc", max_tokens=0)


def test_seq_data_iter_sequential_is_contiguous_across_batches():
    corpus = list(range(200))
    batches = list(seq_data_iter_sequential(corpus, batch_size=3, num_steps=5, rng=7))
    assert batches and all(x.shape == (3, 5) and y.shape == (3, 5) for x, y in batches)
    for x, y in batches:
        np.testing.assert_array_equal(y, x + 1)  # targets are the next token
    # Row r of batch k+1 continues row r of batch k: a carried state sees contiguous text.
    for (x0, _), (x1, _) in zip(batches, batches[1:]):
        np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)
    offset = batches[0][0][0, 0]
    assert 0 <= offset <= 5  # d2l: random.randint(0, num_steps)
    rows = len(corpus) - offset - 1
    assert len(batches) == (rows // 3) // 5


def test_seq_data_iter_sequential_offsets_vary_with_rng_and_reject_short_corpora():
    offsets = {next(seq_data_iter_sequential(range(500), 4, 10, rng=seed))[0][0, 0]
               for seed in range(20)}
    assert len(offsets) > 3  # random offset in [0, 10]; 20 draws land on several values
    with pytest.raises(ValueError, match="at least"):
        next(seq_data_iter_sequential(range(20), batch_size=4, num_steps=10))


# -- Keras-style word tokenizer ---------------------------------------------------------------


def test_word_tokenizer_reserves_zero_and_ranks_by_frequency():
    tokenizer = WordTokenizer()
    tokenizer.fit_on_texts(["The cat sat.", "The DOG, the cat!", "a bird"])
    # the: 3, cat: 2, then ties (sat, dog, a, bird) in first-seen order; 0 is never assigned.
    assert tokenizer.word_index == {"the": 1, "cat": 2, "sat": 3, "dog": 4, "a": 5, "bird": 6}
    assert 0 not in tokenizer.index_word
    assert tokenizer.texts_to_sequences(["the bird, THE cat; unknown"]) == [[1, 6, 1, 2]]
    assert tokenizer.document_count == 3


def test_word_tokenizer_num_words_cuts_off_like_keras():
    tokenizer = WordTokenizer(num_words=3)
    tokenizer.fit_on_texts(["b a b c b a d"])
    # word_index keeps every word; only indices < num_words (1 and 2) are emitted.
    assert tokenizer.word_index == {"b": 1, "a": 2, "c": 3, "d": 4}
    assert tokenizer.texts_to_sequences(["a b c d"]) == [[2, 1]]
    assert tokenizer.sequences_to_texts([[2, 1, 3, 0]]) == ["a b"]
    with_oov = WordTokenizer(num_words=3, oov_token="<oov>")
    with_oov.fit_on_texts(["b a b c b a d"])
    assert with_oov.word_index["<oov>"] == 1
    assert with_oov.texts_to_sequences(["b c zzz"]) == [[2, 1, 1]]


def test_word_tokenizer_keeps_apostrophes_and_strips_other_punctuation():
    tokenizer = WordTokenizer()
    tokenizer.fit_on_texts(["Don't panic -- it's (only) a test..."])
    assert list(tokenizer.word_index) == ["don't", "panic", "it's", "only", "a", "test"]


def test_word_tokenizer_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_words"):
        WordTokenizer(num_words=0)
    with pytest.raises(TypeError, match="single string"):
        WordTokenizer().fit_on_texts("not a list")


def test_word_tokenizer_matches_tf_keras_tokenizer_on_the_zen():
    # The legacy Keras Tokenizer is the specification: same word_index, same sequences.
    keras_text = pytest.importorskip("tf_keras.preprocessing.text")
    lines = zen_of_python_lines()
    for num_words in (None, 10, 40):
        ours, theirs = WordTokenizer(num_words=num_words), keras_text.Tokenizer(num_words)
        ours.fit_on_texts(lines)
        theirs.fit_on_texts(lines)
        assert ours.word_index == theirs.word_index
        assert ours.texts_to_sequences(lines) == theirs.texts_to_sequences(lines)
