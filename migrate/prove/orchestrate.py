"""The parent side of ``prove``: rewrite, copy, run both children, compare, judge.

Nothing here imports TensorFlow; NumPy is imported when the records are read.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Callable, Sequence

from migrate.engine import rewrite_source
from migrate.findings import Finding
from migrate.notebook import magic_lines
from migrate.runner import notebook_as_module

LEVELS = ("compat", "keras", "tf2")
DEFAULT_STEPS = 20
DEFAULT_SEED = 0
DEFAULT_TIMEOUT = 900.0  # seconds per script run; scripts may load or build data before their first fetch
# A child's TensorFlow start-up, on top of its scripts' own timeouts (each ended by an alarm).
PROCESS_START_SECONDS = 120.0
# `steps` counts the calls that fetch a value (a training loop may run its train op alone for
# many calls between two fetches of the loss); a run also stops after this many calls in all.
CALLS_PER_STEP_CAP = 50
MIN_CALL_CAP = 1000


def max_calls(steps: int) -> int:
    return max(MIN_CALL_CAP, CALLS_PER_STEP_CAP * steps)

# Folder entries never copied next to the script, and the size above which a data file is
# linked rather than copied (both runs read it; neither should get a private 2 GB copy).
IGNORED_ENTRIES = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox",
                             ".ipynb_checkpoints", "node_modules", ".mypy_cache", ".pytest_cache"})
LINK_ABOVE_BYTES = 16 * 1024 * 1024

# Names the compat level leaves without a TF2 home that the reference run gets back from
# migrate.prove.reference_shims (TF1 formulas), so that a reference exists where the keras
# level runs.
SHIMMED_TEXT = ("seq2seq", "optimize_loss", "embed_sequence", "run_n")
# The line the rewrite puts at the top of a module that still needs tf_keras.
LEGACY_SETTING = "TF_USE_LEGACY_KERAS"


@dataclasses.dataclass
class RunResult:
    """What one child run did."""

    role: str  # "reference" or "candidate"
    level: str
    end: str  # "steps" (stopped after enough calls), "ended", "error", "timeout", "crashed"
    calls: int
    error: dict[str, Any] | None
    notes: dict[str, int]
    syncs: list[dict[str, Any]]
    findings: list[Finding]
    stderr_tail: str
    seconds: float
    value_calls: int = 0  # calls that fetched at least one value (what --steps counts)

    def error_line(self) -> str:
        if self.error is None:
            return ""
        message = self.error.get("message", "")
        return f"{self.error.get('type', 'error')}: {message}" if message else self.error.get("type", "error")

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role, "level": self.level, "end": self.end, "calls": self.calls,
            "error": self.error, "notes": self.notes, "syncs": self.syncs, "seconds": round(self.seconds, 2),
            "findings": [dataclasses.asdict(f) for f in self.findings],
        }


@dataclasses.dataclass
class ProofReport:
    """The verdict of one ``prove`` run, with every compared value."""

    script: str
    level: str
    steps: int
    tolerance: float | None
    keep_dropout: bool
    exit_code: int  # 0 agree, 1 differ, 2 a run failed before its first fetch (or bad input)
    verdict: str  # "proven", "differs", "failed", "no-session-run", "nothing-compared"
    message: str
    reference: RunResult | None
    candidate: RunResult | None
    rows: list[Any]  # compare.ValueComparison
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1, "script": self.script, "level": self.level, "steps": self.steps,
            "tolerance": self.tolerance, "keep_dropout": self.keep_dropout, "exit_code": self.exit_code,
            "verdict": self.verdict, "message": self.message, "notes": self.notes,
            "reference": self.reference.to_json() if self.reference else None,
            "candidate": self.candidate.to_json() if self.candidate else None,
            "values": [row.to_json() for row in self.rows],
        }


def prove_script(
    script: str | os.PathLike[str],
    level: str = "keras",
    *,
    steps: int = DEFAULT_STEPS,
    tolerance: float | None = None,
    keep_dropout: bool = False,
    args: Sequence[str] = (),
    seed: int = DEFAULT_SEED,
    timeout: float = DEFAULT_TIMEOUT,
    workdir: str | os.PathLike[str] | None = None,
    python: str = sys.executable,
) -> ProofReport:
    """Prove ``script`` rewritten at ``level`` against its compat rewrite; see the package docstring.

    Args:
        script: a TF1 Python script; its folder is copied twice, the originals are never touched.
        level: the candidate's level (``keras`` or ``compat``).
        steps: how many ``Session.run`` calls that fetch a value to record and compare (calls
            that only run operations, a train step alone, come on top); both runs stop there.
        tolerance: relative tolerance for every floating value (default: by dtype, see
            :data:`migrate.prove.compare.RELATIVE_TOLERANCE`).
        keep_dropout: leave dropout on, and compare only shapes and dtypes.
        args: the script's command-line arguments.
        seed: Python, NumPy and TensorFlow graph seed, the same in both runs.
        timeout: seconds each run may take.
        workdir: keep the copies, checkpoints and logs here (a new folder); default: a
            temporary folder removed at the end.
        python: the interpreter that runs both children (it needs TensorFlow and tf_keras).

    Raises:
        ValueError: for a bad argument (unknown level, steps < 1, a path that is not a file).
    """
    return prove_scripts([script], level, steps=steps, tolerance=tolerance, keep_dropout=keep_dropout,
                         args=args, seed=seed, timeout=timeout, workdir=workdir, python=python)[0]


def prove_scripts(
    scripts: Sequence[str | os.PathLike[str]],
    level: str = "keras",
    *,
    steps: int = DEFAULT_STEPS,
    tolerance: float | None = None,
    keep_dropout: bool = False,
    args: Sequence[str] = (),
    seed: int = DEFAULT_SEED,
    timeout: float = DEFAULT_TIMEOUT,
    workdir: str | os.PathLike[str] | None = None,
    python: str = sys.executable,
    args_per_script: Sequence[Sequence[str]] | None = None,
) -> list[ProofReport]:
    """:func:`prove_script` for several scripts, sharing processes: one reference process runs
    every script, then one candidate process (two when some candidates still need ``tf_keras``
    and others must run without it). ``timeout`` applies per script; ``args_per_script``, when
    given, replaces ``args`` with one argument list per script."""
    if level not in LEVELS:
        raise ValueError(f"prove: expected level one of {LEVELS}, got {level!r}")
    if steps < 1:
        raise ValueError(f"prove: expected steps >= 1, got {steps}")
    if tolerance is not None and not tolerance > 0:
        raise ValueError(f"prove: expected a tolerance > 0, got {tolerance}")
    paths = []
    for script in scripts:
        path = os.path.abspath(os.fspath(script))
        if not os.path.isfile(path):
            raise ValueError(f"prove: expected a Python script file, got {os.fspath(script)!r} (not a file)")
        if not path.endswith((".py", ".ipynb")):
            raise ValueError(f"prove: expected a .py script or a .ipynb notebook, got {os.path.basename(path)!r}")
        paths.append(path)

    owned = workdir is None
    root = tempfile.mkdtemp(prefix="tf1m-prove-") if owned else os.path.abspath(os.fspath(workdir))
    try:
        if not owned:
            os.makedirs(root, exist_ok=False)
        if args_per_script is not None and len(args_per_script) != len(paths):
            raise ValueError(f"prove: expected one argument list per script ({len(paths)}), got {len(args_per_script)}")
        arguments = [list(a) for a in args_per_script] if args_per_script is not None else [list(args)] * len(paths)
        jobs = [_Job(path, index, root, level, steps, seed, arguments[index], keep_dropout, tolerance, timeout)
                for index, path in enumerate(paths)]
        _run_jobs([job for job in jobs if job.ready()], "reference", timeout, python, keep_dropout)
        runnable = [job for job in jobs if job.ready() and job.reference is not None and job.reference[0].calls]
        if not keep_dropout:  # with dropout on, values are random anyway: no drift to measure
            _run_jobs(runnable, "perturbed", timeout, python, keep_dropout)
        # Candidates that need tf_keras, those that do not, and TensorFlow 2 programs (the tf2
        # level's output, which must run eagerly: a keras-level script before it in the same
        # process would have turned eager execution off for the whole process) each get a process.
        for needs_legacy, tf2_program in ((False, False), (True, False), (False, True), (True, True)):
            share = [job for job in runnable if job.candidate_needs_legacy() == needs_legacy
                     and bool(job.candidate_rewrite.steps) == tf2_program]
            _run_jobs(share, "candidate", timeout, python, keep_dropout)
        return [job.report() for job in jobs]
    finally:
        if owned:
            shutil.rmtree(root, ignore_errors=True)


class _Job:
    """One script of a prove run: its two rewrites, copies, run results and verdict."""

    def __init__(self, path: str, index: int, root: str, level: str, steps: int, seed: int, args: list[str],
                 keep_dropout: bool, tolerance: float | None, timeout: float) -> None:
        self.path, self.level, self.steps, self.keep_dropout, self.tolerance = path, level, steps, keep_dropout, tolerance
        self.folder = os.path.join(root, f"{index:03d}_{os.path.splitext(os.path.basename(path))[0]}")
        self.common = dict(steps=steps, max_calls=max_calls(steps), seed=seed, args=args, timeout=timeout,
                           checkpoint_dir=os.path.join(self.folder, "checkpoints"))
        with open(path, "rb") as handle:
            self.source = handle.read().decode("utf-8", errors="surrogateescape")
        # A notebook runs as Run All runs it: its code cells in order, under IPython. A .py
        # exported from one (magic lines, get_ipython() calls) runs under IPython too.
        self.notebook = path.endswith(".ipynb")
        if self.notebook:
            try:
                self.source = notebook_as_module(self.source)
            except ValueError as error:
                self.source = ""
                self.notebook_error = str(error)
        self.ipython = self.notebook or "get_ipython(" in self.source or bool(magic_lines(self.source))
        self.compat = rewrite_source(self.source, "compat", path)
        self.candidate_rewrite = self.compat if level == "compat" else rewrite_source(self.source, level, path)
        # The folder's modules the script imports are rewritten with it: at each level, their
        # rewritten text (a module may still need tf_keras where the script itself does not).
        local = _local_modules(path, os.path.dirname(path)) if self.ready() else set()
        self.modules = {role: rewritten_modules(local, rewrite_at(run_level))
                        for role, run_level in (("reference", "compat"), ("candidate", level))}
        self.modules["perturbed"] = self.modules["reference"]
        self.reference: tuple[RunResult, list] | None = None
        self.perturbed: tuple[RunResult, list] | None = None
        self.candidate: tuple[RunResult, list] | None = None

    def ready(self) -> bool:
        return self.compat.error is None and self.candidate_rewrite.error is None

    def texts(self, role: str) -> list[str]:
        """The rewritten script and the rewritten modules of its folder it imports."""
        return [self.rewrite(role).code, *self.modules[role].values()]

    def needs_legacy(self, role: str) -> bool:
        """Whether the rewritten script, or a module of its folder it imports, needs tf_keras."""
        return any(LEGACY_SETTING in code for code in self.texts(role))

    def candidate_needs_legacy(self) -> bool:
        return self.needs_legacy("candidate")

    def rewrite(self, role: str):
        return self.candidate_rewrite if role == "candidate" else self.compat

    def prepare(self, role: str) -> dict[str, Any]:
        """Copy the folder for ``role``; return the child job."""
        os.makedirs(self.common["checkpoint_dir"], exist_ok=True)
        script = _copy_folder(self.path, os.path.join(self.folder, role), self.rewrite(role).code, self.modules[role],
                              script_name=os.path.basename(self.path) + (".py" if self.notebook else ""))
        job = dict(self.common, role=role, script=script, ipython=self.ipython,
                   record_path=os.path.join(self.folder, f"{role}.records"))
        if role == "candidate" and self.candidate_rewrite.steps:
            job.update(tf2_steps=list(self.candidate_rewrite.steps),
                       tf1_weights=[list(pair) for pair in self.candidate_rewrite.tf1_weights])
        return job

    def finish(self, role: str, end_of_process: dict[str, Any]) -> None:
        run_level = self.level if role == "candidate" else "compat"
        result = _collect(os.path.join(self.folder, f"{role}.records"), role, run_level,
                          self.rewrite(role).findings, end_of_process)
        if role != "candidate" and self.candidate_rewrite.steps:
            result = _without_initializer_runs(*result)
        elif role == "candidate" and self.candidate_rewrite.steps and self.reference is not None:
            # Both runs stop after the same number of Session.run calls; the reference's count
            # included its initializer runs, which a tf2 program does not make: it stopped that
            # many steps earlier, and the steps after that have nothing to be compared with.
            reference_run, reference_calls = self.reference
            run, calls = result
            if reference_run.end == "steps" and len(calls) > len(reference_calls):
                calls = calls[:len(reference_calls)]
                result = dataclasses.replace(run, calls=len(calls), end="steps"), calls
        setattr(self, role, result)

    def report(self) -> ProofReport:
        def report(exit_code: int, verdict: str, message: str, reference=None, candidate=None, rows=(), notes=()):
            return ProofReport(self.path, self.level, self.steps, self.tolerance, self.keep_dropout, exit_code,
                               verdict, message, reference, candidate, list(rows), list(notes))

        if getattr(self, "notebook_error", None):
            return report(2, "failed", f"the notebook cannot be read: {self.notebook_error}")
        for rewrite in (self.compat, self.candidate_rewrite):
            if rewrite.error:
                return report(2, "failed", f"the script cannot be rewritten: {rewrite.error}")
        runs = {role: run for role, run in (("reference", self.reference), ("candidate", self.candidate)) if run}
        return _judge(report, runs, self.tolerance, self.keep_dropout, self.steps, self.perturbed)


def _run_jobs(jobs: list[_Job], role: str, timeout: float, python: str, keep_dropout: bool) -> None:
    """Run ``role`` of every job in one child process; collect each job's records."""
    if not jobs:
        return
    children = [job.prepare(role) for job in jobs]
    needs_legacy = any(job.needs_legacy(role) for job in jobs)
    config = dict(
        jobs=children, keep_dropout=keep_dropout,
        legacy_keras=role != "candidate" or needs_legacy,
        block_tf_keras=role == "candidate" and not needs_legacy,
        uses_matplotlib=any("matplotlib" in code for job in jobs for code in job.texts(role)),
        reference_shims=role != "candidate" and any(
            text in code for job in jobs for code in job.texts(role) for text in SHIMMED_TEXT),
    )
    process = _launch(config, os.path.join(jobs[0].folder, os.pardir), role, timeout, python)
    for job in jobs:
        job.finish(role, process)


