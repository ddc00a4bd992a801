"""End to end: realistic TF 0.x / 1.x scripts, rewritten at compat, run and train on TF 2.21.

Each script prints ``LOSS <first> <last>`` (mean loss over its first and last few steps); the
rewritten script runs in a fresh process without TF_USE_LEGACY_KERAS in its environment, so
the setting the rewrite inserts is what makes the legacy cells work. The fixture corpus
(tests/fixtures/tf1_scripts, tests/test_compat_corpus.py) covers many more scripts, Hallström's
packed-state echo model among them (its one copy, the demo's tf1_reference/data/hallstrom_echo_tf1.py).
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from migrate import rewrite_source

REPO = pathlib.Path(__file__).resolve().parent.parent

# A TF 1.x contrib-era language model: `from tensorflow.contrib import rnn`, a cell wrapped in
# DropoutWrapper reused by [lstm] * layers, contrib.layers.fully_connected, old tf.concat.
CONTRIB_LM = r'''\
"""A TF 1.x contrib-era stacked LSTM language model on a repeating toy sequence."""
import numpy as np
import tensorflow as tf
from tensorflow.contrib import rnn

vocab, steps, batch, size, layers = 6, 8, 4, 16, 2
tf.set_random_seed(0)
np.random.seed(0)

inputs = tf.placeholder(tf.int32, [batch, steps])
targets = tf.placeholder(tf.int32, [batch, steps])
keep_prob = tf.placeholder(tf.float32)

with tf.variable_scope("model"):
    embedding = tf.get_variable("embedding", [vocab, size])
    x = tf.nn.embedding_lookup(embedding, inputs)
    lstm = rnn.BasicLSTMCell(size, forget_bias=0.0, state_is_tuple=True)
    lstm = rnn.DropoutWrapper(lstm, output_keep_prob=keep_prob)
    cell = rnn.MultiRNNCell([lstm] * layers, state_is_tuple=True)
    initial = cell.zero_state(batch, tf.float32)
    outputs, state = tf.nn.dynamic_rnn(cell, x, initial_state=initial)
    flat = tf.reshape(tf.concat(1, [outputs]), [-1, size])
    hidden = tf.contrib.layers.fully_connected(flat, size)
    logits = tf.contrib.layers.fully_connected(hidden, vocab, activation_fn=None)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits, tf.reshape(targets, [-1])))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)

data = np.tile(np.arange(vocab), 200)
losses = []
with tf.Session() as sess:
    sess.run(tf.initialize_all_variables())
    for step in range(60):
        start = np.random.randint(0, len(data) - steps - 1, size=batch)
        xb = np.stack([data[s:s + steps] for s in start])
        yb = np.stack([data[s + 1:s + steps + 1] for s in start])
        l, _ = sess.run([loss, train], {inputs: xb, targets: yb, keep_prob: 0.9})
        losses.append(l)
print("LOSS %.4f %.4f" % (np.mean(losses[:5]), np.mean(losses[-5:])))
'''

# Star import from tf.contrib.rnn, a comprehension reusing one GRU, bidirectional_dynamic_rnn,
# tf.sub/mul/select, old summaries and SummaryWriter, `import os` already at the top.
STAR_GRU = r'''\
import os
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow.contrib.rnn import *

steps, batch, features, units = 5, 8, 3, 6
x = tf.placeholder(tf.float32, [batch, steps, features])
y = tf.placeholder(tf.float32, [batch, 1])

gru = GRUCell(units)
fw = MultiRNNCell([gru for _ in range(2)])
bw = MultiRNNCell([GRUCell(units) for _ in range(2)])
(out_fw, out_bw), _ = tf.nn.bidirectional_dynamic_rnn(fw, bw, x, dtype=tf.float32)
both = tf.concat(2, [out_fw, out_bw])
last = tf.unpack(both, axis=1)[-1]
w = tf.Variable(tf.random_normal([2 * units, 1], stddev=0.1))
pred = tf.matmul(last, w)
err = tf.sub(pred, y)
loss = tf.reduce_mean(tf.mul(err, err))
clipped = tf.select(tf.greater(loss, 100.0), tf.ones_like(loss), loss)
tf.scalar_summary("loss", clipped)
merged = tf.merge_all_summaries()
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

rng = np.random.RandomState(1)
losses = []
with tf.Session() as sess:
    writer = tf.train.SummaryWriter(tempfile.mkdtemp(), sess.graph)
    sess.run(tf.initialize_all_variables())
    for step in range(80):
        xb = rng.rand(batch, steps, features).astype(np.float32)
        yb = xb.sum(axis=(1, 2))[:, None] / 7.5
        l, s, _ = sess.run([loss, merged, train], {x: xb, y: yb})
        writer.add_summary(s, step)
        losses.append(l)
print("LOSS %.4f %.4f" % (np.mean(losses[:5]), np.mean(losses[-5:])))
'''


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, source",
    [("contrib_lm", CONTRIB_LM), ("star_gru", STAR_GRU)],
)
def test_rewritten_script_runs_and_trains(tmp_path, name: str, source: str) -> None:
    result = rewrite_source(source, path=f"{name}.py", level="compat")
    assert result.error is None and result.changed
    assert not [finding for finding in result.findings if finding.severity != "info"]
    assert "tf.contrib" not in result.code and "tensorflow.contrib" not in result.code
    script = tmp_path / f"{name}.py"
    script.write_text(result.code)
    env = {key: value for key, value in os.environ.items() if key != "TF_USE_LEGACY_KERAS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("LOSS ")]
    first, last = map(float, line.split()[1:])
    assert last < 0.95 * first, line
