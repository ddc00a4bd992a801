"""TF1's cell constructors with TF1's signatures, building Keras 3 cells with TF1's meaning.

The keras level rewrites a direct call such as ``tf.nn.rnn_cell.LSTMCell(64, forget_bias=0.0)``
into the Keras 3 call a reader expects (``keras.layers.LSTMCell(64, unit_forget_bias=False)``).
Real code also passes the class around -- ``cell_fn = rnn.LSTMCell`` then ``cell_fn(size)``, a
``{"lstm": LSTMCell, "gru": GRUCell}`` table -- or calls it with arguments only known when the
script runs (``*args``, ``state_is_tuple=FLAGS.flat``). Those references become these functions
(``keras_rnn.LSTMCell`` ...), which apply the same rules when they are called:

- ``BasicLSTMCell`` / ``LSTMCell`` -> ``keras.layers.LSTMCell``; TF1's ``forget_bias`` (added at
  every step) becomes the initial forget-gate bias (``unit_forget_bias`` for 1.0 and 0.0,
  :class:`ForgetBiasInitializer` otherwise), the same function; peepholes, clips or a projection
  -> :class:`tf2_port.cells.TF1LSTMCell`; ``initializer`` -> kernel and recurrent initializers;
- ``GRUCell`` -> ``keras.layers.GRUCell(reset_after=False)`` (TF1's gate layout);
- ``BasicRNNCell`` -> ``keras.layers.SimpleRNNCell``;
- ``MultiRNNCell`` -> ``keras.layers.StackedRNNCells``;
- ``activation=None`` means TF1's tanh (Keras would read None as linear);
- ``state_is_tuple=False`` marks the cell so that the drivers feed and return TF1's flat state;
- ``reuse`` and the shard counts, which only steered TF1's variable handling, are ignored.

Loads only Keras, TensorFlow and :mod:`tf2_port.cells`.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np
from keras import ops

from tf2_port.cells import TF1LSTMCell

FLAT_ATTRIBUTE = "_tf1_state_is_tuple_false"


def flat_state(cell: Any) -> Any:
    """Mark ``cell`` as TF1 ``state_is_tuple=False``: its state is one concatenated matrix.

    For an LSTM that matrix is ``concat([c, h], 1)``; for a stack, the layers' states
    concatenated in order. Returns ``cell`` itself.
    """
    object.__setattr__(cell, FLAT_ATTRIBUTE, True)
    return cell


def is_flat(cell: Any) -> bool:
    return bool(getattr(cell, FLAT_ATTRIBUTE, False))


@keras.saving.register_keras_serializable(package="tf1_migrate")
class ForgetBiasInitializer(keras.initializers.Initializer):
    """LSTM bias initializer: zeros, except ``forget_bias`` in the forget block.

    TF1 adds ``forget_bias`` at every step to a zero-initialised bias; a Keras
    ``LSTMCell(unit_forget_bias=False, bias_initializer=ForgetBiasInitializer(b))`` starts from
    the same function. Keras gate order is (i, f, c, o): the forget block is the second quarter.
    """

    def __init__(self, forget_bias: float = 1.0) -> None:
        self.forget_bias = float(forget_bias)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        if len(shape) != 1 or shape[0] % 4:
            raise ValueError(f"ForgetBiasInitializer: expected a shape [4 * units], got {tuple(shape)}")
        units = shape[0] // 4
        values = np.zeros(shape[0])
        values[units : 2 * units] = self.forget_bias
        return ops.convert_to_tensor(values, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"forget_bias": self.forget_bias}


def _keras_arguments(name: Any, dtype: Any, activation: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """Keras keyword arguments for TF1's ``name``, ``dtype`` and ``activation`` (None: TF1's tanh,
    Keras' default), plus the other keywords given (a TF1 scope name with ``/``, which Keras
    forbids in layer names, is left to Keras' own naming)."""
    arguments: dict[str, Any] = dict(extra)
    if isinstance(name, str) and name and "/" not in name:
        arguments["name"] = name
    if dtype is not None:
        arguments["dtype"] = getattr(dtype, "name", dtype)
    if activation is not None:
        arguments["activation"] = activation
    return arguments


