"""Run the codemods over files, directories and notebooks, safely.

The rules this module keeps, whatever the input:

* nothing is written unless asked (``write=True``), and then atomically: a
  temporary file in the same folder, fsynced, mode bits copied, renamed over
  the original — an interrupted run leaves every file either old or new;
  a symlink keeps pointing at its (rewritten) target;
* a file that cannot be read, decoded or parsed gets a precise per-file error
  and a hint, and the run goes on;
* a file that cannot involve TensorFlow is recognised from its bytes and
  never decoded or parsed (the cheap pre-check that makes large trees fast).

Library code: no printing, no exiting — the CLI decides what to show.
"""

from __future__ import annotations

import codecs
import dataclasses
import fnmatch
import io
import json
import os
import stat
import tempfile
import tokenize
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator

from migrate.findings import Finding

SOURCE_SUFFIXES = (".py", ".ipynb")
# Folders a recursive walk never enters (tool caches, environments, VCS data).
SKIPPED_DIRECTORIES = frozenset({
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
})
# The pre-check: a file whose bytes never mention TensorFlow has nothing to migrate.
TENSORFLOW_MARKER = b"tensorflow"
BINARY_MARKER = b"\x00"


@dataclasses.dataclass(frozen=True)
class FileOutcome:
    """What happened to one file.

    ``status`` is ``"changed"`` (rewritten, or would be), ``"unchanged"``,
    ``"failed"`` (unreadable, undecodable, unparseable or unwritable: ``error``
    says why and ``hint`` what to do) or ``"skipped"`` (a symlink loop...).
    """

    path: str
    status: str
    original: str = ""
    rewritten: str = ""
    findings: tuple[Finding, ...] = ()
    error: str = ""
    hint: str = ""
    written: bool = False


@dataclasses.dataclass(frozen=True)
class CollectedPath:
    path: str
    problem: str = ""  # set for a path that cannot be processed (missing, loop...)


def collect_paths(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[CollectedPath]:
    """Files named directly, and ``.py`` / ``.ipynb`` files under directories (recursively).

    ``exclude`` holds glob patterns matched against each path and its basename.
    Directory symlinks are followed once; a loop back to a visited directory is
    reported instead of walked forever.
    """
    patterns = tuple(exclude)

    def excluded(path: str) -> bool:
        return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(os.path.basename(path), p) for p in patterns)

    for path in paths:
        if excluded(path):
            continue
        if os.path.isdir(path):
            yield from _walk(path, excluded)
        elif os.path.lexists(path):
            yield CollectedPath(path)
        else:
            yield CollectedPath(path, f"no such file or directory: {path}")


def _walk(root: str, excluded: Callable[[str], bool]) -> Iterator[CollectedPath]:
    visited: set[tuple[int, int]] = set()
    for directory, subdirectories, files in os.walk(root, followlinks=True):
        info = os.stat(directory)
        key = (info.st_dev, info.st_ino)
        if key in visited:
            subdirectories[:] = []
            yield CollectedPath(directory, f"directory symlink loop: {directory} was already visited")
            continue
        visited.add(key)
        subdirectories[:] = sorted(
            d for d in subdirectories
            if d not in SKIPPED_DIRECTORIES and not excluded(os.path.join(directory, d))
        )
        for name in sorted(files):
            path = os.path.join(directory, name)
            if name.endswith(SOURCE_SUFFIXES) and not excluded(path):
                yield CollectedPath(path)


# --- decoding -------------------------------------------------------------------------


