"""The real-world corpus: rewrite every public TF1 file, run and prove the self-contained ones.

    python bench/realworld.py DIR [--level keras|tf2] [--sources bench/realworld/SOURCES.tsv]
                              [--steps 20] [--jobs 2] [--only SUBSTRING] [--json OUT.json]

DIR holds one folder per corpus entry, named as the first column of SOURCES.tsv, with the
file at its original base name plus the small files it reads (bench/realworld/README.md says
how to rebuild it; the files are public code and are never committed). For every entry:

1. the file is rewritten at ``compat`` and at ``--level`` (and by TensorFlow's
   ``tf_upgrade_v2``), and the findings are kept;
2. it is proved with ``tf1-migrate prove``: the compat rewrite (TF1's own cells) is the
   reference, the ``--level`` rewrite the candidate, the first ``--steps`` Session.run calls
   compared. Notebooks run their code cells in order under IPython, as their authors ran them;
3. the ``tf_upgrade_v2`` output runs as that tool leaves it (no legacy-Keras setting).

Outcomes: ``proven``; ``differs`` (first diverging call and fetch); ``fails`` (the candidate's
first error line) and ``compat fails`` (the reference's); ``not runnable`` (why: Python 2, a
missing data file or module, a download, no Session.run: a model module); ``finding only``
(nothing to run: the findings are the result); at ``--level tf2`` also ``kept at keras``: the tf2
level did not restructure the file (its TFM601 finding says why), so prove compared the keras
level's output, which does not count as a tf2 proof. A failure inside this project's code
(``migrate/`` or ``tf2_port/``) that no finding announced is marked ``CRASH IN PROJECT``.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import csv
import dataclasses
import io
import json
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # tf_upgrade_v2 imports TensorFlow here

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from common import argument_parser, print_report  # noqa: E402

from migrate import notebook  # noqa: E402
from migrate.engine import rewrite_source  # noqa: E402
from migrate.prove import orchestrate  # noqa: E402
from migrate.runner import notebook_as_module  # noqa: E402

DEFAULT_SOURCES = REPO / "bench" / "realworld" / "SOURCES.tsv"
PROJECT_DIRS = (os.sep + "migrate" + os.sep, os.sep + "tf2_port" + os.sep)

# Errors of the reference run (the compat rewrite) that say the *environment* lacks something
# the script needs, not that the rewrite is wrong: the script is not self-contained here.
ENVIRONMENT_ERRORS = {
    "FileNotFoundError": "reads a file that is not in the corpus",
    "ModuleNotFoundError": "needs a module that is not installed",
    "URLError": "downloads data",
    "ConnectionError": "downloads data",
    "gaierror": "downloads data",
    "HTTPError": "downloads data",
}


@dataclasses.dataclass
class Entry:
    folder: str
    repository: str
    commit: str
    path: str
    run: str  # the file to run, when it is not the file itself (a driver script of its folder)
    args: list[str]
    blocker: str
    notes: str

    @property
    def name(self) -> str:
        return self.run or os.path.basename(self.path)


@dataclasses.dataclass
class Outcome:
    entry: Entry
    outcome: str  # proven, differs, fails, compat fails, not runnable, finding only
    detail: str = ""
    self_contained: bool = False
    runs: dict = dataclasses.field(default_factory=dict)  # level -> bool, for self-contained files
    crash_in_project: bool = False
    findings: dict = dataclasses.field(default_factory=dict)  # level -> [code line message]
    seconds: float = 0.0


def load_entries(corpus: pathlib.Path, sources: pathlib.Path) -> list[Entry]:
    with open(sources, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    entries = []
    for row in rows:
        entry = Entry(row["folder"], row["repository"], row["commit"], row["path"],
                      "" if row.get("run", "-") in ("", "-") else row["run"],
                      row.get("args", "").split() if row.get("args", "-") not in ("", "-") else [],
                      "" if row.get("blocker", "-") in ("", "-") else row["blocker"], row.get("notes", ""))
        if (corpus / entry.folder / entry.name).exists():
            entries.append(entry)
    return entries


def _script_for(entry: Entry, corpus: pathlib.Path) -> pathlib.Path:
    return corpus / entry.folder / entry.name


def _findings(result) -> list[str]:
    return [f"{f.code} line {f.line}: {f.message}" for f in result.findings if f.severity in ("error", "warning")]


def _folder_findings(script: pathlib.Path, level: str) -> list[str]:
    """The error and warning findings of the script's rewrite and of the modules of its folder it
    imports (a driver's blocker is often in the model module it imports)."""
    found = []
    for path in [script, *sorted(orchestrate._local_modules(str(script), str(script.parent)))]:
        path = pathlib.Path(path)
        source = path.read_bytes().decode("utf-8", errors="surrogateescape")
        if path.suffix == ".ipynb":
            source = notebook_as_module(source)
        prefix = "" if path == script else f"{path.name}: "
        found += [prefix + text for text in _findings(rewrite_source(source, level, str(path)))]
    return found


def _restructured(script: pathlib.Path) -> bool:
    """Whether the tf2 level turned the script into a TensorFlow 2 program (its step functions)."""
    source = script.read_bytes().decode("utf-8", errors="surrogateescape")
    if script.suffix == ".ipynb":
        source = notebook_as_module(source)
    return bool(rewrite_source(source, "tf2", str(script)).steps)


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:160] if (text or "").strip() else ""


