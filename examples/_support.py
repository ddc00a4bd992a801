"""Two helpers the examples' TF1 sides share, kept out of them so each tf1.py reads like old code.

Only the TF1 sides import this module (it loads legacy Keras through ``tf1_reference._legacy``).
"""

from __future__ import annotations

import numpy as np

from tf1_reference._legacy import tf1


def randomize_weights(session, seed: int, scale: float = 0.5) -> None:
    """Stand-in for restoring a trained checkpoint: seeded uniform(-scale, scale) in every variable.

    Freshly initialised TF1 cells have zero (LSTM) or constant (GRU) biases, which would hide a
    wrong gate order or a missing forget bias; trained weights never look like that.
    """
    rng = np.random.default_rng(seed + 1000)
    for variable in tf1.global_variables():
        dtype = variable.dtype.base_dtype.as_numpy_dtype
        variable.load(rng.uniform(-scale, scale, variable.shape.as_list()).astype(dtype), session)


def variable_dict(session) -> dict[str, np.ndarray]:
    """``{TF1 variable name (no ':0'): value}`` of the default graph, as a checkpoint lists them."""
    variables = tf1.global_variables()
    return {variable.op.name: value for variable, value in zip(variables, session.run(variables))}
