"""Checkpoint conversion of a large model: wall time and peak memory vs the checkpoint's size.

    python bench/checkpoint_speed.py                   # 4 layers x 2048 LSTM (issue 8's target)
    python bench/checkpoint_speed.py --layers 2 --units 1024
    python bench/checkpoint_speed.py --profile         # also: peak memory of each conversion step
    python bench/checkpoint_speed.py --quick           # tiny smoke run: 2 x 64 (tests/test_bench_smoke.py)

Nothing is downloaded. A real TF1 Saver (V2) checkpoint is generated in a temporary directory
by a worker process: in a ``tf.Graph``, ``tf.compat.v1.get_variable`` creates, under the names
``MultiRNNCell`` + ``dynamic_rnn`` give them, ``embedding [vocab, units]``,
``rnn/multi_rnn_cell/cell_{i}/lstm_cell/{kernel [2*units, 4*units], bias [4*units]}`` and
``softmax/{kernel [units, vocab], bias [vocab]}``, random float32 values, saved with
``tf.compat.v1.train.Saver`` (no ``.meta``: the conversions pass ``forget_bias=1.0`` and
``tf1_defaults=True``, as a user without the graph would).

Every contender runs in a fresh process, one after the other; wall time is the whole process
(interpreter start and imports included) and peak memory is the process's peak RSS
(``ru_maxrss`` of that child, from ``os.wait4``):

* ``import tensorflow, keras``   the framework alone: the baseline subtracted below;
* ``... + tf2_port.checkpoint``  the same plus the project's modules (what the conversion imports);
* ``read_checkpoint``            ``tf2_port.checkpoint.read_checkpoint``: every array in memory, the
                                 floor of any conversion that reads the checkpoint whole;
* ``convert_checkpoint``         the library call, writing ``.keras`` + ``rest.npz``;
* ``tf1-migrate convert-checkpoint``  the CLI (``--forget-bias 1 --tf1-defaults``);
* ``keras.saving.load_model``    loading the converted ``.keras`` file the stock way;
* ``load_converted``             ``tf2_port.checkpoint.load_converted`` of the same file.

The table reports, per contender, wall time, peak RSS, "own memory" = peak RSS minus the
``import tensorflow, keras`` baseline, and own memory / checkpoint size (issue 8's target:
<= 2). Time is set against copying the checkpoint's files (the I/O floor) and as MB/s.
``--profile`` reruns the library call in a worker that records, around each step
(``read_checkpoint``, building each stack's model, ``Model.save``, ``np.savez``), the RSS
before and after and the step's own peak (``/proc/self/clear_refs`` resets the peak).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

import common  # bench/ is the script's folder
from common import REPO, console_script, quiet_env, skipped_lines, table_head

MB = 1024 * 1024


# --- worker side (runs in a fresh interpreter: `checkpoint_speed.py --worker KIND ...`) ----------

def _generate(directory: str, layers: int, units: int, vocab: int) -> None:
    import numpy as np
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        initializer = v1.random_uniform_initializer(-0.05, 0.05, seed=0)
        v1.get_variable("embedding", [vocab, units], initializer=initializer)
        with v1.variable_scope("rnn/multi_rnn_cell"):
            for index in range(layers):
                with v1.variable_scope(f"cell_{index}/lstm_cell"):
                    v1.get_variable("kernel", [2 * units, 4 * units], initializer=initializer)
                    v1.get_variable("bias", [4 * units], initializer=v1.zeros_initializer())
        with v1.variable_scope("softmax"):
            v1.get_variable("kernel", [units, vocab], initializer=initializer)
            v1.get_variable("bias", [vocab], initializer=v1.zeros_initializer())
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            saver.save(session, os.path.join(directory, "model.ckpt"), write_meta_graph=False)
    del np


def _rss_kb() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in KiB (Linux)."""
    values = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                values[key] = int(value.split()[0])
    return values["VmRSS"], values["VmHWM"]


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _profile(prefix: str, out: str) -> list[dict[str, Any]]:
    """The library conversion with RSS recorded around each step (wrapped functions, same code path)."""
    import keras
    import numpy as np

    import tf2_port.checkpoint as checkpoint

    steps: list[dict[str, Any]] = []

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            before, _ = _rss_kb()
            _reset_peak()
            result = original(*args, **kwargs)
            after, peak = _rss_kb()
            steps.append({"step": label, "before": before, "after": after, "peak": peak})
            return result

        setattr(owner, name, wrapped)

    if hasattr(checkpoint, "_open_checkpoint"):  # lazy reading (arrays read cell by cell in _build_model)
        wrap(checkpoint, "_open_checkpoint", "_open_checkpoint (index only: names, shapes, dtypes)")
    else:
        wrap(checkpoint, "read_checkpoint", "read_checkpoint (every array as numpy)")
    wrap(checkpoint, "_build_model", "_build_model (StackPort, then per cell: read, convert, set_weights)")
    wrap(keras.Model, "save", "Model.save (.keras file)")
    wrap(np, "savez", "np.savez (rest.npz)")
    start_rss, _ = _rss_kb()
    steps.append({"step": "after imports", "before": start_rss, "after": start_rss, "peak": start_rss})
    checkpoint.convert_checkpoint(prefix, out, forget_bias=1.0, tf1_defaults=True)
    return steps


