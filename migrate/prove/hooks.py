"""What a prove child installs in its interpreter before the script runs. Imports TensorFlow.

Four kinds of hook, each undone by nothing (the child process ends with the script):

- **Recording** (:class:`Recorder`): ``BaseSession.run`` -- under ``Session``,
  ``InteractiveSession``, ``Tensor.eval`` and ``Operation.run`` alike -- records every result in
  call order, with the fetched elements' names, and stops the script (:class:`StopScript`)
  after the configured number of calls.
- **Same weights**: a call that runs variable initializers is followed, in the reference, by a
  real ``Saver`` checkpoint of the variables it initialised; in the candidate, by loading that
  checkpoint through the project's converter (``tf2_port.keras_rnn.tf1_variable_assignments``:
  gate reorder, kernel split, ``forget_bias`` read from the reference's ``.meta``). A candidate
  variable that gets no value and has a random initializer is an error naming it.
- **Same inputs**: Python's ``random``, NumPy's global generator and every graph's seed are set
  alike; random ops created outside variable initializers get op seeds counted among
  themselves, so the TF1 cells' initializer ops (which the Keras cells do not create) do not
  shift them; Keras 3 draws its default seeds from a private generator instead of Python's
  global one (:mod:`migrate.prove.keras_seed_fence`).
- **Neutralised**: dropout keep probabilities forced to 1.0 (masks drawn by different ops can
  never be aligned; off with ``keep_dropout``), ``input()`` answers ``""``, ``plt.show`` /
  ``plt.pause`` do nothing.
"""

from __future__ import annotations

import builtins
import collections
import difflib
import functools
import importlib
import importlib.abc
import importlib.util
import inspect
import os
import pickle
import random
import sys
import threading
import traceback
import weakref
from typing import Any, Callable, Iterator

import numpy as np
import tensorflow as tf

from migrate.prove import keras_seed_fence, tf_keras_dropout_fence
# BaseSession: every Session's run; nn_ops: where tf.nn.dropout and its v1 form are defined.
from migrate.prove.tensorflow_internals_fence import nn_ops, random_seed, session_module, tf_ops, unsafe_unfinalize


class StopScript(BaseException):
    """Raised inside ``Session.run`` once enough calls are recorded: the script stops there.

    A ``BaseException``, so the ``except Exception`` blocks of scripts do not swallow it.
    """


# Op types whose fetched value is a serialised Summary protobuf: its bytes hold variable
# names, which a migration renames, so it is listed but never compared.
SUMMARY_OP_TYPES = frozenset({
    "MergeSummary", "ScalarSummary", "HistogramSummary", "ImageSummary", "AudioSummary",
    "AudioSummaryV2", "TensorSummary", "TensorSummaryV2",
})

SAVE_OP_TYPES = frozenset({"SaveV2", "Save", "SaveSlices", "MergeV2Checkpoints"})

# Variable initializers are created under a name scope of this name (TF1 variables and Keras 3
# variables in a graph alike); random ops created there do not take part in seed alignment.
INITIALIZER_SCOPE = "Initializer"
# Op seeds handed to random ops created outside initializers: a range TF's own counter (which
# starts at 0 per graph and counts every random op) does not reach in practice.
ALIGNED_OP_SEED_BASE = 1 << 30

DROPOUT_KEEP_ARGUMENTS = ("input_keep_prob", "output_keep_prob", "state_keep_prob")


