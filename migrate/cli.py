"""The ``tf1-migrate`` command line (also ``python -m migrate``).

    tf1-migrate rewrite PATH... [--level compat|keras] [--diff | --check | --write]
                        [--jobs N] [--report FILE.json] [--exclude GLOB]
    tf1-migrate convert-checkpoint CKPT --out DIR [--forget-bias F] [--activation A]
                        [--cell-clip C] [--proj-clip P] [--tf1-defaults] [--scope S] [--overwrite]
    tf1-migrate verify (--spec FILE | --checkpoint CKPT | --case NAME | --all)
    tf1-migrate prove SCRIPT [--level compat|keras] [--steps N] [--tolerance T]
                        [--keep-dropout] [--report FILE.json] [--workdir DIR] [-- ARG...]
    tf1-migrate demo
    tf1-migrate examples [NAME] [--html FILE]

Exit codes (as ruff and pyupgrade): 0 clean; 1 changes needed, findings that
need a manual edit, files that failed, or a verification above tolerance;
2 usage or internal error; 3 ``verify --checkpoint`` converted the checkpoint but
could not compare it against the ``.meta`` graph that wrote it (none beside it,
or a stack it cannot locate there): not proven, not failed. Only ``main`` prints
and decides the exit code; TensorFlow is imported only by the commands that need
it, first by ``migrate.quiet_tensorflow`` (no C++ start-up noise on the terminal).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections import Counter
from typing import Sequence, TextIO

from migrate.runner import FileOutcome, atomic_write, collect_paths, run_paths

LEVELS = ("compat", "keras", "tf2")
DEFAULT_LEVEL = "keras"
# Findings of these severities mean someone has to edit the file by hand.
MANUAL_EDIT_SEVERITIES = ("error", "warning")
# Below this many files the progress bar would only flicker.
PROGRESS_MIN_FILES = 50
REPORT_SCHEMA_VERSION = 1
# verify --checkpoint: converted, but not compared against the graph that wrote it.
VERIFY_NOT_PROVEN = 3


class UsageError(Exception):
    """Bad command-line input: reported with exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tf1-migrate",
        description="Move TF1 multi-layer RNN code to TensorFlow 2 / Keras 3, and prove it numerically.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rewrite = commands.add_parser("rewrite", help="rewrite old scripts (default: show a diff, write nothing)")
    rewrite.add_argument("paths", nargs="+", metavar="PATH", help="files, directories (recursive) or - for stdin")
    rewrite.add_argument("--level", choices=LEVELS, default=DEFAULT_LEVEL,
                         help="keras (default): RNN parts in native Keras 3, no tf_keras needed; "
                              "compat: smallest change that runs on TF 2.x (legacy cells via tf_keras); "
                              "tf2: the keras level, then the Session program as TensorFlow 2 steps "
                              "(tf.function per Session.run, Keras optimizers, no Session)")
    mode = rewrite.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff (the default)")
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    mode.add_argument("--write", action="store_true", help="rewrite the files in place, atomically")
    rewrite.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                         help="parallel processes (default: the core count)")
    rewrite.add_argument("--report", metavar="FILE.json", help="also write the findings as JSON")
    rewrite.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                         help="skip paths matching this glob (repeatable)")

    convert = commands.add_parser("convert-checkpoint", help="TF1 checkpoint -> one .keras model per RNN stack")
    convert.add_argument("checkpoint", metavar="CKPT", help="checkpoint prefix or folder")
    convert.add_argument("--out", required=True, metavar="DIR", help="output folder (must not exist, or --overwrite)")
    convert.add_argument("--forget-bias", type=float, help="LSTM forget_bias when the .meta graph is absent")
    convert.add_argument("--activation", help="cell activation when the .meta graph is absent (tanh, relu, ...)")
    convert.add_argument("--cell-clip", help="LSTMCell cell_clip (a number, or 'none')")
    convert.add_argument("--proj-clip", help="LSTMCell proj_clip (a number, or 'none')")
    convert.add_argument("--tf1-defaults", action="store_true",
                         help="take TF1's defaults for activation (tanh) and clips (none); never for forget_bias")
    convert.add_argument("--cell-kind", action="append", default=[], metavar="PREFIX=KIND",
                         help="the cell kind of a custom-named cell scope (repeatable)")
    convert.add_argument("--scope", help="convert only the stack under this scope root")
    convert.add_argument("--overwrite", action="store_true", help="replace an existing output folder")

    verify = commands.add_parser(
        "verify", help="TF1 reference vs Keras port: per-tensor max |diff| table",
        epilog="exit codes: 0 every comparison within tolerance; 1 a comparison above tolerance or a refused "
               "conversion; 2 usage error; 3 (--checkpoint) converted but not compared against the graph "
               "that wrote the checkpoint")
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--spec", metavar="FILE", help="a StackSpec as JSON")
    source.add_argument("--checkpoint", metavar="CKPT",
                        help="a TF1 checkpoint: its converted stacks run against the graph in CKPT.meta "
                             "(settings as for convert-checkpoint); exit 3 when there is no .meta graph or a "
                             "stack cannot be located in it (converted, not proven)")
    source.add_argument("--case", metavar="NAME", help="one construct of the built-in catalogue")
    source.add_argument("--all", action="store_true", help="every construct of the built-in catalogue")
    verify.add_argument("--forget-bias", type=float)
    verify.add_argument("--tf1-defaults", action="store_true")
    verify.add_argument("--fast", action="store_true", help="check the fast (stacked LSTM/GRU layers) form")

    prove = commands.add_parser(
        "prove", help="run the rewritten script against its compat reference and compare every Session.run result")
    prove.add_argument("script", metavar="SCRIPT", help="the TF1 script (its folder is copied; nothing is modified)")
    prove.add_argument("--level", choices=LEVELS, default=DEFAULT_LEVEL, help="the level to prove (default keras)")
    prove.add_argument("--steps", type=int, default=20, help="Session.run calls that fetch values to compare (default 20; calls that only "
                            "run a train op come on top)")
    prove.add_argument("--tolerance", type=float,
                       help="relative tolerance for every float value (default 1e-5 float32, 1e-10 float64, "
                            "relative to max(1, |reference|))")
    prove.add_argument("--keep-dropout", action="store_true",
                       help="leave dropout on and compare shapes and dtypes only (default: keep probabilities 1.0)")
    prove.add_argument("--report", metavar="FILE.json", help="also write the comparison as JSON")
    prove.add_argument("--seed", type=int, default=0, help="Python, NumPy and graph seed of both runs (default 0)")
    prove.add_argument("--timeout", type=float, default=900.0, help="seconds each run may take (default 900)")
    prove.add_argument("--workdir", metavar="DIR", help="keep the rewritten copies, checkpoints and logs here")
    # The script's own arguments follow a `--` (split off in main: argparse cannot place them).

    demo = commands.add_parser("demo", help="the main job on the bundled default (Hallström's echo model)")
    demo.add_argument("--steps", type=int, default=400, help="training steps for both models (default 400)")
    demo.add_argument("--out", default="tf1-migrate-demo", help="folder for the PNG (default ./tf1-migrate-demo)")
    demo.add_argument("--seed", type=int, default=0, help="weights and data seed (default 0)")
    demo.add_argument("--full-diff", action="store_true", help="show the whole migration diff")

    examples = commands.add_parser("examples", help="list the side-by-side examples, or show one")
    examples.add_argument("name", nargs="?", help="the example to show in two columns")
    examples.add_argument("--html", metavar="FILE", help="write all pairs as one static HTML page")
    return parser


