"""migrate.qualified_names.import_map: the port pass's import-only name resolution gives the scope analysis' result."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from migrate import rewrite_source
from migrate.codemods import port_rnn_to_keras
from migrate.qualified_names import import_map, qualified_name

from corpus_tools import every_tf1_script, keras_level_rewrites, read_any_source

SCRIPTS = every_tf1_script()


def test_every_fixture_ports_to_the_same_text_as_with_the_scope_analysis(monkeypatch) -> None:
    sources = {str(path): read_any_source(path) for path in SCRIPTS}
    fast = keras_level_rewrites()
    # None = "not provably equal": the port pass then resolves every name through ScopeProvider.
    monkeypatch.setattr(port_rnn_to_keras, "import_map", lambda code: None)
    scoped = {name: rewrite_source(text, level="keras") for name, text in sources.items()}
    for name in sources:
        assert fast[name].code == scoped[name].code, name
        assert fast[name].findings == scoped[name].findings, name
    assert sum("keras.layers." in result.code for result in fast.values()) > 20  # real ports compared


@pytest.mark.parametrize(
    "code, expected",
    [
        ("import tensorflow as tf", {"tf": "tensorflow"}),
        ("import tensorflow.compat.v1 as tf", {"tf": "tensorflow.compat.v1"}),
        ("import tensorflow.contrib.rnn", {"tensorflow": "tensorflow"}),
        ("from tensorflow.contrib import rnn as r", {"r": "tensorflow.contrib.rnn"}),
        ("from . import rnn", {"rnn": ".rnn"}),
        ("import tensorflow as tf\nx = tf.nn\ndef f(y):\n    return y", {"tf": "tensorflow"}),
    ],
)
def test_import_map_of_unambiguous_modules(code: str, expected: dict) -> None:
    assert import_map(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "import tensorflow as tf\ntf = None",  # assigned
        "import tensorflow as tf\ndef f(tf):\n    pass",  # parameter
        "import tensorflow as tf\nfor tf in []:\n    pass",  # loop target
        "import tensorflow as tf\nwith open('x') as tf:\n    pass",  # with target
        "import tensorflow as tf\ndef tf():\n    pass",  # function name
        "import tensorflow as tf\nclass tf:\n    pass",  # class name
        "import tensorflow as tf\ndef f():\n    global tf",  # global
        "import tensorflow as tf\ntry:\n    pass\nexcept Exception as tf:\n    pass",  # except name
        "import tensorflow as tf\ndel tf",  # deleted
        "import tensorflow as tf\n[tf for tf in ()]",  # comprehension target
        "import tensorflow as tf\nlambda tf: tf",  # lambda parameter
        "import tensorflow as tf\nimport numpy as tf",  # imported as two things
        "from tensorflow.contrib.rnn import *",  # star import
        "import tensorflow as tf\nprint 'py2'",  # not Python 3
    ],
)
def test_import_map_refuses_what_only_scope_analysis_can_settle(code: str) -> None:
    assert import_map(code) is None


def test_qualified_name_follows_the_attribute_chain_to_an_imported_base() -> None:
    imports = {"tf": "tensorflow", "rnn": "tensorflow.contrib.rnn"}
    expression = cst.parse_expression("tf.compat.v1.nn.rnn_cell.LSTMCell")
    assert qualified_name(expression, imports) == "tensorflow.compat.v1.nn.rnn_cell.LSTMCell"
    assert qualified_name(cst.parse_expression("rnn.GRUCell"), imports) == "tensorflow.contrib.rnn.GRUCell"
    assert qualified_name(cst.parse_expression("other.GRUCell"), imports) is None
    assert qualified_name(cst.parse_expression("f().GRUCell"), imports) is None


def test_a_keyword_or_attribute_named_like_an_import_is_not_resolved_as_it() -> None:
    # `rnn_cell` is imported, and also appears as an attribute and as a keyword name: only
    # the real use may become keras_rnn / keras.layers.
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        from tensorflow.compat.v1.nn import rnn_cell
        cell = rnn_cell.GRUCell(3)
        other = tf.compat.v1.nn.rnn_cell.GRUCell(4)
        config = dict(rnn_cell=1)
        """
    )
    ported = rewrite_source(source, level="keras").code
    assert "keras.layers.GRUCell(3, reset_after=False)" in ported
    assert "keras.layers.GRUCell(4, reset_after=False)" in ported
    assert "dict(rnn_cell=1)" in ported