def _launch(config: dict[str, Any], folder: str, name: str, timeout: float, python: str) -> dict[str, Any]:
    """Run one child process over ``config["jobs"]``; return what the collection needs."""
    import time

    count = len(config["jobs"])
    base = os.path.join(folder, f"{name}-{os.getpid()}-{id(config)}")
    config_path, log_path = base + ".json", base + ".log"
    with open(config_path, "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    started = time.monotonic()
    timed_out = False
    limit = timeout * count + PROCESS_START_SECONDS
    with open(log_path, "wb") as log:
        try:
            subprocess.run([python, "-m", "migrate.prove.child", config_path], cwd=folder,
                           env=_child_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                           timeout=limit, check=False)
        except subprocess.TimeoutExpired:
            timed_out = True
    with open(log_path, "rb") as handle:
        log_tail = handle.read()[-4000:].decode("utf-8", errors="replace")
    return {"timed_out": timed_out, "timeout": limit, "log_tail": log_tail,
            "seconds": (time.monotonic() - started) / max(1, count)}


def observe_scripts(
    scripts: Sequence[tuple[str, str, Callable[[str, str], str], Sequence[str]]],
    *,
    legacy_keras: bool,
    block_tf_keras: bool,
    steps: int = DEFAULT_STEPS,
    seed: int = DEFAULT_SEED,
    timeout: float = DEFAULT_TIMEOUT,
    workdir: str | os.PathLike[str] | None = None,
    python: str = sys.executable,
) -> list[RunResult]:
    """Run already-rewritten scripts under the same hooks, without a reference: does each run?

    ``scripts``: ``(original path, rewritten text, rewrite for the folder's own modules, args)``.
    Dropout stays as written and no weights are handed over; the result says how far each run
    got (``end``, ``calls``, ``error``). For measuring other tools' output (``tf_upgrade_v2``)
    and runs that have no reference.
    """
    owned = workdir is None
    root = tempfile.mkdtemp(prefix="tf1m-observe-") if owned else os.path.abspath(os.fspath(workdir))
    try:
        os.makedirs(root, exist_ok=True)
        jobs, records = [], []
        for index, (path, code, rewrite_module, script_args) in enumerate(scripts):
            folder = os.path.join(root, f"{index:03d}_{os.path.splitext(os.path.basename(path))[0]}")
            modules = rewritten_modules(_local_modules(os.path.abspath(path), os.path.dirname(os.path.abspath(path))),
                                        rewrite_module)
            script = _copy_folder(os.path.abspath(path), os.path.join(folder, "observed"), code, modules)
            records.append(os.path.join(folder, "observed.records"))
            jobs.append(dict(role="observe", script=script, args=list(script_args), ipython="get_ipython(" in code
                             or bool(magic_lines(code)), steps=steps, max_calls=max_calls(steps), seed=seed, timeout=timeout,
                             checkpoint_dir=os.path.join(folder, "checkpoints"), record_path=records[-1]))
        if not jobs:
            return []
        config = dict(jobs=jobs, keep_dropout=True, legacy_keras=legacy_keras, block_tf_keras=block_tf_keras,
                      uses_matplotlib=True, reference_shims=False)
        process = _launch(config, root, "observe", timeout, python)
        return [_collect(record, "observe", "observed", [], process)[0] for record in records]
    finally:
        if owned:
            shutil.rmtree(root, ignore_errors=True)


def rewrite_at(level: str) -> Callable[[str, str], str]:
    """``(text, path) -> text`` rewritten at ``level`` (unchanged when it cannot be parsed)."""
    def rewrite(text: str, path: str) -> str:
        result = rewrite_source(text, level, path)
        return text if result.error else result.code
    return rewrite


def _copy_folder(script: str, destination: str, rewritten_script: str, rewritten_modules: dict[str, str],
                 script_name: str | None = None) -> str:
    """Copy the script's folder: the script itself as ``rewritten_script`` (named ``script_name``,
    default its own name), the modules of ``rewritten_modules`` (path -> text) as given, every
    other file as it is."""
    source_dir = os.path.dirname(script)
    for current, dirs, files in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_ENTRIES and not os.path.islink(os.path.join(current, d)))
        target_dir = os.path.join(destination, os.path.relpath(current, source_dir))
        os.makedirs(target_dir, exist_ok=True)
        for name in files:
            source_file = os.path.join(current, name)
            target_file = os.path.join(target_dir, name)
            if os.path.abspath(source_file) == script:
                continue
            if source_file in rewritten_modules:
                with open(target_file, "wb") as handle:
                    handle.write(rewritten_modules[source_file].encode("utf-8", errors="surrogateescape"))
            elif os.path.getsize(source_file) > LINK_ABOVE_BYTES:
                os.symlink(os.path.abspath(source_file), target_file)
            else:
                shutil.copy2(source_file, target_file)
    copied = os.path.join(destination, script_name or os.path.basename(script))
    with open(copied, "wb") as handle:
        handle.write(rewritten_script.encode("utf-8", errors="surrogateescape"))
    return copied