# --- rewrite --------------------------------------------------------------------------


def _finding_line(finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.col}: {finding.code} {finding.message}"


def _diff(outcome: FileOutcome) -> str:
    return "".join(difflib.unified_diff(
        outcome.original.splitlines(keepends=True), outcome.rewritten.splitlines(keepends=True),
        fromfile=outcome.path, tofile=outcome.path,
    ))


def _report(outcomes: list[FileOutcome], level: str, summary: dict) -> dict:
    """The --report JSON (schema version 1, documented in README.md)."""
    return {
        "version": REPORT_SCHEMA_VERSION,
        "level": level,
        "files": [
            {
                "path": outcome.path,
                "status": outcome.status,
                "written": outcome.written,
                "error": outcome.error or None,
                "hint": outcome.hint or None,
                "findings": [
                    {"code": f.code, "path": f.path, "line": f.line, "col": f.col, "severity": f.severity,
                     "message": f.message, "suggestion": f.suggestion}
                    for f in outcome.findings
                ],
            }
            for outcome in outcomes
        ],
        "summary": summary,
    }


def _rewrite_stdin(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from migrate.engine import rewrite_source

    source = sys.stdin.read()
    result = rewrite_source(source, args.level, "<stdin>")
    out.write(result.code)
    for finding in result.findings:
        err.write(_finding_line(finding) + "\n")
    if result.error:
        err.write(f"<stdin>: error: {result.error}\n")
        return 1
    needs_edit = any(f.severity in MANUAL_EDIT_SEVERITIES for f in result.findings)
    return 1 if (args.check and result.changed) or needs_edit else 0


def _progress(total: int, err: TextIO):
    """A rich progress bar on a terminal for long runs; otherwise nothing."""
    if total < PROGRESS_MIN_FILES or not err.isatty():
        return None
    try:
        from rich.progress import Progress
    except ImportError:  # rich is optional for the codemods; no bar then
        return None
    from rich.console import Console

    return Progress(console=Console(file=err), transient=True)


def _cmd_rewrite(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs: expected a positive number, got {args.jobs}")
    if "-" in args.paths:
        if len(args.paths) > 1:
            raise UsageError("'-' (stdin) cannot be combined with other paths")
        if args.write:
            raise UsageError("--write cannot be used with '-' (stdin): the result goes to stdout")
        return _rewrite_stdin(args, out, err)

    collected = list(collect_paths(args.paths, args.exclude))
    problems = [c for c in collected if c.problem]
    paths = [c.path for c in collected if not c.problem]
    progress = _progress(len(paths), err)
    if progress is not None:
        with progress:
            task = progress.add_task("rewriting", total=len(paths))
            outcomes = run_paths(paths, args.level, args.write, args.jobs,
                                 on_outcome=lambda _: progress.advance(task))
    else:
        outcomes = run_paths(paths, args.level, args.write, args.jobs)

    for problem in problems:
        err.write(f"{problem.path}: skipped: {problem.problem}\n")
    severities: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.status == "changed":
            if args.check:
                out.write(f"would rewrite {outcome.path}\n")
            elif args.write:
                out.write(f"rewrote {outcome.path}\n")
            else:
                out.write(_diff(outcome))
        if outcome.status == "failed":
            err.write(f"{outcome.path}: error: {outcome.error}\n")
            if outcome.hint:
                err.write(f"{outcome.path}: hint: {outcome.hint}\n")
        for finding in outcome.findings:
            severities[finding.severity] += 1
            if outcome.status != "failed" or finding.severity != "error":
                out.write(_finding_line(finding) + "\n")

    counts = Counter(outcome.status for outcome in outcomes)
    summary = {
        "changed": counts["changed"], "unchanged": counts["unchanged"], "failed": counts["failed"],
        "skipped": len(problems), "findings": dict(sorted(severities.items())),
    }
    verb = "rewritten" if args.write else "would change"
    err.write(
        f"{summary['changed']} file(s) {verb}, {summary['unchanged']} unchanged, {summary['failed']} failed"
        + (f", {summary['skipped']} skipped" if problems else "")
        + "; findings: " + (", ".join(f"{n} {s}" for s, n in sorted(severities.items())) or "none") + "\n"
    )
    if args.report:
        data = json.dumps(_report(outcomes, args.level, summary), indent=2).encode("utf-8") + b"\n"
        if not os.path.exists(args.report):
            with open(args.report, "wb"):
                pass  # atomic_write replaces an existing file; create it first
        atomic_write(args.report, data)

    needs_edit = any(severities[s] for s in MANUAL_EDIT_SEVERITIES)
    pending = counts["changed"] and not args.write
    return 1 if (pending or needs_edit or counts["failed"] or problems) else 0


# --- the TensorFlow commands ----------------------------------------------------------


def _clip_value(text: str | None):
    if text is None:
        return None
    if text.lower() == "none":
        return False  # "no clipping" (convert_checkpoint's spelling)
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"expected a number or 'none' for a clip, got {text!r}") from None


def _cell_kinds(items: Sequence[str]) -> dict[str, str] | None:
    kinds = {}
    for item in items:
        prefix, sep, kind = item.partition("=")
        if not sep or not prefix or not kind:
            raise UsageError(f"--cell-kind: expected PREFIX=KIND, got {item!r}")
        kinds[prefix] = kind
    return kinds or None


def _cmd_convert(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tf2_port.checkpoint import convert_checkpoint, format_mapping

    try:
        result = convert_checkpoint(
            args.checkpoint, args.out, forget_bias=args.forget_bias, activation=args.activation,
            cell_clip=_clip_value(args.cell_clip), proj_clip=_clip_value(args.proj_clip),
            tf1_defaults=args.tf1_defaults, cell_kinds=_cell_kinds(args.cell_kind), scope=args.scope,
            overwrite=args.overwrite,
        )
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        err.write(f"convert-checkpoint: refused: {error}\nnothing was written.\n")
        return 1
    out.write(format_mapping(result) + "\n")
    return 0


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from migrate.compare_sides import compare_spec
    from tf1_reference.spec import StackSpec
    from tf2_port.cases import CONSTRUCTS
    from tf2_port.verify import format_diff_table

    rows = []
    if args.spec:
        try:
            with open(args.spec, encoding="utf-8") as handle:
                spec = StackSpec.from_dict(json.load(handle))
        except (OSError, ValueError) as error:
            err.write(f"verify: cannot use --spec {args.spec}: {error}\n")
            return 2
        rows.append((os.path.basename(args.spec), compare_spec(spec, fast=args.fast)))
    elif args.checkpoint:
        return _verify_checkpoint(args, out, err)
    else:
        names = sorted(CONSTRUCTS) if args.all else [args.case]
        for name in names:
            if name not in CONSTRUCTS:
                err.write(f"verify: unknown case {name!r}; expected one of {', '.join(sorted(CONSTRUCTS))}\n")
                return 2
            for dtype in ("float32", "float64"):
                rows.append((name, compare_spec(CONSTRUCTS[name](dtype=dtype, use_sequence_length=True))))
    out.write(format_diff_table(rows) + "\n")
    return 0 if all(comparison.passed for _, comparison in rows) else 1


def _verify_checkpoint(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Convert the checkpoint, then run each converted stack against the graph that wrote it.

    The reference is the checkpoint's own ``.meta`` graph (imported, the checkpoint
    restored into it), never a graph rebuilt from the converter's settings. Exit 0: every
    stack compared and within tolerance; 1: a stack above tolerance, or the conversion
    refused; 3: converted, but a stack could not be compared (no ``.meta`` graph, or a
    stack the graph does not show as a dynamic_rnn loop): not proven, not failed.
    """
    import tempfile

    from tf2_port.checkpoint import convert_checkpoint
    from tf2_port.verify import compare_checkpoint_with_meta_graph, format_diff_table

    with tempfile.TemporaryDirectory() as scratch:
        try:
            result = convert_checkpoint(args.checkpoint, os.path.join(scratch, "out"),
                                        forget_bias=args.forget_bias, tf1_defaults=args.tf1_defaults)
            rows = compare_checkpoint_with_meta_graph(result)
        except (ValueError, FileNotFoundError) as error:
            err.write(f"verify: refused: {error}\n")
            return 1
    compared = [(row.root, row.comparison) for row in rows if row.comparison is not None]
    if compared:
        out.write(f"reference: the graph that wrote the checkpoint ({result.meta_path})\n")
        out.write(format_diff_table(compared) + "\n")
    for stack in result.stacks:  # what a FAIL is most often about: a setting and where it came from
        for prefix, settings in stack.settings.items():
            described = ", ".join(f"{key}={setting.value!r} [{setting.source}]" for key, setting in settings.items())
            out.write(f"  {prefix}: {described or 'no unstored settings'}\n")
    for row in rows:
        if row.comparison is None:
            err.write(f"verify: NOT VERIFIED {row.root}: {row.problem}\n")
    if any(not comparison.passed for _, comparison in compared):
        return 1
    return 0 if len(compared) == len(rows) else VERIFY_NOT_PROVEN


def _cmd_prove(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from migrate.prove import format_report, prove_script

    script_args = getattr(args, "script_args", [])
    if args.workdir and os.path.exists(args.workdir):
        raise UsageError(f"--workdir: expected a folder that does not exist yet, got {args.workdir!r}")
    try:
        report = prove_script(
            args.script, args.level, steps=args.steps, tolerance=args.tolerance, keep_dropout=args.keep_dropout,
            args=script_args, seed=args.seed, timeout=args.timeout, workdir=args.workdir,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    out.write(format_report(report) + "\n")
    if args.report:
        data = json.dumps(report.to_json(), indent=2, default=str).encode("utf-8") + b"\n"
        if not os.path.exists(args.report):
            with open(args.report, "wb"):
                pass  # atomic_write replaces an existing file; create it first
        atomic_write(args.report, data)
    return report.exit_code


def _cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from migrate.demo import main as demo_main

    argv = ["--steps", str(args.steps), "--out", args.out, "--seed", str(args.seed)]
    return demo_main(argv + (["--full-diff"] if args.full_diff else []))


def _cmd_examples(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from migrate import examples_catalog
    except ImportError as error:
        err.write(f"examples: the example catalogue is not available ({error})\n")
        return 2
    if args.html:
        examples_catalog.write_html(args.html)
        out.write(f"wrote {args.html}\n")
        return 0
    if args.name:
        try:
            out.write(examples_catalog.render_pair(args.name) + "\n")
        except ValueError as error:  # an unknown name; the message lists the known ones
            err.write(f"examples: {error}\n")
            return 2
        return 0
    for info in examples_catalog.list_examples():
        out.write(f"{info.name:<32} {info.title}\n")
    return 0


COMMANDS = {
    "rewrite": _cmd_rewrite,
    "convert-checkpoint": _cmd_convert,
    "verify": _cmd_verify,
    "prove": _cmd_prove,
    "demo": _cmd_demo,
    "examples": _cmd_examples,
}


# Commands that load TensorFlow in this process (prove loads it only in its child processes,
# whose output goes to their logs).
TENSORFLOW_COMMANDS = ("convert-checkpoint", "verify", "demo")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tf1-migrate``; return the exit code (0 clean, 1 action needed, 2 usage/internal error,
    3 verify --checkpoint not proven)."""
    out, err = sys.stdout, sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    script_args: list[str] = []
    if argv[:1] == ["prove"] and "--" in argv:
        split = argv.index("--")
        argv, script_args = argv[:split], argv[split + 1:]
    try:
        args = _parser().parse_args(argv)
        args.script_args = script_args
    except SystemExit as exit_request:  # argparse reports usage errors itself, with code 2
        return int(exit_request.code or 0)
    if args.command in TENSORFLOW_COMMANDS:
        from migrate.quiet_tensorflow import TensorFlowImportError, import_tensorflow

        try:
            import_tensorflow()  # first, so that no later import prints TensorFlow's start-up lines
        except TensorFlowImportError as error:
            err.write(f"tf1-migrate {args.command}: error: {error}\n{error.captured}")
            return 2
    try:
        return COMMANDS[args.command](args, out, err)
    except UsageError as error:
        err.write(f"tf1-migrate {args.command}: error: {error}\n")
        return 2
    except KeyboardInterrupt:
        err.write("interrupted: every file is either untouched or fully rewritten\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


__all__ = ["main"]