class Recorder:
    """Records ``Session.run`` results to a pickle stream and keeps both runs' weights equal.

    The stream holds one dict per event, appended and flushed as they happen (a killed child
    still leaves what it recorded): ``{"event": "call", ...}`` per recorded call,
    ``{"event": "sync", ...}`` per weight hand-over, ``{"event": "note", ...}``, and a final
    ``{"event": "end", ...}`` written by :func:`finish`.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        self.role = config["role"]
        self.steps = int(config["steps"])
        self.checkpoint_dir = config["checkpoint_dir"]
        self.calls = 0
        self.value_calls = 0  # calls that fetched at least one value: what `steps` counts
        # A loop that only runs train ops between its rare fetches still ends.
        self.max_calls = int(config["max_calls"])
        self.initializations = 0
        self.inside = False  # our own Session.run calls (save, load) are not recorded
        self.notes: collections.Counter[str] = collections.Counter()
        self._stream = open(config["record_path"], "ab")
        self._random_fetches: dict[str, str | None] = {}
        # The tf2 level's output has no Session: its step functions (tf.function per former
        # Session.run site) are recorded instead, and the TF1 name of each of its weights says
        # which reference array it takes (see install_step_hook).
        self.step_names = frozenset(config.get("tf2_steps", ()))
        self.tf1_weights = [tuple(pair) for pair in config.get("tf1_weights", ())]
        self._handed_over_steps: set[int] = set()
        self._handed_over_names: set[str] = set()

    # --- the stream -----------------------------------------------------------------------
    def emit(self, event: dict[str, Any]) -> None:
        pickle.dump(event, self._stream, protocol=pickle.HIGHEST_PROTOCOL)
        self._stream.flush()

    def note(self, key: str) -> None:
        self.notes[key] += 1

    def finish(self, end: str, error: dict[str, Any] | None) -> None:
        self.emit({"event": "end", "end": end, "error": error, "calls": self.calls, "notes": dict(self.notes)})
        self._stream.close()

    def record(self, graph: Any, fetches: Any, result: Any, initialization: bool = False) -> None:
        self.calls += 1
        leaves = []
        summaries_read: dict[str, dict[str, Any]] = {}
        for path, fetch, value in _paired_leaves(fetches, result):
            element = _graph_element(graph, fetch)
            label = getattr(element, "name", None) or (fetch if isinstance(fetch, str) else type(fetch).__name__)
            kind = _kind(element)
            read = _summary_read(value) if kind == "summary" else None
            if read is not None:
                # A summary's values by tag (a migrated program returns them so, having no proto).
                summaries_read[path] = {tag: part for tag, (_, part) in read.items()}
                for tag, (part_kind, part) in sorted(read.items()):
                    leaves.append({"path": f"{path}[{tag!r}]", "label": f"{label} {tag}", "kind": part_kind,
                                   "value": part, "random_op": None})
                continue
            for subpath, leaf in _value_leaves(value):
                leaves.append({
                    "path": path + subpath, "label": label, "kind": kind, "value": _plain(leaf),
                    "random_op": self._random_source(element) if kind == "value" else None,
                })
        if any(leaf["kind"] == "value" and leaf["value"] is not None for leaf in leaves):
            self.value_calls += 1
        if summaries_read:
            result = _replaced(result, summaries_read)
        self.emit({"event": "call", "call": self.calls, "structure": _signature(result),
                   "types": _type_names(result), "leaves": leaves, "initialization": initialization})

    def record_step(self, name: str, result: Any) -> None:
        """A step function's return, recorded as the ``Session.run`` result it replaces."""
        self.calls += 1
        leaves = []
        for path, _, value in _paired_leaves(result, result):
            for subpath, leaf in _value_leaves(value):
                leaves.append({"path": path + subpath, "label": f"{name}()", "kind": "op" if leaf is None else "value",
                               "value": _plain(leaf), "random_op": None})
        if any(leaf["kind"] == "value" for leaf in leaves):
            self.value_calls += 1
        self.emit({"event": "call", "call": self.calls, "structure": _signature(result),
                   "types": _type_names(result), "leaves": leaves, "initialization": False})

    def is_step(self, function: Any) -> bool:
        namespace = getattr(function, "__globals__", {})
        return function.__name__ in self.step_names and namespace.get("__name__") == "__main__"

    def hand_over_step_weights(self, function: Any) -> None:
        """Before a step's first call: the reference's initial weights into the objects it reaches.

        A program inside a function keeps its state in locals, which a step reaches through its
        closure: each step, at its first call, takes the weights of the objects it can see that
        no earlier step took (an object no step reaches never affects a recorded value).
        """
        if id(function) in self._handed_over_steps:
            return
        self._handed_over_steps.add(id(function))
        namespace = dict(function.__globals__)
        namespace.update(inspect.getclosurevars(function).nonlocals)
        pending = [(name, expression) for name, expression in self.tf1_weights if name not in self._handed_over_names]
        reachable = []
        for name, expression in pending:
            try:
                reachable.append((name, eval(expression, namespace)))  # noqa: S307 -- an expression the rewrite wrote
            except NameError:
                continue
        if not reachable:
            return
        prefix = os.path.join(self.checkpoint_dir, "init_1", "model.ckpt")
        event = _load_into_objects(prefix, dict(reachable))
        self._handed_over_names.update(name for name, _ in reachable)
        self.initializations = 1
        event.update(event="sync", initialization=1, call=self.calls + 1)
        self.emit(event)
        if event.get("error"):
            raise WeightHandOverError(event["error"])

    def done(self) -> bool:
        return self.value_calls >= self.steps or self.calls >= self.max_calls

    def _random_source(self, element: Any) -> str | None:
        """The name of a random op (outside variable initializers) the fetch depends on."""
        if element is None or not hasattr(element, "op"):
            return None
        name = element.name
        if name not in self._random_fetches:
            self._random_fetches[name] = _random_ancestor(element.op)
        return self._random_fetches[name]

    # --- weights --------------------------------------------------------------------------
    def hand_over_weights(self, session: Any, variables: list[Any]) -> None:
        self.initializations += 1
        prefix = os.path.join(self.checkpoint_dir, f"init_{self.initializations}", "model.ckpt")
        self.inside = True
        try:
            with _unfinalized(session.graph), session.graph.as_default():
                if self.role == "reference":
                    event = _save(session, variables, prefix)
                elif self.role == "perturbed":
                    event = _restore_perturbed(session, variables, prefix)
                else:
                    event = _load(session, variables, prefix)
        finally:
            self.inside = False
        event.update(event="sync", initialization=self.initializations, call=self.calls + 1)
        self.emit(event)
        if event.get("error"):
            raise WeightHandOverError(event["error"])


