"""The fence around Keras' private ``DropoutRNNCell``: the mark of a cell whose dropout masks
``keras.layers.RNN`` draws once per call, before its time loop.

Why it is needed: ``keras.layers.RNN.call`` asks every cell that is an instance of
``keras.src.layers.rnn.dropout_rnn_cell.DropoutRNNCell`` (each cell of a ``StackedRNNCells``
too) for ``get_dropout_mask(first_step_input)`` and ``get_recurrent_dropout_mask(state)``
before the loop, and calls ``reset_dropout_mask()`` and ``reset_recurrent_dropout_mask()``
after it. A mask drawn in that hook is shared by every step of the call: TF1's
``variational_recurrent`` masks (``tf2_port.cells.DropoutWrapperCell``), and the reason the
wrapper cells hand the hooks down to the cell they wrap.

Public alternatives checked: Keras 3 exports no such class (only ``keras.src`` has it). Drawing
the mask inside the cell's ``call`` on the first step does not work under JAX, whose
``lax.scan`` body must not create state (why Keras pre-draws them); Keras 3's ``RNN.call`` takes
no ``constants`` (its docstring still mentions them) to hand masks in; a custom RNN layer would
replace ``keras.layers.RNN`` in every port and every rewritten script.

Checked against Keras 3.15.1 (``pyproject.toml`` keeps ``keras<3.16``): the class lives at that
path, ``keras.src.layers.rnn.rnn`` tests against that very class, and the hooks are called as
above; :func:`check` runs a probe cell through ``RNN`` to see it (tests/test_private_api_fences.py).
This module is the only one that names the private path.
"""

from __future__ import annotations

from typing import Any

import keras

from tf2_port.fence_errors import fence_broken

CHECKED_AGAINST = {"keras": "3.15.1"}

_HOOKS = ("get_dropout_mask", "get_recurrent_dropout_mask", "reset_dropout_mask", "reset_recurrent_dropout_mask")


def _broken(expected: str, got: str) -> RuntimeError:
    return fence_broken(__name__, "keras", CHECKED_AGAINST["keras"], expected, got)


def _private_class() -> type:
    try:
        from keras.src.layers.rnn import dropout_rnn_cell, rnn
    except ImportError as error:
        raise _broken("the module keras.src.layers.rnn.dropout_rnn_cell", f"ImportError: {error}") from error
    cell_class = getattr(dropout_rnn_cell, "DropoutRNNCell", None)
    if not isinstance(cell_class, type):
        raise _broken("a class DropoutRNNCell in keras.src.layers.rnn.dropout_rnn_cell", repr(cell_class))
    if getattr(rnn, "DropoutRNNCell", None) is not cell_class:
        raise _broken("keras.layers.RNN (keras.src.layers.rnn.rnn) to test cells against DropoutRNNCell",
                      f"{getattr(rnn, 'DropoutRNNCell', None)!r}")
    missing = [name for name in _HOOKS if not callable(getattr(cell_class, name, None))]
    if missing:
        raise _broken(f"DropoutRNNCell methods {', '.join(_HOOKS)}", f"none named {', '.join(missing)}")
    return cell_class


DropoutRNNCell = _private_class()


def check() -> None:
    """Run a probe cell through ``keras.layers.RNN``, alone and in ``StackedRNNCells``: the masks
    must be asked for before the first step, with the first step's input, and reset after the last.

    Raises:
        RuntimeError: saying what Keras did instead.
    """
    for stacked in (False, True):
        events: list[tuple[str, Any]] = []
        probe = _ProbeCell(events)
        layer = keras.layers.RNN(keras.layers.StackedRNNCells([probe]) if stacked else probe)
        layer(keras.ops.ones((2, 3, 4)))
        names = [name for name, _ in events]
        where = "in StackedRNNCells" if stacked else "alone"
        if not names or names[0] != "get_dropout_mask" or tuple(events[0][1]) != (2, 4):
            raise _broken(f"RNN to call get_dropout_mask(first step input of shape (2, 4)) first on a cell {where}",
                          f"the calls {events[:3]}")
        last_step = len(names) - 1 - names[::-1].index("call")
        if "reset_dropout_mask" not in names[last_step:] or "reset_recurrent_dropout_mask" not in names[last_step:]:
            raise _broken(f"RNN to reset the cell's dropout masks after its last step ({where})", f"the calls {names}")


class _ProbeCell(DropoutRNNCell, keras.layers.Layer):
    """Records which of Keras' dropout hooks are called, in order, with what shapes."""

    def __init__(self, events: list[tuple[str, Any]]) -> None:
        super().__init__()
        # A bound method: Keras would track (and copy) a list assigned to a layer attribute.
        self.record, self.state_size, self.output_size = events.append, 1, 1

    def get_dropout_mask(self, step_input: Any) -> None:
        self.record(("get_dropout_mask", tuple(step_input.shape)))

    def get_recurrent_dropout_mask(self, step_input: Any) -> None:
        self.record(("get_recurrent_dropout_mask", tuple(step_input.shape)))

    def reset_dropout_mask(self) -> None:
        self.record(("reset_dropout_mask", None))

    def reset_recurrent_dropout_mask(self) -> None:
        self.record(("reset_recurrent_dropout_mask", None))

    def call(self, inputs: Any, states: Any, training: Any = None) -> Any:
        self.record(("call", None))
        output = keras.ops.sum(inputs, axis=-1, keepdims=True)
        return output, [output]


__all__ = ["CHECKED_AGAINST", "DropoutRNNCell", "check"]
