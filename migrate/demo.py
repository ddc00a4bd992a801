"""The main job on the bundled default: migrate, prove, train side by side (``tf1-migrate demo``).

1. Rewrite the bundled Hallström-style TF 0.12 script (``tf1_reference/data/hallstrom_echo_tf1.py``)
   at the keras level and show the diff; then at the tf2 level (a TensorFlow 2 program: state
   built once, one ``@tf.function`` step per former ``Session.run``, no Session) and show that diff.
2. Prove each rewritten script with ``tf1-migrate prove``: the rewrite and its compat reference
   (TF1's own legacy cells) run from the same seeds, the reference's initial weights handed to
   the rewrite through the converter, and their first 20 ``Session.run`` results (at the tf2
   level: the step's returns) -- losses, the packed ``[num_layers, 2, batch, state_size]`` state
   fed back every batch, the predictions, through Adagrad updates -- compared value by value.
3. Train the TF1 reference model and its native Keras 3 port (``tf2_port.models.HallstromPort``:
   eager Keras, no Session) from the same weights on the same echo data for a few hundred
   truncated-backprop steps, and write a PNG of the two loss curves overlaid and of the
   per-time-step max |diff| of the predictions after training, against the tolerance it applies.

Lives on the command-line side: it brings the codemods, ``prove``, the TF1 reference and the
port together. Runs in about a minute on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from migrate.prove.compare import RELATIVE_TOLERANCE

# Losses and predictions after training are compared as prove compares a training trajectory:
# relative to max(1, |value|) (predictions are probabilities, losses below 1 here). Why that
# value: migrate.prove.compare.RELATIVE_TOLERANCE.
TRAINED_TOLERANCE = RELATIVE_TOLERANCE["float32"]
TRAINED_TOLERANCE_WHY = "prove's float32 tolerance for trajectories: training compounds the round-off of differently ordered sums"
BUNDLED_SCRIPT = Path(__file__).resolve().parent.parent / "tf1_reference" / "data" / "hallstrom_echo_tf1.py"
PROVE_STEPS = 20
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


# What each level's diff is titled with, after the script's name.
LEVEL_TITLES = {
    "keras": "TF 2.21, Keras 3 RNN, no tf_keras",
    "tf2": "TensorFlow 2 program: tf.function steps, Keras 3, no Session",
}


def _show_migration(full: bool) -> None:
    import difflib

    from migrate import rewrite_source

    source = BUNDLED_SCRIPT.read_text()
    for number, level in (("1", "keras"), ("1b", "tf2")):
        result = rewrite_source(source, level, str(BUNDLED_SCRIPT.name))
        diff = list(difflib.unified_diff(source.splitlines(keepends=True), result.code.splitlines(keepends=True),
                                         fromfile=f"{BUNDLED_SCRIPT.name} (TF 0.12)",
                                         tofile=f"{BUNDLED_SCRIPT.name} ({LEVEL_TITLES[level]})"))
        print(f"{number}. tf1-migrate rewrite {BUNDLED_SCRIPT.name} --level {level}: {len(diff)} diff lines, "
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

    equivalent = all([_prove_bundled_script("keras", "2"), _prove_bundled_script("tf2", "2b")])

    from tf1_reference._legacy import tf
    from tf1_reference.echo_task import HallstromConfig
    from tf1_reference.models.hallstrom import HallstromEchoModel
    from tf2_port.models import HallstromPort
    from tf2_port.training import make_train_step
    import keras

    config = HallstromConfig(total_series_length=15000, driver="dynamic_rnn", seed=args.seed)
    reference = HallstromEchoModel(config)
    port = HallstromPort(config.state_size, config.num_layers, config.num_classes,
                         config.truncated_backprop_length, config.batch_size)
    port.set_tf1_variables(reference.get_variables())
    print(f"3. The TF1 reference model and its eager Keras 3 port (HallstromPort), trained from the same "
          f"weights for {args.steps} steps (Adagrad 0.3, TF1's update rule)")
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
    losses_ok = loss_gap <= TRAINED_TOLERANCE * max(1.0, float(np.max(np.abs(tf1_losses))))
    print(f"   TF1 loss {tf1_losses[0]:.4f} -> {np.mean(tf1_losses[-20:]):.4f}   "
          f"Keras 3 loss {keras_losses[0]:.4f} -> {np.mean(keras_losses[-20:]):.4f}   "
          f"max |loss diff| over all steps {loss_gap:.1e}   " + ("ok" if losses_ok else "ABOVE TOLERANCE"))
    x, y, _ = next(data)
    _, _, tf1_predictions = reference.run_batch(x, y, reference.zero_state(), train=False)
    logits, _ = port(x.astype(np.float32), reference.zero_state())
    per_step = np.abs(np.asarray(tf.nn.softmax(logits)) - tf1_predictions).max(axis=(0, 2))
    trained_ok = bool(np.all(per_step <= TRAINED_TOLERANCE))
    print(f"   after training, per-time-step max |diff| of the predictions: "
          f"{per_step.min():.1e} .. {per_step.max():.1e}   "
          + ("ok" if trained_ok else "ABOVE TOLERANCE") + f" (tolerance {TRAINED_TOLERANCE:.0e}: {TRAINED_TOLERANCE_WHY})")
    reference.close()

    picture = _plot(Path(args.out), tf1_losses, keras_losses, per_step)
    print(f"   picture: {picture}")
    print(f"\ndone in {time.perf_counter() - started:.0f} s")
    return 0 if equivalent and losses_ok and trained_ok else 1



def _prove_bundled_script(level: str, number: str) -> bool:
    from migrate.prove import format_report, prove_script

    compared = "Session.run calls that fetch values" if level == "keras" else "step calls (each against the Session.run it replaced)"
    print(f"{number}. tf1-migrate prove {BUNDLED_SCRIPT.name} --level {level}: the rewritten script against its compat "
          "reference (TF1's own legacy cells), same seeds, the reference's initial weights handed over through "
          f"the converter, first {PROVE_STEPS} {compared}")
    report = prove_script(BUNDLED_SCRIPT, level, steps=PROVE_STEPS)
    for line in format_report(report, calls_shown=4).splitlines()[1:]:
        print("   " + line)
    print()
    return report.exit_code == 0


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
    colors = ["tab:green" if diff <= TRAINED_TOLERANCE else "tab:red" for diff in per_step]
    steps.bar(np.arange(1, len(per_step) + 1), np.maximum(per_step, 1e-12), color=colors)
    steps.set_yscale("log")
    steps.axhline(TRAINED_TOLERANCE, color="tab:red", linestyle=":",
                  label=f"tolerance {TRAINED_TOLERANCE:.0e} (green: within, red: above)")
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