_ACTIVE: list[Recorder] = []  # the recorder of the script now running (one at a time)


def activate(recorder: Recorder | None) -> None:
    """Send ``Session.run`` calls to ``recorder`` (``None``: record nothing)."""
    _ACTIVE[:] = [recorder] if recorder is not None else []


def install_session_hook() -> None:
    """Wrap ``BaseSession.run`` once per process; each call goes to the active recorder."""
    original = session_module.BaseSession.run

    @functools.wraps(original)
    def run(session, fetches, feed_dict=None, options=None, run_metadata=None):
        recorder = _ACTIVE[0] if _ACTIVE else None
        # Queue-runner threads call Session.run too, in no fixed order: only the script's
        # own thread is recorded.
        if recorder is None or recorder.inside or threading.current_thread() is not threading.main_thread():
            return original(session, fetches, feed_dict, options, run_metadata)
        initialised = _initialised_variables(session.graph, fetches)
        result = original(session, fetches, feed_dict, options, run_metadata)
        if initialised and recorder.role in ("reference", "candidate", "perturbed"):
            recorder.hand_over_weights(session, initialised)
        recorder.record(session.graph, fetches, result, initialization=bool(initialised))
        if recorder.done():
            raise StopScript
        return result

    session_module.BaseSession.run = run
    _install_saver_hook()


def _install_saver_hook() -> None:
    """``Saver.save`` / ``Saver.restore`` run the Session themselves (the save op, the restore
    op): those runs are the Saver's, not the script's Session.run sites, and a migrated program
    saves without any. They are not recorded."""
    saver_class = tf.compat.v1.train.Saver  # the class itself, reached by its public name

    for method in ("save", "restore"):
        original = getattr(saver_class, method)

        def unrecorded(*args, __original=original, **kwargs):
            recorder = _ACTIVE[0] if _ACTIVE else None
            if recorder is None:
                return __original(*args, **kwargs)
            inside, recorder.inside = recorder.inside, True
            try:
                return __original(*args, **kwargs)
            finally:
                recorder.inside = inside

        setattr(saver_class, method, functools.wraps(original)(unrecorded))


def install_step_hook() -> None:
    """Wrap ``tf.function`` once per process: a step function of the running script (a name the
    tf2 rewrite reported, defined in ``__main__``) records each result and, before its first
    call, takes the reference's initial weights. Every other use of ``tf.function`` (Keras' own,
    the script's helpers) is returned as TensorFlow built it."""
    original = tf.function

    def function(func=None, *args, **kwargs):
        if func is None:
            return lambda inner: function(inner, *args, **kwargs)
        compiled = original(func, *args, **kwargs)
        recorder = _ACTIVE[0] if _ACTIVE else None
        if recorder is None or not callable(func) or not recorder.is_step(func):
            return compiled
        return _recorded_step(recorder, func, compiled)

    tf.function = function


def _recorded_step(recorder: Recorder, func: Callable[..., Any], compiled: Any) -> Callable[..., Any]:
    @functools.wraps(func)
    def step(*args, **kwargs):
        recorder.hand_over_step_weights(func)
        result = compiled(*args, **kwargs)
        recorder.record_step(func.__name__, result)
        if recorder.done():
            raise StopScript
        return result

    # The program may trace the step without running it (its graph written for TensorBoard).
    step.get_concrete_function = compiled.get_concrete_function
    return step


