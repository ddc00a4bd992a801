"""The rewrite engine: API contract, formatting preservation, bad input, notebooks, idempotence."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import textwrap

import libcst.metadata
import pytest

from migrate import Finding, RewriteResult, engine, rewrite_source

REPO = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "tf1_scripts"

OLD_SCRIPT = textwrap.dedent(
    '''\
    """An old stacked LSTM."""
    import numpy as np
    import tensorflow as tf

    # inputs
    x = tf.placeholder(tf.float32, [None, 5, 3])
    xs = tf.unpack(x, axis=1)
    cell = tf.nn.rnn_cell.BasicLSTMCell(4, state_is_tuple=True)
    cell = tf.nn.rnn_cell.MultiRNNCell([cell] * 2, state_is_tuple=True)
    outputs, state = tf.nn.rnn(cell, xs, dtype=tf.float32)  # static
    loss = tf.reduce_mean(tf.concat(1, outputs), reduction_indices=[1])
    init = tf.initialize_all_variables()
    '''
)


def test_contract_types_and_fields() -> None:
    result = rewrite_source(OLD_SCRIPT, path="old.py", level="compat")
    assert isinstance(result, RewriteResult)
    assert result.changed and result.error is None
    assert all(isinstance(finding, Finding) for finding in result.findings)
    (note,) = result.findings
    assert (note.code, note.path, note.line, note.col, note.severity) == ("TFM401", "old.py", 8, 8, "info")
    assert "tf.compat.v1.nn.static_rnn(cell, xs, dtype=tf.float32)  # static" in result.code
    assert "tf.compat.v1.disable_eager_execution()" in result.code


def test_bad_arguments_raise_keras_style_errors() -> None:
    with pytest.raises(ValueError, match="level: expected one of \\['compat', 'keras', 'tf2'\\], got 'eager'"):
        rewrite_source("import tensorflow", level="eager")
    with pytest.raises(TypeError, match="source: expected str, got bytes"):
        rewrite_source(b"import tensorflow")


def test_tensorflow_free_file_is_returned_byte_identical_without_parsing(monkeypatch) -> None:
    source = "print 'python 2 but no TF'\r\n\tx = 1  # comment\n"
    monkeypatch.setattr(engine.cst, "parse_module", None)  # would raise if called
    result = rewrite_source(source, level="compat")
    assert result.code is source and not result.changed and result.findings == () and result.error is None


def test_file_without_anything_to_change_is_identical() -> None:
    source = "import tensorflow as tf\n\n\ny = tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]))  # ok\n"
    result = rewrite_source(source, level="compat")
    assert result.code == source and not result.changed and result.findings == ()


def test_comments_quotes_blank_lines_survive() -> None:
    source = OLD_SCRIPT.replace(
        "[None, 5, 3])", "[None, 5, 3], name='x')  # single quotes\n\n\n# two blank lines above"
    )
    code = rewrite_source(source, level="compat").code
    assert "[None, 5, 3], name='x')  # single quotes\n\n\n# two blank lines above\n" in code
    assert "\n# inputs\n" in code and '"""An old stacked LSTM."""' in code
    assert code.count("\n\n") == source.count("\n\n") + 2  # the inserted legacy-Keras block


def test_crlf_line_endings_are_kept_everywhere() -> None:
    source = OLD_SCRIPT.replace("\n", "\r\n")
    code = rewrite_source(source, level="compat").code
    assert code.count("\n") == code.count("\r\n") > source.count("\r\n")
    assert "tf.compat.v1.placeholder" in code


def test_tab_indentation_is_kept() -> None:
    source = (
        "import tensorflow as tf\n"
        "def build(n):\n"
        "\tx = tf.placeholder(tf.float32)\n"
        "\tif n:\n"
        "\t\treturn tf.pack([x, x])\n"
    )
    code = rewrite_source(source, level="compat").code
    assert "\n\tx = tf.compat.v1.placeholder(tf.float32)\n\tif n:\n\t\treturn tf.stack([x, x])\n" in code


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("import tensorflow as tf\nprint 'loss', tf.__version__\n", "Python 2 syntax"),
        ("import tensorflow as tf\ntry:\n    pass\nexcept ValueError, e:\n    pass\n", "Python 2 syntax"),
        ("import tensorflow as tf\nprint >>sys.stderr, 'x'\n", "Python 2 syntax"),
        ("import tensorflow as tf\nx = `tf`\n", "Python 2 syntax"),
    ],
)
def test_python2_files_get_one_clear_error(source: str, fragment: str) -> None:
    result = rewrite_source(source, path="py2.py", level="compat")
    assert result.code == source and not result.changed
    assert result.error is not None and fragment in result.error
    (finding,) = result.findings
    assert finding.code == "TFM001" and finding.severity == "error" and finding.path == "py2.py"
    assert finding.suggestion == "Python 2 source: run `2to3` (or pyupgrade) first, then tf1-migrate"
    assert finding.line >= 2


def test_syntax_error_is_a_finding_not_an_exception() -> None:
    source = "import tensorflow as tf\ndef f(:\n    return tf\n"
    result = rewrite_source(source, level="compat")
    assert result.code == source and result.error.startswith("cannot parse: syntax error at line 2")
    (finding,) = result.findings
    assert (finding.code, finding.line) == ("TFM001", 2)
    assert "2to3" not in finding.suggestion


def test_notebook_magics_survive_exactly() -> None:
    source = (
        "%matplotlib inline\n"
        "!pip install tensorflow==1.15\n"
        "import tensorflow as tf\n"
        "get_ipython().run_line_magic('load_ext', 'autoreload')\n"
        "for i in range(2):\n"
        "    %time x = tf.placeholder(tf.float32)\n"
        "    y = (i\n"
        "         % 2)\n"
        "y = tf.pack([1, 2])\n"
    )
    result = rewrite_source(source, path="nb.py", level="compat")
    assert result.error is None
    lines = result.code.splitlines()
    for magic in ("%matplotlib inline", "!pip install tensorflow==1.15", "    %time x = tf.placeholder(tf.float32)"):
        assert magic in lines
    assert "         % 2)" in lines
    assert "get_ipython().run_line_magic('load_ext', 'autoreload')" in lines
    assert "y = tf.stack([1, 2])" in lines
    assert result.findings[0].code == "TFM002" and result.findings[0].severity == "info"
    assert rewrite_source(result.code, level="compat").code == result.code


def test_one_metadata_wrapper_per_file(monkeypatch) -> None:
    made = []
    original = libcst.metadata.MetadataWrapper.__init__

    def counting(self, *args, **kwargs):
        made.append(kwargs.get("unsafe_skip_copy", False))
        original(self, *args, **kwargs)

    monkeypatch.setattr(libcst.metadata.MetadataWrapper, "__init__", counting)
    rewrite_source(OLD_SCRIPT, level="compat")
    assert made == [True]


def test_migrate_imports_and_runs_without_tensorflow(tmp_path) -> None:
    script = tmp_path / "old.py"
    script.write_text(OLD_SCRIPT)
    program = textwrap.dedent(
        f"""
        import importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "tensorflow" or name.startswith(("tensorflow.", "tf_keras", "keras")):
                    raise ImportError("blocked: " + name)
                return None

        sys.meta_path.insert(0, Block())
        import migrate
        result = migrate.rewrite_source(open({str(script)!r}).read(), level="compat")
        assert "tf.compat.v1.nn.static_rnn" in result.code, result.code
        assert not any(name.startswith("tensorflow") for name in sys.modules)
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


