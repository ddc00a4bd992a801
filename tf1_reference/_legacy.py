"""The one place that makes TensorFlow's legacy RNN cells importable.

TensorFlow 2.16+ ships Keras 3, and ``tf.compat.v1.nn.rnn_cell.*`` (and
``tf.compat.v1.layers.*``) are thin aliases of ``tf_keras`` classes that only
resolve when ``TF_USE_LEGACY_KERAS=1`` is set before they are first touched.
The flag may be set after ``import tensorflow``; it only changes what the
lazy ``tf.keras`` / ``rnn_cell`` attributes load. ``import keras`` still gives
Keras 3 in the same process, so a TF1 reference graph and an eager Keras 3
port can run side by side. Only ``tf1_reference`` imports this module;
``tf2_port`` and migrated scripts must never rely on it.
"""

from __future__ import annotations

import os
import warnings

# Must happen before the first attribute access on tf.compat.v1.nn.rnn_cell.
os.environ["TF_USE_LEGACY_KERAS"] = "1"
# TensorFlow's C++ INFO/WARNING chatter hides test and demo output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402  (the flag above must come first)

tf1 = tf.compat.v1
# Every legacy cell and driver logs a deprecation warning per call; they are the
# reason this package exists, so they carry no news for its users.
tf.get_logger().setLevel("ERROR")
warnings.filterwarnings("ignore", message=r"`tf\.nn\.rnn_cell\.\w+` is deprecated")
rnn_cell = tf1.nn.rnn_cell
LSTMStateTuple = rnn_cell.LSTMStateTuple

__all__ = ["tf", "tf1", "rnn_cell", "LSTMStateTuple"]