def _load_into_objects(prefix: str, objects: dict[str, Any]) -> dict[str, Any]:
    """Assign the reference's arrays to ``objects`` ({TF1 name or scope: object}) through the converter."""
    if not os.path.exists(prefix + ".index"):
        return {"error": "the reference initialised no variables before its first run: no weights to hand over"}
    from tf2_port.checkpoint import read_checkpoint, read_meta_settings
    from tf2_port.tf1_restore import tf1_object_assignments

    arrays = read_checkpoint(prefix)
    settings = read_meta_settings(prefix + ".meta")
    try:
        assignments = tf1_object_assignments(arrays, objects, settings)
    except (ValueError, TypeError) as error:
        return {"error": f"the reference's weights do not map onto the tf2 program's: {error}"}
    for variable, array, _ in assignments:
        variable.assign(np.asarray(array))
    return {"loaded": sorted(source for _, _, source in assignments),
            "sources": sorted({source for _, _, source in assignments}), "own_start": []}


def _kind(element: Any) -> str:
    """How a fetched element compares: ``value``; ``op`` (no value); ``summary`` and
    ``checkpoint path`` (a Saver's save tensor: the path written, often with a time stamp),
    listed but not compared."""
    if isinstance(element, tf.Operation):
        return "op"
    op = getattr(element, "op", None) if element is not None else None
    if op is None:
        return "value"
    if op.type in SUMMARY_OP_TYPES:
        return "summary"
    if op.type == "Identity" and any(control.type in SAVE_OP_TYPES for control in op.control_inputs):
        return "checkpoint path"
    return "value"


class WeightHandOverError(RuntimeError):
    """The candidate's variables could not all take the reference's initial values."""


def _initialised_variables(graph: Any, fetches: Any) -> list[Any]:
    """The variables whose initializer ops this ``Session.run`` call runs.

    Initializers are fetched directly (``v.initializer``) or through the ``NoOp`` groups that
    ``global_variables_initializer`` / ``variables_initializer`` / ``tf.group`` build, so the
    walk follows control inputs of ``NoOp`` ops only: cheap, and never mistakes a training step
    (which reads variables but runs no initializer) for an initialisation.
    """
    pending = [element for _, fetch, _ in _paired_leaves(fetches, None)
               if isinstance(element := _graph_element(graph, fetch), tf.Operation)]
    if not pending:
        return []
    by_initializer = {}
    for key in (tf.compat.v1.GraphKeys.GLOBAL_VARIABLES, tf.compat.v1.GraphKeys.LOCAL_VARIABLES):
        for variable in graph.get_collection(key):
            initializer = getattr(variable, "initializer", None)
            if initializer is not None:
                by_initializer[initializer] = variable
    found, seen = [], set()
    while pending:
        op = pending.pop()
        if op in seen:
            continue
        seen.add(op)
        if op in by_initializer:
            found.append(by_initializer[op])
        elif op.type == "NoOp":
            pending.extend(op.control_inputs)
    return found


