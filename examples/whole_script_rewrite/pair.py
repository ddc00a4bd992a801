"""Runs before.py and after.py from the same weights, each in its own process, and returns the numbers.

* TF1 side: ``before.py`` rewritten by ``tf1-migrate rewrite --level compat`` (the smallest change
  that runs on TF 2.21: ``tf.compat.v1`` names, eager off, legacy Keras on), executed with
  ``runpy`` so its module globals (``sess``, the placeholders, ``initial_state``, ...) can be
  read without running its ``__main__`` training loop. Its variables get seeded random values
  (a stand-in for a trained model), then one batch runs from a random non-zero state.
  Those weights are saved with a real ``Saver`` (checkpoint and ``.meta``), as a trained TF1
  model would have been.
* Keras side: ``after.py`` -- exactly what ``tf1-migrate rewrite`` (the keras level) writes for
  ``before.py``; a test keeps the two in step -- executed the same way in a process without
  ``TF_USE_LEGACY_KERAS`` where ``tf_keras`` cannot be imported. ``keras_rnn.restore_tf1_checkpoint`` loads the TF1 checkpoint into
  its Keras 3 cells (gate reorder, kernel split, forget_bias from the ``.meta``), which live in
  the script's own ``tf.compat.v1`` graph and session. The script still feeds and fetches its
  state as ``LSTMStateTuple(c, h)`` per layer.

* TF2 side: ``after_tf2.py`` -- exactly what ``tf1-migrate rewrite --level tf2`` writes: no
  Session, no placeholder; the RNN, the embedding and the softmax layer are objects built once and
  the training step is ``run_train_op``, a ``tf.function``. It loads the same checkpoint with
  ``tf2_port.restore_tf1_checkpoint_into(path, {"embedding": embedding, "rnn": cell, "softmax":
  softmax_layer})`` -- the TF1 names the objects had -- and runs one training step from the same
  state on the same batch; the TF1 side runs that step too (``sess.run([loss, final_state,
  train_op], ...)``): the loss, the final state and the weights after the Adam update are compared.

Each side runs in a child process because both scripts switch eager execution off globally.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NUM_LAYERS, HIDDEN, BATCH, STEPS = 2, 32, 8, 20


def _run_child(side: str, script: pathlib.Path, feed: dict, workdir: pathlib.Path) -> dict:
    np.savez(workdir / f"{side}_in.npz", **feed)
    env = {key: value for key, value in os.environ.items() if key != "TF_USE_LEGACY_KERAS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    completed = subprocess.run(
        [sys.executable, "-m", "examples.whole_script_rewrite.pair", side, str(script), str(workdir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        raise RuntimeError(f"{script.name} failed ({side} side):\n{completed.stderr[-3000:]}")
    with np.load(workdir / f"{side}_out.npz") as out:
        return dict(out)


def _lstm_state(arrays: dict, prefix: str) -> tuple:
    """TF1's MultiRNNCell state: one (c, h) pair per layer."""
    return tuple((arrays[f"{prefix}_c{i}"], arrays[f"{prefix}_h{i}"]) for i in range(NUM_LAYERS))


def run_tf1(seed: int = 0) -> dict:
    from migrate import rewrite_source

    result = rewrite_source((HERE / "before.py").read_text(), level="compat", path="before.py")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="whole_script_"))
    script = workdir / "before_compat.py"
    script.write_text(result.code)
    rng = np.random.default_rng(seed)
    feed = {"ids": rng.integers(0, 20, (BATCH, STEPS)), "targets": rng.integers(0, 20, (BATCH, STEPS)), "seed": seed}
    for i in range(NUM_LAYERS):
        feed[f"c{i}"], feed[f"h{i}"] = rng.uniform(-1, 1, (2, BATCH, HIDDEN)).astype(np.float32)
    out = _run_child("tf1", script, feed, workdir)
    variables = {name[len("var:"):]: value for name, value in out.items() if name.startswith("var:")}
    return {"inputs": feed["ids"], "targets": feed["targets"],
            "initial_state": tuple((feed[f"c{i}"], feed[f"h{i}"]) for i in range(NUM_LAYERS)),
            "outputs": out["logits"], "final_state": _lstm_state(out, "final"), "variables": variables,
            "train_loss": out["train_loss"], "train_final_state": _lstm_state(out, "train_final"),
            "after": {name[len("after:"):]: value for name, value in out.items() if name.startswith("after:")},
            "workdir": str(workdir)}


def run_tf2_training_step(tf1_run: dict) -> dict:
    """One training step of ``after_tf2.py`` from the TF1 checkpoint, the state and the batch of ``tf1_run``."""
    workdir = pathlib.Path(tf1_run["workdir"])
    feed = {"ids": tf1_run["inputs"], "targets": tf1_run["targets"]}
    for i, (c, h) in enumerate(tf1_run["initial_state"]):
        feed[f"c{i}"], feed[f"h{i}"] = c, h
    out = _run_child("tf2", HERE / "after_tf2.py", feed, workdir)
    return {"loss": out["train_loss"], "final_state": _lstm_state(out, "train_final"),
            "weights": {name[len("after:"):]: value for name, value in out.items() if name.startswith("after:")}}


def tf1_training_step(tf1_run: dict) -> dict:
    """The TF1 side's training step (run by ``run_tf1`` after its forward pass)."""
    return {"loss": tf1_run["train_loss"], "final_state": tf1_run["train_final_state"], "weights": tf1_run["after"]}


