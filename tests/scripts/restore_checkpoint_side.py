"""One side of the restore_tf1_checkpoint proof; prints ``RESULT <json>``.

    python tests/scripts/restore_checkpoint_side.py tf1 MODULE.py CHECKPOINT
    python tests/scripts/restore_checkpoint_side.py keras MODULE.py CHECKPOINT

``MODULE.py`` defines ``build_graph() -> (feeds, fetches, train_op)`` and ``proof_feed(rng)``.

- ``tf1``: the compat rewrite of the TF1 script (legacy layers and cells; it sets
  ``TF_USE_LEGACY_KERAS`` itself). The graph trains ``TRAINED_STEPS`` Adam steps from its own
  random start, is saved with a real ``Saver`` (checkpoint and ``.meta``), then fetches.
- ``keras``: the keras rewrite, in a process where ``tf_keras`` cannot be imported. The graph is
  initialised, loaded with ``keras_rnn.restore_tf1_checkpoint``, then fetches.

Both then run one more training step and fetch again: that step only matches if the
optimizer's slots and counters were restored too. Runs in its own process because the
rewritten module disables eager execution for the whole interpreter.
"""

from __future__ import annotations

import json
import os
import sys
import types

import numpy as np

TRAINED_STEPS = 3
FEED_SEED = 0


def load(path: str) -> types.ModuleType:
    module = types.ModuleType("restore_side_module")
    module.__file__ = path
    with open(path) as handle:
        exec(compile(handle.read(), path, "exec"), module.__dict__)
    return module


def flat(values) -> dict[str, list]:
    import tensorflow as tf

    return {
        f"{key}/{index}": np.asarray(leaf, dtype=np.float64).tolist()
        for key, value in values.items()
        for index, leaf in enumerate(tf.nest.flatten(value))
    }


def main(side: str, module_path: str, checkpoint: str) -> int:
    module = load(module_path)  # first: the compat module sets TF_USE_LEGACY_KERAS before TF starts
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(1)
        feeds, fetches, train_op = module.build_graph()
        fetches = dict(fetches, global_step=tf.compat.v1.train.get_global_step())
        feed = module.proof_feed(np.random.RandomState(FEED_SEED))
        feed_dict = {feeds[key]: value for key, value in feed.items()}
        session = tf.compat.v1.Session(graph=graph)
        session.run(tf.compat.v1.global_variables_initializer())
        loaded = []
        if side == "tf1":
            for _ in range(TRAINED_STEPS):
                session.run(train_op, feed_dict)
            tf.compat.v1.train.Saver().save(session, checkpoint)
        else:
            from tf2_port import keras_rnn

            loaded = keras_rnn.restore_tf1_checkpoint(session, checkpoint)
        restored = session.run(fetches, feed_dict)
        session.run(train_op, feed_dict)
        stepped = session.run(fetches, feed_dict)
        session.close()
    report = {
        "side": side,
        "loaded": loaded,
        "restored": flat(restored),
        "stepped": flat(stepped),
        "tf_keras_imported": "tf_keras" in sys.modules,
        "legacy_keras_env": os.environ.get("TF_USE_LEGACY_KERAS"),
    }
    print("RESULT " + json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
