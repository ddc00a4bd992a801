"""Training and inference speed of the d2l char LM: TF1 graph vs its Keras 3 ports vs PyTorch.

    python bench/rnn_speed.py                        # d2l config: batch 32, 2 x LSTM 256, 35 steps
    python bench/rnn_speed.py --hidden 1024          # the wide case of issue 8
    python bench/rnn_speed.py --batch 256 --rounds 5
    python bench/rnn_speed.py --quick                # tiny smoke run (tests/test_bench_smoke.py)

The model is d2l §9.3's (tf1_reference.models.char_lm): one-hot characters (vocab 28), two
LSTM layers, a dense head, mean cross-entropy, SGD lr 1 with clipping by global norm 1, the
final state of each minibatch carried into the next one. Contenders:

* ``tf1``            the TF1 graph: MultiRNNCell of LSTMCell, dynamic_rnn, run in a Session (= 1.00)
* ``keras_cells``    Keras 3 RNN(StackedRNNCells) (StackPort's cell form), step in tf.function
* ``keras_lstm``     StackPort's fast form: stacked keras.layers.LSTM, step in tf.function
* ``precomputed``    tf2_port.fast.PrecomputedInputLSTM x 2 (input projection hoisted out of the
                     loop, hand-written backward), step in tf.function
* ``precomputed_xla``  the same with XLA where it measured faster: in training only the time
                     loops are compiled (``compile_loops=True``; the big products stay
                     TensorFlow's), in inference the whole forward (``jit_compile=True``)
* ``unrolled_stack`` tf2_port.fast.UnrolledLSTMStack: both layers in one unrolled graph with a
                     hand-written backward, so the layers overlap in time on the two cores
* ``fused_torch``    tf2_port.fused.FusedLSTMStack in Keras 3 on the **torch** backend (its
                     worker sets KERAS_BACKEND=torch): PyTorch's fused LSTM kernel on the Keras
                     variables, trained eagerly by a Keras SGD optimizer (skipped without torch)
* ``torch``          PyTorch nn.LSTM (2 layers), eager, same config (skipped if torch is absent)

Each contender lives in its own worker process (own thread pools, own peak memory, no
interference between runtimes) and starts from the TF1 model's weights; the Keras and PyTorch
ones report max |logits - TF1 logits| on one batch, so a fast number for wrong results shows.
The parent asks one worker at a time to measure, in a rotating order, round after round: every
ratio is contender / tf1 measured in the same round, and the table shows the median of those
ratios (absolute tokens/s drift up to 2x on a shared machine; ratios are what to trust).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time
from typing import Any

import numpy as np

import common  # bench/ is the script's folder
from common import ForeignLoad, foreign_load_line, format_spread, rotated, skipped_lines, spread, table_head

CONTENDERS = ("tf1", "keras_cells", "keras_lstm", "precomputed", "precomputed_xla", "unrolled_stack", "fused_torch",
              "torch")
LABELS = {
    "tf1": "TF1 graph (dynamic_rnn + MultiRNNCell, Session)",
    "keras_cells": "Keras 3 RNN(StackedRNNCells), tf.function",
    "keras_lstm": "StackPort fast form (2 x keras.layers.LSTM), tf.function",
    "precomputed": "PrecomputedInputLSTM x 2 (tf2_port.fast), tf.function",
    "precomputed_xla": "PrecomputedInputLSTM x 2 + XLA (train: compile_loops=True; infer: jit_compile)",
    "unrolled_stack": "UnrolledLSTMStack (tf2_port.fast: both layers in one unrolled graph), tf.function",
    "fused_torch": "FusedLSTMStack (tf2_port.fused), Keras 3 on the torch backend, eager",
    "torch": "PyTorch nn.LSTM, eager",
}


# --- the contenders (each runs inside its own worker process) ---------------------------------

class TF1Contender:
    def __init__(self, config: dict[str, Any], variables: Any = None) -> None:
        from tf1_reference.models.char_lm import CharLanguageModel, CharLMConfig

        self.model = CharLanguageModel(CharLMConfig(
            num_hiddens=config["hidden"], num_layers=2, batch_size=config["batch"],
            num_steps=config["steps"], learning_rate=1.0, clip_norm=1.0, max_tokens=config["max_tokens"]))
        self.state = None

    def variables(self) -> dict[str, np.ndarray]:
        return self.model.get_variables()

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        return self.model.forward(inputs)[0]

    def train_step(self, inputs: np.ndarray, targets: np.ndarray) -> float:
        loss, self.state = self.model.run_batch(inputs, targets, self.state, train=True)
        return loss

    def infer_step(self, inputs: np.ndarray) -> None:
        _, self.state = self.model.forward(inputs, self.state)


class KerasContender:
    """A Keras 3 char LM trained by one tf.function step, as tests/test_seed_ports.py does."""

    def __init__(self, config: dict[str, Any], variables: dict[str, np.ndarray], form: str) -> None:
        import keras
        import tensorflow as tf

        from tf2_port.models.char_lm import CharLMPort
        from tf2_port.training import make_train_step

        port = CharLMPort(config["vocab"], num_hiddens=config["hidden"], num_layers=2,
                          num_steps=config["steps"], fast=form != "keras_cells")
        port.set_tf1_variables(variables)
        if form.startswith("precomputed"):
            self.model = _precomputed_char_lm(port, config, compile_loops=form == "precomputed_xla")
        elif form == "unrolled_stack":
            from tf2_port.fast import UnrolledLSTMStack

            self.model = _stack_char_lm(UnrolledLSTMStack, port, config)
        else:
            self.model = port
        model = self.model
        # keras SGD's global_clipnorm scales by min(1, clip / global_norm), as tf.clip_by_global_norm does.
        optimizer = keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0)

        def loss_fn(inputs: Any, targets: Any, *states: Any) -> tuple:
            logits, *final = model(inputs, initial_state=list(states) or None)
            loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True))
            return (loss, *final)

        self._train = make_train_step(model, optimizer, loss_fn)
        self._forward = tf.function(lambda inputs, *states: model(inputs, initial_state=list(states) or None),
                                    jit_compile=form == "precomputed_xla")
        self.train_states: list[Any] = []
        self.infer_states: list[Any] = []

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        return np.asarray(self.model(inputs)[0])

    def train_step(self, inputs: np.ndarray, targets: np.ndarray) -> float:
        loss, *self.train_states = self._train(inputs, targets, *self.train_states)
        return float(loss)  # waits for the step, as session.run does

    def infer_step(self, inputs: np.ndarray) -> None:
        logits, *self.infer_states = self._forward(inputs, *self.infer_states)
        np.asarray(logits)  # fetched, as session.run fetches


def _precomputed_char_lm(port: Any, config: dict[str, Any], compile_loops: bool) -> Any:
    """The d2l model on PrecomputedInputLSTM layers, with the weights of ``port`` (fast form)."""
    import keras

    from tf2_port.fast import PrecomputedInputLSTM

    class PrecomputedCharLM(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.vocab_size = config["vocab"]
            self.lstms = [PrecomputedInputLSTM(config["hidden"], compile_loops=compile_loops) for _ in range(2)]
            for lstm, input_size in zip(self.lstms, (self.vocab_size, config["hidden"])):
                lstm.build((None, config["steps"], input_size))
            self.dense = keras.layers.Dense(self.vocab_size)
            self.dense.build((None, config["steps"], config["hidden"]))

        def call(self, inputs: Any, initial_state: Any = None) -> list[Any]:
            x = keras.ops.one_hot(inputs, self.vocab_size)
            final = []
            for index, lstm in enumerate(self.lstms):
                state = None if initial_state is None else initial_state[2 * index: 2 * index + 2]
                x, h, c = lstm(x, initial_state=state)
                final += [h, c]
            return [self.dense(x), *final]

    model = PrecomputedCharLM()
    for lstm, port_layer in zip(model.lstms, port.stack.cells[""]):
        lstm.set_weights(port_layer.get_weights())
    model.dense.set_weights(port.dense.get_weights())
    return model


def _stack_char_lm(stack_class: Any, port: Any, config: dict[str, Any]) -> Any:
    """The d2l model on one whole-stack layer (``UnrolledLSTMStack``, ``FusedLSTMStack``) with
    the weights of ``port`` (fast form): both stacks take stock ``keras.layers.LSTM`` weights."""
    import keras

    class StackCharLM(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.vocab_size = config["vocab"]
            self.stack = stack_class((config["hidden"], config["hidden"]))
            self.stack.build((None, config["steps"], self.vocab_size))
            self.dense = keras.layers.Dense(self.vocab_size)
            self.dense.build((None, config["steps"], config["hidden"]))

        def call(self, inputs: Any, initial_state: Any = None) -> list[Any]:
            outputs, *final = self.stack(keras.ops.one_hot(inputs, self.vocab_size), initial_state=initial_state)
            return [self.dense(outputs), *final]

    model = StackCharLM()
    model.stack.set_weights([w for layer in port.stack.cells[""] for w in layer.get_weights()])
    model.dense.set_weights(port.dense.get_weights())
    return model


class KerasTorchContender:
    """The d2l model on tf2_port.fused.FusedLSTMStack, Keras 3 on the torch backend.

    Keras on torch has no compiled step to use here (``jit_compile`` would mean torch.compile,
    which breaks the graph at the LSTM kernel anyway, as the issue found), so the step is
    Keras's documented custom loop for that backend: forward, ``loss.backward()``, and the
    Keras optimizer applying the variables' ``.grad`` — eager, as the PyTorch contender is.
    """

    def __init__(self, config: dict[str, Any], variables: dict[str, np.ndarray]) -> None:
        import keras
        import torch

        from tf2_port.fused import FusedLSTMStack
        from tf2_port.models.char_lm import CharLMPort

        # The TF1 -> Keras conversion is StackPort's (backend-independent); its weights then go
        # into the fused stack, as for UnrolledLSTMStack.
        port = CharLMPort(config["vocab"], num_hiddens=config["hidden"], num_layers=2, num_steps=config["steps"])
        port.set_tf1_variables(variables)

        self.torch, self.keras = torch, keras
        self.model = _stack_char_lm(FusedLSTMStack, port, config)
        # keras SGD's global_clipnorm scales by min(1, clip / global_norm), as tf.clip_by_global_norm does.
        self.optimizer = keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0)
        self.optimizer.build(self.model.trainable_variables)
        self.train_states: list[Any] = []
        self.infer_states: list[Any] = []

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            return self.keras.ops.convert_to_numpy(self.model(self.torch.from_numpy(inputs))[0])

    def train_step(self, inputs: np.ndarray, targets: np.ndarray) -> float:
        torch, keras = self.torch, self.keras
        variables = self.model.trainable_variables
        # The carried state holds no gradient across minibatches (as d2l, and as the TF1 feed).
        logits, *final = self.model(torch.from_numpy(inputs), initial_state=self.train_states or None)
        loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
            torch.from_numpy(targets).long(), logits, from_logits=True))
        self.model.zero_grad()
        loss.backward()
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in variables], variables)
        self.train_states = [state.detach() for state in final]
        return loss.item()

    def infer_step(self, inputs: np.ndarray) -> None:
        with self.torch.no_grad():
            logits, *self.infer_states = self.model(self.torch.from_numpy(inputs),
                                                    initial_state=self.infer_states or None)
            logits.numpy()  # fetched, as session.run fetches


class TorchContender:
    def __init__(self, config: dict[str, Any], variables: dict[str, np.ndarray]) -> None:
        import torch

        from tf2_port.convert import lstm_to_keras

        self.torch = torch
        hidden, vocab = config["hidden"], config["vocab"]
        self.lstm = torch.nn.LSTM(vocab, hidden, num_layers=2, batch_first=True)
        self.dense = torch.nn.Linear(hidden, vocab)
        with torch.no_grad():
            for layer, input_size in enumerate((vocab, hidden)):
                prefix = f"rnn/multi_rnn_cell/cell_{layer}/lstm_cell"
                kernel, recurrent_kernel, bias = lstm_to_keras(
                    variables[f"{prefix}/kernel"], variables[f"{prefix}/bias"], input_size, 1.0)
                # Keras and PyTorch share the gate order (i, f, g, o); PyTorch stores W transposed.
                getattr(self.lstm, f"weight_ih_l{layer}").copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
                getattr(self.lstm, f"weight_hh_l{layer}").copy_(
                    torch.from_numpy(np.ascontiguousarray(recurrent_kernel.T)))
                getattr(self.lstm, f"bias_ih_l{layer}").copy_(torch.from_numpy(bias))
                getattr(self.lstm, f"bias_hh_l{layer}").zero_()
            self.dense.weight.copy_(torch.from_numpy(np.ascontiguousarray(variables["dense/kernel"].T)))
            self.dense.bias.copy_(torch.from_numpy(variables["dense/bias"]))
        self.vocab = vocab
        self.parameters = list(self.lstm.parameters()) + list(self.dense.parameters())
        self.optimizer = torch.optim.SGD(self.parameters, lr=1.0)
        self.train_state = None
        self.infer_state = None

    def _forward(self, inputs: Any, state: Any) -> tuple[Any, Any]:
        one_hot = self.torch.nn.functional.one_hot(inputs, self.vocab).float()
        outputs, state = self.lstm(one_hot, state)
        return self.dense(outputs), state

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            return self._forward(self.torch.from_numpy(inputs).long(), None)[0].numpy()

    def train_step(self, inputs: np.ndarray, targets: np.ndarray) -> float:
        torch = self.torch
        if self.train_state is not None:  # carried, no gradient across minibatches (as d2l)
            self.train_state = tuple(s.detach() for s in self.train_state)
        logits, self.train_state = self._forward(torch.from_numpy(inputs).long(), self.train_state)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, self.vocab),
                                                 torch.from_numpy(targets).long().reshape(-1))
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.parameters, 1.0)
        self.optimizer.step()
        return loss.item()

    def infer_step(self, inputs: np.ndarray) -> None:
        with self.torch.no_grad():
            logits, self.infer_state = self._forward(self.torch.from_numpy(inputs).long(), self.infer_state)
            logits.numpy()


def _make_contender(name: str, config: dict[str, Any], variables: Any) -> Any:
    if name == "tf1":
        return TF1Contender(config)
    if name == "torch":
        return TorchContender(config, variables)
    if name == "fused_torch":
        return KerasTorchContender(config, variables)
    return KerasContender(config, variables, name)


def _preload(name: str) -> None:
    """Import the contender's runtime: the slow part of start-up, run by all workers at once."""
    if name == "tf1":
        import tf1_reference._legacy  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
    elif name == "torch":
        import torch  # noqa: F401
    elif name == "fused_torch":
        # The Keras backend is read once, when Keras is first imported: set it before that.
        os.environ["KERAS_BACKEND"] = "torch"
        import keras  # noqa: F401
        import torch  # noqa: F401
    else:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401


