"""The main job on the bundled default: migrate, prove, train side by side (``tf1-migrate demo``).

1. Rewrite the bundled Hallström-style TF 0.12 script (``data/hallstrom_echo_tf1.py``) with the
   codemods and show the diff.
2. Build the TF1 reference of that model (``tf.compat.v1`` graph, legacy ``LSTMCell`` /
   ``MultiRNNCell``, the packed ``[num_layers, 2, batch, state_size]`` state placeholder) and its
   native Keras 3 port (``tf2_port.models.HallstromPort``, same packed-state call signature, no
   ``tf_keras``) from the same weights; print the per-tensor max |diff| table.
3. Train both from those weights on the same echo data for a few hundred truncated-backprop
   steps (Adagrad 0.3 with TF1's exact update, the state fed back every batch), and write a PNG
   of the two loss curves overlaid and of the per-time-step max |diff| of the predictions.

Runs in well under a minute on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

BUNDLED_SCRIPT = Path(__file__).parent / "data" / "hallstrom_echo_tf1.py"
DEFAULT_STEPS = 400
DIFF_LINES_SHOWN = 60


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog="tf1-migrate demo", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help=f"training steps for both models (default {DEFAULT_STEPS})")
    parser.add_argument("--out", default="tf1-migrate-demo", help="folder for the PNG (default ./tf1-migrate-demo)")
    parser.add_argument("--seed", type=int, default=0, help="weights and data seed (default 0)")
    parser.add_argument("--full-diff", action="store_true", help="show the whole diff, not its first lines")
    args = parser.parse_args(argv)
    if args.steps < 10:
        parser.error(f"--steps must be >= 10, got {args.steps}")
    return args


def _show_migration(full: bool) -> None:
    import difflib

    from migrate import rewrite_source

    source = BUNDLED_SCRIPT.read_text()
    result = rewrite_source(source, "keras", str(BUNDLED_SCRIPT.name))
    diff = list(difflib.unified_diff(source.splitlines(keepends=True), result.code.splitlines(keepends=True),
                                     fromfile=f"{BUNDLED_SCRIPT.name} (TF 0.12)",
                                     tofile=f"{BUNDLED_SCRIPT.name} (TF 2.21, Keras 3 RNN, no tf_keras)"))
    print(f"1. tf1-migrate rewrite {BUNDLED_SCRIPT.name} (level keras): {len(diff)} diff lines, "
          f"{len(result.findings)} finding(s)")
    shown = diff if full else diff[:DIFF_LINES_SHOWN]
    sys.stdout.write("".join("   " + line for line in shown))
    if len(shown) < len(diff):
        print(f"   ... {len(diff) - len(shown)} more lines (--full-diff shows them)")
    for finding in result.findings:
        print(f"   {finding.path}:{finding.line}:{finding.col}: {finding.code} {finding.message}")
    print()


def _batches(config, rng):
    """Endless (x, y) truncated-backprop windows of fresh echo series, as the article's loop."""
    from tf1_reference.echo_task import generate_data

    T = config.truncated_backprop_length
    while True:
        x, y = generate_data(rng, config)
        for start in range(0, config.num_batches * T, T):
            yield x[:, start : start + T], y[:, start : start + T], start == 0


