"""Training speed of the d2l character LM as a Session program and as its tf2-level rewrite.

    python bench/tf2_speed.py              # d2l 9.3 sizes: 2 x LSTM(256), batch 32, 35 steps; 3 rounds
    python bench/tf2_speed.py --rounds 5
    python bench/tf2_speed.py --quick      # tiny smoke run (tests/test_bench_smoke.py)

The script is ``tests/fixtures/tf2_level/d2l_char_lm_tf1.py``, the d2l 9.3 model written for
TensorFlow 1.x (SGD with gradients clipped to norm 1, the state carried between minibatches).
It is rewritten by ``tf1-migrate`` at three levels, and each rewrite runs as it is, in a fresh
process (nothing of the benchmark inside it):

* ``compat``  TF1's own cells through ``tf_keras``, a graph run by ``Session.run`` per minibatch;
* ``keras``   the same Session program with Keras 3 cells (the keras level's runtime);
* ``tf2``     the TensorFlow 2 program: one ``@tf.function`` step per former ``Session.run``.

Each script times its own epochs and prints tokens per second; the first epoch (graph building,
tracing, the first allocation) is left out and the median of the others is that run's figure.
The contenders run one after the other, in a rotated order per round; the table gives each
one's tokens/s and its ratio to ``compat`` of the same round (median and range over the rounds).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import common  # bench/ is the script's folder
from common import REPO, format_spread, quiet_env, rotated, spread, table_head

SCRIPT = REPO / "tests" / "fixtures" / "tf2_level" / "d2l_char_lm_tf1.py"
LEVELS = ("compat", "keras", "tf2")
EPOCH_LINE = re.compile(r"epoch (\d+): perplexity ([0-9.]+), (\d+) tokens/s")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the three contenders (default 3)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per run; the first is not timed (default 5)")


def parse(argv: list[str] | None) -> argparse.Namespace:
    return common.parse_args(__doc__, argv, add_arguments, quick="tiny sizes (the script's TF1M_SMOKE), 3 epochs, 1 round",
                             quick_values={"rounds": 1, "epochs": 3, "smoke": True})


def _rewrite(folder: str) -> dict[str, str]:
    """The script rewritten at each level, written into ``folder``."""
    from migrate.engine import rewrite_source

    source = SCRIPT.read_text()
    paths = {}
    for level in LEVELS:
        result = rewrite_source(source, level, str(SCRIPT))
        if level == "tf2" and not result.steps:
            raise RuntimeError("the tf2 level kept the script at the keras level: "
                               + "; ".join(f.message for f in result.findings if f.code == "TFM601"))
        path = os.path.join(folder, f"d2l_char_lm_{level}.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(result.code)
        paths[level] = path
    return paths


def _run(path: str, level: str, epochs: int, smoke: bool) -> dict[str, float]:
    source = open(path, encoding="utf-8").read()
    # The epoch count is the script's own constant: set it for the benchmark's copy.
    source = re.sub(r"learning_rate, clip_theta, num_epochs = 1.0, 1.0, \d+",
                    f"learning_rate, clip_theta, num_epochs = 1.0, 1.0, {epochs}", source)
    source = source.replace("batch_size, num_steps, num_hiddens, num_epochs = 8, 10, 32, 1",
                            f"batch_size, num_steps, num_hiddens, num_epochs = 8, 10, 32, {epochs}")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(source)
    env = quiet_env()
    env.pop("TF_USE_LEGACY_KERAS", None)  # the compat rewrite sets it itself
    if smoke:
        env["TF1M_SMOKE"] = "1"
    else:
        env.pop("TF1M_SMOKE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    started = time.perf_counter()
    run = subprocess.run([sys.executable, path], capture_output=True, text=True, env=env, cwd=os.path.dirname(path))
    if run.returncode != 0:
        raise RuntimeError(f"the {level} rewrite failed:\n{run.stderr[-2000:]}")
    epochs_seen = [(int(m.group(1)), float(m.group(2)), float(m.group(3))) for m in EPOCH_LINE.finditer(run.stdout)]
    timed = [rate for epoch, _, rate in epochs_seen if epoch > 1]
    if not timed:
        raise RuntimeError(f"the {level} run printed no timed epoch:\n{run.stdout[-1000:]}")
    return {"tokens_per_second": statistics.median(timed), "perplexity": epochs_seen[-1][1],
            "first_epoch": epochs_seen[0][2], "seconds": time.perf_counter() - started}


def run(args: argparse.Namespace) -> dict[str, Any]:
    smoke = getattr(args, "smoke", False)
    results: dict[str, list[dict[str, float]]] = {level: [] for level in LEVELS}
    ratios: dict[str, list[float]] = {level: [] for level in LEVELS}
    with tempfile.TemporaryDirectory(prefix="tf2_speed_") as folder:
        paths = _rewrite(folder)
        for round_index in range(args.rounds):
            this_round = {}
            for level in rotated(LEVELS, round_index):
                this_round[level] = _run(paths[level], level, args.epochs, smoke)
                results[level].append(this_round[level])
            for level in LEVELS:
                ratios[level].append(this_round[level]["tokens_per_second"] / this_round["compat"]["tokens_per_second"])
    return {"results": results, "ratios": ratios, "rounds": args.rounds, "epochs": args.epochs, "smoke": smoke}


def format_table(report: dict[str, Any]) -> str:
    names = {"compat": "compat: TF1 cells, Session.run", "keras": "keras: Keras 3 cells, Session.run",
             "tf2": "tf2: Keras 3 cells, tf.function steps"}
    lines = table_head("contender", "tokens/s", "x compat", "first epoch tokens/s", "last perplexity")
    for level in LEVELS:
        rates = [r["tokens_per_second"] for r in report["results"][level]]
        median_rate, (low_rate, high_rate) = spread(rates)
        ratio, (low, high) = spread(report["ratios"][level])
        first = statistics.median(r["first_epoch"] for r in report["results"][level])
        perplexity = statistics.median(r["perplexity"] for r in report["results"][level])
        lines.append(f"| {names[level]} | {median_rate:,.0f} ({low_rate:,.0f}–{high_rate:,.0f}) | "
                     f"{format_spread(ratio, low, high)} | {first:,.0f} | {perplexity:.2f} |")
    sizes = "8 x 10 steps, 32 units (smoke)" if report["smoke"] else "batch 32 x 35 steps, 2 x LSTM(256)"
    return (f"d2l character LM ({sizes}), {report['epochs']} epochs per run (the first not timed), "
            f"{report['rounds']} round(s); medians (lowest–highest round)\n\n" + "\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(common.main(sys.argv[1:], parse, run, format_table))