class _unfinalized:
    """Lets prove add its save / load ops to a graph the script finalised (MonitoredSession)."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.was_finalized = graph.finalized

    def __enter__(self) -> None:
        if self.was_finalized:
            unsafe_unfinalize(self.graph)

    def __exit__(self, *exc: Any) -> None:
        if self.was_finalized:
            self.graph.finalize()


def _variable_name(variable: Any) -> str:
    return variable.name.split(":")[0]


def _save(session: Any, variables: list[Any], prefix: str) -> dict[str, Any]:
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    unique = {_variable_name(v): v for v in variables}
    saver = tf.compat.v1.train.Saver(var_list=unique, max_to_keep=None)
    saver.save(session, prefix, write_meta_graph=True, write_state=False)
    return {"saved": sorted(unique)}


# The perturbed run: the reference's program from the reference's weights, each floating
# variable moved by about one unit in the last place (a fixed random sign per entry). How far
# that grows along the run measures how much this trajectory amplifies rounding.
PERTURBATION_SEED = 20161104
ULP = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23, "float64": 2.0 ** -52}


def _restore_perturbed(session: Any, variables: list[Any], prefix: str) -> dict[str, Any]:
    if not os.path.exists(prefix + ".index"):
        return {"error": "the perturbed run initialised its variables more often than the reference"}
    unique = {_variable_name(v): v for v in variables}
    tf.compat.v1.train.Saver(var_list=unique).restore(session, prefix)
    generator = np.random.RandomState(PERTURBATION_SEED)  # never the script's global generator
    trainable = {id(v) for v in session.graph.get_collection(tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES)}
    feeds, assign_ops = {}, []
    for name in sorted(unique):
        variable = unique[name]
        dtype = variable.dtype.base_dtype
        # The weights only: optimizer slots and counters (Adam's beta powers) are not rounding.
        if id(variable) not in trainable or not dtype.is_floating or dtype.name not in ULP:
            continue
        value = session.run(variable)
        signs = generator.choice([-1.0, 1.0], size=np.shape(value))
        placeholder = tf.compat.v1.placeholder(dtype, shape=variable.shape)
        assign_ops.append(variable.assign(placeholder))
        feeds[placeholder] = (value * (1.0 + ULP[dtype.name] * signs)).astype(dtype.as_numpy_dtype)
    if assign_ops:
        session.run(assign_ops, feeds)
    return {"perturbed": sorted(unique)}


def _load(session: Any, variables: list[Any], prefix: str) -> dict[str, Any]:
    """Assign the reference's arrays to ``variables`` through the project's converter."""
    if not os.path.exists(prefix + ".index"):
        return {"error": (
            "the candidate initialised its variables more often than the reference: no reference "
            f"checkpoint for initialisation {os.path.basename(os.path.dirname(prefix))}"
        )}
    from tf2_port.checkpoint import read_checkpoint, read_meta_settings
    from tf2_port.keras_rnn import _tf_variable, tf1_variable_assignments

    arrays = read_checkpoint(prefix)
    settings = read_meta_settings(prefix + ".meta")
    try:
        assignments = tf1_variable_assignments(arrays, settings, session.graph)
    except ValueError as error:
        return {"error": f"the reference's weights do not map onto the candidate's: {error}"}
    wanted = {id(v): v for v in variables}
    loaded, sources, feeds, assign_ops = [], [], {}, []
    for variable, array, source in assignments:
        tf_variable = _tf_variable(variable)
        if id(tf_variable) not in wanted:
            continue
        if tuple(tf_variable.shape) != tuple(np.shape(array)):
            if _has_random_initializer(tf_variable):
                return {"error": (
                    f"candidate variable {_variable_name(tf_variable)} has shape {tuple(tf_variable.shape)}, "
                    f"but the reference array it maps to ({source}) has shape {tuple(np.shape(array))}"
                )}
            continue  # e.g. an optimizer slot that shares a name, not a layout: its own start value
        placeholder = tf.compat.v1.placeholder(tf_variable.dtype.base_dtype, shape=tf_variable.shape)
        assign_ops.append(tf_variable.assign(placeholder))
        feeds[placeholder] = np.asarray(array)
        loaded.append(_variable_name(tf_variable))
        sources.append(source)
        wanted.pop(id(tf_variable))
    missing = [v for v in wanted.values() if _has_random_initializer(v)]
    if missing:
        names = sorted(_variable_name(v) for v in missing)
        hints = []
        for name in names[:5]:
            close = difflib.get_close_matches(name, list(arrays), n=3, cutoff=0.3)
            hints.append(f"{name} (closest reference names: {', '.join(close) or 'none'})")
        return {"error": (
            f"{len(names)} candidate variable(s) with a random initializer got no value from the "
            f"reference: {'; '.join(hints)}" + (" ..." if len(names) > 5 else "")
        )}
    if assign_ops:
        session.run(assign_ops, feeds)
    return {
        "loaded": sorted(loaded), "sources": sorted(set(sources)),
        "own_start": sorted(_variable_name(v) for v in wanted.values()),
    }


def _is_random_op(op: Any) -> bool:
    return "Random" in op.type or op.type in ("TruncatedNormal", "Multinomial", "RandomShuffle")


def _has_random_initializer(variable: Any) -> bool:
    """Whether the variable's initial value is drawn (so only a hand-over makes it equal)."""
    initializer = getattr(variable, "initializer", None)
    return initializer is None or _random_ancestor(initializer, stop_at_initializers=False) is not None


def _random_ancestor(op: Any, stop_at_initializers: bool = True) -> str | None:
    """The name of a random op among ``op``'s inputs (variables' initializers excluded)."""
    pending, seen = [op], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if _is_random_op(current):
            if not (stop_at_initializers and INITIALIZER_SCOPE in current.name.split("/")):
                return current.name
        pending.extend(tensor.op for tensor in current.inputs)
        pending.extend(current.control_inputs)
    return None


