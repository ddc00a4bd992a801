"""The TF1 fixture corpus at the keras level (issue 5's end-to-end acceptance).

(a) every file rewritten with ``migrate.rewrite_source(level="keras")``: idempotent; the
    runnable scripts come out without any legacy-Keras use (no ``tf_keras``, no
    ``TF_USE_LEGACY_KERAS``, no ``tf.compat.v1.nn.rnn_cell`` / ``tf.compat.v1.layers``) and
    with the keras level's findings (checkpoint names, the ``tf2_port`` import); the
    finding-only files keep their findings; line endings, indentation and magics survive.
(b) every runnable script, rewritten, runs on TensorFlow 2.21 in a subprocess where
    ``tf_keras`` cannot be imported, and its loss goes down -- the four seq2seq /
    ``optimize_loss`` scripts the compat level cannot complete included. The scripts run in
    two processes of thirteen (one TensorFlow start-up each, see
    ``tests/scripts/run_scripts_in_one_process.py``), side by side, when the first result is
    needed.
"""

from __future__ import annotations

import functools
import io
import tokenize

import pytest

import corpus_tools as ct

from migrate import rewrite_source

LEVEL = "keras"
PARSEABLE = ct.scripts(ct.RUNS, ct.RUNS_AFTER_KERAS, ct.FINDING_ONLY, ct.NOTEBOOK)
RUNNABLE = ct.scripts(ct.RUNS, ct.RUNS_AFTER_KERAS)
# Looked for in the code itself (docstrings and comments may still tell the file's history).
LEGACY_MARKERS = ("tf_keras", "TF_USE_LEGACY_KERAS", "compat.v1.nn.rnn_cell", "compat.v1.layers", "contrib")


def _code_tokens(code: str) -> str:
    """The code without strings, comments and notebook magic lines, tokens joined."""
    lines = [line for line in code.splitlines() if not line.startswith(("%", "!"))]
    tokens = tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
    skipped = (tokenize.STRING, tokenize.COMMENT)
    return "".join(token.string for token in tokens if token.type not in skipped)


def _ids(items):
    return [item.name.removesuffix(".py") for item in items]


@functools.lru_cache(maxsize=None)
def _rewrite_named(name):
    script = ct.BY_NAME[name]
    return rewrite_source(ct.read_source(script.path), level=LEVEL, path=name)


@pytest.mark.parametrize("script", PARSEABLE, ids=_ids(PARSEABLE))
def test_keras_rewrite_is_idempotent_and_keeps_unconvertible_findings(script) -> None:
    result = _rewrite_named(script.name)
    assert result.error is None and result.changed
    if script.kind != ct.NOTEBOOK:
        compile(result.code, script.name, "exec")
    again = rewrite_source(result.code, level=LEVEL, path=script.name)
    assert again.code == result.code and not again.changed
    if script.kind == ct.FINDING_ONLY:
        codes = {finding.code for finding in result.findings}
        assert set(script.compat_findings) <= codes, [f.format() for f in result.findings]


@pytest.mark.parametrize("script", RUNNABLE + ct.scripts(ct.NOTEBOOK), ids=_ids(RUNNABLE + ct.scripts(ct.NOTEBOOK)))
def test_runnable_scripts_leave_no_legacy_keras_behind(script) -> None:
    result = _rewrite_named(script.name)
    code = _code_tokens(result.code)
    for marker in LEGACY_MARKERS:
        assert marker not in code, marker
    assert "TF_USE_LEGACY_KERAS" not in result.code
    codes = [finding.code for finding in result.findings]
    # One finding per file pointing to convert-checkpoint, one saying tf2_port is imported.
    assert codes.count("TFM501") == 1 and codes.count("TFM502") >= 1, codes
    assert not {"TFM101", "TFM401", "TFM504"} & set(codes), [f.format() for f in result.findings]
    assert not [f for f in result.findings if f.severity == "error"]
    (checkpoint,) = [f for f in result.findings if f.code == "TFM501"]
    assert "convert-checkpoint" in checkpoint.suggestion
    assert "import keras" in result.code and "from tf2_port import keras_rnn" in result.code


def test_crlf_tabs_and_notebook_magics_survive_the_keras_level() -> None:
    crlf = _rewrite_named("crlf_running_max_lstm.py").code
    assert crlf.count("\n") == crlf.count("\r\n") and "keras_rnn.dynamic_rnn" in crlf
    tabbed = _rewrite_named("tab_indented_last_symbol_tracker.py").code
    indents = [t.string for t in tokenize.generate_tokens(io.StringIO(tabbed).readline) if t.type == tokenize.INDENT]
    assert indents and all(set(indent) == {"\t"} for indent in indents)
    notebook = ct.BY_NAME["notebook_export_stacked_lstm.py"]
    kept = [line for line in ct.read_source(notebook.path).splitlines() if line.startswith(("%", "!", "get_ipython()"))]
    code = _rewrite_named(notebook.name).code.splitlines()
    assert kept and all(line in code for line in kept)


def test_unparseable_and_tensorflow_free_files_are_returned_unchanged() -> None:
    for script in ct.scripts(ct.UNPARSEABLE, ct.NO_TENSORFLOW):
        source = ct.read_source(script.path)
        result = rewrite_source(source, level=LEVEL, path=script.name)
        assert result.code == source and not result.changed
        assert [f.code for f in result.findings] == (["TFM001"] if script.kind == ct.UNPARSEABLE else [])


# --- (b) the rewritten scripts run without tf_keras and train ---------------------------


@pytest.fixture(scope="module")
def keras_runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("keras_rewritten")
    paths = [ct.write_source(directory / s.name, _rewrite_named(s.name).code) for s in RUNNABLE]
    return ct.run_scripts_in_parallel_processes(paths, block_tf_keras=True)


@pytest.mark.slow
@pytest.mark.parametrize("script", RUNNABLE, ids=_ids(RUNNABLE))
def test_keras_rewritten_script_runs_without_tf_keras_and_trains(script, keras_runs) -> None:
    error, losses, stdout = keras_runs[script.name]
    assert error is None, f"{script.name} failed:\n{error}\n--- stdout (end) ---\n{ct.tail(stdout)}"
    ct.assert_trains(losses)
