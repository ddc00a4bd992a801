"""One graph, one Session, and a {name: ndarray} view of its weights.

The shared base of every TF1 reference object (the spec builder's
``ReferenceGraph`` and the seed models).
"""

from __future__ import annotations

import pathlib
from typing import Mapping

import numpy as np

from tf1_reference._legacy import tf, tf1

__all__ = ["SessionModel"]


class SessionModel:
    """Base of the seed references: one graph, one session, a name -> array view of the weights.

    Subclasses build their graph inside ``with self.graph.as_default():`` and end the build with
    ``self._finish_graph()``, which adds the assignment ops and the ``Saver``, creates the session,
    initialises every variable and finalises the graph (no op may be added afterwards, so a
    training loop cannot grow the graph by accident).

    "Model variables" are the graph's trainable variables: the weights a port needs. Optimizer
    slots (``*/Adagrad``, ``*/Adam``, ``beta1_power``...) are not model variables, but they are in
    checkpoints, exactly as in the checkpoints written by the original scripts.
    """

    graph: tf.Graph
    session: tf1.Session

    def _finish_graph(self) -> None:
        self._model_variables = {
            variable.op.name: variable for variable in tf1.trainable_variables()
        }
        self._assign_inputs = {}
        assign_ops = []
        with tf1.name_scope("set_variables"):
            for name, variable in self._model_variables.items():
                value = tf1.placeholder(variable.dtype.base_dtype, variable.shape)
                self._assign_inputs[name] = value
                assign_ops.append(variable.assign(value))
        self._assign_all = tf.group(*assign_ops)
        # Default var_list = all global variables, so checkpoints also hold optimizer slots as
        # the original scripts' checkpoints do; a converter has to skip them.
        self._saver = tf1.train.Saver()
        init = tf1.global_variables_initializer()
        self.graph.finalize()
        self.session = tf1.Session(graph=self.graph)
        self.session.run(init)

    # -- variables --------------------------------------------------------------------------

    def variable_names(self) -> list[str]:
        """Names of the model variables (without ``:0``), in creation order."""
        return list(self._model_variables)

    def get_variables(self) -> dict[str, np.ndarray]:
        """Return the model variables as ``{name without ':0': ndarray}``, in creation order."""
        return self.session.run(dict(self._model_variables))

    def set_variables(self, values: Mapping[str, np.ndarray]) -> None:
        """Assign every model variable from ``values`` (a dict like ``get_variables()``'s).

        Raises:
            ValueError: if a name is unknown, a model variable is missing, or a shape differs.
        """
        unknown = sorted(set(values) - set(self._model_variables))
        missing = [name for name in self._model_variables if name not in values]
        if unknown or missing:
            raise ValueError(
                "Expected exactly the model variables "
                f"{list(self._model_variables)}, got unknown names {unknown} "
                f"and missing names {missing}."
            )
        feed = {}
        for name, variable in self._model_variables.items():
            value = np.asarray(values[name])
            expected_shape = tuple(variable.shape.as_list())
            if value.shape != expected_shape:
                raise ValueError(
                    f"Expected variable {name!r} to have shape {expected_shape}, "
                    f"got {value.shape}."
                )
            feed[self._assign_inputs[name]] = value
        self.session.run(self._assign_all, feed_dict=feed)

    def save_checkpoint(self, path: str | pathlib.Path) -> str:
        """Write a TF1 ``Saver`` checkpoint (``.index``, ``.data-*``, ``.meta``) at prefix ``path``.

        Returns:
            The checkpoint prefix, as accepted by ``tf.train.list_variables``.
        """
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Saver.save takes its eager code path unless this graph is the default one.
        with self.graph.as_default():
            return self._saver.save(self.session, str(path), write_meta_graph=True)

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release the session. The model cannot run afterwards."""
        session = getattr(self, "session", None)
        if session is not None:
            session.close()
            self.session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
