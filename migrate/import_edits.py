"""Apply the imports codemods scheduled, as libcst's visitors would, without their full passes.

``AddImportsVisitor`` and ``RemoveImportsVisitor`` are what a libcst codemod schedules imports
with, and the codemods of this package keep using them (``CodemodTest`` and ``libcst.tool``
runs apply them the stock way). Run stock from the engine, they cost more than the rest of
a file's rewrite put together (issue 8: ~110 ms and ~230 ms per 70-line script, against ~30
ms for the scope analysis): each deep-copies the module into a new ``MetadataWrapper``,
walks every node through matcher dispatch, and the remover resolves a fresh scope analysis
to learn which names are still used.

The subclasses here keep libcst's own edit methods (so the output is the same text) and
change only how much they look at (the libcst internals this relies on, and their checks, are
in :mod:`migrate.libcst_imports_fence`):

* both walk statements only -- an import is a statement, and expressions cannot hold one;
  the adder does not even enter nested blocks, as it edits only the top-of-module imports;
* the adder's gatherer sees only the statements it reads (docstring plus the first import
  block) instead of walking the whole module;
* the remover decides "still used" from the names the final code loads, taken from
  CPython's ``ast`` (a C parser) instead of a second libcst scope analysis. That is
  coarser in one direction only -- a name used anywhere in the module keeps an import the
  scope analysis might have let go (say, one shadowed by a local) -- so it can keep an
  import libcst would drop, never drop one libcst would keep. When the code does not parse
  with ``ast`` the stock visitors run instead.

``tests/test_import_edits.py`` checks the result against the stock visitors on every
fixture script.
"""

from __future__ import annotations

import ast
import re

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from migrate.libcst_imports_fence import NoMatcherScan, set_unused_aliases

# Nodes that can hold a statement: the only ones worth descending into to find an import.
_STATEMENT_CONTAINERS = (
    cst.Module,
    cst.SimpleStatementLine,
    cst.BaseCompoundStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)


def apply_scheduled_imports(module: cst.Module, context: CodemodContext) -> cst.Module:
    """``module`` with the imports ``context`` scheduled added, then the unused ones removed."""
    if context.scratch.get(AddImportsVisitor.CONTEXT_KEY):
        module = module.visit(_TopLevelAddImports(context))
    if context.scratch.get(RemoveImportsVisitor.CONTEXT_KEY):
        used = _loaded_names(module.code)
        if used is None:
            module = RemoveImportsVisitor(context).transform_module(module)
        else:
            module = module.visit(_StatementRemoveImports(context, used))
    return module


class _TopLevelAddImports(NoMatcherScan, AddImportsVisitor):
    """``AddImportsVisitor`` that reads and edits only the module's top-level statements."""

    def visit_Module(self, node: cst.Module) -> None:
        # The stock gatherer walks the whole module but reads only the first statement (a
        # docstring or ``__strict__`` flag it skips, or an import) and the import lines after
        # it: give it just those (the same node objects, so its bookkeeping by identity holds).
        body = node.body
        end = 1
        while end < len(body) and _is_import_line(body[end]):
            end += 1
        super().visit_Module(node.with_changes(body=body[:end]))

    def on_visit(self, node: cst.CSTNode) -> bool:
        super().on_visit(node)
        return isinstance(node, (cst.Module, cst.SimpleStatementLine))


class _StatementRemoveImports(NoMatcherScan, RemoveImportsVisitor):
    """``RemoveImportsVisitor`` that walks statements only and takes "used" from ``used``."""

    def __init__(self, context: CodemodContext, used: frozenset[str]) -> None:
        super().__init__(context)
        self._used = used

    def visit_Module(self, node: cst.Module) -> None:
        set_unused_aliases(self, _UnusedAliases(self._used))

    def on_visit(self, node: cst.CSTNode) -> bool:
        super().on_visit(node)
        return isinstance(node, _STATEMENT_CONTAINERS)


class _UnusedAliases:
    """Answers ``alias in unused`` for the stock remover: is the name ``alias`` binds unused?"""

    def __init__(self, used: frozenset[str]) -> None:
        self._used = used

    def __contains__(self, alias: object) -> bool:
        if not isinstance(alias, cst.ImportAlias):
            return False
        bound = alias.evaluated_alias or alias.evaluated_name.split(".")[0]
        return bound not in self._used


def _loaded_names(code: str) -> frozenset[str] | None:
    """Every name the code refers to (in any context), plus the two places libcst's own check
    also reads: the strings of ``__all__`` and the names inside string annotations. None when
    CPython cannot parse the code."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
            continue
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets):
                names.update(_strings_in(node.value))
        annotations = []
        if isinstance(node, ast.arg):
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            for text in _strings_in(annotation):
                names.update(_IDENTIFIER.findall(text))
    return frozenset(names)


_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def _strings_in(node: ast.AST | None) -> list[str]:
    if node is None:
        return []
    return [
        item.value for item in ast.walk(node)
        if isinstance(item, ast.Constant) and isinstance(item.value, str)
    ]


def _is_import_line(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
    )

