"""Notebook exports: IPython ``%magic`` and ``!shell`` lines are not Python.

A ``.py`` exported from a notebook keeps lines like ``%matplotlib inline`` or ``!pip install
x``, which make the whole file unparseable. They are masked before parsing -- each replaced by a
``pass`` statement carrying a unique marker, at the same indentation, so line numbers and blocks
stay valid -- and put back exactly after rewriting. ``get_ipython()`` calls are plain Python and
need nothing.
"""

from __future__ import annotations

import dataclasses
import io
import tokenize

MARKER = "tf1-migrate masked notebook line"
_OPENERS = {"(", "[", "{"}
_CLOSERS = {")", "]", "}"}


@dataclasses.dataclass(frozen=True)
class Masked:
    text: str
    lines: dict[str, str]  # marker comment -> original line (without its line ending)


def _split(line: str) -> tuple[str, str]:
    """(content, line ending)."""
    stripped = line.rstrip("\r\n")
    return stripped, line[len(stripped) :]


def magic_lines(source: str) -> list[int]:
    """0-based indices of the lines that start a logical line with ``%`` or ``!``."""
    lines = source.splitlines(keepends=True)
    candidates = {
        index for index, line in enumerate(lines) if line.lstrip(" \t").startswith(("%", "!"))
    }
    if not candidates:
        return []
    found = []
    depth = 0
    at_start = True
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL):
                at_start = depth == 0
                continue
            if token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT):
                continue
            if at_start and depth == 0 and token.string in ("%", "%%", "!", "!!"):
                if token.start[0] - 1 in candidates:
                    found.append(token.start[0] - 1)
            if token.type == tokenize.OP or token.type == tokenize.ERRORTOKEN:
                if token.string in _OPENERS:
                    depth += 1
                elif token.string in _CLOSERS:
                    depth = max(0, depth - 1)
            at_start = False
    except (tokenize.TokenError, SyntaxError):
        # The tokenizer gave up (some Python versions reject `!` outright): fall back to the
        # plain line test, which only misfires on a continuation line starting with `%`.
        return sorted(candidates)
    return found


def mask(source: str) -> Masked | None:
    """The source with its magic lines masked, or None when it has none."""
    indices = magic_lines(source)
    if not indices:
        return None
    lines = source.splitlines(keepends=True)
    originals = {}
    for number, index in enumerate(indices):
        content, ending = _split(lines[index])
        indent = content[: len(content) - len(content.lstrip(" \t"))]
        marker = f"# {MARKER} {number}"
        originals[marker] = content
        lines[index] = f"{indent}pass  {marker}{ending}"
    return Masked("".join(lines), originals)


def unmask(code: str, masked: Masked) -> str:
    """Put the original magic lines back in place of their markers."""
    lines = code.splitlines(keepends=True)
    for index, line in enumerate(lines):
        content, ending = _split(line)
        if MARKER not in content:
            continue
        marker = content[content.index("# " + MARKER) :]
        if marker in masked.lines:
            lines[index] = masked.lines[marker] + ending
    return "".join(lines)
