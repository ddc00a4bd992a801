"""Rewrite one source text at a level: parse once, analyse once, transform in one pass.

Cost model (issue 8 benchmarks it): every ``MetadataWrapper`` deep-copies its module and
resolves metadata from scratch, and ``VisitorBasedCodemodCommand`` dispatch (matcher support)
costs about three times a bare ``CSTTransformer``. Running the level's codemods one after the
other as commands would pay both per codemod. Instead the engine parses once, wraps once
(without the copy: the tree is private to this call), builds the shared analysis once, and
runs every codemod's visit/leave methods from one bare transformer (``base.Pipeline``).
The imports the codemods scheduled with libcst's AddImportsVisitor / RemoveImportsVisitor are
applied afterwards, by statement-only versions of those visitors (``migrate.import_edits``).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import re
import io
import tokenize

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import MetadataWrapper, PositionProvider

from migrate import notebook
from migrate.codemods import LEVELS, STAGES, EnableLegacyKerasCommand
from migrate.codemods.base import EDITS_KEY, REPORTS_KEY, Pipeline, StatementEdits
from migrate.codemods.restructure_session_program import PROGRAM_KEY
from migrate.findings import CODES, Finding, RewriteResult
from migrate.import_edits import apply_scheduled_imports
from migrate.keras_symbols import CONVERTED_WITHOUT_HOME
from migrate.qualified_names import display

PYTHON2_HINT = "Python 2 source: run `2to3` (or pyupgrade) first, then tf1-migrate"


def rewrite_source(source: str, level: str = "keras", path: str = "<string>") -> RewriteResult:
    """Rewrite ``source`` at ``level``; never raises on bad input code (see ``RewriteResult.error``)."""
    if level not in LEVELS:
        raise ValueError(f"level: expected one of {sorted(LEVELS)}, got {level!r}")
    if not isinstance(source, str):
        raise TypeError(f"source: expected str, got {type(source).__name__}")
    # A file that never mentions TensorFlow has nothing to rewrite: skip the parse entirely.
    if "tensorflow" not in source:
        return RewriteResult(code=source, changed=False)
    masked = None
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as first_error:
        masked = notebook.mask(source)
        module = None
        if masked is not None:
            try:
                module = cst.parse_module(masked.text)
            except cst.ParserSyntaxError:
                module = None
        if module is None:
            return _parse_failure(source, path, first_error)
    # libcst also accepts two Python 2 forms that are valid Python 3 syntax with another
    # meaning (`except E, e:` as a 3.14 tuple, `print >>f, x` as a shift): reject those too.
    if ("except" in source or "print" in source) and python2_line(source):
        return _parse_failure(source, path, None)
    text = masked.text if masked is not None else source
    findings: list[Finding] = []
    program: dict = {}
    for index, commands in enumerate(STAGES[level]):
        if index and not _stage_applies(commands, text):
            continue
        if index:
            module = cst.parse_module(text)
        new_text, stage_findings, stage_program = _run_stage(module, commands, path)
        program = stage_program or program
        if index:
            back = _line_map(masked.text if masked is not None else source, text)
            stage_findings = [dataclasses.replace(f, line=back.get(f.line, f.line)) for f in stage_findings]
        findings += stage_findings
        text = new_text
    if len(STAGES[level]) > 1:
        findings = [f for f in findings if not _converted_later(f)]
    if program.get("steps"):
        # The tf2 stage wrote the runtime's calls out as plain Keras: the file no longer
        # imports tf2_port.keras_rnn.
        findings = [f for f in findings if f.code != "TFM502"]
        findings.append(Finding(
            "TFM602", path, 1, 1, "info",
            f"Session program restructured: {len(program['steps'])} tf.function step(s) "
            f"({', '.join(program['steps'])}) replace its Session.run calls; no Session, placeholder or "
            "tf.compat.v1 left",
            "prove it on your data with: tf1-migrate prove SCRIPT --level tf2",
        ))
    findings.sort(key=lambda finding: (finding.line, finding.col, finding.code))
    findings = tuple(findings)
    code = text
    if masked is not None:
        code = notebook.unmask(code, masked)
        findings = (
            Finding(
                "TFM002",
                path,
                1,
                1,
                "info",
                f"{len(masked.lines)} IPython magic/shell line(s) were masked while rewriting "
                "and restored unchanged",
                "remove them to run the file as a plain Python script",
            ),
            *findings,
        )
    return RewriteResult(code=code, changed=code != source, findings=findings,
                         steps=tuple(program.get("steps", ())),
                         tf1_weights=tuple(tuple(pair) for pair in program.get("weights", ())))


def _run_stage(module: cst.Module, commands, path: str) -> tuple[str, list[Finding], dict | None]:
    """One pass of ``commands`` over ``module``: (new code, findings in the module's lines, what
    the tf2 stage reports of the program it wrote)."""
    context = CodemodContext(filename=path)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    context = dataclasses.replace(context, wrapper=wrapper)
    edits = context.scratch.setdefault(EDITS_KEY, StatementEdits())
    codemods = [command(context, pipelined=True) for command in commands]
    pipeline = Pipeline(codemods, edits)
    dependencies = set()
    for codemod in codemods:
        dependencies |= set(codemod.get_inherited_dependencies())
    wrapper.resolve_many(dependencies)
    with _resolved(codemods, wrapper):
        new_module = module.visit(pipeline)
    new_module = apply_scheduled_imports(new_module, context)
    findings = list(_findings(context.scratch.get(REPORTS_KEY, []), wrapper, path))
    return new_module.code, findings, context.scratch.get(PROGRAM_KEY)


# Text that a legacy-Keras use needs somewhere in the file: a module without any of it has
# nothing for EnableLegacyKerasCommand to find, and skips that whole pass.
_LEGACY_KERAS_TEXT = re.compile(r"\brnn_cell\b|(?<!keras\.)\blayers\b")


def _stage_applies(commands, text: str) -> bool:
    if tuple(commands) == (EnableLegacyKerasCommand,):
        return _LEGACY_KERAS_TEXT.search(text) is not None
    return True


def _line_map(original: str, current: str) -> dict[int, int]:
    """Line numbers of ``current`` -> the original line they come from (or the line before
    an insertion), so that every finding points into the file the user wrote."""
    matcher = difflib.SequenceMatcher(None, original.splitlines(), current.splitlines(), autojunk=False)
    back: dict[int, int] = {}
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        for offset in range(new_end - new_start):
            if tag == "equal" or offset < old_end - old_start:
                back[new_start + offset + 1] = old_start + offset + 1
            else:
                back[new_start + offset + 1] = max(old_end, 1)
    return back


def _converted_later(finding: Finding) -> bool:
    """A compat finding about a name that a later stage of the level converted."""
    return finding.code == "TFM101" and any(
        finding.message.startswith(display(name) + " ") for name in CONVERTED_WITHOUT_HOME
    )


class _resolved:
    """Resolve each codemod's metadata from the one wrapper (cached there: no recomputation)."""

    def __init__(self, codemods, wrapper) -> None:
        self._contexts = [codemod.resolve(wrapper) for codemod in codemods]

    def __enter__(self):
        for context in self._contexts:
            context.__enter__()
        return self

    def __exit__(self, *exc_info):
        for context in reversed(self._contexts):
            context.__exit__(*exc_info)
        return False