def _worker(name: str, config: dict[str, Any], batches: list, connection: Any) -> None:
    """Build one contender when asked (with the TF1 weights), then measure whenever asked."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _preload(name)
    _, variables = connection.recv()
    try:
        contender = _make_contender(name, config, variables)
        probe = batches[0][0]
        reply: dict[str, Any] = {"logits": contender.logits(probe)}
        if name == "tf1":
            reply["variables"] = contender.variables()
        # The first call traces / compiles: its cost is reported, never mixed into the rates.
        start = time.perf_counter()
        contender.train_step(*batches[0])
        reply["first_train_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        contender.infer_step(batches[0][0])
        reply["first_infer_seconds"] = time.perf_counter() - start
        for inputs, targets in batches[1:3]:  # warm-up
            contender.train_step(inputs, targets)
            contender.infer_step(inputs)
        connection.send(reply)
    except Exception as error:  # reported by the parent as a skipped contender
        connection.send({"error": f"{type(error).__name__}: {error}"})
        return
    tokens = batches[0][0].size
    while True:
        try:
            request = connection.recv()
        except EOFError:  # the parent is gone
            return
        if request[0] == "stop":
            connection.send({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            return
        _, train_steps, infer_steps = request
        start = time.perf_counter()
        for index in range(train_steps):
            contender.train_step(*batches[index % len(batches)])
        train_rate = train_steps * tokens / (time.perf_counter() - start)
        start = time.perf_counter()
        for index in range(infer_steps):
            contender.infer_step(batches[index % len(batches)][0])
        infer_rate = infer_steps * tokens / (time.perf_counter() - start)
        connection.send({"train": train_rate, "infer": infer_rate})


# --- the parent: rounds, ratios, table ---------------------------------------------------------

def _batches(config: dict[str, Any], count: int) -> tuple[list, int]:
    from tf1_reference.text import load_char_corpus, load_text, seq_data_iter_sequential

    corpus, vocab = load_char_corpus(load_text(None), config["max_tokens"])
    batches = []
    for inputs, targets in seq_data_iter_sequential(corpus, config["batch"], config["steps"], 0):
        batches.append((inputs.astype(np.int32), targets.astype(np.int32)))
        if len(batches) == count:
            break
    return batches, len(vocab)


def _process_jiffies(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, ValueError, IndexError):
            pass
    return total


def _torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def run(args: argparse.Namespace) -> dict[str, Any]:
    config = {"batch": args.batch, "hidden": args.hidden, "steps": args.steps, "max_tokens": 200_000}
    batches, config["vocab"] = _batches(config, 8)
    names = [name for name in CONTENDERS if name in args.only] if args.only else list(CONTENDERS)
    if "tf1" not in names:
        names.insert(0, "tf1")  # every ratio is against it
    skipped: dict[str, str] = {}
    for name in ("fused_torch", "torch"):
        if name in names and not _torch_available():
            names.remove(name)
            skipped[name] = "PyTorch is not installed (pip install torch==2.13.0)"
    context = multiprocessing.get_context("spawn")
    workers: dict[str, tuple[Any, Any]] = {}
    ready: dict[str, dict[str, Any]] = {}
    # All workers import their runtime at once (seconds each, and not measured); then they are
    # built one at a time, TF1 first (its weights go to the others), so that no build or first
    # step competes with another for the cores.
    processes = {}
    for name in names:
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_worker, args=(name, config, batches, child_end), daemon=True)
        process.start()
        processes[name] = (process, parent_end)
    variables = None
    for name in names:
        process, connection = processes[name]
        connection.send(("build", variables))
        reply = connection.recv()
        if "error" in reply:
            skipped[name] = reply["error"]
            process.join()
            continue
        if name == "tf1":
            variables = reply.pop("variables")
        workers[name] = (process, connection)
        ready[name] = reply
    if "tf1" not in workers:
        raise SystemExit(f"the TF1 reference could not be built: {skipped.get('tf1')}")
    reference_logits = ready["tf1"]["logits"]
    active = list(workers)
    ratios: dict[str, dict[str, list[float]]] = {name: {"train": [], "infer": []} for name in active}
    absolute: dict[str, dict[str, list[float]]] = {name: {"train": [], "infer": []} for name in active}
    to_torch: dict[str, dict[str, list[float]]] = {name: {"train": [], "infer": []} for name in active}
    # How much of the machine other processes took during each round (another user's tests...):
    # printed, and with --max-foreign-load a round above it is dropped, by a rule fixed in advance.
    our_pids = [os.getpid()] + [process.pid for process, _ in workers.values()]
    load = ForeignLoad(lambda: _process_jiffies(our_pids))
    dropped = 0
    for round_index in range(args.rounds):
        measured = {}
        load.start()
        for name in rotated(active, round_index):
            _, connection = workers[name]
            time.sleep(args.pause)  # let the previous runtime's spinning threads go idle
            connection.send(("measure", args.train_steps, args.infer_steps))
            measured[name] = connection.recv()
        foreign = load.stop()
        if args.verbose:
            print(f"round {round_index + 1} (other processes {foreign if foreign is not None else float('nan'):.0%} "
                  f"of the CPU): " + ", ".join(
                      f"{name} {measured[name]['train'] / measured['tf1']['train']:.2f}/"
                      f"{measured[name]['infer'] / measured['tf1']['infer']:.2f}" for name in active),
                  file=sys.stderr)
        if args.max_foreign_load is not None and foreign is not None and foreign > args.max_foreign_load:
            dropped += 1
            continue
        for name in active:
            for kind in ("train", "infer"):
                absolute[name][kind].append(measured[name][kind])
                ratios[name][kind].append(measured[name][kind] / measured["tf1"][kind])
                if "torch" in measured:  # the other target, paired within the round as well
                    to_torch[name][kind].append(measured[name][kind] / measured["torch"][kind])
    if not ratios["tf1"]["train"]:
        raise SystemExit(f"all {args.rounds} rounds were dropped by --max-foreign-load {args.max_foreign_load}")
    peak = {}
    for name, (process, connection) in workers.items():
        connection.send(("stop",))
        peak[name] = connection.recv()["peak_rss_mb"]
        process.join()
    rows = []
    for name in active:
        train_ratio, train_range = spread(ratios[name]["train"])
        infer_ratio, infer_range = spread(ratios[name]["infer"])
        rows.append({
            "name": name,
            "train_ratio": train_ratio,
            "infer_ratio": infer_ratio,
            "train_ratio_range": train_range,
            "infer_ratio_range": infer_range,
            "train_tokens_per_second": statistics.median(absolute[name]["train"]),
            "infer_tokens_per_second": statistics.median(absolute[name]["infer"]),
            "first_train_seconds": ready[name]["first_train_seconds"],
            "peak_rss_mb": peak[name],
            "max_logit_diff": float(np.max(np.abs(ready[name]["logits"] - reference_logits))),
            "to_torch": ({kind: statistics.median(to_torch[name][kind]) for kind in ("train", "infer")}
                         if to_torch[name]["train"] else None),
        })
    return {"config": config, "rows": rows, "skipped": skipped, "rounds": args.rounds - dropped, "dropped": dropped,
            "foreign_load": load.median()}


def format_table(result: dict[str, Any]) -> str:
    config = result["config"]
    lines = [
        f"d2l char LM: vocab {config['vocab']}, batch {config['batch']}, {config['steps']} steps, "
        f"2 x LSTM {config['hidden']}, SGD lr 1 + clip by global norm 1; "
        f"median of {result['rounds']} interleaved rounds (ratio = contender / TF1 in the same round; "
        "in brackets the lowest and highest).",
    ]
    if result.get("foreign_load") is not None:
        lines.append(foreign_load_line(result["foreign_load"])
                     + (f"; {result['dropped']} round(s) above --max-foreign-load dropped." if result["dropped"] else "."))
    lines += ["", *table_head("contender", "train ratio", "infer ratio", "train tok/s", "infer tok/s",
                              "first train step (s)", "peak RSS (MB)", "max \\|logits - TF1\\|")]
    for row in result["rows"]:
        lines.append(
            f"| {LABELS[row['name']]} | {format_spread(row['train_ratio'], *row['train_ratio_range'])} | "
            f"{format_spread(row['infer_ratio'], *row['infer_ratio_range'])} | {row['train_tokens_per_second']:,.0f} | "
            f"{row['infer_tokens_per_second']:,.0f} | {row['first_train_seconds']:.2f} | {row['peak_rss_mb']:,.0f} | "
            f"{row['max_logit_diff']:.1e} |")
    paired = [row for row in result["rows"] if row["to_torch"] and row["name"] not in ("tf1", "torch")]
    if paired:
        lines += ["", "Ratio to PyTorch nn.LSTM eager in the same round (median, train / infer): " + "; ".join(
            f"{row['name']} {row['to_torch']['train']:.2f} / {row['to_torch']['infer']:.2f}"
            for row in paired)]
    lines += skipped_lines(result["skipped"])
    return "\n".join(lines)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=9, help="interleaved measurement rounds (default 9)")
    parser.add_argument("--batch", type=int, default=32, help="batch size (d2l: 32)")
    parser.add_argument("--hidden", type=int, default=256, help="units per LSTM layer (d2l: 256)")
    parser.add_argument("--steps", type=int, default=35, help="time steps per minibatch (d2l: 35)")
    # Short measurements, many rounds: the load of a shared machine changes within seconds, and a
    # round's contenders should see the same load.
    parser.add_argument("--train-steps", type=int, default=10, help="training steps timed per round and contender")
    parser.add_argument("--infer-steps", type=int, default=20, help="inference batches timed per round and contender")
    parser.add_argument("--only", nargs="+", choices=CONTENDERS, help="measure only these (tf1 is always added)")
    parser.add_argument("--max-foreign-load", type=float, default=None, metavar="SHARE",
                        help="drop rounds in which other processes used more than this share (0-1) of the CPU")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds of idle before each measurement")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return common.parse_args(__doc__, argv, _arguments, quick="tiny smoke run: 1 round, small model, few steps",
                             quick_values={"rounds": 1, "batch": 4, "hidden": 16, "steps": 8, "train_steps": 2,
                                           "infer_steps": 2, "pause": 0.0}, verbose="ratios")


def main(argv: list[str] | None = None) -> int:
    return common.main(argv, parse_args, run, format_table)


if __name__ == "__main__":
    sys.exit(main())
