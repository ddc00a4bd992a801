"""What a name in a user's script refers to: the one resolver of ``tensorflow...`` paths.

Both levels ask the same question of a Name or Attribute chain: which ``tensorflow...`` path was it
imported as? The compat codemods ask it of libcst's scope analysis for every access
(:func:`tensorflow_names`); the keras level asks it first of the module's imports alone
(:func:`import_map`, below) and of the scope analysis only when that is not provably the same.
Names are compared normalised (:func:`normalise`) and printed as a script spells them
(:func:`display`).

The fast path. libcst's ``ScopeProvider`` answers "what does this name refer to" for every name of a module,
and costs about a quarter of a keras-level rewrite per pass (issue 8). The port pass asks it
only one thing: which ``tensorflow...`` path a name or attribute chain was imported as. When
every name a module imports is bound *only* by imports -- never assigned, never a parameter,
loop or ``with`` target, function or class name, ``global``, deleted, never imported twice
as different things, and there is no star import -- the answer is the same from the import
statements alone: ``tf.nn.rnn_cell.X`` under ``import tensorflow as tf`` is
``tensorflow.nn.rnn_cell.X`` whatever scope it is used in. :func:`import_map` returns that
map, or None when the module is not of that kind (the caller then asks the scope analysis).

The bindings come from CPython's ``ast`` (a C parser, ~1 ms for a 70-line script), whose
contexts (``Store``/``Del``) mark every binding form without a list kept here.
"""

from __future__ import annotations

import ast

import libcst as cst


def import_map(code: str) -> dict[str, str] | None:
    """{bound name: dotted path it was imported as} for ``code``, or None when a name it
    imports is also bound another way (or imported as two things, or by a star import), or
    when CPython cannot parse the code."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    imported: dict[str, str] = {}
    other_bindings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                path = alias.name if alias.asname else bound
                if imported.setdefault(bound, path) != path:
                    return None
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return None
                bound = alias.asname or alias.name
                # A relative import refers to the user's own package: never a tensorflow path.
                path = f"{node.module}.{alias.name}" if node.module and not node.level else f".{alias.name}"
                if imported.setdefault(bound, path) != path:
                    return None
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            other_bindings.add(node.id)
        elif isinstance(node, ast.arg):
            other_bindings.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other_bindings.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            other_bindings.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            other_bindings.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            other_bindings.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            other_bindings.add(node.rest)
    if other_bindings & imported.keys():
        return None
    return imported


def qualified_name(node: cst.CSTNode, imports: dict[str, str]) -> str | None:
    """The dotted path ``node`` (a Name, or an Attribute chain on one) refers to through
    ``imports``, or None when its base name was not imported."""
    attributes = []
    while isinstance(node, cst.Attribute):
        attributes.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    path = imports.get(node.value)
    if path is None:
        return None
    return ".".join([path, *reversed(attributes)])


def tensorflow_names(scope, node: cst.CSTNode) -> tuple[str, ...]:
    """The ``tensorflow...`` paths libcst's ``scope`` gives for ``node``, sorted (several when a
    name is bound on several paths); empty for a node outside any scope."""
    if scope is None:
        return ()
    return tuple(sorted(name.name for name in scope.get_qualified_names_for(node) if name.name.startswith("tensorflow")))


def normalise(qualified: str) -> str:
    """``tensorflow.compat.v1.nn.X`` -> ``tensorflow.nn.X``; other names unchanged."""
    for prefix in ("tensorflow.compat.v1.", "tensorflow.compat.v2."):
        if qualified.startswith(prefix):
            return "tensorflow." + qualified[len(prefix):]
    return qualified


def display(name: str) -> str:
    """``tensorflow.x.y`` as a script spells it: ``tf.x.y``."""
    return "tf" + name[len("tensorflow"):] if name.startswith("tensorflow") else name
