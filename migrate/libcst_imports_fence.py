"""The fence around the libcst internals that :mod:`migrate.import_edits` relies on to apply
scheduled imports without the stock visitors' full passes (issue 8: they cost more than the
rest of a file's rewrite).

Why it is needed, three assumptions:

* ``RemoveImportsVisitor`` decides "still used" by asking ``alias in self._unused_imports``
  in ``leave_Import`` / ``leave_ImportFrom``; its ``visit_Module`` fills that from a second,
  full scope analysis. :func:`set_unused_aliases` puts a cheaper answer there instead.
* libcst's matcher support scans ``dir(visitor)`` for decorated methods each time a visitor
  is built (``libcst.matchers._visitors``, ~11 ms for a transformer's ~600 methods);
  :class:`NoMatcherScan` gives that scan nothing to look at. Visits themselves are found by
  name (``visit_<Node>``), not through ``dir``.
* ``AddImportsVisitor.visit_Module`` learns which imports exist from the module's leading
  import block only (after a docstring), so handing it just that block changes nothing.

Public alternatives checked: ``RemoveImportsVisitor(context, unused_imports)`` takes the
imports to remove, not the answer to "is this name still used", which is the costly part;
``libcst`` has no switch for the matcher scan; the stock visitors' own passes are the
alternative, and ``migrate.import_edits`` falls back to them when ``ast`` cannot parse the code.

Checked against libcst 1.9.0 (``pyproject.toml`` keeps ``libcst<1.10``): :func:`check` probes all
three (tests/test_private_api_fences.py); tests/test_import_edits.py compares the fast edits
with the stock visitors on every fixture script. This module is the only one that names
``_unused_imports`` or overrides ``__dir__`` of a libcst visitor.
"""

from __future__ import annotations

from typing import Any, Container

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from tf2_port.fence_errors import fence_broken

CHECKED_AGAINST = {"libcst": "1.9.0"}


def _broken(expected: str, got: str) -> RuntimeError:
    return fence_broken(__name__, "libcst", CHECKED_AGAINST["libcst"], expected, got)


class NoMatcherScan:
    """Mix in before a libcst visitor class: its construction skips the scan for matcher
    decorators (which this project's import visitors do not use)."""

    def __dir__(self) -> list[str]:
        return []


def set_unused_aliases(remover: RemoveImportsVisitor, unused: Container[Any]) -> None:
    """Make ``remover`` treat an ``ImportAlias`` as unused exactly when it is ``in unused``.

    Call it from the remover's ``visit_Module``, in place of the stock one.

    Raises:
        RuntimeError: when the remover no longer keeps that answer in ``_unused_imports``.
    """
    if not hasattr(remover, "_unused_imports"):
        raise _broken("RemoveImportsVisitor to keep the aliases it may remove in `_unused_imports`",
                      f"no such attribute on {type(remover).__name__}")
    remover._unused_imports = unused


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


class _DirCounter(RemoveImportsVisitor):
    def __init__(self, context: CodemodContext) -> None:
        self.dir_calls = 0
        super().__init__(context)

    def __dir__(self) -> list[str]:
        self.dir_calls += 1
        return super().__dir__()


def check() -> None:
    """Probe the three assumptions on tiny modules.

    Raises:
        RuntimeError: saying which assumption libcst no longer meets.
    """
    if _DirCounter(CodemodContext()).dir_calls == 0:
        raise _broken("a visitor's construction to scan dir(visitor) for matcher decorators",
                      "no call of __dir__ (NoMatcherScan would save nothing)")

    for answer, kept in ((_Everything(), False), (frozenset(), True)):
        context = CodemodContext()
        RemoveImportsVisitor.remove_unused_import(context, "os")

        class Remover(NoMatcherScan, RemoveImportsVisitor):
            def visit_Module(self, node: cst.Module) -> None:
                set_unused_aliases(self, answer)

        code = Remover(context).transform_module(cst.parse_module("import os\n")).code
        if ("import os" in code) != kept:
            raise _broken(f"RemoveImportsVisitor to {'keep' if kept else 'remove'} `import os` when "
                          f"`_unused_imports` {'holds nothing' if kept else 'holds every alias'}", repr(code))

    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, "b")
    code = AddImportsVisitor(context).transform_module(cst.parse_module('"""doc"""\nimport a\nx = 1\nimport b\n')).code
    if code.count("import b") != 2:
        raise _broken("AddImportsVisitor to see only the leading import block (and add `import b` "
                      "although a later line imports it)", repr(code))


__all__ = ["CHECKED_AGAINST", "NoMatcherScan", "check", "set_unused_aliases"]