def decode_source(data: bytes) -> tuple[str, str]:
    """Decode Python source as the interpreter would (PEP 263 cookie, BOM); return (text, encoding)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if encoding == "utf-8-sig":
        text = text.lstrip("\ufeff")
    return text, encoding


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


# --- notebooks ------------------------------------------------------------------------


def _notebook_indent(text: str) -> int:
    """The indent of the JSON as written (notebooks use 1; keep whatever the file has)."""
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" ")
        if stripped:
            return len(line) - len(stripped)
    return 1


CELL_MARKER = "# tf1-migrate: notebook cell {number}"


def rewrite_notebook(text: str, path: str, rewrite: Callable[..., object]) -> tuple[str, tuple[Finding, ...], str]:
    """Rewrite the code cells of a notebook; return (new JSON text, findings, error).

    The cells share one namespace (``import tensorflow as tf`` in cell 1 is
    ``tf`` in cell 5), so they are rewritten together as one module, each cell
    behind a marker comment, and split back. Cell sources keep their
    list-of-lines form; metadata and outputs are untouched; findings are
    located ``path:cell N:line:col``.
    """
    try:
        notebook = json.loads(text)
        code_cells = _code_cells(notebook)
    except (ValueError, KeyError, TypeError) as error:
        return text, (), f"not a Jupyter notebook ({error})"
    if not code_cells:
        return text, (), ""
    module, starts, sources = _cells_as_module(code_cells)
    result = rewrite(module, path=path)
    if result.error:
        return text, tuple(result.findings), f"cannot parse its code cells: {result.error}"
    findings = tuple(_cell_finding(finding, starts, path) for finding in result.findings)
    if not result.changed:
        return text, findings, ""
    rewritten_cells = _split_cells(result.code)
    for number, cell in code_cells:
        new_code = rewritten_cells.get(number, sources[number])
        if not sources[number].endswith("\n") and new_code.endswith("\n"):
            new_code = new_code[:-1]
        if new_code != sources[number]:
            cell["source"] = new_code.splitlines(keepends=True) if isinstance(cell.get("source"), list) else new_code
    indent = _notebook_indent(text)
    rewritten = json.dumps(notebook, indent=indent, ensure_ascii=False)
    return rewritten + ("\n" if text.endswith("\n") else ""), findings, ""


def _code_cells(notebook: Any) -> list[tuple[int, dict]]:
    return [(number, cell) for number, cell in enumerate(notebook["cells"], start=1)
            if isinstance(cell, dict) and cell.get("cell_type") == "code"]


def _cells_as_module(code_cells: list[tuple[int, dict]]) -> tuple[str, list[tuple[int, int]], dict[int, str]]:
    """The code cells as one module, each behind its marker line; (module, starts, sources),
    starts being ``(first module line of the cell, 1-based; cell number)``."""
    module_lines: list[str] = []
    starts: list[tuple[int, int]] = []
    sources = {}
    for number, cell in code_cells:
        source = cell.get("source", "")
        code = "".join(source) if isinstance(source, list) else source
        sources[number] = code
        module_lines.append(CELL_MARKER.format(number=number) + "\n")
        starts.append((len(module_lines) + 1, number))
        module_lines.extend(code.splitlines(keepends=True))
        if module_lines and not module_lines[-1].endswith("\n"):
            module_lines[-1] += "\n"
    return "".join(module_lines), starts, sources


def notebook_as_module(text: str) -> str:
    """A notebook's code cells in order as one module (what Run All executes), each cell
    behind a ``# tf1-migrate: notebook cell N`` line; IPython magics kept as written.

    Raises:
        ValueError: when ``text`` is not notebook JSON.
    """
    try:
        return _cells_as_module(_code_cells(json.loads(text)))[0]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"expected a Jupyter notebook (JSON with 'cells'), got something else ({error})") from None


def _split_cells(module: str) -> dict[int, str]:
    """Undo the concatenation: marker lines back to ``{cell number: code}``.

    Lines a codemod inserted above the first marker (e.g. a setting that must
    come before every import) belong to the first code cell.
    """
    cells: dict[int, list[str]] = {}
    preamble: list[str] = []
    current = None
    for line in module.splitlines(keepends=True):
        stripped = line.strip()
        prefix = CELL_MARKER.format(number="")
        if stripped.startswith(prefix) and stripped[len(prefix):].isdigit():
            current = int(stripped[len(prefix):])
            cells[current] = []
            continue
        (cells[current] if current is not None else preamble).append(line)
    if cells and preamble:
        first = min(cells)
        cells[first] = preamble + cells[first]
    return {number: "".join(lines) for number, lines in cells.items()}


def _cell_finding(finding: Finding, starts: list[tuple[int, int]], path: str) -> Finding:
    number, first_line = starts[0][1], starts[0][0]
    for start, cell_number in starts:
        if finding.line >= start:
            number, first_line = cell_number, start
    return dataclasses.replace(finding, path=f"{path}:cell {number}", line=max(1, finding.line - first_line + 1))


# --- one file -------------------------------------------------------------------------


def atomic_write(path: str, data: bytes) -> None:
    """Replace ``path``'s content with ``data`` atomically, keeping its mode; follow symlinks.

    Refuses a read-only file (rename would replace it regardless of its mode).
    """
    target = os.path.realpath(path)
    info = os.stat(target)
    # The mode bits, not os.access: as root every file is writable, but a file
    # marked read-only was marked so on purpose.
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        raise PermissionError(f"{path} is read-only")
    directory = os.path.dirname(target)
    descriptor, temporary = tempfile.mkstemp(prefix=".tf1-migrate-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, target)
    except BaseException:
        # Any failure (or Ctrl-C) before the rename leaves the original in place.
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def process_file(path: str, level: str, write: bool) -> FileOutcome:
    """Read, pre-check, rewrite and (optionally) write one file. Never raises for bad input."""
    from migrate.engine import rewrite_source

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return FileOutcome(path, "failed", error="the file disappeared before it could be read",
                           hint="it was deleted or moved during the run; run again")
    except IsADirectoryError:
        return FileOutcome(path, "failed", error="is a directory", hint="pass the directory itself")
    except OSError as error:
        return FileOutcome(path, "failed", error=f"cannot read: {error.strerror or error}",
                           hint="check the permissions")
    if TENSORFLOW_MARKER not in data:
        return FileOutcome(path, "unchanged")
    if BINARY_MARKER in data:
        return FileOutcome(path, "failed", error="binary file (contains NUL bytes)",
                           hint="not Python source; exclude it with --exclude")
    try:
        text, encoding = decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return FileOutcome(path, "failed", error=f"cannot decode: {error}",
                           hint="save the file as UTF-8, or declare its encoding in a '# -*- coding: ... -*-' line")
    if path.endswith(".ipynb"):
        rewritten, findings, error = rewrite_notebook(text, path, lambda code, path: rewrite_source(code, level, path))
        if error:
            return FileOutcome(path, "failed", original=text, findings=findings, error=error,
                               hint=findings[0].suggestion if findings else "a .ipynb must be notebook JSON")
    else:
        result = rewrite_source(text, level, path)
        if result.error:
            return FileOutcome(path, "failed", original=text, findings=result.findings, error=result.error,
                               hint=result.findings[0].suggestion if result.findings else "")
        rewritten, findings = result.code, result.findings
    if rewritten == text:
        return FileOutcome(path, "unchanged", original=text, rewritten=text, findings=findings)
    if write:
        try:
            atomic_write(path, _encode(rewritten, encoding))
        except FileNotFoundError:
            return FileOutcome(path, "failed", original=text, rewritten=rewritten, findings=findings,
                               error="the file disappeared before it could be written",
                               hint="it was deleted or moved during the run; nothing was written")
        except (OSError, UnicodeEncodeError) as error:
            return FileOutcome(path, "failed", original=text, rewritten=rewritten, findings=findings,
                               error=f"cannot write: {error}",
                               hint="make the file writable (or use the default diff mode), then run again")
    return FileOutcome(path, "changed", original=text, rewritten=rewritten, findings=findings, written=write)


def _process_for_pool(arguments: tuple[str, str, bool]) -> FileOutcome:
    return process_file(*arguments)


def run_paths(paths: list[str], level: str, write: bool, jobs: int,
              on_outcome: Callable[[FileOutcome], None] | None = None) -> list[FileOutcome]:
    """Process ``paths`` (already collected), in parallel processes when ``jobs > 1``.

    Outcomes come back in input order; ``on_outcome`` is called as each finishes
    (progress reporting).
    """
    if jobs <= 1 or len(paths) < 2:
        outcomes = []
        for path in paths:
            outcome = process_file(path, level, write)
            if on_outcome:
                on_outcome(outcome)
            outcomes.append(outcome)
        return outcomes
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        outcomes = []
        chunk = max(1, min(16, len(paths) // (jobs * 4)))
        for outcome in pool.map(_process_for_pool, [(p, level, write) for p in paths], chunksize=chunk):
            if on_outcome:
                on_outcome(outcome)
            outcomes.append(outcome)
        return outcomes


__all__ = [
    "CollectedPath", "FileOutcome", "SOURCE_SUFFIXES", "atomic_write", "collect_paths", "decode_source",
    "process_file", "rewrite_notebook", "run_paths",
]