# --- fetch structures ---------------------------------------------------------------------


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _paired_leaves(fetches: Any, result: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """``(path, fetch leaf, result part)`` for a ``Session.run`` fetch structure and its result."""
    if isinstance(fetches, dict):
        for key in sorted(fetches, key=repr):  # both runs in one order, however each built its dict
            part = result.get(key) if isinstance(result, dict) else None
            yield from _paired_leaves(fetches[key], part, f"{path}[{key!r}]")
    elif _is_namedtuple(fetches):
        for index, field in enumerate(fetches._fields):
            part = result[index] if isinstance(result, (tuple, list)) else None
            yield from _paired_leaves(fetches[index], part, f"{path}.{field}")
    elif isinstance(fetches, (list, tuple)):
        for index, item in enumerate(fetches):
            part = result[index] if isinstance(result, (tuple, list)) else None
            yield from _paired_leaves(item, part, f"{path}[{index}]")
    else:
        yield path, fetches, result


def _summary_read(value: Any) -> dict[str, tuple[str, Any]] | None:
    """A serialised TF1 ``Summary``: tag -> ("value", the scalar as float32) or ("histogram",
    [min, max, num, sum, sum_squares]); None when it holds anything else (images, audio)."""
    if not isinstance(value, bytes):
        return None
    read: dict[str, tuple[str, Any]] = {}
    for item in tf.compat.v1.Summary.FromString(value).value:
        which = item.WhichOneof("value")
        if which == "simple_value":
            read[item.tag] = ("value", np.asarray(item.simple_value, np.float32))
        elif which == "histo":
            histogram = item.histo
            read[item.tag] = ("histogram", np.array([histogram.min, histogram.max, histogram.num, histogram.sum,
                                                     histogram.sum_squares], np.float64))
        else:
            return None
    return read


def _replaced(result: Any, parts: dict[str, Any], path: str = "") -> Any:
    """``result`` with the values at ``parts``' paths (as :func:`_paired_leaves` names them) replaced."""
    if path in parts:
        return parts[path]
    if isinstance(result, dict):
        return {key: _replaced(value, parts, f"{path}[{key!r}]") for key, value in result.items()}
    if isinstance(result, (list, tuple)) and not _is_namedtuple(result):
        return [_replaced(item, parts, f"{path}[{index}]") for index, item in enumerate(result)]
    return result


def _value_leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """A fetched leaf's own parts: a ``SparseTensorValue`` is (indices, values, dense_shape); a
    dict (a migrated program's summary values) its values by key."""
    if isinstance(value, dict):
        for key in sorted(value, key=repr):
            yield from _value_leaves(value[key], f"{path}[{key!r}]")
    elif _is_namedtuple(value):
        for index, field in enumerate(value._fields):
            yield from _value_leaves(value[index], f"{path}.{field}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _value_leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def _graph_element(graph: Any, fetch: Any) -> Any:
    if isinstance(fetch, str):
        try:
            return graph.as_graph_element(fetch)
        except (KeyError, ValueError, TypeError):
            return None
    if isinstance(fetch, (tf.Tensor, tf.Operation, tf.Variable)):
        return fetch
    return None


def _signature(value: Any) -> str:
    """The structure of a result, list and tuple alike (TF1 code treats them alike)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_signature(value[key])}" for key in sorted(value, key=repr)) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_signature(item) for item in value) + ")"
    return "None" if value is None else "*"


def _type_names(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_type_names(value[key])}" for key in sorted(value, key=repr)) + "}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(_type_names(item) for item in value) + ")"
    return type(value).__name__


def _plain(value: Any) -> Any:
    """A fetched leaf as something the parent can unpickle without TensorFlow."""
    if value is None or isinstance(value, (bytes, str)):
        return value
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (np.generic, int, float, bool, complex)):
        return np.asarray(value)
    try:
        return np.asarray(value)
    except Exception:  # noqa: BLE001 -- an unknown fetched object: keep its repr, never fail the run
        return repr(value)


# --- same inputs ---------------------------------------------------------------------------


_GRAPH_SEED: list[int] = []
_LEGACY_KERAS: list[bool] = [False]


def install_seed_hooks(legacy_keras: bool) -> None:
    """Once per process: every new graph takes the current seed; op seeds line up.
    ``legacy_keras``: whether this process may load tf_keras (whose seeds are isolated too)."""
    _LEGACY_KERAS[0] = legacy_keras
    original_init = tf_ops.Graph.__init__

    @functools.wraps(original_init)
    def graph_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if _GRAPH_SEED:
            self.seed = _GRAPH_SEED[0]

    tf_ops.Graph.__init__ = graph_init
    _align_op_seeds()


def seed_everything(seed: int) -> None:
    """Before each script: the same Python, NumPy and TensorFlow seeds in both runs, and a
    fresh default graph (a script run earlier in this process leaves nothing behind)."""
    _GRAPH_SEED[:] = [seed]
    random.seed(seed)
    np.random.seed(seed)
    if tf.executing_eagerly():
        tf.random.set_seed(seed)  # eager programs (the tf2 level)
    tf.compat.v1.reset_default_graph()
    tf.compat.v1.get_default_graph().seed = seed
    keras_seed_fence.isolate_default_seeds(seed, _LEGACY_KERAS[0])


def _align_op_seeds() -> None:
    """Random ops without an op seed get one counted among the ops outside initializers.

    TensorFlow numbers every random op of a graph in creation order; the TF1 cells' variable
    initializers are random ops the Keras cells do not create (Keras draws with stateless ops
    and explicit seeds), so every later op (a data generator, a sampler) would get another seed
    in each run. Counting only ops outside ``Initializer`` scopes lines them up again whenever
    both scripts create them in the same order.
    """
    original = random_seed.get_seed
    counters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @functools.wraps(original)
    def get_seed(op_seed):
        if op_seed is None and not tf.executing_eagerly():
            graph = tf_ops.get_default_graph()
            if graph.seed is not None and INITIALIZER_SCOPE not in graph.get_name_scope().split("/"):
                count = counters.get(graph, 0)
                counters[graph] = count + 1
                op_seed = ALIGNED_OP_SEED_BASE + count
        return original(op_seed)

    random_seed.get_seed = get_seed


# --- neutralised ---------------------------------------------------------------------------


def _note(key: str) -> None:
    if _ACTIVE:
        _ACTIVE[0].note(key)


def disable_dropout(legacy_keras: bool) -> None:
    """Every dropout the script can reach becomes the identity (keep probabilities 1.0)."""

    def identity(name: str) -> Callable[..., Any]:
        def dropout(x, *args, **kwargs):
            _note(f"dropout:{name}")
            return tf.identity(x)
        return dropout

    for module, name in ((tf.nn, "tf.nn.dropout"), (tf.compat.v1.nn, "tf.compat.v1.nn.dropout"),
                         (tf.compat.v2.nn, "tf.compat.v2.nn.dropout")):
        module.dropout = identity(name)
    # Where they are defined too: `from tensorflow.compat.v1.nn.X import ...` can load a fresh
    # copy of an API module, which takes its functions from here (and TF1's dropout calls
    # dropout_v2 from here).
    nn_ops.dropout = identity("tf.compat.v1.nn.dropout")
    nn_ops.dropout_v2 = identity("tf.nn.dropout")
    if legacy_keras:
        # Two copies of TF1's legacy cells and layers live in a TF 2.21 process: tf_keras's,
        # behind `tf.compat.v1.nn.rnn_cell.X`, and TensorFlow's internal one, which
        # `from tensorflow.compat.v1.nn.rnn_cell import X` loads (and installs in its place).
        for wrapper_class in tf_keras_dropout_fence.dropout_wrapper_classes():
            _force_keep_one(_defining_class(wrapper_class), "__init__", "DropoutWrapper (legacy)")
        for layer_class in tf_keras_dropout_fence.dropout_layer_classes():
            layer_class.call = _identity_call("tf.compat.v1.layers.dropout")
    # The candidate's runtime: patched when it is imported, by the script or by any module of
    # its folder (the rewritten text of the script alone does not tell).
    when_imported("tf2_port.keras_rnn", _keep_keras_rnn_dropout_off)
    # The tf2 level's output builds TF1's wrapper itself.
    when_imported("tf2_port.tf1_dropout", _keep_tf1_dropout_wrapper_off)


def _keep_keras_rnn_dropout_off(runtime: Any) -> None:
    _force_keep_one(runtime, "DropoutWrapper", "keras_rnn.DropoutWrapper")

    def dropout(inputs, *args, **kwargs):
        _note("dropout:keras_rnn.dropout")
        return tf.identity(inputs)

    runtime.dropout = dropout


def _keep_tf1_dropout_wrapper_off(module: Any) -> None:
    """``TF1DropoutWrapper`` (a Keras layer: its ``__init__`` is not wrapped in place, Keras reads
    its signature) replaced in its module by a subclass that keeps every value."""
    base = module.TF1DropoutWrapper
    signature = inspect.signature(base.__init__)

    class KeepEverything(base):
        def __init__(self, *args, **kwargs):
            bound = signature.bind(self, *args, **kwargs)
            for name in DROPOUT_KEEP_ARGUMENTS:
                bound.arguments[name] = 1.0
            _note("dropout:tf2_port.tf1_dropout.TF1DropoutWrapper")
            arguments = dict(bound.arguments)
            arguments.pop("self")
            extra = arguments.pop("kwargs", {})
            super().__init__(**arguments, **extra)

    KeepEverything.__name__ = KeepEverything.__qualname__ = base.__name__
    module.TF1DropoutWrapper = KeepEverything


def when_imported(name: str, patch: Callable[[Any], None]) -> None:
    """Run ``patch(module)`` once module ``name`` is imported (now, if it already is)."""
    if name in sys.modules:
        patch(sys.modules[name])
        return
    sys.meta_path.insert(0, _PatchOnImport(name, patch))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, patch: Callable[[Any], None]) -> None:
        self.name, self.patch = name, patch

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        # Find the real spec without this finder, then wrap its loader. The finder stays in
        # place until the module has actually run: a lookup that only probes (find_spec
        # without an import) must not use it up.
        index = sys.meta_path.index(self)
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(index, self)
        if spec is None or spec.loader is None:
            return spec
        loader, patch, finder = spec.loader, self.patch, self
        original = loader.exec_module

        def exec_module(module):
            original(module)
            patch(module)
            if finder in sys.meta_path:
                sys.meta_path.remove(finder)

        loader.exec_module = exec_module
        return spec


def _defining_class(cls: type) -> type:
    """The class in ``cls``'s MRO whose ``__init__`` names the keep probabilities."""
    for base in cls.__mro__:
        if "__init__" in vars(base) and "input_keep_prob" in inspect.signature(vars(base)["__init__"]).parameters:
            return base
    return cls


def _identity_call(label: str) -> Callable[..., Any]:
    def call(self, inputs, training=False):
        _note(f"dropout:{label}")
        return tf.identity(inputs)
    return call


def _force_keep_one(owner: Any, attribute: str, label: str) -> None:
    original = getattr(owner, attribute)
    signature = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        for name in DROPOUT_KEEP_ARGUMENTS:
            if name in signature.parameters:
                bound.arguments[name] = 1.0
        _note(f"dropout:{label}")
        return original(*bound.args, **bound.kwargs)

    setattr(owner, attribute, wrapper)


def neutralise_interaction(uses_matplotlib: bool) -> None:
    """``input()`` answers an empty line; ``plt.show`` and ``plt.pause`` return at once."""

    def answer(prompt: str = "") -> str:
        _note("input()")
        return ""

    builtins.input = answer
    if uses_matplotlib:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:  # the script's own import will fail and say so
            return

        def quiet(name: str) -> Callable[..., None]:
            def call(*args, **kwargs):
                _note(f"plt.{name}()")
            return call

        plt.show = quiet("show")
        plt.pause = quiet("pause")


# Line magics that would change how the process runs (inline figures need a notebook front
# end; a timing loop repeats the cell) run as nothing; shell escapes (`!pip install`, `!wget`)
# never run: prove must not install, download or delete anything.
NEUTRAL_MAGICS = frozenset({"matplotlib", "timeit", "time", "pip", "conda", "env", "cd", "sx", "system", "capture"})


def run_under_ipython(script: str) -> None:
    """Run a notebook export as Jupyter's Run All would: its text through IPython's input
    transformers (magics become ``get_ipython()`` calls), executed in the shell's namespace."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError as error:
        raise RuntimeError("this script is a notebook export: prove runs it under IPython, which is not "
                           "installed (pip install ipython)") from error
    shell = InteractiveShell.instance()
    shell.reset(new_session=False)  # a notebook proved earlier in this process leaves nothing
    original_line_magic = type(shell).run_line_magic.__get__(shell)
    original_cell_magic = type(shell).run_cell_magic.__get__(shell)

    def line_magic(name, line, *args, **kwargs):
        if name in NEUTRAL_MAGICS:
            _note(f"%{name}")
            return None
        return original_line_magic(name, line, *args, **kwargs)

    def cell_magic(name, line, cell, *args, **kwargs):
        if name in NEUTRAL_MAGICS:  # %%time and the like: run the cell itself, once
            _note(f"%%{name}")
            return shell.ex(TransformerManager().transform_cell(cell))
        return original_cell_magic(name, line, cell, *args, **kwargs)

    def no_shell(command, *args, **kwargs):
        _note("!shell command")
        return None

    shell.run_line_magic, shell.run_cell_magic = line_magic, cell_magic
    shell.system = shell.getoutput = no_shell
    with open(script, encoding="utf-8", errors="surrogateescape") as handle:
        code = TransformerManager().transform_cell(handle.read())
    shell.user_ns.update({"__name__": "__main__", "__file__": script})
    exec(compile(code, script, "exec"), shell.user_ns)  # noqa: S102 -- the user's notebook, as Jupyter runs it


def error_record(error: BaseException) -> dict[str, Any]:
    """The failing run's error, with the frames that were in the script's own files."""
    frames = traceback.extract_tb(error.__traceback__)
    return {
        "type": type(error).__name__,
        "message": str(error).strip().splitlines()[0] if str(error).strip() else "",
        "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__)),
        "frames": [(frame.filename, frame.lineno, frame.line) for frame in frames],
    }
