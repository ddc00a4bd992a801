"""Train Erik Hallström's multi-layer LSTM echo model (the TF1 reference), then prove its Keras 3 port.

Run as ``python -m tf1_reference.demo`` (``make demo``). It builds the article's graph with
``tf.compat.v1`` and the legacy ``LSTMCell``/``MultiRNNCell`` in its own ``tf.Graph``, trains it
in a ``Session`` feeding the packed ``[num_layers, 2, batch, state_size]`` state back every batch,
prints the loss per epoch and checks the echo on a fresh series. Then it loads the trained TF1
variables into the native Keras 3 port (``tf2_port.models.HallstromPort``, same packed-state call
signature) and prints the max |diff| of predictions and packed states side by side.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np

DEFAULT_EPOCHS = 5


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tf1_reference.demo",
        description=(
            "Train the TF1 reference of Hallström's 3-layer LSTM echo model "
            "(tf.compat.v1 graph, legacy LSTMCell/MultiRNNCell, packed state fed back "
            "every truncated-backprop batch) and print its loss curve."
        ),
    )
    parser.add_argument(
        "--epochs", type=int, default=DEFAULT_EPOCHS,
        help=f"training epochs, a fresh random series each (default {DEFAULT_EPOCHS}; about 2-3 s "
             "per epoch on 2 CPU cores with the article's 50000-step series)",
    )
    parser.add_argument(
        "--driver", choices=("static_rnn", "dynamic_rnn"), default="static_rnn",
        help="static_rnn is the article (part 4/7); dynamic_rnn is its part 5/7 variant",
    )
    parser.add_argument(
        "--total-series-length", type=int, default=50000,
        help="length of the random series per epoch (default 50000, the article's)",
    )
    parser.add_argument("--state-size", type=int, default=4,
                        help="LSTM units per layer (default 4, the article's)")
    parser.add_argument("--num-layers", type=int, default=3,
                        help="LSTM layers (default 3, the article's)")
    parser.add_argument("--seed", type=int, default=0, help="weights and data seed (default 0)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def _echo_accuracy(model, rng) -> tuple[float, tuple[int, ...]]:
    """Accuracy on a fresh series (no training), carrying the state; and the final state shape."""
    from tf1_reference.models.hallstrom import generate_data

    cfg = model.config
    x, y = generate_data(rng, cfg)
    state = model.zero_state()
    correct = total = 0
    T = cfg.truncated_backprop_length
    for start in range(0, cfg.num_batches * T, T):
        batch_y = y[:, start : start + T]
        _, state, predictions = model.run_batch(x[:, start : start + T], batch_y, state, False)
        correct += int((predictions.argmax(axis=-1) == batch_y).sum())
        total += batch_y.size
    return correct / total, state.shape


def _compare_with_keras_port(model, rng) -> list[tuple[str, float]]:
    """Run the TF1 model and its Keras 3 port from the same weights over a fresh series."""
    from tf1_reference._legacy import tf
    from tf1_reference.models.hallstrom import generate_data
    from tf2_port.models import HallstromPort

    cfg = model.config
    port = HallstromPort(state_size=cfg.state_size, num_layers=cfg.num_layers,
                         num_classes=cfg.num_classes, truncated_backprop_length=cfg.truncated_backprop_length,
                         batch_size=cfg.batch_size)
    port.set_tf1_variables(model.get_variables())
    run_port = tf.function(port)  # one traced graph instead of 666 eager calls
    x, y = generate_data(rng, cfg)
    tf1_state = port_state = model.zero_state()
    worst = {"predictions": 0.0, "packed state": 0.0}
    T = cfg.truncated_backprop_length
    for start in range(0, cfg.num_batches * T, T):
        batch_x, batch_y = x[:, start : start + T], y[:, start : start + T]
        _, tf1_state, tf1_predictions = model.run_batch(batch_x, batch_y, tf1_state, False)
        logits, port_state = run_port(batch_x.astype(np.float32), port_state)
        port_state = np.asarray(port_state)
        predictions = np.asarray(tf.nn.softmax(logits))
        worst["predictions"] = max(worst["predictions"], float(np.abs(predictions - tf1_predictions).max()))
        worst["packed state"] = max(worst["packed state"], float(np.abs(port_state - tf1_state).max()))
    return list(worst.items())


def main(argv=None) -> int:
    """Train the echo model and print its loss curve; return the exit code."""
    args = _parse_args(argv)

    # The legacy cells and tf.compat.v1 emit deprecation notices on every build; they are
    # expected here (this *is* the legacy code) and would bury the table.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    from tf1_reference._legacy import tf
    from tf1_reference.models.hallstrom import HallstromConfig, HallstromEchoModel

    tf.get_logger().setLevel("ERROR")

    try:
        config = HallstromConfig(
            total_series_length=args.total_series_length,
            state_size=args.state_size,
            num_layers=args.num_layers,
            driver=args.driver,
            seed=args.seed,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    print("Hallström multi-layer LSTM echo model - TF1 reference (tf.compat.v1 graph + Session)")
    print(
        f"  {config.num_layers} x LSTMCell({config.state_size}) in MultiRNNCell, driver "
        f"{config.driver}, batch {config.batch_size}, "
        f"truncated backprop {config.truncated_backprop_length}, "
        f"echo {config.echo_step}, series {config.total_series_length} "
        f"({config.num_batches} batches/epoch), {config.optimizer} lr {config.learning_rate}"
    )
    start = time.perf_counter()
    with HallstromEchoModel(config) as model:
        print(f"  graph built in {time.perf_counter() - start:.1f} s")
        print()
        print(f"{'epoch':>5}  {'mean loss':>9}  {'last loss':>9}  {'seconds':>7}")
        data_rng = np.random.default_rng(args.seed)
        all_losses: list[float] = []
        for epoch in range(1, args.epochs + 1):
            epoch_start = time.perf_counter()
            # One epoch per call, each with its own data seed: a fresh series as in the article.
            losses = model.train(num_epochs=1, data_seed=int(data_rng.integers(2**31)))
            all_losses.extend(losses)
            print(f"{epoch:>5}  {np.mean(losses):>9.4f}  {losses[-1]:>9.4f}  "
                  f"{time.perf_counter() - epoch_start:>7.1f}")
        print()
        print(f"first batch loss {all_losses[0]:.4f} -> last batch loss {all_losses[-1]:.4f} "
              f"({len(all_losses)} batches)")
        accuracy, state_shape = _echo_accuracy(model, data_rng)
        print(f"echo accuracy on a fresh series (no training): {accuracy:.2%}")
        print(f"packed final state shape: {list(state_shape)} "
              "= [num_layers, 2 (c, h), batch_size, state_size]")
        print()
        print("Keras 3 port (tf2_port.models.HallstromPort, no tf_keras) from the trained TF1 weights,")
        print(f"run side by side over a fresh series of {config.num_batches} batches, state carried:")
        for name, diff in _compare_with_keras_port(model, data_rng):
            print(f"  max |diff| {name:<13} {diff:.1e}")
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