def run_keras(tf1_run: dict) -> dict:
    workdir = pathlib.Path(tf1_run["workdir"])
    feed = {"ids": tf1_run["inputs"]}
    for i, (c, h) in enumerate(tf1_run["initial_state"]):
        feed[f"c{i}"], feed[f"h{i}"] = c, h
    out = _run_child("keras", HERE / "after.py", feed, workdir)
    return {"outputs": out["logits"], "final_state": _lstm_state(out, "final")}


# --- what runs in the child processes -------------------------------------------------------


class _NoTfKeras:
    """A meta-path finder that makes ``import tf_keras`` fail, as on a machine without it."""

    def find_spec(self, name, path=None, target=None):
        if name == "tf_keras" or name.startswith("tf_keras."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: after.py must not need it)")
        return None


# The TF1 names of the weights compared after a training step, and the tf2 program's objects
# that hold them (what restore_tf1_checkpoint_into is given).
TRAINED_WEIGHTS = ("embedding", "softmax/kernel", "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias")


def _tf2_child(script: str, workdir: str, feed_in: dict) -> None:
    import runpy

    import tf2_port

    g = runpy.run_path(script, run_name="example")  # builds the objects and steps; no training
    checkpoint = os.path.join(workdir, "model.ckpt")
    tf2_port.restore_tf1_checkpoint_into(checkpoint, {"embedding": g["embedding"], "rnn": g["cell"],
                                                      "softmax": g["softmax_layer"]})
    state_tuple = g["LSTMStateTuple"]
    state = tuple(state_tuple(c=feed_in[f"c{i}"], h=feed_in[f"h{i}"]) for i in range(NUM_LAYERS))
    loss, final_state, _ = g["numpy_values"](g["run_train_op"](feed_in["ids"], feed_in["targets"], state))
    out = {"train_loss": loss}
    for i, layer in enumerate(final_state):
        out[f"train_final_c{i}"], out[f"train_final_h{i}"] = layer.c, layer.h
    # The same weights after the update, in TF1's layouts (the bias: Keras (i, f, c, o) back to
    # TF1's (i, j, f, o), forget bias taken out again, as the converter put it in).
    out["after:embedding"] = g["embedding"].numpy()
    out["after:softmax/kernel"] = g["softmax_layer"].kernel.numpy()
    bias = g["cell"].cells[0].bias.numpy()
    i, f, c, o = np.split(bias, 4)
    out["after:rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias"] = np.concatenate([i, c, f - 1.0, o])
    np.savez(os.path.join(workdir, "tf2_out.npz"), **out)


def _child(side: str, script: str, workdir: str) -> None:
    import runpy

    if side in ("keras", "tf2"):
        sys.meta_path.insert(0, _NoTfKeras())
    if side == "tf2":
        with np.load(os.path.join(workdir, "tf2_in.npz")) as arrays:
            return _tf2_child(script, workdir, dict(arrays))
    import tensorflow as tf

    if side == "keras":
        from tf2_port import keras_rnn
    with np.load(os.path.join(workdir, f"{side}_in.npz")) as arrays:
        feed_in = dict(arrays)
    g = runpy.run_path(script, run_name="example")  # builds the graph and session; no training
    sess = g["sess"]
    by_name = {variable.op.name: variable for variable in tf.compat.v1.global_variables()}
    checkpoint = os.path.join(workdir, "model.ckpt")
    out = {}
    if side == "tf1":
        rng = np.random.default_rng(int(feed_in["seed"]) + 1000)
        weights = [name for name in sorted(by_name) if "Adam" not in name and "_power" not in name]
        for name in weights:  # a stand-in for a trained model: biases non-zero too
            variable = by_name[name]
            variable.load(rng.uniform(-0.2, 0.2, variable.shape.as_list()).astype(np.float32), sess)
        tf.compat.v1.train.Saver().save(sess, checkpoint)
        out = {f"var:{name}": sess.run(by_name[name]) for name in weights}
    else:
        keras_rnn.restore_tf1_checkpoint(sess, checkpoint)
    # Both scripts feed and fetch the state as LSTMStateTuple(c, h) per layer.
    feed = {g["input_data"]: feed_in["ids"]}
    for i, (c, h) in enumerate(g["initial_state"]):
        feed[c], feed[h] = feed_in[f"c{i}"], feed_in[f"h{i}"]
    logits, final_state = sess.run([g["logits"], g["final_state"]], feed)
    final_pairs = [(state.c, state.h) for state in final_state]
    out["logits"] = logits
    for i, (c, h) in enumerate(final_pairs):
        out[f"final_c{i}"], out[f"final_h{i}"] = c, h
    if side == "tf1":  # one training step from the same state, for the tf2 side's comparison
        feed[g["targets"]] = feed_in["targets"]
        loss, final_state, _ = sess.run([g["loss"], g["final_state"], g["train_op"]], feed)
        out["train_loss"] = loss
        for i, state in enumerate(final_state):
            out[f"train_final_c{i}"], out[f"train_final_h{i}"] = state.c, state.h
        for name in TRAINED_WEIGHTS:
            out[f"after:{name}"] = sess.run(by_name[name])
    np.savez(os.path.join(workdir, f"{side}_out.npz"), **out)


if __name__ == "__main__":
    _child(*sys.argv[1:4])
