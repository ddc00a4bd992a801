"""Run one keras-level proof fixture both ways from the same weights; print JSON diffs.

    python tests/scripts/prove_keras_level.py FIXTURE.py [FIXTURE.py ...]

The fixture is rewritten twice with ``migrate.rewrite_source``: at the compat level (the
original TF1 program, legacy cells) and at the keras level (Keras 3 cells, no tf_keras
needed). The compat graph is built, initialised and saved with a real ``Saver`` (checkpoint and
``.meta``); the keras graph is built, initialised, and loaded from that checkpoint with
``tf2_port.keras_rnn.restore_tf1_checkpoint`` (gate reorder, kernel split, forget_bias read
from the ``.meta``). Both run the fixture's fetches on the same feed. Runs in its own process:
the rewritten modules disable eager execution for the whole interpreter.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import types

import numpy as np

import tf1_reference  # noqa: F401 -- sets TF_USE_LEGACY_KERAS for the compat (legacy) side
from migrate import rewrite_source
from tf1_reference._legacy import tf
from tf2_port import keras_rnn


def load(code: str, path: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = path
    exec(compile(code, path, "exec"), module.__dict__)
    return module


def run(module: types.ModuleType, feed_values: dict, checkpoint: str, restore: bool) -> dict:
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(1)
        feeds, fetches = module.build_graph()
        session = tf.compat.v1.Session(graph=graph)
        session.run(tf.compat.v1.global_variables_initializer())
        loaded = []
        if restore:
            loaded = keras_rnn.restore_tf1_checkpoint(session, checkpoint)
        else:
            tf.compat.v1.train.Saver().save(session, checkpoint)
        values = session.run(fetches, {feeds[key]: value for key, value in feed_values.items()})
        session.close()
    return values, loaded


def main(argv: list[str]) -> int:
    for path in argv:
        prove(path)
    return 0


def prove(path: str) -> None:
    source = open(path).read()
    compat = rewrite_source(source, level="compat", path=path)
    keras_level = rewrite_source(source, level="keras", path=path)
    assert compat.error is None and keras_level.error is None
    feed_values = load(compat.code, path, "proof_feed_source").proof_feed(np.random.RandomState(0))
    with tempfile.TemporaryDirectory() as directory:
        checkpoint = os.path.join(directory, "model.ckpt")
        reference, _ = run(load(compat.code, path, "proof_tf1"), feed_values, checkpoint, restore=False)
        ported, loaded = run(load(keras_level.code, path, "proof_keras"), feed_values, checkpoint, restore=True)
    report = {"fixture": path, "loaded": loaded, "fetches": {}}
    for key, value in reference.items():
        expected = np.asarray(value, dtype=np.float64)
        actual = np.asarray(ported[key], dtype=np.float64)
        report["fetches"][key] = {
            "shape_tf1": list(expected.shape),
            "shape_keras": list(actual.shape),
            "max_abs_diff": float(np.max(np.abs(expected - actual))) if expected.shape == actual.shape else None,
            "max_abs_value": float(np.max(np.abs(expected))) if expected.size else 0.0,
        }
    print("PROOF " + json.dumps(report), flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