def worker(argv: list[str]) -> int:
    kind, *rest = argv
    if kind == "generate":
        directory, layers, units, vocab = rest
        _generate(directory, int(layers), int(units), int(vocab))
    elif kind == "import_tf":
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    elif kind == "import_port":
        import keras  # noqa: F401
        import tensorflow  # noqa: F401

        import tf2_port.checkpoint  # noqa: F401
    elif kind == "read":
        import tf2_port.checkpoint as checkpoint

        arrays = checkpoint.read_checkpoint(rest[0])
        assert arrays
    elif kind == "convert":
        import tensorflow  # noqa: F401  (read_checkpoint imports it anyway; kept explicit)

        import tf2_port.checkpoint as checkpoint

        result = checkpoint.convert_checkpoint(rest[0], rest[1], forget_bias=1.0, tf1_defaults=True)
        assert result.stacks
    elif kind == "load":
        how, out = rest
        import glob

        import keras

        import tf2_port.checkpoint as checkpoint

        (path,) = glob.glob(os.path.join(out, "*.keras"))
        model = keras.saving.load_model(path) if how == "keras" else checkpoint.load_converted(path)
        assert model.weights
    elif kind == "profile":
        print(json.dumps(_profile(rest[0], rest[1])))
    else:
        raise SystemExit(f"unknown worker kind {kind!r}")
    return 0


# --- parent side ----------------------------------------------------------------------------

def _env() -> dict[str, str]:
    env = quiet_env()
    env.pop("TF_USE_LEGACY_KERAS", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    return env


def run_measured(arguments: list[str], capture: bool = False) -> dict[str, Any]:
    """Run one command in a fresh process: wall seconds, its own peak RSS (MB), stdout."""
    start = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=_env(), cwd=str(REPO))
    # Read the pipes while the process runs (no deadlock on big outputs), then reap it with wait4
    # to get *this* child's rusage (ru_maxrss in KiB on Linux).
    stdout, stderr = b"", b""
    if capture:
        stdout = process.stdout.read()  # type: ignore[union-attr]
    stderr = process.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{arguments[:4]} exited {process.returncode}: {stderr.decode(errors='replace')[-3000:]}")
    return {"wall": wall, "peak_mb": usage.ru_maxrss * 1024 / MB, "stdout": stdout.decode(errors="replace")}


