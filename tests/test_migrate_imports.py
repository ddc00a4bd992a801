"""Every import form resolves (engine level, full compat output)."""

from __future__ import annotations

import textwrap

import pytest

from migrate import rewrite_source

HEADER = (
    "# tf.compat.v1.nn.rnn_cell needs tf_keras on TF >= 2.16; the keras level removes this.\n"
    "import os\n"
    'os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")\n'
    "\n"
)

CASES = {
    "alias T": (
        """
        import tensorflow as T
        c = T.nn.rnn_cell.GRUCell(3)
        """,
        """
        import tensorflow as T
        c = T.compat.v1.nn.rnn_cell.GRUCell(3)
        """,
    ),
    "compat v1 import": (
        """
        import tensorflow.compat.v1 as tf
        c = tf.contrib.rnn.LSTMCell(3)
        s = tf.contrib.rnn.LSTMStateTuple(c0, h0)
        """,
        """
        import tensorflow.compat.v1 as tf
        c = tf.nn.rnn_cell.LSTMCell(3)
        s = tf.nn.rnn_cell.LSTMStateTuple(c0, h0)
        """,
    ),
    "from contrib import rnn": (
        """
        from tensorflow.contrib import rnn
        c = rnn.LSTMCell(3)
        """,
        """
        from tensorflow.compat.v1.nn import rnn_cell as rnn
        c = rnn.LSTMCell(3)
        """,
    ),
    "object import with alias": (
        """
        from tensorflow.contrib.rnn import LSTMCell as C
        c = C(3)
        """,
        """
        from tensorflow.compat.v1.nn.rnn_cell import LSTMCell as C
        c = C(3)
        """,
    ),
    "module import with alias": (
        """
        import tensorflow.contrib.rnn as crnn
        c = crnn.LSTMCell(3)
        o = crnn.static_bidirectional_rnn(c, c, xs)
        """,
        """
        import tensorflow.compat.v1.nn as crnn
        c = crnn.rnn_cell.LSTMCell(3)
        o = crnn.static_bidirectional_rnn(c, c, xs)
        """,
    ),
    "python.ops": (
        """
        from tensorflow.python.ops import rnn_cell, rnn
        c = rnn_cell.BasicLSTMCell(3)
        o, s = rnn.rnn(c, xs)
        """,
        """
        from tensorflow.compat.v1.nn import rnn_cell
        from tensorflow.compat.v1 import nn as rnn
        c = rnn_cell.BasicLSTMCell(3)
        o, s = rnn.static_rnn(c, xs)
        """,
    ),
    "models.rnn": (
        """
        from tensorflow.models.rnn import rnn_cell
        c = rnn_cell.GRUCell(3)
        """,
        """
        from tensorflow.compat.v1.nn import rnn_cell
        c = rnn_cell.GRUCell(3)
        """,
    ),
    "from tensorflow.nn import rnn_cell as rc": (
        """
        from tensorflow.nn import rnn_cell as rc
        c = rc.MultiRNNCell([rc.GRUCell(3)])
        """,
        """
        from tensorflow.compat.v1.nn import rnn_cell as rc
        c = rc.MultiRNNCell([rc.GRUCell(3)])
        """,
    ),
    "core_rnn_cell": (
        """
        from tensorflow.contrib.rnn.python.ops import core_rnn_cell_impl as impl
        c = impl.BasicRNNCell(3)
        """,
        """
        from tensorflow.compat.v1.nn import rnn_cell as impl
        c = impl.BasicRNNCell(3)
        """,
    ),
    "dotted import": (
        """
        import tensorflow.contrib.rnn
        c = tensorflow.contrib.rnn.LSTMCell(3)
        """,
        """
        import tensorflow
        c = tensorflow.compat.v1.nn.rnn_cell.LSTMCell(3)
        """,
    ),
    "star": (
        """
        from tensorflow.contrib.rnn import *
        c = MultiRNNCell([LSTMCell(3), LSTMCell(3)])
        """,
        """
        from tensorflow.compat.v1.nn.rnn_cell import LSTMCell, MultiRNNCell
        c = MultiRNNCell([LSTMCell(3), LSTMCell(3)])
        """,
    ),
    "try/except import pair": (
        """
        try:
            from tensorflow.contrib.rnn import GRUCell
        except ImportError:
            from tensorflow.python.ops.rnn_cell import GRUCell
        c = GRUCell(3)
        """,
        """
        try:
            from tensorflow.compat.v1.nn.rnn_cell import GRUCell
        except ImportError:
            from tensorflow.compat.v1.nn.rnn_cell import GRUCell
        c = GRUCell(3)
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_import_form(name: str) -> None:
    before, after = (textwrap.dedent(text).lstrip("\n") for text in CASES[name])
    result = rewrite_source(before, level="compat")
    assert result.code == HEADER + after
    assert [finding.code for finding in result.findings] == ["TFM401"]
    assert rewrite_source(result.code, level="compat").code == result.code


def test_contrib_layers_import_removed_once_every_use_is_rewritten() -> None:
    before = textwrap.dedent(
        """\
        import tensorflow as tf
        from tensorflow.contrib import layers
        y = layers.fully_connected(x, 10)
        """
    )
    result = rewrite_source(before, level="compat")
    assert result.code == HEADER + textwrap.dedent(
        """\
        import tensorflow as tf
        y = tf.compat.v1.layers.dense(x, 10, activation=tf.nn.relu)
        """
    )


def test_variable_alias_of_a_module_gets_a_finding() -> None:
    result = rewrite_source("import tensorflow as tf\nrc = tf.nn.rnn_cell\ncell = rc.LSTMCell(3)\n", level="compat")
    assert "rc = tf.compat.v1.nn.rnn_cell\n" in result.code
    assert [finding.code for finding in result.findings] == ["TFM102", "TFM401"]
    mixed = rewrite_source("import tensorflow as tf\nr = tf.contrib.rnn\ncell = r.LSTMCell(3)\n", level="compat")
    assert [(finding.code, finding.severity) for finding in mixed.findings] == [("TFM102", "error")]