# Whole subsystems TensorFlow 2.21 no longer has: a program built on one cannot run at any
# level of the rewrite (it needs porting by hand; the compat level's TFM101 finding says so).
GONE_FROM_TF2 = {
    "estimator": "tf.estimator (removed in TF 2.16)",
    "contrib.learn": "tf.contrib.learn (removed in TF 2.0)",
    "cudnn_rnn": "contrib.cudnn_rnn (a GPU build of TF 1.x)",
}


def is_program(source: str) -> bool:
    """Whether a file does something when run: a ``__main__`` block, or module-level calls or
    loops (a notebook's cells always do). A module of classes and functions is not."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True  # Python 2 and the like: the rewrite reports it
    for node in tree.body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            return True
        if isinstance(node, (ast.For, ast.While, ast.With, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            return True
    return False


def _environment_reason(run, blocker: str) -> str | None:
    """Why a run that failed could not run *here* (the environment, not a rewrite), or None.

    Read from the error the run ended with: a module or file that is not here, a download, a
    GPU, arguments, a trained checkpoint, a Python 2 module it imports, or the script raising
    an error of its own (`raise ValueError("Must set --data_path")`); otherwise the corpus
    entry's ``blocker`` column, where a reading of the file found why it cannot run.
    """
    error = run.error or {}
    kind, message = error.get("type", ""), error.get("message", "")
    frames = error.get("frames", [])
    innermost = frames[-1] if frames else ("", 0, "")
    if kind in ("ModuleNotFoundError", "ImportError") and "tensorflow" not in message and "tf_keras" not in message:
        return f"needs a module that is not installed ({message or 'an import failed'})"
    if "tensorflow.models" in message:
        return "imports TF 0.x's bundled tensorflow.models package, gone since TF 1.0"
    for gone, why in GONE_FROM_TF2.items():
        if gone in message:
            return f"needs {why}, which TensorFlow 2.21 does not have (the TFM101 finding names it)"
    if kind == "NotFoundError" and "No such file" in message:
        return f"reads a file that is not in the corpus ({message[:100]})"
    if kind in ENVIRONMENT_ERRORS and kind not in ("ModuleNotFoundError",):
        return f"{ENVIRONMENT_ERRORS[kind]} ({message})"
    if kind == "SystemExit" and "2" in message:
        return "needs command-line arguments (argparse usage error)"
    if "Cannot assign a device" in error.get("traceback", "") or "Cannot assign a device" in message:
        return "pins operations to a GPU (tf.device), and this machine has none"
    if any(text in message for text in ("URL fetch failure", "urlopen error", "Max retries exceeded")):
        return f"downloads data ({message[:80]})"
    if "not a valid checkpoint" in message or "Failed to find any matching files for" in message:
        return f"restores a trained checkpoint that is not in the corpus ({message})"
    if kind == "SyntaxError":
        return f"imports a module that is Python 2 ({message})"
    if (innermost[2] or "").lstrip().startswith("raise") and os.sep + "reference" + os.sep in innermost[0]:
        return f"the script refuses to run here: {kind}: {message}"
    if blocker:
        return blocker
    return None


def _in_project(run) -> bool:
    frames = (run.error or {}).get("frames", [])
    return bool(frames) and any(marker in frames[-1][0] for marker in PROJECT_DIRS)


def judge(entry: Entry, report, upgraded, program: bool = True) -> Outcome:
    """One entry's outcome from its prove report and its tf_upgrade_v2 run; ``program``: whether
    the file run is a program at all (:func:`is_program`)."""
    outcome = Outcome(entry, "")
    reference, candidate = report.reference, report.candidate
    if not program and report.verdict != "proven":
        outcome.outcome, outcome.detail = "finding only", "a module of classes and functions: nothing runs it here"
        return outcome
    if reference is None and candidate is None:  # the rewrite itself refused the file
        outcome.outcome, outcome.detail = "not runnable", report.message
        return outcome
    if report.verdict == "no-session-run":
        outcome.outcome, outcome.detail = "finding only", "no Session.run: a module, an Estimator or a graph only"
        return outcome
    ended_in_error = reference.end not in ("steps", "ended")
    reason = _environment_reason(reference, entry.blocker) if ended_in_error else None
    if reason and (reference.calls == 0 or report.verdict in ("proven", "nothing-compared")
                   or (candidate is not None and candidate.error_line() == reference.error_line())):
        # It stopped for a reason of the environment: at once, or after calls that agreed.
        outcome.outcome, outcome.detail = "not runnable", reason
        return outcome
    if report.verdict == "nothing-compared":
        outcome.outcome, outcome.detail = "finding only", "runs, but fetches no value to compare (a summary, a train op)"
        return outcome
    outcome.self_contained = True
    compat_runs = reference.calls > 0 and reference.end in ("steps", "ended")
    outcome.runs = {"compat": compat_runs, "tf_upgrade_v2": bool(upgraded and upgraded.calls and upgraded.end in ("steps", "ended"))}
    if report.verdict == "proven":
        outcome.outcome, outcome.detail = "proven", report.message
        outcome.runs["keras"] = True
        return outcome
    if candidate is not None:
        outcome.runs["keras"] = candidate.calls > 0 and candidate.end in ("steps", "ended")
    if reference.calls == 0:
        outcome.outcome = "compat fails"
        outcome.detail = reference.error_line()
        outcome.crash_in_project = _in_project(reference)
        return outcome
    if candidate is not None and candidate.error and not outcome.runs.get("keras"):
        outcome.outcome, outcome.detail = "fails", candidate.error_line()
        outcome.crash_in_project = _in_project(candidate)
        return outcome
    outcome.outcome, outcome.detail = "differs", _first_line(report.message)
    return outcome


def run_chunk(entries: list[Entry], corpus: pathlib.Path, level: str, steps: int, timeout: float,
              keep: pathlib.Path | None) -> list[Outcome]:
    started = time.monotonic()
    scripts = [str(_script_for(entry, corpus)) for entry in entries]
    workdir = None
    if keep is not None:
        workdir = keep / f"chunk-{entries[0].folder}"
    reports = orchestrate.prove_scripts(scripts, level, steps=steps, timeout=timeout, workdir=workdir,
                                        args_per_script=[entry.args for entry in entries])
    upgraded_runs = _run_tf_upgrade_v2(entries, corpus, steps, timeout)
    outcomes = []
    for entry, report, upgraded in zip(entries, reports, upgraded_runs):
        script = _script_for(entry, corpus)
        program = script.suffix == ".ipynb" or is_program(script.read_bytes().decode("utf-8", errors="surrogateescape"))
        outcome = judge(entry, report, upgraded, program)
        for run_level in ("compat", level):
            outcome.findings[run_level] = _folder_findings(_script_for(entry, corpus), run_level)
        if level == "tf2" and outcome.outcome == "proven" and not _restructured(script):
            # prove compared the keras level's output, which the tf2 level kept: not a tf2 proof.
            kept = [f for f in outcome.findings["tf2"] if f.startswith("TFM601")]
            outcome.outcome, outcome.detail = "kept at keras", kept[0] if kept else "not restructured"
        outcome.seconds = (time.monotonic() - started) / len(entries)
        outcomes.append(outcome)
    return outcomes


def _tf_upgrade_v2(text: str) -> str:
    """TensorFlow's own converter on one file's text (its Python API, as its CLI runs it);
    notebook magic lines are set aside around it, as its own notebook mode does."""
    from tensorflow.tools.compatibility import ast_edits, tf_upgrade_v2

    masked = notebook.mask(text)
    if masked is not None:
        return notebook.unmask(_tf_upgrade_v2(masked.text), masked)

    upgrader = ast_edits.ASTCodeUpgrader(tf_upgrade_v2.TFAPIChangeSpec())
    with tempfile.TemporaryDirectory() as scratch:
        source, target = os.path.join(scratch, "in.py"), os.path.join(scratch, "out.py")
        with open(source, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                upgrader.process_file(source, target)
        except Exception:  # noqa: BLE001 -- tf_upgrade_v2 crashes on some inputs; count as not converted
            return text
        with open(target, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()


def _upgrade_module(text: str, path: str) -> str:
    return _tf_upgrade_v2(text)


def _run_tf_upgrade_v2(entries: list[Entry], corpus: pathlib.Path, steps: int, timeout: float) -> list:
    scripts = []
    for entry in entries:
        path = _script_for(entry, corpus)
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        if path.suffix == ".ipynb":
            text = notebook_as_module(text)
        scripts.append((str(path), _tf_upgrade_v2(text), _upgrade_module, entry.args))
    return orchestrate.observe_scripts(scripts, legacy_keras=False, block_tf_keras=False, steps=steps, timeout=timeout)


def format_table(outcomes: list[Outcome], level: str) -> str:
    lines = [f"{'file':<62} outcome", "-" * 100]
    for outcome in outcomes:
        mark = "  CRASH IN PROJECT" if outcome.crash_in_project else ""
        detail = f": {outcome.detail}" if outcome.detail else ""
        lines.append(f"{outcome.entry.folder[:62]:<62} {outcome.outcome}{detail[:150]}{mark}")
        if outcome.self_contained and outcome.outcome != "proven":
            # The finding that predicts it (the first error or warning of the level's rewrite).
            findings = outcome.findings.get(level) or []
            lines.append(f"{'':<62}   finding: {findings[0][:140] if findings else 'NONE'}")
    counts = collections.Counter(outcome.outcome for outcome in outcomes)
    contained = [outcome for outcome in outcomes if outcome.self_contained]
    proven = counts["proven"]
    lines += ["", "totals: " + ", ".join(f"{name} {counts[name]}" for name in
                                        ("proven", "kept at keras", "differs", "fails", "compat fails", "not runnable",
                                         "finding only")),
              f"self-contained: {len(contained)}; proven at {level}: {proven} "
              f"({100.0 * proven / max(1, len(contained)):.0f}%)"]
    for tool in ("compat", level, "tf_upgrade_v2"):
        ran = sum(1 for outcome in contained if outcome.runs.get(tool if tool != level else "keras"))
        lines.append(f"  runs ({tool}): {ran} of {len(contained)}")
    lost = [o.entry.folder for o in contained if o.runs.get("compat") and not o.runs.get("keras")]
    lines.append(f"runs at compat but not at {level}: {len(lost)}" + ("".join(f"\n  {name}" for name in lost)))
    crashes = [o.entry.folder for o in outcomes if o.crash_in_project]
    lines.append(f"crashes inside migrate/ or tf2_port/: {len(crashes)}" + "".join(f"\n  {name}" for name in crashes))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("corpus", type=pathlib.Path, metavar="DIR")
    parser.add_argument("--level", default="keras", choices=("keras", "compat", "tf2"))
    parser.add_argument("--sources", type=pathlib.Path, default=DEFAULT_SOURCES)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2, help="chunks proved side by side")
    parser.add_argument("--chunk", type=int, default=8, help="files per child process")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per script run")
    parser.add_argument("--only", action="append", default=[], help="only folders containing this text")
    parser.add_argument("--json", type=pathlib.Path, help="write every outcome as JSON")
    parser.add_argument("--keep", type=pathlib.Path, help="keep the prove work folders here")
    args = parser.parse_args(argv)

    entries = load_entries(args.corpus, args.sources)
    if args.only:
        entries = [entry for entry in entries if any(text in entry.folder for text in args.only)]
    if not entries:
        print(f"realworld: no corpus entries of {args.sources} found under {args.corpus}", file=sys.stderr)
        return 2
    chunks = [entries[index:index + args.chunk] for index in range(0, len(entries), args.chunk)]
    started = time.monotonic()
    outcomes: list[Outcome] = []
    # Processes, not threads: CPython 3.11's ast.parse is not safe in two threads at once
    # ("AST constructor recursion depth mismatch"), and every rewrite parses.
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_chunk, chunk, args.corpus, args.level, args.steps, args.timeout, args.keep)
                   for chunk in chunks]
        for future in futures:
            outcomes.extend(future.result())
    print_report(format_table(outcomes, args.level),
                 f"corpus: {len(entries)} files from {len({e.repository for e in entries})} repositories; "
                 f"level {args.level}; {args.steps} Session.run calls compared; {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([
            {"folder": o.entry.folder, "repository": o.entry.repository, "path": o.entry.path,
             "outcome": o.outcome, "detail": o.detail, "self_contained": o.self_contained, "runs": o.runs,
             "crash_in_project": o.crash_in_project, "findings": o.findings}
            for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