def rewritten_modules(paths: set[str], rewrite: Callable[[str, str], str]) -> dict[str, str]:
    """``{path: rewrite(text, path)}`` for the given module files."""
    return {path: rewrite(_read_text(path), path) for path in sorted(paths)}


def _read_text(path: str) -> str:
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", errors="surrogateescape")


def _local_modules(script: str, folder: str) -> set[str]:
    """The ``.py`` files of ``folder`` that ``script`` imports, directly or through each other."""
    import ast

    found: set[str] = set()
    pending = [script]
    while pending:
        path = pending.pop()
        try:
            with open(path, "rb") as handle:
                tree = ast.parse(handle.read())
        except (SyntaxError, ValueError, OSError):  # Python 2 and the like: nothing to follow
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                names = [base] + [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
            for name in names:
                parts = [part for part in name.split(".") if part]
                for depth in range(1, len(parts) + 1):
                    stem = os.path.join(folder, *parts[:depth])
                    for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                        if os.path.isfile(candidate) and candidate not in found:
                            found.add(candidate)
                            pending.append(candidate)
    return found


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TF_CPP_MIN_LOG_LEVEL="3",  # no C++ start-up noise in the logs
        CUDA_VISIBLE_DEVICES="",  # same (CPU) kernels in both runs
        PYTHONHASHSEED="0",  # same set and dict-of-str iteration order in both runs
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        MPLBACKEND="Agg",
    )
    # The child imports migrate.prove from wherever this process imported it.
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join([package_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _collect(record_path: str, role: str, level: str, findings: list[Finding],
             process: dict[str, Any]) -> tuple[RunResult, list[dict[str, Any]]]:
    calls, syncs, end_event = _read_records(record_path)
    if end_event is not None:
        end, error, notes = end_event["end"], end_event["error"], end_event["notes"]
    else:
        timed_out = process["timed_out"]
        end = "timeout" if timed_out else "crashed"
        error = {"type": "Timeout" if timed_out else "Crash",
                 "message": f"no result within {process['timeout']:.0f} s" if timed_out
                 else "the process died (see its log)", "traceback": process["log_tail"], "frames": []}
        notes = {}
    value_calls = sum(1 for call in calls if any(
        leaf["kind"] == "value" and leaf["value"] is not None for leaf in call["leaves"]))
    result = RunResult(role, level, end, len(calls), error, notes, syncs, findings, process["log_tail"],
                       process["seconds"], value_calls)
    return result, calls


def _without_initializer_runs(run: RunResult, calls: list[dict[str, Any]]) -> tuple[RunResult, list[dict[str, Any]]]:
    """A reference run as a tf2 program is compared: without the Session.run calls that only ran
    variable initializers (the tf2 program creates its variables initialised, and has no such
    call), the others numbered again in order."""
    kept = [call for call in calls if not (call.get("initialization") and not any(
        leaf["kind"] == "value" and leaf["value"] is not None for leaf in call["leaves"]))]
    renumbered = [dict(call, call=index) for index, call in enumerate(kept, 1)]
    return dataclasses.replace(run, calls=len(renumbered)), renumbered


def _read_records(path: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any] | None]:
    calls, syncs, end = [], [], None
    if not os.path.exists(path):
        return calls, syncs, end
    with open(path, "rb") as handle:
        while True:
            try:
                event = pickle.load(handle)
            except EOFError:
                break
            except (pickle.UnpicklingError, ValueError):  # a record cut short by a killed child
                break
            kind = event.get("event")
            if kind == "call":
                calls.append(event)
            elif kind == "sync":
                syncs.append(event)
            elif kind == "end":
                end = event
    return calls, syncs, end


def _explaining_findings(run: RunResult) -> str:
    relevant = [f for f in run.findings if f.severity in ("error", "warning")]
    if not relevant:
        return ""
    lines = [f"  line {f.line}: {f.code} {f.message}" for f in relevant[:5]]
    more = f"\n  ... and {len(relevant) - 5} more" if len(relevant) > 5 else ""
    return f"\nfindings of the {run.level} rewrite that may explain it:\n" + "\n".join(lines) + more


def _judge(report, runs: dict[str, tuple[RunResult, list]], tolerance, keep_dropout: bool, steps: int,
           perturbed: tuple[RunResult, list] | None = None) -> ProofReport:
    from migrate.prove.compare import DRIFT_FACTOR, compare_calls, drift_by_value, first_divergence

    reference, reference_calls = runs["reference"]
    notes = _notes(runs, keep_dropout)
    if reference.calls == 0:
        if reference.error:
            return report(2, "failed", "the reference run (the compat rewrite, TF1's own cells) failed before its "
                          f"first Session.run: {reference.error_line()}{_where(reference)}{_explaining_findings(reference)}",
                          reference, None, notes=notes)
        return report(2, "no-session-run", "the script ended without calling Session.run (or Tensor.eval / "
                      "Operation.run): prove compares Session.run results, so there is nothing to compare",
                      reference, None, notes=notes)
    candidate, candidate_calls = runs["candidate"]
    if candidate.calls == 0 and candidate.error:
        return report(2, "failed", f"the candidate run ({candidate.level} rewrite) failed before its first "
                      f"Session.run: {candidate.error_line()}{_where(candidate)}{_explaining_findings(candidate)}",
                      reference, candidate, notes=notes)
    drift = drift_by_value(reference_calls, perturbed[1]) if perturbed is not None else {}
    rows = compare_calls(reference_calls, candidate_calls, tolerance=tolerance, keep_dropout=keep_dropout, drift=drift)
    widened = [row for row in rows if row.drift_limit is not None and row.limit == row.drift_limit]
    if widened:
        worst = max(widened, key=lambda row: row.limit / max(1.0, row.magnitude or 0.0))
        notes.append(
            f"{len(widened)} value(s) compared with a tolerance widened by this run's own rounding growth (the "
            f"reference rerun from its weights moved by one ulp drifted up to {worst.drift:.1e} at call "
            f"{worst.call}; allowed: the larger of the tolerance and {DRIFT_FACTOR:g} x that drift)")
    divergence = first_divergence(rows)
    if divergence is not None:
        message = f"call {divergence.call}, {divergence.label}{divergence.path}: {divergence.reason}"
        if divergence.random_op:
            message += (f" (this value depends on the random op {divergence.random_op}, which prove could not "
                        "align between the runs)")
        return report(1, "differs", message, reference, candidate, rows, notes)
    ends_differ = reference.error_line() != candidate.error_line()  # one failed, or they failed differently
    if reference.calls != candidate.calls or ends_differ:
        shorter, longer = sorted((reference, candidate), key=lambda run: run.calls)
        if shorter.calls == longer.calls:
            failed = candidate if candidate.error else reference
            other = reference if failed is candidate else candidate
            how = f"failed with {other.error_line()}" if other.error else "ended normally"
            message = (f"after call {failed.calls} the {failed.role} run failed: {failed.error_line()}"
                       f"{_where(failed)}; the {other.role} run {how}")
        elif shorter.error:
            message = (f"call {shorter.calls + 1}: the {shorter.role} run failed: {shorter.error_line()}"
                       f"{_where(shorter)}; the {longer.role} run went on")
        else:
            message = (f"the {shorter.role} run ended after {shorter.calls} calls, the {longer.role} run made "
                       f"{longer.calls}")
        return report(1, "differs", message + _explaining_findings(shorter), reference, candidate, rows, notes)
    compared = sum(1 for row in rows if row.compared in ("values", "exact", "shape and dtype"))
    worst = max((row.max_abs_diff or 0.0 for row in rows if row.compared == "values"), default=0.0)
    if not compared:
        return report(2, "nothing-compared", f"the {reference.calls} Session.run calls made fetched no value (only "
                      f"operations such as a train step): there is nothing to compare (a run stops after "
                      f"{max_calls(steps)} calls in all)", reference, candidate, rows, notes)
    ended = "" if reference.end == "steps" else (
        f" (the script ended after {reference.calls} calls)" if reference.end == "ended"
        else f" (both runs stopped at call {reference.calls} with {reference.error_line()})")
    what = "shapes and dtypes agree" if keep_dropout else f"{compared} values agree, max |diff| {worst:.2g}"
    counted = f"{reference.calls} Session.run calls compared" + (
        f" ({reference.value_calls} of them fetched values)" if reference.value_calls != reference.calls else "")
    return report(0, "proven", f"{counted}{ended}: {what}",
                  reference, candidate, rows, notes)


def _where(run: RunResult) -> str:
    """The innermost frame of the failing run that was in the script's own copy."""
    frames = [frame for frame in (run.error or {}).get("frames", []) if f"{os.sep}{run.role}{os.sep}" in frame[0]]
    if not frames:
        return ""
    filename, line, text = frames[-1]
    return f"\n  at {os.path.basename(filename)} (rewritten at {run.level}) line {line}: {text}"


def _notes(runs: dict[str, tuple[RunResult, list]], keep_dropout: bool) -> list[str]:
    notes = []
    dropout = {role: sum(n for key, n in run.notes.items() if key.startswith("dropout:")) for role, (run, _) in runs.items()}
    if keep_dropout:
        notes.append("dropout kept on (--keep-dropout): values are random on both sides, only shapes and dtypes compared")
    elif any(dropout.values()):
        notes.append("dropout disabled in both runs (keep probabilities forced to 1.0, tf.nn.dropout the identity): "
                     + ", ".join(f"{role} {count} site(s)" for role, count in dropout.items()))
    for role, (run, _) in runs.items():
        interaction = {key: n for key, n in run.notes.items() if not key.startswith("dropout:")}
        if interaction:
            notes.append(f"{role}: neutralised " + ", ".join(f"{key} x{n}" for key, n in sorted(interaction.items())))
        for sync in run.syncs:
            if "saved" in sync:
                notes.append(f"reference: saved {len(sync['saved'])} variable(s) after initialisation "
                             f"{sync['initialization']} (call {sync['call']})")
            elif "loaded" in sync:
                own = f"; {len(sync['own_start'])} kept their own deterministic start value" if sync["own_start"] else ""
                notes.append(f"candidate: loaded {len(sync['loaded'])} variable(s) from the reference's checkpoint "
                             f"through the converter after initialisation {sync['initialization']}{own}")
    return notes


def format_report(report: ProofReport, *, verbose: bool = False, calls_shown: int | None = None) -> str:
    """The per-call table and the summary line, for the command line.

    One line per fetched element of each call (a list of 15 per-step tensors is one line, its
    worst value shown); ``verbose`` gives one line per value. With ``calls_shown``, only the
    first calls and the last are listed (every call is still compared and summed up).
    """
    lines = [f"prove {report.script}: {report.level} level against the compat reference "
             f"(TF1's own cells), first {report.steps} Session.run calls that fetch values"]
    lines += [f"  {note}" for note in report.notes]
    if report.rows:
        lines += ["", f"{'call':>5}  {'fetch':<52} {'shape':<14} {'max |diff|':>10}  ok"]
        groups: dict[tuple[int, str], list[Any]] = {}
        for row in report.rows:
            key = row.path if verbose else _top_level(row.path)
            groups.setdefault((row.call, key), []).append(row)
        calls = sorted({call for call, _ in groups})
        shown = set(calls) if calls_shown is None or len(calls) <= calls_shown else \
            set(calls[: calls_shown - 1]) | {calls[-1]}
        for (call, key), rows in groups.items():
            if call not in shown:
                if call == calls[calls_shown - 1] and key == next(k for c, k in groups if c == call):
                    hidden = [c for c in calls if c not in shown]
                    worst = [row for (c, _), rs in groups.items() if c in hidden for row in rs]
                    lines.append(f"{'...':>5}  calls {hidden[0]}-{hidden[-1]} not listed: "
                                 + ("every value ok" if all(row.ok for row in worst) else "SOME DIFFER"))
                continue
            lines.append(f"{call:>5}  {_fetch_name(key, rows):<52} {_shapes(rows):<14} {_worst(rows):>10}  "
                         + _status(rows))
    lines.append("")
    lines.append({"proven": "PROVEN", "differs": "DIFFERS", "failed": "FAILED", "no-session-run": "NOTHING TO COMPARE",
                  "nothing-compared": "NOTHING TO COMPARE"}[report.verdict] + f": {report.message}")
    return "\n".join(lines)


def _top_level(path: str) -> str:
    """``[3][14]`` -> ``[3]``; ``.c[0]`` -> ``.c``; ``['loss']`` -> ``['loss']``."""
    if not path:
        return path
    if path[0] == "[":
        return path[: path.index("]") + 1]
    cut = [i for i in (path.find("[", 1), path.find(".", 1)) if i > 0]
    return path[: min(cut)] if cut else path


def _fetch_name(key: str, rows: list[Any]) -> str:
    label = rows[0].label
    if len(rows) > 1:
        label = f"{len(rows)} values: {label}, ..."
    elif rows[0].compared == "operation":
        label = f"{label} (operation)"
    text = f"{key} {label}".strip()
    return text if len(text) <= 52 else text[:24] + "..." + text[-25:]


def _shapes(rows: list[Any]) -> str:
    shapes = {row.shape for row in rows}
    if len(shapes) != 1:
        return "mixed"
    shape = shapes.pop()
    text = "-" if shape is None else ("()" if shape == () else "x".join(str(n) for n in shape))
    return text if len(rows) == 1 else f"{len(rows)} x {text}"


def _worst(rows: list[Any]) -> str:
    diffs = [row.max_abs_diff for row in rows if row.max_abs_diff is not None]
    return f"{max(diffs):.1e}" if diffs else "-"


def _status(rows: list[Any]) -> str:
    if not all(row.ok for row in rows):
        return "DIFFERS"
    if all(row.compared.startswith("not compared") for row in rows):
        return "skipped (" + rows[0].compared[len("not compared: "):] + ")"
    if all(row.compared == "shape and dtype" for row in rows):
        return "ok (shape, dtype)"
    return "ok"
