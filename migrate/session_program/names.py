"""The names a statement binds and reads, from CPython's ``ast`` of its code.

Reads are ``Load`` names, minus the targets and parameters a comprehension or lambda of the
same statement binds for itself (``[f(s) for s in states]`` reads ``states``, not ``s``).
Binds are assignment targets, loop / ``with`` / ``except`` targets, function and class names,
imports -- and the receivers of in-place list building (``cells.append(...)``, ``cells += ...``,
``table[k] = ...``), which change the value a name holds.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "add", "setdefault", "pop", "remove", "clear"})


@dataclass(frozen=True)
class NameUse:
    binds: frozenset[str]
    reads: frozenset[str]
    mutates: frozenset[str]  # bound by changing the value in place: also read


def name_use(code: str) -> NameUse:
    """Binds and reads of ``code`` (one statement, possibly compound)."""
    tree = ast.parse(code)
    if len(tree.body) == 1 and isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return _definition_use(tree.body[0])
    binds: set[str] = set()
    reads: set[str] = set()
    mutates: set[str] = set()
    local_to_expressions: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for generator in node.generators:
                local_to_expressions |= _target_names(generator.target)
        elif isinstance(node, ast.Lambda):
            local_to_expressions |= {arg.arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg)}
        elif isinstance(node, ast.NamedExpr):
            binds |= _target_names(node.target)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                reads.add(node.id)
            else:
                binds.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                binds.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            binds.add(node.name)
        elif isinstance(node, ast.arg):
            local_to_expressions.add(node.arg)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if node.func.attr in MUTATING_METHODS and isinstance(receiver, ast.Name):
                mutates.add(receiver.id)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                base = target
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base = base.value
                if base is not target and isinstance(base, ast.Name):
                    mutates.add(base.id)
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                mutates.add(node.target.id)
    # A for loop's target is the loop's own until the loop ends (`for i in range(n): f(x[i])`
    # reads x, not i), unless something outside the loop body reads it too.
    loop_targets = {name for node in ast.walk(tree) if isinstance(node, ast.For) for name in _target_names(node.target)}
    if loop_targets:
        reads -= loop_targets - _loads_outside_loop_bodies(tree)
    # A comprehension variable that the statement also binds or reads outside the
    # comprehension stays (rare; over-reading only makes a slice larger).
    reads -= local_to_expressions - _outside_loads(tree, local_to_expressions)
    binds -= local_to_expressions - _outside_stores(tree)
    binds |= mutates
    reads |= mutates
    return NameUse(frozenset(binds), frozenset(reads), frozenset(mutates))


def _definition_use(node: ast.AST) -> NameUse:
    """A ``def`` or ``class`` binds its name and reads its free names (and decorators')."""
    local = {n.arg for n in ast.walk(node) if isinstance(n, ast.arg)}
    local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local |= {n.name for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n is not node}
    loads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return NameUse(frozenset({node.name}), frozenset(loads - local), frozenset())


def _target_names(target: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(target) if isinstance(node, ast.Name)}


def _outside_loads(tree: ast.AST, names: set[str]) -> set[str]:
    """Of ``names``, those loaded outside any comprehension or lambda."""
    found: set[str] = set()

    def walk(node: ast.AST) -> None:
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
            found.add(node.id)
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(tree)
    return found


def _loads_outside_loop_bodies(tree: ast.AST) -> set[str]:
    """Names loaded anywhere but inside a for loop's body (its iterable counts as outside)."""
    found: set[str] = set()

    def walk(node: ast.AST) -> None:
        if isinstance(node, ast.For):
            walk(node.iter)
            for child in node.orelse:
                walk(child)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.add(node.id)
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(tree)
    return found


def _outside_stores(tree: ast.AST) -> set[str]:
    found: set[str] = set()

    def walk(node: ast.AST) -> None:
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)):
            return
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(tree)
    return found
