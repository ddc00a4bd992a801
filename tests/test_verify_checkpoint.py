"""`tf1-migrate verify --checkpoint` against the graph that wrote the checkpoint, and `verify --all`.

Every checkpoint here is written by a real ``tf.compat.v1`` graph (legacy cells under
``dynamic_rnn``, trained one Adam step so the weights are not the initial ones) and its
real ``Saver``, ``.meta`` graph included. The graphs use ``forget_bias=0.0``: TF1's
default is 1.0, so a converter that guessed would be caught.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from migrate.cli import VERIFY_NOT_PROVEN, main
from tf1_reference._legacy import rnn_cell, tf, tf1

GRAPH_FORGET_BIAS = 0.0
ROW = re.compile(r"^(?P<case>\S+)\s+(?P<dtype>float\d\d)\s+(?P<outputs>\S+)\s+(?P<states>\S+)\s+(?P<tolerance>\S+)\s+"
                 r"(?P<result>ok|FAIL)$", re.MULTILINE)


def _tf_1_1_variable_names(getter, name, *args, **kwargs):
    # What TF <= 1.1 called the cell variables: the same graph, the old names.
    head, _, leaf = name.rpartition("/")
    return getter(f"{head}/{ {'kernel': 'weights', 'bias': 'biases'}.get(leaf, leaf)}", *args, **kwargs)


def write_tf1_checkpoint(prefix, *, old_names=False, control_flow_v1=False):
    """A 2-layer BasicLSTMCell(forget_bias=0.0) stack under dynamic_rnn, one Adam step, Saver + .meta."""
    was_v2 = tf1.control_flow_v2_enabled()
    if control_flow_v1:
        tf1.disable_control_flow_v2()  # the while loops TF 1.x wrote (Enter/Exit frames)
    try:
        with tf.Graph().as_default():
            tf1.set_random_seed(7)
            inputs = tf1.placeholder(tf.float32, [None, None, 3], name="inputs")
            lengths = tf1.placeholder(tf.int32, [None], name="lengths")
            cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(4, forget_bias=GRAPH_FORGET_BIAS)
                                          for _ in range(2)])
            with tf1.variable_scope("encoder", custom_getter=_tf_1_1_variable_names if old_names else None):
                outputs, _ = tf1.nn.dynamic_rnn(cell, inputs, sequence_length=lengths, dtype=tf.float32)
            train = tf1.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(tf.square(outputs)))
            saver = tf1.train.Saver()
            with tf1.Session() as session:
                session.run(tf1.global_variables_initializer())
                rng = np.random.default_rng(3)
                session.run(train, {inputs: rng.uniform(-1, 1, (2, 5, 3)), lengths: [5, 3]})
                saver.save(session, os.fspath(prefix))
    finally:
        if was_v2 and control_flow_v1:
            tf1.enable_control_flow_v2()
    return os.fspath(prefix)


def verify(capsys, *args):
    code = main(["verify", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(text):
    return [match.groupdict() for match in ROW.finditer(text)]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checkpoints")
    return {
        "tf2_graph": write_tf1_checkpoint(folder / "tf2_graph" / "model.ckpt"),
        "tf1_while_loops": write_tf1_checkpoint(folder / "tf1_while_loops" / "model.ckpt", control_flow_v1=True),
        "tf_1_1_names": write_tf1_checkpoint(folder / "tf_1_1_names" / "model.ckpt", old_names=True),
    }


@pytest.mark.parametrize("form", ["tf2_graph", "tf1_while_loops", "tf_1_1_names"])
def test_the_settings_the_graph_used_pass_against_the_graph(form, checkpoints, capsys):
    code, out, err = verify(capsys, "--checkpoint", checkpoints[form])
    assert code == 0, out + err
    assert f"reference: the graph that wrote the checkpoint ({checkpoints[form]}.meta)" in out
    [row] = rows(out)
    assert row["case"] == "encoder/rnn" and row["result"] == "ok"
    # float32 round-off of one matmul order against another, on unit-scale values: the
    # suite's tolerance (tf2_port.verify.TOLERANCES), far below what a wrong setting gives.
    assert float(row["outputs"]) <= 1e-6 and float(row["states"]) <= 1e-6
    assert "forget_bias=0.0 [meta]" in out  # read from the graph, not guessed


@pytest.mark.parametrize("form", ["tf2_graph", "tf1_while_loops"])
def test_a_wrong_forget_bias_fails_with_the_diff_shown(form, checkpoints, capsys):
    # The old verify rebuilt its reference from these very settings and printed "ok".
    code, out, err = verify(capsys, "--checkpoint", checkpoints[form], "--forget-bias", "1.0")
    assert code == 1, out + err
    [row] = rows(out)
    assert row["result"] == "FAIL"
    # 1.0 added to every forget-gate pre-activation moves unit-scale outputs by ~0.1
    # (measured 0.11-0.15); anything under 1e-2 would mean the argument was ignored.
    assert float(row["outputs"]) > 1e-2 and float(row["states"]) > 1e-2
    assert "forget_bias=1.0 [argument]" in out


def test_without_meta_the_limitation_is_stated_and_nothing_is_called_ok(checkpoints, tmp_path, capsys):
    for form in ("tf2_graph", "tf_1_1_names"):
        copy = tmp_path / form
        copy.mkdir()
        source = Path(checkpoints[form])
        for path in source.parent.glob(source.name + ".*"):
            if not path.name.endswith(".meta"):
                (copy / path.name).write_bytes(path.read_bytes())
        prefix = copy / source.name
        refused = verify(capsys, "--checkpoint", prefix)  # nothing says what forget_bias was
        assert refused[0] == 1 and "forget_bias" in refused[2] and "no .meta graph" in refused[2]
        code, out, err = verify(capsys, "--checkpoint", prefix, "--forget-bias", "0.0", "--tf1-defaults")
        assert code == VERIFY_NOT_PROVEN == 3, out + err
        assert rows(out) == [] and " ok" not in out
        assert f"NOT VERIFIED encoder/rnn: no {prefix}.meta: the weights were converted and their layouts " \
               "checked, but the graph's settings" in err
        assert "Traceback" not in err


def test_an_unreadable_meta_graph_is_refused_in_one_line(checkpoints, tmp_path, capsys):
    source = Path(checkpoints["tf2_graph"])
    for path in source.parent.glob(source.name + ".*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / (source.name + ".meta")).write_bytes(b"\x0a\xff\xff not a MetaGraphDef")
    code, out, err = verify(capsys, "--checkpoint", tmp_path / source.name)
    assert code == 1 and out == ""
    assert err.startswith(f"verify: refused: Invalid .meta graph `{tmp_path / source.name}.meta`: expected a "
                          "MetaGraphDef, cannot parse it") and err.count("\n") == 1


def _save_graph(prefix, build):
    with tf.Graph().as_default():
        tf1.set_random_seed(11)
        build()
        saver = tf1.train.Saver()
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            for variable in tf1.global_variables():  # biases too: zeros would hide a bias mistake
                session.run(variable.assign(tf.random.uniform(variable.shape, -0.5, 0.5, dtype=variable.dtype)))
            saver.save(session, os.fspath(prefix))
    return os.fspath(prefix)


def _flat_states_time_major_fed_state():
    # LSTM (clipped, forget_bias 0.7) with a flat (c|h) state, a relu GRU, a flat MultiRNNCell state
    # fed from a placeholder, time-major inputs, a custom scope: every state layout the locator maps.
    inputs = tf1.placeholder(tf.float32, [7, None, 3])
    cell = rnn_cell.MultiRNNCell(
        [rnn_cell.LSTMCell(5, state_is_tuple=False, forget_bias=0.7, cell_clip=0.4),
         rnn_cell.GRUCell(4, activation=tf.nn.relu)], state_is_tuple=False)
    state = tf1.placeholder(tf.float32, [None, cell.state_size])
    tf1.nn.dynamic_rnn(cell, inputs, initial_state=state, time_major=True, scope="decoder")


def _static_rnn():
    inputs = tf1.placeholder(tf.float32, [None, 4, 3])
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(4, forget_bias=0.0) for _ in range(2)])
    tf1.nn.static_rnn(cell, tf.unstack(inputs, axis=1), dtype=tf.float32)


def test_flat_states_time_major_and_a_fed_initial_state_are_located(tmp_path, capsys):
    prefix = _save_graph(tmp_path / "model.ckpt", _flat_states_time_major_fed_state)
    code, out, err = verify(capsys, "--checkpoint", prefix)
    assert code == 0, out + err
    [row] = rows(out)
    assert row["case"] == "decoder" and row["result"] == "ok"
    assert float(row["outputs"]) <= 1e-6 and float(row["states"]) <= 1e-6  # float32 round-off, as above
    assert "cell_clip=0.4 [meta]" in out and "activation='relu' [meta]" in out


def test_a_stack_without_a_loop_is_stated_as_not_compared(tmp_path, capsys):
    prefix = _save_graph(tmp_path / "model.ckpt", _static_rnn)
    code, out, err = verify(capsys, "--checkpoint", prefix)
    assert code == VERIFY_NOT_PROVEN, out + err
    assert rows(out) == [] and "NOT VERIFIED rnn: cannot find the stack `rnn` in the .meta graph" in err
    assert "a static_rnn or hand-unrolled stack has no loop" in err


def test_verify_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        from migrate.cli import _parser

        _parser().parse_args(["verify", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "3 (--checkpoint) converted but not compared against the graph that wrote the checkpoint" in text


@pytest.mark.slow
def test_verify_all_runs_every_case_in_both_dtypes():
    from tf2_port.cases import CONSTRUCTS

    env = {key: value for key, value in os.environ.items() if key != "TF_USE_LEGACY_KERAS"}
    run = subprocess.run([sys.executable, "-m", "migrate", "verify", "--all"], capture_output=True, text=True,
                         env=env, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert run.stdout.startswith("case ") and "outputs" in run.stdout and "tolerance" in run.stdout
    table = rows(run.stdout)
    assert sorted((row["case"], row["dtype"]) for row in table) == sorted(
        (name, dtype) for name in CONSTRUCTS for dtype in ("float32", "float64"))
    assert all(row["result"] == "ok" for row in table)
    # ARCHITECTURE.md, invariants: float32 1e-6, float64 1e-14, scaled by the output magnitude on relu paths.
    for row in table:
        assert float(row["tolerance"]) >= (1e-6 if row["dtype"] == "float32" else 1e-14)
        assert max(float(row["outputs"]), float(row["states"])) <= float(row["tolerance"])
