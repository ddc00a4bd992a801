"""The tf1-migrate command line, run as users run it: the real entry point in a subprocess."""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from corpus_tools import HALLSTROM_SCRIPT

FIXTURES = Path(__file__).parent / "fixtures" / "tf1_scripts"
OLD_SCRIPT = """import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 3])
y = tf.pack([x, x])
"""
NEW_SCRIPT = """import tensorflow as tf
tf.compat.v1.disable_eager_execution()
x = tf.compat.v1.placeholder(tf.float32, [None, 3])
y = tf.stack([x, x])
"""


def cli(*args, stdin=None, cwd=None, timeout=300):
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    return subprocess.run([sys.executable, "-m", "migrate", *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def write(path, text, mode=None):
    path.write_text(text)
    if mode is not None:
        path.chmod(mode)
    return path


def test_default_shows_a_diff_and_writes_nothing(tmp_path):
    script = write(tmp_path / "old.py", OLD_SCRIPT)
    run = cli("rewrite", script)
    assert run.returncode == 1  # changes needed
    assert f"--- {script}" in run.stdout and "+y = tf.stack([x, x])" in run.stdout
    assert script.read_text() == OLD_SCRIPT
    assert "1 file(s) would change, 0 unchanged, 0 failed" in run.stderr


def test_check_exits_1_on_pending_changes_and_0_when_clean(tmp_path):
    script = write(tmp_path / "old.py", OLD_SCRIPT)
    run = cli("rewrite", "--check", script)
    assert run.returncode == 1 and f"would rewrite {script}" in run.stdout
    write(script, NEW_SCRIPT)
    assert cli("rewrite", "--check", script).returncode == 0


def test_write_is_in_place_keeps_mode_and_symlinks_and_is_idempotent(tmp_path):
    script = write(tmp_path / "old.py", OLD_SCRIPT, mode=0o640)
    link = tmp_path / "link.py"
    link.symlink_to(script)
    run = cli("rewrite", "--write", link)
    assert run.returncode == 0, run.stderr
    assert link.is_symlink() and os.readlink(link) == str(script)  # still a link, target rewritten
    assert script.read_text() == NEW_SCRIPT
    assert stat.S_IMODE(script.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tf1-migrate-")]  # no temp left
    second = cli("rewrite", "--write", script)
    assert second.returncode == 0 and "0 file(s) rewritten, 1 unchanged" in second.stderr


def test_stdin_to_stdout():
    run = cli("rewrite", "-", stdin=OLD_SCRIPT)
    assert run.returncode == 0 and run.stdout == NEW_SCRIPT
    assert cli("rewrite", "--write", "-", stdin=OLD_SCRIPT).returncode == 2


def test_usage_errors_exit_2():
    assert cli("rewrite").returncode == 2
    assert cli("rewrite", "--jobs", "0", ".").returncode == 2
    assert cli("frobnicate").returncode == 2


def test_report_json_schema(tmp_path):
    shutil.copy(FIXTURES / "cudnn_lstm_finding.py", tmp_path / "cudnn.py")
    write(tmp_path / "clean.py", "print('no tensorflow here')\n")
    report = tmp_path / "report.json"
    run = cli("rewrite", "--report", report, tmp_path)
    assert run.returncode == 1
    data = json.loads(report.read_text())
    assert data["version"] == 1 and data["level"] == "keras"  # the default level
    by_path = {Path(f["path"]).name: f for f in data["files"]}
    assert by_path["clean.py"]["status"] == "unchanged"
    finding = next(f for f in by_path["cudnn.py"]["findings"] if f["code"] == "TFM101")
    assert set(finding) == {"code", "path", "line", "col", "severity", "message", "suggestion"}
    assert "CudnnLSTM" in finding["message"] and finding["line"] > 0
    assert data["summary"]["changed"] == 1 and data["summary"]["unchanged"] == 1
    assert f"{tmp_path / 'cudnn.py'}:{finding['line']}:{finding['col']}: TFM101" in run.stdout


def test_notebook_cells_rewritten_in_place_with_layout_metadata_and_outputs_kept(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Old TF\n"]},
            {"cell_type": "code", "execution_count": 1, "metadata": {"tags": ["keep"]},
             "outputs": [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}],
             "source": ["%matplotlib inline\n", "import tensorflow as tf\n", "x = tf.placeholder(tf.float32)\n"]},
            {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [],
             "source": ["cell = tf.contrib.rnn.LayerNormBasicLSTMCell(4)\n"]},
        ],
        "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5,
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    run = cli("rewrite", "--write", path)
    new = json.loads(path.read_text())
    code = "".join(new["cells"][1]["source"])
    assert code.startswith("%matplotlib inline\n") and "tf.compat.v1.placeholder" in code
    assert new["cells"][1]["outputs"] == notebook["cells"][1]["outputs"]
    assert new["cells"][1]["metadata"] == {"tags": ["keep"]} and new["metadata"] == notebook["metadata"]
    assert new["cells"][0] == notebook["cells"][0]
    assert path.read_text().startswith('{\n "cells"')  # indent 1, as written
    assert f"{path}:cell 3:1:" in run.stdout and "LayerNormBasicLSTMCell" in run.stdout


# --- robustness: each bad input gets a precise message, the run goes on, nothing else is touched ---


def test_bad_inputs_are_reported_per_file_and_the_run_continues(tmp_path):
    files = {
        "py2.py": "import tensorflow as tf\nprint 'hello'\ntry:\n    pass\nexcept Exception, e:\n    pass\n",
        "syntax.py": "import tensorflow as tf\nx = tf.placeholder(tf.float32\n",
        "empty.py": "",
    }
    for name, text in files.items():
        write(tmp_path / name, text)
    (tmp_path / "latin1_undeclared.py").write_bytes(b"import tensorflow as tf\n# caf\xe9\n")
    (tmp_path / "latin1_declared.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport tensorflow as tf\n# caf\xe9\nx = tf.placeholder(tf.float32)\n")
    (tmp_path / "binary.py").write_bytes(b"tensorflow\x00\x01\x02\xff")
    write(tmp_path / "magic.py", "%matplotlib inline\n!pip install x\nimport tensorflow as tf\nx = tf.pack([1])\n")
    readonly = write(tmp_path / "readonly.py", OLD_SCRIPT, mode=0o444)
    good = write(tmp_path / "good.py", OLD_SCRIPT)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    run = cli("rewrite", "--write", tmp_path)
    assert run.returncode == 1
    err = run.stderr
    assert "py2.py: error: cannot parse: Python 2 syntax" in err and "2to3" in err
    assert "syntax.py: error: cannot parse: syntax error at line 2" in err
    assert "latin1_undeclared.py: error: cannot decode" in err and "coding" in err
    assert "binary.py: error: binary file" in err
    assert "readonly.py: error: cannot write" in err
    # Untouched: every failed file, the empty one; rewritten: the good, the magic and the declared-latin-1 ones.
    for name in ("py2.py", "syntax.py", "latin1_undeclared.py", "binary.py", "empty.py", "readonly.py"):
        assert (tmp_path / name).read_bytes() == before[name], name
    assert good.read_text() == NEW_SCRIPT
    assert (tmp_path / "magic.py").read_text().startswith("%matplotlib inline\n!pip install x\n")
    latin1 = (tmp_path / "latin1_declared.py").read_bytes()
    assert b"caf\xe9" in latin1 and b"tf.compat.v1.placeholder" in latin1  # re-encoded as declared
    assert stat.S_IMODE(readonly.stat().st_mode) == 0o444


def test_directory_symlink_loop_is_reported_not_followed_forever(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    write(package / "a.py", OLD_SCRIPT)
    (package / "loop").symlink_to(package, target_is_directory=True)
    run = cli("rewrite", "--check", tmp_path, timeout=60)
    assert "directory symlink loop" in run.stderr
    assert "would rewrite" in run.stdout and run.stdout.count("a.py") == 1


def test_file_deleted_during_the_run_is_reported(tmp_path):
    from migrate.runner import run_paths

    doomed = write(tmp_path / "doomed.py", OLD_SCRIPT)
    kept = write(tmp_path / "kept.py", OLD_SCRIPT)
    paths = [str(doomed), str(kept)]
    doomed.unlink()  # collected, then gone before it is read
    outcomes = run_paths(paths, "compat", write=True, jobs=1)
    assert outcomes[0].status == "failed" and "disappeared" in outcomes[0].error
    assert outcomes[1].status == "changed" and kept.read_text() == NEW_SCRIPT


@pytest.mark.slow
def test_very_large_file(tmp_path):
    body = "".join(f"h{i} = tf.pack([x, x])\n" for i in range(5000))  # 5,000 lines: far beyond any real script
    script = write(tmp_path / "large.py", "import tensorflow as tf\nx = tf.constant(1.0)\n" + body)
    run = cli("rewrite", "--write", script, timeout=600)
    assert run.returncode == 0, run.stderr
    text = script.read_text()
    assert text.count("tf.stack([x, x])") == 5000 and "tf.pack" not in text


@pytest.mark.slow
def test_tensorflow_free_tree_the_standard_library_comes_back_byte_identical(tmp_path):
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    copy = tmp_path / "stdlib"
    shutil.copytree(stdlib, copy, ignore=shutil.ignore_patterns("site-packages", "__pycache__", "test", "tests"),
                    symlinks=True)
    digest_before = {p: p.read_bytes() for p in copy.rglob("*.py") if p.is_file() and not p.is_symlink()}
    started = time.perf_counter()
    run = cli("rewrite", "--check", copy, timeout=600)
    seconds = time.perf_counter() - started
    # Some stdlib files mention "tensorflow"? None do; every file must come back unchanged.
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert f"0 file(s) would change, {len(digest_before)}" in run.stderr or "0 failed" in run.stderr
    assert all(p.read_bytes() == data for p, data in digest_before.items())
    print(f"stdlib: {len(digest_before)} files in {seconds:.1f} s ({len(digest_before) / seconds:.0f} files/s)")


@pytest.mark.slow
def test_interrupted_write_leaves_every_file_old_or_new(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    source = HALLSTROM_SCRIPT.read_text()
    for index in range(300):
        write(tree / f"script_{index:03d}.py", source)
    expected_new = cli("rewrite", "-", stdin=source).stdout
    assert expected_new and expected_new != source
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    # SIGINT back to its default in the child: a suite started as a background job (`make test &`,
    # nohup) inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler.
    process = subprocess.Popen([sys.executable, "-m", "migrate", "rewrite", "--write", "--jobs", "1", str(tree)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline:  # interrupt once some, not all, files are rewritten
        done = sum((tree / f"script_{i:03d}.py").read_text() == expected_new for i in range(0, 300, 10))
        if done >= 2:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    contents = [p.read_text() for p in sorted(tree.glob("*.py"))]
    assert len(contents) == 300
    assert all(text in (source, expected_new) for text in contents)  # never partial
    assert any(text == source for text in contents) and any(text == expected_new for text in contents)
    assert not list(tree.glob(".tf1-migrate-*"))  # no temp file left behind


# --- the TensorFlow commands, through the entry point ----------------------------------


@pytest.mark.slow
def test_convert_checkpoint_prints_the_mapping_and_refuses_cleanly(tmp_path):
    from tf1_reference.builder import run_reference
    from tf1_reference.spec import LayerSpec, StackSpec

    spec = StackSpec(layers=(LayerSpec("lstm", 4, forget_bias=0.5), LayerSpec("gru", 3)), scope="encoder")
    prefix = str(tmp_path / "ckpt" / "model.ckpt")
    run_reference(spec, checkpoint_path=prefix)
    run = cli("convert-checkpoint", prefix, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "encoder/multi_rnn_cell/cell_0/lstm_cell/kernel" in run.stdout
    assert (tmp_path / "out").is_dir() and list((tmp_path / "out").glob("*.keras"))
    # Without the .meta graph the forget bias is unknown: refused, naming the flag, nothing written.
    Path(prefix + ".meta").unlink()
    refused = cli("convert-checkpoint", prefix, "--out", tmp_path / "out2")
    assert refused.returncode == 1 and "forget_bias" in refused.stderr and "nothing was written" in refused.stderr
    assert not (tmp_path / "out2").exists()


@pytest.mark.slow
def test_verify_a_spec_file_and_a_catalogue_case(tmp_path):
    from tf1_reference.spec import LayerSpec, StackSpec

    spec = StackSpec(layers=(LayerSpec("lstm", 5, use_peepholes=True), LayerSpec("gru", 3)),
                     driver="bidirectional_dynamic_rnn", use_sequence_length=True)
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec.to_dict()))
    run = cli("verify", "--spec", spec_file)
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "spec.json" in run.stdout and " ok" in run.stdout and "FAIL" not in run.stdout
    case = cli("verify", "--case", "peepholes")
    assert case.returncode == 0 and case.stdout.count(" ok") == 2  # float32 and float64
    assert cli("verify", "--case", "no_such_case").returncode == 2
    (tmp_path / "bad.json").write_text('{"layers": [{"kind": "lstm", "units": 0}]}')
    bad = cli("verify", "--spec", tmp_path / "bad.json")
    assert bad.returncode == 2 and "`layers[0].units`" in bad.stderr


def test_examples_list_show_and_html(tmp_path):
    listing = cli("examples")
    assert listing.returncode == 0 and "hallstrom_packed_state" in listing.stdout
    shown = cli("examples", "cell_zoo")
    assert shown.returncode == 0 and "keras" in shown.stdout.lower() and "LSTMCell" in shown.stdout
    assert cli("examples", "no_such_example").returncode == 2
    page = tmp_path / "examples.html"
    assert cli("examples", "--html", page).returncode == 0 and "<html" in page.read_text().lower()


@pytest.mark.slow
def test_demo_migrates_proves_trains_and_draws(tmp_path):
    run = cli("demo", "--steps", "40", "--out", tmp_path / "demo", timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # the migration diff, at the default keras level
    assert "+states_series, current_state = keras_rnn.static_rnn(" in run.stdout
    # the rewritten script proven against its compat reference, Session.run by Session.run
    assert "PROVEN: 21 Session.run calls compared (20 of them fetched values)" in run.stdout
    # The tf2 level: its diff, and its proof (the reference's initializer run is not a step).
    assert "--level tf2:" in run.stdout and "+@tf.function(input_signature=[" in run.stdout
    assert "PROVEN: 20 Session.run calls compared" in run.stdout
    assert run.stdout.count("  ok") >= 8 and "ABOVE TOLERANCE" not in run.stdout and "DIFFERS" not in run.stdout
    assert "max |loss diff| over all steps" in run.stdout and "(tolerance 1e-05:" in run.stdout
    picture = tmp_path / "demo" / "loss_curves.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 20000


def test_progress_bar_on_a_terminal_for_long_runs_only(tmp_path):
    import pty

    for index in range(60):
        write(tmp_path / f"s{index:02d}.py", OLD_SCRIPT)

    def stderr_on_a_terminal(*args):
        main_fd, terminal_fd = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
        env.update(COLUMNS="100", TERM="xterm")
        process = subprocess.Popen([sys.executable, "-m", "migrate", *map(str, args)], stdout=subprocess.DEVNULL,
                                   stderr=terminal_fd, env=env)
        os.close(terminal_fd)
        chunks = []
        while True:
            try:
                chunk = os.read(main_fd, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=300)
        os.close(main_fd)
        return b"".join(chunks).decode("utf-8", "replace")

    long_run = stderr_on_a_terminal("rewrite", "--check", "--jobs", "1", tmp_path)
    assert "rewriting" in long_run and "━" in long_run  # rich's bar, drawn on the terminal
    short_run = stderr_on_a_terminal("rewrite", "--check", tmp_path / "s00.py")
    assert "rewriting" not in short_run and "1 file(s) would change" in short_run
    piped = cli("rewrite", "--check", tmp_path)  # stderr is a pipe: no bar, just the summary
    assert "rewriting" not in piped.stderr and "60 file(s) would change" in piped.stderr


def test_default_level_is_keras_and_compat_is_still_available():
    source = "import tensorflow as tf\ncell = tf.nn.rnn_cell.GRUCell(4)\n"
    keras_level = cli("rewrite", "-", stdin=source)
    assert keras_level.returncode == 0
    assert "keras.layers.GRUCell(4, reset_after=False)" in keras_level.stdout
    assert "TF_USE_LEGACY_KERAS" not in keras_level.stdout
    compat = cli("rewrite", "--level", "compat", "-", stdin=source)
    assert compat.returncode == 0
    assert "tf.compat.v1.nn.rnn_cell.GRUCell(4)" in compat.stdout and "TF_USE_LEGACY_KERAS" in compat.stdout


# --- no TensorFlow start-up noise on the terminal ---------------------------------------

# What TF 2.21 writes to stderr on a machine without a GPU (seen before the fix): the absl
# pre-initialisation banner, oneDNN / CUDA / CPU-feature notices from `import tensorflow`, and
# C++ log lines at the first Session (cuInit, oneDNN, MLIR, "Not handling type DT_DOUBLE").
TENSORFLOW_NOISE = ("absl::InitializeLog", "oneDNN", "cuda drivers", "cuInit", "cpu_feature_guard",
                    "This TensorFlow binary is optimized", "MLIR", "Not handling type")


def installed_cli(*args, timeout=300):
    """The console script, as a user runs it, with none of the logging variables set."""
    quiet_variables = ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES")
    env = {k: v for k, v in os.environ.items() if k not in quiet_variables}
    script = Path(sys.executable).parent / "tf1-migrate"
    return subprocess.run([str(script), *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout)


def assert_no_tensorflow_noise(stderr):
    found = [line for line in stderr.splitlines() if any(noise in line for noise in TENSORFLOW_NOISE)]
    assert not found, "\n".join(found)


@pytest.mark.slow
def test_verify_prints_no_tensorflow_start_up_noise():
    run = installed_cli("verify", "--case", "basic_rnn")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count(" ok") == 2  # the command still ran: float32 and float64
    assert_no_tensorflow_noise(run.stderr)


@pytest.mark.slow
def test_convert_checkpoint_prints_no_tensorflow_start_up_noise(tmp_path):
    from tf1_reference.builder import run_reference
    from tf1_reference.spec import LayerSpec, StackSpec

    prefix = str(tmp_path / "ckpt" / "model.ckpt")
    run_reference(StackSpec(layers=(LayerSpec("lstm", 4, forget_bias=0.5),)), checkpoint_path=prefix)
    run = installed_cli("convert-checkpoint", prefix, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel" in run.stdout
    assert_no_tensorflow_noise(run.stderr)


def test_a_failing_tensorflow_import_is_shown_with_what_it_wrote(tmp_path):
    # Only the import window is silenced: when the import itself fails, the user sees why.
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import os\nos.write(2, b'libtensorflow_framework.so.2: cannot open shared object file\\n')\n"
        "raise ImportError('DLL load failed')\n")
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parent.parent)])
    run = subprocess.run([sys.executable, "-m", "migrate", "verify", "--case", "basic_rnn"], capture_output=True,
                         text=True, env=env, timeout=60)
    assert run.returncode == 2
    assert "tf1-migrate verify: error: cannot import TensorFlow: DLL load failed" in run.stderr
    assert "libtensorflow_framework.so.2: cannot open shared object file" in run.stderr
    assert "Traceback" not in run.stderr
