"""The fence around the TensorFlow internals prove's hooks patch (``tensorflow.python.*``).
Imports TensorFlow: it runs in prove's child processes only, like :mod:`migrate.prove.hooks`.

Why it is needed: the hooks must change behaviour where TensorFlow looks it up, not where the
public API re-exports it:

* ``tensorflow.python.client.session.BaseSession.run``: one patch records ``Session.run``,
  ``InteractiveSession.run``, ``Tensor.eval`` and ``Operation.run`` alike;
* ``tensorflow.python.framework.ops.Graph.__init__`` and ``get_default_graph``: every new graph
  gets prove's seed;
* ``tensorflow.python.framework.random_seed.get_seed``: random ops call it through that module,
  so the patch that aligns op seeds must be made there;
* ``tensorflow.python.ops.nn_ops.dropout`` / ``dropout_v2``: where ``tf.compat.v1.nn.dropout``
  and ``tf.nn.dropout`` are defined, and what a fresh copy of an API module takes them from;
* ``Graph._unsafe_unfinalize()``: prove adds its save and load ops to a graph the script
  finalised (``MonitoredSession``); TensorFlow offers no public way back.

Public alternatives checked: ``tf.compat.v1.Session`` and ``tf.Graph`` are the same classes
(patching a subclass would miss ``InteractiveSession`` and ``eval``); ``tf.compat.v1.random.
get_seed`` and ``tf.nn.dropout`` are the same functions, but replacing the public names leaves
the module attributes TensorFlow's own code calls; a graph copy instead of unfinalising would
leave the script's Session on the old graph.

Checked against TensorFlow 2.21.0 (``pyproject.toml`` keeps ``tensorflow<2.22``): importing this
module checks each name and that the public API still points at it, and raises naming what
moved (tests/test_private_api_fences.py). This module is the only one that imports
``tensorflow.python``.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from tensorflow.python.client import session as session_module
from tensorflow.python.framework import ops as tf_ops
from tensorflow.python.framework import random_seed
from tensorflow.python.ops import nn_ops

from tf2_port.fence_errors import fence_broken

CHECKED_AGAINST = {"tensorflow": "2.21.0"}


def _broken(expected: str, got: str) -> RuntimeError:
    return fence_broken(__name__, "tensorflow", CHECKED_AGAINST["tensorflow"], expected, got)


def check() -> None:
    """Each internal name exists and the public API still resolves to it.

    Raises:
        RuntimeError: naming the first one that does not.
    """
    base = getattr(session_module, "BaseSession", None)
    for public in (tf.compat.v1.Session, tf.compat.v1.InteractiveSession):
        if base is None or not issubclass(public, base) or not callable(getattr(base, "run", None)):
            raise _broken(f"{public.__name__} to subclass tensorflow.python.client.session.BaseSession, which "
                          "defines run", repr(base))
    pairs = (
        ("tf.Graph is tensorflow.python.framework.ops.Graph", tf.Graph, getattr(tf_ops, "Graph", None)),
        ("tf.compat.v1.get_default_graph is ops.get_default_graph", tf.compat.v1.get_default_graph,
         getattr(tf_ops, "get_default_graph", None)),
        ("tf.compat.v1.random.get_seed is tensorflow.python.framework.random_seed.get_seed",
         tf.compat.v1.random.get_seed, getattr(random_seed, "get_seed", None)),
        ("tf.compat.v1.nn.dropout is tensorflow.python.ops.nn_ops.dropout", tf.compat.v1.nn.dropout,
         getattr(nn_ops, "dropout", None)),
        ("tf.nn.dropout is tensorflow.python.ops.nn_ops.dropout_v2", tf.nn.dropout,
         getattr(nn_ops, "dropout_v2", None)),
    )
    for expected, public, internal in pairs:
        if public is not internal:
            raise _broken(expected, f"{public!r} and {internal!r}")
    if not callable(getattr(tf_ops.Graph, "_unsafe_unfinalize", None)):
        raise _broken("Graph._unsafe_unfinalize()", "no such method")


def unsafe_unfinalize(graph: Any) -> None:
    """Let ops be added to ``graph`` again after the script finalised it."""
    graph._unsafe_unfinalize()


check()

__all__ = ["CHECKED_AGAINST", "check", "nn_ops", "random_seed", "session_module", "tf_ops", "unsafe_unfinalize"]
