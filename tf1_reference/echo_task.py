"""Hallström's echo task: the configuration and the data generator (pure NumPy).

Kept apart from the TF1 graph (``tf1_reference.models.hallstrom``) so the Keras 3
port and its tests can use them without loading legacy Keras.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["HallstromConfig", "generate_data"]

_DRIVERS = ("static_rnn", "dynamic_rnn")
_OPTIMIZERS = ("adagrad", "sgd")


@dataclasses.dataclass(frozen=True)
class HallstromConfig:
    """Hyper-parameters of the echo model; the defaults are the article's.

    Attributes:
        total_series_length: length of the random binary series generated per epoch.
        truncated_backprop_length: time steps per batch (the unrolled length T).
        state_size: LSTM units per layer.
        num_classes: output classes (2: the echoed bit).
        echo_step: how many steps later the input is echoed.
        batch_size: number of parallel sub-series (rows).
        num_layers: LSTM layers in the ``MultiRNNCell``.
        learning_rate: optimizer learning rate (the article: Adagrad 0.3).
        driver: ``"static_rnn"`` (the article) or ``"dynamic_rnn"`` (part 5/7).
        optimizer: ``"adagrad"`` (the article) or ``"sgd"``.
        seed: graph-level seed for the cell initialisers and NumPy seed for ``W2``.
    """

    total_series_length: int = 50000
    truncated_backprop_length: int = 15
    state_size: int = 4
    num_classes: int = 2
    echo_step: int = 3
    batch_size: int = 5
    num_layers: int = 3
    learning_rate: float = 0.3
    driver: str = "static_rnn"
    optimizer: str = "adagrad"
    seed: int = 0

    def __post_init__(self):
        if self.driver not in _DRIVERS:
            raise ValueError(f"Expected `driver` to be one of {_DRIVERS}, got {self.driver!r}.")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(
                f"Expected `optimizer` to be one of {_OPTIMIZERS}, got {self.optimizer!r}."
            )
        for field in ("total_series_length", "truncated_backprop_length", "state_size",
                      "num_classes", "batch_size", "num_layers"):
            if getattr(self, field) < 1:
                raise ValueError(f"Expected `{field}` to be >= 1, got {getattr(self, field)}.")
        if self.echo_step < 0:
            raise ValueError(f"Expected `echo_step` to be >= 0, got {self.echo_step}.")
        if self.num_batches < 1:
            raise ValueError(
                "Expected total_series_length >= batch_size * truncated_backprop_length "
                f"({self.batch_size * self.truncated_backprop_length}), "
                f"got {self.total_series_length}."
            )

    @property
    def num_batches(self) -> int:
        """Truncated-backprop batches per epoch, as the article computes it."""
        return self.total_series_length // self.batch_size // self.truncated_backprop_length

    @property
    def packed_state_shape(self) -> tuple[int, int, int, int]:
        """``(num_layers, 2, batch_size, state_size)``: the article's ``init_state`` shape."""
        return (self.num_layers, 2, self.batch_size, self.state_size)


def generate_data(
    rng: np.random.Generator, config: HallstromConfig | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The article's ``generateData``: a random bit series and its echo, cut into rows.

    Returns:
        ``(x, y)`` int arrays of shape ``[batch_size, total_series_length // batch_size]``; each
        row is a contiguous sub-series, and ``y`` is ``x`` delayed by ``echo_step`` (zeros first).
    """
    config = config or HallstromConfig()
    x = np.array(rng.choice(2, config.total_series_length, p=[0.5, 0.5]))
    y = np.roll(x, config.echo_step)
    y[0 : config.echo_step] = 0
    # The first index changes slowest: each row is one sub-series.
    return x.reshape((config.batch_size, -1)), y.reshape((config.batch_size, -1))