def _worker_command(*arguments: str) -> list[str]:
    return [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", *arguments]


def checkpoint_files(prefix: str) -> list[str]:
    directory = os.path.dirname(prefix)
    stem = os.path.basename(prefix)
    return sorted(os.path.join(directory, name) for name in os.listdir(directory) if name.startswith(stem + "."))


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tf1m-ckpt-bench-") as temporary:
        root = pathlib.Path(temporary)
        (root / "ckpt").mkdir()
        prefix = str(root / "ckpt" / "model.ckpt")
        generated = run_measured(_worker_command("generate", str(root / "ckpt"), str(args.layers), str(args.units),
                                                 str(args.vocab)))
        files = checkpoint_files(prefix)
        size = sum(os.path.getsize(path) for path in files)
        # The I/O floor: copy the checkpoint's files (the page cache holds them after generation).
        (root / "copy").mkdir()
        start = time.perf_counter()
        for path in files:
            shutil.copyfile(path, root / "copy" / os.path.basename(path))
        copy_seconds = time.perf_counter() - start
        shutil.rmtree(root / "copy")

        contenders: list[tuple[str, list[str] | None, str | None]] = [
            ("import tensorflow, keras (baseline)", _worker_command("import_tf"), None),
            ("import tensorflow, keras, tf2_port.checkpoint", _worker_command("import_port"), None),
            ("read_checkpoint (every array in memory)", _worker_command("read", prefix), None),
            ("convert_checkpoint (library call)", _worker_command("convert", prefix, str(root / "out_api")),
             "out_api"),
        ]
        skipped = {}
        cli = console_script("tf1-migrate")
        if cli:
            contenders.append(("tf1-migrate convert-checkpoint (CLI)",
                               [cli, "convert-checkpoint", prefix, "--out", str(root / "out_cli"), "--forget-bias",
                                "1", "--tf1-defaults"], "out_cli"))
        else:
            skipped["tf1-migrate"] = "console script not found (pip install -e .)"
        # Loading what the library call wrote (its folder is left in place by the run above).
        contenders += [
            ("keras.saving.load_model of the converted .keras", _worker_command("load", "keras", str(root / "out_api")),
             None),
            ("tf2_port.checkpoint.load_converted of it", _worker_command("load", "port", str(root / "out_api")), None),
        ]
        rows = []
        for name, arguments, out in contenders:
            runs = []
            for _ in range(args.rounds):
                if out:
                    shutil.rmtree(root / out, ignore_errors=True)
                runs.append(run_measured(arguments))
            output_size = (sum(p.stat().st_size for p in (root / out).rglob("*") if p.is_file()) if out else None)
            rows.append({"name": name, "wall": min(r["wall"] for r in runs),
                         "peak_mb": min(r["peak_mb"] for r in runs), "output_bytes": output_size})
        profile = None
        if args.profile:
            shutil.rmtree(root / "out_profile", ignore_errors=True)
            measured = run_measured(_worker_command("profile", prefix, str(root / "out_profile")), capture=True)
            profile = json.loads(measured["stdout"].strip().splitlines()[-1])
    baseline = rows[0]
    for row in rows:
        row["own_mb"] = row["peak_mb"] - baseline["peak_mb"]
        row["own_ratio"] = row["own_mb"] * MB / size
        row["own_seconds"] = row["wall"] - baseline["wall"]
        row["time_ratio"] = row["own_seconds"] / copy_seconds if copy_seconds > 0 else float("nan")
    return {"layers": args.layers, "units": args.units, "vocab": args.vocab, "size": size,
            "files": [os.path.basename(p) for p in files], "copy_seconds": copy_seconds,
            "generate_seconds": generated["wall"], "rounds": args.rounds, "rows": rows, "skipped": skipped,
            "profile": profile}


def format_table(result: dict[str, Any]) -> str:
    size_mb = result["size"] / MB
    lines = [
        f"TF1 Saver checkpoint: {result['layers']} x LSTM {result['units']} + embedding and softmax (vocab "
        f"{result['vocab']}), float32, {size_mb:,.1f} MB on disk ({', '.join(result['files'])}); copying its "
        f"files takes {result['copy_seconds']:.2f} s. Best of {result['rounds']} run(s) per contender, each a "
        "fresh process. own = the process's value minus the `import tensorflow, keras` baseline's; "
        "memory ratio = own peak RSS / checkpoint size; time ratio = own wall time / copy time.",
        "",
        *table_head("contender", "wall (s)", "own time (s)", "time ratio", "MB/s", "peak RSS (MB)", "own RSS (MB)",
                    "memory ratio"),
    ]
    for index, row in enumerate(result["rows"]):
        if index == 0:
            lines.append(f"| {row['name']} | {row['wall']:.2f} | – | – | – | {row['peak_mb']:,.0f} | 0 | – |")
            continue
        rate = size_mb / row["own_seconds"] if row["own_seconds"] > 0 else float("nan")
        lines.append(
            f"| {row['name']} | {row['wall']:.2f} | {row['own_seconds']:.2f} | {row['time_ratio']:.2f} | "
            f"{rate:,.0f} | {row['peak_mb']:,.0f} | {row['own_mb']:,.0f} | {row['own_ratio']:.2f} |"
        )
    lines += skipped_lines(result["skipped"])
    if result["profile"]:
        lines += ["", "Conversion steps (library call, one process; RSS in MB; step peak = highest RSS during "
                  "the step, extra = step peak - RSS before it, x ckpt = extra / checkpoint size):", "",
                  *table_head("step", "RSS before", "RSS after", "step peak", "extra", "x ckpt")]
        for step in result["profile"]:
            extra = (step["peak"] - step["before"]) / 1024
            lines.append(f"| {step['step']} | {step['before'] / 1024:,.0f} | {step['after'] / 1024:,.0f} | "
                         f"{step['peak'] / 1024:,.0f} | {extra:,.0f} | {extra * MB / result['size']:.2f} |")
    return "\n".join(lines)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layers", type=int, default=4, help="LSTM layers (default 4)")
    parser.add_argument("--units", type=int, default=2048, help="units per layer (default 2048)")
    parser.add_argument("--vocab", type=int, default=10000, help="embedding rows and softmax width (default 10000)")
    parser.add_argument("--rounds", type=int, default=1, help="runs per contender; the best is reported (default 1)")
    parser.add_argument("--profile", action="store_true", help="also record each conversion step's peak memory")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return common.parse_args(__doc__, argv, _arguments, quick="tiny smoke run: 2 x 64, vocab 50, with --profile",
                             quick_values={"layers": 2, "units": 64, "vocab": 50, "rounds": 1, "profile": True})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker(argv[1:])
    return common.main(argv, parse_args, run, format_table)


if __name__ == "__main__":
    sys.exit(main())