def _forget_bias_arguments(forget_bias: Any) -> dict[str, Any]:
    value = float(forget_bias)
    if value == 1.0:
        return {}
    if value == 0.0:
        return {"unit_forget_bias": False}
    return {"unit_forget_bias": False, "bias_initializer": ForgetBiasInitializer(value)}


def _maybe_flat(cell: Any, state_is_tuple: Any) -> Any:
    return cell if state_is_tuple else flat_state(cell)


def BasicLSTMCell(  # noqa: N802 -- TF1's name, called where the script called TF1's class
    num_units: int,
    forget_bias: float = 1.0,
    state_is_tuple: bool = True,
    activation: Any = None,
    reuse: Any = None,
    name: Any = None,
    dtype: Any = None,
    **kwargs: Any,
) -> Any:
    """TF1 ``BasicLSTMCell`` -> ``keras.layers.LSTMCell`` (see the module docstring)."""
    return LSTMCell(num_units, forget_bias=forget_bias, state_is_tuple=state_is_tuple, activation=activation,
                    reuse=reuse, name=name, dtype=dtype, **kwargs)


def LSTMCell(  # noqa: N802
    num_units: int,
    use_peepholes: bool = False,
    cell_clip: Any = None,
    initializer: Any = None,
    num_proj: Any = None,
    proj_clip: Any = None,
    num_unit_shards: Any = None,
    num_proj_shards: Any = None,
    forget_bias: float = 1.0,
    state_is_tuple: bool = True,
    activation: Any = None,
    reuse: Any = None,
    name: Any = None,
    dtype: Any = None,
    **kwargs: Any,
) -> Any:
    """TF1 ``LSTMCell`` -> ``keras.layers.LSTMCell``, or ``TF1LSTMCell`` with peepholes, clips or
    a projection (see the module docstring)."""
    del num_unit_shards, num_proj_shards, reuse
    arguments = _keras_arguments(name, dtype, activation, {**_forget_bias_arguments(forget_bias), **kwargs})
    if initializer is not None:
        arguments.update(kernel_initializer=initializer, recurrent_initializer=initializer)
    if use_peepholes or cell_clip or num_proj or proj_clip:
        cell = TF1LSTMCell(num_units, num_proj=num_proj or None, use_peepholes=bool(use_peepholes),
                           cell_clip=cell_clip or None, proj_clip=proj_clip or None, **arguments)
    else:
        cell = keras.layers.LSTMCell(num_units, **arguments)
    return _maybe_flat(cell, state_is_tuple)


def GRUCell(  # noqa: N802
    num_units: int,
    activation: Any = None,
    reuse: Any = None,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    name: Any = None,
    dtype: Any = None,
    **kwargs: Any,
) -> Any:
    """TF1 ``GRUCell`` -> ``keras.layers.GRUCell(reset_after=False)``."""
    del reuse
    arguments = _keras_arguments(name, dtype, activation, kwargs)
    if kernel_initializer is not None:
        arguments.update(kernel_initializer=kernel_initializer, recurrent_initializer=kernel_initializer)
    if bias_initializer is not None:
        arguments["bias_initializer"] = bias_initializer
    return keras.layers.GRUCell(num_units, reset_after=False, **arguments)


def BasicRNNCell(  # noqa: N802
    num_units: int,
    activation: Any = None,
    reuse: Any = None,
    name: Any = None,
    dtype: Any = None,
    **kwargs: Any,
) -> Any:
    """TF1 ``BasicRNNCell`` -> ``keras.layers.SimpleRNNCell``."""
    del reuse
    return keras.layers.SimpleRNNCell(num_units, **_keras_arguments(name, dtype, activation, kwargs))


def MultiRNNCell(cells: Sequence[Any], state_is_tuple: bool = True) -> Any:  # noqa: N802
    """TF1 ``MultiRNNCell`` -> ``keras.layers.StackedRNNCells``."""
    return _maybe_flat(keras.layers.StackedRNNCells(list(cells)), state_is_tuple)


# TF1 class name -> the function above (the keras level's references to them).
CONSTRUCTORS = {
    "BasicLSTMCell": BasicLSTMCell,
    "LSTMCell": LSTMCell,
    "GRUCell": GRUCell,
    "BasicRNNCell": BasicRNNCell,
    "MultiRNNCell": MultiRNNCell,
}