IDEMPOTENCE_SOURCES = [
    OLD_SCRIPT,
    "from tensorflow.contrib import rnn\nc = rnn.LSTMCell(3)\no = rnn.static_rnn(c, xs)\n",
    "from tensorflow.contrib.rnn import *\ncell = MultiRNNCell([LSTMCell(3)] * 2)\n",
    "import tensorflow as tf\ny = tf.contrib.layers.fully_connected(x, 3)\nz = tf.split(1, 2, x)\n",
    "import tensorflow.compat.v1 as tf\nx = tf.placeholder(tf.float32)\nc = tf.contrib.rnn.GRUCell(2)\n",
]


def _fixtures() -> list[pathlib.Path]:
    return sorted(FIXTURES.glob("*.py")) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("index", range(len(IDEMPOTENCE_SOURCES)))
def test_running_twice_changes_nothing(index: int) -> None:
    _assert_idempotent(IDEMPOTENCE_SOURCES[index])


@pytest.mark.slow
@pytest.mark.parametrize("path", _fixtures(), ids=lambda path: path.stem)
def test_running_twice_changes_nothing_on_the_corpus(path: pathlib.Path) -> None:
    _assert_idempotent(path.read_text())


def _assert_idempotent(source: str) -> None:
    once = rewrite_source(source, level="compat")
    twice = rewrite_source(once.code, level="compat")
    assert twice.code == once.code
    assert not twice.changed


@pytest.mark.parametrize("index", range(len(IDEMPOTENCE_SOURCES) + 3))
def test_one_pass_pipeline_equals_the_commands_run_one_by_one(index: int) -> None:
    import libcst as cst
    from libcst.codemod import CodemodContext

    from migrate.codemods import COMPAT

    sources = IDEMPOTENCE_SOURCES + [path.read_text() for path in _fixtures()[:3]]
    if index >= len(sources):
        pytest.skip("fixture corpus not present")
    source = sources[index]
    module = cst.parse_module(source)
    for command in COMPAT:
        module = command(CodemodContext()).transform_module(module)
    assert rewrite_source(source, level="compat").code == module.code