def main(argv=None) -> int:
    """Run the demo; return the exit code (1 if the port disagrees with TF1 beyond tolerance)."""
    args = _parse_args(argv)
    # The legacy cells and tf.compat.v1 warn on every build; they are the subject here.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    started = time.perf_counter()
    _show_migration(args.full_diff)

    from tf1_reference._legacy import tf
    from tf1_reference.echo_task import HallstromConfig
    from tf1_reference.models.hallstrom import HallstromEchoModel
    from tf2_port.models import HallstromPort
    from tf2_port.training import make_train_step
    import keras

    config = HallstromConfig(total_series_length=15000, driver="dynamic_rnn", seed=args.seed)
    print(f"2. TF1 reference vs Keras 3 port, same weights: {config.num_layers} x LSTM({config.state_size}), "
          f"batch {config.batch_size}, {config.truncated_backprop_length} steps, packed state "
          f"{list(config.packed_state_shape)} (c at 0, h at 1)")
    reference = HallstromEchoModel(config)
    port = HallstromPort(config.state_size, config.num_layers, config.num_classes,
                         config.truncated_backprop_length, config.batch_size)
    port.set_tf1_variables(reference.get_variables())
    rng = np.random.default_rng(args.seed)
    x, y, _ = next(_batches(config, rng))
    packed = rng.uniform(-1, 1, config.packed_state_shape).astype(np.float32)
    tf1_loss, tf1_state, tf1_predictions = reference.run_batch(x, y, packed, train=False)
    port_loss, port_state, logits = port.loss_and_state(x.astype(np.float32), y, packed)
    rows = [
        ("predictions", np.abs(np.asarray(tf.nn.softmax(logits)) - tf1_predictions).max()),
        *[(f"packed state [{layer}, {'ch'[part]}]", np.abs(np.asarray(port_state)[layer, part]
                                                       - tf1_state[layer, part]).max())
          for layer in range(config.num_layers) for part in (0, 1)],
        ("loss", abs(float(port_loss) - tf1_loss)),
    ]
    tolerance = 1e-6  # float32 round-off of differently ordered sums (see tf2_port.verify)
    for name, diff in rows:
        print(f"   {name:<22} max |diff| {diff:.1e}   {'ok' if diff <= tolerance else 'ABOVE TOLERANCE'}")
    equivalent = all(diff <= tolerance for _, diff in rows)
    print()

    print(f"3. Training both from the same weights for {args.steps} steps (Adagrad 0.3, TF1's update rule)")
    optimizer = keras.optimizers.Adagrad(learning_rate=config.learning_rate, initial_accumulator_value=0.1,
                                         epsilon=0.0)

    keras_step = make_train_step(port, optimizer, lambda x, y, state: port.loss_and_state(x, y, state)[:2])

    data = _batches(config, np.random.default_rng(args.seed + 1))
    tf1_losses, keras_losses = [], []
    tf1_state = keras_state = reference.zero_state()
    for _ in range(args.steps):
        batch_x, batch_y, new_series = next(data)
        if new_series:  # the article resets the state with every fresh series
            tf1_state = keras_state = reference.zero_state()
        loss, tf1_state, _ = reference.run_batch(batch_x, batch_y, tf1_state, train=True)
        tf1_losses.append(loss)
        loss, keras_state = keras_step(batch_x.astype(np.float32), batch_y, keras_state)
        keras_losses.append(float(loss))
        keras_state = np.asarray(keras_state)
    loss_gap = float(np.max(np.abs(np.array(tf1_losses) - np.array(keras_losses))))
    print(f"   TF1 loss {tf1_losses[0]:.4f} -> {np.mean(tf1_losses[-20:]):.4f}   "
          f"Keras 3 loss {keras_losses[0]:.4f} -> {np.mean(keras_losses[-20:]):.4f}   "
          f"max |loss diff| over all steps {loss_gap:.1e}")
    x, y, _ = next(data)
    _, _, tf1_predictions = reference.run_batch(x, y, reference.zero_state(), train=False)
    logits, _ = port(x.astype(np.float32), reference.zero_state())
    per_step = np.abs(np.asarray(tf.nn.softmax(logits)) - tf1_predictions).max(axis=(0, 2))
    print(f"   after training, per-time-step max |diff| of the predictions: "
          f"{per_step.min():.1e} .. {per_step.max():.1e}")
    reference.close()

    picture = _plot(Path(args.out), tf1_losses, keras_losses, per_step)
    print(f"   picture: {picture}")
    print(f"\ndone in {time.perf_counter() - started:.0f} s")
    return 0 if equivalent else 1


def _plot(out_dir: Path, tf1_losses, keras_losses, per_step) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    figure, (curves, steps) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [2, 1]})
    curves.plot(tf1_losses, label="TF1 reference (tf.compat.v1 + legacy LSTMCell)", linewidth=3, alpha=0.5)
    curves.plot(keras_losses, label="Keras 3 port (HallstromPort)", linewidth=1, linestyle="--", color="black")
    curves.set_xlabel("training step (truncated-backprop window)")
    curves.set_ylabel("cross-entropy loss")
    curves.set_title("Same weights, same data: the two curves lie on each other")
    curves.legend()
    steps.bar(np.arange(1, len(per_step) + 1), np.maximum(per_step, 1e-12), color="tab:green")
    steps.set_yscale("log")
    steps.axhline(1e-6, color="tab:red", linestyle=":", label="tolerance 1e-6")
    steps.set_xlabel("time step within the window")
    steps.set_ylabel("max |diff| of predictions (0 drawn at 1e-12)")
    steps.set_title("After training: per-time-step max |diff|")
    steps.legend()
    figure.tight_layout()
    path = out_dir / "loss_curves.png"
    temporary = path.with_suffix(".tmp.png")
    figure.savefig(temporary, dpi=110)
    plt.close(figure)
    os.replace(temporary, path)
    return path


if __name__ == "__main__":
    raise SystemExit(main())
