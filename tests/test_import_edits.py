"""migrate.import_edits: the engine's statement-only import visitors give libcst's own output."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from migrate import engine, import_edits, rewrite_source

from corpus_tools import every_tf1_script, keras_level_rewrites, read_any_source

SCRIPTS = every_tf1_script()


def stock_imports(module: cst.Module, context: CodemodContext) -> cst.Module:
    """What libcst's CodemodCommand does after a transform: the stock visitors, whole passes."""
    for visitor in (AddImportsVisitor, RemoveImportsVisitor):
        if context.scratch.get(visitor.CONTEXT_KEY):
            module = visitor(context).transform_module(module)
    return module


def test_every_fixture_rewrites_to_the_same_text_as_with_the_stock_visitors(monkeypatch) -> None:
    # The keras level runs every codemod that schedules imports (the compat ones in its
    # first pass, the port in its second).
    level = "keras"
    assert len(SCRIPTS) > 30
    sources = {str(path): read_any_source(path) for path in SCRIPTS}
    fast = keras_level_rewrites()
    monkeypatch.setattr(engine, "apply_scheduled_imports", stock_imports)
    stock = {name: rewrite_source(text, level=level) for name, text in sources.items()}
    compared = 0
    for name in sources:
        assert fast[name].code == stock[name].code, name
        assert fast[name].findings == stock[name].findings, name
        compared += fast[name].changed
    assert compared > 25  # the comparison covers real rewrites, not only untouched files


def run_both(source: str, add=(), remove=()) -> tuple[str, str]:
    """(fast, stock) code for ``source`` with the given imports scheduled."""
    results = []
    for apply in (import_edits.apply_scheduled_imports, stock_imports):
        context = CodemodContext()
        for item in add:
            AddImportsVisitor.add_needed_import(context, *item)
        for item in remove:
            RemoveImportsVisitor.remove_unused_import(context, *item)
        results.append(apply(cst.parse_module(textwrap.dedent(source)), context).code)
    return results[0], results[1]


CASES = {
    "docstring, then imports, then code": (
        '''
        """Doc."""
        from __future__ import annotations
        import os
        x = 1
        ''',
        [("keras",), ("tf2_port", "keras_rnn")],
        [],
    ),
    "merges into an existing from-import": (
        """
        from tf2_port import cells
        import tensorflow as tf
        y = cells
        """,
        [("tf2_port", "keras_rnn")],
        [],
    ),
    "already imported: not added twice": (
        """
        import keras
        keras.layers.LSTM(2)
        """,
        [("keras",), ("tf2_port", "keras_rnn")],
        [],
    ),
    "unused alias removed, used one kept, trailing comma fixed": (
        """
        from tensorflow.contrib import rnn, seq2seq
        import tensorflow.contrib.layers as layers
        rnn_size = 3
        x = seq2seq.foo
        """,
        [],
        [("tensorflow.contrib", "rnn"), ("tensorflow.contrib", "seq2seq"),
         ("tensorflow.contrib.layers", None, "layers")],
    ),
    "imports inside functions and branches": (
        """
        def f():
            if True:
                from tensorflow.contrib import rnn
            try:
                import tensorflow.contrib.rnn as contrib_rnn
            except ImportError:
                pass
            return 1
        """,
        [],
        [("tensorflow.contrib", "rnn"), ("tensorflow.contrib.rnn", None, "contrib_rnn")],
    ),
    "a name in __all__ or a string annotation keeps its import": (
        """
        from tensorflow.contrib import rnn, legacy_seq2seq, layers
        __all__ = ["rnn"]
        def f(x: "legacy_seq2seq.Thing") -> None:
            pass
        """,
        [],
        [("tensorflow.contrib", "rnn"), ("tensorflow.contrib", "legacy_seq2seq"),
         ("tensorflow.contrib", "layers")],
    ),
    "added and removed in one run": (
        """
        import os
        from tensorflow.contrib import rnn
        cell = None
        """,
        [("keras",)],
        [("tensorflow.contrib", "rnn")],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_import_forms_match_the_stock_visitors(name: str) -> None:
    source, add, remove = CASES[name]
    fast, stock = run_both(source, add, remove)
    assert fast == stock
    assert fast != textwrap.dedent(source)  # each case edits something
    assert fast.count("import keras\n") <= 1


def test_a_string_that_is_not_all_or_an_annotation_does_not_keep_an_import() -> None:
    # Scripts name variable scopes after modules ("rnn"): that must not keep `rnn` imported.
    fast, stock = run_both(
        """
        from tensorflow.contrib import rnn
        scope = "rnn"
        """,
        remove=[("tensorflow.contrib", "rnn")],
    )
    assert fast == stock
    assert "import" not in fast and 'scope = "rnn"' in fast


def test_code_that_python_cannot_parse_falls_back_to_the_stock_remover(monkeypatch) -> None:
    calls = []
    original = RemoveImportsVisitor.transform_module

    def spy(self, module):
        calls.append(module)
        return original(self, module)

    monkeypatch.setattr(RemoveImportsVisitor, "transform_module", spy)
    # Stands in for code libcst parses and CPython's ast does not (none is known on 3.11:
    # the engine rejects what 3.11 cannot compile before this point).
    module = cst.parse_module("from tensorflow.contrib import rnn\nx = 1\n")
    monkeypatch.setattr(import_edits, "_loaded_names", lambda code: None)
    context = CodemodContext()
    RemoveImportsVisitor.remove_unused_import(context, "tensorflow.contrib", "rnn")
    assert import_edits.apply_scheduled_imports(module, context).code == "x = 1\n"
    assert len(calls) == 1