def _findings(reports, wrapper: MetadataWrapper, path: str) -> tuple[Finding, ...]:
    if not reports:
        return ()
    # Positions cost a full code-generation pass: only computed when there is something to say.
    positions = wrapper.resolve(PositionProvider)
    seen = set()
    findings = []
    for item in reports:
        start = positions[item.node].start
        severity = item.severity or CODES[item.code][0]
        finding = Finding(
            item.code, path, start.line, start.column + 1, severity, item.message, item.suggestion
        )
        if finding not in seen:
            seen.add(finding)
            findings.append(finding)
    findings.sort(key=lambda finding: (finding.line, finding.col, finding.code))
    return tuple(findings)


def _error_position(source: str, error: cst.ParserSyntaxError | None) -> tuple[int, int, str]:
    """(line, column, reason), from Python's own parser when it agrees the code is invalid.

    libcst reports where its parser gave up, which can be a line after the real mistake;
    CPython points at the offending token.
    """
    try:
        compile(source, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as python_error:
        if python_error.lineno:
            return python_error.lineno, python_error.offset or 1, python_error.msg
    except (ValueError, RecursionError, MemoryError):  # null bytes, absurd nesting: use libcst's
        pass
    if error is None:
        return python2_line(source) or 1, 1, "Python 2 statement"
    return error.raw_line, error.raw_column + 1, error.message


def _parse_failure(source: str, path: str, error: cst.ParserSyntaxError | None) -> RewriteResult:
    line, column, reason = _error_position(source, error)
    if python2_line(source):
        message = f"cannot parse: Python 2 syntax (line {line}: {reason})"
        suggestion = PYTHON2_HINT
    else:
        message = f"cannot parse: syntax error at line {line}, column {column}: {reason}"
        suggestion = "fix the syntax error, then run tf1-migrate again"
    finding = Finding("TFM001", path, line, column, "error", message, suggestion)
    return RewriteResult(code=source, changed=False, findings=(finding,), error=message)


def python2_line(source: str) -> int | None:
    """The first line with a token-level sign of Python 2 (print/exec statement, ``except E,
    e``, backticks, ``<>``), or None."""
    previous: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                continue
            if token.string in ("`", "<>"):
                return token.start[0]
            if previous:
                last = previous[-1]
                line_start = len(previous) < 2 or previous[-2].type == tokenize.NEWLINE
                if (
                    last.type == tokenize.NAME
                    and last.string in ("print", "exec")
                    and line_start
                    and token.type in (tokenize.STRING, tokenize.NAME, tokenize.NUMBER)
                ):
                    return token.start[0]
                if last.type == tokenize.OP and last.string == ">>" and len(previous) >= 2:
                    if previous[-2].string == "print":
                        return token.start[0]
            if _is_old_except(previous, token):
                return token.start[0]
            previous.append(token)
            if len(previous) > 40:
                del previous[:-8]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return None


def _is_old_except(previous: list[tokenize.TokenInfo], token: tokenize.TokenInfo) -> bool:
    """``except Name, name:`` -- the comma form Python 3 removed."""
    if token.string != ":" or len(previous) < 4:
        return False
    keyword, exception, comma, name = previous[-4:]
    return (
        keyword.string == "except"
        and exception.type == tokenize.NAME
        and comma.string == ","
        and name.type == tokenize.NAME
    )
